/**
 * The cache-blocked GEMM (kernels.ts `gemm`, after Goto and van de Geijn 2008) on one or two
 * threads. Large products split the rows (or, when C is wide, the columns) of C between the main
 * thread and one worker thread (gemm-worker.mjs) that runs the same kernels.wasm on the same
 * shared memory; they meet through a control block in that memory with Atomics (a short spin,
 * then a futex wait). Whichever thread claims the second share first computes it, so a worker
 * that is descheduled on a busy machine does not hold the main thread up for long.
 *
 * The blocked kernel sums every entry of C in the same order wherever its tile falls, so the
 * result is bit-identical with one thread or two. Small products stay on the main thread, where a
 * hand-off would cost more than it saves; large ones use two threads only while that is measured
 * to be faster (it is not on a machine busy with other jobs).
 *
 * RNN_DYNAMICS_THREADS=1 in the environment (or setGemmThreads(1)) keeps everything on the main
 * thread; setGemmThreads(2) forces the split of every large product (for tests). The worker is
 * unref'd, so it never keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { allocF64, freeF64, kernelMemory, kernelModule, kernels } from './wasm.ts';

/**
 * Multiply-adds below which a product stays on one thread: a hand-off costs microseconds on an idle
 * machine but can cost a time slice on a busy one (the n = 128, B = 32 per-step products, 0.5M, lose).
 */
const THREAD_MIN_WORK = 1 << 20;
/** Spin iterations of the waiting side before it sleeps on the futex (~0.1-0.3 ms). */
const SPIN = 200_000;

type ThreadMode = 1 | 2 | 'auto';
let threads: ThreadMode = process.env['RNN_DYNAMICS_THREADS'] === '1' || availableParallelism() < 2 ? 1 : 'auto';
let worker: Worker | undefined;
let failed = false;
let ctl: Int32Array;
let ctlF: Float64Array;
let seq = 0;
let mainWork = 0;
let workerWork = 0;
/**
 * The faster of one and two threads for a family of calls, measured: the cost per unit of work of
 * each mode is the median of its last SAMPLES calls, so an occasional stall (a descheduled worker,
 * a garbage collection) does not flip the choice. Each call takes the mode measured faster; a probe
 * of the other keeps its estimate fresh. A probe is two consecutive calls of which only the second
 * is recorded (the first wakes a sleeping worker or warms the caches). Probes come every PROBE
 * calls, and when a probe confirms the choice by a clear margin (MARGIN) the interval doubles, up
 * to PROBE_MAX: a probe of the slower mode costs its difference, so probing every 8th call of an
 * unmistakable choice cost about 12%.
 */
const PROBE = 8;
const PROBE_MAX = 512;
const MARGIN = 1.25;
const SAMPLES = 5;
class ModeChooser {
  private readonly cost = [new Float64Array(SAMPLES), new Float64Array(SAMPLES)];
  private readonly count = [0, 0];
  private readonly sorted = new Float64Array(SAMPLES);
  private calls = 0;
  private every = PROBE;
  /** 0: not probing; 1: the probe's first (unrecorded) call; 2: its second. */
  private probe = 0;
  private chosenTwo = true;

  /** True when this call should run on two threads. */
  pickTwo(): boolean {
    if (this.probe === 1) {
      this.probe = 2;
      return !this.chosenTwo;
    }
    this.probe = 0;
    const c1 = this.estimate(0);
    const c2 = this.estimate(1);
    if (c2 === 0) return true;
    if (c1 === 0) return false;
    this.chosenTwo = c2 <= c1;
    if (++this.calls >= this.every) {
      this.calls = 0;
      this.probe = 1;
      return !this.chosenTwo;
    }
    return this.chosenTwo;
  }

  /** The wall time of the call pickTwo() chose `two` for, over its units of work. */
  record(two: boolean, ms: number, units: number): void {
    if (this.probe === 1) return;
    const k = two ? 1 : 0;
    this.cost[k]![this.count[k]! % SAMPLES] = (ms * 1e6) / units;
    this.count[k]!++;
    if (this.probe === 2) {
      const won = this.estimate(this.chosenTwo ? 1 : 0);
      const lost = this.estimate(this.chosenTwo ? 0 : 1);
      this.every = lost > MARGIN * won ? Math.min(2 * this.every, PROBE_MAX) : PROBE;
    }
  }

  /** Median of the recorded costs of mode k (0: one thread, 1: two), 0 before any. */
  private estimate(k: number): number {
    const n = Math.min(this.count[k]!, SAMPLES);
    if (n === 0) return 0;
    const v = this.sorted;
    for (let i = 0; i < n; i++) {
      // insertion sort of at most SAMPLES values
      const x = this.cost[k]![i]!;
      let j = i;
      while (j > 0 && v[j - 1]! > x) {
        v[j] = v[j - 1]!;
        j--;
      }
      v[j] = x;
    }
    return v[n >> 1]!;
  }
}
/** Large products (gemmBlocked, gemmPacked). */
const gemmMode = new ModeChooser();
/** Gram-Schmidt on two threads waits ~k/4 times per factorisation (mgsTwoThreads). */
const mgsMode = new ModeChooser();

/**
 * Large products on 1 thread, on 2, or 'auto' (the default: whichever is measured faster). The
 * results do not depend on it.
 */
export function setGemmThreads(t: ThreadMode): void {
  threads = t;
}

/** The mode set by setGemmThreads (or from RNN_DYNAMICS_THREADS). */
export function gemmThreadMode(): ThreadMode {
  return threads;
}

/** 2 when large products may use the worker thread (it is running and threads are not set to 1). */
export function gemmThreads(): number {
  return threads !== 1 && workerReady() ? 2 : 1;
}

function workPointer(): number {
  if (!mainWork) mainWork = allocF64(kernels.gemmWork()).byteOffset;
  return mainWork;
}

function workerReady(): boolean {
  if (failed) return false;
  if (!worker) {
    const block = allocF64(32); // 64 Int32 slots, the two Float64 arguments at Float64 slots 8 and 9
    ctl = new Int32Array(block.buffer, block.byteOffset, 64);
    ctlF = new Float64Array(block.buffer, block.byteOffset, 32);
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
  const macs = m * n * k;
  if (threads === 1 || macs < THREAD_MIN_WORK || Math.max(m, n) < 16 || !workerReady()) {
    kernels.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
    return;
  }
  if (threads === 2) {
    gemmTwoThreads(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const two = gemmMode.pickTwo();
  const t0 = performance.now();
  if (two) gemmTwoThreads(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else kernels.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
  gemmMode.record(two, performance.now() - t0, macs);
}

/**
 * op(B) (k x n) packed once for repeated products (kernels.ts pack_b), in two column halves cut
 * where gemmTwoThreads cuts, so that each thread multiplies by its own half.
 */
export interface PackedHalves {
  readonly k: number;
  readonly n: number;
  /** Columns in the first half. */
  readonly n0: number;
  /** Byte pointers of the two packed halves. */
  readonly left: number;
  readonly right: number;
  readonly buffer: Float64Array;
}

/** Pack op(B) (B at byte pointer b) into halves, reusing `reuse`'s buffer when it is large enough. */
export function packHalves(transB: boolean, k: number, n: number, b: number, ldb: number, reuse?: PackedHalves): PackedHalves {
  const tB = transB ? 1 : 0;
  const n0 = n >= 8 ? (n >> 3) << 2 : n;
  const s0 = kernels.packed_size(k, n0);
  const s1 = n > n0 ? kernels.packed_size(k, n - n0) : 0;
  const buffer = reuse && reuse.buffer.length >= s0 + s1 ? reuse.buffer : allocF64(s0 + s1);
  if (reuse && reuse.buffer !== buffer) freeF64(reuse.buffer);
  const left = buffer.byteOffset;
  const right = left + 8 * s0;
  kernels.pack_b(tB, k, n0, b, ldb, left);
  if (n > n0) kernels.pack_b(tB, k, n - n0, b + 8 * (tB ? n0 * ldb : n0), ldb, right);
  return { k, n, n0, left, right, buffer };
}

/**
 * C = alpha op(A) op(B) + beta C with op(B) packed by packHalves: the blocked kernel's bits,
 * on two threads (one half of the columns each) when the product is large, as gemmBlocked.
 */
export function gemmPacked(transA: boolean, m: number, alpha: number, a: number, lda: number, P: PackedHalves, beta: number, c: number, ldc: number): void {
  const tA = transA ? 1 : 0;
  const macs = m * P.n * P.k;
  if (threads === 1 || macs < THREAD_MIN_WORK || P.n === P.n0 || !workerReady()) {
    gemmPackedOneThread(tA, m, alpha, a, lda, P, beta, c, ldc);
    return;
  }
  if (threads === 2) {
    gemmPackedTwoThreads(tA, m, alpha, a, lda, P, beta, c, ldc);
    return;
  }
  const two = gemmMode.pickTwo();
  const t0 = performance.now();
  if (two) gemmPackedTwoThreads(tA, m, alpha, a, lda, P, beta, c, ldc);
  else gemmPackedOneThread(tA, m, alpha, a, lda, P, beta, c, ldc);
  gemmMode.record(two, performance.now() - t0, macs);
}

function gemmPackedOneThread(tA: number, m: number, alpha: number, a: number, lda: number, P: PackedHalves, beta: number, c: number, ldc: number): void {
  const { k, n, n0 } = P;
  kernels.gemm_packed(tA, m, n0, k, alpha, a, lda, P.left, beta, c, ldc, workPointer());
  if (n > n0) kernels.gemm_packed(tA, m, n - n0, k, alpha, a, lda, P.right, beta, c + 8 * n0, ldc, workPointer());
}

function gemmPackedTwoThreads(tA: number, m: number, alpha: number, a: number, lda: number, P: PackedHalves, beta: number, c: number, ldc: number): void {
  const { k, n, n0 } = P;
  ctl[4] = tA;
  ctl[6] = m;
  ctl[7] = n - n0;
  ctl[8] = k;
  ctl[9] = a;
  ctl[10] = lda;
  ctl[11] = P.right;
  ctl[13] = c + 8 * n0;
  ctl[14] = ldc;
  ctl[15] = workerWork;
  ctl[20] = JOB_GEMM_PACKED;
  ctlF[8] = alpha;
  ctlF[9] = beta;
  post();
  kernels.gemm_packed(tA, m, n0, k, alpha, a, lda, P.left, beta, c, ldc, workPointer());
  if (claim()) {
    kernels.gemm_packed(tA, m, n - n0, k, alpha, a, lda, P.right, beta, c + 8 * n0, ldc, workPointer());
    return;
  }
  waitForWorker();
}

function gemmTwoThreads(
  tA: number,
  tB: number,
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
    a1 = a + 8 * (tA ? m0 : m0 * lda);
    c1 = c + 8 * m0 * ldc;
  } else {
    n0 = (n >> 3) << 2;
    n1 = n - n0;
    b1 = b + 8 * (tB ? n0 * ldb : n0);
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
  ctl[20] = JOB_GEMM;
  ctlF[8] = alpha;
  ctlF[9] = beta;
  post();
  kernels.gemm(tA, tB, m0, n0, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
  // if the worker has not taken its share yet (descheduled on a loaded machine), do it here:
  // the same kernel on the same tiles, so the same bits
  if (claim()) {
    kernels.gemm(tA, tB, m1, n1, k, alpha, a1, lda, b1, ldb, beta, c1, ldc, workPointer());
    return;
  }
  waitForWorker();
}

function post(): void {
  seq = seq >= 0x3fffffff ? 1 : seq + 1;
  Atomics.store(ctl, 0, seq);
  Atomics.notify(ctl, 0);
}

/** True when this thread took the posted share (the worker had not started it). */
function claim(): boolean {
  const c0 = Atomics.load(ctl, 3);
  return c0 !== seq && Atomics.compareExchange(ctl, 3, c0, seq) === c0;
}

function waitForWorker(): void {
  let s = 0;
  while (Atomics.load(ctl, 1) !== seq) {
    if (++s > SPIN) {
      Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 1);
      s = 0;
    }
  }
}

/** Job kinds of the worker (gemm-worker.mjs): the control block's slot 20. */
const JOB_GEMM = 0;
export const JOB_RNN_FORWARD = 1;
export const JOB_RNN_BACKWARD = 2;
export const JOB_LSTM_FORWARD = 5;
export const JOB_LSTM_BACKWARD = 6;
const JOB_MGS = 3;
const JOB_GEMM_PACKED = 4;
/** Control-block slot of the Gram-Schmidt progress counter (rows final). */
const MGS_PROGRESS = 48;
/** k^2 n below which Gram-Schmidt stays on this thread (n = k = 64 and up go to two). */
const MGS_MIN_WORK = 1 << 18;
/** Spin iterations this thread waits for the worker to take a Gram-Schmidt job before doing it alone. */
const CLAIM_SPIN = 100_000;

/**
 * QR of the k rows of V (k x n) by modified Gram-Schmidt, r[i] = R_ii (kernels.ts `mgs`), on two
 * threads when the worker is running and the work is large (`mgs_share`: blocks of four rows
 * alternate between the threads). Byte pointers into the kernel heap. The same bits either way.
 */
export function mgsQr(V: number, k: number, n: number, r: number): void {
  if (threads === 1 || k < 8 || k * k * n < MGS_MIN_WORK || !workerReady()) {
    kernels.mgs(V, k, n, r);
    return;
  }
  if (threads === 2) {
    mgsTwoThreads(V, k, n, r);
    return;
  }
  const two = mgsMode.pickTwo();
  const t0 = performance.now();
  if (two) mgsTwoThreads(V, k, n, r);
  else kernels.mgs(V, k, n, r);
  mgsMode.record(two, performance.now() - t0, k * k * n);
}

function mgsTwoThreads(V: number, k: number, n: number, r: number): void {
  Atomics.store(ctl, MGS_PROGRESS, 0);
  ctl[24] = V;
  ctl[25] = k;
  ctl[26] = n;
  ctl[27] = r;
  ctl[28] = ctl.byteOffset + 4 * MGS_PROGRESS;
  ctl[20] = JOB_MGS;
  post();
  // the two threads' blocks wait on each other, so this thread starts only once the worker has
  // taken the job; a worker that does not come (a busy machine) leaves it to this thread alone
  let s = 0;
  while (Atomics.load(ctl, 3) !== seq) {
    if (++s > CLAIM_SPIN && claim()) {
      kernels.mgs(V, k, n, r);
      return;
    }
  }
  kernels.mgs_share(V, k, n, r, 0, ctl.byteOffset + 4 * MGS_PROGRESS);
  waitForWorker();
}
type ShareJob = typeof JOB_RNN_FORWARD | typeof JOB_RNN_BACKWARD | typeof JOB_LSTM_FORWARD | typeof JOB_LSTM_BACKWARD;

function runShare(kind: ShareJob, args: readonly number[], work: number): void {
  const a = args;
  if (kind === JOB_RNN_FORWARD) kernels.rnn_forward(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, work);
  else if (kind === JOB_RNN_BACKWARD) kernels.rnn_backward(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, work);
  else if (kind === JOB_LSTM_BACKWARD) kernels.lstm_backward(a[0]!, work);
  else kernels.lstm_forward(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, a[15]!, a[16]!, a[17]!, a[18]!, a[19]!, a[20]!, a[21]!, a[22]!, a[23]!, work);
}

/**
 * Two independent shares of a kernel's work (e.g. two halves of a batch): `first` (integer
 * arguments, the GEMM work pointer appended) on this thread and `second` on the worker thread, when
 * `parallel` and the worker is running; otherwise both here, one after the other. Each share is
 * computed by the same kernel with the same arguments wherever it runs, so the results do not
 * depend on the thread count.
 */
export function twoShares(kind: ShareJob, first: readonly number[], second: readonly number[], parallel: boolean): void {
  if (!parallel || threads === 1 || !workerReady()) {
    runShare(kind, first, workPointer());
    runShare(kind, second, workPointer());
    return;
  }
  for (let i = 0; i < second.length; i++) ctl[24 + i] = second[i]!;
  ctl[15] = workerWork;
  ctl[20] = kind;
  post();
  runShare(kind, first, workPointer());
  if (claim()) {
    runShare(kind, second, workPointer());
    return;
  }
  waitForWorker();
}
