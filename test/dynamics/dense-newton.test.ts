/**
 * The small dense solver behind continuation (src/dynamics/dense.ts) against ml-matrix, Newton's
 * method (src/dynamics/newton.ts) on systems with known roots, and the eigen-decomposition and
 * classification of src/dynamics/stability.ts against closed forms.
 */
import test from 'ava';
import { EigenvalueDecomposition, LuDecomposition, Matrix } from 'ml-matrix';
import { luDeterminant, luFactor, luSolve, luSolveTransposed, solveDense } from '../../src/dynamics/dense.ts';
import { complexEigenvector, innerComplex, realEigenvector } from '../../src/dynamics/eigenvectors.ts';
import { newton } from '../../src/dynamics/newton.ts';
import { classify, eigenvalues, slowestModes } from '../../src/dynamics/stability.ts';
import { Rng } from '../../src/init/rng.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

test('LU solves, transposed solves and determinants agree with ml-matrix', (t) => {
  const rng = new Rng(21);
  for (const n of [1, 2, 5, 17]) {
    const A = rng.fillNormal(new Float64Array(n * n));
    const b = rng.fillNormal(new Float64Array(n));
    const rows = Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, (i + 1) * n)));
    const ref = new LuDecomposition(new Matrix(rows));
    const x = solveDense(n, A, b)!;
    const xr = ref.solve(Matrix.columnVector(Array.from(b))).to1DArray();
    t.true(maxRelativeError(x, xr, 1e-12) < 1e-10, `n = ${n}`);
    const LU = Float64Array.from(A);
    const piv = new Int32Array(n);
    t.true(luFactor(n, LU, piv));
    t.true(Math.abs(luDeterminant(n, LU, piv) - ref.determinant) < 1e-10 * Math.max(1, Math.abs(ref.determinant)));
    const xt = luSolveTransposed(n, LU, piv, Float64Array.from(b));
    const xtr = new LuDecomposition(new Matrix(rows).transpose()).solve(Matrix.columnVector(Array.from(b))).to1DArray();
    t.true(maxRelativeError(xt, xtr, 1e-12) < 1e-10, `transposed n = ${n}`);
    t.deepEqual(luSolve(n, LU, piv, Float64Array.from(b)), x);
  }
  t.is(solveDense(2, Float64Array.of(1, 2, 2, 4), [1, 1]), null, 'singular');
});

test('Newton converges quadratically to known roots, with backtracking from far away', (t) => {
  const r = newton(
    { size: 1, residual: (z, o) => void (o[0] = z[0]! * z[0]! - 2), jacobian: (z, o) => void (o[0] = 2 * z[0]!) },
    [1],
  );
  t.true(r.converged);
  t.is(r.z[0], Math.SQRT2);
  t.true(r.iterations <= 6);
  // a circle and a line: x^2 + y^2 = 4, y = x - 1 from far away; the backtracking keeps it on course
  const sys = {
    size: 2,
    residual: (z: Float64Array, o: Float64Array) => {
      o[0] = z[0]! ** 2 + z[1]! ** 2 - 4;
      o[1] = z[1]! - z[0]! + 1;
    },
    jacobian: (z: Float64Array, o: Float64Array) => o.set([2 * z[0]!, 2 * z[1]!, -1, 1]),
  };
  const s = newton(sys, [30, -40]);
  t.true(s.converged);
  // the two roots x = (1 +- sqrt 7) / 2, y = x - 1
  const hit = [1, -1].some((sg) => {
    const x = (1 + sg * Math.sqrt(7)) / 2;
    return Math.abs(s.z[0]! - x) < TOL.roundoff && Math.abs(s.z[1]! - (x - 1)) < TOL.roundoff;
  });
  t.true(hit, `${s.z}`);
  t.false(newton(sys, [0, 0], { maxIterations: 1 }).converged);
});

test('2 x 2 eigenvalues in closed form agree with ml-matrix, and stay accurate next to a fold', (t) => {
  const rng = new Rng(22);
  for (let k = 0; k < 200; k++) {
    const A = rng.fillNormal(new Float64Array(2 * 2));
    const ours = eigenvalues(2, A);
    const ref = new EigenvalueDecomposition(new Matrix([Array.from(A.subarray(0, 2)), Array.from(A.subarray(2))]));
    const refs = ref.realEigenvalues.map((re, i) => ({ re, im: ref.imaginaryEigenvalues[i]! })).sort((a, b) => b.re - a.re || b.im - a.im);
    ours.forEach((e, i) => t.true(Math.abs(e.re - refs[i]!.re) < 1e-12 && Math.abs(e.im - refs[i]!.im) < 1e-12, `${JSON.stringify(ours)} vs ${JSON.stringify(refs)}`));
  }
  // eigenvalues 2 and 1e-12: the small one to full relative accuracy (no cancellation)
  const small = eigenvalues(2, Float64Array.of(2, 1, 0, 1e-12));
  t.is(small[0]!.re, 2);
  t.true(Math.abs(small[1]!.re / 1e-12 - 1) < 1e-14);
});

test('eigenvalues, eigenvectors and the stability classes of flows and maps', (t) => {
  // rotation-dilation: eigenvalues a +- i b
  const e = eigenvalues(2, Float64Array.of(-0.5, -2, 2, -0.5));
  t.deepEqual(e, [
    { re: -0.5, im: 2 },
    { re: -0.5, im: -2 },
  ]);
  const A = Float64Array.of(0.25, 1, 3, 0, -1, 2, 0, 0, 1.5);
  t.deepEqual(
    eigenvalues(3, A).map((x) => x.re),
    [1.5, 0.25, -1],
  );
  t.like(classify(eigenvalues(3, A), 'continuous'), { stability: 'saddle', unstableDimension: 2 });
  t.like(classify(eigenvalues(3, A), 'discrete'), { stability: 'saddle', unstableDimension: 1 });
  t.like(classify(e, 'continuous'), { stability: 'stable', unstableDimension: 0, oscillatory: true });
  t.like(classify(e, 'discrete'), { stability: 'unstable', unstableDimension: 2 });
  t.deepEqual(slowestModes(eigenvalues(3, A), 'discrete', 1), [{ re: -1, im: 0 }]);
  // inverse iteration: A v = lambda v
  const v = realEigenvector(3, A, 0.25);
  const Av = [0, 1, 2].map((i) => A[i * 3]! * v[0]! + A[i * 3 + 1]! * v[1]! + A[i * 3 + 2]! * v[2]!);
  t.true(maxRelativeError(Av, v.map((x) => 0.25 * x), 1e-12) < 1e-12);
  const q = complexEigenvector(2, Float64Array.of(-0.5, -2, 2, -0.5), -0.5, 2);
  // A q = (-0.5 + 2i) q, <q, q> = 1
  const M = [-0.5, -2, 2, -0.5];
  for (let i = 0; i < 2; i++) {
    const re = M[i * 2]! * q.re[0]! + M[i * 2 + 1]! * q.re[1]!;
    const im = M[i * 2]! * q.im[0]! + M[i * 2 + 1]! * q.im[1]!;
    t.true(Math.abs(re - (-0.5 * q.re[i]! - 2 * q.im[i]!)) < TOL.roundoff);
    t.true(Math.abs(im - (-0.5 * q.im[i]! + 2 * q.re[i]!)) < TOL.roundoff);
  }
  t.true(Math.abs(innerComplex(q, q)[0] - 1) < TOL.roundoff);
});
