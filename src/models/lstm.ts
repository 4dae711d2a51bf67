/**
 * Long short-term memory: forward pass on a preallocated tape, full backpropagation through time,
 * and the per-step state Jacobian, in this one file.
 *
 * Two cells, with optional peepholes:
 *
 * - the 1997 LSTM (Hochreiter and Schmidhuber 1997), `forgetGate: false`: input gate i, output
 *   gate o, no forget gate. The memory cell's self-connection has weight 1 and the identity as its
 *   activation: the constant error carousel (CEC)
 *
 *       c_t = c_{t-1} + i_t * g_t
 *
 * - the LSTM with a forget gate (Gers, Schmidhuber and Cummins 2000), `forgetGate: true`:
 *
 *       c_t = f_t * c_{t-1} + i_t * g_t
 *
 * with, for both,
 *
 *       i_t = sigma(Wx_i x_t + Wh_i h_{t-1} + p_i * c_{t-1} + b_i)
 *       f_t = sigma(Wx_f x_t + Wh_f h_{t-1} + p_f * c_{t-1} + b_f)     (forget-gate cell only)
 *       g_t = G(Wx_g x_t + Wh_g h_{t-1} + b_g)                         (cell input)
 *       o_t = sigma(Wx_o x_t + Wh_o h_{t-1} + p_o * c_t + b_o)         (peephole sees the new c_t)
 *       h_t = o_t * H(c_t)
 *
 * The peephole terms p * c (diagonal weights from the cell to its gates; Gers and Schmidhuber 2000)
 * are present only with `peepholes: true`. A linear readout y_t = V h_t + c (V: p x n, c: p; c is
 * the readout bias, not the cell state) is part of the model, so tasks and losses see y_t.
 *
 * Squashing of the cell input G and of the cell output H (`squash`):
 * - 'tanh' (default): G = H = tanh, the modern choice (Graves 2013; PyTorch).
 * - 'scaled-sigmoid': the 1997 paper's g(x) = 4 sigma(x) - 2 in [-2, 2] and h(x) = 2 sigma(x) - 1 in
 *   [-1, 1], computed as 2 tanh(x/2) and tanh(x/2) (the same functions, without cancellation).
 * Both have derivatives that are functions of their outputs: G' = (A/k)(1 - (G/A)^2), H' = (1/k)(1 - H^2)
 * with (A, k) = (1, 1) for tanh and (2, 2) for the scaled sigmoids.
 *
 * Differences from the 1997 paper, on purpose: the gradient here is the full BPTT gradient (the
 * paper truncated the error flow leaving the cell except through the CEC); there are no cell
 * blocks of size > 1 (one cell per block); gate-bias initialisation is a parameter.
 *
 * Parameters: gates are stacked in blocks of n rows in the order [i, f, g, o] (forget-gate cell)
 * or [i, g, o] (1997 cell), G = 4 or 3 blocks:
 * - Wx: Gn x m, Wh: Gn x n, b: Gn (row-major), peepholes p_i, p_f, p_o: n each,
 * - readout V: p x n, c: p.
 * All live in one flat Float64Array `theta` (in that order) with named views, so optimisers,
 * clipping and finite differences can iterate over `parameters(lstm, grads)` = [{name, value, grad}].
 *
 * Buffers (row-major, [t][b][i], as src/models/rnn.ts):
 * - inputs x: T x B x m, x_t (t = 1..T) at offset (t-1) B m.
 * - tape.h, tape.c: (T+1) x B x n, h_t and c_t at offset t B n (h_0, c_0 first).
 * - tape.gates: T x B x Gn, the gate activations of step t at (t-1) B Gn, per row [i f g o].
 * - tape.hc: T x B x n, H(c_t).
 * What the forward pass keeps for the backward pass (tfjs-core habit): h_t, c_t, the activated
 * gates and H(c_t); all derivatives are taken from these outputs (sigma' = y(1-y), tanh' = 1-y^2).
 *
 * Two routes, with the same equations: batches of 8 rows or more whose buffers live in the kernel
 * heap run forward and BPTT as two shares of rows, each a whole-run WebAssembly kernel
 * (kernels.ts lstm_forward, lstm_backward; the second share on the worker thread), since rows
 * interact only in the weight-gradient sums; other calls run the TypeScript loops below. They
 * agree to round-off (test/models/lstm-shares.test.ts).
 *
 * @example
 *   const lstm = createLstm({ n: 8, m: 2, p: 1, forgetGate: true, forgetBias: 1 }, new Rng(1));
 *   const tape = createTape(lstm, B, T);
 *   forward(lstm, x, tape);
 *   const grads = createGradients(lstm, B, T);
 *   const L = backward(lstm, tape, x, { kind: 'squared-error', steps: 'last', targets }, grads);
 *   // grads.Wx ... grads.c, grads.hNorms[t] = ||dL/dh_t||, grads.cNorms[t] = ||dL/dc_t||
 */
import type { Rng } from '../init/rng.ts';
import { initWeights, type InitName } from '../init/weights.ts';
import { dgemm, dgemmPacked, dnrm2, packMatrix, type PackedMatrix } from '../linalg/blas.ts';
import { allocF64, freeF64, inWasm, kernels } from '../linalg/wasm.ts';
import { JOB_LSTM_BACKWARD, JOB_LSTM_FORWARD, twoShares } from '../linalg/parallel.ts';

export type CellSquash = 'tanh' | 'scaled-sigmoid';

/** Shape and variant of an LSTM layer with its readout. */
export interface LstmConfig {
  /** Hidden size (number of memory cells). */
  readonly n: number;
  /** Input size. */
  readonly m: number;
  /** Readout size (outputs y = V h + c). */
  readonly p: number;
  /** false: the 1997 cell (CEC with weight 1); true: the forget-gate cell of Gers et al. (2000). */
  readonly forgetGate: boolean;
  /** Diagonal peephole weights from the cell state to the gates (Gers and Schmidhuber 2000). */
  readonly peepholes: boolean;
  /** Cell input/output squashing: tanh, or the 1997 paper's scaled sigmoids. */
  readonly squash: CellSquash;
}

export interface Readout {
  readonly p: number;
  /** p x n. */
  readonly V: Float64Array;
  /** p (readout bias). */
  readonly c: Float64Array;
}

export interface Lstm extends LstmConfig {
  /** Number of gate blocks: 4 with a forget gate, 3 without. */
  readonly G: number;
  /** Row offsets of the gate blocks inside a Gn-vector (f = -1 without a forget gate). */
  readonly offsets: { readonly i: number; readonly f: number; readonly g: number; readonly o: number };
  /** All parameters, in the order Wx, Wh, b, [p_i, p_f, p_o], V, c. */
  readonly theta: Float64Array;
  readonly Wx: Float64Array;
  readonly Wh: Float64Array;
  readonly b: Float64Array;
  /** Peephole weights (length n; length 0 when absent; pf also absent without a forget gate). */
  readonly pi: Float64Array;
  readonly pf: Float64Array;
  readonly po: Float64Array;
  readonly readout: Readout;
}

/** Named views of a flat vector laid out like `theta`. */
interface ParameterViews {
  Wx: Float64Array;
  Wh: Float64Array;
  b: Float64Array;
  pi: Float64Array;
  pf: Float64Array;
  po: Float64Array;
  V: Float64Array;
  c: Float64Array;
}

/** Parameter names in `theta` order, as listed by `parameters`. */
export const PARAMETER_NAMES = ['Wx', 'Wh', 'b', 'pi', 'pf', 'po', 'readout.V', 'readout.c'] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];

function viewSizes(cfg: LstmConfig): Record<keyof ParameterViews, number> {
  const { n, m, p, forgetGate, peepholes } = cfg;
  const Gn = (forgetGate ? 4 : 3) * n;
  return {
    Wx: Gn * m,
    Wh: Gn * n,
    b: Gn,
    pi: peepholes ? n : 0,
    pf: peepholes && forgetGate ? n : 0,
    po: peepholes ? n : 0,
    V: p * n,
    c: p,
  };
}

function views(cfg: LstmConfig, theta: Float64Array): ParameterViews {
  const s = viewSizes(cfg);
  let off = 0;
  const take = (len: number): Float64Array => {
    const v = theta.subarray(off, off + len);
    off += len;
    return v;
  };
  return { Wx: take(s.Wx), Wh: take(s.Wh), b: take(s.b), pi: take(s.pi), pf: take(s.pf), po: take(s.po), V: take(s.V), c: take(s.c) };
}

/**
 * Number of parameters of an LSTM layer with n cells and m inputs:
 *
 *     G n (m + n + 1) + [peepholes] (G - 1) n + p (n + 1),   G = 4 (forget gate) or 3 (1997 cell),
 *
 * the last term being the readout (p = 0 leaves it out).
 *
 * @example lstmParameterCount(10, 2, { forgetGate: true }) // 4 * 10 * 13 = 520
 */
export function lstmParameterCount(
  n: number,
  m: number,
  opts: { forgetGate?: boolean; peepholes?: boolean; p?: number } = {},
): number {
  const G = opts.forgetGate === false ? 3 : 4;
  const p = opts.p ?? 0;
  return G * n * (m + n + 1) + (opts.peepholes ? (G - 1) * n : 0) + p * (n + 1);
}

/**
 * Number of parameters of a vanilla RNN h_t = f(W h_{t-1} + U x_t + b) with n units, m inputs and a
 * readout of size p: n (n + m + 1) + p (n + 1).
 *
 * @example rnnParameterCount(10, 2) // 130
 */
export function rnnParameterCount(n: number, m: number, p = 0): number {
  return n * (n + m + 1) + p * (n + 1);
}

/**
 * The vanilla-RNN hidden size whose parameter count is closest to the LSTM's (ties go to the
 * smaller network), for comparisons at a matched number of parameters. Solves
 * n^2 + (m + 1 + p) n + p = count and rounds to the nearer of floor and ceil.
 *
 * @example matchedRnnHiddenSize(10, 2, { forgetGate: true }) // 21: an RNN with 504 parameters against the LSTM's 520 (22 would have 550)
 */
export function matchedRnnHiddenSize(
  n: number,
  m: number,
  opts: { forgetGate?: boolean; peepholes?: boolean; p?: number } = {},
): number {
  const p = opts.p ?? 0;
  const count = lstmParameterCount(n, m, opts);
  const k = m + 1 + p;
  const root = (-k + Math.sqrt(k * k + 4 * (count - p))) / 2;
  const lo = Math.max(1, Math.floor(root));
  const hi = lo + 1;
  return Math.abs(rnnParameterCount(hi, m, p) - count) < Math.abs(rnnParameterCount(lo, m, p) - count) ? hi : lo;
}

/** Initialisation of a new LSTM (every draw from the Rng). */
export interface LstmInit {
  /** Input weights Wx, drawn per gate block (n x m, so fan-out is n). Default 'xavier-uniform'. */
  readonly inputInit?: InitName;
  /** Recurrent weights Wh, drawn per gate block (n x n). Default 'orthogonal'. */
  readonly recurrentInit?: InitName;
  /** Gain passed to both weight initialisations. Default 1. */
  readonly gain?: number;
  /**
   * Forget-gate bias b_f. Default 1: a gate that starts open, so the cell remembers from the start
   * (Gers et al. 2000; Jozefowicz, Zaremba and Sutskever 2015). Ignored without a forget gate.
   */
  readonly forgetBias?: number;
  /**
   * Input-gate bias b_i: one value for every cell, or one per cell (the 1997 paper gave each cell
   * block its own negative bias, so cells start closed and are recruited one after another).
   * Default 0.
   */
  readonly inputBias?: number | readonly number[];
  /**
   * Output-gate bias b_o. Default 0. The 1997 paper used negative values (-1, -2, ...) so that
   * cells are not used before they have learned something ("abuse problem").
   */
  readonly outputBias?: number;
  /** Readout weights V. Default 'xavier-uniform'; c starts at 0. */
  readonly readoutInit?: InitName;
}

/**
 * A checked LSTM (the public edge) with freshly initialised parameters. Peephole weights start at 0
 * (Gers, Schraudolph and Schmidhuber 2002 initialise them small).
 *
 * @throws Error naming the field whose value is wrong.
 */
export function createLstm(config: Partial<LstmConfig> & { n: number; m: number } & LstmInit, rng: Rng): Lstm {
  const cfg: LstmConfig = {
    n: config.n,
    m: config.m,
    p: config.p ?? 1,
    forgetGate: config.forgetGate ?? true,
    peepholes: config.peepholes ?? false,
    squash: config.squash ?? 'tanh',
  };
  checkConfig(cfg);
  for (const k of ['forgetBias', 'outputBias', 'gain'] as const) {
    const v = config[k];
    if (v !== undefined && !Number.isFinite(v)) throw new Error(`lstm: ${k} must be a finite number, got ${v}`);
  }
  const ib = config.inputBias;
  if (typeof ib === 'number' ? !Number.isFinite(ib) : ib !== undefined && (ib.length !== cfg.n || !ib.every(Number.isFinite))) {
    throw new Error(`lstm: inputBias must be a finite number or ${cfg.n} finite numbers (one per cell), got ${JSON.stringify(ib)}`);
  }
  const lstm = allocateLstm(cfg);
  const { n, m, p, G, offsets } = lstm;
  const gain = config.gain ?? 1;
  for (let k = 0; k < G; k++) {
    if (m > 0) lstm.Wx.set(initWeights(config.inputInit ?? 'xavier-uniform', n, m, rng, gain), k * n * m);
    lstm.Wh.set(initWeights(config.recurrentInit ?? 'orthogonal', n, n, rng, gain), k * n * n);
  }
  if (typeof ib === 'object') lstm.b.set(ib, offsets.i);
  else lstm.b.fill(ib ?? 0, offsets.i, offsets.i + n);
  if (offsets.f >= 0) lstm.b.fill(config.forgetBias ?? 1, offsets.f, offsets.f + n);
  lstm.b.fill(config.outputBias ?? 0, offsets.o, offsets.o + n);
  lstm.readout.V.set(initWeights(config.readoutInit ?? 'xavier-uniform', p, n, rng));
  return lstm;
}

/**
 * An LSTM with all parameters zero, or set from a flat vector laid out as `theta` (copied).
 *
 * @throws Error when the configuration or the length of theta is wrong.
 */
export function lstmFromParameters(config: LstmConfig, theta?: Float64Array): Lstm {
  checkConfig(config);
  const lstm = allocateLstm(config);
  if (theta) {
    if (theta.length !== lstm.theta.length) {
      throw new Error(`lstm: theta must have ${lstm.theta.length} entries for this configuration, got ${theta.length}`);
    }
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i]!)) throw new Error(`lstm: theta[${i}] is ${theta[i]}; expected finite numbers`);
    }
    lstm.theta.set(theta);
  }
  return lstm;
}

function checkConfig(cfg: LstmConfig): void {
  const { n, m, p } = cfg;
  if (!Number.isInteger(n) || n < 1) throw new Error(`lstm: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`lstm: input size m must be a non-negative integer, got ${m}`);
  if (!Number.isInteger(p) || p < 1) throw new Error(`lstm: readout size p must be a positive integer, got ${p}`);
  if (cfg.squash !== 'tanh' && cfg.squash !== 'scaled-sigmoid') {
    throw new Error(`lstm: squash must be 'tanh' or 'scaled-sigmoid', got ${String(cfg.squash)}`);
  }
}

function allocateLstm(cfg: LstmConfig): Lstm {
  const { n, forgetGate } = cfg;
  const s = viewSizes(cfg);
  const total = Object.values(s).reduce((a, v) => a + v, 0);
  // in the kernel heap, so every product in forward and backward runs the SIMD kernels
  const theta = allocF64(total);
  const v = views(cfg, theta);
  const G = forgetGate ? 4 : 3;
  const offsets = forgetGate ? { i: 0, f: n, g: 2 * n, o: 3 * n } : { i: 0, f: -1, g: n, o: 2 * n };
  return {
    n: cfg.n,
    m: cfg.m,
    p: cfg.p,
    forgetGate: cfg.forgetGate,
    peepholes: cfg.peepholes,
    squash: cfg.squash,
    G,
    offsets,
    theta,
    Wx: v.Wx,
    Wh: v.Wh,
    b: v.b,
    pi: v.pi,
    pf: v.pf,
    po: v.po,
    readout: { p: cfg.p, V: v.V, c: v.c },
  };
}

/** One trainable tensor: its name, its values and its gradient buffer (views into theta / grads.theta). */
export interface LstmParameter {
  readonly name: ParameterName;
  readonly value: Float64Array;
  readonly grad: Float64Array;
  /** The same array as `value`, so the list can be handed to src/training/optimisers as is. */
  readonly param: Float64Array;
}

/**
 * The non-empty parameter tensors with their gradient buffers, in theta order: Wx, Wh, b, [pi, pf,
 * po], readout.V, readout.c. Build it once per run; the arrays are views, so updates show in the model.
 */
export function parameters(lstm: Lstm, grads: LstmGradients): LstmParameter[] {
  const vals: Record<ParameterName, Float64Array> = {
    Wx: lstm.Wx, Wh: lstm.Wh, b: lstm.b, pi: lstm.pi, pf: lstm.pf, po: lstm.po, 'readout.V': lstm.readout.V, 'readout.c': lstm.readout.c,
  };
  const gs: Record<ParameterName, Float64Array> = {
    Wx: grads.Wx, Wh: grads.Wh, b: grads.b, pi: grads.pi, pf: grads.pf, po: grads.po, 'readout.V': grads.V, 'readout.c': grads.c,
  };
  return PARAMETER_NAMES.filter((k) => vals[k].length > 0).map((name) => ({ name, value: vals[name], grad: gs[name], param: vals[name] }));
}

// ---------------------------------------------------------------------------------------------
// Tape
// ---------------------------------------------------------------------------------------------

/** The forward tape, sized once for batch B and at most T steps. */
export interface LstmTape {
  readonly B: number;
  /** Capacity in steps. */
  readonly T: number;
  /** Steps run by the last forward pass (<= T). */
  length: number;
  /** h_0..h_T, (T+1) x B x n. */
  readonly h: Float64Array;
  /** c_0..c_T, (T+1) x B x n. */
  readonly c: Float64Array;
  /** Gate activations of steps 1..T, T x B x Gn, rows ordered [i f g o] ([i g o] for the 1997 cell). */
  readonly gates: Float64Array;
  /** H(c_t) for t = 1..T, T x B x n. */
  readonly hc: Float64Array;
}

/** Allocate a tape for batch B and up to T steps (once per run). */
export function createTape(lstm: Lstm, B: number, T: number): LstmTape {
  const bn = B * lstm.n;
  return {
    B,
    T,
    length: 0,
    h: allocF64((T + 1) * bn),
    c: allocF64((T + 1) * bn),
    gates: allocF64(T * B * lstm.G * lstm.n),
    hc: allocF64(T * bn),
  };
}

/**
 * Return a model's, tape's or gradients' buffers to the kernel heap (optional: sweeps that build
 * many models call these so the heap does not grow). The object must not be used afterwards.
 */
export function freeLstm(lstm: Lstm): void {
  freeF64(lstm.theta);
}
export function freeTape(tape: LstmTape): void {
  for (const v of [tape.h, tape.c, tape.gates, tape.hc]) freeF64(v);
}
export function freeGradients(g: LstmGradients): void {
  for (const v of [g.theta, g.dh, g.dc, g.hNorms, g.cNorms, g.work.delta, g.work.carry, g.work.dA, g.work.y, g.work.dy]) freeF64(v);
  const sh = g.work.shares;
  if (sh) for (const v of [sh.block, sh.H, sh.X, sh.theta1, sh.pairs]) freeF64(v);
}

// ---------------------------------------------------------------------------------------------
// Kernels (hot loops). Trusted arguments; no allocation.
// ---------------------------------------------------------------------------------------------

/** A of the cell-input squashing G(a) = A tanh(a / k). */
function squashAmplitude(s: CellSquash): number {
  return s === 'tanh' ? 1 : 2;
}

/** 1/k of the cell-input squashing G(a) = A tanh(a / k). */
function squashInInv(s: CellSquash): number {
  return s === 'tanh' ? 1 : 0.5;
}

/** 1/k of the cell-output squashing H(c) = tanh(c / k). */
function squashOutInv(s: CellSquash): number {
  return s === 'tanh' ? 1 : 0.5;
}

function sigma(v: number): number {
  // two branches so exp never overflows
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * The input part of the gate pre-activations for `rows` rows (steps x batch): a_r = Wx x_r + b
 * (rows x Gn at aOff), x: rows x m at xOff. forward adds Wh h_{t-1} step by step.
 */
export function inputProjectionKernel(lstm: Lstm, rows: number, x: Float64Array, xOff: number, a: Float64Array, aOff: number): void {
  const { n, m, G, Wx, b } = lstm;
  const Gn = G * n;
  for (let r = 0; r < rows; r++) a.set(b, aOff + r * Gn);
  if (m > 0 && rows > 0) dgemm(false, true, rows, Gn, m, 1, x, xOff, m, Wx, 0, m, 1, a, aOff, Gn);
}

/**
 * The elementwise cell update of one step, in place on the gate block (pre-activations in,
 * activations out): peepholes from c_{t-1} into i and f, c_t, the peephole from c_t into o,
 * H(c_t) and h_t = o_t H(c_t).
 *
 * With the gate block, c and H(c) in the kernel heap every nonlinearity goes through the SIMD tanh
 * kernel (within 4 ulp of Math.tanh), the sigmoid gates as sigma(a) = 1/2 + 1/2 tanh(a/2):
 * one call over the whole B x Gn block (without peepholes; with them, the peephole from c_t makes
 * o a second, per-row pass) and one over the B x n cell outputs. Otherwise the scalar loop below.
 */
export function cellKernel(
  lstm: Lstm,
  B: number,
  gates: Float64Array,
  gOff: number,
  c: Float64Array,
  cPrevOff: number,
  cOff: number,
  hc: Float64Array,
  hcOff: number,
  h: Float64Array,
  hOff: number,
): void {
  if (inWasm(gates) && inWasm(c) && inWasm(hc)) cellKernelVector(lstm, B, gates, gOff, c, cPrevOff, cOff, hc, hcOff, h, hOff);
  else cellKernelScalar(lstm, B, gates, gOff, c, cPrevOff, cOff, hc, hcOff, h, hOff);
}

/** y = tanh(a) over len entries (in place when a === y and the offsets agree); SIMD for heap arrays. */
function tanhKernel(len: number, a: Float64Array, aOff: number, y: Float64Array, yOff: number): void {
  if (len >= 8 && inWasm(a) && inWasm(y)) kernels.tanh_kernel(len, a.byteOffset + 8 * aOff, y.byteOffset + 8 * yOff);
  else for (let k = 0; k < len; k++) y[yOff + k] = Math.tanh(a[aOff + k]!);
}

/** cellKernel through the SIMD tanh: gates, c and hc in the kernel heap. */
function cellKernelVector(
  lstm: Lstm,
  B: number,
  gates: Float64Array,
  gOff: number,
  c: Float64Array,
  cPrevOff: number,
  cOff: number,
  hc: Float64Array,
  hcOff: number,
  h: Float64Array,
  hOff: number,
): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInInv(squash);
  const invKh = squashOutInv(squash);
  const oi = offsets.i;
  const of = offsets.f;
  const og = offsets.g;
  const oo = offsets.o;
  // arguments of the tanh: a/2 for the sigmoid gates (with the peepholes from c_{t-1}), a/k for g
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * Gn;
    const cp = cPrevOff + r * n;
    if (peepholes) {
      for (let j = 0; j < n; j++) gates[gr + oi + j] = 0.5 * (gates[gr + oi + j]! + pi[j]! * c[cp + j]!);
      if (forgetGate) for (let j = 0; j < n; j++) gates[gr + of + j] = 0.5 * (gates[gr + of + j]! + pf[j]! * c[cp + j]!);
    } else {
      for (let j = 0; j < n; j++) gates[gr + oi + j]! *= 0.5;
      if (forgetGate) for (let j = 0; j < n; j++) gates[gr + of + j]! *= 0.5;
      for (let j = 0; j < n; j++) gates[gr + oo + j]! *= 0.5;
    }
    if (invK !== 1) for (let j = 0; j < n; j++) gates[gr + og + j]! *= invK;
  }
  if (peepholes) {
    // o waits for c_t: only the blocks before it ([i f g] or [i g]) now
    for (let r = 0; r < B; r++) tanhKernel(oo, gates, gOff + r * Gn, gates, gOff + r * Gn);
  } else {
    tanhKernel(B * Gn, gates, gOff, gates, gOff);
  }
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * Gn;
    const cp = cPrevOff + r * n;
    const cr = cOff + r * n;
    for (let j = 0; j < n; j++) {
      const i = 0.5 + 0.5 * gates[gr + oi + j]!;
      gates[gr + oi + j] = i;
      const g = A * gates[gr + og + j]!;
      gates[gr + og + j] = g;
      let ct: number;
      if (forgetGate) {
        const f = 0.5 + 0.5 * gates[gr + of + j]!;
        gates[gr + of + j] = f;
        ct = f * c[cp + j]! + i * g;
      } else {
        // the constant error carousel: self-connection of weight 1
        ct = c[cp + j]! + i * g;
      }
      c[cr + j] = ct;
    }
    if (!peepholes) for (let j = 0; j < n; j++) gates[gr + oo + j] = 0.5 + 0.5 * gates[gr + oo + j]!;
  }
  if (peepholes) {
    for (let r = 0; r < B; r++) {
      const ko = gOff + r * Gn + oo;
      const cr = cOff + r * n;
      for (let j = 0; j < n; j++) gates[ko + j] = 0.5 * (gates[ko + j]! + po[j]! * c[cr + j]!);
      tanhKernel(n, gates, ko, gates, ko);
      for (let j = 0; j < n; j++) gates[ko + j] = 0.5 + 0.5 * gates[ko + j]!;
    }
  }
  const bn = B * n;
  if (invKh === 1) {
    tanhKernel(bn, c, cOff, hc, hcOff);
  } else {
    for (let k = 0; k < bn; k++) hc[hcOff + k] = c[cOff + k]! * invKh;
    tanhKernel(bn, hc, hcOff, hc, hcOff);
  }
  for (let r = 0; r < B; r++) {
    const ko = gOff + r * Gn + oo;
    const sr = hcOff + r * n;
    const hr = hOff + r * n;
    for (let j = 0; j < n; j++) h[hr + j] = gates[ko + j]! * hc[sr + j]!;
  }
}

/** cellKernel one element at a time (Math.exp, Math.tanh), for arrays outside the kernel heap. */
function cellKernelScalar(
  lstm: Lstm,
  B: number,
  gates: Float64Array,
  gOff: number,
  c: Float64Array,
  cPrevOff: number,
  cOff: number,
  hc: Float64Array,
  hcOff: number,
  h: Float64Array,
  hOff: number,
): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInInv(squash);
  const invKh = squashOutInv(squash);
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * Gn;
    const cp = cPrevOff + r * n;
    const cr = cOff + r * n;
    const hr = hOff + r * n;
    const sr = hcOff + r * n;
    for (let j = 0; j < n; j++) {
      const cPrev = c[cp + j]!;
      const ki = gr + offsets.i + j;
      const kg = gr + offsets.g + j;
      const ko = gr + offsets.o + j;
      const i = sigma(peepholes ? gates[ki]! + pi[j]! * cPrev : gates[ki]!);
      gates[ki] = i;
      const g = A * Math.tanh(gates[kg]! * invK);
      gates[kg] = g;
      let ct: number;
      if (forgetGate) {
        const kf = gr + offsets.f + j;
        const f = sigma(peepholes ? gates[kf]! + pf[j]! * cPrev : gates[kf]!);
        gates[kf] = f;
        ct = f * cPrev + i * g;
      } else {
        // the constant error carousel: self-connection of weight 1
        ct = cPrev + i * g;
      }
      c[cr + j] = ct;
      const o = sigma(peepholes ? gates[ko]! + po[j]! * ct : gates[ko]!);
      gates[ko] = o;
      const s = Math.tanh(ct * invKh);
      hc[sr + j] = s;
      h[hr + j] = o * s;
    }
  }
}

/**
 * The elementwise part of one BPTT step. In: dh = dL/dh_t (B x n, total), dc = the part of dL/dc_t
 * arriving from step t+1 (B x n). Out: dc <- dL/dc_{t-1} through the carousel and the peepholes,
 * da = dL/d(gate pre-activations) (B x Gn at daOff), dcTotal = dL/dc_t (B x n at dcTotalOff) when given, and
 * the peephole gradients accumulated.
 *
 *     do = dh H(c_t),                 da_o = do o (1 - o)
 *     dc_t = dc + dh o H'(c_t) + da_o p_o
 *     da_i = dc_t g i (1 - i),  da_g = dc_t i G'(g),  da_f = dc_t c_{t-1} f (1 - f)
 *     dc_{t-1} = dc_t f (or dc_t) + da_i p_i + da_f p_f
 */
export function cellBackwardKernel(
  lstm: Lstm,
  B: number,
  gates: Float64Array,
  gOff: number,
  c: Float64Array,
  cPrevOff: number,
  cOff: number,
  hc: Float64Array,
  hcOff: number,
  dh: Float64Array,
  dc: Float64Array,
  da: Float64Array,
  daOff: number,
  dcTotal: Float64Array | null,
  dcTotalOff: number,
  dpi: Float64Array,
  dpf: Float64Array,
  dpo: Float64Array,
): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInInv(squash);
  const dInScale = A * invK;
  const invA = 1 / A;
  const invKh = squashOutInv(squash);
  if (forgetGate && !peepholes && dcTotal) {
    // the common cell, without the branches of the general loop below (same arithmetic, same bits)
    const oi = offsets.i;
    const of = offsets.f;
    const og = offsets.g;
    const oo = offsets.o;
    for (let r = 0; r < B; r++) {
      const gr = gOff + r * Gn;
      const ar = daOff + r * Gn;
      const cp = cPrevOff + r * n;
      const sr = hcOff + r * n;
      const vr = r * n;
      const tr = dcTotalOff + vr;
      for (let j = 0; j < n; j++) {
        const i = gates[gr + oi + j]!;
        const f = gates[gr + of + j]!;
        const g = gates[gr + og + j]!;
        const o = gates[gr + oo + j]!;
        const s = hc[sr + j]!;
        const dhv = dh[vr + j]!;
        const dct = dc[vr + j]! + dhv * o * invKh * (1 - s * s);
        dcTotal[tr + j] = dct;
        const gn = g * invA;
        da[ar + oi + j] = dct * g * i * (1 - i);
        da[ar + of + j] = dct * c[cp + j]! * f * (1 - f);
        da[ar + og + j] = dct * i * dInScale * (1 - gn * gn);
        da[ar + oo + j] = dhv * s * o * (1 - o);
        dc[vr + j] = dct * f;
      }
    }
    return;
  }
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * Gn;
    const ar = daOff + r * Gn;
    const cp = cPrevOff + r * n;
    const cr = cOff + r * n;
    const sr = hcOff + r * n;
    const vr = r * n;
    for (let j = 0; j < n; j++) {
      const i = gates[gr + offsets.i + j]!;
      const g = gates[gr + offsets.g + j]!;
      const o = gates[gr + offsets.o + j]!;
      const s = hc[sr + j]!;
      const dhv = dh[vr + j]!;
      const dao = dhv * s * o * (1 - o);
      let dct = dc[vr + j]! + dhv * o * invKh * (1 - s * s);
      if (peepholes) {
        dct += dao * po[j]!;
        dpo[j]! += dao * c[cr + j]!;
      }
      if (dcTotal) dcTotal[dcTotalOff + vr + j] = dct;
      const gn = g * invA;
      const dai = dct * g * i * (1 - i);
      const dag = dct * i * dInScale * (1 - gn * gn);
      da[ar + offsets.i + j] = dai;
      da[ar + offsets.g + j] = dag;
      da[ar + offsets.o + j] = dao;
      const cPrev = c[cp + j]!;
      let dcPrev: number;
      if (forgetGate) {
        const f = gates[gr + offsets.f + j]!;
        const daf = dct * cPrev * f * (1 - f);
        da[ar + offsets.f + j] = daf;
        dcPrev = dct * f;
        if (peepholes) {
          dcPrev += daf * pf[j]!;
          dpf[j]! += daf * cPrev;
        }
      } else {
        // the carousel passes the error back unscaled
        dcPrev = dct;
      }
      if (peepholes) {
        dcPrev += dai * pi[j]!;
        dpi[j]! += dai * cPrev;
      }
      dc[vr + j] = dcPrev;
    }
  }
}

/**
 * The weight gradients of a run of consecutive steps t0..t1 (rows = (t1 - t0 + 1) B), as one
 * product each:
 *
 *     dWh += sum_t da_t^T h_{t-1} = dA^T H,   dWx += dA^T X,   db += 1^T dA,
 *
 * where dA (rows x Gn) stacks da_t and H (at hOff), X (at xOff) are the matching rows h_{t-1}, x_t.
 * dWh is read and written once per run, not once per step, and the product runs the blocked (and
 * threaded) GEMM, as in src/models/rnn.ts.
 */
export function weightGradientKernel(
  lstm: Lstm,
  rows: number,
  dA: Float64Array,
  h: Float64Array,
  hOff: number,
  x: Float64Array,
  xOff: number,
  grads: LstmGradients,
): void {
  const { n, m, G } = lstm;
  const Gn = G * n;
  dgemm(true, false, Gn, n, rows, 1, dA, 0, Gn, h, hOff, n, 1, grads.Wh, 0, n);
  if (m > 0) dgemm(true, false, Gn, m, rows, 1, dA, 0, Gn, x, xOff, m, 1, grads.Wx, 0, m);
  const db = grads.b;
  for (let r = 0; r < rows; r++) {
    const o = r * Gn;
    for (let k = 0; k < Gn; k++) db[k]! += dA[o + k]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Forward
// ---------------------------------------------------------------------------------------------

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Steps to run (<= tape.T). Default: tape.T. */
  readonly T?: number;
  /** Initial hidden state h_0 (B x n). Default 0. */
  readonly h0?: Float64Array;
  /** Initial cell state c_0 (B x n). Default 0. */
  readonly c0?: Float64Array;
}

/** Batches of at least this many rows run the forward pass as two shares of rows (kernels.ts lstm_forward). */
const SHARE_MIN_B = 8;
/** Multiply-adds below which both shares stay on this thread. */
const SHARE_PARALLEL_MIN_WORK = 1 << 17;
let packedShare: Float64Array | undefined;
let packedWhT: PackedMatrix | undefined;
let packedWh: PackedMatrix | undefined;

/**
 * Run the LSTM over T steps on inputs x (T x B x m), filling the tape. No allocation inside the
 * time loop.
 */
export function forward(lstm: Lstm, x: Float64Array, tape: LstmTape, opts: ForwardOptions = {}): LstmTape {
  const { n, m, G } = lstm;
  const { B, h, c, gates, hc } = tape;
  const T = opts.T ?? tape.T;
  if (!Number.isInteger(T) || T < 0 || T > tape.T) throw new Error(`lstm: forward over T = ${T} steps needs 0 <= T <= tape.T = ${tape.T}`);
  if (x.length < T * B * m) throw new Error(`lstm: inputs must have T x B x m = ${T * B * m} entries, got ${x.length}`);
  const bn = B * n;
  const bg = B * G * n;
  if (opts.h0) h.set(opts.h0.subarray(0, bn), 0);
  else h.fill(0, 0, bn);
  if (opts.c0) c.set(opts.c0.subarray(0, bn), 0);
  else c.fill(0, 0, bn);
  if (B >= SHARE_MIN_B && [h, c, gates, hc, lstm.theta].every(inWasm) && (m === 0 || inWasm(x))) {
    // two shares of rows, each the whole run in kernels.ts lstm_forward (input part included, each
    // step's rows while they are in cache): rows never interact
    const Gn = G * n;
    const size = kernels.packed_size(n, Gn) + Gn * m;
    if (!packedShare || packedShare.length < size) {
      if (packedShare) freeF64(packedShare);
      packedShare = allocF64(size);
    }
    kernels.pack_b(1, n, Gn, lstm.Wh.byteOffset, n, packedShare.byteOffset);
    const WxT = packedShare.byteOffset + 8 * kernels.packed_size(n, Gn);
    if (m > 0) kernels.transpose(Gn, m, lstm.Wx.byteOffset, m, WxT, Gn);
    const { i, f, g, o } = lstm.offsets;
    const ptr = (v: Float64Array): number => (v.length > 0 ? v.byteOffset : 0);
    const tail = [T, i, f, g, o, lstm.squash === 'tanh' ? 0 : 1, gates.byteOffset, packedShare.byteOffset, lstm.Wh.byteOffset,
      h.byteOffset, c.byteOffset, hc.byteOffset, ptr(lstm.pi), ptr(lstm.pf), ptr(lstm.po), m, m > 0 ? x.byteOffset : 0, WxT, lstm.b.byteOffset];
    const half = B >> 1;
    twoShares(JOB_LSTM_FORWARD, [n, G, B, 0, half, ...tail], [n, G, B, half, B, ...tail], T * B * Gn * n >= SHARE_PARALLEL_MIN_WORK);
    tape.length = T;
    return tape;
  }
  // the input part Wx x_t + b of every step does not wait for h_{t-1}: one product over all T B rows
  inputProjectionKernel(lstm, T * B, x, 0, gates, 0);
  // Wh^T packed once for the T products h_{t-1} Wh^T (packed again at every call: training updates Wh)
  packedWhT = packMatrix(true, n, G * n, lstm.Wh, 0, n, packedWhT);
  for (let t = 1; t <= T; t++) {
    const gOff = (t - 1) * bg;
    dgemmPacked(false, B, 1, h, (t - 1) * bn, n, packedWhT, 1, gates, gOff, G * n);
    cellKernel(lstm, B, gates, gOff, c, (t - 1) * bn, t * bn, hc, (t - 1) * bn, h, t * bn);
  }
  tape.length = T;
  return tape;
}

/**
 * Readout outputs y_t = V h_t + c of the filled tape at the loss steps: the last step only
 * ('last', out: B x p) or every step ('all', out: T x B x p).
 */
export function readoutOutputs(lstm: Lstm, tape: LstmTape, steps: 'last' | 'all', out: Float64Array): Float64Array {
  const { n, p } = lstm;
  const { B, length: T } = tape;
  const { V, c } = lstm.readout;
  const t0 = steps === 'last' ? T : 1;
  for (let t = t0; t <= T; t++) {
    const oOff = (t - t0) * B * p;
    for (let r = 0; r < B; r++) out.set(c, oOff + r * p);
    dgemm(false, true, B, p, n, 1, tape.h, t * B * n, n, V, 0, n, 1, out, oOff, p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Losses and backward
// ---------------------------------------------------------------------------------------------

export type LossKind = 'squared-error' | 'cross-entropy';

/**
 * A loss on the readout outputs y_t = V h_t + c, summed over the steps it covers and averaged over
 * the batch (as src/models/rnn.ts):
 *
 *     L = (1/B) sum_r sum_{t in S} l(y_t^r, target_t^r)   [ / |S| when meanOverSteps ],
 *
 * with S = {T} ('last') or {1..T} ('all');
 * l = 1/2 ||y - target||^2 ('squared-error') or -log softmax(y)[label] ('cross-entropy').
 */
export interface LstmLoss {
  readonly kind: LossKind;
  readonly steps: 'last' | 'all';
  /** squared-error: |S| x B x p targets. */
  readonly targets?: Float64Array;
  /** cross-entropy: |S| x B class labels in [0, p). */
  readonly labels?: Int32Array;
  /** Divide by the number of loss steps too (the per-step mean used by copy-memory). Default false. */
  readonly meanOverSteps?: boolean;
}

/** Gradient buffers (views into one flat `theta`), per-step error signals and backward scratch. */
export interface LstmGradients {
  /** dL/dtheta, laid out as lstm.theta. */
  readonly theta: Float64Array;
  readonly Wx: Float64Array;
  readonly Wh: Float64Array;
  readonly b: Float64Array;
  readonly pi: Float64Array;
  readonly pf: Float64Array;
  readonly po: Float64Array;
  /** dL/dV and dL/dc of the readout. */
  readonly V: Float64Array;
  readonly c: Float64Array;
  /**
   * dL/dh_t, (T+1) x B x n, t = 0..T: the total derivative with respect to h_t as computed at step t
   * (all later steps recomputed; c_t held, since h_t is computed from it).
   */
  readonly dh: Float64Array;
  /**
   * dL/dc_t, (T+1) x B x n, t = 0..T: the total derivative with respect to c_t as computed at step t
   * (h_t, o_t and all later steps recomputed from it).
   */
  readonly dc: Float64Array;
  /** ||dL/dh_t||_F over the batch (the B x n block), t = 0..T. */
  readonly hNorms: Float64Array;
  /** ||dL/dc_t||_F over the batch, t = 0..T. */
  readonly cNorms: Float64Array;
  /**
   * Backward scratch, sized once: delta, carry (B x n), y, dy (B x p), and dA: da_t for a run of
   * consecutive steps (a whole number of B x Gn blocks), whose weight gradient is one product.
   */
  readonly work: { delta: Float64Array; carry: Float64Array; dA: Float64Array; y: Float64Array; dy: Float64Array; shares?: BackwardShares };
}

/**
 * Scratch of the two-share backward (B >= SHARE_MIN_B, kernels.ts lstm_backward): each share's
 * argument block, its rows h_{t-1} and x_t of the current run (H, X), the second share's weight
 * gradient sums (laid out as theta; the first share adds into grads.theta) and both shares' norm
 * pairs (scale, ssq) per step: dh share 0, dh share 1, dc share 0, dc share 1, 2 (T+1) each.
 */
interface BackwardShares {
  readonly block: Float64Array;
  readonly args: Int32Array;
  readonly first: number[];
  readonly second: number[];
  readonly H: Float64Array;
  readonly X: Float64Array;
  readonly theta1: Float64Array;
  readonly pairs: Float64Array;
}

/**
 * Rows (steps x batch) of da_t kept before their weight gradient is formed as one product (as
 * src/models/rnn.ts, which keeps 1024): enough for the blocked GEMM to run near its peak. The LSTM's
 * rows are 4n wide, and 512 of them (2 MiB at n = 128) measured faster than 1024 (n = 128, B = 32:
 * about 150 against 180 us per step for the weight gradient).
 */
const DEFERRED_ROWS = 512;

/** Allocate gradient buffers and backward scratch for batch B and up to T steps (once per run). */
export function createGradients(lstm: Lstm, B: number, T: number): LstmGradients {
  const { n, p, G } = lstm;
  const theta = allocF64(lstm.theta.length);
  const v = views(lstm, theta);
  const run = Math.max(1, Math.min(T, Math.ceil(DEFERRED_ROWS / B)));
  return {
    theta,
    ...v,
    dh: allocF64((T + 1) * B * n),
    dc: allocF64((T + 1) * B * n),
    hNorms: allocF64(T + 1),
    cNorms: allocF64(T + 1),
    work: {
      delta: allocF64(B * n),
      carry: allocF64(B * n),
      dA: allocF64(run * B * G * n),
      y: allocF64(B * p),
      dy: allocF64(B * p),
      shares: B >= SHARE_MIN_B ? backwardShares(lstm, B, T, run) : undefined,
    },
  };
}

function backwardShares(lstm: Lstm, B: number, T: number, run: number): BackwardShares {
  const block = allocF64(LB_ARGS); // two blocks of LB_ARGS Int32 slots
  const args = new Int32Array(block.buffer, block.byteOffset, 2 * LB_ARGS);
  return {
    block,
    args,
    first: [block.byteOffset],
    second: [block.byteOffset + 4 * LB_ARGS],
    H: allocF64(run * B * lstm.n),
    X: allocF64(Math.max(1, run * B * lstm.m)),
    theta1: allocF64(lstm.theta.length),
    pairs: allocF64(8 * (T + 1)),
  };
}

/**
 * One step's loss over a batch, given the outputs y = V h + c (B x p, already in y), with
 * dl/dy into dy (scaled). Returns the scaled loss.
 * - squared-error: l = scale sum_r 1/2 ||y_r - target_r||^2, dl/dy = scale (y - target)
 * - cross-entropy: l = -scale sum_r log softmax(y_r)[label_r], dl/dy = scale (softmax(y) - e_label)
 */
export function lossKernel(
  kind: LossKind,
  B: number,
  p: number,
  y: Float64Array,
  targets: Float64Array | null,
  tOff: number,
  labels: Int32Array | null,
  lOff: number,
  scale: number,
  dy: Float64Array,
): number {
  let loss = 0;
  if (kind === 'squared-error') {
    for (let i = 0; i < B * p; i++) {
      const e = y[i]! - targets![tOff + i]!;
      loss += 0.5 * e * e;
      dy[i] = scale * e;
    }
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
  }
  return loss * scale;
}

function stepLoss(lstm: Lstm, tape: LstmTape, loss: LstmLoss, t: number, y: Float64Array, dy: Float64Array): number {
  const { n, p } = lstm;
  const { B, length: T } = tape;
  const k = loss.steps === 'last' ? 0 : t - 1;
  const nS = loss.steps === 'last' ? 1 : T;
  const scale = loss.meanOverSteps ? 1 / (B * nS) : 1 / B;
  const { V, c } = lstm.readout;
  for (let r = 0; r < B; r++) y.set(c, r * p);
  dgemm(false, true, B, p, n, 1, tape.h, t * B * n, n, V, 0, n, 1, y, 0, p);
  return lossKernel(loss.kind, B, p, y, loss.targets ?? null, k * B * p, loss.labels ?? null, k * B, scale, dy);
}

/** The loss L of a filled tape (no gradients), e.g. for finite differences. */
export function lossValue(lstm: Lstm, tape: LstmTape, loss: LstmLoss, work?: LstmGradients['work']): number {
  const { B, length: T } = tape;
  const y = work ? work.y : new Float64Array(B * lstm.p);
  const dy = work ? work.dy : new Float64Array(B * lstm.p);
  let L = 0;
  for (let t = loss.steps === 'last' ? T : 1; t <= T; t++) L += stepLoss(lstm, tape, loss, t, y, dy);
  return L;
}

/**
 * Backpropagation through time over a filled tape: overwrites `grads` with dL/dtheta, the per-step
 * dL/dh_t and dL/dc_t (t = 0..T) and their norms, and returns L.
 *
 *     dL/dh_t = dl_t/dh_t + Wh^T da_{t+1}
 *     dL/dc_t = dL/dc_t|_{from t+1} + dL/dh_t o_t H'(c_t) + p_o da_o,t
 *     dL/dc_{t-1}|_{from t} = f_t dL/dc_t (1 without a forget gate) + p_i da_i,t + p_f da_f,t
 *     dL/dWx = sum_t da_t^T x_t,  dL/dWh = sum_t da_t^T h_{t-1},  dL/db = sum_t sum_r da_t
 *
 * with da_t = dL/d(gate pre-activations at t) from cellBackwardKernel. The weight gradients are
 * deferred: da_t of a run of consecutive steps t0..t1 is stacked in work.dA, and at the end of the
 * run dWh += dA^T H, dWx += dA^T X (H, X: the rows h_{t-1}, x_t, contiguous on the tape) are one
 * product each and db gets the column sums of dA, instead of a rank-B update of the whole 4n x n
 * dWh every step.
 */
export function backward(lstm: Lstm, tape: LstmTape, x: Float64Array, loss: LstmLoss, grads: LstmGradients): number {
  const { n, m, G, Wh } = lstm;
  const { B, length: T, h, c, gates, hc } = tape;
  const sh = grads.work.shares;
  if (sh && [h, c, gates, hc, lstm.theta].every(inWasm) && (m === 0 || inWasm(x))) return backwardInShares(lstm, tape, x, loss, grads, sh);
  const Gn = G * n;
  const bn = B * n;
  const { delta, carry, dA } = grads.work;
  const bg = B * Gn;
  grads.theta.fill(0);
  delta.fill(0);
  carry.fill(0);
  const run = Math.floor(dA.length / bg); // steps per deferred weight-gradient product
  let tHi = T; // the current run covers steps tLo..tHi; da_t sits at row block t - tLo of dA
  let L = 0;
  packedWh = packMatrix(false, Gn, n, Wh, 0, n, packedWh);
  for (let t = T; t >= 1; t--) {
    if (loss.steps === 'all' || t === T) L += readoutBackward(lstm, tape, loss, t, grads);
    grads.dh.set(delta, t * bn);
    grads.hNorms[t] = dnrm2(bn, delta);
    const gOff = (t - 1) * bg;
    const tLo = Math.max(1, tHi - run + 1);
    const daOff = (t - tLo) * bg;
    cellBackwardKernel(lstm, B, gates, gOff, c, (t - 1) * bn, t * bn, hc, (t - 1) * bn, delta, carry, dA, daOff,
      grads.dc, t * bn, grads.pi, grads.pf, grads.po);
    grads.cNorms[t] = dnrm2(bn, grads.dc, t * bn);
    dgemmPacked(false, B, 1, dA, daOff, Gn, packedWh, 0, delta, 0, n);
    if (t === tLo) {
      weightGradientKernel(lstm, (tHi - tLo + 1) * B, dA, h, (tLo - 1) * bn, x, (tLo - 1) * B * m, grads);
      tHi = tLo - 1;
    }
  }
  grads.dh.set(delta, 0);
  grads.dc.set(carry, 0);
  grads.hNorms[0] = dnrm2(bn, delta);
  grads.cNorms[0] = dnrm2(bn, carry);
  return L;
}

/**
 * The loss term of step t: adds dl_t/dh_t = dy V to work.delta and the readout's gradients
 * dV += dy^T h_t, dc += 1^T dy; returns l_t.
 */
function readoutBackward(lstm: Lstm, tape: LstmTape, loss: LstmLoss, t: number, grads: LstmGradients): number {
  const { n, p } = lstm;
  const { B, h } = tape;
  const { delta, y, dy } = grads.work;
  const L = stepLoss(lstm, tape, loss, t, y, dy);
  dgemm(false, false, B, n, p, 1, dy, 0, p, lstm.readout.V, 0, n, 1, delta, 0, n);
  dgemm(true, false, p, n, B, 1, dy, 0, p, h, t * B * n, n, 1, grads.V, 0, n);
  for (let r = 0; r < B; r++) for (let k = 0; k < p; k++) grads.c[k]! += dy[r * p + k]!;
  return L;
}

/** Int32 slots of kernels.ts lstm_backward's argument block (its LB_* constants). */
const LB = {
  n: 0, G: 1, B: 2, r0: 3, r1: 4, oi: 5, oF: 6, og: 7, oo: 8, squash: 9, m: 10,
  gates: 11, c: 12, hc: 13, h: 14, x: 15, Wp: 16, Wh: 17, pi: 18, pf: 19, po: 20,
  delta: 21, carry: 22, dh: 23, dc: 24, hNorms: 25, cNorms: 26,
  dA: 27, H: 28, X: 29, dWh: 30, dWx: 31, db: 32, dpi: 33, dpf: 34, dpo: 35,
  tHi: 36, t: 37, tEnd: 38, tLo: 39,
} as const;
const LB_ARGS = 40;
let packedShareBack: Float64Array | undefined;

/**
 * backward for B >= SHARE_MIN_B: two shares of rows (kernels.ts lstm_backward), the second on the
 * worker thread when the work is large. The loss terms are added here between the kernel's runs
 * (one call for the whole sequence with a loss on the last step only, one per step with a loss on
 * every step). Each share sums its rows' weight gradients; the second share's sums are added at
 * the end, and the norms of dL/dh_t, dL/dc_t are joined from the shares' (scale, ssq) pairs. The
 * split is fixed by B, so the bits do not depend on the number of threads.
 */
function backwardInShares(lstm: Lstm, tape: LstmTape, x: Float64Array, loss: LstmLoss, grads: LstmGradients, sh: BackwardShares): number {
  const { n, m, G, Wh } = lstm;
  const { B, length: T, h, c, gates, hc } = tape;
  const Gn = G * n;
  const bn = B * n;
  const { delta, carry, dA } = grads.work;
  const run = Math.floor(dA.length / (B * Gn)); // steps per deferred weight-gradient product
  const size = kernels.packed_size(Gn, n);
  if (!packedShareBack || packedShareBack.length < size) {
    if (packedShareBack) freeF64(packedShareBack);
    packedShareBack = allocF64(size);
  }
  kernels.pack_b(0, Gn, n, Wh.byteOffset, n, packedShareBack.byteOffset);
  grads.theta.fill(0);
  sh.theta1.fill(0);
  delta.fill(0);
  carry.fill(0);
  const { args, pairs } = sh;
  const stride = pairs.length / 4; // 2 (T + 1) for the tape's capacity
  const shift = sh.theta1.byteOffset - grads.theta.byteOffset;
  const half = B >> 1;
  for (let k = 0; k < 2; k++) {
    const a = k * LB_ARGS;
    const r0 = k === 0 ? 0 : half;
    const acc = k === 0 ? 0 : shift; // the second share sums into theta1
    args[a + LB.n] = n;
    args[a + LB.G] = G;
    args[a + LB.B] = B;
    args[a + LB.r0] = r0;
    args[a + LB.r1] = k === 0 ? half : B;
    args[a + LB.oi] = lstm.offsets.i;
    args[a + LB.oF] = lstm.offsets.f;
    args[a + LB.og] = lstm.offsets.g;
    args[a + LB.oo] = lstm.offsets.o;
    args[a + LB.squash] = lstm.squash === 'tanh' ? 0 : 1;
    args[a + LB.m] = m;
    args[a + LB.gates] = gates.byteOffset;
    args[a + LB.c] = c.byteOffset;
    args[a + LB.hc] = hc.byteOffset;
    args[a + LB.h] = h.byteOffset;
    args[a + LB.x] = m > 0 ? x.byteOffset : 0;
    args[a + LB.Wp] = packedShareBack.byteOffset;
    args[a + LB.Wh] = Wh.byteOffset;
    args[a + LB.pi] = lstm.pi.length > 0 ? lstm.pi.byteOffset : 0;
    args[a + LB.pf] = lstm.pf.length > 0 ? lstm.pf.byteOffset : 0;
    args[a + LB.po] = lstm.po.length > 0 ? lstm.po.byteOffset : 0;
    args[a + LB.delta] = delta.byteOffset;
    args[a + LB.carry] = carry.byteOffset;
    args[a + LB.dh] = grads.dh.byteOffset;
    args[a + LB.dc] = grads.dc.byteOffset;
    args[a + LB.hNorms] = pairs.byteOffset + 8 * stride * k;
    args[a + LB.cNorms] = pairs.byteOffset + 8 * stride * (2 + k);
    args[a + LB.dA] = dA.byteOffset + 8 * run * r0 * Gn;
    args[a + LB.H] = sh.H.byteOffset + 8 * run * r0 * n;
    args[a + LB.X] = sh.X.byteOffset + 8 * run * r0 * m;
    args[a + LB.dWh] = grads.Wh.byteOffset + acc;
    args[a + LB.dWx] = grads.Wx.byteOffset + acc;
    args[a + LB.db] = grads.b.byteOffset + acc;
    args[a + LB.dpi] = grads.pi.byteOffset + acc;
    args[a + LB.dpf] = grads.pf.byteOffset + acc;
    args[a + LB.dpo] = grads.po.byteOffset + acc;
  }
  let L = 0;
  let tHi = T; // the current run covers steps tLo..tHi
  for (let t = T; t >= 1; ) {
    if (loss.steps === 'all' || t === T) L += readoutBackward(lstm, tape, loss, t, grads);
    const tLo = Math.max(1, tHi - run + 1);
    // steps t down to tEnd in one call: no loss term in between
    const tEnd = loss.steps === 'all' ? t : tLo;
    args[LB.tHi] = args[LB_ARGS + LB.tHi] = tHi;
    args[LB.t] = args[LB_ARGS + LB.t] = t;
    args[LB.tEnd] = args[LB_ARGS + LB.tEnd] = tEnd;
    args[LB.tLo] = args[LB_ARGS + LB.tLo] = tLo;
    twoShares(JOB_LSTM_BACKWARD, sh.first, sh.second, (t - tEnd + 1) * B * Gn * n >= SHARE_PARALLEL_MIN_WORK);
    for (let s = tEnd; s <= t; s++) {
      const o = 2 * s;
      grads.hNorms[s] = Math.hypot(pairs[o]! * Math.sqrt(pairs[o + 1]!), pairs[stride + o]! * Math.sqrt(pairs[stride + o + 1]!));
      grads.cNorms[s] = Math.hypot(pairs[2 * stride + o]! * Math.sqrt(pairs[2 * stride + o + 1]!), pairs[3 * stride + o]! * Math.sqrt(pairs[3 * stride + o + 1]!));
    }
    if (tEnd === tLo) tHi = tLo - 1;
    t = tEnd - 1;
  }
  // the second share's sums of the cell parameters (theta up to the readout)
  const cells = lstm.readout.V.byteOffset - lstm.theta.byteOffset >> 3;
  for (let i = 0; i < cells; i++) grads.theta[i]! += sh.theta1[i]!;
  grads.dh.set(delta, 0);
  grads.dc.set(carry, 0);
  grads.hNorms[0] = dnrm2(bn, delta);
  grads.cNorms[0] = dnrm2(bn, carry);
  return L;
}

// ---------------------------------------------------------------------------------------------
// Jacobians
// ---------------------------------------------------------------------------------------------

/**
 * The Jacobian of one step's state s_t = (h_t, c_t) with respect to s_{t-1} = (h_{t-1}, c_{t-1}) for
 * batch row r, into out (2n x 2n, row-major, blocks [[dh/dh', dh/dc'], [dc/dh', dc/dc']]):
 *
 *     dc/dh' = diag(c' f(1-f)) Wh_f + diag(g i(1-i)) Wh_i + diag(i G'(g)) Wh_g
 *     dc/dc' = diag(f + c' f(1-f) p_f + g i(1-i) p_i)        (f -> 1 without a forget gate)
 *     dh/dh' = diag(H o(1-o)) Wh_o + diag(H o(1-o) p_o + o H'(c)) dc/dh'
 *     dh/dc' = diag(H o(1-o) p_o + o H'(c)) dc/dc'
 *
 * Without peepholes dc/dc' = diag(f_t) (the identity for the 1997 cell): the carousel.
 */
export function stepJacobian(lstm: Lstm, tape: LstmTape, t: number, r: number, out: Float64Array): Float64Array {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash, Wh } = lstm;
  const { B, c, gates, hc } = tape;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInInv(squash);
  const invKh = squashOutInv(squash);
  const gr = (t - 1) * B * Gn + r * Gn;
  const cp = (t - 1) * B * n + r * n;
  const sr = (t - 1) * B * n + r * n;
  const N = 2 * n;
  out.fill(0, 0, N * N);
  for (let j = 0; j < n; j++) {
    const i = gates[gr + offsets.i + j]!;
    const g = gates[gr + offsets.g + j]!;
    const o = gates[gr + offsets.o + j]!;
    const f = forgetGate ? gates[gr + offsets.f + j]! : 1;
    const cPrev = c[cp + j]!;
    const s = hc[sr + j]!;
    const gn = g / A;
    const di = g * i * (1 - i);
    const dg = i * A * invK * (1 - gn * gn);
    const dfc = forgetGate ? cPrev * f * (1 - f) : 0;
    const dOut = s * o * (1 - o);
    const dhdc = (peepholes ? dOut * po[j]! : 0) + o * invKh * (1 - s * s);
    // dc/dh' row j (lower-left block) and dh/dh' row j (upper-left block)
    const cRow = (n + j) * N;
    const hRow = j * N;
    for (let k = 0; k < n; k++) {
      let v = di * Wh[(offsets.i + j) * n + k]! + dg * Wh[(offsets.g + j) * n + k]!;
      if (forgetGate) v += dfc * Wh[(offsets.f + j) * n + k]!;
      out[cRow + k] = v;
      out[hRow + k] = dOut * Wh[(offsets.o + j) * n + k]! + dhdc * v;
    }
    let cc = f;
    if (peepholes) cc += di * pi[j]! + (forgetGate ? dfc * pf[j]! : 0);
    out[cRow + n + j] = cc;
    out[hRow + n + j] = dhdc * cc;
  }
  return out;
}

/**
 * The carousel factor of batch row r from step t0 to t1 > t0: the diagonal of dc_{t1}/dc_{t0} along
 * the cell's self-connection with the gates held fixed,
 *
 *     prod_{s = t0+1..t1} f_s    (forget-gate cell),    1    (1997 cell, the CEC),
 *
 * into out (n). The product is taken from s = t1 down to t0 + 1, the order in which BPTT applies it.
 */
export function carouselFactor(lstm: Lstm, tape: LstmTape, r: number, t0: number, t1: number, out: Float64Array): Float64Array {
  const { n, G, forgetGate, offsets } = lstm;
  const { B } = tape;
  out.fill(1, 0, n);
  if (!forgetGate) return out;
  for (let s = t1; s > t0; s--) {
    const gr = (s - 1) * B * G * n + r * G * n + offsets.f;
    for (let j = 0; j < n; j++) out[j]! *= tape.gates[gr + j]!;
  }
  return out;
}
