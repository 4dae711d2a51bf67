// AssemblyScript source of the WebAssembly SIMD kernels (compiled by `npm run build:wasm` into
// src/linalg/kernels.wasm, which is committed). Row-major float64 matrices addressed by byte
// pointers into linear memory, with leading dimensions in elements, as in BLAS.
//
// The inner kernels keep a 4 x 4 block of C in eight f64x2 registers and stream one row of op(B)
// and four entries of op(A) per step of the reduction index p: 8 multiply-adds per 6 loads, with the
// B panel (k x 4) kept in L1 while all row blocks of A pass over it.

@inline function ld(p: usize): f64 {
  return load<f64>(p);
}

// C (m x n) = alpha * op(A) * B + beta * C, with op(A) = A (m x k, lda) or A^T (A stored k x m).
// B is k x n with leading dimension ldb. Strides: A(i, p) at A + (i*lda + p)*8 (or (p*lda + i)*8).
export function gemm_xn(
  transA: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f64,
  C: usize,
  ldc: i32,
): void {
  // scale C by beta first
  for (let i = 0; i < m; i++) {
    const row = C + ((<usize>i * ldc) << 3);
    if (beta == 0) {
      for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), 0);
    } else if (beta != 1) {
      for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), beta * ld(row + (<usize>j << 3)));
    }
  }
  const sa_i: usize = transA ? 8 : (<usize>lda << 3); // stride of A between rows i
  const sa_p: usize = transA ? (<usize>lda << 3) : 8; // stride of A along p
  const sb: usize = <usize>ldb << 3;
  const sc: usize = <usize>ldc << 3;
  const va = f64x2.splat(alpha);
  const n4 = n & ~3;
  const m4 = m & ~3;
  for (let j = 0; j < n4; j += 4) {
    const bj = B + (<usize>j << 3);
    for (let i = 0; i < m4; i += 4) {
      let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
      let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
      let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
      let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
      let ap = A + <usize>i * sa_i;
      let bp = bj;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const a0 = f64x2.splat(ld(ap));
        const a1 = f64x2.splat(ld(ap + sa_i));
        const a2 = f64x2.splat(ld(ap + 2 * sa_i));
        const a3 = f64x2.splat(ld(ap + 3 * sa_i));
        c00 = f64x2.add(c00, f64x2.mul(a0, b0));
        c01 = f64x2.add(c01, f64x2.mul(a0, b1));
        c10 = f64x2.add(c10, f64x2.mul(a1, b0));
        c11 = f64x2.add(c11, f64x2.mul(a1, b1));
        c20 = f64x2.add(c20, f64x2.mul(a2, b0));
        c21 = f64x2.add(c21, f64x2.mul(a2, b1));
        c30 = f64x2.add(c30, f64x2.mul(a3, b0));
        c31 = f64x2.add(c31, f64x2.mul(a3, b1));
        ap += sa_p;
        bp += sb;
      }
      let cp = C + <usize>i * sc + (<usize>j << 3);
      v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c00)));
      v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c01)), 16);
      cp += sc;
      v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c10)));
      v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c11)), 16);
      cp += sc;
      v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c20)));
      v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c21)), 16);
      cp += sc;
      v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c30)));
      v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c31)), 16);
    }
  }
  // leftover rows (m % 4, and all rows when m < 4, e.g. the batch-1 product x^T W): as axpys over
  // whole rows of B, which streams B in memory order
  for (let i = m4; i < m; i++) {
    const cp = C + <usize>i * sc;
    let ap = A + <usize>i * sa_i;
    let bp = B;
    for (let p = 0; p < k; p++) {
      const a = alpha * ld(ap);
      const va2 = f64x2.splat(a);
      let j = 0;
      for (; j + 2 <= n4; j += 2) {
        const o = <usize>j << 3;
        v128.store(cp + o, f64x2.add(v128.load(cp + o), f64x2.mul(va2, v128.load(bp + o))));
      }
      ap += sa_p;
      bp += sb;
    }
  }
  // leftover columns
  for (let j = n4; j < n; j++) {
    for (let i = 0; i < m; i++) {
      let s: f64 = 0;
      let ap = A + <usize>i * sa_i;
      let bp = B + (<usize>j << 3);
      for (let p = 0; p < k; p++) {
        s += ld(ap) * ld(bp);
        ap += sa_p;
        bp += sb;
      }
      const cp = C + <usize>i * sc + (<usize>j << 3);
      store<f64>(cp, ld(cp) + alpha * s);
    }
  }
}

// B^T into T: T (n x k, ldt) = B^T where B is k x n (ldb). Lets C = op(A) B^T run through gemm_xn.
export function transpose(k: i32, n: i32, B: usize, ldb: i32, T: usize, ldt: i32): void {
  for (let p = 0; p < k; p++) {
    const bp = B + ((<usize>p * ldb) << 3);
    for (let j = 0; j < n; j++) store<f64>(T + ((<usize>j * ldt + p) << 3), ld(bp + (<usize>j << 3)));
  }
}

// y = alpha * A x + beta * y for A (m x n, lda): row dot products, two rows at a time.
export function gemv_n(m: i32, n: i32, alpha: f64, A: usize, lda: i32, x: usize, beta: f64, y: usize): void {
  const n2 = n & ~1;
  const sa: usize = <usize>lda << 3;
  for (let i = 0; i < m; i++) {
    const ap = A + <usize>i * sa;
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let p = 0;
    for (; p + 4 <= n; p += 4) {
      s0 = f64x2.add(s0, f64x2.mul(v128.load(ap + (<usize>p << 3)), v128.load(x + (<usize>p << 3))));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(ap + (<usize>p << 3), 16), v128.load(x + (<usize>p << 3), 16)));
    }
    for (; p < n2; p += 2) s0 = f64x2.add(s0, f64x2.mul(v128.load(ap + (<usize>p << 3)), v128.load(x + (<usize>p << 3))));
    const v = f64x2.add(s0, s1);
    let s = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
    for (; p < n; p++) s += ld(ap + (<usize>p << 3)) * ld(x + (<usize>p << 3));
    const yp = y + (<usize>i << 3);
    store<f64>(yp, alpha * s + (beta == 0 ? 0 : beta * ld(yp)));
  }
}

// y (n) = alpha * A^T x + beta * y for A (m x n, lda): y += (alpha x_i) A[i, :] row by row, so A
// is read in order; rows with alpha x_i = 0 are skipped (as blas.ts's loop, whose bits this keeps).
export function gemv_t(m: i32, n: i32, alpha: f64, A: usize, lda: i32, x: usize, beta: f64, y: usize): void {
  const n2 = n & ~1;
  if (beta == 0) memory.fill(y, 0, <usize>n << 3);
  else if (beta != 1) for (let j = 0; j < n; j++) store<f64>(y + (<usize>j << 3), ld(y + (<usize>j << 3)) * beta);
  const sa: usize = <usize>lda << 3;
  for (let i = 0; i < m; i++) {
    const xi = alpha * ld(x + (<usize>i << 3));
    if (xi == 0) continue;
    const ap = A + <usize>i * sa;
    const xv = f64x2.splat(xi);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 3;
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(xv, v128.load(ap + o))));
      v128.store(y + o, f64x2.add(v128.load(y + o, 16), f64x2.mul(xv, v128.load(ap + o, 16))), 16);
    }
    for (; j < n2; j += 2) v128.store(y + (<usize>j << 3), f64x2.add(v128.load(y + (<usize>j << 3)), f64x2.mul(xv, v128.load(ap + (<usize>j << 3)))));
    if (j < n) store<f64>(y + (<usize>j << 3), ld(y + (<usize>j << 3)) + xi * ld(ap + (<usize>j << 3)));
  }
}

// C (m x n) = alpha * A * B^T + beta * C with A (m x k, lda) and B (n x k, ldb) both read along
// their rows (dot products): a 2 x 4 block of C in eight f64x2 accumulators, reduced at the end.
export function gemm_nt(
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f64,
  C: usize,
  ldc: i32,
): void {
  const sa: usize = <usize>lda << 3;
  const sb: usize = <usize>ldb << 3;
  const sc: usize = <usize>ldc << 3;
  const k2 = k & ~1;
  const m2 = m & ~1;
  const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const b0p = B + <usize>j * sb;
    const b1p = b0p + sb;
    const b2p = b1p + sb;
    const b3p = b2p + sb;
    for (let i = 0; i < m2; i += 2) {
      const a0p = A + <usize>i * sa;
      const a1p = a0p + sa;
      let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c02 = f64x2.splat(0), c03 = f64x2.splat(0);
      let c10 = f64x2.splat(0), c11 = f64x2.splat(0), c12 = f64x2.splat(0), c13 = f64x2.splat(0);
      for (let p = 0; p < k2; p += 2) {
        const o = <usize>p << 3;
        const a0 = v128.load(a0p + o);
        const a1 = v128.load(a1p + o);
        const b0 = v128.load(b0p + o);
        const b1 = v128.load(b1p + o);
        const b2 = v128.load(b2p + o);
        const b3 = v128.load(b3p + o);
        c00 = f64x2.add(c00, f64x2.mul(a0, b0));
        c01 = f64x2.add(c01, f64x2.mul(a0, b1));
        c02 = f64x2.add(c02, f64x2.mul(a0, b2));
        c03 = f64x2.add(c03, f64x2.mul(a0, b3));
        c10 = f64x2.add(c10, f64x2.mul(a1, b0));
        c11 = f64x2.add(c11, f64x2.mul(a1, b1));
        c12 = f64x2.add(c12, f64x2.mul(a1, b2));
        c13 = f64x2.add(c13, f64x2.mul(a1, b3));
      }
      let s00 = f64x2.extract_lane(c00, 0) + f64x2.extract_lane(c00, 1);
      let s01 = f64x2.extract_lane(c01, 0) + f64x2.extract_lane(c01, 1);
      let s02 = f64x2.extract_lane(c02, 0) + f64x2.extract_lane(c02, 1);
      let s03 = f64x2.extract_lane(c03, 0) + f64x2.extract_lane(c03, 1);
      let s10 = f64x2.extract_lane(c10, 0) + f64x2.extract_lane(c10, 1);
      let s11 = f64x2.extract_lane(c11, 0) + f64x2.extract_lane(c11, 1);
      let s12 = f64x2.extract_lane(c12, 0) + f64x2.extract_lane(c12, 1);
      let s13 = f64x2.extract_lane(c13, 0) + f64x2.extract_lane(c13, 1);
      if (k2 < k) {
        const o = <usize>k2 << 3;
        const a0 = ld(a0p + o);
        const a1 = ld(a1p + o);
        s00 += a0 * ld(b0p + o); s01 += a0 * ld(b1p + o); s02 += a0 * ld(b2p + o); s03 += a0 * ld(b3p + o);
        s10 += a1 * ld(b0p + o); s11 += a1 * ld(b1p + o); s12 += a1 * ld(b2p + o); s13 += a1 * ld(b3p + o);
      }
      const c0 = C + <usize>i * sc + (<usize>j << 3);
      const c1 = c0 + sc;
      if (beta == 0) {
        store<f64>(c0, alpha * s00); store<f64>(c0, alpha * s01, 8); store<f64>(c0, alpha * s02, 16); store<f64>(c0, alpha * s03, 24);
        store<f64>(c1, alpha * s10); store<f64>(c1, alpha * s11, 8); store<f64>(c1, alpha * s12, 16); store<f64>(c1, alpha * s13, 24);
      } else {
        store<f64>(c0, alpha * s00 + beta * ld(c0)); store<f64>(c0, alpha * s01 + beta * ld(c0 + 8), 8);
        store<f64>(c0, alpha * s02 + beta * ld(c0 + 16), 16); store<f64>(c0, alpha * s03 + beta * ld(c0 + 24), 24);
        store<f64>(c1, alpha * s10 + beta * ld(c1)); store<f64>(c1, alpha * s11 + beta * ld(c1 + 8), 8);
        store<f64>(c1, alpha * s12 + beta * ld(c1 + 16), 16); store<f64>(c1, alpha * s13 + beta * ld(c1 + 24), 24);
      }
    }
  }
  // leftovers: the last row (m odd) for the blocked columns, and the last n % 4 columns
  for (let i = 0; i < m; i++) {
    const jStart = i < m2 ? n4 : 0;
    const ap = A + <usize>i * sa;
    for (let j = jStart; j < n; j++) {
      const bp = B + <usize>j * sb;
      let v = f64x2.splat(0);
      for (let p = 0; p < k2; p += 2) v = f64x2.add(v, f64x2.mul(v128.load(ap + (<usize>p << 3)), v128.load(bp + (<usize>p << 3))));
      let s = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
      if (k2 < k) s += ld(ap + (<usize>k2 << 3)) * ld(bp + (<usize>k2 << 3));
      const cp = C + <usize>i * sc + (<usize>j << 3);
      store<f64>(cp, alpha * s + (beta == 0 ? 0 : beta * ld(cp)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Modified Gram-Schmidt QR (Golub and Van Loan 2013, algorithm 5.2.6), written once for both
// precisions T = f64 (`mgs`, `mgs_share`) and T = f32 (`smgs`, `smgs_share`), as gemmCore is: the
// loops, the blocking by four rows and the two-thread schedule are shared; the f64x2 / f32x4
// instructions sit behind the small generic helpers below (W = 2 or 4 lanes).
// The k rows of V (k x n, contiguous, T entries) are factorised in place: rows become orthonormal,
// r[i] = R_ii >= 0 (r is f64 in both precisions). A row that becomes exactly zero gets r_i = 0 and
// stays zero. The dot products v.q and the updates v - (v.q) q are T arithmetic; the norm is summed
// in f64 from the stored entries.
// Rows go four at a time: each of q_0..q_{i0-1} is loaded once for the four rows i0..i0+3 (whose
// updates by earlier rows are independent), then the four are orthogonalised among themselves.
// Every row sees the same sequence of projections as in the one-row-at-a-time algorithm.
// The precisions differ in three places, each kept as it was when they were two copies (the bits of
// both are fixed by committed results and tests): project4 sums each of its four dots in one
// accumulator in f64, and in two over alternate vectors in f32, as project1 does in both (so an f32
// row's bits do not depend on whether it went four at a time; an f64 row's do, the same way in mgs
// and mgs_share); the lanes are reduced l0 + l1 (f64) and ((l0 + l1) + l2) + l3 (f32); normalise
// multiplies the f64 lanes by 1 / r_i and divides the f32 lanes by fl32(r_i), as the float32
// reference (lyapunov.ts mgsFloat32) divides.
// ---------------------------------------------------------------------------------------------

export function mgs(V: usize, k: i32, n: i32, r: usize): void {
  mgsCore<f64>(V, k, n, r);
}

// The same factorisation on two threads (mgsShareCore).
export function mgs_share(V: usize, k: i32, n: i32, r: usize, parity: i32, progress: usize): void {
  mgsShareCore<f64>(V, k, n, r, parity, progress);
}

// Float32 (the QR of float32 tangent vectors, lyapunov.ts): V holds f32 entries, r f64.
export function smgs(V: usize, k: i32, n: i32, r: usize): void {
  mgsCore<f32>(V, k, n, r);
}

export function smgs_share(V: usize, k: i32, n: i32, r: usize, parity: i32, progress: usize): void {
  mgsShareCore<f32>(V, k, n, r, parity, progress);
}

function mgsCore<T>(V: usize, k: i32, n: i32, r: usize): void {
  const rs: usize = <usize>n << alignof<T>();
  let i0 = 0;
  for (; i0 + 4 <= k; i0 += 4) {
    const v0 = V + <usize>i0 * rs;
    const v1 = v0 + rs;
    const v2 = v1 + rs;
    const v3 = v2 + rs;
    for (let j = 0; j < i0; j++) project4<T>(V + <usize>j * rs, v0, v1, v2, v3, n);
    for (let i = i0; i < i0 + 4; i++) {
      const vi = V + <usize>i * rs;
      for (let j = i0; j < i; j++) project1<T>(V + <usize>j * rs, vi, n);
      normalise<T>(vi, n, r + (<usize>i << 3));
    }
  }
  for (; i0 < k; i0++) {
    const vi = V + <usize>i0 * rs;
    for (let j = 0; j < i0; j++) project1<T>(V + <usize>j * rs, vi, n);
    normalise<T>(vi, n, r + (<usize>i0 << 3));
  }
}

// The same factorisation on two threads: blocks of four rows alternate between the threads
// (block b belongs to the thread with parity b % 2; the last, partial block to the next parity),
// and each row is projected on q_j as soon as row j is final. `progress` (an i32 in shared
// memory, 0 at the start) counts the final rows; blocks finish in order, so it only grows. Every
// row sees the same projections in the same order as in mgsCore: the same bits. A thread that
// waits spins briefly, then sleeps on the counter, so that on a machine with more busy threads
// than cores it leaves its core to the thread it waits for.
function mgsShareCore<T>(V: usize, k: i32, n: i32, r: usize, parity: i32, progress: usize): void {
  const rs: usize = <usize>n << alignof<T>();
  for (let i0 = parity * 4; i0 < k; i0 += 8) {
    const rows = min(4, k - i0);
    if (rows == 4) {
      const v0 = V + <usize>i0 * rs;
      for (let j = 0; j < i0; j++) {
        awaitRows(progress, j);
        project4<T>(V + <usize>j * rs, v0, v0 + rs, v0 + 2 * rs, v0 + 3 * rs, n);
      }
    } else {
      for (let i = i0; i < i0 + rows; i++) {
        for (let j = 0; j < i0; j++) {
          awaitRows(progress, j);
          project1<T>(V + <usize>j * rs, V + <usize>i * rs, n);
        }
      }
    }
    for (let i = i0; i < i0 + rows; i++) {
      const vi = V + <usize>i * rs;
      for (let j = i0; j < i; j++) project1<T>(V + <usize>j * rs, vi, n);
      normalise<T>(vi, n, r + (<usize>i << 3));
    }
    atomic.store<i32>(progress, i0 + rows);
    atomic.notify(progress, 1);
  }
}

// Wait until more than j rows are final.
// @ts-ignore: decorator
@inline function awaitRows(progress: usize, j: i32): void {
  let spins = 0;
  for (;;) {
    const p = atomic.load<i32>(progress);
    if (p > j) return;
    if (++spins > 4000) memory.atomic.wait32(progress, p, 100_000);
  }
}

// Lanes per v128 of T entries: 2 (f64) or 4 (f32).
// @ts-ignore: decorator
@inline function lanesOf<T>(): i32 {
  return sizeof<T>() == 8 ? 2 : 4;
}

// @ts-ignore: decorator
@inline function vsplat<T>(x: T): v128 {
  return sizeof<T>() == 8 ? f64x2.splat(<f64>x) : f32x4.splat(<f32>x);
}

// @ts-ignore: decorator
@inline function vadd<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.add(a, b) : f32x4.add(a, b);
}

// @ts-ignore: decorator
@inline function vsub<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.sub(a, b) : f32x4.sub(a, b);
}

// @ts-ignore: decorator
@inline function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.mul(a, b) : f32x4.mul(a, b);
}

// The sum of the lanes, left to right: l0 + l1 (f64), ((l0 + l1) + l2) + l3 (f32).
// @ts-ignore: decorator
@inline function vsum<T>(a: v128): T {
  if (sizeof<T>() == 8) return <T>(f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1));
  return <T>(f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

// v <- v - (v . q) q for one row.
function project1<T>(q: usize, v: usize, n: i32): void {
  const W = lanesOf<T>();
  const sh = alignof<T>();
  const nW = n & ~(W - 1);
  let acc0 = vsplat<T>(<T>0);
  let acc1 = vsplat<T>(<T>0);
  let l = 0;
  for (; l + 2 * W <= nW; l += 2 * W) {
    const o = <usize>l << sh;
    acc0 = vadd<T>(acc0, vmul<T>(v128.load(v + o), v128.load(q + o)));
    acc1 = vadd<T>(acc1, vmul<T>(v128.load(v + o + 16), v128.load(q + o + 16)));
  }
  if (l < nW) acc0 = vadd<T>(acc0, vmul<T>(v128.load(v + (<usize>l << sh)), v128.load(q + (<usize>l << sh))));
  let dot: T = vsum<T>(vadd<T>(acc0, acc1));
  for (let m = nW; m < n; m++) dot += load<T>(v + (<usize>m << sh)) * load<T>(q + (<usize>m << sh));
  const d = vsplat<T>(dot);
  for (let m = 0; m < nW; m += W) {
    const o = <usize>m << sh;
    v128.store(v + o, vsub<T>(v128.load(v + o), vmul<T>(d, v128.load(q + o))));
  }
  for (let m = nW; m < n; m++) {
    const o = <usize>m << sh;
    store<T>(v + o, load<T>(v + o) - dot * load<T>(q + o));
  }
}

// v_s <- v_s - (v_s . q) q for four rows, q read once per pass.
function project4<T>(q: usize, v0: usize, v1: usize, v2: usize, v3: usize, n: i32): void {
  const W = lanesOf<T>();
  const sh = alignof<T>();
  const nW = n & ~(W - 1);
  // f32 sums each dot in two accumulators over alternate vectors, as project1; f64 in one
  const two = sizeof<T>() == 4;
  let a0 = vsplat<T>(<T>0);
  let a1 = vsplat<T>(<T>0);
  let a2 = vsplat<T>(<T>0);
  let a3 = vsplat<T>(<T>0);
  let b0 = vsplat<T>(<T>0);
  let b1 = vsplat<T>(<T>0);
  let b2 = vsplat<T>(<T>0);
  let b3 = vsplat<T>(<T>0);
  let l = 0;
  if (two) {
    for (; l + 2 * W <= nW; l += 2 * W) {
      const o = <usize>l << sh;
      const qa = v128.load(q + o);
      const qb = v128.load(q + o + 16);
      a0 = vadd<T>(a0, vmul<T>(v128.load(v0 + o), qa));
      a1 = vadd<T>(a1, vmul<T>(v128.load(v1 + o), qa));
      a2 = vadd<T>(a2, vmul<T>(v128.load(v2 + o), qa));
      a3 = vadd<T>(a3, vmul<T>(v128.load(v3 + o), qa));
      b0 = vadd<T>(b0, vmul<T>(v128.load(v0 + o + 16), qb));
      b1 = vadd<T>(b1, vmul<T>(v128.load(v1 + o + 16), qb));
      b2 = vadd<T>(b2, vmul<T>(v128.load(v2 + o + 16), qb));
      b3 = vadd<T>(b3, vmul<T>(v128.load(v3 + o + 16), qb));
    }
  }
  // f64: every vector; f32: the one left over after the pairs, if any
  for (; l < nW; l += W) {
    const o = <usize>l << sh;
    const qa = v128.load(q + o);
    a0 = vadd<T>(a0, vmul<T>(v128.load(v0 + o), qa));
    a1 = vadd<T>(a1, vmul<T>(v128.load(v1 + o), qa));
    a2 = vadd<T>(a2, vmul<T>(v128.load(v2 + o), qa));
    a3 = vadd<T>(a3, vmul<T>(v128.load(v3 + o), qa));
  }
  let d0: T = vsum<T>(two ? vadd<T>(a0, b0) : a0);
  let d1: T = vsum<T>(two ? vadd<T>(a1, b1) : a1);
  let d2: T = vsum<T>(two ? vadd<T>(a2, b2) : a2);
  let d3: T = vsum<T>(two ? vadd<T>(a3, b3) : a3);
  for (let m = nW; m < n; m++) {
    const o = <usize>m << sh;
    const qs = load<T>(q + o);
    d0 += load<T>(v0 + o) * qs;
    d1 += load<T>(v1 + o) * qs;
    d2 += load<T>(v2 + o) * qs;
    d3 += load<T>(v3 + o) * qs;
  }
  for (let m = nW; m < n; m++) {
    const o = <usize>m << sh;
    const qs = load<T>(q + o);
    store<T>(v0 + o, load<T>(v0 + o) - d0 * qs);
    store<T>(v1 + o, load<T>(v1 + o) - d1 * qs);
    store<T>(v2 + o, load<T>(v2 + o) - d2 * qs);
    store<T>(v3 + o, load<T>(v3 + o) - d3 * qs);
  }
  const s0 = vsplat<T>(d0);
  const s1 = vsplat<T>(d1);
  const s2 = vsplat<T>(d2);
  const s3 = vsplat<T>(d3);
  for (let m = 0; m < nW; m += W) {
    const o = <usize>m << sh;
    const qv = v128.load(q + o);
    v128.store(v0 + o, vsub<T>(v128.load(v0 + o), vmul<T>(s0, qv)));
    v128.store(v1 + o, vsub<T>(v128.load(v1 + o), vmul<T>(s1, qv)));
    v128.store(v2 + o, vsub<T>(v128.load(v2 + o), vmul<T>(s2, qv)));
    v128.store(v3 + o, vsub<T>(v128.load(v3 + o), vmul<T>(s3, qv)));
  }
}

// v <- v / ||v||, r <- ||v|| (f64, summed in f64 from the stored entries); a zero row stays zero
// with r = 0. The lanes: times 1 / r (f64), divided by fl32(r) (f32); the tail: divided by fl(r).
function normalise<T>(v: usize, n: i32, r: usize): void {
  const W = lanesOf<T>();
  const sh = alignof<T>();
  const nW = n & ~(W - 1);
  let ss: f64 = 0;
  for (let l = 0; l < n; l++) {
    const x = <f64>load<T>(v + (<usize>l << sh));
    ss += x * x;
  }
  const nrm = Math.sqrt(ss);
  store<f64>(r, nrm);
  if (nrm > 0) {
    if (sizeof<T>() == 8) {
      const inv = f64x2.splat(1 / nrm);
      for (let l = 0; l < nW; l += W) v128.store(v + (<usize>l << sh), f64x2.mul(v128.load(v + (<usize>l << sh)), inv));
    } else {
      const div = f32x4.splat(<f32>nrm);
      for (let l = 0; l < nW; l += W) v128.store(v + (<usize>l << sh), f32x4.div(v128.load(v + (<usize>l << sh)), div));
    }
    const s = <T>nrm;
    for (let l = nW; l < n; l++) store<T>(v + (<usize>l << sh), load<T>(v + (<usize>l << sh)) / s);
  }
}

// ---------------------------------------------------------------------------------------------
// Cache-blocked GEMM (Goto and van de Geijn 2008, "Anatomy of high-performance matrix
// multiplication"): C (m x n) = alpha op(A) op(B) + beta C for all four transpose cases, written
// once for both precisions T = f64 and T = f32 (AssemblyScript generics: the loops, the packing and
// the blocking are shared; only the register micro-kernel is per precision, since f64x2 and f32x4
// are different instructions).
// op(B) is packed KC x NC into micro-panels of NR columns and op(A) MC x KC into micro-panels of MR
// rows, zero-padded at the edges, so that the register micro-kernel always streams two contiguous
// panels: the B micro-panel (KC x NR, 8 KiB) stays in L1 while the packed A block (MC x KC,
// 256 KiB in f64, 128 KiB in f32) stays in L2. The micro-tile is MR x NR = 4 x 4 in f64 (eight
// f64x2 registers) and 4 x 8 in f32 (eight f32x4 registers): the same 6 loads per step of p carry
// 16 multiply-adds in f32 against 8 in f64, which is where float32's speed comes from.
// Every entry of C is summed in the same order (p ascending inside a KC block, blocks added to C in
// order) whatever the position of its tile, so splitting the rows or columns of C between threads
// gives bit-identical results. `work` holds GEMM_WORK doubles (packed A then packed B; in f32 the
// same element counts of floats, half the bytes).
// ---------------------------------------------------------------------------------------------

const MR = 4;
const NR = 4;
/** Columns per micro-panel of op(B) in f32 (two f32x4 registers per row of the tile). */
const NR32 = 8;
const KC = 256;
const MC = 128;
const NC = 512;
/** Doubles of scratch `gemm` needs at `work`. */
const GEMM_WORK: i32 = MC * KC + KC * NC;

export function gemmWork(): i32 {
  return GEMM_WORK;
}

// Micro-panel width of op(B) for element type T.
// @ts-ignore: decorator
@inline function nrOf<T>(): i32 {
  return sizeof<T>() == 4 ? NR32 : NR;
}

// op(A)[i0 + r, p0 + p] for r < mc, p < kc into dst in micro-panels of R rows: panel q (rows q..)
// at dst + q*kc, entry (r, p) at (p*R + r), in elements of T (zero-padded past mc).
function packPanels<T>(transA: bool, A: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, R: i32, dst: usize): void {
  const sh = alignof<T>();
  const rowBytes: usize = <usize>R << sh;
  for (let q = 0; q < mc; q += R) {
    const rows = min(R, mc - q);
    const panel = dst + ((<usize>q * kc) << sh);
    if (transA) {
      // A stored k x m: op(A)(i, p) = A[p*lda + i], R rows contiguous per p
      let src = A + ((<usize>p0 * lda + i0 + q) << sh);
      const sp: usize = <usize>lda << sh;
      if (rows == R) {
        for (let p = 0; p < kc; p++) {
          const d = panel + <usize>p * rowBytes;
          for (let o: usize = 0; o < rowBytes; o += 16) v128.store(d + o, v128.load(src + o));
          src += sp;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const d = panel + <usize>p * rowBytes;
          for (let r = 0; r < R; r++) store<T>(d + (<usize>r << sh), r < rows ? load<T>(src + (<usize>r << sh)) : <T>0);
          src += sp;
        }
      }
    } else {
      // A stored m x k: rows are contiguous in p
      for (let r = 0; r < R; r++) {
        const d = panel + (<usize>r << sh);
        if (r < rows) {
          const src = A + ((<usize>(i0 + q + r) * lda + p0) << sh);
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * rowBytes, load<T>(src + (<usize>p << sh)));
        } else {
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * rowBytes, <T>0);
        }
      }
    }
  }
}

// op(A) packed MC x KC into panels of MR rows.
// @ts-ignore: decorator
@inline function packA<T>(transA: bool, A: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, dst: usize): void {
  packPanels<T>(transA, A, lda, i0, p0, mc, kc, MR, dst);
}

// op(B)[p0 + p, j0 + c] for p < kc, c < nc into dst: panel q (columns q..) at dst + q*kc, entry
// (p, c) at (p*NR + c). The columns of op(B) are the rows of op(B)^T, whose storage is B with the
// other transpose flag, so this is the row packing of op(B)^T in panels of NR (f64) or NR32 (f32).
// @ts-ignore: decorator
@inline function packB<T>(transB: bool, B: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  packPanels<T>(!transB, B, ldb, j0, p0, nc, kc, nrOf<T>(), dst);
}

// C[0..mr, 0..nr] += alpha * (packed A panel)(packed B panel) over kc: a 4 x 4 block of C in eight
// f64x2 registers, 8 multiplies and 8 adds per 6 loads.
// @ts-ignore: decorator
@inline function microKernel(kc: i32, a: usize, b: usize, alpha: f64, C: usize, ldc: i32, mr: i32, nr: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(av, b0));
    c01 = f64x2.add(c01, f64x2.mul(av, b1));
    av = v128.load64_splat(a, 8);
    c10 = f64x2.add(c10, f64x2.mul(av, b0));
    c11 = f64x2.add(c11, f64x2.mul(av, b1));
    av = v128.load64_splat(a, 16);
    c20 = f64x2.add(c20, f64x2.mul(av, b0));
    c21 = f64x2.add(c21, f64x2.mul(av, b1));
    av = v128.load64_splat(a, 24);
    c30 = f64x2.add(c30, f64x2.mul(av, b0));
    c31 = f64x2.add(c31, f64x2.mul(av, b1));
    a += 32;
    b += 32;
  }
  const va = f64x2.splat(alpha);
  const sc: usize = <usize>ldc << 3;
  if (mr == MR && nr == NR) {
    let cp = C;
    v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c00)));
    v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c01)), 16);
    cp += sc;
    v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c10)));
    v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c11)), 16);
    cp += sc;
    v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c20)));
    v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c21)), 16);
    cp += sc;
    v128.store(cp, f64x2.add(v128.load(cp), f64x2.mul(va, c30)));
    v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.mul(va, c31)), 16);
  } else {
    // an edge tile: the same sums, written entry by entry
    for (let r = 0; r < mr; r++) {
      const lo = r == 0 ? c00 : r == 1 ? c10 : r == 2 ? c20 : c30;
      const hi = r == 0 ? c01 : r == 1 ? c11 : r == 2 ? c21 : c31;
      const cp = C + <usize>r * sc;
      for (let c = 0; c < nr; c++) {
        const v = c == 0 ? f64x2.extract_lane(lo, 0) : c == 1 ? f64x2.extract_lane(lo, 1) : c == 2 ? f64x2.extract_lane(hi, 0) : f64x2.extract_lane(hi, 1);
        store<f64>(cp + (<usize>c << 3), ld(cp + (<usize>c << 3)) + alpha * v);
      }
    }
  }
}

// The f32 micro-kernel: C[0..mr, 0..nr] += alpha * (packed A panel)(packed B panel) over kc, a 4 x 8
// block of C in eight f32x4 registers, 16 multiplies and 16 adds per 6 loads; every product and
// sum rounded to f32 (no fused multiply-add, as in the f64 kernel).
// @ts-ignore: decorator
@inline function microKernel32(kc: i32, a: usize, b: usize, alpha: f32, C: usize, ldc: i32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a += 16;
    b += 32;
  }
  const va = f32x4.splat(alpha);
  const sc: usize = <usize>ldc << 2;
  if (mr == MR && nr == NR32) {
    let cp = C;
    v128.store(cp, f32x4.add(v128.load(cp), f32x4.mul(va, c00)));
    v128.store(cp, f32x4.add(v128.load(cp, 16), f32x4.mul(va, c01)), 16);
    cp += sc;
    v128.store(cp, f32x4.add(v128.load(cp), f32x4.mul(va, c10)));
    v128.store(cp, f32x4.add(v128.load(cp, 16), f32x4.mul(va, c11)), 16);
    cp += sc;
    v128.store(cp, f32x4.add(v128.load(cp), f32x4.mul(va, c20)));
    v128.store(cp, f32x4.add(v128.load(cp, 16), f32x4.mul(va, c21)), 16);
    cp += sc;
    v128.store(cp, f32x4.add(v128.load(cp), f32x4.mul(va, c30)));
    v128.store(cp, f32x4.add(v128.load(cp, 16), f32x4.mul(va, c31)), 16);
  } else {
    // an edge tile: the same sums, written entry by entry
    for (let r = 0; r < mr; r++) {
      const lo = r == 0 ? c00 : r == 1 ? c10 : r == 2 ? c20 : c30;
      const hi = r == 0 ? c01 : r == 1 ? c11 : r == 2 ? c21 : c31;
      const cp = C + <usize>r * sc;
      for (let c = 0; c < nr; c++) {
        const v = c < 4 ? lane32(lo, c) : lane32(hi, c - 4);
        store<f32>(cp + (<usize>c << 2), load<f32>(cp + (<usize>c << 2)) + alpha * v);
      }
    }
  }
}

// Lane c of an f32x4 (c < 4).
// @ts-ignore: decorator
@inline function lane32(v: v128, c: i32): f32 {
  return c == 0 ? f32x4.extract_lane(v, 0) : c == 1 ? f32x4.extract_lane(v, 1) : c == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

export function gemm(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f64,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  gemmCore<f64>(transA, transB, m, n, k, alpha, A, lda, B, ldb, 0, beta, C, ldc, work);
}

// The float32 GEMM: gemm on f32 matrices (alpha and beta rounded to f32), the same loops.
export function sgemm(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f64,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  gemmCore<f32>(transA, transB, m, n, k, alpha, A, lda, B, ldb, 0, beta, C, ldc, work);
}

// Elements of op(B) (k x n) packed by pack_b (doubles) or spack_b (floats): every (jc, pc) block as
// packB lays it out, kc x (nc rounded up to the panel width).
export function packed_size(k: i32, n: i32): i32 {
  return packedSize<f64>(k, n);
}

export function spacked_size(k: i32, n: i32): i32 {
  return packedSize<f32>(k, n);
}

// @ts-ignore: decorator
@inline function packedSize<T>(k: i32, n: i32): i32 {
  const nr = nrOf<T>();
  return k * ((n + nr - 1) & ~(nr - 1));
}

// op(B) (k x n) packed once for gemm_packed (e.g. a weight matrix used at every time step): the
// blocks in the order gemm visits them, one after another.
export function pack_b(transB: bool, k: i32, n: i32, B: usize, ldb: i32, dst: usize): void {
  packAll<f64>(transB, k, n, B, ldb, dst);
}

export function spack_b(transB: bool, k: i32, n: i32, B: usize, ldb: i32, dst: usize): void {
  packAll<f32>(transB, k, n, B, ldb, dst);
}

function packAll<T>(transB: bool, k: i32, n: i32, B: usize, ldb: i32, dst: usize): void {
  const nr = nrOf<T>();
  let off: usize = 0;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const ncp = (nc + nr - 1) & ~(nr - 1);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB<T>(transB, B, ldb, pc, jc, kc, nc, dst + off);
      off += (<usize>kc * ncp) << alignof<T>();
    }
  }
}

// gemm with op(B) already packed by pack_b: the same loops and micro-kernel, so the same bits.
// work needs only the packed-A part (MC x KC doubles).
export function gemm_packed(
  transA: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  Bp: usize,
  beta: f64,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  gemmCore<f64>(transA, false, m, n, k, alpha, A, lda, 0, 0, Bp, beta, C, ldc, work);
}

export function sgemm_packed(
  transA: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  Bp: usize,
  beta: f64,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  gemmCore<f32>(transA, false, m, n, k, alpha, A, lda, 0, 0, Bp, beta, C, ldc, work);
}

function gemmCore<T>(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  Bp: usize,
  beta: f64,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  const sh = alignof<T>();
  const nr0 = nrOf<T>();
  if (beta != 1) {
    const bt = <T>beta;
    for (let i = 0; i < m; i++) {
      const row = C + ((<usize>i * ldc) << sh);
      if (beta == 0) for (let j = 0; j < n; j++) store<T>(row + (<usize>j << sh), <T>0);
      else for (let j = 0; j < n; j++) store<T>(row + (<usize>j << sh), bt * load<T>(row + (<usize>j << sh)));
    }
  }
  if (k <= 0 || alpha == 0) return;
  const pa = work;
  let pb = work + ((<usize>MC * KC) << sh);
  let off: usize = 0;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const ncp = (nc + nr0 - 1) & ~(nr0 - 1);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (Bp) pb = Bp + off;
      else packB<T>(transB, B, ldb, pc, jc, kc, nc, pb);
      off += (<usize>kc * ncp) << sh;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA<T>(transA, A, lda, ic, pc, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += nr0) {
          const bp = pb + ((<usize>jr * kc) << sh);
          const nr = min(nr0, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const cp = C + ((<usize>(ic + ir) * ldc + jc + jr) << sh);
            if (sizeof<T>() == 4) microKernel32(kc, pa + ((<usize>ir * kc) << sh), bp, <f32>alpha, cp, ldc, min(MR, mc - ir), nr);
            else microKernel(kc, pa + ((<usize>ir * kc) << sh), bp, alpha, cp, ldc, min(MR, mc - ir), nr);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// y = tanh(a) elementwise, two lanes at a time, through one formula for every |x|:
// tanh|x| = E / (E + 2) with E = expm1(2|x|) (no cancellation: E > 0), and the sign of x.
// expm1(y) = 2^k (1 + q) - 1 = 2^k q + (2^k - 1), y = k ln 2 + r, r in [-ln2/2, ln2/2], with
// q = expm1(r) by its Taylor series to r^13 (truncation < 1e-17) and 2^k from the exponent bits;
// 2^k - 1 is exact and both terms are >= 0 for k >= 1, so E keeps its relative accuracy down to
// the smallest x. Beyond |x| = 22, tanh x rounds to +-1. A few ulp from Math.tanh.
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function expm1Pos(y: v128): v128 {
  // y in [0, 44]. k = nearest(y / ln 2) by adding 1.5 * 2^52 (the sum rounds to an integer, ties to
  // even, as f64x2.nearest does): its low mantissa bits hold k, from which 2^k below
  const magic = f64x2.splat(6755399441055744.0);
  const km = f64x2.add(f64x2.mul(y, f64x2.splat(1.4426950408889634)), magic);
  const k = f64x2.sub(km, magic);
  let r = f64x2.sub(y, f64x2.mul(k, f64x2.splat(6.93147180369123816490e-1)));
  r = f64x2.sub(r, f64x2.mul(k, f64x2.splat(1.90821492927058770002e-10)));
  let p = f64x2.splat(1.0 / 6227020800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  // q = r + r^2 p = expm1(r)
  const q = f64x2.add(r, f64x2.mul(f64x2.mul(r, r), p));
  // 2^k: k + 1023 in the exponent field (the magic's own bits, above the low 12, shift out)
  const scale = i64x2.shl(i64x2.add(km, i64x2.splat(1023)), 52);
  return f64x2.add(f64x2.mul(scale, q), f64x2.sub(scale, f64x2.splat(1)));
}

// @ts-ignore: decorator
@inline function tanh2(x: v128): v128 {
  // pmin (b < a ? b : a, one instruction) keeps a NaN lane NaN: NaN < 44 is false
  const ax = f64x2.abs(x);
  const E = expm1Pos(f64x2.pmin(f64x2.add(ax, ax), f64x2.splat(44)));
  const mag = f64x2.div(E, f64x2.add(E, f64x2.splat(2)));
  // the sign of x (tanh(-0) = -0); NaN lanes stay NaN
  return v128.or(mag, v128.and(x, i64x2.splat(0x8000000000000000)));
}

export function tanh_kernel(len: i32, a: usize, y: usize): void {
  let i = 0;
  // two independent vectors per iteration: the polynomial is a dependency chain
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    const u = tanh2(v128.load(a + o));
    const v = tanh2(v128.load(a + o + 16));
    v128.store(y + o, u);
    v128.store(y + o + 16, v);
  }
  for (; i + 2 <= len; i += 2) v128.store(y + (<usize>i << 3), tanh2(v128.load(a + (<usize>i << 3))));
  if (i < len) store<f64>(y + (<usize>i << 3), f64x2.extract_lane(tanh2(f64x2.splat(ld(a + (<usize>i << 3)))), 0));
}

// ---------------------------------------------------------------------------------------------
// Vanilla RNN over a share of the batch (src/models/rnn.ts runs two shares, one per thread).
// Batch rows never interact in h_t = f(W h_{t-1} + U x_t + b), nor in the recursion
// dL/dh_{t-1} = (dL/dh_t * f'(a_t)) W, so rows [r0, r1) run every step without meeting the others.
// Activation codes: 0 identity, 1 tanh, 2 sigmoid (0.5 + 0.5 tanh(x/2)), 3 ReLU.
// ---------------------------------------------------------------------------------------------

// The route threshold of the blocked GEMM, set by `configure` from the one table in wasm.ts (its
// routes.blockedMinWork and blockedMinDim) when an instance is made, so that blas.ts and these
// kernels pick the same kernel for a product and give the same bits on every route.
let blockedMinWork: i32 = 16384;
let blockedMinDim: i32 = 4;

export function configure(minWork: i32, minDim: i32): void {
  blockedMinWork = minWork;
  blockedMinDim = minDim;
}

// True when blas.ts runs an m x n x k product through the blocked GEMM (otherwise the small kernels).
// @ts-ignore: decorator
@inline function usePacked(m: i32, n: i32, k: i32): bool {
  return m * n * k >= blockedMinWork && m >= blockedMinDim && n >= blockedMinDim;
}

// C (m x n) += A B^T (A: m x k, lda; B: n x k, ldb), the kernel blas.ts picks for this shape.
// @ts-ignore: decorator
@inline function addABt(m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, work: usize): void {
  if (usePacked(m, n, k)) gemm(false, true, m, n, k, 1, A, lda, B, ldb, 1, C, ldc, work);
  else gemm_nt(m, n, k, 1, A, lda, B, ldb, 1, C, ldc);
}

// y = f(a) over len entries.
function activate(act: i32, len: i32, a: usize, y: usize): void {
  if (act == 1) {
    tanh_kernel(len, a, y);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) v128.store(y + (<usize>i << 3), activate2(act, v128.load(a + (<usize>i << 3))));
  if (i < len) store<f64>(y + (<usize>i << 3), f64x2.extract_lane(activate2(act, f64x2.splat(ld(a + (<usize>i << 3)))), 0));
}

// Two lanes of identity (0), sigmoid (2) or ReLU (3).
// @ts-ignore: decorator
@inline function activate2(act: i32, v: v128): v128 {
  if (act == 2) return sigmoid2(v);
  if (act == 3) return v128.and(v, f64x2.gt(v, f64x2.splat(0)));
  return v;
}

// sigma(x) = 1/2 + 1/2 tanh(x/2), two lanes.
// @ts-ignore: decorator
@inline function sigmoid2(v: v128): v128 {
  const half = f64x2.splat(0.5);
  return f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, v))));
}

// f'(a) from the output y = f(a), times delta, into da (len entries).
function derivativeTimes(act: i32, len: i32, y: usize, delta: usize, da: usize): void {
  for (let i = 0; i < len; i++) {
    const p = <usize>i << 3;
    const v = ld(y + p);
    let d: f64 = 1;
    if (act == 1) d = 1 - v * v;
    else if (act == 2) d = v * (1 - v);
    else if (act == 3) d = v > 0 ? 1 : 0;
    store<f64>(da + p, ld(delta + p) * d);
  }
}

// Forward over steps 1..T for batch rows [r0, r1): a_t = b + h_{t-1} W^T + x_t U^T, h_t = f(a_t).
// h: (T+1) x B x n (h_0 filled), x: T x B x m, a: B x n scratch (aStride 0) or T x B x n
// (aStride = B n) when the pre-activations are kept.
export function rnn_forward(
  act: i32, n: i32, m: i32, B: i32, r0: i32, r1: i32, T: i32,
  W: usize, U: usize, b: usize, x: usize, h: usize, a: usize, aStride: i32, Wp: usize, work: usize,
): void {
  const rows = r1 - r0;
  const bn = B * n;
  const packed = Wp != 0 && usePacked(rows, n, n);
  for (let t = 1; t <= T; t++) {
    const at = a + ((<usize>(t - 1) * aStride + <usize>r0 * n) << 3);
    for (let r = 0; r < rows; r++) memory.copy(at + ((<usize>r * n) << 3), b, <usize>n << 3);
    const ht = h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 3);
    if (packed) gemm_packed(false, rows, n, n, 1, ht, n, Wp, 1, at, n, work);
    else addABt(rows, n, n, ht, n, W, n, at, n, work);
    if (m > 0) addABt(rows, n, m, x + ((<usize>(t - 1) * B * m + <usize>r0 * m) << 3), m, U, m, at, n, work);
    activate(act, rows * n, at, h + ((<usize>t * bn + <usize>r0 * n) << 3));
  }
}

// ||v||^2 over len entries as a pair (scale, ssq) at out, ||v||^2 = scale^2 ssq: scale 1 and the
// plain sum of squares, or, when that overflows or underflows, scale = the largest magnitude (as
// dnrm2). An infinite or NaN entry keeps the plain sum; an all-zero v gives (1, 0).
function sumSquares(v: usize, len: i32, out: usize): void {
  let ss: f64 = 0;
  for (let i = 0; i < len; i++) {
    const x = ld(v + (<usize>i << 3));
    ss += x * x;
  }
  let scale: f64 = 1;
  if (!(ss < Infinity && ss > 1e-250)) {
    let mx: f64 = 0;
    for (let i = 0; i < len; i++) mx = max(mx, abs(ld(v + (<usize>i << 3))));
    if (mx > 0 && mx < Infinity) {
      ss = 0;
      for (let i = 0; i < len; i++) {
        const x = ld(v + (<usize>i << 3)) / mx;
        ss += x * x;
      }
      scale = mx;
    }
  }
  store<f64>(out, scale);
  store<f64>(out, ss, 8);
}

// Backward over steps t0 down to tEnd for batch rows [r0, r1), with no loss term inside
// (tEnd, t0]: delta (B x n) enters as dL/dh_t0 and leaves as dL/dh_{tEnd-1}; with perStep != 0,
// each step's delta_t = dL/dh_t is also kept there. For every step,
// ||delta_t||^2 over the rows goes to norms[2t + 1] with norms[2t] = 1, or, when the plain sum of
// squares would overflow or underflow, ssq and scale with ||.||^2 = scale^2 ssq (as dnrm2);
// da_t = delta_t * f'(a_t) goes to dA at row block t - tLo (the run tLo.. of the deferred weight gradient).
export function rnn_backward(
  act: i32, n: i32, B: i32, r0: i32, r1: i32, t0: i32, tEnd: i32, tLo: i32,
  W: usize, h: usize, delta: usize, dA: usize, norms: usize, perStep: usize, Wp: usize, work: usize,
): void {
  const packed = Wp != 0 && usePacked(r1 - r0, n, n);
  const len = (r1 - r0) * n;
  const bn = B * n;
  const d0 = delta + ((<usize>r0 * n) << 3);
  for (let t = t0; t >= tEnd; t--) {
    // dL/dh_t of the share's rows into the per-step array ((T+1) x B x n), when kept
    if (perStep) memory.copy(perStep + ((<usize>t * bn + <usize>r0 * n) << 3), d0, <usize>len << 3);
    sumSquares(d0, len, norms + ((<usize>t * 2) << 3));
    const da = dA + ((<usize>(t - tLo) * bn + <usize>r0 * n) << 3);
    derivativeTimes(act, len, h + ((<usize>t * bn + <usize>r0 * n) << 3), d0, da);
    // delta <- da W (rows x n)
    if (packed) gemm_packed(false, r1 - r0, n, n, 1, da, n, Wp, 0, d0, n, work);
    else if (usePacked(r1 - r0, n, n)) gemm(false, false, r1 - r0, n, n, 1, da, n, W, n, 0, d0, n, work);
    else gemm_xn(0, r1 - r0, n, n, 1, da, n, W, n, 0, d0, n);
  }
}

// Z (rows x n) <- Z diag(d): column j scaled by d_j.
export function scale_cols(rows: i32, n: i32, Z: usize, d: usize): void {
  const n2 = n & ~1;
  for (let i = 0; i < rows; i++) {
    const z = Z + ((<usize>i * n) << 3);
    for (let j = 0; j < n2; j += 2) v128.store(z + (<usize>j << 3), f64x2.mul(v128.load(z + (<usize>j << 3)), v128.load(d + (<usize>j << 3))));
    if (n2 < n) store<f64>(z + (<usize>n2 << 3), ld(z + (<usize>n2 << 3)) * ld(d + (<usize>n2 << 3)));
  }
}

// ---------------------------------------------------------------------------------------------
// two lanes from p, or (two false: the last, odd column) lane 0 only
// @ts-ignore: decorator
@inline function ld2(p: usize, two: bool): v128 {
  return two ? v128.load(p) : f64x2.splat(ld(p));
}

// @ts-ignore: decorator
@inline function st2(p: usize, v: v128, two: bool): void {
  if (two) v128.store(p, v);
  else store<f64>(p, f64x2.extract_lane(v, 0));
}

// a[j] += w[j] v[j], j < len (a peephole term).
function addProduct(a: usize, w: usize, v: usize, len: i32): void {
  for (let j = 0; j < len; j += 2) {
    const two = j + 2 <= len;
    const o8 = <usize>j << 3;
    st2(a + o8, f64x2.add(ld2(a + o8, two), f64x2.mul(ld2(w + o8, two), ld2(v + o8, two))), two);
  }
}

// y[j] = amp tanh(inv a[j]) (kind 1) or sigma(a[j]) = 1/2 + 1/2 tanh(a[j] / 2) (kind 0, with
// inv = amp = 1/2) for j < len; y may be a. Two vectors per iteration: independent chains.
function squashRun(kind: i32, a: usize, y: usize, len: i32, inv: v128, amp: v128): void {
  const shift = f64x2.splat(kind == 0 ? 0.5 : 0);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const o8 = <usize>j << 3;
    const u = tanh2(f64x2.mul(v128.load(a + o8), inv));
    const v = tanh2(f64x2.mul(v128.load(a + o8, 16), inv));
    v128.store(y + o8, kind == 0 ? f64x2.add(shift, f64x2.mul(amp, u)) : f64x2.mul(amp, u));
    v128.store(y + o8, kind == 0 ? f64x2.add(shift, f64x2.mul(amp, v)) : f64x2.mul(amp, v), 16);
  }
  for (; j < len; j += 2) {
    const two = j + 2 <= len;
    const o8 = <usize>j << 3;
    const u = tanh2(f64x2.mul(ld2(a + o8, two), inv));
    st2(y + o8, kind == 0 ? f64x2.add(shift, f64x2.mul(amp, u)) : f64x2.mul(amp, u), two);
  }
}

// LSTM forward over a share of the batch (src/models/lstm.ts runs two shares, one per thread):
// rows never interact in the forward pass. Gate pre-activations of step t (B x Gn, rows laid out
// [i f g o], [i g o] without a forget gate; offsets oi, oF (-1: none), og, oo):
// a = b + x_t Wx^T (WxT: Wx^T, m x Gn; the sum over inputs first, then b, as gemm with beta = 1
// adds it) + h_{t-1} Wh^T, then the cell (Hochreiter and Schmidhuber 1997; Gers et al.
// 2000), with sigma(a) = 1/2 + 1/2 tanh(a/2):
//   i = sigma(a_i + p_i c'), f = sigma(a_f + p_f c'), g = A tanh(a_g / k), c = f c' + i g (c' + i g),
//   o = sigma(a_o + p_o c), s = tanh(c / k_h), h = o s;
// squash 0: A = k = k_h = 1 (tanh), 1: A = k = k_h = 2 (the 1997 scaled sigmoids). Peephole
// pointers are 0 when absent. The activations replace the pre-activations in `gates`; s goes to hc.
// ---------------------------------------------------------------------------------------------
export function lstm_forward(
  n: i32, G: i32, B: i32, r0: i32, r1: i32, T: i32, oi: i32, oF: i32, og: i32, oo: i32, squash: i32,
  gates: usize, Wp: usize, Wh: usize, h: usize, c: usize, hc: usize, pi: usize, pf: usize, po: usize,
  m: i32, x: usize, WxT: usize, b: usize, work: usize,
): void {
  const rows = r1 - r0;
  const Gn = G * n;
  const bn = B * n;
  const Gn2 = Gn & ~1;
  const packed = usePacked(rows, Gn, n);
  const A = f64x2.splat(squash ? 2 : 1);
  const invK = f64x2.splat(squash ? 0.5 : 1);
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  for (let t = 1; t <= T; t++) {
    const gt = gates + ((<usize>(t - 1) * B * Gn + <usize>r0 * Gn) << 3);
    const hPrev = h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 3);
    for (let r = 0; r < rows; r++) {
      const g0 = gt + ((<usize>r * Gn) << 3);
      const xr = x + ((<usize>((t - 1) * B + r0 + r) * m) << 3);
      gemv_t(m, Gn, 1, WxT, Gn, xr, 0, g0); // x_t Wx^T = (Wx^T)^T x_t
      for (let j = 0; j < Gn2; j += 2) v128.store(g0 + (<usize>j << 3), f64x2.add(v128.load(b + (<usize>j << 3)), v128.load(g0 + (<usize>j << 3))));
      if (Gn2 < Gn) store<f64>(g0 + (<usize>Gn2 << 3), ld(b + (<usize>Gn2 << 3)) + ld(g0 + (<usize>Gn2 << 3)));
    }
    if (packed) gemm_packed(false, rows, Gn, n, 1, hPrev, n, Wp, 1, gt, Gn, work);
    else gemm_nt(rows, Gn, n, 1, hPrev, n, Wh, n, 1, gt, Gn);
    for (let r = 0; r < rows; r++) {
      const g0 = gt + ((<usize>r * Gn) << 3);
      const cp = c + ((<usize>(t - 1) * bn + <usize>(r0 + r) * n) << 3);
      const cn = c + ((<usize>t * bn + <usize>(r0 + r) * n) << 3);
      const sp = hc + ((<usize>(t - 1) * bn + <usize>(r0 + r) * n) << 3);
      const hp = h + ((<usize>t * bn + <usize>(r0 + r) * n) << 3);
      const gi = g0 + (<usize>oi << 3), gg = g0 + (<usize>og << 3), go = g0 + (<usize>oo << 3);
      const gf = oF >= 0 ? g0 + (<usize>oF << 3) : 0;
      // in passes over the row, each a loop of independent lanes (the nonlinearities are long
      // dependency chains: one element at a time leaves the core waiting on them)
      if (pi) addProduct(gi, pi, cp, n);
      if (gf && pf) addProduct(gf, pf, cp, n);
      squashRun(0, gi, gi, n, half, half);
      if (gf) squashRun(0, gf, gf, n, half, half);
      squashRun(1, gg, gg, n, invK, A);
      // c = f c' + i g (c' + i g: the constant error carousel, self-connection of weight 1)
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o8 = <usize>j << 3;
        const ig = f64x2.mul(ld2(gi + o8, two), ld2(gg + o8, two));
        const cPrev = ld2(cp + o8, two);
        st2(cn + o8, gf ? f64x2.add(f64x2.mul(ld2(gf + o8, two), cPrev), ig) : f64x2.add(cPrev, ig), two);
      }
      if (po) addProduct(go, po, cn, n);
      squashRun(0, go, go, n, half, half);
      squashRun(1, cn, sp, n, invK, one);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n;
        const o8 = <usize>j << 3;
        st2(hp + o8, f64x2.mul(ld2(go + o8, two), ld2(sp + o8, two)), two);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LSTM BPTT over a share of the batch (src/models/lstm.ts backward runs two shares, one per
// thread). Rows never interact in the recursion
//   dL/dh_{t-1} = da_t Wh,   dL/dc_{t-1} = f_t dL/dc_t + p_i da_i,t + p_f da_f,t,
// so rows [r0, r1) run every step without meeting the others. The weight gradients are sums over
// rows: this share adds its rows' terms to its own buffers (dWh += dA^T H, dWx += dA^T X, db, the
// peepholes), and lstm.ts adds the two shares' buffers. dA, H and X hold this share's rows of a
// run of steps (tLo..tHi, row block s - tLo), contiguous, so that each sum is one product at the
// end of the run (deferred, as in rnn.ts).
// The arguments, in the order of the table in src/linalg/wasm.ts (jobs.lstmBackward).
// ---------------------------------------------------------------------------------------------

// Steps t = T0 down to tEnd (no loss term in (tEnd, T0]) of the run tLo..tHi, for this share's rows.
// delta (B x n) enters as dL/dh_T0 and leaves as dL/dh_{tEnd-1}; carry (B x n) as the part of
// dL/dc_T0 from step T0 + 1 and leaves as that of dL/dc_{tEnd-1}. Per step t: dh[t] <- delta,
// dc[t] <- dL/dc_t, the pairs (scale, ssq) of both norms over the share's rows at hNorms[2t],
// cNorms[2t] (see sumSquares); then the cell (lstm.ts cellBackwardKernel):
//   do = dh H(c_t),  da_o = do o (1 - o),  dc_t = carry + dh o H'(c_t) + p_o da_o,
//   da_i = dc_t g i (1 - i),  da_g = dc_t i G'(g),  da_f = dc_t c_{t-1} f (1 - f),
//   carry <- dc_t f (dc_t without a forget gate) + p_i da_i + p_f da_f,
// and delta <- da_t Wh. When tEnd = tLo, the run's weight-gradient products.
export function lstm_backward(
  n: i32, G: i32, B: i32, r0: i32, r1: i32, oi: i32, oF: i32, og: i32, oo: i32, squash: i32, m: i32,
  gates: usize, c: usize, hc: usize, h: usize, x: usize, Wp: usize, Wh: usize, pi: usize, pf: usize, po: usize,
  delta: usize, carry: usize, dh: usize, dc: usize, hNorms: usize, cNorms: usize,
  dA: usize, Hs: usize, Xs: usize, dWh: usize, dWx: usize, db: usize, dpi: usize, dpf: usize, dpo: usize,
  tHi: i32, T0: i32, tEnd: i32, tLo: i32, work: usize,
): void {
  const rows = r1 - r0;
  const Gn = G * n;
  const bn = B * n;
  const len = rows * n;
  // G(a) = A tanh(a / k), H(c) = tanh(c / k_h): squash 0 tanh (A = k = k_h = 1), 1 the 1997 scaled sigmoids (2)
  const invA = f64x2.splat(squash ? 0.5 : 1);
  const dInScale = f64x2.splat(1); // A / k
  const invKh = f64x2.splat(squash ? 0.5 : 1);
  const one = f64x2.splat(1);
  const d0 = delta + ((<usize>r0 * n) << 3);
  const k0 = carry + ((<usize>r0 * n) << 3);
  const packed = usePacked(rows, n, Gn);
  for (let t = T0; t >= tEnd; t--) {
    const share = (<usize>t * bn + <usize>r0 * n) << 3;
    const prev = (<usize>(t - 1) * bn + <usize>r0 * n) << 3;
    memory.copy(dh + share, d0, <usize>len << 3);
    sumSquares(d0, len, hNorms + ((<usize>t * 2) << 3));
    const daT = dA + ((<usize>(t - tLo) * rows * Gn) << 3);
    for (let r = 0; r < rows; r++) {
      const ro = <usize>(r * n) << 3;
      const g0 = gates + ((<usize>((t - 1) * B + r0 + r) * Gn) << 3);
      const da = daT + ((<usize>r * Gn) << 3);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o8 = ro + (<usize>j << 3);
        const i = ld2(g0 + (<usize>(oi + j) << 3), two);
        const g = ld2(g0 + (<usize>(og + j) << 3), two);
        const o = ld2(g0 + (<usize>(oo + j) << 3), two);
        const s = ld2(hc + prev + o8, two);
        const dhv = ld2(d0 + o8, two);
        const dao = f64x2.mul(f64x2.mul(f64x2.mul(dhv, s), o), f64x2.sub(one, o));
        let dct = f64x2.add(ld2(k0 + o8, two), f64x2.mul(f64x2.mul(f64x2.mul(dhv, o), invKh), f64x2.sub(one, f64x2.mul(s, s))));
        if (po) {
          const j8 = <usize>j << 3;
          dct = f64x2.add(dct, f64x2.mul(dao, ld2(po + j8, two)));
          st2(dpo + j8, f64x2.add(ld2(dpo + j8, two), f64x2.mul(dao, ld2(c + share + o8, two))), two);
        }
        st2(dc + share + o8, dct, two);
        const gn = f64x2.mul(g, invA);
        const dai = f64x2.mul(f64x2.mul(f64x2.mul(dct, g), i), f64x2.sub(one, i));
        const dag = f64x2.mul(f64x2.mul(f64x2.mul(dct, i), dInScale), f64x2.sub(one, f64x2.mul(gn, gn)));
        st2(da + (<usize>(oi + j) << 3), dai, two);
        st2(da + (<usize>(og + j) << 3), dag, two);
        st2(da + (<usize>(oo + j) << 3), dao, two);
        const cPrev = ld2(c + prev + o8, two);
        let dcPrev = dct;
        if (oF >= 0) {
          const f = ld2(g0 + (<usize>(oF + j) << 3), two);
          const daf = f64x2.mul(f64x2.mul(f64x2.mul(dct, cPrev), f), f64x2.sub(one, f));
          st2(da + (<usize>(oF + j) << 3), daf, two);
          dcPrev = f64x2.mul(dct, f);
          if (pf) {
            const j8 = <usize>j << 3;
            dcPrev = f64x2.add(dcPrev, f64x2.mul(daf, ld2(pf + j8, two)));
            st2(dpf + j8, f64x2.add(ld2(dpf + j8, two), f64x2.mul(daf, cPrev)), two);
          }
        }
        // without a forget gate the carousel passes the error back unscaled
        if (pi) {
          const j8 = <usize>j << 3;
          dcPrev = f64x2.add(dcPrev, f64x2.mul(dai, ld2(pi + j8, two)));
          st2(dpi + j8, f64x2.add(ld2(dpi + j8, two), f64x2.mul(dai, cPrev)), two);
        }
        st2(k0 + o8, dcPrev, two);
      }
    }
    sumSquares(dc + share, len, cNorms + ((<usize>t * 2) << 3));
    // the rows h_{t-1}, x_t of the weight-gradient products
    memory.copy(Hs + ((<usize>(t - tLo) * len) << 3), h + prev, <usize>len << 3);
    if (m > 0) memory.copy(Xs + ((<usize>(t - tLo) * rows * m) << 3), x + ((<usize>((t - 1) * B + r0) * m) << 3), (<usize>rows * m) << 3);
    // delta <- da_t Wh (rows x n)
    if (packed) gemm_packed(false, rows, n, Gn, 1, daT, Gn, Wp, 0, d0, n, work);
    else gemm_xn(0, rows, n, Gn, 1, daT, Gn, Wh, n, 0, d0, n);
  }
  if (tEnd != tLo) return;
  // the run's weight gradients: dWh += dA^T H, dWx += dA^T X, db += 1^T dA over K = steps x rows
  const K = (tHi - tLo + 1) * rows;
  if (usePacked(Gn, n, K)) gemm(true, false, Gn, n, K, 1, dA, Gn, Hs, n, 1, dWh, n, work);
  else gemm_xn(1, Gn, n, K, 1, dA, Gn, Hs, n, 1, dWh, n);
  if (m > 0) {
    if (usePacked(Gn, m, K)) gemm(true, false, Gn, m, K, 1, dA, Gn, Xs, m, 1, dWx, m, work);
    else gemm_xn(1, Gn, m, K, 1, dA, Gn, Xs, m, 1, dWx, m);
  }
  for (let k = 0; k < K; k++) {
    const row = dA + ((<usize>k * Gn) << 3);
    let q = 0;
    for (; q + 2 <= Gn; q += 2) v128.store(db + (<usize>q << 3), f64x2.add(v128.load(db + (<usize>q << 3)), v128.load(row + (<usize>q << 3))));
    if (q < Gn) store<f64>(db + (<usize>q << 3), ld(db + (<usize>q << 3)) + ld(row + (<usize>q << 3)));
  }
}

// ---------------------------------------------------------------------------------------------
// GRU forward over a share of the batch (src/models/gru.ts runs two shares, one per thread): rows
// never interact in the forward pass. Gate pre-activations of step t (rows [r z n], 3n wide): the
// input part g = bx + x_t Wx^T (WxT: Wx^T, m x 3n; the sum over inputs first, then the bias, as
// gemm with beta = 1 adds it) in `gates`, the recurrent part a = bh + h_{t-1} Wh^T in the scratch
// `ah` (B x 3n, this share's rows), then the cell (PyTorch's convention, gru.ts cellKernel):
//   r = sigma(g_r + a_r), z = sigma(g_z + a_z), hn = a_n, n = tanh(g_n + r hn), h = (1 - z) n + z h',
// with sigma(v) = 1/2 + 1/2 tanh(v/2). The activations replace the pre-activations in `gates`; hn
// goes to its record.
// ---------------------------------------------------------------------------------------------
export function gru_forward(
  n: i32, B: i32, r0: i32, r1: i32, T: i32, gates: usize, Wp: usize, Wh: usize, ah: usize, hn: usize, h: usize,
  m: i32, x: usize, WxT: usize, bx: usize, bh: usize, work: usize,
): void {
  const rows = r1 - r0;
  const G = 3 * n;
  const bn = B * n;
  const n2 = 2 * n;
  const packed = usePacked(rows, G, n);
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  const at = ah + ((<usize>r0 * G) << 3);
  for (let t = 1; t <= T; t++) {
    const gt = gates + ((<usize>(t - 1) * B * G + <usize>r0 * G) << 3);
    const hPrev = h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 3);
    for (let r = 0; r < rows; r++) {
      const g0 = gt + ((<usize>r * G) << 3);
      const xr = x + ((<usize>((t - 1) * B + r0 + r) * m) << 3);
      gemv_t(m, G, 1, WxT, G, xr, 0, g0); // x_t Wx^T = (Wx^T)^T x_t
      addInto(g0, bx, G);
      memory.copy(at + ((<usize>r * G) << 3), bh, <usize>G << 3);
    }
    if (packed) gemm_packed(false, rows, G, n, 1, hPrev, n, Wp, 1, at, G, work);
    else gemm_nt(rows, G, n, 1, hPrev, n, Wh, n, 1, at, G);
    for (let r = 0; r < rows; r++) {
      const g0 = gt + ((<usize>r * G) << 3);
      const a0 = at + ((<usize>r * G) << 3);
      const hp = hPrev + ((<usize>r * n) << 3);
      const hr = hn + ((<usize>((t - 1) * B + r0 + r) * n) << 3);
      const ho = h + ((<usize>(t * B + r0 + r) * n) << 3);
      // r and z: sigma(g + a) over the row's first 2n entries
      addInto(g0, a0, n2);
      squashRun(0, g0, g0, n2, half, half);
      const gr = g0;
      const gz = g0 + (<usize>n << 3);
      const gn = g0 + (<usize>n2 << 3);
      const an = a0 + (<usize>n2 << 3);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o8 = <usize>j << 3;
        const v = ld2(an + o8, two);
        st2(hr + o8, v, two);
        st2(gn + o8, f64x2.add(ld2(gn + o8, two), f64x2.mul(ld2(gr + o8, two), v)), two);
      }
      squashRun(1, gn, gn, n, one, one);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n;
        const o8 = <usize>j << 3;
        const z = ld2(gz + o8, two);
        st2(ho + o8, f64x2.add(f64x2.mul(f64x2.sub(one, z), ld2(gn + o8, two)), f64x2.mul(z, ld2(hp + o8, two))), two);
      }
    }
  }
}

// a[j] += b[j], j < len.
function addInto(a: usize, b: usize, len: i32): void {
  for (let j = 0; j < len; j += 2) {
    const two = j + 2 <= len;
    const o8 = <usize>j << 3;
    st2(a + o8, f64x2.add(ld2(a + o8, two), ld2(b + o8, two)), two);
  }
}

// ---------------------------------------------------------------------------------------------
// GRU BPTT over a share of the batch (gru.ts backward runs two shares, one per thread). Rows never
// interact in the recursion dL/dh_{t-1} = dh z + [da_r, da_z, r da_n] Wh, so rows [r0, r1) run
// every step without meeting the others; the weight gradients are sums over rows, each share
// adding its rows' terms to its own buffers (deferred over the run tLo..tHi, as lstm_backward:
// dA, H and X hold this share's rows, row block s - tLo). The arguments, in the order of the table
// in src/linalg/wasm.ts (jobs.gruBackward).
// Steps t = t0 down to tEnd (no loss term in (tEnd, t0]): delta (B x n) enters as dL/dh_t0 and
// leaves as dL/dh_{tEnd-1}. Per step: the pair (scale, ssq) of ||dL/dh_t|| over the share's rows
// at hNorms[2t] (see sumSquares), and dL/dh_t to perStep when it is not 0; the cell (gru.ts cellBackwardKernel):
//   da_n = dh (1 - z)(1 - n^2),  da_z = dh (h' - n) z (1 - z),  da_r = da_n hn r (1 - r),
//   da_t = [da_r, da_z, da_n | da_r, da_z, r da_n],  delta <- dh z + da_t[3n..] Wh;
// when tEnd = tLo, the run's weight-gradient products.
// ---------------------------------------------------------------------------------------------
export function gru_backward(
  n: i32, B: i32, r0: i32, r1: i32, m: i32, gates: usize, hn: usize, h: usize, x: usize, Wp: usize, Wh: usize,
  delta: usize, hNorms: usize, perStep: usize, dA: usize, Hs: usize, Xs: usize, dWx: usize, dWh: usize, dbx: usize, dbh: usize,
  tHi: i32, t0: i32, tEnd: i32, tLo: i32, work: usize,
): void {
  const rows = r1 - r0;
  const G = 3 * n;
  const G2 = 2 * G;
  const bn = B * n;
  const len = rows * n;
  const one = f64x2.splat(1);
  const d0 = delta + ((<usize>r0 * n) << 3);
  const packed = usePacked(rows, n, G);
  for (let t = t0; t >= tEnd; t--) {
    const prev = (<usize>(t - 1) * bn + <usize>r0 * n) << 3;
    // dL/dh_t of the share's rows into the per-step array ((T+1) x B x n), when kept
    if (perStep) memory.copy(perStep + ((<usize>t * bn + <usize>r0 * n) << 3), d0, <usize>len << 3);
    sumSquares(d0, len, hNorms + ((<usize>t * 2) << 3));
    const daT = dA + ((<usize>(t - tLo) * rows * G2) << 3);
    for (let r = 0; r < rows; r++) {
      const ro = <usize>(r * n) << 3;
      const g0 = gates + ((<usize>((t - 1) * B + r0 + r) * G) << 3);
      const da = daT + ((<usize>r * G2) << 3);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o8 = ro + (<usize>j << 3);
        const j8 = <usize>j << 3;
        const rg = ld2(g0 + j8, two);
        const z = ld2(g0 + ((<usize>(n + j)) << 3), two);
        const nn = ld2(g0 + ((<usize>(2 * n + j)) << 3), two);
        const dhv = ld2(d0 + o8, two);
        const dan = f64x2.mul(f64x2.mul(dhv, f64x2.sub(one, z)), f64x2.sub(one, f64x2.mul(nn, nn)));
        const daz = f64x2.mul(f64x2.mul(f64x2.mul(dhv, f64x2.sub(ld2(h + prev + o8, two), nn)), z), f64x2.sub(one, z));
        const dar = f64x2.mul(f64x2.mul(f64x2.mul(dan, ld2(hn + prev + o8, two)), rg), f64x2.sub(one, rg));
        st2(da + j8, dar, two);
        st2(da + ((<usize>(n + j)) << 3), daz, two);
        st2(da + ((<usize>(2 * n + j)) << 3), dan, two);
        st2(da + ((<usize>(G + j)) << 3), dar, two);
        st2(da + ((<usize>(G + n + j)) << 3), daz, two);
        st2(da + ((<usize>(G + 2 * n + j)) << 3), f64x2.mul(rg, dan), two);
        st2(d0 + o8, f64x2.mul(dhv, z), two);
      }
    }
    // the rows h_{t-1}, x_t of the weight-gradient products
    memory.copy(Hs + ((<usize>(t - tLo) * len) << 3), h + prev, <usize>len << 3);
    if (m > 0) memory.copy(Xs + ((<usize>(t - tLo) * rows * m) << 3), x + ((<usize>((t - 1) * B + r0) * m) << 3), (<usize>rows * m) << 3);
    // delta += da_t[3n..] Wh (rows x n)
    const dah = daT + (<usize>G << 3);
    if (packed) gemm_packed(false, rows, n, G, 1, dah, G2, Wp, 1, d0, n, work);
    else gemm_xn(0, rows, n, G, 1, dah, G2, Wh, n, 1, d0, n);
  }
  if (tEnd != tLo) return;
  // the run's weight gradients over K = steps x rows: dWh += dA_h^T H, dWx += dA_x^T X, and the biases
  const K = (tHi - tLo + 1) * rows;
  const dAh = dA + (<usize>G << 3);
  if (usePacked(G, n, K)) gemm(true, false, G, n, K, 1, dAh, G2, Hs, n, 1, dWh, n, work);
  else gemm_xn(1, G, n, K, 1, dAh, G2, Hs, n, 1, dWh, n);
  if (m > 0) {
    if (usePacked(G, m, K)) gemm(true, false, G, m, K, 1, dA, G2, Xs, m, 1, dWx, m, work);
    else gemm_xn(1, G, m, K, 1, dA, G2, Xs, m, 1, dWx, m);
  }
  for (let k = 0; k < K; k++) {
    const row = dA + ((<usize>k * G2) << 3);
    addInto(dbx, row, G);
    addInto(dbh, row + (<usize>G << 3), G);
  }
}

// ---------------------------------------------------------------------------------------------
// Float32 elementwise helpers (issue 16). The project's rule for float32 (src/linalg/precision.ts):
// elementwise formulas (tanh, sigmoid, f'(a)) are evaluated in float64 and rounded once to float32
// when stored. Four f32 lanes are promoted to two f64x2 vectors (exact), the float64 formula runs on
// them (tanh2 above) and the result is demoted to f32x4 (round to nearest even, as a store into a
// JavaScript Float32Array rounds). A scalar tail goes through the same formula on lane 0, so every
// entry gets the same bits wherever it falls in a vector.
// ---------------------------------------------------------------------------------------------

// Lanes 0, 1 of an f32x4 as an f64x2.
// @ts-ignore: decorator
@inline function promoteLo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// Lanes 2, 3 of an f32x4 as an f64x2.
// @ts-ignore: decorator
@inline function promoteHi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

// Two f64x2 (lanes 0, 1 and 2, 3) rounded to one f32x4.
// @ts-ignore: decorator
@inline function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

// An f32 promoted to both lanes of an f64x2 (the scalar tail of a four-lane loop).
// @ts-ignore: decorator
@inline function promote1(x: f32): v128 {
  return f64x2.splat(<f64>x);
}

// Lane 0 of an f64x2 rounded to f32.
// @ts-ignore: decorator
@inline function demote1(v: v128): f32 {
  return <f32>f64x2.extract_lane(v, 0);
}

// tanh of four f32 lanes: tanh2 in float64, rounded once.
// @ts-ignore: decorator
@inline function tanh4(v: v128): v128 {
  return demote2(tanh2(promoteLo(v)), tanh2(promoteHi(v)));
}

// sigma(x) = 1 / (1 + e^-x) of two float64 lanes, accurate relative to sigma itself for every x
// (1/2 + 1/2 tanh(x/2), sigmoid2, loses the relative accuracy of small values for x << 0, where
// the sum cancels: a float32 sigma(-30) = 9.4e-14 would be off by thousands of ulp). With
// E = expm1(|x|) >= 0 (no cancellation) and q = 1 / (2 + E) = sigma(-|x|): sigma(x) = q for x < 0
// and 1 - q (>= 1/2, so no cancellation either) for x >= 0. |x| is capped at 120, where
// q = e^-120 is below the smallest float32; a NaN lane stays NaN.
// @ts-ignore: decorator
@inline function logistic2(x: v128): v128 {
  const E = expm1Pos(f64x2.pmin(f64x2.abs(x), f64x2.splat(120)));
  const q = f64x2.div(f64x2.splat(1), f64x2.add(E, f64x2.splat(2)));
  return v128.bitselect(q, f64x2.sub(f64x2.splat(1), q), f64x2.lt(x, f64x2.splat(0)));
}

// sigma(x) of four f32 lanes, in float64 (logistic2), rounded once.
// @ts-ignore: decorator
@inline function sigmoid4(v: v128): v128 {
  return demote2(logistic2(promoteLo(v)), logistic2(promoteHi(v)));
}

// Four f32 lanes of identity (0), tanh (1), sigmoid (2) or ReLU (3): the codes of activate.
// @ts-ignore: decorator
@inline function activate4(act: i32, v: v128): v128 {
  if (act == 1) return tanh4(v);
  if (act == 2) return sigmoid4(v);
  if (act == 3) return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  return v;
}

// One f32 of activate4 (the same formula on lane 0).
// @ts-ignore: decorator
@inline function activate1(act: i32, x: f32): f32 {
  if (act == 1) return demote1(tanh2(promote1(x)));
  if (act == 2) return demote1(logistic2(promote1(x)));
  if (act == 3) return x > 0 ? x : 0;
  return x;
}

// y = f(a) over len float32 entries (y may be a), f by its code as in activate. Two vectors per
// iteration: the tanh polynomial is a dependency chain. blas.ts's float32 activations on heap arrays
// and the float32 RNN kernels both run this, so the two routes give the same bits.
export function sactivate(act: i32, len: i32, a: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    const u = activate4(act, v128.load(a + o));
    const v = activate4(act, v128.load(a + o, 16));
    v128.store(y + o, u);
    v128.store(y + o, v, 16);
  }
  for (; i + 4 <= len; i += 4) v128.store(y + (<usize>i << 2), activate4(act, v128.load(a + (<usize>i << 2))));
  for (; i < len; i++) store<f32>(y + (<usize>i << 2), activate1(act, load<f32>(a + (<usize>i << 2))));
}

// ---------------------------------------------------------------------------------------------
// Vanilla RNN in float32 over a share of the batch (src/models/rnn.ts, float32 cells): the float32
// twins of rnn_forward and rnn_backward. Every stored value is a float32, and each step repeats the
// TypeScript step of a float32 cell (rnn.ts step and backwardStep, on heap arrays) operation for
// operation, so that the two routes give the same bits:
// - products sum as blas.ts sgemm sums the whole batch's product (sproduct below);
// - h_t = f(a_t) by sactivate, which the TypeScript step also runs for heap arrays;
// - f'(a_t) from h_t in float64 (1 - y^2, y (1 - y)), rounded to float32 (the step's record d),
//   then da_t = delta_t d_t in float32;
// - ||dL/dh_t||^2 summed in float64 from the stored float32 values.
// One share (r0 = 0, r1 = B) when the batch is small, two otherwise (the second on the worker
// thread): rows never interact, so the split does not change any bit.
// ---------------------------------------------------------------------------------------------

// C (rows x n) = beta C + A op(B) for float32 A (rows x k, lda) and op(B) (k x n) packed by spack_b
// at Bp, summed as blas.ts sgemm sums the product of `whole` rows (the batch the TypeScript step
// multiplies at once): through the blocked kernel when usePacked(whole, n, k), each KC block's sum
// added to C in turn, and otherwise by the plain loops, one sum over all of p then added to C. When
// k <= KC both are the same sum (p ascending from 0, then added to C), so the faster kernel runs:
// gemmCore's 4 x 8 register tiles for four rows or more, one row at a time (srowPacked) for fewer.
// beta is 0 or 1.
function sproduct(whole: i32, rows: i32, n: i32, k: i32, A: usize, lda: i32, Bp: usize, beta: f64, C: usize, ldc: i32, work: usize): void {
  const blocked = usePacked(whole, n, k);
  if (rows >= MR && (blocked || k <= KC)) {
    gemmCore<f32>(false, false, rows, n, k, 1, A, lda, 0, 0, Bp, beta, C, ldc, work);
    return;
  }
  for (let r = 0; r < rows; r++) srowPacked(n, k, A + ((<usize>r * lda) << 2), Bp, beta, C + ((<usize>r * ldc) << 2), blocked);
}

// One row c (n) = beta c + a op(B) (a: k entries, op(B) packed by spack_b), four packed panels of
// NR32 columns at a time in eight f32x4 accumulators. blocked: each KC block's sum is added to c
// in turn (gemmCore's order); otherwise the sum runs over all of p before it is added (sgemm's
// loops). Columns past n in the last panel are packed as zeros and not stored.
function srowPacked(n: i32, k: i32, a: usize, Bp: usize, beta: f64, c: usize, blocked: bool): void {
  if (beta == 0) memory.fill(c, 0, <usize>n << 2);
  let blockStart: usize = Bp;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const ncp = (nc + NR32 - 1) & ~(NR32 - 1);
    for (let q = 0; q < ncp; q += 4 * NR32) {
      const panels = min(4, (ncp - q) / NR32);
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = min(KC, k - pc);
        // block (jc, pc) starts pc ncp floats into this column block (every earlier block has KC rows)
        const p0 = blockStart + ((<usize>pc * ncp + <usize>q * kc) << 2);
        const step: usize = <usize>kc * NR32 << 2; // between panels
        let ap = a + (<usize>pc << 2);
        let bp = p0;
        if (panels == 4) {
          for (let p = 0; p < kc; p++) {
            const av = v128.load32_splat(ap);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load(bp)));
            s1 = f32x4.add(s1, f32x4.mul(av, v128.load(bp, 16)));
            s2 = f32x4.add(s2, f32x4.mul(av, v128.load(bp + step)));
            s3 = f32x4.add(s3, f32x4.mul(av, v128.load(bp + step, 16)));
            s4 = f32x4.add(s4, f32x4.mul(av, v128.load(bp + 2 * step)));
            s5 = f32x4.add(s5, f32x4.mul(av, v128.load(bp + 2 * step, 16)));
            s6 = f32x4.add(s6, f32x4.mul(av, v128.load(bp + 3 * step)));
            s7 = f32x4.add(s7, f32x4.mul(av, v128.load(bp + 3 * step, 16)));
            ap += 4;
            bp += NR32 << 2;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            const av = v128.load32_splat(ap);
            s0 = f32x4.add(s0, f32x4.mul(av, v128.load(bp)));
            s1 = f32x4.add(s1, f32x4.mul(av, v128.load(bp, 16)));
            if (panels > 1) {
              s2 = f32x4.add(s2, f32x4.mul(av, v128.load(bp + step)));
              s3 = f32x4.add(s3, f32x4.mul(av, v128.load(bp + step, 16)));
            }
            if (panels > 2) {
              s4 = f32x4.add(s4, f32x4.mul(av, v128.load(bp + 2 * step)));
              s5 = f32x4.add(s5, f32x4.mul(av, v128.load(bp + 2 * step, 16)));
            }
            ap += 4;
            bp += NR32 << 2;
          }
        }
        if (blocked || pc + KC >= k) {
          const cols = min(4 * NR32, nc - q);
          const cp = c + (<usize>(jc + q) << 2);
          addLanes(cp, cols, 0, s0);
          addLanes(cp, cols, 4, s1);
          addLanes(cp, cols, 8, s2);
          addLanes(cp, cols, 12, s3);
          addLanes(cp, cols, 16, s4);
          addLanes(cp, cols, 20, s5);
          addLanes(cp, cols, 24, s6);
          addLanes(cp, cols, 28, s7);
          s0 = f32x4.splat(0); s1 = f32x4.splat(0); s2 = f32x4.splat(0); s3 = f32x4.splat(0);
          s4 = f32x4.splat(0); s5 = f32x4.splat(0); s6 = f32x4.splat(0); s7 = f32x4.splat(0);
        }
      }
    }
    blockStart += (<usize>k * ncp) << 2;
  }
}

// c[j0 + l] += v[l] for the lanes l < 4 with j0 + l < cols (an f32x4 of sums into a row of C).
// @ts-ignore: decorator
@inline function addLanes(c: usize, cols: i32, j0: i32, v: v128): void {
  if (j0 + 4 <= cols) {
    const p = c + (<usize>j0 << 2);
    v128.store(p, f32x4.add(v128.load(p), v));
  } else {
    for (let l = 0; l < cols - j0; l++) {
      const p = c + (<usize>(j0 + l) << 2);
      store<f32>(p, load<f32>(p) + lane32(v, l));
    }
  }
}

// Forward over steps 1..T for batch rows [r0, r1): a_t = b, a_t += h_{t-1} W^T, a_t += x_t U^T
// (three roundings, as the TypeScript step), h_t = f(a_t). Wp: W^T packed by spack_b, Up: U^T
// packed (m > 0). h: (T+1) x B x n (h_0 filled), x: T x B x m, a: B x n scratch (aStride 0) or
// T x B x n (aStride = B n) when the pre-activations are kept.
export function srnn_forward(
  act: i32, n: i32, m: i32, B: i32, r0: i32, r1: i32, T: i32,
  b: usize, x: usize, h: usize, a: usize, aStride: i32, Wp: usize, Up: usize, work: usize,
): void {
  const rows = r1 - r0;
  const bn = B * n;
  for (let t = 1; t <= T; t++) {
    const at = a + ((<usize>(t - 1) * aStride + <usize>r0 * n) << 2);
    for (let r = 0; r < rows; r++) memory.copy(at + ((<usize>r * n) << 2), b, <usize>n << 2);
    sproduct(B, rows, n, n, h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 2), n, Wp, 1, at, n, work);
    if (m > 0) sproduct(B, rows, n, m, x + ((<usize>(t - 1) * B * m + <usize>r0 * m) << 2), m, Up, 1, at, n, work);
    sactivate(act, rows * n, at, h + ((<usize>t * bn + <usize>r0 * n) << 2));
  }
}

// da = delta * f'(a) over len float32 entries, f' from the output y = f(a): in float64 from the
// stored y (1 - y^2 for tanh, y (1 - y) for sigmoid), rounded to float32, then times delta in float32.
function sderivativeTimes(act: i32, len: i32, y: usize, delta: usize, da: usize): void {
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    let d: v128;
    if (act == 1) {
      const lo = promoteLo(v);
      const hi = promoteHi(v);
      d = demote2(f64x2.sub(one, f64x2.mul(lo, lo)), f64x2.sub(one, f64x2.mul(hi, hi)));
    } else if (act == 2) {
      const lo = promoteLo(v);
      const hi = promoteHi(v);
      d = demote2(f64x2.mul(lo, f64x2.sub(one, lo)), f64x2.mul(hi, f64x2.sub(one, hi)));
    } else if (act == 3) d = v128.and(f32x4.splat(1), f32x4.gt(v, f32x4.splat(0)));
    else d = f32x4.splat(1);
    v128.store(da + o, f32x4.mul(v128.load(delta + o), d));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(y + o);
    let d: f32 = 1;
    if (act == 1) d = <f32>(1 - v * v);
    else if (act == 2) d = <f32>(v * (1 - v));
    else if (act == 3) d = v > 0 ? 1 : 0;
    store<f32>(da + o, load<f32>(delta + o) * d);
  }
}

// ||v||^2 of len float32 entries as the pair (1, ssq) at out, the plain sum of squares in float64:
// a float32's square lies between 2^-298 and 2^256, so the float64 sum neither overflows nor loses
// a term to underflow (the pairs' scale, needed in float64, is always 1 here).
function sumSquares32(v: usize, len: i32, out: usize): void {
  let ss: f64 = 0;
  for (let i = 0; i < len; i++) {
    const x = <f64>load<f32>(v + (<usize>i << 2));
    ss += x * x;
  }
  store<f64>(out, 1);
  store<f64>(out, ss, 8);
}

// Backward over steps t0 down to tEnd for batch rows [r0, r1), with no loss term inside
// (tEnd, t0]: delta (B x n) enters as dL/dh_t0 and leaves as dL/dh_{tEnd-1}. Per step: dL/dh_t to
// perStep (when given, (T+1) x B x n), its pair (1, ||.||^2 over the rows) to hNorms[2t],
// da_t = delta_t * f'(a_t) to dA at row block t - tLo (the deferred weight gradient's run), and
// delta <- da_t W (Wp: W packed by spack_b).
export function srnn_backward(
  act: i32, n: i32, B: i32, r0: i32, r1: i32, t0: i32, tEnd: i32, tLo: i32,
  h: usize, delta: usize, dA: usize, hNorms: usize, perStep: usize, Wp: usize, work: usize,
): void {
  const rows = r1 - r0;
  const len = rows * n;
  const bn = B * n;
  const share = <usize>r0 * n;
  const d0 = delta + (share << 2);
  for (let t = t0; t >= tEnd; t--) {
    if (perStep) memory.copy(perStep + ((<usize>t * bn + share) << 2), d0, <usize>len << 2);
    sumSquares32(d0, len, hNorms + ((<usize>t * 2) << 3));
    const da = dA + ((<usize>(t - tLo) * bn + share) << 2);
    sderivativeTimes(act, len, h + ((<usize>t * bn + share) << 2), d0, da);
    sproduct(B, rows, n, n, da, n, Wp, 0, d0, n, work);
  }
}

// db (n) += the rows of dA (steps x B rows of n) in the order of the TypeScript backward steps: the
// last step's block first, its rows in order, each addition rounded to float32. Columns are
// independent sums, so 32 of them run at once (eight f32x4 chains, two cache lines per row).
export function srnn_bias(n: i32, B: i32, steps: i32, dA: usize, db: usize): void {
  const rs: usize = <usize>n << 2;
  let j = 0;
  for (; j + 32 <= n; j += 32) {
    const dj = db + (<usize>j << 2);
    let s0 = v128.load(dj), s1 = v128.load(dj, 16), s2 = v128.load(dj, 32), s3 = v128.load(dj, 48);
    let s4 = v128.load(dj, 64), s5 = v128.load(dj, 80), s6 = v128.load(dj, 96), s7 = v128.load(dj, 112);
    for (let s = steps - 1; s >= 0; s--) {
      let row = dA + ((<usize>s * B * n + j) << 2);
      for (let r = 0; r < B; r++) {
        s0 = f32x4.add(s0, v128.load(row));
        s1 = f32x4.add(s1, v128.load(row, 16));
        s2 = f32x4.add(s2, v128.load(row, 32));
        s3 = f32x4.add(s3, v128.load(row, 48));
        s4 = f32x4.add(s4, v128.load(row, 64));
        s5 = f32x4.add(s5, v128.load(row, 80));
        s6 = f32x4.add(s6, v128.load(row, 96));
        s7 = f32x4.add(s7, v128.load(row, 112));
        row += rs;
      }
    }
    v128.store(dj, s0); v128.store(dj, s1, 16); v128.store(dj, s2, 32); v128.store(dj, s3, 48);
    v128.store(dj, s4, 64); v128.store(dj, s5, 80); v128.store(dj, s6, 96); v128.store(dj, s7, 112);
  }
  for (; j + 4 <= n; j += 4) {
    const dj = db + (<usize>j << 2);
    let acc = v128.load(dj);
    for (let s = steps - 1; s >= 0; s--) {
      let row = dA + ((<usize>s * B * n + j) << 2);
      for (let r = 0; r < B; r++) {
        acc = f32x4.add(acc, v128.load(row));
        row += rs;
      }
    }
    v128.store(dj, acc);
  }
  for (; j < n; j++) {
    const dj = db + (<usize>j << 2);
    let acc = load<f32>(dj);
    for (let s = steps - 1; s >= 0; s--) {
      let row = dA + ((<usize>s * B * n + j) << 2);
      for (let r = 0; r < B; r++) {
        acc += load<f32>(row);
        row += rs;
      }
    }
    store<f32>(dj, acc);
  }
}

// ---------------------------------------------------------------------------------------------
// GRU in float32 over a share of the batch (src/models/gru.ts, float32 cells): the float32 twins of
// gru_forward and gru_backward. Every stored value is a float32, and each step repeats the
// TypeScript step of a float32 cell (gru.ts step with cellKernelRounded, backwardStep) operation
// for operation, so that the two routes give the same bits:
// - products sum as blas.ts sgemm sums the whole batch's product (sproduct);
// - the elementwise step in float64 from the stored float32 values, each result rounded once when
//   stored (the gates r, z, n, hn, h_t; da_t and dh z): r and z stay in float64 for n and h_t, as in
//   cellKernel on its float64 copy; tanh is tanh2 (the TypeScript route's tanh_kernel) for every entry;
// - ||dL/dh_t||^2 summed in float64 from the stored float32 values (sumSquares32).
// The input part of the gates (bx + x_t Wx^T, every step at once) is gru.ts beginForward's, run
// before the kernel; the weight gradients are gru.ts weightGradients, on dA (run x B x 6n, the
// whole batch, as the TypeScript steps lay it out). One share below shareMinRows rows, two above.
// ---------------------------------------------------------------------------------------------

// Two f32 at p as an f64x2 (exact), or (two false) the one at p in lane 0.
// @ts-ignore: decorator
@inline function ldf2(p: usize, two: bool): v128 {
  return two ? f64x2.promote_low_f32x4(i64x2.splat(load<i64>(p))) : f64x2.splat(<f64>load<f32>(p));
}

// An f64x2 rounded to two f32 at p, or (two false) lane 0 to one.
// @ts-ignore: decorator
@inline function stf2(p: usize, v: v128, two: bool): void {
  if (two) store<i64>(p, i64x2.extract_lane(f32x4.demote_f64x2_zero(v), 0));
  else store<f32>(p, <f32>f64x2.extract_lane(v, 0));
}

// Forward over steps 1..T for batch rows [r0, r1). gates (T x B x 3n) holds bx + x_t Wx^T and
// leaves the activations [r z n]; per step ah (this share's rows of B x 3n) = bh + h_{t-1} Wh^T
// (Wp: Wh^T packed by spack_b), then per entry, in float64:
//   r = sigma(g_r + a_r), z = sigma(g_z + a_z) with sigma(v) = 1/2 + 1/2 tanh(v/2), hn = a_n,
//   n = tanh(g_n + r hn), h_t = (1 - z) n + z h_{t-1}.
export function sgru_forward(
  n: i32, B: i32, r0: i32, r1: i32, T: i32, gates: usize, Wp: usize, ah: usize, hn: usize, h: usize, bh: usize, work: usize,
): void {
  const rows = r1 - r0;
  const G = 3 * n;
  const bn = B * n;
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1);
  const at = ah + ((<usize>r0 * G) << 2);
  for (let t = 1; t <= T; t++) {
    const hPrev = h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 2);
    for (let r = 0; r < rows; r++) memory.copy(at + ((<usize>r * G) << 2), bh, <usize>G << 2);
    sproduct(B, rows, G, n, hPrev, n, Wp, 1, at, G, work);
    for (let r = 0; r < rows; r++) {
      const gr = gates + ((<usize>((t - 1) * B + r0 + r) * G) << 2);
      const gz = gr + (<usize>n << 2);
      const gn = gr + (<usize>(2 * n) << 2);
      const ar = at + ((<usize>r * G) << 2);
      const az = ar + (<usize>n << 2);
      const an = ar + (<usize>(2 * n) << 2);
      const hr = hn + ((<usize>((t - 1) * B + r0 + r) * n) << 2);
      const hp = hPrev + ((<usize>r * n) << 2);
      const ho = h + ((<usize>(t * B + r0 + r) * n) << 2);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o4 = <usize>j << 2;
        const rg = f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, f64x2.add(ldf2(gr + o4, two), ldf2(ar + o4, two))))));
        const z = f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, f64x2.add(ldf2(gz + o4, two), ldf2(az + o4, two))))));
        const v = ldf2(an + o4, two);
        const nn = tanh2(f64x2.add(ldf2(gn + o4, two), f64x2.mul(rg, v)));
        stf2(gr + o4, rg, two);
        stf2(gz + o4, z, two);
        stf2(hr + o4, v, two);
        stf2(gn + o4, nn, two);
        stf2(ho + o4, f64x2.add(f64x2.mul(f64x2.sub(one, z), nn), f64x2.mul(z, ldf2(hp + o4, two))), two);
      }
    }
  }
}

// Backward over steps t0 down to tEnd for batch rows [r0, r1), with no loss term inside
// (tEnd, t0]: delta (B x n) enters as dL/dh_t0 and leaves as dL/dh_{tEnd-1}. Per step: dL/dh_t to
// perStep (when given, (T+1) x B x n), its pair (1, ||.||^2 over the rows) to hNorms[2t], then per
// entry in float64 (gru.ts cellBackwardKernel)
//   da_n = dh (1 - z)(1 - n^2),  da_z = dh (h' - n) z (1 - z),  da_r = da_n hn r (1 - r),
//   da_t = [da_r, da_z, da_n | da_r, da_z, r da_n] to dA at row block t - tLo,  delta <- dh z,
// and delta += da_t[3n..] Wh (Wp: Wh packed by spack_b).
export function sgru_backward(
  n: i32, B: i32, r0: i32, r1: i32, t0: i32, tEnd: i32, tLo: i32,
  gates: usize, hn: usize, h: usize, delta: usize, dA: usize, hNorms: usize, perStep: usize, Wp: usize, work: usize,
): void {
  const rows = r1 - r0;
  const G = 3 * n;
  const G2 = 2 * G;
  const bn = B * n;
  const len = rows * n;
  const share = <usize>r0 * n;
  const one = f64x2.splat(1);
  const d0 = delta + (share << 2);
  for (let t = t0; t >= tEnd; t--) {
    if (perStep) memory.copy(perStep + ((<usize>t * bn + share) << 2), d0, <usize>len << 2);
    sumSquares32(d0, len, hNorms + ((<usize>t * 2) << 3));
    const daT = dA + ((<usize>(t - tLo) * B * G2 + <usize>r0 * G2) << 2);
    for (let r = 0; r < rows; r++) {
      const gr = gates + ((<usize>((t - 1) * B + r0 + r) * G) << 2);
      const sr = hn + ((<usize>((t - 1) * B + r0 + r) * n) << 2);
      const hp = h + ((<usize>((t - 1) * B + r0 + r) * n) << 2);
      const dr = d0 + ((<usize>r * n) << 2);
      const da = daT + ((<usize>r * G2) << 2);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o4 = <usize>j << 2;
        const rg = ldf2(gr + o4, two);
        const z = ldf2(gr + ((<usize>(n + j)) << 2), two);
        const nn = ldf2(gr + ((<usize>(2 * n + j)) << 2), two);
        const d = ldf2(dr + o4, two);
        const dan = f64x2.mul(f64x2.mul(d, f64x2.sub(one, z)), f64x2.sub(one, f64x2.mul(nn, nn)));
        const daz = f64x2.mul(f64x2.mul(f64x2.mul(d, f64x2.sub(ldf2(hp + o4, two), nn)), z), f64x2.sub(one, z));
        const dar = f64x2.mul(f64x2.mul(f64x2.mul(dan, ldf2(sr + o4, two)), rg), f64x2.sub(one, rg));
        stf2(da + o4, dar, two);
        stf2(da + ((<usize>(n + j)) << 2), daz, two);
        stf2(da + ((<usize>(2 * n + j)) << 2), dan, two);
        stf2(da + ((<usize>(G + j)) << 2), dar, two);
        stf2(da + ((<usize>(G + n + j)) << 2), daz, two);
        stf2(da + ((<usize>(G + 2 * n + j)) << 2), f64x2.mul(rg, dan), two);
        stf2(dr + o4, f64x2.mul(d, z), two);
      }
    }
    // delta += da_t[3n..] Wh (rows x n)
    sproduct(B, rows, n, G, daT + (<usize>G << 2), G2, Wp, 1, d0, n, work);
  }
}

// acc (len) += the rows of A (rows x len, leading dimension lda), row 0 first, each addition
// rounded to float32: the bias gradients of a float32 cell's run, in the order its TypeScript
// weightGradients adds them (columns are independent sums: four at once, in f32x4 lanes).
export function sadd_rows(len: i32, rows: i32, A: usize, lda: i32, acc: usize): void {
  const rs: usize = <usize>lda << 2;
  let j = 0;
  for (; j + 16 <= len; j += 16) {
    const dj = acc + (<usize>j << 2);
    let s0 = v128.load(dj), s1 = v128.load(dj, 16), s2 = v128.load(dj, 32), s3 = v128.load(dj, 48);
    let row = A + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(row));
      s1 = f32x4.add(s1, v128.load(row, 16));
      s2 = f32x4.add(s2, v128.load(row, 32));
      s3 = f32x4.add(s3, v128.load(row, 48));
      row += rs;
    }
    v128.store(dj, s0); v128.store(dj, s1, 16); v128.store(dj, s2, 32); v128.store(dj, s3, 48);
  }
  for (; j + 4 <= len; j += 4) {
    const dj = acc + (<usize>j << 2);
    let s = v128.load(dj);
    let row = A + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(row));
      row += rs;
    }
    v128.store(dj, s);
  }
  for (; j < len; j++) {
    const dj = acc + (<usize>j << 2);
    let s = load<f32>(dj);
    let row = A + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(row);
      row += rs;
    }
    store<f32>(dj, s);
  }
}

// ---------------------------------------------------------------------------------------------
// LSTM in float32 over a share of the batch (src/models/lstm.ts, float32 cells, both cells,
// peepholes): the float32 twins of lstm_forward and lstm_backward, repeating the TypeScript step of
// a float32 cell (lstm.ts step with cellKernelRounded, backwardStep) operation for operation, as the
// float32 GRU kernels above do: products by sproduct, each entry's formulas in float64 from the
// stored float32 values (the gates i, f, g, o and c_t stay in float64 within the step, as in
// cellKernel on its float64 copy), every stored value rounded once, tanh2 on every entry. The peephole
// gradients are sums over rows and steps in the TypeScript steps' order, so a cell with peepholes
// runs one share (lstm.ts); others one below shareMinRows rows, two above. The input part of the
// gates and the weight gradients are lstm.ts's own, on the same arrays.
// ---------------------------------------------------------------------------------------------

// Forward over steps 1..T for batch rows [r0, r1): gates (T x B x Gn) holds b + x_t Wx^T and
// leaves the activations; per step gates += h_{t-1} Wh^T (Wp: Wh^T packed by spack_b), then per
// entry in float64, with sigma(a) = 1/2 + 1/2 tanh(a/2), G(a) = A tanh(a / k), H(c) = tanh(c / k):
//   i = sigma(a_i + p_i c'), f = sigma(a_f + p_f c'), g = G(a_g), c = f c' + i g (c' + i g),
//   o = sigma(a_o + p_o c), s = H(c), h = o s;
// squash 0: A = k = 1, 1: A = k = 2; pi, pf, po 0 when absent, oF < 0 without a forget gate.
export function slstm_forward(
  n: i32, G: i32, B: i32, r0: i32, r1: i32, T: i32, oi: i32, oF: i32, og: i32, oo: i32, squash: i32,
  gates: usize, Wp: usize, h: usize, c: usize, hc: usize, pi: usize, pf: usize, po: usize, work: usize,
): void {
  const rows = r1 - r0;
  const Gn = G * n;
  const bn = B * n;
  const A = f64x2.splat(squash ? 2 : 1);
  const invK = f64x2.splat(squash ? 0.5 : 1);
  const half = f64x2.splat(0.5);
  for (let t = 1; t <= T; t++) {
    const gt = gates + ((<usize>(t - 1) * B * Gn + <usize>r0 * Gn) << 2);
    const hPrev = h + ((<usize>(t - 1) * bn + <usize>r0 * n) << 2);
    sproduct(B, rows, Gn, n, hPrev, n, Wp, 1, gt, Gn, work);
    for (let r = 0; r < rows; r++) {
      const g0 = gt + ((<usize>r * Gn) << 2);
      const cp = c + ((<usize>(t - 1) * bn + <usize>(r0 + r) * n) << 2);
      const cn = c + ((<usize>t * bn + <usize>(r0 + r) * n) << 2);
      const sp = hc + ((<usize>(t - 1) * bn + <usize>(r0 + r) * n) << 2);
      const hp = h + ((<usize>t * bn + <usize>(r0 + r) * n) << 2);
      const gi = g0 + (<usize>oi << 2), gg = g0 + (<usize>og << 2), go = g0 + (<usize>oo << 2);
      const gf = oF >= 0 ? g0 + (<usize>oF << 2) : 0;
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o4 = <usize>j << 2;
        const cPrev = ldf2(cp + o4, two);
        let ai = ldf2(gi + o4, two);
        if (pi) ai = f64x2.add(ai, f64x2.mul(ldf2(pi + o4, two), cPrev));
        const i = f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, ai))));
        const g = f64x2.mul(A, tanh2(f64x2.mul(ldf2(gg + o4, two), invK)));
        let ct: v128;
        if (gf) {
          let af = ldf2(gf + o4, two);
          if (pf) af = f64x2.add(af, f64x2.mul(ldf2(pf + o4, two), cPrev));
          const f = f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, af))));
          stf2(gf + o4, f, two);
          ct = f64x2.add(f64x2.mul(f, cPrev), f64x2.mul(i, g));
        } else {
          // the constant error carousel: self-connection of weight 1
          ct = f64x2.add(cPrev, f64x2.mul(i, g));
        }
        let ao = ldf2(go + o4, two);
        if (po) ao = f64x2.add(ao, f64x2.mul(ldf2(po + o4, two), ct));
        const o = f64x2.add(half, f64x2.mul(half, tanh2(f64x2.mul(half, ao))));
        const s = tanh2(f64x2.mul(ct, invK));
        stf2(gi + o4, i, two);
        stf2(gg + o4, g, two);
        stf2(go + o4, o, two);
        stf2(cn + o4, ct, two);
        stf2(sp + o4, s, two);
        stf2(hp + o4, f64x2.mul(o, s), two);
      }
    }
  }
}

// acc (two f32 at p) += a b in float64, rounded once (a float32 gradient entry += a float64 term, as
// `dtheta[k] += v` on a Float32Array).
// @ts-ignore: decorator
@inline function accf2(p: usize, a: v128, b: v128, two: bool): void {
  stf2(p, f64x2.add(ldf2(p, two), f64x2.mul(a, b)), two);
}

// Backward over steps t0 down to tEnd for batch rows [r0, r1), with no loss term inside
// (tEnd, t0]: delta (B x n) enters as dL/dh_t0 and leaves as dL/dh_{tEnd-1}; carry (B x n) as the
// part of dL/dc_t0 from step t0 + 1, and leaves as that of dL/dc_{tEnd-1}. Per step: dL/dh_t to
// dh and dL/dc_t to dc ((T+1) x B x n each), the pairs (1, ||.||^2 over the rows) at hNorms[2t] and
// cNorms[2t]; per entry in float64 (lstm.ts cellBackwardKernel)
//   da_o = dh s o (1 - o),  dc_t = carry + dh o (1 - s^2) / k + p_o da_o,
//   da_i = dc_t g i (1 - i),  da_g = dc_t i (A / k)(1 - (g / A)^2),  da_f = dc_t c' f (1 - f),
//   carry <- dc_t f (dc_t without a forget gate) + p_f da_f + p_i da_i,
// the peephole gradients dp_o += da_o c_t, dp_f += da_f c', dp_i += da_i c'; da_t to dA at row
// block t - tLo, and delta <- da_t Wh (Wp: Wh packed by spack_b).
export function slstm_backward(
  n: i32, G: i32, B: i32, r0: i32, r1: i32, oi: i32, oF: i32, og: i32, oo: i32, squash: i32, t0: i32, tEnd: i32, tLo: i32,
  gates: usize, c: usize, hc: usize, pi: usize, pf: usize, po: usize, delta: usize, carry: usize, dh: usize, dc: usize,
  hNorms: usize, cNorms: usize, dA: usize, dpi: usize, dpf: usize, dpo: usize, Wp: usize, work: usize,
): void {
  const rows = r1 - r0;
  const Gn = G * n;
  const bn = B * n;
  const len = rows * n;
  const share = <usize>r0 * n;
  const invA = f64x2.splat(squash ? 0.5 : 1);
  const invK = f64x2.splat(squash ? 0.5 : 1);
  const dInScale = f64x2.splat(1); // A / k
  const one = f64x2.splat(1);
  const d0 = delta + (share << 2);
  const k0 = carry + (share << 2);
  for (let t = t0; t >= tEnd; t--) {
    memory.copy(dh + ((<usize>t * bn + share) << 2), d0, <usize>len << 2);
    sumSquares32(d0, len, hNorms + ((<usize>t * 2) << 3));
    const daT = dA + ((<usize>(t - tLo) * B * Gn + <usize>r0 * Gn) << 2);
    const dct0 = dc + ((<usize>t * bn + share) << 2);
    for (let r = 0; r < rows; r++) {
      const ro = <usize>(r * n) << 2;
      const g0 = gates + ((<usize>((t - 1) * B + r0 + r) * Gn) << 2);
      const cp = c + ((<usize>(t - 1) * bn + share) << 2) + ro;
      const cr = c + ((<usize>t * bn + share) << 2) + ro;
      const sr = hc + ((<usize>(t - 1) * bn + share) << 2) + ro;
      const da = daT + ((<usize>r * Gn) << 2);
      for (let j = 0; j < n; j += 2) {
        const two = j + 2 <= n; // the last, odd column goes through lane 0 only
        const o4 = <usize>j << 2;
        const i = ldf2(g0 + (<usize>(oi + j) << 2), two);
        const g = ldf2(g0 + (<usize>(og + j) << 2), two);
        const o = ldf2(g0 + (<usize>(oo + j) << 2), two);
        const s = ldf2(sr + o4, two);
        const dhv = ldf2(d0 + ro + o4, two);
        const dao = f64x2.mul(f64x2.mul(f64x2.mul(dhv, s), o), f64x2.sub(one, o));
        let dct = f64x2.add(ldf2(k0 + ro + o4, two), f64x2.mul(f64x2.mul(f64x2.mul(dhv, o), invK), f64x2.sub(one, f64x2.mul(s, s))));
        if (po) {
          dct = f64x2.add(dct, f64x2.mul(dao, ldf2(po + o4, two)));
          accf2(dpo + o4, dao, ldf2(cr + o4, two), two);
        }
        stf2(dct0 + ro + o4, dct, two);
        const gn = f64x2.mul(g, invA);
        const dai = f64x2.mul(f64x2.mul(f64x2.mul(dct, g), i), f64x2.sub(one, i));
        stf2(da + (<usize>(oi + j) << 2), dai, two);
        stf2(da + (<usize>(og + j) << 2), f64x2.mul(f64x2.mul(f64x2.mul(dct, i), dInScale), f64x2.sub(one, f64x2.mul(gn, gn))), two);
        stf2(da + (<usize>(oo + j) << 2), dao, two);
        const cPrev = ldf2(cp + o4, two);
        let dcPrev = dct;
        if (oF >= 0) {
          const f = ldf2(g0 + (<usize>(oF + j) << 2), two);
          const daf = f64x2.mul(f64x2.mul(f64x2.mul(dct, cPrev), f), f64x2.sub(one, f));
          stf2(da + (<usize>(oF + j) << 2), daf, two);
          dcPrev = f64x2.mul(dct, f);
          if (pf) {
            dcPrev = f64x2.add(dcPrev, f64x2.mul(daf, ldf2(pf + o4, two)));
            accf2(dpf + o4, daf, cPrev, two);
          }
        }
        // without a forget gate the carousel passes the error back unscaled
        if (pi) {
          dcPrev = f64x2.add(dcPrev, f64x2.mul(dai, ldf2(pi + o4, two)));
          accf2(dpi + o4, dai, cPrev, two);
        }
        stf2(k0 + ro + o4, dcPrev, two);
      }
    }
    sumSquares32(dct0, len, cNorms + ((<usize>t * 2) << 3));
    // delta <- da_t Wh (rows x n)
    sproduct(B, rows, n, Gn, daT, Gn, Wp, 0, d0, n, work);
  }
}

// ---------------------------------------------------------------------------------------------
// Float32 products below the blocked kernel's threshold (blas.ts sgemm's plain loops, in f32):
// C = alpha op(A) op(B) + beta C with, for every entry, s = 0, s = s + a_ip b_pj for p ascending
// (each product and sum rounded to float32), then C = (beta = 0 ? 0 : beta C) + alpha s, alpha and
// beta rounded to float32. The lanes run over i (op(A) = A^T: A's row p holds the column of op(A)) or
// over j (op(B) = B: B's row p holds the row of op(B)); each lane is one entry's sum in the loops'
// order, so the bits are the loops' bits. With op(A) = A and op(B) = B^T, both read along p, each
// entry's sum runs scalar. The per-run products of the float32 cells (a weight gradient with m = 1
// input column, 512 x 1 x 1024) took ~100 us per step in the Math.fround loops.
// ---------------------------------------------------------------------------------------------

// The sums of op(A)(i0..i0+3, :) op(B)(:, j) over p, lanes over i (A stored k x m, lda).
// @ts-ignore: decorator
@inline function sdotLanesI(transB: bool, k: i32, A: usize, lda: i32, i0: i32, B: usize, ldb: i32, j: i32): v128 {
  let s = f32x4.splat(0);
  let ap = A + (<usize>i0 << 2);
  const aStep = <usize>lda << 2;
  let bp = transB ? B + ((<usize>j * ldb) << 2) : B + (<usize>j << 2);
  const bStep: usize = transB ? 4 : <usize>ldb << 2;
  for (let p = 0; p < k; p++) {
    s = f32x4.add(s, f32x4.mul(v128.load(ap), v128.load32_splat(bp)));
    ap += aStep;
    bp += bStep;
  }
  return s;
}

// The sums of op(A)(i, :) op(B)(:, j0..j0+3) over p, lanes over j (B stored k x n, ldb).
// @ts-ignore: decorator
@inline function sdotLanesJ(transA: bool, k: i32, A: usize, lda: i32, i: i32, B: usize, ldb: i32, j0: i32): v128 {
  let s = f32x4.splat(0);
  let ap = transA ? A + (<usize>i << 2) : A + ((<usize>i * lda) << 2);
  const aStep: usize = transA ? <usize>lda << 2 : 4;
  let bp = B + (<usize>j0 << 2);
  const bStep = <usize>ldb << 2;
  for (let p = 0; p < k; p++) {
    s = f32x4.add(s, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
    ap += aStep;
    bp += bStep;
  }
  return s;
}

// One entry's sum, scalar (the loops' order).
function sdot1(transA: bool, transB: bool, k: i32, A: usize, lda: i32, i: i32, B: usize, ldb: i32, j: i32): f32 {
  let s: f32 = 0;
  let ap = transA ? A + (<usize>i << 2) : A + ((<usize>i * lda) << 2);
  const aStep: usize = transA ? <usize>lda << 2 : 4;
  let bp = transB ? B + ((<usize>j * ldb) << 2) : B + (<usize>j << 2);
  const bStep: usize = transB ? 4 : <usize>ldb << 2;
  for (let p = 0; p < k; p++) {
    s += load<f32>(ap) * load<f32>(bp);
    ap += aStep;
    bp += bStep;
  }
  return s;
}

// C(i, j) = (beta = 0 ? 0 : be C(i, j)) + al s.
// @ts-ignore: decorator
@inline function sstoreEntry(C: usize, ldc: i32, i: i32, j: i32, s: f32, al: f32, be: f32, zero: bool): void {
  const p = C + ((<usize>i * ldc + <usize>j) << 2);
  const c: f32 = zero ? 0 : be * load<f32>(p);
  store<f32>(p, c + al * s);
}

export function sgemm_loops(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f64,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f64, C: usize, ldc: i32,
): void {
  const al = <f32>alpha;
  const be = <f32>beta;
  const zero = beta == 0;
  if (transA) {
    // lanes over i: C(i0..i0+3, j) from A's rows; C's four entries are a column, one lane each
    for (let j = 0; j < n; j++) {
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const s = sdotLanesI(transB, k, A, lda, i, B, ldb, j);
        for (let l = 0; l < 4; l++) sstoreEntry(C, ldc, i + l, j, lane32(s, l), al, be, zero);
      }
      for (; i < m; i++) sstoreEntry(C, ldc, i, j, sdot1(true, transB, k, A, lda, i, B, ldb, j), al, be, zero);
    }
  } else if (!transB) {
    // lanes over j: C(i, j0..j0+3) from B's rows
    const alv = f32x4.splat(al);
    const bev = f32x4.splat(be);
    for (let i = 0; i < m; i++) {
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const s = sdotLanesJ(false, k, A, lda, i, B, ldb, j);
        const p = C + ((<usize>i * ldc + <usize>j) << 2);
        const c = zero ? f32x4.splat(0) : f32x4.mul(bev, v128.load(p));
        v128.store(p, f32x4.add(c, f32x4.mul(alv, s)));
      }
      for (; j < n; j++) sstoreEntry(C, ldc, i, j, sdot1(false, false, k, A, lda, i, B, ldb, j), al, be, zero);
    }
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sstoreEntry(C, ldc, i, j, sdot1(false, true, k, A, lda, i, B, ldb, j), al, be, zero);
  }
}
