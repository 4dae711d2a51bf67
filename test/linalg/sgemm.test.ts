/**
 * The float32 GEMM (kernels.ts `sgemm`, f32x4 lanes, through blas.ts sgemm and parallel.ts) against
 * a float64 reference of the same float32 inputs, within Higham's bound (tolerance helper
 * float32GemmBound), in all four transpose cases across the packing blocks (MR = 4, NR = 8, KC = 256,
 * MC = 128, NC = 512) with ragged edges, offsets and padded leading dimensions; bit-identical on one
 * thread and two, and to the Math.fround loops off the heap when k fits one KC block.
 */
import test from 'ava';
import { allocF32, allocF64, freeF64 } from '../../src/linalg/wasm.ts';
import { setGemmThreads } from '../../src/linalg/parallel.ts';
import { dgemm, gemm, sgemm } from '../../src/linalg/blas.ts';
import { Rng } from '../../src/init/rng.ts';
import { float32GemmBound } from '../helpers/tolerance.ts';

interface Case { m: number; n: number; k: number; tA: boolean; tB: boolean; pad: number; off: number; alpha: number; beta: number }

function operands(c: Case, seed: number, heap = true) {
  const rng = new Rng(seed);
  const lda = (c.tA ? c.m : c.k) + c.pad;
  const ldb = (c.tB ? c.k : c.n) + c.pad;
  const ldc = c.n + c.pad;
  const make = (len: number) => {
    const v = heap ? allocF32(len) : new Float32Array(len);
    v.set(rng.fillNormal(new Float64Array(len)));
    return v;
  };
  return { A: make(c.off + (c.tA ? c.k : c.m) * lda), B: make(c.off + (c.tB ? c.n : c.k) * ldb), C: make(c.off + c.m * ldc), lda, ldb, ldc };
}

type Ops = ReturnType<typeof operands>;

function run(c: Case, o: Ops, C = o.C): Float32Array {
  return sgemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, o.A, c.off, o.lda, o.B, c.off, o.ldb, c.beta, C, c.off, o.ldc);
}

/** The exact-as-float64 product of the float32 inputs and, per entry, |alpha| sum |a||b| + |beta||c|. */
function reference(c: Case, o: Ops): { C: Float64Array; scale: Float64Array } {
  const { A, B, C, lda, ldb, ldc } = o;
  const out = new Float64Array(c.m * c.n);
  const scale = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++)
    for (let j = 0; j < c.n; j++) {
      let s = 0;
      let a = 0;
      for (let q = 0; q < c.k; q++) {
        const x = (c.tA ? A[c.off + q * lda + i]! : A[c.off + i * lda + q]!) * (c.tB ? B[c.off + j * ldb + q]! : B[c.off + q * ldb + j]!);
        s += x;
        a += Math.abs(x);
      }
      const c0 = C[c.off + i * ldc + j]!;
      out[i * c.n + j] = c.alpha * s + (c.beta === 0 ? 0 : c.beta * c0);
      scale[i * c.n + j] = Math.abs(c.alpha) * a + Math.abs(c.beta * c0);
    }
  return { C: out, scale };
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [130, 9, 257], // MC + 2 rows, KC + 1
  [7, 131, 513], // two KC blocks and a ragged third
  [133, 517, 30], // NC + 5 columns
  [64, 64, 64],
  [37, 70, 256],
];

for (const tA of [false, true]) {
  for (const tB of [false, true]) {
    test.serial(`sgemm (${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}) is within the float32 bound of the float64 product of its inputs, and really rounds to float32`, (t) => {
      setGemmThreads(1);
      let worstRatio = 0;
      let largestError = 0;
      shapes.forEach(([m, n, k], s) => {
        for (const beta of [0, 1, -0.5]) {
          // alpha and beta exactly representable in float32, so the bound covers every rounding
          const c: Case = { m, n, k, tA, tB, pad: (s % 3) + (beta === 1 ? 1 : 0), off: s % 4, alpha: 0.75, beta };
          const o = operands(c, 100 * s + (tA ? 2 : 0) + (tB ? 1 : 0));
          const ref = reference(c, o);
          run(c, o);
          const bound = float32GemmBound(k);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              const e = Math.abs(o.C[c.off + i * o.ldc + j]! - ref.C[i * n + j]!);
              largestError = Math.max(largestError, e / Math.max(ref.scale[i * n + j]!, 1e-300));
              worstRatio = Math.max(worstRatio, e / (bound * ref.scale[i * n + j]!));
            }
          for (const v of [o.A, o.B, o.C]) freeF64(v);
        }
      });
      t.true(worstRatio <= 1, `error / bound up to ${worstRatio}`);
      // a float64 product would be ~1e-16 off; float32 rounding leaves errors near 2^-24
      t.true(largestError > 1e-9, `largest relative error ${largestError}`);
    });
  }
}

test.serial('sgemm gives the same bits on one thread and on two', (t) => {
  for (const [m, n, k] of [[300, 200, 300], [100, 400, 270], [257, 517, 33]] as const) {
    for (const tB of [false, true]) {
      const c: Case = { m, n, k, tA: false, tB, pad: 1, off: 2, alpha: 1.5, beta: 0.5 };
      const o = operands(c, m + n + k);
      const C2 = allocF32(o.C.length);
      C2.set(o.C);
      setGemmThreads(1);
      run(c, o);
      setGemmThreads(2);
      run(c, o, C2);
      setGemmThreads('auto');
      t.deepEqual(Buffer.from(C2.buffer, C2.byteOffset, C2.byteLength), Buffer.from(o.C.buffer, o.C.byteOffset, o.C.byteLength), `${m}x${n}x${k} ${tB}`);
      for (const v of [o.A, o.B, o.C, C2]) freeF64(v);
    }
  }
});

test.serial('sgemm on the heap equals the Math.fround loops off the heap bit for bit when k fits one KC block', (t) => {
  setGemmThreads(1);
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const [m, n, k] of [[33, 70, 256], [130, 9, 100], [4, 8, 64]] as const) {
        const c: Case = { m, n, k, tA, tB, pad: 1, off: 1, alpha: 1.25, beta: -0.5 };
        const heap = operands(c, 7 + m);
        const plain = operands(c, 7 + m, false);
        run(c, heap);
        run(c, plain);
        t.deepEqual(Array.from(heap.C), Array.from(plain.C), `${tA}${tB} ${m}x${n}x${k}`);
        for (const v of [heap.A, heap.B, heap.C]) freeF64(v);
      }
  setGemmThreads('auto');
});

test.serial('sgemm below the blocked kernel (kernels.ts sgemm_loops, lanes over i or j) equals the Math.fround loops off the heap bit for bit', (t) => {
  // shapes the blocked kernel does not take (a dimension below blockedMinDim, or too little work),
  // with ragged lane counts; 512 x 1 x 1024 (op(A) = A^T) is a float32 cell's input-weight gradient
  const small: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [7, 3, 300], [2, 130, 40], [130, 2, 40], [9, 9, 9], [512, 1, 1024], [1, 37, 600]];
  let cases = 0;
  for (const tA of [false, true])
    for (const tB of [false, true])
      small.forEach(([m, n, k], s) => {
        for (const beta of [0, 1, -0.5]) {
          const c: Case = { m, n, k, tA, tB, pad: s % 3, off: (s + 1) % 4, alpha: 1.25, beta };
          const heap = operands(c, 31 * s + (tA ? 2 : 0) + (tB ? 1 : 0));
          const plain = operands(c, 31 * s + (tA ? 2 : 0) + (tB ? 1 : 0), false);
          if (beta === 0) {
            // beta = 0 ignores C, even NaN
            heap.C.fill(NaN);
            plain.C.fill(NaN);
          }
          run(c, heap);
          run(c, plain);
          t.deepEqual(Array.from(heap.C), Array.from(plain.C), `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} beta ${beta}`);
          cases++;
          for (const v of [heap.A, heap.B, heap.C]) freeF64(v);
        }
      });
  t.is(cases, 4 * small.length * 3);
});

test.serial('gemm dispatches by precision: float64 operands give dgemm bits, mixed operands the float64 loops rounded on store', (t) => {
  const rng = new Rng(3);
  const m = 20, n = 24, k = 40;
  const A = rng.fillNormal(allocF64(m * k));
  const B = rng.fillNormal(allocF64(k * n));
  const C1 = allocF64(m * n);
  const C2 = allocF64(m * n);
  dgemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C1, 0, n);
  gemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C2, 0, n);
  t.deepEqual(Array.from(C2), Array.from(C1));
  // a float32 C: the float64 sum, rounded once (beta = 0); dgemm's blocked sum order differs by ~1e-16
  const C3 = gemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, new Float32Array(m * n), 0, n);
  for (let i = 0; i < m * n; i++) t.true(Math.abs(C3[i]! - C1[i]!) <= 2 ** -24 * Math.abs(C1[i]!) + 1e-14, `${i}`);
  // and it is not a float32 accumulation: the same product through sgemm differs
  const A32 = Float32Array.from(A);
  const B32 = Float32Array.from(B);
  const C4 = gemm(false, false, m, n, k, 1, A32, 0, k, B32, 0, n, 0, new Float32Array(m * n), 0, n);
  t.notDeepEqual(Array.from(C4), Array.from(C3));
  for (const v of [A, B, C1, C2]) freeF64(v);
});
