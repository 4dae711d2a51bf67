/**
 * The WebAssembly SIMD kernels (src/linalg/assembly/kernels.ts, compiled to kernels.wasm by
 * `npm run build:wasm`) and the float64 heap they work on.
 *
 * Buffers that hot loops pass to the kernels live in the module's linear memory: allocate them
 * with `allocF64` (a Float64Array view, 16-byte aligned) and return them with `freeF64`. The memory
 * is shared (a SharedArrayBuffer), so growing it never detaches views handed out earlier. The
 * BLAS front (blas.ts) runs a kernel in WebAssembly when all its operands live here and in plain
 * JavaScript otherwise, so correctness never depends on where a buffer was allocated.
 */
import { readFileSync } from 'node:fs';

interface Kernels {
  gemm_xn(transA: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  gemm_nt(m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number): void;
  gemv_t(m: number, n: number, alpha: number, A: number, lda: number, x: number, beta: number, y: number): void;
  gemv_n(m: number, n: number, alpha: number, A: number, lda: number, x: number, beta: number, y: number): void;
  transpose(k: number, n: number, B: number, ldb: number, T: number, ldt: number): void;
  mgs(V: number, k: number, n: number, r: number): void;
  lstm_forward(n: number, G: number, B: number, r0: number, r1: number, T: number, oi: number, oF: number, og: number, oo: number, squash: number, gates: number, Wp: number, Wh: number, h: number, c: number, hc: number, pi: number, pf: number, po: number, m: number, x: number, WxT: number, b: number, work: number): void;
  lstm_backward(args: number, work: number): void;
  scale_cols(rows: number, n: number, Z: number, d: number): void;
  mgs_share(V: number, k: number, n: number, r: number, parity: number, progress: number): void;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number, work: number): void;
  gemmWork(): number;
  packed_size(k: number, n: number): number;
  pack_b(transB: number, k: number, n: number, B: number, ldb: number, dst: number): void;
  gemm_packed(transA: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, Bp: number, beta: number, C: number, ldc: number, work: number): void;
  tanh_kernel(len: number, a: number, y: number): void;
  rnn_forward(act: number, n: number, m: number, B: number, r0: number, r1: number, T: number, W: number, U: number, b: number, x: number, h: number, a: number, aStride: number, Wp: number, work: number): void;
  rnn_backward(act: number, n: number, B: number, r0: number, r1: number, tHi: number, tLo: number, tBase: number, W: number, h: number, delta: number, dA: number, norms: number, Wp: number, work: number): void;
}

const PAGE = 65536;
const INITIAL_PAGES = 64;
const MAXIMUM_PAGES = 32768; // 2 GiB: the module is compiled with this maximum

const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
const module = new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
/** The kernels' shared linear memory and compiled module, for instantiating them again in a worker thread (parallel.ts). */
export { memory as kernelMemory, module as kernelModule };

/** The exported kernels; pointers are byte offsets into `memory`. */
export const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as Kernels;

const heapBuffers = new WeakSet<ArrayBufferLike>([memory.buffer]);

/** True when `a` is a view into the kernels' memory (so its byteOffset is a valid pointer). */
export function inWasm(a: Float64Array): boolean {
  return heapBuffers.has(a.buffer);
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
  let ptr = list?.pop();
  if (ptr === undefined) {
    ptr = top;
    top += cls * 8;
    const needed = Math.ceil(top / PAGE);
    const have = memory.buffer.byteLength / PAGE;
    if (needed > have) {
      if (needed > MAXIMUM_PAGES) throw new RangeError(`allocF64(${n}): the 2 GiB kernel heap is exhausted`);
      memory.grow(Math.max(needed - have, Math.min(have, MAXIMUM_PAGES - have)));
      heapBuffers.add(memory.buffer);
    }
  }
  const view = new Float64Array(memory.buffer, ptr, n);
  view.fill(0);
  return view;
}

/** Return a buffer from `allocF64` to the heap. */
export function freeF64(a: Float64Array): void {
  if (!inWasm(a)) return;
  const cls = sizeClass(Math.max(a.length, 1));
  let list = freeLists.get(cls);
  if (!list) freeLists.set(cls, (list = []));
  list.push(a.byteOffset);
}

/** Bytes of the kernel heap in use (high-water mark), for the memory benchmarks. */
export function heapBytes(): number {
  return top;
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
