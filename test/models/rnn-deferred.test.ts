/**
 * BPTT forms the weight gradients dW = sum_t da_t^T h_{t-1} (and dU, db) as one product per run
 * of steps rather than per step. Here the runs split the sequence unevenly (B = 40 gives runs of
 * 26 steps over T = 60: 26 + 26 + 8), and the result must match the per-step accumulation
 * written out directly on the same tape.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { TANH } from '../../src/activations/index.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { gradientViews, runCell } from '../helpers/cells.ts';
import { TOL, maxRelativeError } from '../helpers/tolerance.ts';

test('deferred weight gradients over uneven runs equal the per-step sums', (t) => {
  const n = 8;
  const m = 2;
  const B = 40;
  const T = 60;
  const rng = new Rng(17);
  const rnn = createRnn({ n, m, W: initWeights('gaussian', n, n, rng, 1.2), U: initWeights('gaussian', n, m, rng, 1), b: rng.fillNormal(new Float64Array(n), 0, 0.1), activation: TANH });
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  const targets = rng.fillNormal(new Float64Array(B * n));
  const { tape, grads } = runCell(rnn, B, T, x, { h: h0 }, { kind: 'squared-error', steps: 'last', targets });
  t.true(grads.work.dA.length < T * B * n, 'the runs are shorter than the sequence');
  const g = gradientViews(rnn, grads);

  const { h } = tape.states;
  const bn = B * n;
  const dW = new Float64Array(n * n);
  const dU = new Float64Array(n * m);
  const db = new Float64Array(n);
  let delta = new Float64Array(bn);
  for (let i = 0; i < bn; i++) delta[i] = (h[T * bn + i]! - targets[i]!) / B;
  for (let s = T; s >= 1; s--) {
    const da = new Float64Array(bn);
    for (let i = 0; i < bn; i++) da[i] = delta[i]! * (1 - h[s * bn + i]! ** 2);
    const next = new Float64Array(bn);
    for (let r = 0; r < B; r++)
      for (let i = 0; i < n; i++) {
        const gi = da[r * n + i]!;
        db[i]! += gi;
        for (let j = 0; j < n; j++) dW[i * n + j]! += gi * h[(s - 1) * bn + r * n + j]!;
        for (let j = 0; j < m; j++) dU[i * m + j]! += gi * x[(s - 1) * B * m + r * m + j]!;
        for (let j = 0; j < n; j++) next[r * n + j]! += gi * rnn.W[i * n + j]!;
      }
    delta = next;
  }
  // sums of T * B = 2400 terms in a different order: round-off grows with the count
  const tol = TOL.roundoff * T * B;
  t.true(maxRelativeError(g.W!, dW, 1e-9) < tol, `dW ${maxRelativeError(g.W!, dW, 1e-9)}`);
  t.true(maxRelativeError(g.U!, dU, 1e-9) < tol, `dU ${maxRelativeError(g.U!, dU, 1e-9)}`);
  t.true(maxRelativeError(g.b!, db, 1e-9) < tol, `db ${maxRelativeError(g.b!, db, 1e-9)}`);
  t.true(maxRelativeError(g.h0!, delta, 1e-9) < tol, `dh0 ${maxRelativeError(g.h0!, delta, 1e-9)}`);
});
