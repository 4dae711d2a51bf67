/**
 * The boundary to WebAssembly, in one place (as tfjs-backend-wasm keeps each kernel's marshalling
 * in one file): the SIMD kernels (src/linalg/assembly/kernels.ts, compiled to kernels.wasm by
 * `npm run build:wasm`), the float64 heap they work on, and `ABI`, the one table of the route
 * thresholds, the worker's control block and every job's kind and argument order, read by the
 * TypeScript side and by the worker thread (gemm-worker.mjs receives it). No other module reads
 * a byteOffset or writes a slot number: they pass Float64Arrays (Float32Arrays to the float32
 * kernels), and `ptr` and `jobArgs` below turn them into pointers.
 *
 * Buffers that hot loops pass to the kernels live in the module's linear memory: allocate them
 * with `allocF64` (a Float64Array view, 16-byte aligned) and return them with `freeF64`. The memory
 * is shared (a SharedArrayBuffer), so growing it never detaches views handed out earlier. The
 * BLAS front (blas.ts) runs a kernel in WebAssembly when all its operands live here and in plain
 * JavaScript otherwise, so correctness never depends on where a buffer was allocated.
 */
import { readFileSync } from 'node:fs';
import type { Precision, Real } from './precision.ts';

/**
 * The table. `routes`: where a computation switches kernels or threads (blockedMinWork and
 * blockedMinDim are also the kernels' own choice of GEMM inside the whole-run jobs, passed to each
 * instance by `configure`, so that every route sums in the same order). `control`: the worker's
 * control block, Int32 slots for the handshake and Float64 slots for a job's arguments. `jobs`:
 * per job its kind, the kernel it runs and its arguments in the kernel's parameter order (the GEMM
 * scratch pointer `work` follows when `work` is true).
 */
export const ABI = {
  routes: {
    /** Multiply-adds below which a product stays in JavaScript (a call into WebAssembly costs more). */
    wasmMinWork: 256,
    /** Multiply-adds (and rows, columns) from which products run the cache-blocked GEMM. */
    blockedMinWork: 1 << 14,
    blockedMinDim: 4,
    /** Multiply-adds below which a product stays on one thread (a hand-off costs ~1 us idle, a time slice busy). */
    threadMinWork: 1 << 20,
    /** k^2 n below which Gram-Schmidt stays on one thread (both precisions). */
    mgsMinWork: 1 << 18,
    /** Batches of at least this many rows run a cell's whole-run kernels in two shares of rows. */
    shareMinRows: 8,
    /** Multiply-adds of a share job below which both shares stay on one thread. */
    shareParallelMinWork: 1 << 17,
  },
  control: {
    /** Int32 slots: job sequence, done sequence, worker ready, claim (the job whose share was taken), job kind, Gram-Schmidt progress. */
    seq: 0,
    done: 1,
    ready: 2,
    claim: 3,
    kind: 4,
    progress: 5,
    /** Float64 slot of the first argument; doubles in the block. */
    args: 4,
    doubles: 64,
  },
  jobs: {
    gemm: { kind: 0, fn: 'gemm', work: true, args: ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'A', 'lda', 'B', 'ldb', 'beta', 'C', 'ldc'] },
    /** The float32 GEMM (same arguments; pointers to Float32Array data). */
    sgemm: { kind: 9, fn: 'sgemm', work: true, args: ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'A', 'lda', 'B', 'ldb', 'beta', 'C', 'ldc'] },
    gemmPacked: { kind: 1, fn: 'gemm_packed', work: true, args: ['transA', 'm', 'n', 'k', 'alpha', 'A', 'lda', 'Bp', 'beta', 'C', 'ldc'] },
    mgsShare: { kind: 2, fn: 'mgs_share', work: false, args: ['V', 'k', 'n', 'r', 'parity', 'progress'] },
    /** The float32 Gram-Schmidt share (V points to Float32Array data, r to Float64Array data). */
    smgsShare: { kind: 16, fn: 'smgs_share', work: false, args: ['V', 'k', 'n', 'r', 'parity', 'progress'] },
    rnnForward: { kind: 3, fn: 'rnn_forward', work: true, args: ['act', 'n', 'm', 'B', 'r0', 'r1', 'T', 'W', 'U', 'b', 'x', 'h', 'a', 'aStride', 'Wp'] },
    rnnBackward: { kind: 4, fn: 'rnn_backward', work: true, args: ['act', 'n', 'B', 'r0', 'r1', 't', 'tEnd', 'tLo', 'W', 'h', 'delta', 'dA', 'norms', 'perStep', 'Wp'] },
    lstmForward: {
      kind: 5,
      fn: 'lstm_forward',
      work: true,
      args: ['n', 'G', 'B', 'r0', 'r1', 'T', 'oi', 'oF', 'og', 'oo', 'squash', 'gates', 'Wp', 'Wh', 'h', 'c', 'hc', 'pi', 'pf', 'po', 'm', 'x', 'WxT', 'b'],
    },
    lstmBackward: {
      kind: 6,
      fn: 'lstm_backward',
      work: true,
      args: ['n', 'G', 'B', 'r0', 'r1', 'oi', 'oF', 'og', 'oo', 'squash', 'm', 'gates', 'c', 'hc', 'h', 'x', 'Wp', 'Wh', 'pi', 'pf', 'po',
        'delta', 'carry', 'dh', 'dc', 'hNorms', 'cNorms', 'dA', 'H', 'X', 'dWh', 'dWx', 'db', 'dpi', 'dpf', 'dpo', 'tHi', 't', 'tEnd', 'tLo'],
    },
    gruForward: { kind: 7, fn: 'gru_forward', work: true, args: ['n', 'B', 'r0', 'r1', 'T', 'gates', 'Wp', 'Wh', 'ah', 'hn', 'h', 'm', 'x', 'WxT', 'bx', 'bh'] },
    /** The float32 RNN (kernels.ts srnn_forward, srnn_backward): pointers to Float32Array data; Wp, Up packed by spack_b. */
    srnnForward: { kind: 10, fn: 'srnn_forward', work: true, args: ['act', 'n', 'm', 'B', 'r0', 'r1', 'T', 'b', 'x', 'h', 'a', 'aStride', 'Wp', 'Up'] },
    srnnBackward: { kind: 11, fn: 'srnn_backward', work: true, args: ['act', 'n', 'B', 'r0', 'r1', 't', 'tEnd', 'tLo', 'h', 'delta', 'dA', 'hNorms', 'perStep', 'Wp'] },
    /** The float32 GRU (kernels.ts sgru_forward, sgru_backward): pointers to Float32Array data; Wp is Wh^T (forward) or Wh (backward) packed by spack_b. */
    sgruForward: { kind: 12, fn: 'sgru_forward', work: true, args: ['n', 'B', 'r0', 'r1', 'T', 'gates', 'Wp', 'ah', 'hn', 'h', 'bh'] },
    sgruBackward: { kind: 13, fn: 'sgru_backward', work: true, args: ['n', 'B', 'r0', 'r1', 't', 'tEnd', 'tLo', 'gates', 'hn', 'h', 'delta', 'dA', 'hNorms', 'perStep', 'Wp'] },
    /** The float32 LSTM (kernels.ts slstm_forward, slstm_backward): pointers to Float32Array data; Wp as for the GRU. */
    slstmForward: { kind: 14, fn: 'slstm_forward', work: true, args: ['n', 'G', 'B', 'r0', 'r1', 'T', 'oi', 'oF', 'og', 'oo', 'squash', 'gates', 'Wp', 'h', 'c', 'hc', 'pi', 'pf', 'po'] },
    slstmBackward: {
      kind: 15,
      fn: 'slstm_backward',
      work: true,
      args: ['n', 'G', 'B', 'r0', 'r1', 'oi', 'oF', 'og', 'oo', 'squash', 't', 'tEnd', 'tLo', 'gates', 'c', 'hc', 'pi', 'pf', 'po', 'delta', 'carry', 'dh', 'dc',
        'hNorms', 'cNorms', 'dA', 'dpi', 'dpf', 'dpo', 'Wp'],
    },
    gruBackward: {
      kind: 8,
      fn: 'gru_backward',
      work: true,
      args: ['n', 'B', 'r0', 'r1', 'm', 'gates', 'hn', 'h', 'x', 'Wp', 'Wh', 'delta', 'hNorms', 'perStep', 'dA', 'H', 'X', 'dWx', 'dWh', 'dbx', 'dbh', 'tHi', 't', 'tEnd', 'tLo'],
    },
  },
} as const;

export type JobName = keyof typeof ABI.jobs;
export type Job = (typeof ABI.jobs)[JobName];

interface Kernels {
  configure(minWork: number, minDim: number): void;
  gemm_xn(transA: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  gemm_nt(m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  gemv_t(m: number, n: number, alpha: number, A: number, lda: number, x: number, beta: number, y: number): void;
  gemv_n(m: number, n: number, alpha: number, A: number, lda: number, x: number, beta: number, y: number): void;
  transpose(k: number, n: number, B: number, ldb: number, T: number, ldt: number): void;
  mgs(V: number, k: number, n: number, r: number): void;
  mgs_share(V: number, k: number, n: number, r: number, parity: number, progress: number): void;
  smgs(V: number, k: number, n: number, r: number): void;
  smgs_share(V: number, k: number, n: number, r: number, parity: number, progress: number): void;
  scale_cols(rows: number, n: number, Z: number, d: number): void;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number, work: number): void;
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number, work: number): void;
  sgemm_loops(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  gemmWork(): number;
  packed_size(k: number, n: number): number;
  pack_b(transB: number, k: number, n: number, B: number, ldb: number, dst: number): void;
  gemm_packed(transA: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, Bp: number, beta: number, C: number, ldc: number, work: number): void;
  tanh_kernel(len: number, a: number, y: number): void;
  spacked_size(k: number, n: number): number;
  spack_b(transB: number, k: number, n: number, B: number, ldb: number, dst: number): void;
  sactivate(act: number, len: number, a: number, y: number): void;
  srnn_bias(n: number, B: number, steps: number, dA: number, db: number): void;
  sadd_rows(len: number, rows: number, A: number, lda: number, acc: number): void;
}

const PAGE = 65536;
const INITIAL_PAGES = 64;
const MAXIMUM_PAGES = 32768; // 2 GiB: the module is compiled with this maximum

const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
const module = new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
/** The kernels' shared linear memory and compiled module, for instantiating them again in a worker thread (parallel.ts). */
export { memory as kernelMemory, module as kernelModule };

const exports = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports;
/** The exported kernels; pointers are byte offsets into `memory` (use `ptr`). */
export const kernels = exports as unknown as Kernels;
kernels.configure(ABI.routes.blockedMinWork, ABI.routes.blockedMinDim);

const heapBuffers = new WeakSet<ArrayBufferLike>([memory.buffer]);

/** True when `a` is a view into the kernels' memory (so it has a pointer). */
export function inWasm(a: Real): boolean {
  return heapBuffers.has(a.buffer);
}

/** The byte pointer of a[off] for a view into the kernel heap (8 bytes per entry, 4 for a Float32Array). */
export function ptr(a: Real, off = 0): number {
  return a.byteOffset + a.BYTES_PER_ELEMENT * off;
}

// Size-class free lists (powers of two, in doubles) over a bump allocator. The first 1 KiB stays
// unused so that no pointer is 0.
let top = 1024;
const freeLists = new Map<number, number[]>();

function sizeClass(n: number): number {
  let c = 2;
  while (c < n) c *= 2;
  return c;
}

/**
 * A zero-filled Float64Array of length n in the kernels' memory. Return it with `freeF64` when
 * done (a study that forgets only costs memory, not correctness).
 */
export function allocF64(n: number): Float64Array {
  const cls = sizeClass(Math.max(n, 1));
  const list = freeLists.get(cls);
  let p = list?.pop();
  if (p === undefined) {
    p = top;
    top += cls * 8;
    const needed = Math.ceil(top / PAGE);
    const have = memory.buffer.byteLength / PAGE;
    if (needed > have) {
      if (needed > MAXIMUM_PAGES) {
        top -= cls * 8;
        p = splitLarger(cls);
        if (p === undefined) throw new RangeError(`allocF64(${n}): the 2 GiB kernel heap is exhausted`);
      } else {
        memory.grow(Math.max(needed - have, Math.min(have, MAXIMUM_PAGES - have)));
        heapBuffers.add(memory.buffer);
      }
    }
  }
  const view = new Float64Array(memory.buffer, p, n);
  view.fill(0);
  return view;
}

/**
 * When the heap is full: a free block of the smallest larger class, split in halves down to class
 * cls (the first piece returned, the other halves onto their free lists), or undefined when there
 * is none. Free lists never merge, so without this a run that frees float64 buffers and then
 * allocates float32 ones of half the size (another class) can exhaust the heap with most of it free.
 */
function splitLarger(cls: number): number | undefined {
  let big = 0;
  for (const [c, list] of freeLists) if (c > cls && list.length > 0 && (big === 0 || c < big)) big = c;
  if (big === 0) return undefined;
  const p = freeLists.get(big)!.pop()!;
  for (let half = big / 2; half >= cls; half /= 2) {
    let list = freeLists.get(half);
    if (!list) freeLists.set(half, (list = []));
    list.push(p + half * 8);
  }
  return p;
}

/** Return a buffer from `allocF64` (or `allocF32`, `allocReal`) to the heap. */
export function freeF64(a: Real): void {
  if (!inWasm(a)) return;
  const cls = sizeClass(Math.max(Math.ceil((a.length * a.BYTES_PER_ELEMENT) / 8), 1));
  let list = freeLists.get(cls);
  if (!list) freeLists.set(cls, (list = []));
  list.push(a.byteOffset);
}

/**
 * A zero-filled Float32Array of length n in the kernels' memory (16-byte aligned, from the same
 * free lists as allocF64: a float32 buffer takes ceil(n / 2) doubles). Return it with `freeF64`.
 */
export function allocF32(n: number): Float32Array {
  const d = allocF64(Math.ceil(n / 2));
  return new Float32Array(d.buffer, d.byteOffset, n);
}

/** A zero vector of n entries in the kernels' memory in the given precision (allocF64 or allocF32). */
export function allocReal(precision: Precision, n: number): Real {
  return precision === 'float32' ? allocF32(n) : allocF64(n);
}

let scratch: Float64Array | undefined;
/** A scratch buffer of at least n doubles in the kernels' memory (reused between calls). */
export function scratchF64(n: number): Float64Array {
  if (!scratch || scratch.length < n) {
    if (scratch) freeF64(scratch);
    scratch = allocF64(sizeClass(n));
  }
  return scratch;
}

/** Int32 and Float64 views of a control block of ABI.control.doubles doubles in the heap. */
export function controlBlock(): { block: Float64Array; I: Int32Array; F: Float64Array } {
  const block = allocF64(ABI.control.doubles);
  return { block, I: new Int32Array(block.buffer, block.byteOffset, 2 * ABI.control.doubles), F: block };
}

/** The byte pointer of a control block's Int32 slot (the Gram-Schmidt progress counter the kernels wait on). */
export function slotPointer(I: Int32Array, slot: number): number {
  return I.byteOffset + 4 * slot;
}

/** An argument of a job: a number, a heap array (its pointer), a heap array at an offset, or null (pointer 0). */
export type JobArg = number | boolean | Real | readonly [Real, number] | null;

/**
 * A job's arguments as a Float64Array in the table's order (pointers resolved), from values given
 * by name. The same array can be changed in place by name (`setArg`) between calls.
 */
export function jobArgs(job: Job, values: Readonly<Record<string, JobArg>>): Float64Array {
  const out = new Float64Array(job.args.length);
  job.args.forEach((name, i) => {
    const v = values[name];
    if (v === undefined) throw new Error(`jobArgs(${job.fn}): no value for ${name}`);
    out[i] = argValue(v);
  });
  return out;
}

function argValue(v: JobArg): number {
  if (v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Float64Array || v instanceof Float32Array) return v.length > 0 ? ptr(v) : 0;
  return ptr(v[0], v[1]);
}

const slots = new Map<Job, Map<string, number>>();
/** The position of argument `name` of a job (looked up once per job). */
export function argSlot(job: Job, name: string): number {
  let m = slots.get(job);
  if (!m) slots.set(job, (m = new Map((job.args as readonly string[]).map((a, i) => [a, i]))));
  const i = m.get(name);
  if (i === undefined) throw new Error(`job ${job.fn} has no argument ${name}`);
  return i;
}

/** Change one argument of a jobArgs array in place. */
export function setArg(job: Job, args: Float64Array, name: string, v: JobArg): void {
  args[argSlot(job, name)] = argValue(v);
}

const calls = new Map<Job, { fn: (...a: number[]) => void; buf: number[] }>();
/** Run a job's kernel on this thread with its arguments (and the GEMM scratch `work`). */
export function runJob(job: Job, args: Float64Array, work: number): void {
  let c = calls.get(job);
  if (!c) {
    const fn = (exports as Record<string, unknown>)[job.fn] as (...a: number[]) => void;
    calls.set(job, (c = { fn, buf: new Array<number>(job.args.length + 1).fill(0) }));
  }
  const { fn, buf } = c;
  for (let i = 0; i < args.length; i++) buf[i] = args[i]!;
  buf[args.length] = work;
  fn.apply(null, buf);
}

/** Multiply-adds and shapes for which blas.ts (and the whole-run kernels) use the blocked GEMM. */
export function usesBlockedGemm(m: number, n: number, k: number): boolean {
  return m * n * k >= ABI.routes.blockedMinWork && m >= ABI.routes.blockedMinDim && n >= ABI.routes.blockedMinDim;
}

// ---------------------------------------------------------------------------------------------
// Typed fronts of the kernels used outside linalg (views and offsets in, pointers inside)
// ---------------------------------------------------------------------------------------------

/** Doubles of op(B) (k x n) packed for the blocked GEMM (kernels.ts packed_size). */
export function packedSize(k: number, n: number): number {
  return kernels.packed_size(k, n);
}

/** Pack op(B) (k x n; B at bOff with leading dimension ldb) into dst at dOff (kernels.ts pack_b). */
export function packB(transB: boolean, k: number, n: number, B: Float64Array, bOff: number, ldb: number, dst: Float64Array, dOff = 0): void {
  kernels.pack_b(transB ? 1 : 0, k, n, ptr(B, bOff), ldb, ptr(dst, dOff));
}

/** Floats of op(B) (k x n) packed for the float32 blocked GEMM (kernels.ts spacked_size). */
export function spackedSize(k: number, n: number): number {
  return kernels.spacked_size(k, n);
}

/** Pack float32 op(B) (k x n; B at bOff with leading dimension ldb) into dst at dOff (kernels.ts spack_b). */
export function spackB(transB: boolean, k: number, n: number, B: Float32Array, bOff: number, ldb: number, dst: Float32Array, dOff = 0): void {
  kernels.spack_b(transB ? 1 : 0, k, n, ptr(B, bOff), ldb, ptr(dst, dOff));
}

/**
 * The built-in activations on float32 heap arrays (kernels.ts sactivate, by code: 0 identity,
 * 1 tanh, 2 sigmoid, 3 ReLU): y = f(a) over len entries, in float64 and rounded once.
 */
export function sactivate(code: number, len: number, a: Float32Array, aOff: number, y: Float32Array, yOff: number): void {
  kernels.sactivate(code, len, ptr(a, aOff), ptr(y, yOff));
}

/** db (n) += the rows of dA (steps x B rows of n, float32) in the order of the backward steps (kernels.ts srnn_bias). */
export function srnnBias(n: number, B: number, steps: number, dA: Float32Array, db: Float32Array, dbOff: number): void {
  kernels.srnn_bias(n, B, steps, ptr(dA), ptr(db, dbOff));
}

/**
 * acc (len, at accOff) += the rows of A (rows x len at aOff, leading dimension lda), float32 heap
 * arrays, row 0 first, each addition rounded to float32 (kernels.ts sadd_rows): the order of a plain
 * loop over the rows, so its bits.
 */
export function saddRows(len: number, rows: number, A: Float32Array, aOff: number, lda: number, acc: Float32Array, accOff: number): void {
  kernels.sadd_rows(len, rows, ptr(A, aOff), lda, ptr(acc, accOff));
}

/** T (n x k, ldt) = B^T for B (k x n, ldb), heap arrays. */
export function transposeInto(k: number, n: number, B: Float64Array, bOff: number, ldb: number, T: Float64Array, tOff: number, ldt: number): void {
  kernels.transpose(k, n, ptr(B, bOff), ldb, ptr(T, tOff), ldt);
}
