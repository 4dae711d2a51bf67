/**
 * The cache-blocked GEMM (kernels.ts `gemm` through parallel.ts) against the triple loop for shapes
 * that cross the packing blocks (MR = NR = 4, KC = 256, MC = 128, NC = 512) with ragged edges,
 * offsets and padded leading dimensions, in all four transpose cases; and the two-thread split
 * giving the same bits as one thread.
 */
import test from 'ava';
import { allocF64, freeF64, ptr } from '../../src/linalg/wasm.ts';
import { gemmBlocked, gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { dgemm } from '../../src/linalg/blas.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';

interface Case { m: number; n: number; k: number; tA: boolean; tB: boolean; pad: number; off: number; alpha: number; beta: number }

function operands(c: Case, seed: number) {
  const rng = new Rng(seed);
  const lda = (c.tA ? c.m : c.k) + c.pad;
  const ldb = (c.tB ? c.k : c.n) + c.pad;
  const ldc = c.n + c.pad;
  const A = rng.fillNormal(allocF64(c.off + (c.tA ? c.k : c.m) * lda));
  const B = rng.fillNormal(allocF64(c.off + (c.tB ? c.n : c.k) * ldb));
  const C = rng.fillNormal(allocF64(c.off + c.m * ldc));
  return { A, B, C, lda, ldb, ldc };
}

function run(c: Case, o: ReturnType<typeof operands>): void {
  const p = (x: Float64Array) => ptr(x, c.off);
  gemmBlocked(c.tA, c.tB, c.m, c.n, c.k, c.alpha, p(o.A), o.lda, p(o.B), o.ldb, c.beta, p(o.C), o.ldc);
}

function naive(c: Case, o: ReturnType<typeof operands>): Float64Array {
  const { A, B, C, lda, ldb, ldc } = o;
  const out = Float64Array.from(C);
  for (let i = 0; i < c.m; i++)
    for (let j = 0; j < c.n; j++) {
      let s = 0;
      for (let q = 0; q < c.k; q++) s += (c.tA ? A[c.off + q * lda + i]! : A[c.off + i * lda + q]!) * (c.tB ? B[c.off + j * ldb + q]! : B[c.off + q * ldb + j]!);
      out[c.off + i * ldc + j] = c.alpha * s + (c.beta === 0 ? 0 : c.beta * C[c.off + i * ldc + j]!);
    }
  return out;
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [130, 9, 257], // MC + 2 rows, KC + 1
  [7, 131, 513], // two KC blocks and a ragged third
  [133, 517, 30], // NC + 5 columns
  [64, 64, 64],
];

for (const tA of [false, true]) {
  for (const tB of [false, true]) {
    test.serial(`blocked gemm (${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}) matches the triple loop across block edges, offsets and leading dimensions`, (t) => {
      setGemmThreads(1);
      shapes.forEach(([m, n, k], s) => {
        for (const beta of [0, 1, -0.5]) {
          const c: Case = { m, n, k, tA, tB, pad: (s % 3) + (beta === 1 ? 1 : 0), off: s % 4, alpha: 1.25, beta };
          const o = operands(c, 100 * s + (tA ? 2 : 0) + (tB ? 1 : 0));
          const expected = naive(c, o);
          run(c, o);
          let err = 0;
          for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(o.C[i]! - expected[i]!));
          t.true(err < TOL.roundoff * 10 * k, `${m}x${n}x${k} beta ${beta}: error ${err}`);
          [o.A, o.B, o.C].forEach(freeF64);
        }
      });
      setGemmThreads('auto');
    });
  }
}

test('blocked gemm: beta = 0 ignores NaN in C, as BLAS does', (t) => {
  const c: Case = { m: 9, n: 10, k: 11, tA: false, tB: false, pad: 0, off: 0, alpha: 1, beta: 0 };
  const o = operands(c, 3);
  o.C.fill(NaN);
  run(c, o);
  t.true(o.C.every(Number.isFinite));
});

async function workerRunning(): Promise<boolean> {
  setGemmThreads(2);
  gemmBlocked(false, false, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1); // starts the worker, if any
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  return gemmThreads() === 2;
}

test.serial('two threads give the same bits as one, splitting rows (tall C) and columns (wide C)', async (t) => {
  t.true(await workerRunning(), 'the GEMM worker thread started');
  const cases: Case[] = [
    { m: 261, n: 130, k: 300, tA: true, tB: false, pad: 1, off: 1, alpha: 0.75, beta: 1 },
    { m: 33, n: 530, k: 100, tA: false, tB: true, pad: 2, off: 3, alpha: 1, beta: 0 },
    { m: 64, n: 128, k: 160, tA: false, tB: false, pad: 0, off: 0, alpha: 1, beta: -0.5 },
  ];
  cases.forEach((c, s) => {
    const one = operands(c, 7 + s);
    const two = operands(c, 7 + s);
    setGemmThreads(1);
    dgemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, one.A, c.off, one.lda, one.B, c.off, one.ldb, c.beta, one.C, c.off, one.ldc);
    setGemmThreads(2);
    dgemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, two.A, c.off, two.lda, two.B, c.off, two.ldb, c.beta, two.C, c.off, two.ldc);
    let same = true;
    for (let i = 0; i < one.C.length; i++) if (!Object.is(one.C[i], two.C[i])) same = false;
    t.true(same, `${c.m}x${c.n}x${c.k}: bit-identical`);
    const ref = naive(c, operands(c, 7 + s)); // fresh copies: one.C already holds the product
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(two.C[i]! - ref[i]!));
    t.true(err < TOL.roundoff * 10 * c.k, `${c.m}x${c.n}x${c.k}: error ${err}`);
  });
  setGemmThreads('auto');
});
