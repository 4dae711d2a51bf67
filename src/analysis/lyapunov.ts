/**
 * Lyapunov spectrum of a trajectory of any recurrent cell (src/models/cell.ts: the RNN
 * h_t = f(W h_{t-1} + U x_t + b), the LSTMs over their state (h, c), the GRU) by QR
 * re-orthonormalisation (Benettin, Galgani, Giorgilli and Strelcyn 1980; Shimada and Nagashima
 * 1979): k tangent vectors Q are pushed through the step Jacobians J_t (the cell's jvp; for the RNN
 * J_t = diag(f'(a_t)) W) and re-orthonormalised every step, J_t Q_{t-1} = Q_t R_t, and
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
 * The transient pushes and re-orthonormalises the tangent vectors too, without measuring, so that
 * the measurement starts from the Oseledets directions: a random start would otherwise leave an
 * O(1/S) bias in every exponent (on a linear network, ln |M_i / M_{i-1}| / S with M_i the leading
 * minors of the start). The hot loops are the cell's jvp and `mgsKernel` (modified Gram-Schmidt on
 * k contiguous vectors); all buffers are allocated before the time loop.
 *
 * State entries that the step never reads (cell.zeroJacobianColumns: a zero column of the recurrent
 * weights, e.g. an LSTM with Wh = 0) give exponents -infinity, exactly: with Z those entries and K
 * the others, J_t = [C_t 0] in the column order (K, Z), so J_T ... J_1 = C_T M_{T-1} [I 0] with M
 * the products of the block J_t(K, K), and the finite exponents are M's. They are measured with the
 * tangent vectors kept in K (their Z entries set to 0 after every step), and the last |Z| exponents
 * are -Infinity, instead of the log of a round-off residue (about ln 1e-16 per step) or of an exact
 * 0 (a fault).
 *
 * Precision: a float32 cell (cell.ts `precision`) runs its state and its tangent vectors in float32:
 * the step and the products J_t Q (the cell's jvp, blas.ts sgemm) in float32, and the QR's
 * projections (the dot products v.q and the updates v - (v.q) q) in float32 arithmetic (`mgsKernel`
 * on Float32Arrays: kernels.ts `smgs`, f32x4 lanes, on one or two threads by the float64 rule). The
 * stretching factors r_i = ||v_i|| are norms, summed in float64 from the stored float32 entries (and
 * v_i / r_i rounded once to float32), and the sums of ln r_i are float64, as are the inputs handed
 * to `input` (rounded to float32 when stored) and the returned state. The log-determinant route
 * factorises the float32 Jacobian in float64 (ml-matrix). A float64 cell runs exactly the float64
 * code (same bits as before).
 */
import { LuDecomposition } from 'ml-matrix';
import { Rng } from '../init/rng.ts';
import { realArray, type Precision, type Real } from '../linalg/precision.ts';
import { allocF64, allocReal, freeF64, inWasm } from '../linalg/wasm.ts';
import { firstNonFinite, NumericalFault } from './faults.ts';
import { mgsQr } from '../linalg/parallel.ts';
import { cellPrecision, createTape, freeTape } from '../models/bptt.ts';
import { stateSize, type RecurrentCell, type StateArrays } from '../models/cell.ts';
import { toMatrix } from './spectral-norm.ts';

/** Steps of the default transient (see LyapunovOptions.transient). */
export const DEFAULT_TRANSIENT = 200;

export interface LyapunovOptions {
  /** Number of exponents (tangent vectors), 1..S (S = state size: n, or 2n for the LSTM). */
  k: number;
  /** Steps averaged over. */
  steps: number;
  /**
   * Steps run first without measuring, in which the state reaches its attractor and the tangent
   * vectors align with the Oseledets directions (they are pushed and re-orthonormalised as in the
   * measured steps); default 200, which aligns directions whose exponents differ by 0.12 per step
   * to 1e-10. 0 keeps the start's O(1/steps) bias.
   */
  transient?: number;
  /** Initial state, per part (n entries each; rounded to the cell's precision); a missing part starts at 0. */
  s0: Partial<StateArrays<Real>>;
  /** Fills the input x_t (m entries) for step t = 1..transient+steps; default zero input (autonomous). */
  input?: (t: number, x: Float64Array) => void;
  /** Initial tangent vectors, k x S row-major (orthonormalised first, entries the step never reads set to 0); default pseudo-random from rng. */
  q0?: Real;
  /** Source of the default q0 (default a fixed seed). */
  rng?: Rng;
  /**
   * Measured-step counts (ascending, 1..steps) at which the running estimates (sorted) are kept in
   * `history`: how the finite-time exponents converge.
   */
  recordAt?: readonly number[];
  /**
   * Also average ln |det J_t| over the measured steps, J_t the dense step Jacobian from the cell's
   * vjp and its determinant by LU (one S^3 factorisation per step): the phase-space volume's growth
   * rate, which the sum of all S exponents equals (an independent route to sum_i lambda_i).
   */
  logDet?: boolean;
}

export interface LyapunovResult {
  /** lambda_1 >= ... >= lambda_k (sorted); -Infinity for each state entry the step never reads. */
  exponents: Float64Array;
  /** The exponents in QR order (vector i's stretching), before sorting. */
  raw: Float64Array;
  steps: number;
  /** Final state, per part. */
  s: StateArrays;
  /** The running estimates (sorted) after each count of measured steps in opts.recordAt. */
  history: { steps: number; exponents: Float64Array }[];
  /** (1/steps) sum_t ln |det J_t| when opts.logDet, else NaN. */
  meanLogAbsDet: number;
}

/**
 * The k leading Lyapunov exponents along the trajectory from s0, over the whole state of any cell
 * (src/models/cell.ts): the tangent vectors live in the S-dimensional state space, e.g. (h, c) for
 * the LSTM.
 *
 * @example for the RNN with identity activation and W = diag(0.5, 2), the exponents are [ln 2, ln 0.5].
 */
export function lyapunovSpectrum<R, W, A extends Real = Float64Array>(cell: RecurrentCell<R, W, A>, opts: LyapunovOptions): LyapunovResult {
  const { n, m } = cell;
  const S = stateSize(cell);
  const { k, steps } = opts;
  const transient = opts.transient ?? DEFAULT_TRANSIENT;
  // the entries the step never reads: exponents -infinity; the others' vectors are kept off them
  const unread = cell.zeroJacobianColumns?.() ?? [];
  const tracked = Math.min(k, S - unread.length);
  // a one-step tape, rolled forward: s_1 is copied to s_0 after every step
  const tape = createTape(cell, 1, 1);
  for (const part of cell.state) {
    const init = opts.s0[part];
    if (init) tape.states[part]!.set(init.subarray(0, n));
  }
  const precision = cellPrecision(cell);
  // not in the kernel heap: the input product x U^T runs the plain loop (its bits are the reports')
  const x = realArray(precision, m) as A;
  // what `input` fills: x itself in float64, a float64 buffer rounded into x in float32
  const xIn = x instanceof Float64Array ? x : new Float64Array(m);
  const work = cell.createWork(k);
  let Q = allocReal(precision, k * S) as A;
  let Z = allocReal(precision, k * S) as A;
  const r = allocF64(k);
  const sums = new Float64Array(k).fill(-Infinity, tracked);
  const rng = opts.rng ?? new Rng(0x1a9);
  if (opts.q0) Q.set(opts.q0);
  else if (Q instanceof Float64Array) rng.fillNormal(Q);
  else Q.set(rng.fillNormal(new Float64Array(k * S)));
  const project = (V: A): void => {
    for (let q = 0; q < tracked; q++) for (const j of unread) V[q * S + j] = 0;
  };
  if (unread.length > 0) project(Q);
  mgsKernel(Q, tracked, S, r);
  const recordAt = opts.recordAt ?? [];
  const history: LyapunovResult['history'] = [];
  let next = 0;
  const eye = opts.logDet ? (identity(S, precision) as A) : null;
  const dense = opts.logDet ? (realArray(precision, S * S) as A) : null;
  const detWork = opts.logDet ? cell.createWork(S) : null;
  let logDetSum = 0;
  let t = 0;
  const advance = (): void => {
    t++;
    if (opts.input) {
      opts.input(t, xIn);
      if (xIn !== x) x.set(xIn);
    }
    cell.beginForward(tape, x, 1);
    cell.step(tape, 1, x);
  };
  const roll = (): void => {
    for (const part of cell.state) tape.states[part]!.copyWithin(0, n, 2 * n);
  };
  for (let s = 0; s < transient + steps; s++) {
    advance();
    cell.jvp(tape, 1, 0, tracked, Q, Z, work);
    if (unread.length > 0) project(Z);
    if (eye && s >= transient) {
      cell.vjp(tape, 1, 0, S, eye, dense!, detWork!);
      logDetSum += logAbsDet(dense!, S);
    }
    roll();
    mgsKernel(Z, tracked, S, r);
    if (s >= transient) for (let i = 0; i < tracked; i++) sums[i]! += Math.log(r[i]!);
    while (next < recordAt.length && recordAt[next] === s - transient + 1) {
      const count = recordAt[next++]!;
      history.push({ steps: count, exponents: sums.map((v) => v / count).sort().reverse() });
    }
    // per chunk of 64 steps: a NaN, an overflow or a collapsed tangent vector (log 0) is a fault
    if ((s & 63) === 63 || s === transient + steps - 1) {
      if (firstNonFinite(sums, 0, tracked) >= 0) throw new NumericalFault('the R diagonal of the Lyapunov QR (the log of a zero or non-finite stretching factor)', t);
      for (const part of cell.state) if (firstNonFinite(tape.states[part]!, 0, n) >= 0) throw new NumericalFault(`the state ${part}_t of the Lyapunov run`, t);
    }
    const tmp = Q;
    Q = Z;
    Z = tmp;
  }
  const raw = new Float64Array(k);
  for (let i = 0; i < k; i++) raw[i] = sums[i]! / steps;
  const exponents = Float64Array.from(raw).sort().reverse();
  const sEnd: StateArrays = { h: Float64Array.from(tape.states.h.subarray(0, n)) };
  if (tape.states.c) sEnd.c = Float64Array.from(tape.states.c.subarray(0, n));
  for (const buf of [Q, Z, r]) freeF64(buf);
  cell.freeWork(work);
  if (detWork) cell.freeWork(detWork);
  freeTape(cell, tape);
  return { exponents, raw, steps, s: sEnd, history, meanLogAbsDet: eye ? logDetSum / steps : NaN };
}

function identity(S: number, precision: Precision): Real {
  const I = realArray(precision, S * S);
  for (let i = 0; i < S; i++) I[i * S + i] = 1;
  return I;
}

/**
 * ln |det A| of a square S x S row-major matrix from its LU factors (ml-matrix, partial pivoting):
 * the sum of ln |U_ii|, which neither overflows nor underflows where det A itself would;
 * -Infinity when A is singular.
 *
 * @example logAbsDet(new Float64Array([2, 0, 0, 0.5]), 2) // 0
 */
export function logAbsDet(A: Real, S: number): number {
  const U = new LuDecomposition(toMatrix(A, S, S)).upperTriangularMatrix;
  let s = 0;
  for (let i = 0; i < S; i++) s += Math.log(Math.abs(U.get(i, i)));
  return s;
}

/**
 * Modified Gram-Schmidt QR of the k vectors stored as rows of V (k x n), in place: V <- rows of
 * Q, r <- diag(R) >= 0 (Golub and Van Loan 2013, algorithm 5.2.6). Each vector is orthogonalised
 * against the already finished ones one at a time, which keeps orthogonality to O(eps cond).
 * A vector that becomes exactly zero gets r_i = 0 and stays zero.
 *
 * In the precision of V: for a Float32Array the dot products and the updates are float32
 * arithmetic (each operation rounded with Math.fround here; f32x4 lanes in kernels.ts `smgs`, which
 * runs when V and r are in the kernel heap, on two threads when large as for float64), while
 * r_i = ||v_i|| is summed in float64 from the stored entries and v_i / r_i is one float32 division
 * by fl32(r_i). r is float64 in both.
 */
export function mgsKernel(V: Real, k: number, n: number, r: Float64Array): void {
  if (inWasm(V) && inWasm(r)) {
    mgsQr(V, k, n, r);
    return;
  }
  if (V instanceof Float32Array) {
    mgsFloat32(V, k, n, r);
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

/** The float32 reference loops of mgsKernel (the dot products summed in order). */
function mgsFloat32(V: Float32Array, k: number, n: number, r: Float64Array): void {
  const f = Math.fround;
  for (let i = 0; i < k; i++) {
    const vi = i * n;
    for (let j = 0; j < i; j++) {
      const vj = j * n;
      let dot = 0;
      for (let l = 0; l < n; l++) dot = f(dot + f(V[vi + l]! * V[vj + l]!));
      for (let l = 0; l < n; l++) V[vi + l] = V[vi + l]! - f(dot * V[vj + l]!);
    }
    let ss = 0;
    for (let l = 0; l < n; l++) ss += V[vi + l]! * V[vi + l]!;
    const nrm = Math.sqrt(ss);
    r[i] = nrm;
    const s = f(nrm);
    if (nrm > 0) for (let l = 0; l < n; l++) V[vi + l] = V[vi + l]! / s;
  }
}

/**
 * The Kaplan-Yorke (Lyapunov) dimension of a spectrum sorted descending (Kaplan and Yorke 1979):
 *
 *     D_KY = j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|,
 *
 * j the largest index with lambda_1 + ... + lambda_j >= 0 (0 when lambda_1 < 0: a stable fixed
 * point or cycle has dimension 0; the length of the spectrum when every partial sum is >= 0).
 *
 * @example kaplanYorkeDimension([0.5, -0.2, -1]) // 2.3
 */
export function kaplanYorkeDimension(exponents: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < exponents.length; j++) {
    const next = sum + exponents[j]!;
    if (next < 0) return j + sum / Math.abs(exponents[j]!);
    sum = next;
  }
  return exponents.length;
}

/**
 * The sum of the positive exponents: an upper bound on the Kolmogorov-Sinai entropy rate in nats per
 * step (Ruelle's inequality; equality, Pesin's formula, for the smooth invariant measures of
 * chaotic attractors), 0 when no exponent is positive.
 *
 * @example entropyRate([0.5, 0.25, -1]) // 0.75
 */
export function entropyRate(exponents: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < exponents.length; i++) if (exponents[i]! > 0) s += exponents[i]!;
  return s;
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
