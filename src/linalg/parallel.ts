/**
 * The cache-blocked GEMM (kernels.ts `gemm`, after Goto and van de Geijn 2008) on one or two
 * threads. Large products split the rows (or, when C is wide, the columns) of C between the main
 * thread and one worker thread (gemm-worker.mjs) that runs the same kernels.wasm on the same
 * shared memory; they meet through a control block in that memory with Atomics (a short spin,
 * then a futex wait). The blocked kernel sums every entry of C in the same order wherever its
 * tile falls, so the result is bit-identical with one thread or two; small products stay on the
 * main thread, where a hand-off would cost more than it saves.
 *
 * RNN_DYNAMICS_THREADS=1 in the environment (or setGemmThreads(1)) keeps everything on the main
 * thread. The worker is unref'd, so it never keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { allocF64, kernelMemory, kernelModule, kernels } from './wasm.ts';

/** Multiply-adds below which a product stays on one thread (a hand-off costs a few microseconds). */
const THREAD_MIN_WORK = 1 << 17;
/** Spin iterations of the waiting side before it sleeps on the futex (~0.1-0.3 ms). */
const SPIN = 200_000;

let threads = process.env['RNN_DYNAMICS_THREADS'] === '1' ? 1 : Math.min(2, availableParallelism());
let worker: Worker | undefined;
let failed = false;
let ctl: Int32Array;
let ctlF: Float64Array;
let seq = 0;
let mainWork = 0;
let workerWork = 0;

/** Use 1 or 2 threads for large products (the results do not depend on it). */
export function setGemmThreads(t: 1 | 2): void {
  threads = t;
}

/** The number of threads large products currently use (2 only once the worker is running). */
export function gemmThreads(): number {
  return threads > 1 && workerReady() ? 2 : 1;
}

function workPointer(): number {
  if (!mainWork) mainWork = allocF64(kernels.gemmWork()).byteOffset;
  return mainWork;
}

function workerReady(): boolean {
  if (failed) return false;
  if (!worker) {
    const block = allocF64(16); // 32 Int32 slots and the two Float64 arguments
    ctl = new Int32Array(block.buffer, block.byteOffset, 32);
    ctlF = new Float64Array(block.buffer, block.byteOffset, 16);
    workerWork = allocF64(kernels.gemmWork()).byteOffset;
    worker = new Worker(new URL('./gemm-worker.mjs', import.meta.url), {
      workerData: { memory: kernelMemory, module: kernelModule, ctrl: block.byteOffset, spin: SPIN },
      execArgv: [],
    });
    worker.on('error', () => {
      failed = true;
    });
    worker.unref();
  }
  return Atomics.load(ctl, 2) === 1;
}

/**
 * C = alpha op(A) op(B) + beta C on byte pointers into the kernel heap (leading dimensions in
 * elements), through the blocked kernel, on two threads when the product is large.
 */
export function gemmBlocked(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;
  if (threads < 2 || m * n * k < THREAD_MIN_WORK || Math.max(m, n) < 16 || !workerReady()) {
    kernels.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
    return;
  }
  // the worker takes the second half of the rows (or columns) of C, cut at a micro-tile boundary
  let m0 = m;
  let n0 = n;
  let a1 = a;
  let b1 = b;
  let c1 = c;
  let m1 = m;
  let n1 = n;
  if (m >= n) {
    m0 = (m >> 3) << 2;
    m1 = m - m0;
    a1 = a + 8 * (transA ? m0 : m0 * lda);
    c1 = c + 8 * m0 * ldc;
  } else {
    n0 = (n >> 3) << 2;
    n1 = n - n0;
    b1 = b + 8 * (transB ? n0 * ldb : n0);
    c1 = c + 8 * n0;
  }
  ctl[4] = tA;
  ctl[5] = tB;
  ctl[6] = m1;
  ctl[7] = n1;
  ctl[8] = k;
  ctl[9] = a1;
  ctl[10] = lda;
  ctl[11] = b1;
  ctl[12] = ldb;
  ctl[13] = c1;
  ctl[14] = ldc;
  ctl[15] = workerWork;
  ctlF[8] = alpha;
  ctlF[9] = beta;
  seq = seq >= 0x3fffffff ? 1 : seq + 1;
  Atomics.store(ctl, 0, seq);
  Atomics.notify(ctl, 0);
  kernels.gemm(tA, tB, m0, n0, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
  let s = 0;
  while (Atomics.load(ctl, 1) !== seq) {
    if (++s > SPIN) {
      Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 1);
      s = 0;
    }
  }
}
