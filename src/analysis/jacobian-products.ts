/**
 * Norms of the backward Jacobian products of a trajectory of any recurrent cell (src/models/cell.ts),
 *
 *     P_k = J_T J_{T-1} ... J_{T-k+1} = ds_T / ds_{T-k},   J_t = ds_t / ds_{t-1},   k = 1..K,
 *
 * over the whole state s (h for the RNN and the GRU, (h, c) for the LSTM; for the RNN
 * J_t = diag(f'(a_t)) W), whose size decides whether a gradient from step T reaches step T - k
 * (Bengio, Simard and Frasconi 1994; Pascanu, Mikolov and Bengio 2013). By submultiplicativity
 *
 *     ||P_k|| <= prod_{j<k} ||J_{T-j}||   (<= (gamma sigma_max(W))^k for the RNN),
 *
 * the middle term being the "product of per-step norms".
 *
 * Algorithm: the product is accumulated one factor at a time, P_{k+1} = P_k J_{T-k} (each row of P_k
 * through the cell's vjp: one S^3 product per lag), rescaled by its largest entry after each step
 * with the scale kept in log form so that ||P_k|| ~ 1e-300 or 1e+300 neither underflows nor
 * overflows. Lag 1 is the exact norm of J_T (SVD), which is also the per-step norm; its left
 * singular vector warm-starts the power iteration of lag 2, and every later lag is warm-started
 * from the previous one (no SVD per lag): the products' leading singular values separate
 * geometrically with k (the Lyapunov gaps), so there power iteration is fast. A power iteration
 * that reaches maxIter without meeting its tolerance is never used as is: that lag's norm is the
 * exact one (SVD) and the lag is listed in `unconvergedLags`. The per-step norms ||J_t|| are exact
 * (SVD, once per step): a single step's leading singular values are often nearly equal (diag(D) W
 * with W orthogonal has singular values |D_i|), where power iteration stalls short of the maximum,
 * and an underestimate would fake a violation of ||P_k|| <= prod ||J||.
 *
 * Precision: a float32 cell (cell.ts `precision`) forms its Jacobians and the products P_k in
 * float32 (Float32Array buffers, every product through the cell's float32 vjp: blas.ts sgemm), and
 * the rescaling by the largest entry is stored in float32 too (it keeps P_k inside float32's range,
 * 1e-38..3e38, which an unscaled product leaves within a few dozen lags). The norms are then
 * measured in float64 from the stored float32 values (the SVDs and the power iteration run on a
 * float64 copy of J_t and P_k), and the log scale is summed in float64: the float32 result differs
 * from the float64 one by the rounding of the products alone, not by that of the measurement.
 * A float64 cell runs exactly the float64 code (same bits as before).
 */
import type { Real } from '../linalg/precision.ts';
import { allocF64, allocReal, freeF64 } from '../linalg/wasm.ts';
import { cellPrecision } from '../models/bptt.ts';
import { stateSize, type RecurrentCell, type Tape } from '../models/cell.ts';
import { Rng } from '../init/rng.ts';
import { leadingSingularPair, sigmaMax, spectralNorm } from './spectral-norm.ts';

export interface ProductNorms {
  /** Number of lags K. */
  K: number;
  /** ||P_k||_2, index k-1 (may underflow to 0; see logNorms). */
  norms: Float64Array;
  /** ln ||P_k||_2, index k-1 (-Infinity once a product is exactly zero). */
  logNorms: Float64Array;
  /** ||J_{T-j}||_2, index j = k-1: the step norms in lag order (NaN when not asked for). */
  stepNorms: Float64Array;
  /** ln prod_{j<k} ||J_{T-j}||, index k-1. */
  logStepNormProducts: Float64Array;
  /** prod_{j<k} ||J_{T-j}||, index k-1. */
  stepNormProducts: Float64Array;
  /** Total power iterations spent. */
  iterations: number;
  /** Lags whose power iteration stopped at maxIter unconverged; their norms are the exact (SVD) ones. */
  unconvergedLags: number[];
}

export interface ProductNormOptions {
  /** Largest lag (default T). */
  K?: number;
  /** Batch row of the tape whose trajectory is measured (default 0). */
  row?: number;
  /** Power-iteration tolerance (relative change). */
  tol?: number;
  maxIter?: number;
  /** Also compute the per-step norms ||J_t|| (exactly, by SVD: one per step) and their products; default true. */
  stepNorms?: boolean;
}

/** Weight of the generic vector mixed into each warm start (the previous vector has norm 1). */
const WARM_MIX = 1e-3;

/**
 * ||P_k|| for k = 1..K along the trajectory of batch row `row` of a filled tape, for any cell
 * (src/models/cell.ts): P_k = J_T ... J_{T-k+1} over the whole state s = (h) or (h, c), S x S.
 *
 * @example for the RNN with W = 0.5 I and identity activation, norms[k-1] = 0.5^k.
 */
export function productNorms<R, W, A extends Real = Float64Array>(cell: RecurrentCell<R, W, A>, tape: Tape<R, A>, opts: ProductNormOptions = {}): ProductNorms {
  const T = tape.length;
  const r = opts.row ?? 0;
  const n = stateSize(cell);
  const K = Math.min(opts.K ?? T, T);
  const tol = opts.tol ?? 1e-13;
  const maxIter = opts.maxIter ?? 20000;
  const norms = new Float64Array(K);
  const logNorms = new Float64Array(K);
  const stepNorms = new Float64Array(K);
  const logStepNormProducts = new Float64Array(K);
  const stepNormProducts = new Float64Array(K);
  // work, allocated once, in the kernel heap so the products run the SIMD kernels
  const precision = cellPrecision(cell);
  let P = allocReal(precision, n * n) as A;
  let Q = allocReal(precision, n * n) as A;
  const J = allocReal(precision, n * n) as A;
  const I = allocReal(precision, n * n) as A;
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  // float32: the float64 copies of J_t and P_k whose norms are measured (float64: J and P themselves)
  const J64 = precision === 'float64' ? null : allocF64(n * n);
  const P64 = precision === 'float64' ? null : allocF64(n * n);
  const wide = (src: A, dst: Float64Array | null): Float64Array => {
    if (dst === null) return src as Float64Array;
    dst.set(src);
    return dst;
  };
  const work = cell.createWork(n);
  const u = allocF64(n);
  const w = allocF64(n);
  const jitter = new Rng(0x7a11).fillNormal(new Float64Array(n), 0, 1 / Math.sqrt(n));
  const withSteps = opts.stepNorms !== false;
  let logScale = 0;
  let logStepProduct = 0;
  let iterations = 0;
  let zero = false;
  const unconvergedLags: number[] = [];
  for (let k = 1; k <= K; k++) {
    const t = T - k + 1; // the factor J_t
    let top: { sigma: number; u?: Float64Array } | null = null;
    if (withSteps || k === 1) {
      cell.vjp(tape, t, r, n, I, J, work);
      const Jm = wide(J, J64);
      // the left singular vector only where it starts the power iteration (lag 2)
      top = k === 1 ? leadingSingularPair(Jm, n) : { sigma: sigmaMax(Jm, n) };
    }
    if (withSteps) {
      stepNorms[k - 1] = top!.sigma;
      logStepProduct += Math.log(top!.sigma);
    } else {
      stepNorms[k - 1] = NaN;
      logStepProduct = NaN;
    }
    logStepNormProducts[k - 1] = logStepProduct;
    stepNormProducts[k - 1] = Math.exp(logStepProduct);
    if (zero) {
      norms[k - 1] = 0;
      logNorms[k - 1] = -Infinity;
      continue;
    }
    // P_{k+1} = P_k J_t: each row u^T of P_k becomes u^T J_t (cell.vjp); P_1 = J_T
    if (k === 1) P.set(J);
    else {
      cell.vjp(tape, t, r, n, P, Q, work);
      [P, Q] = [Q, P];
    }
    const mx = maxAbs(P);
    if (mx === 0) {
      zero = true;
      norms[k - 1] = 0;
      logNorms[k - 1] = -Infinity;
      continue;
    }
    for (let i = 0; i < n * n; i++) P[i]! /= mx;
    let sigma: number;
    if (k === 1) {
      // the exact norm of J_T, the same number as its per-step norm; its left vector starts lag 2
      logNorms[0] = Math.log(top!.sigma);
      norms[0] = top!.sigma;
      logScale = Math.log(mx);
      u.set(top!.u!);
      continue;
    }
    logScale += Math.log(mx);
    // the previous left vector plus a small generic part: a warm start that is exactly a
    // non-leading singular vector of P_k (e.g. a coordinate axis when W is orthogonal) would
    // otherwise look converged at once
    for (let i = 0; i < n; i++) u[i]! += WARM_MIX * jitter[i]!;
    const Pm = wide(P, P64);
    const res = spectralNorm(Pm, n, n, { tol, maxIter, work: w, out: u, u0: u });
    iterations += res.iterations;
    if (res.converged) sigma = res.sigma;
    else {
      unconvergedLags.push(k);
      sigma = sigmaMax(Pm, n);
    }
    logNorms[k - 1] = logScale + Math.log(sigma);
    norms[k - 1] = Math.exp(logNorms[k - 1]!);
  }
  for (const v of [P, Q, J, I, u, w, J64, P64]) if (v) freeF64(v);
  cell.freeWork(work);
  return { K, norms, logNorms, stepNorms, logStepNormProducts, stepNormProducts, iterations, unconvergedLags };
}

function maxAbs(A: Real): number {
  let m = 0;
  for (let i = 0; i < A.length; i++) {
    const v = Math.abs(A[i]!);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Geometric rate of ||P_k||: the least-squares slope of ln ||P_k|| against k over lags
 * kFrom..kTo (1-based, inclusive), i.e. ||P_k|| ~ C e^{rate k}; rate < 0 is decay.
 * `factor` = e^rate is the average per-step multiplier. Non-finite points are skipped.
 *
 * @example decayRate(ln(0.5^k)) gives rate = ln 0.5, factor 0.5.
 */
export function decayRate(logNorms: ArrayLike<number>, kFrom = 1, kTo = logNorms.length): { rate: number; factor: number } {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let cnt = 0;
  for (let k = kFrom; k <= kTo; k++) {
    const y = logNorms[k - 1]!;
    if (!Number.isFinite(y)) continue;
    sx += k;
    sy += y;
    sxx += k * k;
    sxy += k * y;
    cnt++;
  }
  if (cnt < 2) return { rate: NaN, factor: NaN };
  const rate = (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx);
  return { rate, factor: Math.exp(rate) };
}
