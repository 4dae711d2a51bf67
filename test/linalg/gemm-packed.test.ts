/**
 * gemm_packed (op(B) packed once by pack_b, e.g. a recurrent weight matrix used at every step)
 * gives the same bits as the blocked gemm that packs op(B) itself, for both transposes of B and
 * shapes across the KC = 256 and NC = 512 block edges and the NR = 4 panel edge; and the BLAS
 * front dgemmPacked gives dgemm's bits whatever the thread count and route.
 */
import test from 'ava';
import { allocF64, kernels, ptr } from '../../src/linalg/wasm.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';
import { dgemm, dgemmPacked, packMatrix } from '../../src/linalg/blas.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';

test('gemm with op(B) packed once equals the blocked gemm bit for bit', (t) => {
  const rng = new Rng(9);
  const work = allocF64(kernels.gemmWork());
  for (const [m, n, k] of [[16, 128, 128], [5, 7, 3], [33, 515, 257], [64, 600, 300], [4, 4, 1]] as const) {
    for (const transB of [0, 1]) {
      for (const transA of [0, 1]) {
        const A = rng.fillNormal(allocF64(m * k));
        const B = rng.fillNormal(allocF64(k * n));
        const C0 = rng.fillNormal(allocF64(m * n));
        const c1 = allocF64(m * n);
        const c2 = allocF64(m * n);
        c1.set(C0);
        c2.set(C0);
        const lda = transA ? m : k;
        const ldb = transB ? k : n;
        kernels.gemm(transA, transB, m, n, k, 0.7, ptr(A), lda, ptr(B), ldb, 0.5, ptr(c1), n, ptr(work));
        const Bp = allocF64(kernels.packed_size(k, n));
        kernels.pack_b(transB, k, n, ptr(B), ldb, ptr(Bp));
        kernels.gemm_packed(transA, m, n, k, 0.7, ptr(A), lda, ptr(Bp), 0.5, ptr(c2), n, ptr(work));
        t.deepEqual(Array.from(c2), Array.from(c1), `${m} x ${n} x ${k}, transA ${transA}, transB ${transB}`);
        // and against the definition, to round-off
        let worst = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += A[transA ? p * m + i : i * k + p]! * B[transB ? j * k + p : p * n + j]!;
            worst = Math.max(worst, Math.abs(0.7 * s + 0.5 * C0[i * n + j]! - c2[i * n + j]!));
          }
        }
        t.true(worst < TOL.roundoff * Math.sqrt(k), `${m} x ${n} x ${k}: ${worst}`);
      }
    }
  }
});

test('dgemmPacked equals dgemm bit for bit, on one thread and on two, and falls back for small or off-heap operands', async (t) => {
  const rng = new Rng(10);
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
  for (const [m, n, k] of [[32, 512, 128], [32, 128, 512], [1, 512, 128], [3, 9, 5], [40, 1030, 300]] as const) {
    for (const transB of [false, true]) {
      for (const heap of [true, false]) {
        const mk = (len: number): Float64Array => (heap ? rng.fillNormal(allocF64(len)) : rng.fillNormal(new Float64Array(len)));
        const A = mk(m * k);
        const B = mk(k * n);
        const C0 = mk(m * n);
        const ldb = transB ? k : n;
        const ref = heap ? allocF64(m * n) : new Float64Array(m * n);
        ref.set(C0);
        setGemmThreads(1);
        dgemm(false, transB, m, n, k, 0.9, A, 0, k, B, 0, ldb, 1, ref, 0, n);
        const P = packMatrix(transB, k, n, B, 0, ldb);
        t.is(P.halves !== null, heap);
        for (const threads of [1, 2] as const) {
          setGemmThreads(threads);
          const c = heap ? allocF64(m * n) : new Float64Array(m * n);
          c.set(C0);
          dgemmPacked(false, m, 0.9, A, 0, k, P, 1, c, 0, n);
          t.deepEqual(Array.from(c), Array.from(ref), `${m} x ${n} x ${k}, transB ${transB}, heap ${heap}, ${threads} thread(s)`);
        }
      }
    }
  }
  setGemmThreads('auto');
});
