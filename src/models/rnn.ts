/**
 * The vanilla (Elman) recurrent cell
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = f(a_t),
 *
 * with hidden size n and input size m: its step, the step's backward and its Jacobian
 * J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W, all in this one file (the time loops are bptt.ts's).
 *
 * Parameters: theta = [W (n x n), U (n x m), b (n)], row-major.
 * Records: the pre-activations a_t (T x B x n) only when f' is not a function of the output
 * (expression activations), since sigmoid, tanh, relu and identity have f'(a) = g(f(a)): the
 * backward pass takes f' from h_t (tfjs-core habit).
 *
 * Batches of ABI.routes.shareMinRows rows or more with a built-in activation run in two shares of rows,
 * each a whole-run WebAssembly kernel (kernels.ts `rnn_forward`, `rnn_backward`), on two threads
 * when the work is large enough; the result does not depend on the thread count. Other cases run
 * the TypeScript step below.
 *
 * Precision (`precision`, default 'float64'): a 'float32' cell keeps theta, the tape, the records
 * and (through bptt.ts) every gradient in Float32Arrays; W, U and b are given in float64 and
 * rounded to float32 once. Its TypeScript step multiplies in float32 (blas.ts sgemm) and takes the
 * built-in activations of heap arrays from the kernels' float32 activations (kernels.ts
 * `sactivate`: the float64 formula rounded once). With a built-in activation and every buffer on
 * the kernel heap, a float32 cell runs every batch size in whole-run kernels with f32x4 lanes
 * (kernels.ts `srnn_forward`, `srnn_backward`): one share below shareMinRows rows, two shares
 * above (the second on the worker thread). They repeat the TypeScript step operation for
 * operation (the same product kernels and summation order, the same rounding points, the bias
 * gradient summed in the same order), so both routes give the same bits, on any thread count.
 *
 * @example
 *   const rnn = createRnn({ n: 2, m: 1, W, U, b, activation: TANH });
 *   // then bptt.ts: createTape(rnn, B, T), forward(rnn, x, tape, { s0: { h: h0 } }), ...
 */
import type { Activation } from '../activations/index.ts';
import { dscaleColumns, dtanh, gemm } from '../linalg/blas.ts';
import type { Precision, Real } from '../linalg/precision.ts';
import { ABI, allocF64, allocReal, freeF64, inWasm, jobArgs, packB, packedSize, sactivate, setArg, srnnBias } from '../linalg/wasm.ts';
import { twoShares } from '../linalg/parallel.ts';
import { shareKernels32 } from './shares.ts';
import { blocksSize, checkBlock, views, zeroColumns, type KernelBackward, type ParameterBlock, type RecurrentCell, type StepAdjoint, type Tape, type WholeRunKernels } from './cell.ts';

/** What the RNN's steps keep: pre-activations (or one step's scratch) and f'(a_t) of a backward step. */
export interface RnnRecords<A extends Real = Float64Array> {
  /** a_1..a_T, T x B x n, or null when f' is computed from h_t. */
  readonly a: A | null;
  /** One step's pre-activation when `a` is not kept (B x n). */
  readonly aStep: A;
  /** f'(a_t) of the current backward step (B x n). */
  readonly d: A;
  /** W packed for the float64 share kernels, allocated at their first use. */
  packed: A | null;
  /** W (then U) packed for the float32 share kernels (shares.ts shareKernels32). */
  packed32?: Float32Array;
}

export interface RnnWork<A extends Real = Float64Array> {
  readonly d: A;
  readonly scratch: A;
}

export interface Rnn<A extends Real = Float64Array> extends RecurrentCell<RnnRecords<A>, RnnWork<A>, A> {
  readonly activation: Activation;
  /** Views into theta: W (n x n), U (n x m), b (n). */
  readonly W: A;
  readonly U: A;
  readonly b: A;
}

/** The parameters of createRnn. */
export interface RnnParameters {
  n: number;
  m: number;
  W: Float64Array;
  U: Float64Array;
  b: Float64Array;
  activation: Activation;
  /** Working precision (default 'float64'); float32 rounds W, U and b once. */
  precision?: Precision;
}

/**
 * Number of parameters of a vanilla RNN with n units, m inputs and a readout of size p:
 * n (n + m + 1) + p (n + 1).
 *
 * @example rnnParameterCount(10, 2) // 130
 */
export function rnnParameterCount(n: number, m: number, p = 0): number {
  return n * (n + m + 1) + p * (n + 1);
}

/**
 * The vanilla-RNN hidden size whose parameter count (with a readout of size p) is closest to
 * `count` (ties go to the smaller network), for comparisons at a matched number of parameters.
 * Solves n^2 + (m + 1 + p) n + p = count and rounds to the nearer of floor and ceil.
 *
 * @example matchedRnnHiddenSize(520, 2) // 21: 504 parameters (22 would have 550)
 */
export function matchedRnnHiddenSize(count: number, m: number, p = 0): number {
  const k = m + 1 + p;
  const root = (-k + Math.sqrt(k * k + 4 * (count - p))) / 2;
  const lo = Math.max(1, Math.floor(root));
  const hi = lo + 1;
  return Math.abs(rnnParameterCount(hi, m, p) - count) < Math.abs(rnnParameterCount(lo, m, p) - count) ? hi : lo;
}

/**
 * A checked RNN (the public edge): shapes and finiteness of W, U, b, copied into theta.
 *
 * @example createRnn({ n: 2, m: 1, W: new Float64Array(4), U: new Float64Array(2), b: new Float64Array(2), activation: TANH })
 * @throws Error naming the field whose shape or values are wrong.
 */
export function createRnn(p: RnnParameters & { precision?: 'float64' }): Rnn;
export function createRnn(p: RnnParameters & { precision: 'float32' }): Rnn<Float32Array>;
export function createRnn(p: RnnParameters): Rnn<Real>;
export function createRnn(p: RnnParameters): Rnn<Real> {
  const { n, m } = p;
  const precision = p.precision ?? 'float64';
  if (precision !== 'float64' && precision !== 'float32') throw new Error(`rnn: precision must be 'float64' or 'float32', got ${String(precision)}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`rnn: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`rnn: input size m must be a non-negative integer, got ${m}`);
  const blocks: ParameterBlock[] = [
    { name: 'W', rows: n, cols: n },
    { name: 'U', rows: n, cols: m },
    { name: 'b', rows: n, cols: 1 },
  ];
  blocks.forEach((blk, i) => checkBlock('rnn', blk, [p.W, p.U, p.b][i]!));
  // in the kernel heap, so every product in forward and backward runs the SIMD kernels
  const theta = allocReal(precision, blocksSize(blocks));
  const v = views({ blocks }, theta);
  v.W!.set(p.W);
  v.U!.set(p.U);
  v.b!.set(p.b);
  return rnnCell(n, m, p.activation, blocks, theta, v, precision);
}

/** True when the backward pass needs the pre-activations a_t (f' not a function of f). */
export function needsPreactivations(f: Activation): boolean {
  return f.dfFromOutput === undefined;
}

function rnnCell<A extends Real>(n: number, m: number, activation: Activation, blocks: ParameterBlock[], theta: A, v: Record<string, A>, precision: Precision): Rnn<A> {
  const W = v.W!;
  const U = v.U!;
  const b = v.b!;
  const bOff = n * n + n * m;
  const alloc = (len: number) => allocReal(precision, len) as A;
  const cell: Rnn<A> = {
    kind: 'rnn',
    n,
    m,
    state: ['h'],
    precision,
    theta,
    blocks,
    activation,
    W,
    U,
    b,
    gradWidth: n,
    deferredRows: DEFERRED_ROWS,
    keepsStateGradients: false,
    createRecords(B, T) {
      const bn = B * n;
      return { a: needsPreactivations(activation) ? alloc(T * bn) : null, aStep: alloc(bn), d: alloc(bn), packed: null };
    },
    freeRecords(rec) {
      for (const buf of [rec.a, rec.aStep, rec.d, rec.packed, rec.packed32]) if (buf) freeF64(buf);
    },
    createWork(k) {
      return { d: alloc(n), scratch: alloc(k * n) };
    },
    freeWork(w) {
      freeF64(w.d);
      freeF64(w.scratch);
    },
    beginForward() {},
    step(tape, t, x) {
      const { B, records } = tape;
      const bn = B * n;
      const aBuf = records.a ?? records.aStep;
      const aOff = records.a ? (t - 1) * bn : 0;
      preactivationKernel(n, m, B, W, U, b, tape.states.h, (t - 1) * bn, x, (t - 1) * B * m, aBuf, aOff);
      activationKernel(activation, bn, aBuf, aOff, tape.states.h, t * bn);
    },
    beginBackward() {},
    backwardStep(tape, t, adj: StepAdjoint<A>, dA, daOff, dtheta) {
      const { B, records } = tape;
      const bn = B * n;
      derivativeKernel(activation, bn, tape.states.h, t * bn, records.a, (t - 1) * bn, records.d, 0);
      backwardStepKernel(n, B, W, adj.ds.h, records.d, dA, daOff, dtheta, bOff);
    },
    weightGradients(tape, x, tLo, tHi, dA, dtheta) {
      const bn = tape.B * n;
      weightGradientKernel(n, m, (tHi - tLo + 1) * tape.B, dA, tape.states.h, (tLo - 1) * bn, x, (tLo - 1) * tape.B * m, dtheta);
    },
    jvp(tape, t, r, k, V, out, work) {
      // rows J v_i = diag(d) W v_i: Q W^T is the dot-product (transB) path, W's rows being contiguous
      stepDerivative(cell, tape, t, r, work.d);
      gemm(false, true, k, n, n, 1, V, 0, n, W, 0, n, 0, out, 0, n);
      dscaleColumns(k, n, out, work.d);
    },
    vjp(tape, t, r, k, Uv, out, work) {
      // rows u_i^T diag(d) W
      stepDerivative(cell, tape, t, r, work.d);
      const s = work.scratch;
      const d = work.d;
      for (let i = 0; i < k; i++) {
        const row = i * n;
        for (let j = 0; j < n; j++) s[row + j] = Uv[row + j]! * d[j]!;
      }
      gemm(false, false, k, n, n, 1, s, 0, n, W, 0, n, 0, out, 0, n);
    },
    zeroJacobianColumns() {
      // J_t = diag(f'(a_t)) W
      return zeroColumns(W, n, n);
    },
  };
  // whole-run kernels for the built-in activations (an expression's f has no WebAssembly form)
  const code = SHARE_ACTIVATIONS[activation.kind];
  if (code === undefined) return cell;
  const kernels = precision === 'float32' ? rnnShareKernels32(cell as unknown as Rnn<Float32Array>, code) : shareKernels(cell as unknown as Rnn, code);
  return Object.assign(cell, { kernels: kernels as unknown as WholeRunKernels<RnnRecords<A>, A> });
}

/** f'(a_t) of batch row r into d (n). */
function stepDerivative<A extends Real>(rnn: Rnn<A>, tape: Tape<RnnRecords<A>, A>, t: number, r: number, d: A): void {
  const { n } = rnn;
  const { B } = tape;
  derivativeKernel(rnn.activation, n, tape.states.h, t * B * n + r * n, tape.records.a, (t - 1) * B * n + r * n, d, 0);
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
  W: Real,
  U: Real,
  b: Real,
  h: Real,
  hOff: number,
  x: Real,
  xOff: number,
  a: Real,
  aOff: number,
): void {
  for (let r = 0; r < B; r++) {
    const ar = aOff + r * n;
    for (let i = 0; i < n; i++) a[ar + i] = b[i]!;
  }
  // W's rows are contiguous, so a_i = sum_j W_ij h_j reads memory in order (dgemm transB path)
  gemm(false, true, B, n, n, 1, h, hOff, n, W, 0, n, 1, a, aOff, n);
  if (m > 0) gemm(false, true, B, n, m, 1, x, xOff, m, U, 0, m, 1, a, aOff, n);
}

/**
 * y = f(a) elementwise over len entries; built-ins are inlined so the loop has no call. Float32
 * heap arrays take the kernels' float32 activations (sactivate), as the float32 whole-run kernels
 * do, so that both routes give the same bits.
 */
export function activationKernel(f: Activation, len: number, a: Real, aOff: number, y: Real, yOff: number): void {
  const code = SHARE_ACTIVATIONS[f.kind];
  if (code !== undefined && a instanceof Float32Array && y instanceof Float32Array && inWasm(a) && inWasm(y)) {
    sactivate(code, len, a, aOff, y, yOff);
    return;
  }
  switch (f.kind) {
    case 'tanh':
      if (a instanceof Float64Array && y instanceof Float64Array) dtanh(len, a, aOff, y, yOff);
      else for (let k = 0; k < len; k++) y[yOff + k] = Math.tanh(a[aOff + k]!);
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
  y: Real,
  yOff: number,
  a: Real | null,
  aOff: number,
  d: Real,
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
 * One step of BPTT for the hidden state. Given delta = dL/dh_t (B x n) and d = f'(a_t) (B x n):
 *   da = delta * d  (kept in `da` at daOff for the deferred weight gradient, see weightGradientKernel),
 *   db += sum_i da_i  (db at dtheta[dbOff..]),
 *   delta <- da W = dL/dh_{t-1} (before the loss terms at t-1 are added).
 */
export function backwardStepKernel(
  n: number,
  B: number,
  W: Real,
  delta: Real,
  d: Real,
  da: Real,
  daOff: number,
  dtheta: Real,
  dbOff: number,
): void {
  const bn = B * n;
  for (let i = 0; i < bn; i++) da[daOff + i] = delta[i]! * d[i]!;
  for (let r = 0; r < B; r++) {
    const o = daOff + r * n;
    for (let i = 0; i < n; i++) dtheta[dbOff + i]! += da[o + i]!;
  }
  gemm(false, false, B, n, n, 1, da, daOff, n, W, 0, n, 0, delta, 0, n);
}

/**
 * The weight gradients of a run of consecutive steps (rows = steps x B), as one product each:
 *   dW += sum_t da_t^T h_{t-1} = dA^T H,   dU += dA^T X,
 * where dA stacks da_t and H, X are the matching rows h_{t-1}, x_t, contiguous on the tape
 * (dW, dU at the start of dtheta). One large product instead of a rank-B update per step: dW is
 * read and written once per run, and the product runs the blocked (and threaded) GEMM.
 */
export function weightGradientKernel(
  n: number,
  m: number,
  rows: number,
  dA: Real,
  h: Real,
  hOff: number,
  x: Real,
  xOff: number,
  dtheta: Real,
): void {
  gemm(true, false, n, n, rows, 1, dA, 0, n, h, hOff, n, 1, dtheta, 0, n);
  if (m > 0) gemm(true, false, n, m, rows, 1, dA, 0, n, x, xOff, m, 1, dtheta, n * n, m);
}

/**
 * Rows (steps x batch) of da_t kept before their weight gradient is formed as one product: enough
 * for the blocked GEMM to run near its peak, small enough (<= 4 MiB at n = 512) to stay in cache.
 */
const DEFERRED_ROWS = 1024;

// ---------------------------------------------------------------------------------------------
// Whole-run kernels (two shares of batch rows)
// ---------------------------------------------------------------------------------------------

const { rnnForward, rnnBackward } = ABI.jobs;
const SHARE_ACTIVATIONS: Partial<Record<Activation['kind'], number>> = { identity: 0, tanh: 1, sigmoid: 2, relu: 3 };

/**
 * W packed once per pass for the share kernels' GEMM (kernels.ts pack_b): as op(B) = W^T for the
 * forward product h W^T, as W for the backward product da W. Packed at every call, since training
 * updates W in place.
 */
function packedW(rnn: Rnn, rec: RnnRecords, transposed: boolean): Float64Array {
  const { n, W } = rnn;
  const size = packedSize(n, n);
  if (!rec.packed || rec.packed.length < size) {
    if (rec.packed) freeF64(rec.packed);
    rec.packed = allocF64(size);
  }
  packB(transposed, n, n, W, 0, n, rec.packed);
  return rec.packed;
}

/**
 * The float64 RNN's whole-run kernels (kernels.ts rnn_forward, rnn_backward): two shares of batch
 * rows. Not shares.ts shareKernels, whose jobs (the gated cells') sum each share's weight gradients
 * inside the job into scratch (H, X, theta1); these leave dA to the TypeScript products at the end
 * of each run (weightGradients and the bias sum), as the float32 glue (shares.ts shareKernels32) does.
 */
function shareKernels(rnn: Rnn, code: number): WholeRunKernels<RnnRecords> {
  const { n, m, W, b, U } = rnn;
  const { shareMinRows, shareParallelMinWork } = ABI.routes;
  // the backward pass's job arguments, set per run in place (t, tEnd, tLo): no allocation in the loop
  let bw: { tape: Tape<RnnRecords>; x: Float64Array; kb: KernelBackward; first: Float64Array; second: Float64Array } | null = null;
  return {
    applies(tape, x) {
      const { a, aStep } = tape.records;
      if (tape.B < shareMinRows) return false;
      if (!inWasm(rnn.theta) || !inWasm(tape.states.h) || !inWasm(aStep) || (a && !inWasm(a))) return false;
      return m === 0 || inWasm(x);
    },
    forward(tape, x, T) {
      const { B, records } = tape;
      const half = B >> 1;
      const aBuf = records.a ?? records.aStep;
      const args = { act: code, n, m, B, T, W, U, b, x: m > 0 ? x : null, h: tape.states.h, a: aBuf, aStride: records.a ? B * n : 0, Wp: packedW(rnn, records, true) };
      twoShares(rnnForward, jobArgs(rnnForward, { ...args, r0: 0, r1: half }), jobArgs(rnnForward, { ...args, r0: half, r1: B }), T * B * n * (n + m) >= shareParallelMinWork);
    },
    beginBackward(tape, x, kb) {
      const { B } = tape;
      const half = B >> 1;
      const args = { act: code, n, B, t: 0, tEnd: 0, tLo: 0, W, h: tape.states.h, delta: kb.ds.h, dA: kb.dA, perStep: kb.perStep?.h ?? null, Wp: packedW(rnn, tape.records, false) };
      // the shares' (scale, ssq) pairs of ||dL/dh_t||, one array each
      const first = jobArgs(rnnBackward, { ...args, r0: 0, r1: half, norms: kb.pairs });
      const second = jobArgs(rnnBackward, { ...args, r0: half, r1: B, norms: [kb.pairs, kb.stride] });
      bw = { tape, x, kb, first, second };
    },
    steps(t, tEnd, tLo) {
      const { first, second, tape } = bw!;
      for (const args of [first, second]) {
        setArg(rnnBackward, args, 't', t);
        setArg(rnnBackward, args, 'tEnd', tEnd);
        setArg(rnnBackward, args, 'tLo', tLo);
      }
      twoShares(rnnBackward, first, second, (t - tEnd + 1) * tape.B * n * n >= shareParallelMinWork);
    },
    endRun(tLo, tHi) {
      const { tape, x, kb } = bw!;
      const rows = (tHi - tLo + 1) * tape.B;
      rnn.weightGradients(tape, x, tLo, tHi, kb.dA, kb.dtheta);
      const bOff = n * n + n * m;
      for (let r = 0; r < rows; r++) {
        const o = r * n;
        for (let i = 0; i < n; i++) kb.dtheta[bOff + i]! += kb.dA[o + i]!;
      }
    },
    endBackward() {
      bw = null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Float32 whole-run kernels (one share, or two shares of batch rows)
// ---------------------------------------------------------------------------------------------

const { srnnForward, srnnBackward } = ABI.jobs;

/**
 * The float32 RNN's whole-run kernels (kernels.ts srnn_forward, srnn_backward; shares.ts
 * shareKernels32, its forward job forming the input part too: Wx = U), tested against the
 * TypeScript step (test/models/rnn-float32-shares.test.ts). The bias gradient, which the
 * TypeScript step adds per step, is summed at the end of each run in the steps' order (the last
 * step first: kernels.ts srnn_bias), so that the routes agree bit for bit.
 */
function rnnShareKernels32(rnn: Rnn<Float32Array>, act: number): WholeRunKernels<RnnRecords<Float32Array>, Float32Array> {
  const { n, m, b } = rnn;
  const bOff = n * n + n * m;
  return shareKernels32(rnn, {
    forward: srnnForward,
    backward: srnnBackward,
    Wh: rnn.W,
    Wx: rnn.U,
    heap: ({ records: { a, aStep } }) => (a ? [aStep, a] : [aStep]),
    forwardArgs: (tape, x) => ({ act, m, b, x: m > 0 ? x : null, a: tape.records.a ?? tape.records.aStep, aStride: tape.records.a ? tape.B * n : 0 }),
    backwardArgs: (_, kb) => ({ act, perStep: kb.perStep?.h ?? null }),
    endRun: (tape, kb, tLo, tHi) => srnnBias(n, tape.B, tHi - tLo + 1, kb.dA, kb.dtheta, bOff),
  });
}
