/**
 * Principal components (src/analysis/pca.ts) of clouds with known covariance: the axes and
 * variances of an axis-aligned cloud, a rotated one, and the projection's round trip.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { principalComponents, project } from '../../src/analysis/pca.ts';
import { TOL } from '../helpers/tolerance.ts';

test('principal components of points on a rotated rectangle: the axes, variances and explained fractions exactly', (t) => {
  // the 4 corners (+-a, +-b) rotated by phi and shifted: sample covariance diag(4a^2/3, 4b^2/3) rotated
  const a = 3;
  const b = 1;
  const phi = 0.4;
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  const X = new Float64Array(8);
  [
    [a, b],
    [a, -b],
    [-a, b],
    [-a, -b],
  ].forEach(([u, v], i) => {
    X[2 * i] = 5 + c * u! - s * v!;
    X[2 * i + 1] = -2 + s * u! + c * v!;
  });
  const pc = principalComponents(X, 4, 2, 2);
  t.true(Math.abs(pc.mean[0]! - 5) <= TOL.roundoff && Math.abs(pc.mean[1]! + 2) <= TOL.roundoff);
  t.true(Math.abs(pc.variance[0]! - (4 * a * a) / 3) <= TOL.roundoff * 10);
  t.true(Math.abs(pc.variance[1]! - (4 * b * b) / 3) <= TOL.roundoff * 10);
  t.true(Math.abs(pc.explained[0]! - 0.9) <= TOL.roundoff);
  // first axis (cos phi, sin phi), sign: largest entry positive
  t.true(Math.abs(pc.components[0]! - c) <= TOL.roundoff && Math.abs(pc.components[1]! - s) <= TOL.roundoff);
  const P = project(pc, X, 4, 2);
  t.true(Math.abs(Math.abs(P[0]!) - a) <= TOL.roundoff && Math.abs(Math.abs(P[1]!) - b) <= TOL.roundoff);
});

test('property: projections onto all components preserve distances to the mean, variances sum to the trace', (t) => {
  const rng = new Rng(9);
  const N = 200;
  const d = 5;
  const X = rng.fillNormal(new Float64Array(N * d), 0, 1);
  for (let i = 0; i < N; i++) X[i * d + 2]! *= 3;
  const pc = principalComponents(X, N, d, d);
  const P = project(pc, X, N, d);
  let trace = 0;
  for (let j = 0; j < d; j++) {
    let v = 0;
    for (let i = 0; i < N; i++) v += (X[i * d + j]! - pc.mean[j]!) ** 2;
    trace += v / (N - 1);
  }
  t.true(Math.abs(pc.variance.reduce((x, y) => x + y, 0) - trace) <= TOL.roundoff * trace * 10);
  for (let i = 0; i < N; i++) {
    let r2 = 0;
    let p2 = 0;
    for (let j = 0; j < d; j++) {
      r2 += (X[i * d + j]! - pc.mean[j]!) ** 2;
      p2 += P[i * d + j]! ** 2;
    }
    t.true(Math.abs(r2 - p2) <= TOL.roundoff * 100 * Math.max(1, r2));
  }
  t.true(Math.abs(pc.components[2]!) > 0.9, 'the stretched coordinate leads');
  t.throws(() => principalComponents(X, 1, d, 1), { message: /at least 2/ });
});
