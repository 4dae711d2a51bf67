/**
 * lyapunov: the full Lyapunov spectrum of an autonomous tanh RNN (gain 1.5) by Benettin's QR
 * re-orthonormalisation (issue 3). FLOPs per step: 2 n^3 (J Q) + about 2 n^3 (the QR).
 *
 * lyapunov-lstm, lyapunov-gru (issue 10): the full spectrum over the whole state of an autonomous
 * forget-gate LSTM (S = 2n: (h, c)) and GRU (S = n), weights N(0, 1.5^2 / n), zero input, as
 * torch.nn.LSTMCell / GRUCell in bench/pytorch_workloads.py. FLOPs per step: the tangent map of
 * S vectors (LSTM 2 (2n)(4n) n = 16 n^3, GRU 2 n (3n) n = 6 n^3) plus the QR (LSTM 16 n^3, GRU
 * 2 n^3): 32 n^3 and 8 n^3.
 *
 * lyapunov-f32 (issue 16): the lyapunov configurations on a float32 RNN: state, tangent vectors,
 * J Q (sgemm f32x4) and the QR's projections (kernels.ts smgs, f32x4; on two threads, smgs_share,
 * when measured faster, as the float64 mgs) in float32; the norms r_i and the log sums in float64.
 *
 * Every workload times `steps` QR steps with no transient (`transient: 0`), as the PyTorch side
 * does: since issue 10 the default transient (200 steps) evolves the tangent vectors too, so with
 * the default the time per counted step doubled at steps = 200 (n = 512: 36-39 ms against 17-22
 * before, the same work per step).
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { TANH } from '../src/activations/index.ts';
import { createRnn } from '../src/models/rnn.ts';
import { gruFromParameters } from '../src/models/gru.ts';
import { lstmFromParameters } from '../src/models/lstm.ts';
import type { RecurrentCell } from '../src/models/cell.ts';
import { lyapunovSpectrum } from '../src/analysis/lyapunov.ts';
import type { Precision } from '../src/linalg/precision.ts';
import { emit, medianSeconds, QUICK } from './common.ts';

export function lyapunov(n: number, steps: number, precision: Precision = 'float64'): void {
  const rng = new Rng(3);
  const rnn = createRnn({ n, m: 0, W: initWeights('gaussian', n, n, rng, 1.5), U: new Float64Array(0), b: new Float64Array(n), activation: TANH, precision });
  const h0 = rng.fillNormal(new Float64Array(n), 0, 0.1);
  let check = 0;
  const s = medianSeconds(() => {
    check = lyapunovSpectrum(rnn, { k: n, steps, transient: 0, s0: { h: h0 } }).exponents[0]!;
  }, QUICK ? 1 : 3);
  const f32 = precision === 'float32';
  emit({ impl: 'rnn-dynamics', workload: f32 ? 'lyapunov-f32' : 'lyapunov', ...(f32 ? { precision } : {}), n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: (4 * n ** 3 * steps) / s / 1e9, check });
}

export function lyapunovCell(kind: 'lstm' | 'gru', n: number, steps: number): void {
  const rng = new Rng(4);
  const cell: RecurrentCell = kind === 'lstm' ? lstmFromParameters({ n, m: 1, forgetGate: true }) : gruFromParameters(n, 1);
  rng.fillNormal(cell.theta, 0, 1.5 / Math.sqrt(n));
  const S = kind === 'lstm' ? 2 * n : n;
  const s0 = { h: rng.fillNormal(new Float64Array(n), 0, 0.1), c: rng.fillNormal(new Float64Array(n), 0, 0.1) };
  let check = 0;
  const s = medianSeconds(() => {
    check = lyapunovSpectrum(cell, { k: S, steps, transient: 0, s0 }).exponents[0]!;
  }, QUICK ? 1 : 3);
  const flops = (kind === 'lstm' ? 32 : 8) * n ** 3 * steps;
  emit({ impl: 'rnn-dynamics', workload: `lyapunov-${kind}`, n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: flops / s / 1e9, check });
}
