/**
 * matmul: n x n float64 GEMM through src/linalg/blas.ts (the WASM SIMD kernel), next to numpy's
 * matmul (OpenBLAS) in bench/pytorch_workloads.py: the machine's reference GFLOP/s.
 * matmul-f32: the float32 GEMM (kernels.ts sgemm, f32x4 lanes) on the same inputs rounded to
 * float32, timed alternately with the float64 one in the same run, with the ratio
 * float64 time / float32 time (`vsFloat64`; issue 16's target is >= 1.7).
 */
import { Rng } from '../src/init/rng.ts';
import { dgemm, sgemm } from '../src/linalg/blas.ts';
import { allocF32, allocF64, freeF64 } from '../src/linalg/wasm.ts';
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

export function matmulFloat32(n: number): void {
  const rng = new Rng(4);
  const A = rng.fillNormal(allocF64(n * n));
  const Bm = rng.fillNormal(allocF64(n * n));
  const C = allocF64(n * n);
  const A32 = allocF32(n * n);
  const B32 = allocF32(n * n);
  const C32 = allocF32(n * n);
  A32.set(A);
  B32.set(Bm);
  const reps = Math.max(1, Math.round(2e9 / (2 * n ** 3)));
  // alternate the two precisions so that both see the same machine load
  let s64 = Infinity;
  let s32 = Infinity;
  for (let round = 0; round < 3; round++) {
    s64 = Math.min(s64, medianSeconds(() => {
      for (let r = 0; r < reps; r++) dgemm(false, false, n, n, n, 1, A, 0, n, Bm, 0, n, 0, C, 0, n);
    }, 1));
    s32 = Math.min(s32, medianSeconds(() => {
      for (let r = 0; r < reps; r++) sgemm(false, false, n, n, n, 1, A32, 0, n, B32, 0, n, 0, C32, 0, n);
    }, 1));
  }
  // the check: the float32 entry agrees with the float64 one to float32 accuracy
  if (!(Math.abs(C32[0]! - C[0]!) <= 1e-4 * Math.sqrt(n))) throw new Error(`matmul-f32 n=${n}: C[0] = ${C32[0]} against float64 ${C[0]}`);
  emit({ impl: 'rnn-dynamics', workload: 'matmul-f32', precision: 'float32', n, B: n, T: 1, usPerStep: (s32 / reps) * 1e6, gflops: (2 * n ** 3 * reps) / s32 / 1e9, vsFloat64: s64 / s32, check: C32[0]! });
  for (const v of [A, Bm, C, A32, B32, C32]) freeF64(v);
}
