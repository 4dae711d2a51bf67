/**
 * Lyapunov spectrum of an RNN trajectory h_t = f(W h_{t-1} + U x_t + b) by QR
 * re-orthonormalisation (Benettin, Galgani, Giorgilli and Strelcyn 1980; Shimada and Nagashima
 * 1979): k tangent vectors Q are pushed through the Jacobians J_t = diag(f'(a_t)) W and
 * re-orthonormalised every step, J_t Q_{t-1} = Q_t R_t, and
 *
 *     lambda_i = (1/S) sum_{t=1..S} ln |(R_t)_ii|,   i = 1..k,
 *
 * the mean log stretching per step (natural log, per time step). lambda_1 is the growth rate of
 * the backward Jacobian products, ln ||J_T ... J_{T-k+1}|| ~ lambda_1 k for long trajectories
 * (Oseledets 1968), i.e. the slope measured in jacobian-products.ts.
 *
 * Random tanh networks with W ~ N(0, g^2/n) and no input have lambda_1 < 0 for g < 1 (the origin
 * attracts, lambda_1 -> ln rho(W) ~ ln g) and lambda_1 > 0 for g > 1 (chaos), the transition of
 * Sompolinsky, Crisanti and Sommers (1988).
 *
 * The hot loops are `tangentKernel` and `mgsKernel` (modified Gram-Schmidt on k contiguous
 * vectors); all buffers are allocated before the time loop.
 */
import { Rng } from '../init/rng.ts';
import { dgemm } from '../linalg/blas.ts';
import { allocF64, freeF64, inWasm, kernels } from '../linalg/wasm.ts';
import { firstNonFinite, NumericalFault } from './faults.ts';
import { mgsQr } from '../linalg/parallel.ts';
import { activationKernel, derivativeKernel, preactivationKernel, type Rnn } from '../models/rnn.ts';

export interface LyapunovOptions {
  /** Number of exponents (tangent vectors), 1..n. */
  k: number;
  /** Steps averaged over. */
  steps: number;
  /** Steps run first without measuring, so the state reaches its attractor. */
  transient?: number;
  /** Initial state (n entries). */
  h0: Float64Array;
  /** Fills the input x_t (m entries) for step t = 1..transient+steps; default zero input (autonomous). */
  input?: (t: number, x: Float64Array) => void;
  /** Initial tangent vectors, k x n row-major (orthonormalised first); default pseudo-random from rng. */
  q0?: Float64Array;
  /** Source of the default q0 (default a fixed seed). */
  rng?: Rng;
}

export interface LyapunovResult {
  /** lambda_1 >= ... >= lambda_k (sorted). */
  exponents: Float64Array;
  /** The exponents in QR order (vector i's stretching), before sorting. */
  raw: Float64Array;
  steps: number;
  /** Final state. */
  h: Float64Array;
}

/**
 * The k leading Lyapunov exponents along the trajectory from h0.
 *
 * @example for identity activation and W = diag(0.5, 2), the exponents are [ln 2, ln 0.5].
 */
export function lyapunovSpectrum(rnn: Rnn, opts: LyapunovOptions): LyapunovResult {
  const { n, m, W, U, b, activation } = rnn;
  const { k, steps } = opts;
  const transient = opts.transient ?? 0;
  const h = allocF64(n);
  h.set(opts.h0);
  const a = allocF64(n);
  const d = allocF64(n);
  const x = new Float64Array(m);
  let Q = allocF64(k * n);
  let Z = allocF64(k * n);
  const r = allocF64(k);
  const sums = new Float64Array(k);
  if (opts.q0) Q.set(opts.q0);
  else (opts.rng ?? new Rng(0x1a9)).fillNormal(Q);
  mgsKernel(Q, k, n, r);
  let t = 0;
  for (let s = 0; s < transient; s++) {
    t++;
    if (opts.input) opts.input(t, x);
    preactivationKernel(n, m, 1, W, U, b, h, 0, x, 0, a, 0);
    activationKernel(activation, n, a, 0, h, 0);
  }
  for (let s = 0; s < steps; s++) {
    t++;
    if (opts.input) opts.input(t, x);
    preactivationKernel(n, m, 1, W, U, b, h, 0, x, 0, a, 0);
    activationKernel(activation, n, a, 0, h, 0);
    derivativeKernel(activation, n, h, 0, a, 0, d, 0);
    tangentKernel(n, k, W, d, Q, Z);
    mgsKernel(Z, k, n, r);
    for (let i = 0; i < k; i++) sums[i]! += Math.log(r[i]!);
    // per chunk of 64 steps: a NaN, an overflow or a collapsed tangent vector (log 0) is a fault
    if ((s & 63) === 63 || s === steps - 1) {
      if (firstNonFinite(sums) >= 0) throw new NumericalFault('the R diagonal of the Lyapunov QR (the log of a zero or non-finite stretching factor)', t);
      if (firstNonFinite(h) >= 0) throw new NumericalFault('the state h_t of the Lyapunov run', t);
    }
    const tmp = Q;
    Q = Z;
    Z = tmp;
  }
  const raw = new Float64Array(k);
  for (let i = 0; i < k; i++) raw[i] = sums[i]! / steps;
  const exponents = Float64Array.from(raw).sort().reverse();
  const hEnd = Float64Array.from(h);
  for (const buf of [h, a, d, Q, Z, r]) freeF64(buf);
  return { exponents, raw, steps, h: hEnd };
}

/**
 * Z = Q J^T with J = diag(d) W: row i of Z is J q_i for the k tangent vectors q_i (rows of Q,
 * k x n). Z[i, j] = d_j sum_l W_jl Q_il.
 */
export function tangentKernel(n: number, k: number, W: Float64Array, d: Float64Array, Q: Float64Array, Z: Float64Array): void {
  // rows of W are contiguous, so Q W^T is the dot-product (transB) path
  dgemm(false, true, k, n, n, 1, Q, 0, n, W, 0, n, 0, Z, 0, n);
  if (inWasm(Z) && inWasm(d)) {
    kernels.scale_cols(k, n, Z.byteOffset, d.byteOffset);
    return;
  }
  for (let i = 0; i < k; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) Z[row + j]! *= d[j]!;
  }
}

/**
 * Modified Gram-Schmidt QR of the k vectors stored as rows of V (k x n), in place: V <- rows of
 * Q, r <- diag(R) >= 0 (Golub and Van Loan 2013, algorithm 5.2.6). Each vector is orthogonalised
 * against the already finished ones one at a time, which keeps orthogonality to O(eps cond).
 * A vector that becomes exactly zero gets r_i = 0 and stays zero.
 */
export function mgsKernel(V: Float64Array, k: number, n: number, r: Float64Array): void {
  if (inWasm(V) && inWasm(r)) {
    mgsQr(V.byteOffset, k, n, r.byteOffset);
    return;
  }
  for (let i = 0; i < k; i++) {
    const vi = i * n;
    for (let j = 0; j < i; j++) {
      const vj = j * n;
      let dot = 0;
      for (let l = 0; l < n; l++) dot += V[vi + l]! * V[vj + l]!;
      for (let l = 0; l < n; l++) V[vi + l]! -= dot * V[vj + l]!;
    }
    let ss = 0;
    for (let l = 0; l < n; l++) ss += V[vi + l]! * V[vi + l]!;
    const nrm = Math.sqrt(ss);
    r[i] = nrm;
    if (nrm > 0) for (let l = 0; l < n; l++) V[vi + l]! /= nrm;
  }
}

/**
 * The first x where y crosses `level` upwards (y[i] < level <= y[i+1]), by linear interpolation;
 * NaN when y never does.
 *
 * @example zeroCrossing([0.5, 1, 1.5], [-0.2, 0.1, 0.3]) // 0.5 + 0.5 * 0.2/0.3
 */
export function zeroCrossing(xs: ArrayLike<number>, ys: ArrayLike<number>, level = 0): number {
  for (let i = 0; i + 1 < xs.length; i++) {
    const y0 = ys[i]! - level;
    const y1 = ys[i + 1]! - level;
    if (y0 < 0 && y1 >= 0) return xs[i]! + ((xs[i + 1]! - xs[i]!) * -y0) / (y1 - y0);
  }
  return NaN;
}
