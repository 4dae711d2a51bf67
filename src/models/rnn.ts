/**
 * The vanilla (Elman) recurrent network
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = f(a_t),    t = 1..T,
 *
 * with hidden size n, input size m, batch B: forward pass on a preallocated tape, full
 * backpropagation through time (Werbos 1990; Rumelhart, Hinton and Williams 1986) and the per-step
 * Jacobian J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W, all in this one file.
 *
 * Layout (row-major Float64Array):
 * - W: n x n, U: n x m, b: n.
 * - inputs x: T x B x m, x_t (t = 1..T) at offset (t-1) B m.
 * - tape.h: (T+1) x B x n, h_t at offset t B n (h_0 first).
 * - tape.a: T x B x n, a_t at offset (t-1) B n; kept only when f' is not a function of the output
 *   (expression activations), since sigmoid, tanh, relu and identity have f'(a) = g(f(a)).
 *
 * What the forward pass keeps for the backward pass (tfjs-core habit): all h_t, and a_t only when
 * `activation.dfFromOutput` is undefined.
 *
 * Batches of SHARE_MIN_B rows or more with a built-in activation run in two shares of rows, each a
 * whole-run WebAssembly kernel (kernels.ts `rnn_forward`, `rnn_backward`; rows never interact
 * except in the weight gradients), on two threads when the work is large enough; the result does
 * not depend on the thread count. Other cases run the TypeScript loop below.
 *
 * The hot loops are the kernels `preactivationKernel`, `activationKernel`, `derivativeKernel`,
 * `readoutLossKernel`, `backwardStepKernel` and `weightGradientKernel`: plain loops (or calls to the BLAS kernels) on
 * Float64Array with offsets, no allocation, no validation. `forward` and `backward` only sequence
 * them over t.
 */
import type { Activation } from '../activations/index.ts';
import { dgemm, dnrm2 } from '../linalg/blas.ts';
import { allocF64, freeF64, inWasm, kernels } from '../linalg/wasm.ts';
import { JOB_RNN_BACKWARD, JOB_RNN_FORWARD, twoShares } from '../linalg/parallel.ts';

export interface Rnn {
  /** Hidden size. */
  readonly n: number;
  /** Input size. */
  readonly m: number;
  /** Recurrent weights, n x n. */
  readonly W: Float64Array;
  /** Input weights, n x m. */
  readonly U: Float64Array;
  /** Bias, n. */
  readonly b: Float64Array;
  readonly activation: Activation;
}

/**
 * A checked RNN (the public edge): shapes and finiteness of W, U, b.
 *
 * @example createRnn({ n: 2, m: 1, W: new Float64Array(4), U: new Float64Array(2), b: new Float64Array(2), activation: TANH })
 * @throws Error naming the field whose shape or values are wrong.
 */
export function createRnn(p: {
  n: number;
  m: number;
  W: Float64Array;
  U: Float64Array;
  b: Float64Array;
  activation: Activation;
}): Rnn {
  const { n, m } = p;
  if (!Number.isInteger(n) || n < 1) throw new Error(`rnn: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`rnn: input size m must be a non-negative integer, got ${m}`);
  checkArray('W', p.W, n * n, `${n} x ${n}`);
  checkArray('U', p.U, n * m, `${n} x ${m}`);
  checkArray('b', p.b, n, `${n}`);
  // copies in the kernel heap, so every product in forward and backward runs the SIMD kernels
  return { n, m, W: heapCopy(p.W), U: heapCopy(p.U), b: heapCopy(p.b), activation: p.activation };
}

/**
 * Return a model's, tape's or gradients' buffers to the kernel heap (optional: long sweeps that
 * build many models call these so the heap does not grow). The object must not be used afterwards.
 */
export function freeRnn(rnn: Rnn): void {
  for (const v of [rnn.W, rnn.U, rnn.b]) freeF64(v);
}
export function freeTape(tape: RnnTape): void {
  for (const v of [tape.h, tape.a, tape.aStep]) if (v) freeF64(v);
}
export function freeGradients(g: RnnGradients): void {
  for (const v of [g.W, g.U, g.b, g.h0, g.V, g.c, g.hNorms, g.work.delta, g.work.d, g.work.y, g.work.dy, g.work.dA, g.work.norms]) if (v) freeF64(v);
}

function heapCopy(v: Float64Array): Float64Array {
  const out = allocF64(v.length);
  out.set(v);
  return out;
}

function checkArray(field: string, v: Float64Array, len: number, shape: string): void {
  if (v.length !== len) throw new Error(`rnn: ${field} must have ${len} entries (${shape}), got ${v.length}`);
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(v[i]!)) throw new Error(`rnn: ${field}[${i}] is ${v[i]}; expected finite numbers`);
  }
}

/** True when the backward pass needs the pre-activations a_t (f' not a function of f). */
export function needsPreactivations(f: Activation): boolean {
  return f.dfFromOutput === undefined;
}

/** The forward tape: states (and pre-activations when needed), sized once for B and T. */
export interface RnnTape {
  readonly B: number;
  readonly T: number;
  /** h_0..h_T, (T+1) x B x n. */
  readonly h: Float64Array;
  /** a_1..a_T, T x B x n, or null when f' is computed from h_t. */
  readonly a: Float64Array | null;
  /** Scratch for one step's pre-activation when `a` is not kept (B x n). */
  readonly aStep: Float64Array;
}

/** Allocate a tape for batch B and length T (once per run). */
export function createTape(rnn: Rnn, B: number, T: number): RnnTape {
  const bn = B * rnn.n;
  return {
    B,
    T,
    h: allocF64((T + 1) * bn),
    a: needsPreactivations(rnn.activation) ? allocF64(T * bn) : null,
    aStep: allocF64(bn),
  };
}

// ---------------------------------------------------------------------------------------------
// Kernels (hot loops). Trusted arguments; no allocation.
// ---------------------------------------------------------------------------------------------

/**
 * a = h W^T + x U^T + 1 b^T for a batch of B rows: a_i = W h_i + U x_i + b (B x n).
 * h: B x n at hOff, x: B x m at xOff, a: B x n at aOff.
 */
export function preactivationKernel(
  n: number,
  m: number,
  B: number,
  W: Float64Array,
  U: Float64Array,
  b: Float64Array,
  h: Float64Array,
  hOff: number,
  x: Float64Array,
  xOff: number,
  a: Float64Array,
  aOff: number,
): void {
  for (let r = 0; r < B; r++) {
    const ar = aOff + r * n;
    for (let i = 0; i < n; i++) a[ar + i] = b[i]!;
  }
  // W's rows are contiguous, so a_i = sum_j W_ij h_j reads memory in order (dgemm transB path)
  dgemm(false, true, B, n, n, 1, h, hOff, n, W, 0, n, 1, a, aOff, n);
  if (m > 0) dgemm(false, true, B, n, m, 1, x, xOff, m, U, 0, m, 1, a, aOff, n);
}

/** y = f(a) elementwise over len entries; built-ins are inlined so the loop has no call. */
export function activationKernel(f: Activation, len: number, a: Float64Array, aOff: number, y: Float64Array, yOff: number): void {
  switch (f.kind) {
    case 'tanh':
      // the SIMD kernel (within a few ulp of Math.tanh, a third of its cost) for heap buffers
      if (len >= 8 && inWasm(a) && inWasm(y)) kernels.tanh_kernel(len, a.byteOffset + 8 * aOff, y.byteOffset + 8 * yOff);
      else for (let i = 0; i < len; i++) y[yOff + i] = Math.tanh(a[aOff + i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < len; i++) {
        const v = a[aOff + i]!;
        // two branches so exp never overflows
        if (v >= 0) y[yOff + i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          y[yOff + i] = e / (1 + e);
        }
      }
      return;
    case 'relu':
      for (let i = 0; i < len; i++) {
        const v = a[aOff + i]!;
        y[yOff + i] = v > 0 ? v : 0;
      }
      return;
    case 'identity':
      for (let i = 0; i < len; i++) y[yOff + i] = a[aOff + i]!;
      return;
    default:
      for (let i = 0; i < len; i++) y[yOff + i] = f.f(a[aOff + i]!);
  }
}

/**
 * d = f'(a) elementwise over len entries: from the outputs y = f(a) when f' is a function of
 * f (built-ins), otherwise from the pre-activations a.
 */
export function derivativeKernel(
  f: Activation,
  len: number,
  y: Float64Array,
  yOff: number,
  a: Float64Array | null,
  aOff: number,
  d: Float64Array,
  dOff: number,
): void {
  switch (f.kind) {
    case 'tanh':
      for (let i = 0; i < len; i++) {
        const v = y[yOff + i]!;
        d[dOff + i] = 1 - v * v;
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < len; i++) {
        const v = y[yOff + i]!;
        d[dOff + i] = v * (1 - v);
      }
      return;
    case 'relu':
      for (let i = 0; i < len; i++) d[dOff + i] = y[yOff + i]! > 0 ? 1 : 0;
      return;
    case 'identity':
      for (let i = 0; i < len; i++) d[dOff + i] = 1;
      return;
    default:
      if (f.dfFromOutput) {
        const g = f.dfFromOutput;
        for (let i = 0; i < len; i++) d[dOff + i] = g(y[yOff + i]!);
      } else {
        for (let i = 0; i < len; i++) d[dOff + i] = f.df(a![aOff + i]!);
      }
  }
}

/**
 * One step's loss over a batch and its gradient, accumulated into the running dL/dh (B x n).
 *
 * Output y = V h + c when a readout (V: p x n, c: p) is given, else y = h (p = n).
 * - 'squared-error': l = scale * sum_i 1/2 ||y_i - target_i||^2, dl/dy = scale (y - target).
 * - 'cross-entropy': l = -scale * sum_i log softmax(y_i)[label_i], dl/dy = scale (softmax(y) - e_label).
 * dl/dh = (dl/dy) V (or dl/dy itself), added to dh; dl/dV += (dl/dy)^T h, dl/dc += sum_i dl/dy
 * when gradient buffers for the readout are given. y and dy are B x p scratch.
 * Returns l.
 */
export function readoutLossKernel(
  kind: LossKind,
  B: number,
  n: number,
  p: number,
  h: Float64Array,
  hOff: number,
  V: Float64Array | null,
  c: Float64Array | null,
  targets: Float64Array | null,
  tOff: number,
  labels: Int32Array | null,
  lOff: number,
  scale: number,
  y: Float64Array,
  dy: Float64Array,
  dh: Float64Array | null,
  dV: Float64Array | null,
  dc: Float64Array | null,
): number {
  if (V) {
    for (let r = 0; r < B; r++) for (let k = 0; k < p; k++) y[r * p + k] = c![k]!;
    dgemm(false, true, B, p, n, 1, h, hOff, n, V, 0, n, 1, y, 0, p);
  } else {
    for (let i = 0; i < B * n; i++) y[i] = h[hOff + i]!;
  }
  let loss = 0;
  if (kind === 'squared-error') {
    for (let i = 0; i < B * p; i++) {
      const e = y[i]! - targets![tOff + i]!;
      loss += 0.5 * e * e;
      dy[i] = scale * e;
    }
    loss *= scale;
  } else {
    for (let r = 0; r < B; r++) {
      const o = r * p;
      // log-sum-exp shifted by the maximum so exp never overflows
      let mx = -Infinity;
      for (let k = 0; k < p; k++) mx = Math.max(mx, y[o + k]!);
      let s = 0;
      for (let k = 0; k < p; k++) s += Math.exp(y[o + k]! - mx);
      const lse = mx + Math.log(s);
      const label = labels![lOff + r]!;
      loss -= y[o + label]! - lse;
      for (let k = 0; k < p; k++) dy[o + k] = scale * Math.exp(y[o + k]! - lse);
      dy[o + label]! -= scale;
    }
    loss *= scale;
  }
  if (dh) {
    if (V) dgemm(false, false, B, n, p, 1, dy, 0, p, V, 0, n, 1, dh, 0, n);
    else for (let i = 0; i < B * n; i++) dh[i]! += dy[i]!;
  }
  if (dV) dgemm(true, false, p, n, B, 1, dy, 0, p, h, hOff, n, 1, dV, 0, n);
  if (dc) for (let r = 0; r < B; r++) for (let k = 0; k < p; k++) dc[k]! += dy[r * p + k]!;
  return loss;
}

/**
 * One step of BPTT for the hidden state. Given delta = dL/dh_t (B x n) and d = f'(a_t) (B x n):
 *   da = delta * d  (kept in `da` at daOff for the deferred weight gradient, see weightGradientKernel),
 *   db += sum_i da_i,
 *   delta <- da W = dL/dh_{t-1} (before the loss terms at t-1 are added).
 */
export function backwardStepKernel(
  n: number,
  B: number,
  W: Float64Array,
  delta: Float64Array,
  d: Float64Array,
  da: Float64Array,
  daOff: number,
  db: Float64Array,
): void {
  const bn = B * n;
  for (let i = 0; i < bn; i++) da[daOff + i] = delta[i]! * d[i]!;
  for (let r = 0; r < B; r++) {
    const o = daOff + r * n;
    for (let i = 0; i < n; i++) db[i]! += da[o + i]!;
  }
  dgemm(false, false, B, n, n, 1, da, daOff, n, W, 0, n, 0, delta, 0, n);
}

/**
 * The weight gradients of a run of s consecutive steps t0..t0+s-1, as one product each:
 *   dW += sum_t da_t^T h_{t-1} = dA^T H,   dU += dA^T X,
 * where dA (sB x n) stacks da_t and H, X are the matching rows h_{t-1}, x_t, contiguous on the
 * tape. One large product instead of a rank-B update per step: dW is read and written once per
 * run, not once per step, and the product runs the blocked (and threaded) GEMM, as PyTorch's
 * RNN backward does.
 */
export function weightGradientKernel(
  n: number,
  m: number,
  rows: number,
  dA: Float64Array,
  h: Float64Array,
  hOff: number,
  x: Float64Array,
  xOff: number,
  dW: Float64Array,
  dU: Float64Array,
): void {
  dgemm(true, false, n, n, rows, 1, dA, 0, n, h, hOff, n, 1, dW, 0, n);
  if (m > 0) dgemm(true, false, n, m, rows, 1, dA, 0, n, x, xOff, m, 1, dU, 0, m);
}

// ---------------------------------------------------------------------------------------------
// Forward
// ---------------------------------------------------------------------------------------------

/** Batches of at least this many rows run as two shares of rows (kernels.ts rnn_forward, rnn_backward). */
const SHARE_MIN_B = 8;
/** Multiply-adds of a share job below which both shares stay on this thread (a hand-off costs ~1 us). */
const SHARE_PARALLEL_MIN_WORK = 1 << 17;
const SHARE_ACTIVATIONS: Partial<Record<Activation['kind'], number>> = { identity: 0, tanh: 1, sigmoid: 2, relu: 3 };

let packBuffer: Float64Array | undefined;
/**
 * W packed once per pass for the share kernels' GEMM (kernels.ts pack_b): as op(B) = W^T for the
 * forward product h W^T, as W for the backward product da W. Packed at every call, since training
 * updates W in place. Returns its byte pointer.
 */
function packedW(W: Float64Array, n: number, transposed: boolean): number {
  const size = kernels.packed_size(n, n);
  if (!packBuffer || packBuffer.length < size) {
    if (packBuffer) freeF64(packBuffer);
    packBuffer = allocF64(size);
  }
  kernels.pack_b(transposed ? 1 : 0, n, n, W.byteOffset, n, packBuffer.byteOffset);
  return packBuffer.byteOffset;
}

/** The kernels' activation code when this batch runs in two shares, otherwise -1. */
function shareActivation(rnn: Rnn, tape: RnnTape, x: Float64Array): number {
  const code = SHARE_ACTIVATIONS[rnn.activation.kind];
  if (code === undefined || tape.B < SHARE_MIN_B) return -1;
  if (!inWasm(rnn.W) || !inWasm(rnn.b) || !inWasm(tape.h) || !inWasm(tape.aStep) || (tape.a && !inWasm(tape.a))) return -1;
  if (rnn.m > 0 && (!inWasm(rnn.U) || !inWasm(x))) return -1;
  return code;
}

/**
 * Run the network over T steps from h0 (B x n) on inputs x (T x B x m), filling the tape.
 * No allocation inside the time loop.
 */
export function forward(rnn: Rnn, x: Float64Array, h0: Float64Array, tape: RnnTape): RnnTape {
  const { n, m, W, U, b, activation } = rnn;
  const { B, T, h, a, aStep } = tape;
  const bn = B * n;
  for (let i = 0; i < bn; i++) h[i] = h0[i]!;
  const code = shareActivation(rnn, tape, x);
  if (code >= 0) {
    const aBuf = a ?? aStep;
    const tail = [T, W.byteOffset, U.byteOffset, b.byteOffset, m > 0 ? x.byteOffset : 0, h.byteOffset, aBuf.byteOffset, a ? bn : 0, packedW(W, n, true)];
    const half = B >> 1;
    twoShares(JOB_RNN_FORWARD, [code, n, m, B, 0, half, ...tail], [code, n, m, B, half, B, ...tail], T * B * n * (n + m) >= SHARE_PARALLEL_MIN_WORK);
    return tape;
  }
  for (let t = 1; t <= T; t++) {
    const aBuf = a ?? aStep;
    const aOff = a ? (t - 1) * bn : 0;
    preactivationKernel(n, m, B, W, U, b, h, (t - 1) * bn, x, (t - 1) * B * m, aBuf, aOff);
    activationKernel(activation, bn, aBuf, aOff, h, t * bn);
  }
  return tape;
}

// ---------------------------------------------------------------------------------------------
// Losses and backward
// ---------------------------------------------------------------------------------------------

export type LossKind = 'squared-error' | 'cross-entropy';

/** Linear readout y = V h + c, V: p x n, c: p. */
export interface Readout {
  readonly p: number;
  readonly V: Float64Array;
  readonly c: Float64Array;
}

/**
 * A loss on the states, averaged over the batch and summed over the steps it covers:
 *
 *     L = (1/B) sum_i sum_{t in S} l(y_t^i, target_t^i),   y_t = V h_t + c  (or y_t = h_t),
 *
 * with S = {T} ('last') or {1..T} ('all');
 * l = 1/2 ||y - target||^2 ('squared-error') or -log softmax(y)[label] ('cross-entropy': softmax
 * over the readout outputs when a readout is given, otherwise over the hidden units h themselves).
 */
export interface RnnLoss {
  readonly kind: LossKind;
  readonly steps: 'last' | 'all';
  /** squared-error: |S| x B x p targets (p = n without a readout). */
  readonly targets?: Float64Array;
  /** cross-entropy: |S| x B class labels in [0, p). */
  readonly labels?: Int32Array;
  readonly readout?: Readout;
}

/** Gradients of L, and the per-step norms ||dL/dh_t|| for gradient flow. */
export interface RnnGradients {
  readonly W: Float64Array;
  readonly U: Float64Array;
  readonly b: Float64Array;
  /** dL/dh_0, B x n. */
  readonly h0: Float64Array;
  /** dL/dV and dL/dc when the loss has a readout. */
  readonly V: Float64Array | null;
  readonly c: Float64Array | null;
  /**
   * hNorms[t] = ||dL/dh_t||_F over the whole batch (the B x n block), t = 0..T: the total
   * derivative, through all later steps.
   */
  readonly hNorms: Float64Array;
  /**
   * Backward scratch (B x n, B x n, B x p, B x p), sized once, and dA: da_t for a run of
   * consecutive steps (a whole number of B x n blocks), whose weight gradient is one product;
   * norms: per step and share, (scale, ssq) with ||dL/dh_t||^2 over the share = scale^2 ssq.
   */
  readonly work: { delta: Float64Array; d: Float64Array; y: Float64Array; dy: Float64Array; dA: Float64Array; norms: Float64Array };
}

/**
 * Rows (steps x batch) of da_t kept before their weight gradient is formed as one product: enough
 * for the blocked GEMM to run near its peak, small enough (<= 4 MiB at n = 512) to stay in cache.
 */
const DEFERRED_ROWS = 1024;

/** Allocate gradient buffers and backward scratch for batch B, length T and readout size p (once per run). */
export function createGradients(rnn: Rnn, B: number, T: number, readout?: Readout): RnnGradients {
  const { n, m } = rnn;
  const p = readout ? readout.p : n;
  return {
    W: allocF64(n * n),
    U: allocF64(n * m),
    b: allocF64(n),
    h0: allocF64(B * n),
    V: readout ? allocF64(p * n) : null,
    c: readout ? allocF64(p) : null,
    hNorms: allocF64(T + 1),
    work: {
      delta: allocF64(B * n),
      d: allocF64(B * n),
      y: allocF64(B * p),
      dy: allocF64(B * p),
      dA: allocF64(Math.max(1, Math.min(T, Math.ceil(DEFERRED_ROWS / B))) * B * n),
      norms: allocF64(4 * (T + 1)),
    },
  };
}

function lossOffsets(loss: RnnLoss, t: number, T: number, B: number, p: number): { tOff: number; lOff: number } | null {
  if (loss.steps === 'last') return t === T ? { tOff: 0, lOff: 0 } : null;
  return { tOff: (t - 1) * B * p, lOff: (t - 1) * B };
}

/** The loss L of a filled tape (no gradients), e.g. for finite differences. */
export function lossValue(rnn: Rnn, tape: RnnTape, loss: RnnLoss, work?: RnnGradients['work']): number {
  const { n } = rnn;
  const { B, T, h } = tape;
  const ro = loss.readout;
  const p = ro ? ro.p : n;
  const y = work ? work.y : new Float64Array(B * p);
  const dy = work ? work.dy : new Float64Array(B * p);
  let L = 0;
  for (let t = 1; t <= T; t++) {
    const off = lossOffsets(loss, t, T, B, p);
    if (!off) continue;
    L += readoutLossKernel(loss.kind, B, n, p, h, t * B * n, ro?.V ?? null, ro?.c ?? null, loss.targets ?? null, off.tOff,
      loss.labels ?? null, off.lOff, 1 / B, y, dy, null, null, null);
  }
  return L;
}

/**
 * Backpropagation through time over a filled tape: overwrites `grads` with dL/dW, dL/dU, dL/db,
 * dL/dh0 (and dL/dV, dL/dc), fills grads.hNorms, and returns L.
 *
 *     dL/dh_t = dl_t/dh_t + J_{t+1}^T dL/dh_{t+1},   J_{t+1} = diag(f'(a_{t+1})) W,
 *     dL/dW = sum_t diag(f'(a_t)) dL/dh_t h_{t-1}^T  (summed over the batch), likewise U, b.
 */
export function backward(rnn: Rnn, tape: RnnTape, x: Float64Array, loss: RnnLoss, grads: RnnGradients): number {
  const { n, m, W, activation } = rnn;
  const { B, T, h, a } = tape;
  const ro = loss.readout;
  const p = ro ? ro.p : n;
  const bn = B * n;
  const { delta, d, y, dy, dA } = grads.work;
  grads.W.fill(0);
  grads.U.fill(0);
  grads.b.fill(0);
  grads.V?.fill(0);
  grads.c?.fill(0);
  delta.fill(0);
  const run = Math.floor(dA.length / bn); // steps per deferred weight-gradient product
  let L = 0;
  let tHi = T; // the current run covers steps tLo..tHi; da_t sits at row block t - tLo of dA
  const code = shareActivation(rnn, tape, x);
  if (code >= 0) {
    const { norms } = grads.work;
    const half = B >> 1;
    const np = norms.byteOffset;
    const sp = np + 16 * (T + 1); // the second share's (scale, ssq) pairs
    const Wp = packedW(W, n, false);
    // job arguments, filled in per chunk at slots 5..7 (t, tEnd, tLo): no allocation in the loop
    const first = [code, n, B, 0, half, 0, 0, 0, W.byteOffset, h.byteOffset, delta.byteOffset, dA.byteOffset, np, Wp];
    const second = [code, n, B, half, B, 0, 0, 0, W.byteOffset, h.byteOffset, delta.byteOffset, dA.byteOffset, sp, Wp];
    for (let t = T; t >= 1; ) {
      const off = lossOffsets(loss, t, T, B, p);
      if (off) {
        L += readoutLossKernel(loss.kind, B, n, p, h, t * bn, ro?.V ?? null, ro?.c ?? null, loss.targets ?? null, off.tOff,
          loss.labels ?? null, off.lOff, 1 / B, y, dy, delta, grads.V, grads.c);
      }
      const tLo = Math.max(1, tHi - run + 1);
      // steps t down to tEnd in one job: no loss term in between
      const tEnd = loss.steps === 'all' ? t : tLo;
      first[5] = second[5] = t;
      first[6] = second[6] = tEnd;
      first[7] = second[7] = tLo;
      twoShares(JOB_RNN_BACKWARD, first, second, (t - tEnd + 1) * B * n * n >= SHARE_PARALLEL_MIN_WORK);
      for (let s = tEnd; s <= t; s++) {
        const o = 2 * s;
        grads.hNorms[s] = Math.hypot(norms[o]! * Math.sqrt(norms[o + 1]!), norms[2 * (T + 1) + o]! * Math.sqrt(norms[2 * (T + 1) + o + 1]!));
      }
      if (tEnd === tLo) {
        const rows = (tHi - tLo + 1) * B;
        weightGradientKernel(n, m, rows, dA, h, (tLo - 1) * bn, x, (tLo - 1) * B * m, grads.W, grads.U);
        for (let r = 0; r < rows; r++) {
          const o = r * n;
          for (let i = 0; i < n; i++) grads.b[i]! += dA[o + i]!;
        }
        tHi = tLo - 1;
      }
      t = tEnd - 1;
    }
    grads.hNorms[0] = dnrm2(bn, delta);
    grads.h0.set(delta);
    return L;
  }
  for (let t = T; t >= 1; t--) {
    const off = lossOffsets(loss, t, T, B, p);
    if (off) {
      L += readoutLossKernel(loss.kind, B, n, p, h, t * bn, ro?.V ?? null, ro?.c ?? null, loss.targets ?? null, off.tOff,
        loss.labels ?? null, off.lOff, 1 / B, y, dy, delta, grads.V, grads.c);
    }
    grads.hNorms[t] = dnrm2(bn, delta);
    derivativeKernel(activation, bn, h, t * bn, a, (t - 1) * bn, d, 0);
    const tLo = Math.max(1, tHi - run + 1);
    backwardStepKernel(n, B, W, delta, d, dA, (t - tLo) * bn, grads.b);
    if (t === tLo) {
      weightGradientKernel(n, m, (tHi - tLo + 1) * B, dA, h, (tLo - 1) * bn, x, (tLo - 1) * B * m, grads.W, grads.U);
      tHi = tLo - 1;
    }
  }
  grads.hNorms[0] = dnrm2(bn, delta);
  grads.h0.set(delta);
  return L;
}

// ---------------------------------------------------------------------------------------------
// Jacobians
// ---------------------------------------------------------------------------------------------

/**
 * The diagonal factors of the per-step Jacobians of batch row `r`: D[t-1, :] = f'(a_t), so that
 * J_t = diag(D_t) W, for t = 1..T. `out` is T x n.
 */
export function jacobianFactors(rnn: Rnn, tape: RnnTape, r: number, out: Float64Array): Float64Array {
  const { n, activation } = rnn;
  const { B, T, h, a } = tape;
  for (let t = 1; t <= T; t++) {
    derivativeKernel(activation, n, h, t * B * n + r * n, a, (t - 1) * B * n + r * n, out, (t - 1) * n);
  }
  return out;
}

/** The dense Jacobian J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W of batch row r, into out (n x n). */
export function jacobian(rnn: Rnn, tape: RnnTape, t: number, r: number, out: Float64Array): Float64Array {
  const { n, W, activation } = rnn;
  const { B, h, a } = tape;
  const d = new Float64Array(n);
  derivativeKernel(activation, n, h, t * B * n + r * n, a, (t - 1) * B * n + r * n, d, 0);
  for (let i = 0; i < n; i++) {
    const di = d[i]!;
    for (let j = 0; j < n; j++) out[i * n + j] = di * W[i * n + j]!;
  }
  return out;
}
