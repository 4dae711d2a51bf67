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
import { claimByMain } from './handoff.mjs';
import type { Precision, Real } from './precision.ts';
import { ABI, allocF64, controlBlock, freeF64, kernelMemory, kernelModule, kernels, ptr, runJob, slotPointer, type Job } from './wasm.ts';

const { routes, control: CTL, jobs: JOBS } = ABI;
/** Spin iterations of the waiting side before it sleeps on the futex (~0.1-0.3 ms). */
const SPIN = 200_000;

type ThreadMode = 1 | 2 | 'auto';
let threads: ThreadMode = process.env['RNN_DYNAMICS_THREADS'] === '1' || availableParallelism() < 2 ? 1 : 'auto';
let worker: Worker | undefined;
let failed = false;
let ctl: Int32Array;
let ctlF: Float64Array;
const A0 = CTL.args;
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
/** Large float32 products (gemmBlocked with precision 'float32'). */
const sgemmMode = new ModeChooser();
/** Gram-Schmidt on two threads waits ~k/4 times per factorisation (mgsTwoThreads). */
const mgsMode = new ModeChooser();
/** Float32 Gram-Schmidt (mgsQr of a Float32Array). */
const smgsMode = new ModeChooser();

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
  if (!mainWork) mainWork = ptr(allocF64(kernels.gemmWork()));
  return mainWork;
}

function workerReady(): boolean {
  if (failed) return false;
  if (!worker) {
    const cb = controlBlock();
    ctl = cb.I;
    ctlF = cb.F;
    workerWork = ptr(allocF64(kernels.gemmWork()));
    worker = new Worker(new URL('./gemm-worker.mjs', import.meta.url), {
      workerData: { memory: kernelMemory, module: kernelModule, ctrl: ptr(cb.block), work: workerWork, spin: SPIN, abi: ABI },
      execArgv: [],
    });
    worker.on('error', () => {
      failed = true;
    });
    worker.unref();
  }
  return Atomics.load(ctl, CTL.ready) === 1;
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
  precision: Precision = 'float64',
): void {
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;
  const macs = m * n * k;
  const single = precision === 'float32' ? kernels.sgemm : kernels.gemm;
  if (threads === 1 || macs < routes.threadMinWork || Math.max(m, n) < 16 || !workerReady()) {
    single(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
    return;
  }
  if (threads === 2) {
    gemmTwoThreads(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, precision);
    return;
  }
  // float32 products cost about half as much per multiply-add: their own measurements
  const mode = precision === 'float32' ? sgemmMode : gemmMode;
  const two = mode.pickTwo();
  const t0 = performance.now();
  if (two) gemmTwoThreads(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, precision);
  else single(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
  mode.record(two, performance.now() - t0, macs);
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
  const left = ptr(buffer);
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
  if (threads === 1 || macs < routes.threadMinWork || P.n === P.n0 || !workerReady()) {
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
  post(JOBS.gemmPacked, [tA, m, n - n0, k, alpha, a, lda, P.right, beta, c + 8 * n0, ldc]);
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
  precision: Precision,
): void {
  const bytes = precision === 'float32' ? 4 : 8;
  const job = precision === 'float32' ? JOBS.sgemm : JOBS.gemm;
  const kernel = precision === 'float32' ? kernels.sgemm : kernels.gemm;
  // the worker takes the second half of the rows (or columns) of C, cut at a micro-tile boundary
  // (a multiple of 4 rows, or of 8 columns, which is one f32 tile and two f64 tiles)
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
    a1 = a + bytes * (tA ? m0 : m0 * lda);
    c1 = c + bytes * m0 * ldc;
  } else {
    n0 = precision === 'float32' ? (n >> 4) << 3 : (n >> 3) << 2;
    n1 = n - n0;
    b1 = b + bytes * (tB ? n0 * ldb : n0);
    c1 = c + bytes * n0;
  }
  post(job, [tA, tB, m1, n1, k, alpha, a1, lda, b1, ldb, beta, c1, ldc]);
  kernel(tA, tB, m0, n0, k, alpha, a, lda, b, ldb, beta, c, ldc, workPointer());
  // if the worker has not taken its share yet (descheduled on a loaded machine), do it here:
  // the same kernel on the same tiles, so the same bits
  if (claim()) {
    kernel(tA, tB, m1, n1, k, alpha, a1, lda, b1, ldb, beta, c1, ldc, workPointer());
    return;
  }
  waitForWorker();
}

/** Post a job for the worker: its arguments into the control block, its kind, then a new sequence number. */
function post(job: Job, args: ArrayLike<number>): void {
  for (let i = 0; i < args.length; i++) ctlF[A0 + i] = args[i]!;
  ctl[CTL.kind] = job.kind;
  seq = seq >= 0x3fffffff ? 1 : seq + 1;
  Atomics.store(ctl, CTL.seq, seq);
  Atomics.notify(ctl, CTL.seq);
}

/** True when this thread took the posted share (the worker had not started it). */
function claim(): boolean {
  return claimByMain(ctl, CTL, seq);
}

function waitForWorker(): void {
  let s = 0;
  while (Atomics.load(ctl, CTL.done) !== seq) {
    if (++s > SPIN) {
      Atomics.wait(ctl, CTL.done, Atomics.load(ctl, CTL.done), 1);
      s = 0;
    }
  }
}

/** Spin iterations this thread waits for the worker to take a Gram-Schmidt job before doing it alone. */
const CLAIM_SPIN = 100_000;

/**
 * QR of the k rows of V (k x n) by modified Gram-Schmidt, r[i] = R_ii (kernels.ts `mgs`), on two
 * threads when the worker is running and the work is large (`mgs_share`: blocks of four rows
 * alternate between the threads). Byte pointers into the kernel heap. The same bits either way.
 * A Float32Array V runs the float32 kernels (`smgs`, `smgs_share`: projections in f32x4
 * arithmetic, r[i] summed in float64 from the stored entries; r is a Float64Array in both) by the
 * same rule, with its own measurements of one against two threads (about half the cost per unit of
 * work, so the hand-offs weigh twice as much).
 */
export function mgsQr(Va: Real, k: number, n: number, ra: Float64Array): void {
  const V = ptr(Va);
  const r = ptr(ra);
  const f32 = Va instanceof Float32Array;
  const single = f32 ? kernels.smgs : kernels.mgs;
  if (threads === 1 || k < 8 || k * k * n < routes.mgsMinWork || !workerReady()) {
    single(V, k, n, r);
    return;
  }
  if (threads === 2) {
    mgsTwoThreads(V, k, n, r, f32);
    return;
  }
  const mode = f32 ? smgsMode : mgsMode;
  const two = mode.pickTwo();
  const t0 = performance.now();
  if (two) mgsTwoThreads(V, k, n, r, f32);
  else single(V, k, n, r);
  mode.record(two, performance.now() - t0, k * k * n);
}

function mgsTwoThreads(V: number, k: number, n: number, r: number, f32: boolean): void {
  Atomics.store(ctl, CTL.progress, 0);
  const progress = slotPointer(ctl, CTL.progress);
  post(f32 ? JOBS.smgsShare : JOBS.mgsShare, [V, k, n, r, 1, progress]);
  // the two threads' blocks wait on each other, so this thread starts only once the worker has
  // taken the job; a worker that does not come (a busy machine) leaves it to this thread alone
  let s = 0;
  while (Atomics.load(ctl, CTL.claim) !== seq) {
    if (++s > CLAIM_SPIN && claim()) {
      (f32 ? kernels.smgs : kernels.mgs)(V, k, n, r);
      return;
    }
  }
  (f32 ? kernels.smgs_share : kernels.mgs_share)(V, k, n, r, 0, progress);
  waitForWorker();
}
/** A job's whole work as one share on this thread (a batch too small to split). */
export function oneShare(job: Job, args: Float64Array): void {
  runJob(job, args, workPointer());
}

/**
 * Two independent shares of a job's work (e.g. two halves of a batch): `first` (its arguments, from
 * wasm.ts jobArgs; the GEMM work pointer is appended) on this thread and `second` on the worker thread, when
 * `parallel` and the worker is running; otherwise both here, one after the other. Each share is
 * computed by the same kernel with the same arguments wherever it runs, so the results do not
 * depend on the thread count.
 */
export function twoShares(job: Job, first: Float64Array, second: Float64Array, parallel: boolean): void {
  if (!parallel || threads === 1 || !workerReady()) {
    runJob(job, first, workPointer());
    runJob(job, second, workPointer());
    return;
  }
  post(job, second);
  runJob(job, first, workPointer());
  if (claim()) {
    runJob(job, second, workPointer());
    return;
  }
  waitForWorker();
}
