/**
 * Lyapunov spectrum by QR re-orthonormalisation (Benettin et al. 1980), on cases with a closed
 * form, plus the two statistical claims the reports make (fixed seeds):
 * - linear RNN with diagonal W: lambda_i = ln |w_ii|, sorted; exactly from the coordinate axes,
 *   and from a generic start with the predicted O(1/S) correction;
 * - linear RNN with orthogonal W: every exponent is 0;
 * - random tanh networks (Sompolinsky, Crisanti and Sommers 1988): lambda_1 < 0 below g = 1
 *   (where it tends to ln rho(W)) and > 0 above, near the mean-field (1/2) ln chi_1
 *   (Molgedey, Schuchhardt and Schuster 1992);
 * - lambda_1 is the log-rate per step of the Jacobian-product norms ||P_k||.
 */
import test from 'ava';
import { determinant, Matrix } from 'ml-matrix';
import { activation, IDENTITY, TANH } from '../../src/activations/index.ts';
import { gaussianExpectation, meanFieldLyapunov } from '../../src/analysis/mean-field.ts';
import { decayRate, productNorms } from '../../src/analysis/jacobian-products.ts';
import { lyapunovSpectrum, mgsKernel, zeroCrossing } from '../../src/analysis/lyapunov.ts';
import { spectralRadius } from '../../src/analysis/spectral-norm.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights, orthogonal } from '../../src/init/weights.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { TOL } from '../helpers/tolerance.ts';

function linearRnn(W: Float64Array, n: number, m = 2) {
  const rng = new Rng(4);
  return createRnn({ n, m, W, U: rng.fillNormal(new Float64Array(n * m)), b: rng.fillNormal(new Float64Array(n)), activation: IDENTITY });
}

const DIAG = [0.9, -1.7, 0.35, 1.2, -0.6];

test('linear RNN, diagonal W, started on the coordinate axes: lambda = ln|w_ii| sorted, to round-off', (t) => {
  const n = DIAG.length;
  const W = new Float64Array(n * n);
  DIAG.forEach((w, i) => (W[i * n + i] = w));
  const q0 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q0[i * n + i] = 1;
  // a small input keeps the state bounded; it does not enter the tangent dynamics of a linear map
  const rng = new Rng(8);
  const res = lyapunovSpectrum(linearRnn(W, n), { k: n, steps: 400, s0: {}, q0, input: (_t, x) => rng.fillNormal(x, 0, 0.1) });
  const expected = DIAG.map((w) => Math.log(Math.abs(w))).sort((a, b) => b - a);
  for (let i = 0; i < n; i++) t.true(Math.abs(res.exponents[i]! - expected[i]!) <= TOL.roundoff, `lambda_${i + 1}`);
});

test('linear RNN, diagonal W, generic start without a transient: lambda_i(S) = ln|d_(i)| + ln|M_i / M_{i-1}| / S (leading minors of Q0)', (t) => {
  // With d sorted by |d| descending and Q0^T's rows in that order, the volume of the first i
  // tangent vectors after S steps is prod_{j<=i} |d_(j)|^S |M_i| (1 + O((|d_(i+1)|/|d_(i)|)^S)),
  // M_i the leading i x i minor; the QR method's per-vector average is therefore exactly this.
  const n = DIAG.length;
  const order = DIAG.map((_, i) => i).sort((a, b) => Math.abs(DIAG[b]!) - Math.abs(DIAG[a]!));
  const W = new Float64Array(n * n);
  DIAG.forEach((w, i) => (W[i * n + i] = w));
  const q0 = orthogonal(n, n, new Rng(12)); // rows orthonormal
  const S = 600;
  // transient 0: the start's bias, which the default transient removes (test/analysis/cells.test.ts)
  const res = lyapunovSpectrum(linearRnn(W, n), { k: n, steps: S, transient: 0, s0: {}, q0 });
  let prevLogMinor = 0;
  for (let i = 1; i <= n; i++) {
    // M_i[a][b] = component order[a] of tangent vector b (row b of q0)
    const M = new Matrix(i, i);
    for (let a = 0; a < i; a++) for (let b = 0; b < i; b++) M.set(a, b, q0[b * n + order[a]!]!);
    const logMinor = Math.log(Math.abs(determinant(M)));
    const predicted = Math.log(Math.abs(DIAG[order[i - 1]!]!)) + (logMinor - prevLogMinor) / S;
    prevLogMinor = logMinor;
    t.true(Math.abs(res.raw[i - 1]! - predicted) <= TOL.roundoff, `lambda_${i}: ${res.raw[i - 1]} vs ${predicted}`);
  }
});

test('linear RNN with orthogonal W: all exponents are zero', (t) => {
  for (const n of [3, 8, 20]) {
    const W = orthogonal(n, n, new Rng(n));
    const res = lyapunovSpectrum(linearRnn(W, n), { k: n, steps: 300, s0: {}, rng: new Rng(2) });
    for (let i = 0; i < n; i++) t.true(Math.abs(res.exponents[i]!) <= TOL.roundoff, `n = ${n}, lambda_${i + 1} = ${res.exponents[i]}`);
  }
});

test('modified Gram-Schmidt leaves orthonormal rows and V = R^T Q', (t) => {
  const k = 6;
  const n = 9;
  const V = new Rng(3).fillNormal(new Float64Array(k * n));
  const Q = V.slice();
  const r = new Float64Array(k);
  mgsKernel(Q, k, n, r);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let l = 0; l < n; l++) dot += Q[i * n + l]! * Q[j * n + l]!;
      t.true(Math.abs(dot - (i === j ? 1 : 0)) <= TOL.roundoff);
    }
    // |<v_i, q_i>| = r_i
    let vq = 0;
    for (let l = 0; l < n; l++) vq += V[i * n + l]! * Q[i * n + l]!;
    t.true(Math.abs(vq - r[i]!) <= TOL.roundoff * r[i]!);
  }
});


function tanhNet(n: number, g: number, seed: number) {
  const rng = new Rng(seed);
  const W = initWeights('gaussian', n, n, rng, g);
  return { rnn: createRnn({ n, m: 0, W, U: new Float64Array(0), b: new Float64Array(n), activation: activation('tanh') }), h0: rng.fillNormal(new Float64Array(n)), W };
}

test('mean-field lambda_1 = (1/2) ln chi_1: ln g below g = 1 exactly, positive above', (t) => {
  for (const g of [0.3, 0.5, 0.9]) t.true(Math.abs(meanFieldLyapunov(TANH, g).lambda - Math.log(g)) <= TOL.roundoff);
  // q* solves q = g^2 E[tanh(sqrt(q) z)^2]
  const { q, lambda } = meanFieldLyapunov(TANH, 2);
  t.true(Math.abs(q - 4 * gaussianExpectation((z) => Math.tanh(Math.sqrt(q) * z) ** 2)) <= TOL.roundoff);
  t.true(lambda > 0);
  t.true(Math.abs(gaussianExpectation((z) => z * z) - 1) <= TOL.roundoff, 'E[z^2] = 1');
});

test('random tanh networks (autonomous): lambda_1 < 0 at g = 0.7 (close to ln rho(W)), > 0 at g = 2 (close to mean field, n = 200)', (t) => {
  const n = 100;
  const low = tanhNet(n, 0.7, 31);
  const lamLow = lyapunovSpectrum(low.rnn, { k: 1, steps: 1500, transient: 200, s0: { h: low.h0 } }).exponents[0]!;
  const rho = spectralRadius(low.W, n);
  t.true(lamLow < -TOL.lyapunovSampling);
  // the state falls onto the origin, where J = W: lambda_1 = ln rho(W)
  t.true(Math.abs(lamLow - Math.log(rho)) < TOL.lyapunovSampling, `lambda_1 = ${lamLow}, ln rho(W) = ${Math.log(rho)}`);
  const high = tanhNet(2 * n, 2, 31);
  const lamHigh = lyapunovSpectrum(high.rnn, { k: 1, steps: 1500, transient: 200, s0: { h: high.h0 } }).exponents[0]!;
  const mf = meanFieldLyapunov(TANH, 2).lambda;
  t.true(lamHigh > TOL.lyapunovSampling, `lambda_1 = ${lamHigh}`);
  t.true(Math.abs(lamHigh - mf) < TOL.lyapunovSampling, `lambda_1 = ${lamHigh}, mean field ${mf}`);
});

test('lambda_1 equals the log-rate per step of ||P_k|| along the same trajectory', (t) => {
  // both are the top Oseledets exponent of the same Jacobian sequence: P_k's norm grows like
  // e^{lambda_1 k}; on a finite window they differ by the O(1/sqrt(k)) sampling scatter
  for (const g of [0.6, 2]) {
    const n = 40;
    const T = 300;
    const { rnn, h0 } = tanhNet(n, g, 91);
    const tape = createTape(rnn, 1, T);
    forward(rnn, new Float64Array(0), tape, { s0: { h: h0 } });
    const rate = decayRate(productNorms(rnn, tape).logNorms, 50, T).rate;
    const lam = lyapunovSpectrum(rnn, { k: 1, steps: T - 50, transient: 50, s0: { h: h0 } }).exponents[0]!;
    t.true(Math.abs(rate - lam) < 2 * TOL.lyapunovSampling, `g = ${g}: slope ${rate}, lambda_1 ${lam}`);
  }
});

test('zeroCrossing interpolates the first upward sign change', (t) => {
  t.true(Math.abs(zeroCrossing([0.5, 1, 1.5], [-0.2, 0.1, 0.3]) - (0.5 + (0.5 * 0.2) / 0.3)) <= TOL.roundoff);
  t.true(Number.isNaN(zeroCrossing([1, 2], [-1, -0.5])));
});
