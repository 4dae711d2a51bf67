/**
 * The ndarray edge of the public API: views share memory with the Float64Arrays (no copies),
 * strided or transposed inputs are read correctly, and the trajectory and Jacobians agree with the
 * model's own forward pass and with finite differences of one step.
 */
import test from 'ava';
import ndarray from 'ndarray';
import { matrixView, rnnJacobians, rnnTrajectory, rowMajorData, weightMatrix } from '../../src/ndarray.ts';
import { initWeights } from '../../src/init/weights.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';

test('matrixView and rowMajorData are zero-copy for contiguous row-major data', (t) => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6]);
  const m = matrixView(data, 2, 3);
  t.is(m.get(1, 2), 6);
  m.set(0, 1, 20);
  t.is(data[1], 20, 'writes go through');
  t.is(rowMajorData(m), data, 'the same array back');
  t.is(rowMajorData(matrixView(data, 1, 3, 3)).buffer, data.buffer, 'an offset view is a subarray, not a copy');
  t.deepEqual(Array.from(rowMajorData(m.transpose(1, 0))), [1, 4, 20, 5, 3, 6], 'a transposed view is copied in its own order');
  t.throws(() => matrixView(data, 3, 3), { instanceOf: RangeError });
});

test('weightMatrix is the seeded initialisation as an n x m view', (t) => {
  const W = weightMatrix('orthogonal', 5, 5, { seed: 3, gain: 0.7 });
  t.deepEqual(W.shape, [5, 5]);
  t.deepEqual(Array.from(W.data), Array.from(initWeights('orthogonal', 5, 5, new Rng(3), 0.7)));
});

test('rnnTrajectory follows h_t = tanh(W h_{t-1} + U x_t + b) exactly; rnnJacobians are diag(1 - h_t^2) W and match finite differences', (t) => {
  const n = 4;
  const m = 2;
  const T = 6;
  const W = weightMatrix('gaussian', n, n, { seed: 1, gain: 1.2 });
  // U given transposed (a strided view) to check the copy path
  const Ut = ndarray(Float64Array.from({ length: m * n }, (_, i) => Math.sin(i + 1)), [m, n]);
  const U = Ut.transpose(1, 0);
  const b = ndarray(new Float64Array([0.1, -0.2, 0.05, 0]), [n]);
  const x = ndarray(Float64Array.from({ length: T * m }, (_, i) => Math.cos(0.7 * i)), [T, m]);
  const h0 = ndarray(new Float64Array([0.3, -0.1, 0.2, 0.5]), [n]);
  const p = { W, U, b, activation: 'tanh' };
  const h = rnnTrajectory(p, x, h0);
  t.deepEqual(h.shape, [T + 1, n]);
  const step = (prev: number[], t1: number): number[] =>
    Array.from({ length: n }, (_, i) => {
      let a = b.get(i);
      for (let j = 0; j < n; j++) a += W.get(i, j) * prev[j]!;
      for (let j = 0; j < m; j++) a += U.get(i, j) * x.get(t1 - 1, j);
      return Math.tanh(a);
    });
  let ref = [0.3, -0.1, 0.2, 0.5];
  for (let s = 1; s <= T; s++) {
    ref = step(ref, s);
    for (let i = 0; i < n; i++) t.true(Math.abs(h.get(s, i) - ref[i]!) <= TOL.roundoff, `h_${s}[${i}]`);
  }
  const J = rnnJacobians(p, x, h0);
  t.deepEqual(J.shape, [T, n, n]);
  const eps = 1e-6;
  for (let s = 1; s <= T; s++) {
    const prev = Array.from({ length: n }, (_, j) => h.get(s - 1, j));
    for (let j = 0; j < n; j++) {
      const up = step(prev.map((v, k) => (k === j ? v + eps : v)), s);
      const down = step(prev.map((v, k) => (k === j ? v - eps : v)), s);
      for (let i = 0; i < n; i++) {
        const fd = (up[i]! - down[i]!) / (2 * eps);
        t.true(Math.abs(J.get(s - 1, i, j) - fd) <= TOL.finiteDifference, `J_${s}[${i},${j}]`);
        t.true(Math.abs(J.get(s - 1, i, j) - (1 - h.get(s, i) ** 2) * W.get(i, j)) <= TOL.roundoff);
      }
    }
  }
});

test('shapes are checked at the edge, naming the argument', (t) => {
  const W = weightMatrix('gaussian', 3, 3, { seed: 1 });
  t.throws(() => rnnTrajectory({ W: weightMatrix('gaussian', 3, 2, { seed: 1 }), activation: 'tanh' }, { steps: 2 }), { message: /^W: expected a square/ });
  t.throws(() => rnnTrajectory({ W, U: weightMatrix('gaussian', 3, 2, { seed: 1 }), activation: 'tanh' }, ndarray(new Float64Array(6), [2, 3])), { message: /^inputs: expected a T x 2 ndarray/ });
  t.throws(() => rnnTrajectory({ W, activation: 'tanh' }, { steps: 2 }, ndarray(new Float64Array(2), [2])), { message: /^h0: expected 3 entries/ });
});
