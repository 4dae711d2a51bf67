/**
 * Small dense linear systems on row-major Float64Array: LU with partial pivoting (Golub and Van Loan
 * 2013, Algorithm 3.4.1) and its solves. This is the hot path of continuation, where every Newton
 * step solves an (m + 1) x (m + 1) bordered system with m of order 2..50: ml-matrix's
 * LuDecomposition does the same arithmetic but allocates Matrix objects per call. ml-matrix stays
 * the reference in the tests.
 */

/**
 * Factor the n x n matrix A (row-major, overwritten) into P A = L U, with L unit lower triangular
 * below the diagonal and U on and above it; piv[k] is the row swapped with row k at step k.
 * Returns false when a pivot is exactly 0 (A singular to working precision).
 */
export function luFactor(n: number, A: Float64Array, piv: Int32Array): boolean {
  let regular = true;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(A[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(A[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const tmp = A[k * n + j]!;
        A[k * n + j] = A[p * n + j]!;
        A[p * n + j] = tmp;
      }
    }
    const d = A[k * n + k]!;
    if (d === 0) {
      regular = false;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const l = A[i * n + k]! / d;
      A[i * n + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) A[i * n + j]! -= l * A[k * n + j]!;
    }
  }
  return regular;
}

/** Solve A x = b in place in b, from luFactor's output. */
export function luSolve(n: number, LU: Float64Array, piv: Int32Array, b: Float64Array): Float64Array {
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) {
      const tmp = b[k]!;
      b[k] = b[p]!;
      b[p] = tmp;
    }
  }
  for (let i = 1; i < n; i++) {
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= LU[i * n + j]! * b[j]!;
    b[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= LU[i * n + j]! * b[j]!;
    b[i] = s / LU[i * n + i]!;
  }
  return b;
}

/** Solve A^T x = b in place in b, from luFactor's output (for left null vectors and adjoints). */
export function luSolveTransposed(n: number, LU: Float64Array, piv: Int32Array, b: Float64Array): Float64Array {
  // A = P^T L U, so A^T x = U^T L^T P x = b: solve U^T y = b, L^T z = y, x = P^T z
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= LU[j * n + i]! * b[j]!;
    b[i] = s / LU[i * n + i]!;
  }
  for (let i = n - 2; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= LU[j * n + i]! * b[j]!;
    b[i] = s;
  }
  for (let k = n - 1; k >= 0; k--) {
    const p = piv[k]!;
    if (p !== k) {
      const tmp = b[k]!;
      b[k] = b[p]!;
      b[p] = tmp;
    }
  }
  return b;
}

/**
 * Solve A x = b (A n x n row-major, left untouched); returns x, or null when A is singular.
 *
 * @example solveDense(2, Float64Array.of(2, 1, 1, 3), Float64Array.of(3, 5)) // [0.8, 1.4]
 */
export function solveDense(n: number, A: Float64Array, b: ArrayLike<number>): Float64Array | null {
  const LU = Float64Array.from(A.subarray(0, n * n));
  const piv = new Int32Array(n);
  if (!luFactor(n, LU, piv)) return null;
  return luSolve(n, LU, piv, Float64Array.from(b));
}

/** Determinant from luFactor's output: the product of U's diagonal, signed by the row swaps. */
export function luDeterminant(n: number, LU: Float64Array, piv: Int32Array): number {
  let d = 1;
  for (let k = 0; k < n; k++) {
    d *= LU[k * n + k]!;
    if (piv[k] !== k) d = -d;
  }
  return d;
}

/** The largest |v_i|. */
export function normInf(v: ArrayLike<number>, n = v.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(v[i]!);
    if (a > m || Number.isNaN(a)) m = a;
  }
  return m;
}

/** The Euclidean norm. */
export function norm2(v: ArrayLike<number>, n = v.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** sum_i a_i b_i. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** out = A v for A m x n row-major. */
export function matVec(m: number, n: number, A: Float64Array, v: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** out = A^T v for A m x n row-major. */
export function matTVec(m: number, n: number, A: Float64Array, v: ArrayLike<number>, out: Float64Array): Float64Array {
  out.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    const vi = v[i]!;
    for (let j = 0; j < n; j++) out[j]! += A[i * n + j]! * vi;
  }
  return out;
}
