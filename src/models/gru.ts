/**
 * The gated recurrent unit (Cho et al. 2014) in PyTorch's convention (torch.nn.GRU), so that
 * weights round-trip with it: the step, its backward and its Jacobian, in this one file (the time
 * loops are bptt.ts's). The state is h_t.
 *
 *     r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)                (reset gate)
 *     z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)                (update gate)
 *     n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))         (candidate)
 *     h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 *
 * The reset gate multiplies the recurrent part of the candidate after its bias (PyTorch and cuDNN;
 * Cho et al. applied it to h_{t-1} before W_hn), which is why the input and the recurrent biases
 * are kept apart. With z = 1 the state is copied unchanged: dh_t/dh_{t-1} = diag(z_t) + ..., the
 * GRU's counterpart of the LSTM's carousel.
 *
 * Parameters: gates stacked in blocks of n rows in the order [r, z, n] (PyTorch's):
 * theta = [Wx (3n x m) = weight_ih, Wh (3n x n) = weight_hh, bx (3n) = bias_ih, bh (3n) = bias_hh].
 * Records (what the step keeps for its backward): the activated gates r, z, n (T x B x 3n) and
 * the recurrent part of the candidate hn_t = W_hn h_{t-1} + b_hn (T x B x n); every derivative is
 * taken from these outputs (sigma' = y(1-y), tanh' = 1-y^2).
 *
 * Backward of one step, from dh = dL/dh_t:
 *
 *     da_n = dh (1 - z) (1 - n^2),   da_z = dh (h_{t-1} - n) z (1 - z),   da_r = da_n hn r (1 - r),
 *     dL/dh_{t-1} = dh z + [da_r, da_z, r da_n] Wh,
 *     dWx += [da_r, da_z, da_n]^T x_t,   dWh += [da_r, da_z, r da_n]^T h_{t-1}   (and the biases).
 *
 * Batches of 8 rows or more whose buffers live in the kernel heap run forward and BPTT as two
 * shares of rows, each a whole-run WebAssembly kernel (kernels.ts gru_forward, gru_backward), tested
 * against the TypeScript step (test/models/gru-shares.test.ts).
 *
 * Precision (`precision`, default 'float64'; linalg/precision.ts): a 'float32' cell keeps theta,
 * the tape, the records and (through bptt.ts) every gradient in Float32Arrays, and runs the
 * TypeScript step with its products in float32 (blas.ts gemm, sgemm: the f32x4 kernel for large
 * products). Its elementwise step is cellKernel itself on a float64 copy of the step's
 * pre-activations and h_{t-1}, each result rounded once into the float32 records
 * (cellKernelRounded); its backward step and Jacobian products evaluate each entry in float64 from
 * the stored float32 values and round it once when stored. Parameters are given in float64 and
 * rounded to float32 once. Its whole-run kernels (kernels.ts sgru_forward, sgru_backward; one share
 * of batch rows below shareMinRows, two above; shares.ts shareKernels32) repeat that step operation
 * for operation, with tanh2 on every entry in both, and give its bits
 * (test/models/gru-float32-shares.test.ts).
 *
 * @example
 *   const gru = createGru({ n: 8, m: 2 }, new Rng(1));
 *   const gru32 = createGru({ n: 8, m: 2, precision: 'float32' }, new Rng(1)); // the same draws, rounded
 *   // then bptt.ts: createTape(gru, B, T), forward, createGradients, backward
 */
import type { Rng } from '../init/rng.ts';
import { initWeights, type InitName } from '../init/weights.ts';
import { dgemmPacked, dtanh, dtanhKernel, gemm, packMatrix, type PackedMatrix } from '../linalg/blas.ts';
import type { Precision, Real } from '../linalg/precision.ts';
import { ABI, allocF64, allocReal, freeF64, inWasm, saddRows } from '../linalg/wasm.ts';
import { blocksSize, checkBlock, checkPrecision, checkRounded, views, type ParameterBlock, type RecurrentCell, type Tape, type WholeRunKernels } from './cell.ts';
import { freeShareScratch, shareKernels, shareKernels32, type ShareScratch } from './shares.ts';

export interface GruRecords<A extends Real = Float64Array> {
  /** Gate activations of steps 1..T, T x B x 3n, rows ordered [r z n]. */
  readonly gates: A;
  /** hn_t = W_hn h_{t-1} + b_hn for t = 1..T, T x B x n. */
  readonly hn: A;
  /** One step's recurrent pre-activations h_{t-1} Wh^T + bh (B x 3n). */
  readonly ah: A;
  /** A float32 cell's elementwise step in float64 (cellKernelRounded); null in float64. */
  readonly wide: WideStep | null;
  /** Wh^T packed for the forward products, Wh for the backward ones. */
  packedWhT?: PackedMatrix;
  packedWh?: PackedMatrix;
  /** Scratch of the share kernels (shares.ts), allocated at their first use. */
  shares?: ShareScratch;
  /** A float32 cell's packed Wh^T or Wh for its share kernels (shares.ts shareKernels32). */
  packed32?: Float32Array;
}

/** One step of B rows in float64, the arrays of cellKernel: gates and ah (B x 3n each), hn (B x n), h_{t-1} and h_t (2 x B x n). */
export interface WideStep {
  readonly gates: Float64Array;
  readonly ah: Float64Array;
  readonly hn: Float64Array;
  readonly h: Float64Array;
}

export interface GruWork<A extends Real = Float64Array> {
  /** k x 3n: the recurrent part of a Jacobian product. */
  readonly u: A;
  /** k x 6n: a vjp's pre-activation gradients. */
  readonly da: A;
}

export interface Gru<A extends Real = Float64Array> extends RecurrentCell<GruRecords<A>, GruWork<A>, A> {
  /** The working precision of theta, the tape and the gradients. */
  readonly precision: Precision;
  /** Views into theta: Wx (3n x m), Wh (3n x n), bx (3n), bh (3n). */
  readonly Wx: A;
  readonly Wh: A;
  readonly bx: A;
  readonly bh: A;
}

/** The working precision of a new GRU. */
export interface GruOptions {
  /** Working precision (default 'float64'); float32 rounds the parameters once. */
  readonly precision?: Precision;
}

/** Initialisation of a new GRU (every draw from the Rng). */
export interface GruInit {
  /** Input weights, drawn per gate block (n x m). Default 'xavier-uniform'. */
  readonly inputInit?: InitName;
  /** Recurrent weights, drawn per gate block (n x n). Default 'orthogonal'. */
  readonly recurrentInit?: InitName;
  /** Gain of both weight initialisations. Default 1. */
  readonly gain?: number;
  /** Update-gate biases b_iz (b_hz stays 0). Default 0; positive values start the GRU remembering (z near 1). */
  readonly updateBias?: number;
}

/**
 * Number of parameters of a GRU layer with n units and m inputs, and a readout of size p:
 * 3 n (m + n + 2) + p (n + 1).
 *
 * @example gruParameterCount(10, 2) // 420
 */
export function gruParameterCount(n: number, m: number, p = 0): number {
  return 3 * n * (m + n + 2) + p * (n + 1);
}

/**
 * The GRU hidden size whose parameter count (with a readout of size p) is closest to `count` (ties
 * to the smaller network): the root of 3 n^2 + (3 m + 6 + p) n + p = count, rounded to the nearer
 * of floor and ceil.
 *
 * @example matchedGruHiddenSize(1233, 2, 1) // 18 (1207 parameters; 19 would have 1331)
 */
export function matchedGruHiddenSize(count: number, m: number, p = 0): number {
  const k = 3 * m + 6 + p;
  const root = (-k + Math.sqrt(k * k + 12 * (count - p))) / 6;
  const lo = Math.max(1, Math.floor(root));
  const hi = lo + 1;
  return Math.abs(gruParameterCount(hi, m, p) - count) < Math.abs(gruParameterCount(lo, m, p) - count) ? hi : lo;
}

/** The parameter blocks of a GRU, in theta order (PyTorch's tensors). */
export function gruBlocks(n: number, m: number): ParameterBlock[] {
  return [
    { name: 'Wx', rows: 3 * n, cols: m },
    { name: 'Wh', rows: 3 * n, cols: n },
    { name: 'bx', rows: 3 * n, cols: 1 },
    { name: 'bh', rows: 3 * n, cols: 1 },
  ];
}

/**
 * A GRU with all parameters zero, or set from a flat vector laid out as theta (copied; rounded once
 * to float32 for a float32 cell).
 *
 * @throws Error when n, m, the precision or the length of theta is wrong.
 */
export function gruFromParameters(n: number, m: number, theta?: Float64Array, opts?: { precision?: 'float64' }): Gru;
export function gruFromParameters(n: number, m: number, theta: Float64Array | undefined, opts: { precision: 'float32' }): Gru<Float32Array>;
export function gruFromParameters(n: number, m: number, theta?: Float64Array, opts?: GruOptions): Gru<Real>;
export function gruFromParameters(n: number, m: number, theta?: Float64Array, opts: GruOptions = {}): Gru<Real> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`gru: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`gru: input size m must be a non-negative integer, got ${m}`);
  const precision = checkPrecision('gru', opts.precision);
  const blocks = gruBlocks(n, m);
  // in the kernel heap, so every product in forward and backward runs the SIMD kernels
  const flat = allocReal(precision, blocksSize(blocks));
  if (theta) {
    checkBlock('gru', { name: 'theta', rows: flat.length, cols: 1 }, theta);
    flat.set(theta);
    checkRounded('gru', flat, theta);
  }
  return gruCell(n, m, blocks, flat, precision);
}

/**
 * A GRU from PyTorch's tensors (torch.nn.GRU's weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0, gate order r, z, n), copied.
 *
 * @throws Error naming the tensor whose shape or values are wrong, with the expected shape.
 */
export function gruFromTorch(n: number, m: number, t: GruTorchTensors, opts?: { precision?: 'float64' }): Gru;
export function gruFromTorch(n: number, m: number, t: GruTorchTensors, opts: { precision: 'float32' }): Gru<Float32Array>;
export function gruFromTorch(n: number, m: number, t: GruTorchTensors, opts?: GruOptions): Gru<Real>;
export function gruFromTorch(n: number, m: number, t: GruTorchTensors, opts: GruOptions = {}): Gru<Real> {
  const blocks = gruBlocks(n, m);
  const theta = new Float64Array(blocksSize(blocks));
  const torchNames = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const;
  let off = 0;
  blocks.forEach((blk, i) => {
    const name = torchNames[i]!;
    checkBlock('gru', { ...blk, name }, t[name]);
    theta.set(t[name], off);
    off += t[name].length;
  });
  return gruFromParameters(n, m, theta, opts);
}

/** PyTorch's four tensors of one GRU layer (torch.nn.GRU's weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0). */
export type GruTorchTensors = { weight_ih: Float64Array; weight_hh: Float64Array; bias_ih: Float64Array; bias_hh: Float64Array };

/**
 * A checked GRU with freshly initialised parameters (biases 0 but for the update gate's). A float32
 * cell draws the same values as the float64 one from the same Rng, rounded to float32.
 */
export function createGru(config: { n: number; m: number } & GruInit & { precision?: 'float64' }, rng: Rng): Gru;
export function createGru(config: { n: number; m: number } & GruInit & { precision: 'float32' }, rng: Rng): Gru<Float32Array>;
export function createGru(config: { n: number; m: number } & GruInit & GruOptions, rng: Rng): Gru<Real>;
export function createGru(config: { n: number; m: number } & GruInit & GruOptions, rng: Rng): Gru<Real> {
  for (const k of ['gain', 'updateBias'] as const) {
    const v = config[k];
    if (v !== undefined && !Number.isFinite(v)) throw new Error(`gru: ${k} must be a finite number, got ${v}`);
  }
  const gru = gruFromParameters(config.n, config.m, undefined, { precision: config.precision });
  const { n, m } = gru;
  const gain = config.gain ?? 1;
  for (let k = 0; k < 3; k++) {
    if (m > 0) gru.Wx.set(initWeights(config.inputInit ?? 'xavier-uniform', n, m, rng, gain), k * n * m);
    gru.Wh.set(initWeights(config.recurrentInit ?? 'orthogonal', n, n, rng, gain), k * n * n);
  }
  gru.bx.fill(config.updateBias ?? 0, n, 2 * n);
  return gru;
}

function gruCell<A extends Real>(n: number, m: number, blocks: ParameterBlock[], theta: A, precision: Precision): Gru<A> {
  const G = 3 * n;
  const v = views({ blocks }, theta);
  const offsets = { Wh: G * m, bx: G * m + G * n, bh: G * m + G * n + G };
  const alloc = (len: number) => allocReal(precision, len) as A;
  const wide = precision === 'float32';
  const gru: Gru<A> = {
    kind: 'gru',
    n,
    m,
    state: ['h'],
    precision,
    theta,
    blocks,
    Wx: v.Wx!,
    Wh: v.Wh!,
    bx: v.bx!,
    bh: v.bh!,
    gradWidth: 2 * G,
    deferredRows: DEFERRED_ROWS,
    keepsStateGradients: false,
    createRecords(B, T) {
      const step = wide ? { gates: allocF64(B * G), ah: allocF64(B * G), hn: allocF64(B * n), h: allocF64(2 * B * n) } : null;
      return { gates: alloc(T * B * G), hn: alloc(T * B * n), ah: alloc(B * G), wide: step };
    },
    freeRecords(rec) {
      for (const buf of [rec.gates, rec.hn, rec.ah]) freeF64(buf);
      if (rec.wide) for (const buf of Object.values(rec.wide)) freeF64(buf);
      for (const p of [rec.packedWhT, rec.packedWh]) if (p?.halves) freeF64(p.halves.buffer);
      freeShareScratch(rec);
    },
    createWork(k) {
      return { u: alloc(k * G), da: alloc(k * 2 * G) };
    },
    freeWork(w) {
      freeF64(w.u);
      freeF64(w.da);
    },
    beginForward(tape, x, T) {
      // the input part Wx x_t + bx of every step does not wait for h_{t-1}: one product over all T B rows
      const rows = T * tape.B;
      const { gates } = tape.records;
      for (let r = 0; r < rows; r++) gates.set(gru.bx, r * G);
      if (m > 0 && rows > 0) gemm(false, true, rows, G, m, 1, x, 0, m, gru.Wx, 0, m, 1, gates, 0, G);
      if (!wide) tape.records.packedWhT = packMatrix(true, n, G, gru.Wh as Float64Array, 0, n, tape.records.packedWhT);
    },
    step(tape, t) {
      const { B, records } = tape;
      const { h } = tape.states;
      const { ah } = records;
      for (let r = 0; r < B; r++) ah.set(gru.bh, r * G);
      if (records.wide) {
        gemm(false, true, B, G, n, 1, h, (t - 1) * B * n, n, gru.Wh, 0, n, 1, ah, 0, G);
        cellKernelRounded(n, B, records.gates, (t - 1) * B * G, ah, records.hn, (t - 1) * B * n, h, (t - 1) * B * n, t * B * n, records.wide);
      } else {
        const h64 = h as Float64Array;
        const ah64 = ah as Float64Array;
        dgemmPacked(false, B, 1, h64, (t - 1) * B * n, n, records.packedWhT!, 1, ah64, 0, G);
        cellKernel(n, B, records.gates as Float64Array, (t - 1) * B * G, ah64, records.hn as Float64Array, (t - 1) * B * n, h64, (t - 1) * B * n, t * B * n);
      }
    },
    beginBackward(tape) {
      if (!wide) tape.records.packedWh = packMatrix(false, G, n, gru.Wh as Float64Array, 0, n, tape.records.packedWh);
    },
    backwardStep(tape, t, adj, dA, daOff) {
      const { B, records } = tape;
      const dh = adj.ds.h;
      cellBackwardKernel(n, B, records.gates, (t - 1) * B * G, G, records.hn, (t - 1) * B * n, n, tape.states.h, (t - 1) * B * n, n, dh, 0, n, dA, daOff);
      // dL/dh_{t-1} = dh z (left in dh by the kernel) + dA_h Wh
      if (wide) gemm(false, false, B, n, G, 1, dA, daOff + G, 2 * G, gru.Wh, 0, n, 1, dh, 0, n);
      else dgemmPacked(false, B, 1, dA as Float64Array, daOff + G, 2 * G, records.packedWh!, 1, dh as Float64Array, 0, n);
    },
    weightGradients(tape, x, tLo, tHi, dA, dtheta) {
      const { B } = tape;
      const rows = (tHi - tLo + 1) * B;
      gemm(true, false, G, n, rows, 1, dA, G, 2 * G, tape.states.h, (tLo - 1) * B * n, n, 1, dtheta, offsets.Wh, n);
      if (m > 0) gemm(true, false, G, m, rows, 1, dA, 0, 2 * G, x, (tLo - 1) * B * m, m, 1, dtheta, 0, m);
      if (dA instanceof Float32Array && dtheta instanceof Float32Array && inWasm(dA) && inWasm(dtheta)) {
        // the same sums in the same order (row 0 first, each addition rounded to float32), in f32x4 lanes
        saddRows(G, rows, dA, 0, 2 * G, dtheta, offsets.bx);
        saddRows(G, rows, dA, G, 2 * G, dtheta, offsets.bh);
        return;
      }
      for (let r = 0; r < rows; r++) {
        const o = r * 2 * G;
        for (let k = 0; k < G; k++) dtheta[offsets.bx + k]! += dA[o + k]!;
        for (let k = 0; k < G; k++) dtheta[offsets.bh + k]! += dA[o + G + k]!;
      }
    },
    jvp(tape, t, r, k, V, out, work) {
      tangentKernel(gru, tape, t, r, k, V, out, work.u);
    },
    vjp(tape, t, r, k, U, out, work) {
      // the backward step with every row reading the records of (t, r): row strides 0
      const { B, records } = tape;
      out.set(U.subarray(0, k * n));
      cellBackwardKernel(n, k, records.gates, (t - 1) * B * G + r * G, 0, records.hn, (t - 1) * B * n + r * n, 0, tape.states.h, (t - 1) * B * n + r * n, 0,
        out, 0, n, work.da, 0);
      gemm(false, false, k, n, G, 1, work.da, G, 2 * G, gru.Wh, 0, n, 1, out, 0, n);
    },
  };
  if (wide) return Object.assign(gru, { kernels: gruShareKernels32(gru as unknown as Gru<Float32Array>) as unknown as WholeRunKernels<GruRecords<A>, A> });
  return Object.assign(gru, { kernels: gruShareKernels(gru as unknown as Gru) as unknown as WholeRunKernels<GruRecords<A>, A> });
}

// ---------------------------------------------------------------------------------------------
// Kernels (hot loops). Trusted arguments; no allocation.
// ---------------------------------------------------------------------------------------------

/**
 * The elementwise part of one step for B rows, in place on the gate block (input pre-activations
 * Wx x_t + bx in, activations out), with ah = h_{t-1} Wh^T + bh (B x 3n): hn = ah_n is recorded,
 * r and z through sigma(a) = 1/2 + 1/2 tanh(a/2) (one tanh pass over each row's [r z] block),
 * n = tanh(a_n + r hn), h_t = (1 - z) n + z h_{t-1}.
 */
export function cellKernel(
  n: number,
  B: number,
  gates: Float64Array,
  gOff: number,
  ah: Float64Array,
  hn: Float64Array,
  hnOff: number,
  h: Float64Array,
  hPrevOff: number,
  hOff: number,
  tanh: typeof dtanh = dtanh,
): void {
  const G = 3 * n;
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * G;
    const ar = r * G;
    for (let j = 0; j < 2 * n; j++) gates[gr + j] = 0.5 * (gates[gr + j]! + ah[ar + j]!);
    tanh(2 * n, gates, gr, gates, gr);
    for (let j = 0; j < 2 * n; j++) gates[gr + j] = 0.5 + 0.5 * gates[gr + j]!;
    const hr = hnOff + r * n;
    for (let j = 0; j < n; j++) {
      const v = ah[ar + 2 * n + j]!;
      hn[hr + j] = v;
      gates[gr + 2 * n + j] = gates[gr + 2 * n + j]! + gates[gr + j]! * v;
    }
    tanh(n, gates, gr + 2 * n, gates, gr + 2 * n);
    const hp = hPrevOff + r * n;
    const ho = hOff + r * n;
    for (let j = 0; j < n; j++) {
      const z = gates[gr + n + j]!;
      h[ho + j] = (1 - z) * gates[gr + 2 * n + j]! + z * h[hp + j]!;
    }
  }
}

/**
 * cellKernel for a float32 cell: the step's input pre-activations (B x 3n at gOff), ah and h_{t-1}
 * copied exactly into float64 (w), cellKernel there, and each of its results (the gates, hn, h_t)
 * rounded once into the float32 records: the elementwise formulas evaluated in float64 and rounded
 * once when stored (linalg/precision.ts), with the equations written once.
 */
export function cellKernelRounded(
  n: number,
  B: number,
  gates: Real,
  gOff: number,
  ah: Real,
  hn: Real,
  hnOff: number,
  h: Real,
  hPrevOff: number,
  hOff: number,
  w: WideStep,
): void {
  const BG = 3 * n * B;
  const bn = B * n;
  w.gates.set(gates.subarray(gOff, gOff + BG));
  w.ah.set(ah.subarray(0, BG));
  w.h.set(h.subarray(hPrevOff, hPrevOff + bn));
  // tanh through the SIMD kernel at every length, as the float32 whole-run kernels (sgru_forward)
  cellKernel(n, B, w.gates, 0, w.ah, w.hn, 0, w.h, 0, bn, dtanhKernel);
  gates.set(w.gates.subarray(0, BG), gOff);
  hn.set(w.hn.subarray(0, bn), hnOff);
  h.set(w.h.subarray(bn, 2 * bn), hOff);
}

/**
 * The elementwise part of one BPTT step for `rows` rows (row q: gates at gOff + q gStride, hn and
 * h_{t-1} at their offsets + q sStride, dh at dhOff + q ld). In: dh = dL/dh_t. Out: da (rows x 6n
 * at daOff) = [da_r, da_z, da_n | da_r, da_z, r da_n], the pre-activation gradients of the input
 * and of the recurrent products, and dh <- dh z (the direct part of dL/dh_{t-1}).
 */
export function cellBackwardKernel(
  n: number,
  rows: number,
  gates: Real,
  gOff: number,
  gStride: number,
  hn: Real,
  hnOff: number,
  sStride: number,
  h: Real,
  hPrevOff: number,
  hStride: number,
  dh: Real,
  dhOff: number,
  ld: number,
  da: Real,
  daOff: number,
): void {
  const G = 3 * n;
  for (let q = 0; q < rows; q++) {
    const gr = gOff + q * gStride;
    const sr = hnOff + q * sStride;
    const hp = hPrevOff + q * hStride;
    const dr = dhOff + q * ld;
    const ar = daOff + q * 2 * G;
    for (let j = 0; j < n; j++) {
      const r = gates[gr + j]!;
      const z = gates[gr + n + j]!;
      const nn = gates[gr + 2 * n + j]!;
      const d = dh[dr + j]!;
      const dan = d * (1 - z) * (1 - nn * nn);
      const daz = d * (h[hp + j]! - nn) * z * (1 - z);
      const dar = dan * hn[sr + j]! * r * (1 - r);
      da[ar + j] = dar;
      da[ar + n + j] = daz;
      da[ar + 2 * n + j] = dan;
      da[ar + G + j] = dar;
      da[ar + G + n + j] = daz;
      da[ar + G + 2 * n + j] = r * dan;
      dh[dr + j] = d * z;
    }
  }
}

/**
 * Tangent vectors through step t of batch row r: the rows v of V (k x n) to the rows J_t v of out,
 * from the linearised step (u = Wh v, k x 3n in the scratch U):
 *
 *     delta r = r(1-r) u_r,  delta z = z(1-z) u_z,  delta n = (1-n^2) (r u_n + hn delta r),
 *     delta h = z v + (1 - z) delta n + (h_{t-1} - n) delta z
 */
function tangentKernel(gru: Gru<Real>, tape: Tape<GruRecords<Real>, Real>, t: number, r: number, k: number, V: Real, out: Real, U: Real): void {
  const { n } = gru;
  const G = 3 * n;
  const { B, records } = tape;
  const gr = (t - 1) * B * G + r * G;
  const sr = (t - 1) * B * n + r * n;
  gemm(false, true, k, G, n, 1, V, 0, n, gru.Wh, 0, n, 0, U, 0, G);
  for (let q = 0; q < k; q++) {
    const uq = q * G;
    const vq = q * n;
    for (let j = 0; j < n; j++) {
      const rg = records.gates[gr + j]!;
      const z = records.gates[gr + n + j]!;
      const nn = records.gates[gr + 2 * n + j]!;
      const dr = rg * (1 - rg) * U[uq + j]!;
      const dz = z * (1 - z) * U[uq + n + j]!;
      const dn = (1 - nn * nn) * (rg * U[uq + 2 * n + j]! + records.hn[sr + j]! * dr);
      out[vq + j] = z * V[vq + j]! + (1 - z) * dn + (tape.states.h[sr + j]! - nn) * dz;
    }
  }
}

/** Rows (steps x batch) of da_t kept before their weight gradient is formed as one product, as the LSTM's. */
const DEFERRED_ROWS = 512;

// ---------------------------------------------------------------------------------------------
// Whole-run kernels (two shares of batch rows, shares.ts): kernels.ts gru_forward, gru_backward
// ---------------------------------------------------------------------------------------------

function gruShareKernels(gru: Gru): WholeRunKernels<GruRecords> {
  return shareKernels(gru, {
    forward: ABI.jobs.gruForward,
    backward: ABI.jobs.gruBackward,
    heap: (tape) => [tape.records.gates, tape.records.hn, tape.records.ah],
    forwardArgs: (tape) => ({ gates: tape.records.gates, ah: tape.records.ah, hn: tape.records.hn, bx: gru.bx, bh: gru.bh }),
    backwardArgs: (tape, kb) => ({ gates: tape.records.gates, hn: tape.records.hn, perStep: kb.perStep?.h ?? null }),
    gradients: ['Wx', 'Wh', 'bx', 'bh'],
  });
}

/**
 * The float32 GRU's whole-run kernels (kernels.ts sgru_forward, sgru_backward; shares.ts
 * shareKernels32), tested against the TypeScript step (test/models/gru-float32-shares.test.ts).
 */
function gruShareKernels32(gru: Gru<Float32Array>): WholeRunKernels<GruRecords<Float32Array>, Float32Array> {
  return shareKernels32(gru, {
    forward: ABI.jobs.sgruForward,
    backward: ABI.jobs.sgruBackward,
    Wh: gru.Wh,
    heap: (tape) => [tape.records.gates, tape.records.hn, tape.records.ah],
    forwardArgs: (tape) => ({ gates: tape.records.gates, ah: tape.records.ah, hn: tape.records.hn, bh: gru.bh }),
    backwardArgs: (tape, kb) => ({ gates: tape.records.gates, hn: tape.records.hn, perStep: kb.perStep?.h ?? null }),
  });
}
