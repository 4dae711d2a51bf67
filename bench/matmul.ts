/**
 * matmul: n x n float64 GEMM through src/linalg/blas.ts (the WASM SIMD kernel), next to numpy's
 * matmul (OpenBLAS) in bench/pytorch_workloads.py: the machine's reference GFLOP/s.
 */
import { Rng } from '../src/init/rng.ts';
import { dgemm } from '../src/linalg/blas.ts';
import { allocF64, freeF64 } from '../src/linalg/wasm.ts';
import { emit, medianSeconds } from './common.ts';

export function matmul(n: number): void {
  const rng = new Rng(4);
  const A = rng.fillNormal(allocF64(n * n));
  const Bm = rng.fillNormal(allocF64(n * n));
  const C = allocF64(n * n);
  const reps = Math.max(1, Math.round(2e9 / (2 * n ** 3)));
  const s = medianSeconds(() => {
    for (let r = 0; r < reps; r++) dgemm(false, false, n, n, n, 1, A, 0, n, Bm, 0, n, 0, C, 0, n);
  }, 3);
  emit({ impl: 'rnn-dynamics', workload: 'matmul', n, B: n, T: 1, usPerStep: (s / reps) * 1e6, gflops: (2 * n ** 3 * reps) / s / 1e9, check: C[0]! });
  for (const v of [A, Bm, C]) freeF64(v);
}
