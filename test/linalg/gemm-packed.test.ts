/**
 * gemm_packed (op(B) packed once by pack_b, e.g. a recurrent weight matrix used at every step)
 * gives the same bits as the blocked gemm that packs op(B) itself, for both transposes of B and
 * shapes across the KC = 256 and NC = 512 block edges and the NR = 4 panel edge.
 */
import test from 'ava';
import { allocF64, kernels } from '../../src/linalg/wasm.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';

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
        kernels.gemm(transA, transB, m, n, k, 0.7, A.byteOffset, lda, B.byteOffset, ldb, 0.5, c1.byteOffset, n, work.byteOffset);
        const Bp = allocF64(kernels.packed_size(k, n));
        kernels.pack_b(transB, k, n, B.byteOffset, ldb, Bp.byteOffset);
        kernels.gemm_packed(transA, m, n, k, 0.7, A.byteOffset, lda, Bp.byteOffset, 0.5, c2.byteOffset, n, work.byteOffset);
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
