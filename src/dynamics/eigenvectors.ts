/**
 * Eigenvectors for a known or nearly known eigenvalue, by inverse iteration (Golub and Van Loan
 * 2013, sec. 7.6.1): z <- (A - lambda I)^{-1} z, normalised. Near-singular shifts are the point:
 * one or two solves give the eigenvector to working precision. Complex shifts go through the real
 * 2n x 2n form of (A - (alpha + i beta) I)(z_re + i z_im) = b:
 *
 *     [ A - alpha I    beta I     ] [z_re]   [b_re]
 *     [ -beta I        A - alpha I] [z_im] = [b_im].
 *
 * Used for the starting null vectors of the augmented systems and for the left eigenvectors of
 * the normal forms (pass A^T).
 */
import { luFactor, luSolve, norm2 } from './dense.ts';
import type { ComplexVector } from './derivatives.ts';

/** A^T of an n x n row-major matrix. */
export function transpose(n: number, A: Float64Array): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[j * n + i] = A[i * n + j]!;
  return T;
}

/** A fixed, generic start vector (no randomness: results stay deterministic). */
function start(n: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 1 + 0.1 * Math.sin(1 + i);
  return v;
}

/**
 * The unit eigenvector of A for the real eigenvalue nearest `lambda` (which may be exact: the
 * shift is nudged by 1e-13 (1 + ||A||) when the LU meets an exact zero pivot).
 */
export function realEigenvector(n: number, A: Float64Array, lambda: number, iterations = 3): Float64Array {
  const M = new Float64Array(n * n);
  const piv = new Int32Array(n);
  let shift = lambda;
  const scale = 1 + norm2(A);
  for (let tries = 0; ; tries++) {
    M.set(A.subarray(0, n * n));
    for (let i = 0; i < n; i++) M[i * n + i]! -= shift;
    if (luFactor(n, M, piv) || tries > 3) break;
    shift = lambda + 1e-13 * scale * (tries + 1);
  }
  // an exact zero pivot left after the nudges: replace it by a tiny one
  for (let i = 0; i < n; i++) if (M[i * n + i] === 0) M[i * n + i] = 1e-300;
  let z = start(n);
  for (let it = 0; it < iterations; it++) {
    luSolve(n, M, piv, z);
    const nz = norm2(z);
    for (let i = 0; i < n; i++) z[i]! /= nz;
  }
  // sign convention: largest entry positive
  let k = 0;
  for (let i = 1; i < n; i++) if (Math.abs(z[i]!) > Math.abs(z[k]!)) k = i;
  if (z[k]! < 0) z = z.map((v) => -v);
  return z;
}

/**
 * The eigenvector q of A for the complex eigenvalue nearest alpha + i beta (beta != 0), scaled to
 * <q, q> = 1 with its largest-modulus entry real and positive.
 */
export function complexEigenvector(n: number, A: Float64Array, alpha: number, beta: number, iterations = 3): ComplexVector {
  const m = 2 * n;
  const M = new Float64Array(m * m);
  const piv = new Int32Array(m);
  const scale = 1 + norm2(A);
  let a = alpha;
  for (let tries = 0; ; tries++) {
    M.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        M[i * m + j] = A[i * n + j]!;
        M[(n + i) * m + n + j] = A[i * n + j]!;
      }
      M[i * m + i]! -= a;
      M[(n + i) * m + n + i]! -= a;
      M[i * m + n + i] = beta;
      M[(n + i) * m + i] = -beta;
    }
    if (luFactor(m, M, piv) || tries > 3) break;
    a = alpha + 1e-13 * scale * (tries + 1);
  }
  for (let i = 0; i < m; i++) if (M[i * m + i] === 0) M[i * m + i] = 1e-300;
  const z = new Float64Array(m);
  z.set(start(n));
  for (let it = 0; it < iterations; it++) {
    luSolve(m, M, piv, z);
    const nz = norm2(z);
    for (let i = 0; i < m; i++) z[i]! /= nz;
  }
  const re = z.slice(0, n);
  const im = z.slice(n);
  return normaliseComplex({ re, im });
}

/** Scale q to <q, q> = 1 and rotate its phase so that its largest-modulus entry is real positive. */
export function normaliseComplex(q: ComplexVector): ComplexVector {
  const n = q.re.length;
  let k = 0;
  let best = -1;
  let nn = 0;
  for (let i = 0; i < n; i++) {
    const m2 = q.re[i]! ** 2 + q.im[i]! ** 2;
    nn += m2;
    if (m2 > best) {
      best = m2;
      k = i;
    }
  }
  const r = Math.sqrt(best);
  // multiply by conj(q_k) / |q_k| / ||q||
  const cr = q.re[k]! / r / Math.sqrt(nn);
  const ci = -q.im[k]! / r / Math.sqrt(nn);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = q.re[i]! * cr - q.im[i]! * ci;
    im[i] = q.re[i]! * ci + q.im[i]! * cr;
  }
  im[k] = 0;
  return { re, im };
}

/** <p, q> = sum_i conj(p_i) q_i. */
export function innerComplex(p: ComplexVector, q: ComplexVector): [number, number] {
  let re = 0;
  let im = 0;
  for (let i = 0; i < p.re.length; i++) {
    re += p.re[i]! * q.re[i]! + p.im[i]! * q.im[i]!;
    im += p.re[i]! * q.im[i]! - p.im[i]! * q.re[i]!;
  }
  return [re, im];
}

/**
 * Solve (A - (alpha + i beta) I) z = b for complex b; null when singular. (alpha, beta) = (0, 0)
 * solves A z = b for both parts at once.
 */
export function solveShiftedComplex(n: number, A: Float64Array, alpha: number, beta: number, b: ComplexVector): ComplexVector | null {
  const m = 2 * n;
  const M = new Float64Array(m * m);
  const piv = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      M[i * m + j] = A[i * n + j]!;
      M[(n + i) * m + n + j] = A[i * n + j]!;
    }
    M[i * m + i]! -= alpha;
    M[(n + i) * m + n + i]! -= alpha;
    M[i * m + n + i] = beta;
    M[(n + i) * m + i] = -beta;
  }
  if (!luFactor(m, M, piv)) return null;
  const z = new Float64Array(m);
  z.set(b.re);
  z.set(b.im, n);
  luSolve(m, M, piv, z);
  return { re: z.slice(0, n), im: z.slice(n) };
}

/**
 * The left kernel vector w of a singular M (w^T M = 0), continuous along a curve: the solution of
 * the bordered system
 *
 *     [ M^T     v ] [w]   [0]
 *     [ wRef^T  0 ] [s] = [1],
 *
 * scaled to unit length, with v the right kernel vector and wRef the previous left one. The
 * bordering stays regular where v and w become orthogonal (a Bogdanov-Takens point: a Jordan
 * block), because v is never in range(M^T) = v^perp and wRef . w != 0 nearby. Null when singular.
 */
export function leftKernelVector(n: number, M: Float64Array, v: ArrayLike<number>, wRef: ArrayLike<number>): Float64Array | null {
  const m = n + 1;
  const B = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B[i * m + j] = M[j * n + i]!;
    B[i * m + n] = v[i]!;
    B[n * m + i] = wRef[i]!;
  }
  const piv = new Int32Array(m);
  if (!luFactor(m, B, piv)) return null;
  const rhs = new Float64Array(m);
  rhs[n] = 1;
  luSolve(m, B, piv, rhs);
  const w = rhs.slice(0, n);
  const nw = norm2(w);
  for (let i = 0; i < n; i++) w[i]! /= nw;
  return w;
}
