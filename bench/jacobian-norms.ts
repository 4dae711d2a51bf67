/**
 * jacobian-norms: the spectral norm of every Jacobian product P_k = J_T ... J_{T-k+1}, k = 1..T, of a
 * tanh RNN (issue 3), by the warm-started power iteration of src/analysis/jacobian-products.ts.
 * FLOPs per lag: 2 n^3 (one product update).
 *
 * jacobian-norms-f32 (issue 16): the same configurations on a float32 RNN: the products P_k J_t in
 * float32 (the cell's vjp, sgemm f32x4), the norms measured in float64 from the stored values.
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { TANH } from '../src/activations/index.ts';
import { createTape, forward } from '../src/models/bptt.ts';
import { createRnn } from '../src/models/rnn.ts';
import { productNorms } from '../src/analysis/jacobian-products.ts';
import { inPrecision, type Precision } from '../src/linalg/precision.ts';
import { emit, medianSeconds, QUICK } from './common.ts';

export function jacobianNorms(n: number, steps: number, precision: Precision = 'float64'): void {
  const rng = new Rng(2);
  const rnn = createRnn({ n, m: 1, W: initWeights('gaussian', n, n, rng, 1), U: initWeights('gaussian', n, 1, rng, 1), b: new Float64Array(n), activation: TANH, precision });
  const tape = createTape(rnn, 1, steps);
  forward(rnn, inPrecision(precision, rng.fillNormal(new Float64Array(steps))), tape);
  let check = 0;
  const s = medianSeconds(() => {
    check = productNorms(rnn, tape, { stepNorms: false }).logNorms[steps - 1]!;
  }, QUICK ? 1 : 3);
  const f32 = precision === 'float32';
  emit({ impl: 'rnn-dynamics', workload: f32 ? 'jacobian-norms-f32' : 'jacobian-norms', ...(f32 ? { precision } : {}), n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: (2 * n ** 3 * steps) / s / 1e9, check });
}
