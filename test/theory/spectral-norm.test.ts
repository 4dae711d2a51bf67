/**
 * The spectral norm by power iteration (warm-started across lags) against ml-matrix's SVD: single
 * matrices of any shape, and the Jacobian products ||J_T ... J_{T-k+1}|| formed explicitly with
 * ml-matrix for every lag.
 */
import test from 'ava';
import fc from 'fast-check';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { activation } from '../../src/activations/index.ts';
import { productNorms } from '../../src/analysis/jacobian-products.ts';
import { sigmaMax, spectralNorm, spectralRadius, toMatrix } from '../../src/analysis/spectral-norm.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { derivativeFactors, linearTape } from '../helpers/cells.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';


function svdNorm(M: Matrix): number {
  return new SingularValueDecomposition(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }).diagonal[0]!;
}

test('power-iteration spectral norm matches the SVD for random matrices of any shape', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 1e6 }), (r, c, seed) => {
      const A = new Rng(seed).fillNormal(new Float64Array(r * c));
      const est = spectralNorm(A, r, c).sigma;
      return relativeError(est, svdNorm(toMatrix(A, r, c))) < TOL.powerIteration && relativeError(est, sigmaMax(A, r, c)) < TOL.powerIteration;
    }),
    { seed: 2013, numRuns: 200 },
  );
  t.pass();
});

test('spectral norm of diagonal, zero and scaled orthogonal matrices', (t) => {
  t.true(relativeError(spectralNorm(new Float64Array([3, 0, 0, -5]), 2, 2).sigma, 5) < TOL.powerIteration);
  t.is(spectralNorm(new Float64Array(9), 3, 3).sigma, 0);
  const Q = initWeights('orthogonal', 7, 7, new Rng(3), 1.7);
  t.true(relativeError(spectralNorm(Q, 7, 7).sigma, 1.7) <= TOL.roundoff);
  t.true(relativeError(spectralRadius(Q, 7), 1.7) <= TOL.roundoff, 'orthogonal: rho = sigma_max = gain');
});

test('productNorms (accumulated, rescaled, warm-started) matches the SVD of the explicit product at every lag', (t) => {
  for (const [act, gain] of [
    ['tanh', 0.9],
    ['tanh', 2],
    ['sigmoid', 5],
    ['x / (1 + abs(x))', 1.5],
  ] as const) {
    const n = 8;
    const m = 3;
    const T = 40;
    const rng = new Rng(77);
    const W = initWeights('gaussian', n, n, rng, gain);
    const rnn = createRnn({ n, m, W, U: initWeights('gaussian', n, m, rng), b: new Float64Array(n), activation: activation(act) });
    const tape = createTape(rnn, 1, T);
    const x = rng.fillNormal(new Float64Array(T * m));
    forward(rnn, x, tape, { s0: { h: rng.fillNormal(new Float64Array(n)) } });
    const D = derivativeFactors(rnn, tape);
    const pn = productNorms(rnn, tape);
    const Wm = toMatrix(W, n, n);
    let P = Matrix.eye(n);
    let worst = 0;
    let worstStep = 0;
    for (let k = 1; k <= T; k++) {
      const Jt = Matrix.diag(Array.from(D.subarray((T - k) * n, (T - k + 1) * n))).mmul(Wm);
      P = P.mmul(Jt);
      worst = Math.max(worst, relativeError(pn.norms[k - 1]!, svdNorm(P), 0));
      worstStep = Math.max(worstStep, relativeError(pn.stepNorms[k - 1]!, svdNorm(Jt), 0));
    }
    t.true(worst < TOL.powerIteration, `${act} g = ${gain}: products ${worst}`);
    t.true(worstStep < TOL.powerIteration, `${act} g = ${gain}: steps ${worstStep}`);
  }
});

test('productNorms keeps products of size 1e-250 and 1e+250 finite through the log scale', (t) => {
  // linear network, W = diag(0.1, 0.05) then W = diag(10, 3): ||P_k|| = 0.1^k and 10^k
  const T = 250;
  const lin = (W: number[]) => linearTape(new Float64Array(W), 2, T);
  const a = lin([0.1, 0, 0, 0.05]);
  const b = lin([10, 0, 0, 3]);
  const small = productNorms(a.rnn, a.tape);
  const large = productNorms(b.rnn, b.tape);
  t.true(Math.abs(small.logNorms[T - 1]! - T * Math.log(0.1)) <= TOL.roundoff * T);
  t.true(Math.abs(large.logNorms[T - 1]! - T * Math.log(10)) <= TOL.roundoff * T);
  t.true(relativeError(small.norms[T - 1]!, 1e-250) < TOL.roundoff * T);
});

test('named regression: orthogonal W with tanh, where warm starts sit on non-leading singular vectors', (t) => {
  // once broke: J_t = diag(D_t) W with W orthogonal has the coordinate axes as left singular
  // vectors, so a warm start from the previous step's axis looked converged at once (step norms
  // 90% low); and the product norms without step norms were all zero (k = 1 factor skipped)
  const n = 24;
  const m = 2;
  const T = 30;
  const rng = new Rng(5);
  const W = initWeights('orthogonal', n, n, rng, 0.8);
  const rnn = createRnn({ n, m, W, U: initWeights('gaussian', n, m, rng), b: new Float64Array(n), activation: activation('tanh') });
  const tape = createTape(rnn, 1, T);
  const x = rng.fillNormal(new Float64Array(T * m));
  forward(rnn, x, tape, { s0: { h: rng.fillNormal(new Float64Array(n), 0, 0.5) } });
  const D = derivativeFactors(rnn, tape);
  const withSteps = productNorms(rnn, tape);
  const without = productNorms(rnn, tape, { stepNorms: false });
  const Wm = toMatrix(W, n, n);
  let P = Matrix.eye(n);
  for (let k = 1; k <= T; k++) {
    const Jt = Matrix.diag(Array.from(D.subarray((T - k) * n, (T - k + 1) * n))).mmul(Wm);
    P = P.mmul(Jt);
    t.true(relativeError(withSteps.norms[k - 1]!, svdNorm(P), 0) < TOL.powerIteration, `k = ${k}`);
    t.true(relativeError(withSteps.stepNorms[k - 1]!, svdNorm(Jt), 0) < TOL.powerIteration, `step ${k}`);
    t.is(without.norms[k - 1], withSteps.norms[k - 1]);
    t.true(Number.isNaN(without.stepNorms[k - 1]!));
  }
});
