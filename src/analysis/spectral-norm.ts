/**
 * Spectral norm ||A||_2 = sigma_max(A), the largest singular value, and the spectral radius.
 *
 * `spectralNorm` is power iteration on A A^T (Golub and Van Loan 2013, section 8.2.1): from a
 * unit vector u, w = A^T u, u <- A w / ||A w||; the estimate ||A w|| / ||w|| rises monotonically
 * to sigma_max at the rate q = (sigma_2 / sigma_1)^2 per iteration, so its remaining error after a
 * change d is about d q / (1 - q): a small change is convergence only when the rate, measured from
 * two successive changes, says so (when sigma_2 is close to sigma_1 the change is small long before
 * the estimate is right; such a run ends at maxIter, unconverged). It can be warm-started from the
 * previous left singular vector, which is what makes the Jacobian-product norms for every lag
 * cheap (the left vector of J_T ... J_{T-k+1} settles as k grows, Oseledets 1968).
 *
 * `sigmaMax` and `spectralRadius` use ml-matrix's SVD and eigen-decomposition: the exact values
 * for the theory bound, computed once per run.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { dgemv, dnrm2 } from '../linalg/blas.ts';
import { Rng } from '../init/rng.ts';
import { NumericalFault } from './faults.ts';

export interface SpectralNormResult {
  /** sigma_max estimate (a lower bound; within the tolerance when converged). */
  sigma: number;
  /** Left singular vector estimate (rows entries), reusable as the next warm start. */
  u: Float64Array;
  iterations: number;
  converged: boolean;
}

export interface PowerIterationOptions {
  /** Starting left vector (rows entries); default a fixed pseudo-random unit vector. */
  u0?: Float64Array;
  /** Stop when the estimated remaining error (and the last change) is at most tol relative. */
  tol?: number;
  maxIter?: number;
  /** Scratch of `cols` entries, to avoid allocation in a loop over many matrices. */
  work?: Float64Array;
  /** Output vector for u (rows entries); may be u0. */
  out?: Float64Array;
}

/** Changes of the estimate at this relative size are round-off: the iteration has converged. */
const ROUNDOFF = 4 * Number.EPSILON;

/** The seed of the default start vector: fixed so results are reproducible. */
const START_SEED = 0x5eed;

/**
 * sigma_max(A) of the rows x cols row-major A (at aOff) by power iteration on A A^T.
 *
 * @example spectralNorm(new Float64Array([3, 0, 0, 1]), 2, 2).sigma // 3
 */
export function spectralNorm(A: Float64Array, rows: number, cols: number, opts: PowerIterationOptions = {}, aOff = 0): SpectralNormResult {
  const tol = opts.tol ?? 1e-13;
  const maxIter = opts.maxIter ?? 20000;
  const u = opts.out ?? new Float64Array(rows);
  const w = opts.work ?? new Float64Array(cols);
  if (opts.u0) {
    if (opts.u0 !== u) u.set(opts.u0);
  } else new Rng(START_SEED).fillNormal(u);
  let nu = dnrm2(rows, u);
  if (nu === 0 || !Number.isFinite(nu)) {
    new Rng(START_SEED).fillNormal(u);
    nu = dnrm2(rows, u);
  }
  for (let i = 0; i < rows; i++) u[i]! /= nu;
  let sigma = 0;
  let it = 0;
  let converged = false;
  let lastChange = Infinity;
  let restarted = opts.u0 === undefined;
  while (it < maxIter) {
    it++;
    dgemv(true, rows, cols, 1, A, aOff, cols, u, 0, 0, w, 0);
    const nw = dnrm2(cols, w);
    if (nw === 0) {
      // a warm start can lie in the left null space of a new matrix: restart once from the default vector
      if (!restarted) {
        restarted = true;
        new Rng(START_SEED).fillNormal(u);
        const s = dnrm2(rows, u);
        for (let i = 0; i < rows; i++) u[i]! /= s;
        continue;
      }
      return { sigma: 0, u, iterations: it, converged: true };
    }
    dgemv(false, rows, cols, 1, A, aOff, cols, w, 0, 0, u, 0);
    const nAw = dnrm2(rows, u);
    for (let i = 0; i < rows; i++) u[i]! /= nAw;
    const next = nAw / nw;
    const change = Math.abs(next - sigma);
    if (change <= tol * next) {
      // remaining error ~ change q / (1 - q), q the measured rate; round-off ends it too
      const q = change / lastChange;
      if (change <= ROUNDOFF * next || (q < 1 && (change * q) / (1 - q) <= tol * next)) {
        sigma = Math.max(sigma, next);
        converged = true;
        break;
      }
    }
    lastChange = change;
    sigma = next;
  }
  return { sigma, u, iterations: it, converged };
}

/** sigma_max(A) of a rows x cols row-major matrix by SVD (ml-matrix), the exact reference. */
export function sigmaMax(A: Float64Array, rows: number, cols: number = rows): number {
  if (rows === 0 || cols === 0) return 0;
  const { M, scale } = scaled(A, rows, cols, 'the SVD');
  if (scale === 0) return 0;
  const svd = new SingularValueDecomposition(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return scale * (svd.diagonal[0] ?? 0);
}

/**
 * sigma_max(A) and its left singular vector u (A v = sigma u) of a rows x cols row-major matrix, by
 * SVD (ml-matrix): the exact value, and the warm start of a power iteration on a related matrix.
 */
export function leadingSingularPair(A: Float64Array, rows: number, cols: number = rows): { sigma: number; u: Float64Array } {
  const u = new Float64Array(rows);
  const { M, scale } = scaled(A, rows, cols, 'the SVD');
  if (scale === 0) {
    u[0] = 1;
    return { sigma: 0, u };
  }
  const svd = new SingularValueDecomposition(M, { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: true });
  const d = svd.diagonal;
  let top = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! > d[top]!) top = i;
  const U = svd.leftSingularVectors;
  for (let i = 0; i < rows; i++) u[i] = U.get(i, top);
  return { sigma: scale * (d[top] ?? 0), u };
}

/** All singular values, descending (ml-matrix SVD). */
export function singularValues(A: Float64Array, rows: number, cols: number = rows): number[] {
  const { M, scale } = scaled(A, rows, cols, 'the SVD');
  if (scale === 0) return new Array<number>(Math.min(rows, cols)).fill(0);
  const svd = new SingularValueDecomposition(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return [...svd.diagonal].map((v) => scale * v).sort((a, b) => b - a);
}

/** rho(A) = max |lambda_i(A)| of a square n x n matrix (ml-matrix eigen-decomposition). */
export function spectralRadius(A: Float64Array, n: number): number {
  const { M, scale } = scaled(A, n, n, 'the eigen-decomposition');
  if (scale === 0) return 0;
  const eig = new EigenvalueDecomposition(M);
  const re = eig.realEigenvalues;
  const im = eig.imaginaryEigenvalues;
  let r = 0;
  for (let i = 0; i < re.length; i++) r = Math.max(r, Math.hypot(re[i]!, im[i]!));
  return scale * r;
}

/**
 * A / s with s ~ max |a_ij| (a power of two, so the division is exact) when max |a_ij| is beyond
 * 2^(+-400), for ml-matrix's SVD and
 * eigen-decomposition: they square entries, and on overflowed input the eigen-decomposition's
 * QR iteration never converges (a JAMA-style loop without an iteration cap). Singular values and
 * eigenvalues scale with s. Non-finite entries are a NumericalFault.
 */
function scaled(A: Float64Array, rows: number, cols: number, routine: string): { M: Matrix; scale: number } {
  let max = 0;
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.abs(A[i]!);
    if (!(v <= Number.MAX_VALUE)) throw new NumericalFault(`the matrix given to ${routine} (entry ${i})`, undefined, 'a NaN or an infinity in the weights or an earlier overflow');
    if (v > max) max = v;
  }
  if (max === 0) return { M: new Matrix(rows, cols), scale: 0 };
  // only far from 1: ordinary matrices go through unscaled, bit for bit as before
  const scale = max > 2 ** 400 || max < 2 ** -400 ? 2 ** Math.min(1023, Math.ceil(Math.log2(max))) : 1;
  const M = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) M.set(i, j, A[i * cols + j]! / scale);
  return { M, scale };
}

/** An ml-matrix Matrix from row-major data. */
export function toMatrix(A: ArrayLike<number>, rows: number, cols: number): Matrix {
  const M = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) M.set(i, j, A[i * cols + j]!);
  return M;
}
