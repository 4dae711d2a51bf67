/**
 * lyapunov: the full Lyapunov spectrum of an autonomous tanh RNN (gain 1.5) by Benettin's QR
 * re-orthonormalisation (issue 3). FLOPs per step: 2 n^3 (J Q) + about 2 n^3 (the QR).
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { TANH } from '../src/activations/index.ts';
import { createRnn } from '../src/models/rnn.ts';
import { lyapunovSpectrum } from '../src/analysis/lyapunov.ts';
import { emit, medianSeconds, QUICK } from './common.ts';

export function lyapunov(n: number, steps: number): void {
  const rng = new Rng(3);
  const rnn = createRnn({ n, m: 0, W: initWeights('gaussian', n, n, rng, 1.5), U: new Float64Array(0), b: new Float64Array(n), activation: TANH });
  const h0 = rng.fillNormal(new Float64Array(n), 0, 0.1);
  let check = 0;
  const s = medianSeconds(() => {
    check = lyapunovSpectrum(rnn, { k: n, steps, s0: { h: h0 } }).exponents[0]!;
  }, QUICK ? 1 : 3);
  emit({ impl: 'rnn-dynamics', workload: 'lyapunov', n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: (4 * n ** 3 * steps) / s / 1e9, check });
}
