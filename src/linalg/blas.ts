/**
 * Dense level-2/3 kernels on Float64Array, row-major, with explicit offset and leading dimension
 * (the stdlib-js / BLAS convention). Output buffers are passed in; nothing allocates. Kernels trust
 * their arguments: callers validate at the edge.
 *
 * When every operand is a view into the WebAssembly heap (allocF64 in wasm.ts) and the problem is
 * large enough to amortise the call, dgemm and dgemv run the SIMD kernels (large products the
 * cache-blocked one, on two threads when very large: parallel.ts); otherwise the JavaScript
 * loops below, ordered so the innermost index walks memory contiguously. Both give the same result
 * up to the order of summation.
 */
import { gemmBlocked, gemmPacked, packHalves, type PackedHalves } from './parallel.ts';
import type { Real } from './precision.ts';
import { ABI, inWasm, kernels, ptr, scratchF64, usesBlockedGemm } from './wasm.ts';

/** Below this many multiply-adds the call into WebAssembly costs more than it saves (wasm.ts ABI.routes). */
const WASM_MIN_WORK = ABI.routes.wasmMinWork;

/**
 * y = alpha * op(A) x + beta * y, where A is m x n row-major with leading dimension lda and
 * op(A) = A (trans = false, y has m entries) or A^T (trans = true, y has n entries).
 */
export function dgemv(
  trans: boolean,
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  x: Float64Array,
  xOff: number,
  beta: number,
  y: Float64Array,
  yOff: number,
): Float64Array {
  if (m * n >= WASM_MIN_WORK && inWasm(A) && inWasm(x) && inWasm(y)) {
    (trans ? kernels.gemv_t : kernels.gemv_n)(m, n, alpha, ptr(A, aOff), lda, ptr(x, xOff), beta, ptr(y, yOff));
    return y;
  }
  if (!trans) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      const row = aOff + i * lda;
      for (let j = 0; j < n; j++) s += A[row + j]! * x[xOff + j]!;
      y[yOff + i] = alpha * s + (beta === 0 ? 0 : beta * y[yOff + i]!);
    }
  } else {
    if (beta === 0) for (let j = 0; j < n; j++) y[yOff + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) y[yOff + j]! *= beta;
    // y += alpha * sum_i x_i A[i, :]: row-wise so A is read in order
    for (let i = 0; i < m; i++) {
      const xi = alpha * x[xOff + i]!;
      if (xi === 0) continue;
      const row = aOff + i * lda;
      for (let j = 0; j < n; j++) y[yOff + j]! += xi * A[row + j]!;
    }
  }
  return y;
}

/** A matrix B (as op(B), k x n) prepared once for many products dgemmPacked(A, B). */
export interface PackedMatrix {
  readonly transB: boolean;
  readonly k: number;
  readonly n: number;
  readonly B: Float64Array;
  readonly bOff: number;
  readonly ldb: number;
  /** The packed panels, when B is on the kernel heap. */
  readonly halves: PackedHalves | null;
}

/**
 * Prepare op(B) for repeated products (e.g. a recurrent weight matrix at every time step): packed
 * once for the blocked kernel instead of at every product. Pack again after B changes. `reuse`
 * recycles an earlier packing's buffer.
 */
export function packMatrix(transB: boolean, k: number, n: number, B: Float64Array, bOff: number, ldb: number, reuse?: PackedMatrix): PackedMatrix {
  const halves = inWasm(B) && n >= 4 ? packHalves(transB, k, n, ptr(B, bOff), ldb, reuse?.halves ?? undefined) : null;
  return { transB, k, n, B, bOff, ldb, halves };
}

/**
 * C = alpha * op(A) op(B) + beta * C with op(B) from packMatrix: the same result, bit for bit, as
 * dgemm(transA, P.transB, m, P.n, P.k, alpha, A, aOff, lda, P.B, P.bOff, P.ldb, beta, C, cOff, ldc).
 */
export function dgemmPacked(transA: boolean, m: number, alpha: number, A: Float64Array, aOff: number, lda: number, P: PackedMatrix, beta: number, C: Float64Array, cOff: number, ldc: number): Float64Array {
  const { k, n } = P;
  if (P.halves && usesBlockedGemm(m, n, k) && inWasm(A) && inWasm(C)) {
    gemmPacked(transA, m, alpha, ptr(A, aOff), lda, P.halves, beta, ptr(C, cOff), ldc);
    return C;
  }
  return dgemm(transA, P.transB, m, n, k, alpha, A, aOff, lda, P.B, P.bOff, P.ldb, beta, C, cOff, ldc);
}

/**
 * C = alpha * op(A) op(B) + beta * C, row-major. op(A) is m x k, op(B) is k x n, C is m x n.
 * transA: A is stored k x m; transB: B is stored n x k.
 */
export function dgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): Float64Array {
  if (m * n * k >= WASM_MIN_WORK && inWasm(A) && inWasm(B) && inWasm(C)) {
    const a = ptr(A, aOff);
    const b = ptr(B, bOff);
    const c = ptr(C, cOff);
    if (usesBlockedGemm(m, n, k)) gemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else if (!transB) kernels.gemm_xn(transA ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else if (!transA) kernels.gemm_nt(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else {
      const t = scratchF64(k * n);
      kernels.transpose(n, k, b, ldb, ptr(t), n);
      kernels.gemm_xn(1, m, n, k, alpha, a, lda, ptr(t), n, beta, c, ldc);
    }
    return C;
  }
  gemmReference(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  return C;
}

/**
 * C = alpha * op(A) op(B) + beta * C in either precision: sgemm when all three are Float32Array,
 * dgemm when all are Float64Array, and for mixed operands (a float64 readout on a float32 state)
 * the reference loops, summing in float64 (a float32 C rounds when beta C and when the sum is
 * added into it).
 */
export function gemm<C extends Real>(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Real,
  aOff: number,
  lda: number,
  B: Real,
  bOff: number,
  ldb: number,
  beta: number,
  C: C,
  cOff: number,
  ldc: number,
): C {
  if (A instanceof Float64Array && B instanceof Float64Array && C instanceof Float64Array) dgemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  else if (A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array) sgemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  else gemmReference(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  return C;
}

/**
 * The float32 GEMM: C = alpha * op(A) op(B) + beta * C on Float32Arrays, every product and sum
 * rounded to float32 (alpha and beta too). Heap operands of products the blocked kernel takes
 * (usesBlockedGemm) run kernels.ts `sgemm` (f32x4 lanes, on two threads when large); other heap
 * operands run kernels.ts `sgemm_loops`, the loops below in f32 arithmetic with lanes over i or j,
 * which gives their bits; arrays off the heap run the loops below, which round each operation with
 * Math.fround (correctly rounded float32: a float64 result of one operation on float32 inputs
 * rounds to the same float32 as float32 arithmetic would, since 53 >= 2 x 24 + 2). Every route sums
 * over p in ascending order.
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float32Array,
  aOff: number,
  lda: number,
  B: Float32Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float32Array,
  cOff: number,
  ldc: number,
): Float32Array {
  if (inWasm(A) && inWasm(B) && inWasm(C)) {
    const a = ptr(A, aOff);
    const b = ptr(B, bOff);
    const c = ptr(C, cOff);
    if (usesBlockedGemm(m, n, k)) gemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 'float32');
    else kernels.sgemm_loops(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return C;
  }
  const f = Math.fround;
  const al = f(alpha);
  const be = f(beta);
  for (let i = 0; i < m; i++) {
    const crow = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = transA ? A[aOff + p * lda + i]! : A[aOff + i * lda + p]!;
        const b = transB ? B[bOff + j * ldb + p]! : B[bOff + p * ldb + j]!;
        s = f(s + f(a * b));
      }
      const c = beta === 0 ? 0 : f(be * C[crow + j]!);
      C[crow + j] = f(c + f(al * s));
    }
  }
  return C;
}

/** The plain loops of dgemm (float64 arithmetic; C rounds on store when it is a Float32Array). */
function gemmReference(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Real,
  aOff: number,
  lda: number,
  B: Real,
  bOff: number,
  ldb: number,
  beta: number,
  C: Real,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const crow = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) C[crow + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) C[crow + j]! *= beta;
  }
  // a float32 C takes the dot-product loop, so that its sums stay in float64 until stored
  if (!transB && !(C instanceof Float32Array)) {
    // C[i,:] += alpha * A(i,p) * B[p,:]: innermost loop contiguous in B and C
    for (let i = 0; i < m; i++) {
      const crow = cOff + i * ldc;
      for (let p = 0; p < k; p++) {
        const a = alpha * (transA ? A[aOff + p * lda + i]! : A[aOff + i * lda + p]!);
        if (a === 0) continue;
        const brow = bOff + p * ldb;
        for (let j = 0; j < n; j++) C[crow + j]! += a * B[brow + j]!;
      }
    }
  } else {
    // C[i,j] += alpha * dot(op(A)[i,:], op(B)[:,j]): B's rows are contiguous when transB
    const sbj = transB ? ldb : 1;
    const sbp = transB ? 1 : ldb;
    for (let i = 0; i < m; i++) {
      const crow = cOff + i * ldc;
      for (let j = 0; j < n; j++) {
        const brow = bOff + j * sbj;
        let s = 0;
        if (transA) for (let p = 0; p < k; p++) s += A[aOff + p * lda + i]! * B[brow + p * sbp]!;
        else {
          const arow = aOff + i * lda;
          for (let p = 0; p < k; p++) s += A[arow + p]! * B[brow + p * sbp]!;
        }
        C[crow + j]! += alpha * s;
      }
    }
  }
}

/**
 * Euclidean norm of n entries of x from offset, with stride. The plain sum of squares when it is
 * safely inside the float64 range (no square overflowed, and none lost to underflow that could
 * matter); otherwise the scaled recurrence of the reference dnrm2, which never overflows.
 */
export function dnrm2(n: number, x: Real, off = 0, stride = 1): number {
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i * stride]!;
    ss += v * v;
  }
  if (ss < Infinity && ss > 1e-250) return Math.sqrt(ss);
  if (ss === 0) {
    let any = false;
    for (let i = 0; i < n && !any; i++) any = x[off + i * stride] !== 0;
    if (!any) return 0;
  }
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < n; i++) {
    const v = x[off + i * stride]!;
    if (v !== 0) {
      const a = Math.abs(v);
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else ssq += (a / scale) * (a / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

/** Dot product of n entries. */
export function ddot(n: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[xOff + i]! * y[yOff + i]!;
  return s;
}

/** y += alpha * x over n entries. */
export function daxpy(n: number, alpha: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): Float64Array {
  for (let i = 0; i < n; i++) y[yOff + i]! += alpha * x[xOff + i]!;
  return y;
}

/**
 * y = tanh(a) over len entries (in place when a === y and the offsets agree): the SIMD kernel
 * (kernels.ts tanh_kernel, within a few ulp of Math.tanh, a third of its cost) when both arrays
 * live in the kernel heap and len >= 8, Math.tanh otherwise.
 */
export function dtanh(len: number, a: Float64Array, aOff: number, y: Float64Array, yOff: number): Float64Array {
  if (len >= 8 && inWasm(a) && inWasm(y)) kernels.tanh_kernel(len, ptr(a, aOff), ptr(y, yOff));
  else for (let k = 0; k < len; k++) y[yOff + k] = Math.tanh(a[aOff + k]!);
  return y;
}

/**
 * y = tanh(a) over len entries of float64 heap arrays through the SIMD kernel (kernels.ts tanh2) at
 * every length; dtanh takes Math.tanh below 8 entries. The float32 cells' elementwise steps (in
 * float64, rounded once) use it, so that their TypeScript step and their float32 whole-run kernels,
 * which run tanh2 on every entry, give the same bits.
 */
export function dtanhKernel(len: number, a: Float64Array, aOff: number, y: Float64Array, yOff: number): Float64Array {
  if (len > 0) kernels.tanh_kernel(len, ptr(a, aOff), ptr(y, yOff));
  return y;
}

/** Z (rows x n) <- Z diag(d): column j scaled by d_j (the SIMD kernel for heap arrays). */
export function dscaleColumns<Z extends Real>(rows: number, n: number, Z: Z, d: Real): Z {
  if (Z instanceof Float64Array && d instanceof Float64Array && inWasm(Z) && inWasm(d)) {
    kernels.scale_cols(rows, n, ptr(Z), ptr(d));
    return Z;
  }
  for (let i = 0; i < rows; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) Z[row + j]! *= d[j]!;
  }
  return Z;
}
