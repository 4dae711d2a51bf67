/**
 * Long short-term memory cells: the step, its backward and its Jacobian, in this one file (the
 * time loops are bptt.ts's). The state is s_t = (h_t, c_t).
 *
 * - the 1997 LSTM (Hochreiter and Schmidhuber 1997), `forgetGate: false`: input gate i, output
 *   gate o, no forget gate. The memory cell's self-connection has weight 1 and the identity as its
 *   activation: the constant error carousel (CEC), c_t = c_{t-1} + i_t * g_t;
 * - the LSTM with a forget gate (Gers, Schmidhuber and Cummins 2000), `forgetGate: true`:
 *   c_t = f_t * c_{t-1} + i_t * g_t;
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
 * are present only with `peepholes: true`.
 *
 * Squashing of the cell input G and of the cell output H (`squash`):
 * - 'tanh' (default): G = H = tanh, the modern choice (Graves 2013; PyTorch).
 * - 'scaled-sigmoid': the 1997 paper's g(x) = 4 sigma(x) - 2 in [-2, 2] and h(x) = 2 sigma(x) - 1 in
 *   [-1, 1], computed as 2 tanh(x/2) and tanh(x/2) (the same functions, without cancellation).
 * Both have derivatives that are functions of their outputs: G' = (A/k)(1 - (G/A)^2), H' = (1/k)(1 - H^2)
 * with (A, k) = (1, 1) for tanh and (2, 2) for the scaled sigmoids; sigma(a) = 1/2 + 1/2 tanh(a/2).
 *
 * Differences from the 1997 paper, on purpose: the gradient here is the full BPTT gradient (the
 * paper truncated the error flow leaving the cell except through the CEC); there are no cell
 * blocks of size > 1 (one cell per block); gate-bias initialisation is a parameter.
 *
 * Parameters (lstm-layout.ts): gates are stacked in blocks of n rows in the order [i, f, g, o]
 * (PyTorch's order) or [i, g, o] (1997 cell), G = 4 or 3 blocks: theta = [Wx (Gn x m), Wh (Gn x n),
 * b (Gn), p_i, p_f, p_o (n each, when present)]. Records (what the step keeps for its backward; tfjs-core habit): the
 * activated gates (T x B x Gn) and H(c_t) (T x B x n); every derivative is taken from these outputs.
 *
 * Batches of 8 rows or more whose buffers live in the kernel heap run forward and BPTT as two
 * shares of rows, each a whole-run WebAssembly kernel (kernels.ts lstm_forward, lstm_backward),
 * tested against the TypeScript step (test/models/lstm-shares.test.ts).
 *
 * Precision (`precision`, default 'float64'; linalg/precision.ts): a 'float32' cell keeps theta,
 * the tape, the records and (through bptt.ts) every gradient in Float32Arrays, and runs the
 * TypeScript step with its products in float32 (blas.ts gemm, sgemm: the f32x4 kernel for large
 * products). Its elementwise step is cellKernel itself on a float64 copy of the step's gate
 * pre-activations and c_{t-1}, each result rounded once into the float32 records (cellKernelRounded);
 * its backward step and Jacobian products evaluate each entry in float64 from the stored float32
 * values and round it once when stored. Parameters are given in float64 and rounded to float32
 * once. Its whole-run kernels (kernels.ts slstm_forward, slstm_backward; shares.ts shareKernels32;
 * one share of batch rows below shareMinRows or with peepholes, two otherwise) repeat that step
 * operation for operation, with tanh2 on every entry in both, and give its bits
 * (test/models/lstm-float32-shares.test.ts).
 *
 * @example
 *   const lstm = createLstm({ n: 8, m: 2, forgetGate: true, forgetBias: 1 }, new Rng(1));
 *   const lstm32 = createLstm({ n: 8, m: 2, precision: 'float32' }, new Rng(1)); // the same draws, rounded
 *   // then bptt.ts: createTape(lstm, B, T), forward, createGradients, backward (grads.norms.c = ||dL/dc_t||)
 */
import type { Rng } from '../init/rng.ts';
import { initWeights, type InitName } from '../init/weights.ts';
import { dgemmPacked, dtanh, dtanhKernel, gemm, packMatrix, type PackedMatrix } from '../linalg/blas.ts';
import type { Precision, Real } from '../linalg/precision.ts';
import { ABI, allocF64, allocReal, freeF64, inWasm, saddRows } from '../linalg/wasm.ts';
import { blockOffset, blocksSize, checkPrecision, checkRounded, views, zeroColumns, type ParameterBlock, type RecurrentCell, type Tape, type WholeRunKernels } from './cell.ts';
import { lstmBlocks, lstmConfig, lstmThetaFromTorch, squashAmplitude, squashInv, TORCH_LSTM, type LstmConfig, type TorchTensors } from './lstm-layout.ts';
import { freeShareScratch, shareKernels, shareKernels32, type ShareScratch } from './shares.ts';

export interface LstmRecords<A extends Real = Float64Array> {
  /** Gate activations of steps 1..T, T x B x Gn, rows ordered [i f g o] ([i g o] for the 1997 cell). */
  readonly gates: A;
  /** H(c_t) for t = 1..T, T x B x n. */
  readonly hc: A;
  /** A float32 cell's elementwise step in float64 (cellKernelRounded); null in float64. */
  readonly wide: WideStep | null;
  /** Wh^T packed for the forward products, Wh for the backward ones (packed again at every pass: training updates Wh). */
  packedWhT?: PackedMatrix;
  packedWh?: PackedMatrix;
  /** Scratch of the share kernels (shares.ts), allocated at their first use. */
  shares?: ShareScratch;
  /** A float32 cell's packed Wh^T or Wh for its share kernels (shares.ts shareKernels32). */
  packed32?: Float32Array;
}

/** One step of B rows in float64, the arrays of cellKernel: gates (B x Gn), c_{t-1} and c_t (2 x B x n), H(c_t) and h_t (B x n each). */
export interface WideStep {
  readonly gates: Float64Array;
  readonly c: Float64Array;
  readonly hc: Float64Array;
  readonly h: Float64Array;
}

export interface LstmWork<A extends Real = Float64Array> {
  /** k x Gn: the gate part of a Jacobian product. */
  readonly u: A;
  /** k x n: the total dL/dc of a vjp. */
  readonly total: A;
}

export interface Lstm<A extends Real = Float64Array> extends RecurrentCell<LstmRecords<A>, LstmWork<A>, A>, LstmConfig {
  /** The working precision of theta, the tape and the gradients. */
  readonly precision: Precision;
  /** Number of gate blocks: 4 with a forget gate, 3 without. */
  readonly G: number;
  /** Row offsets of the gate blocks inside a Gn-vector (f = -1 without a forget gate). */
  readonly offsets: { readonly i: number; readonly f: number; readonly g: number; readonly o: number };
  /** Views into theta (peepholes: length 0 when absent; pf also absent without a forget gate). */
  readonly Wx: A;
  readonly Wh: A;
  readonly b: A;
  readonly pi: A;
  readonly pf: A;
  readonly po: A;
}

/** The configuration of a new LSTM: shape and variant (lstm-layout.ts, defaults filled in) and the working precision. */
export type LstmOptions = Partial<LstmConfig> & {
  n: number;
  m: number;
  /** Working precision (default 'float64'); float32 rounds the parameters once. */
  precision?: Precision;
};

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
}

/**
 * A checked LSTM (the public edge) with freshly initialised parameters. Peephole weights start at 0
 * (Gers, Schraudolph and Schmidhuber 2002 initialise them small). A float32 cell draws the same
 * values as the float64 one from the same Rng, rounded to float32.
 *
 * @throws Error naming the field whose value is wrong.
 */
export function createLstm(config: LstmOptions & LstmInit & { precision?: 'float64' }, rng: Rng): Lstm;
export function createLstm(config: LstmOptions & LstmInit & { precision: 'float32' }, rng: Rng): Lstm<Float32Array>;
export function createLstm(config: LstmOptions & LstmInit, rng: Rng): Lstm<Real>;
export function createLstm(config: LstmOptions & LstmInit, rng: Rng): Lstm<Real> {
  const cfg = lstmConfig(config);
  for (const k of ['forgetBias', 'outputBias', 'gain'] as const) {
    const v = config[k];
    if (v !== undefined && !Number.isFinite(v)) throw new Error(`lstm: ${k} must be a finite number, got ${v}`);
  }
  const ib = config.inputBias;
  if (typeof ib === 'number' ? !Number.isFinite(ib) : ib !== undefined && (ib.length !== cfg.n || !ib.every(Number.isFinite))) {
    throw new Error(`lstm: inputBias must be a finite number or ${cfg.n} finite numbers (one per cell), got ${JSON.stringify(ib)}`);
  }
  const lstm = lstmFromParameters({ ...cfg, precision: config.precision });
  const { n, m, G, offsets } = lstm;
  const gain = config.gain ?? 1;
  for (let k = 0; k < G; k++) {
    if (m > 0) lstm.Wx.set(initWeights(config.inputInit ?? 'xavier-uniform', n, m, rng, gain), k * n * m);
    lstm.Wh.set(initWeights(config.recurrentInit ?? 'orthogonal', n, n, rng, gain), k * n * n);
  }
  if (typeof ib === 'object') lstm.b.set(ib, offsets.i);
  else lstm.b.fill(ib ?? 0, offsets.i, offsets.i + n);
  if (offsets.f >= 0) lstm.b.fill(config.forgetBias ?? 1, offsets.f, offsets.f + n);
  lstm.b.fill(config.outputBias ?? 0, offsets.o, offsets.o + n);
  return lstm;
}

/**
 * An LSTM with all parameters zero, or set from a flat vector laid out as `theta` (copied; rounded
 * once to float32 for a float32 cell).
 *
 * @throws Error when the configuration, the precision or the length of theta is wrong.
 */
export function lstmFromParameters(config: LstmOptions & { precision?: 'float64' }, theta?: Real): Lstm;
export function lstmFromParameters(config: LstmOptions & { precision: 'float32' }, theta?: Real): Lstm<Float32Array>;
export function lstmFromParameters(config: LstmOptions, theta?: Real): Lstm<Real>;
export function lstmFromParameters(config: LstmOptions, theta?: Real): Lstm<Real> {
  const cfg = lstmConfig(config);
  const precision = checkPrecision('lstm', config.precision);
  const blocks = lstmBlocks(cfg);
  // in the kernel heap, so every product in forward and backward runs the SIMD kernels
  const flat = allocReal(precision, blocksSize(blocks));
  if (theta) {
    if (theta.length !== flat.length) throw new Error(`lstm: theta must have ${flat.length} entries for this configuration, got ${theta.length}`);
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i]!)) throw new Error(`lstm: theta[${i}] is ${theta[i]}; expected finite numbers`);
    }
    flat.set(theta);
    checkRounded('lstm', flat, theta);
  }
  return lstmCell(cfg, blocks, flat, precision);
}

/**
 * A forget-gate LSTM without peepholes from PyTorch's tensors (torch.nn.LSTM's weight_ih_l0,
 * weight_hh_l0, bias_ih_l0, bias_hh_l0), copied: lstm-layout.ts lstmThetaFromTorch.
 *
 * @throws Error naming the tensor whose shape or values are wrong, with the expected shape.
 */
export function lstmFromTorch(n: number, m: number, t: TorchTensors, opts?: { precision?: 'float64' }): Lstm;
export function lstmFromTorch(n: number, m: number, t: TorchTensors, opts: { precision: 'float32' }): Lstm<Float32Array>;
export function lstmFromTorch(n: number, m: number, t: TorchTensors, opts?: { precision?: Precision }): Lstm<Real>;
export function lstmFromTorch(n: number, m: number, t: TorchTensors, opts: { precision?: Precision } = {}): Lstm<Real> {
  return lstmFromParameters({ n, m, ...TORCH_LSTM, precision: opts.precision }, lstmThetaFromTorch(n, m, t));
}

function lstmCell<A extends Real>(cfg: LstmConfig, blocks: ParameterBlock[], theta: A, precision: Precision): Lstm<A> {
  const { n, m, forgetGate } = cfg;
  const G = forgetGate ? 4 : 3;
  const Gn = G * n;
  const v = views({ blocks }, theta);
  const alloc = (len: number) => allocReal(precision, len) as A;
  const wide = precision === 'float32';
  const none = theta.subarray(0, 0);
  const offsets = forgetGate ? { i: 0, f: n, g: 2 * n, o: 3 * n } : { i: 0, f: -1, g: n, o: 2 * n };
  // offsets of the peepholes in theta (and in its gradient)
  const peep = { pi: blockOffset({ blocks }, 'pi'), pf: blockOffset({ blocks }, 'pf'), po: blockOffset({ blocks }, 'po') };
  const lstm: Lstm<A> = {
    ...cfg,
    kind: 'lstm',
    state: ['h', 'c'],
    precision,
    theta,
    blocks,
    G,
    offsets,
    Wx: v.Wx!,
    Wh: v.Wh!,
    b: v.b!,
    pi: v.pi ?? none,
    pf: v.pf ?? none,
    po: v.po ?? none,
    gradWidth: Gn,
    deferredRows: DEFERRED_ROWS,
    keepsStateGradients: true,
    createRecords(B, T) {
      const step = wide ? { gates: allocF64(B * Gn), c: allocF64(2 * B * n), hc: allocF64(B * n), h: allocF64(B * n) } : null;
      return { gates: alloc(T * B * Gn), hc: alloc(T * B * n), wide: step };
    },
    freeRecords(rec) {
      freeF64(rec.gates);
      freeF64(rec.hc);
      if (rec.wide) for (const buf of Object.values(rec.wide)) freeF64(buf);
      for (const p of [rec.packedWhT, rec.packedWh]) if (p?.halves) freeF64(p.halves.buffer);
      freeShareScratch(rec);
    },
    createWork(k) {
      return { u: alloc(k * Gn), total: alloc(k * n) };
    },
    freeWork(w) {
      freeF64(w.u);
      freeF64(w.total);
    },
    beginForward(tape, x, T) {
      // the input part Wx x_t + b of every step does not wait for h_{t-1}: one product over all T B rows
      inputProjectionKernel(lstm, T * tape.B, x, 0, tape.records.gates, 0);
      if (!wide) tape.records.packedWhT = packMatrix(true, n, Gn, lstm.Wh as Float64Array, 0, n, tape.records.packedWhT);
    },
    step(tape, t) {
      const { B, records } = tape;
      const { h, c } = tape.states;
      const bn = B * n;
      const gOff = (t - 1) * B * Gn;
      if (records.wide) {
        gemm(false, true, B, Gn, n, 1, h, (t - 1) * bn, n, lstm.Wh, 0, n, 1, records.gates, gOff, Gn);
        cellKernelRounded(lstm, B, records.gates, gOff, c!, (t - 1) * bn, t * bn, records.hc, (t - 1) * bn, h, t * bn, records.wide);
      } else {
        const gates = records.gates as Float64Array;
        dgemmPacked(false, B, 1, h as Float64Array, (t - 1) * bn, n, records.packedWhT!, 1, gates, gOff, Gn);
        cellKernel(lstm, B, gates, gOff, c as Float64Array, (t - 1) * bn, t * bn, records.hc as Float64Array, (t - 1) * bn, h as Float64Array, t * bn);
      }
    },
    beginBackward(tape) {
      if (!wide) tape.records.packedWh = packMatrix(false, Gn, n, lstm.Wh as Float64Array, 0, n, tape.records.packedWh);
    },
    backwardStep(tape, t, adj, dA, daOff, dtheta) {
      const { B, records } = tape;
      const bn = B * n;
      const { h, c } = adj.ds;
      cellBackwardKernel(lstm, B, records.gates, (t - 1) * B * Gn, Gn, tape.states.c!, (t - 1) * bn, t * bn, n, records.hc, (t - 1) * bn,
        h, 0, c!, 0, n, dA, daOff, adj.totals.c!, adj.totalOff, dtheta, peep.pi, peep.pf, peep.po);
      if (wide) gemm(false, false, B, n, Gn, 1, dA, daOff, Gn, lstm.Wh, 0, n, 0, h, 0, n);
      else dgemmPacked(false, B, 1, dA as Float64Array, daOff, Gn, records.packedWh!, 0, h as Float64Array, 0, n);
    },
    weightGradients(tape, x, tLo, tHi, dA, dtheta) {
      const bn = tape.B * n;
      weightGradientKernel(lstm, (tHi - tLo + 1) * tape.B, dA, tape.states.h, (tLo - 1) * bn, x, (tLo - 1) * tape.B * m, dtheta);
    },
    jvp(tape, t, r, k, V, out, work) {
      tangentKernel(lstm, tape, t, r, k, V, out, work.u);
    },
    vjp(tape, t, r, k, U, out, work) {
      // the backward step with every row reading the records of (t, r): row strides 0
      const { B, records } = tape;
      const S = 2 * n;
      const bn = B * n;
      out.set(U.subarray(0, k * S));
      cellBackwardKernel(lstm, k, records.gates, (t - 1) * B * Gn + r * Gn, 0, tape.states.c!, (t - 1) * bn + r * n, t * bn + r * n, 0,
        records.hc, (t - 1) * bn + r * n, out, 0, out, n, S, work.u, 0, work.total, 0, null, -1, -1, -1);
      gemm(false, false, k, n, Gn, 1, work.u, 0, Gn, lstm.Wh, 0, n, 0, out, 0, S);
    },
    zeroJacobianColumns() {
      // h_{t-1} enters the step only through Wh (the peepholes read c); c_{t-1} is always read
      return zeroColumns(lstm.Wh, Gn, n);
    },
  };
  if (wide) return Object.assign(lstm, { kernels: lstmShareKernels32(lstm as unknown as Lstm<Float32Array>) as unknown as WholeRunKernels<LstmRecords<A>, A> });
  return Object.assign(lstm, { kernels: lstmShareKernels(lstm as unknown as Lstm) as unknown as WholeRunKernels<LstmRecords<A>, A> });
}

// ---------------------------------------------------------------------------------------------
// Kernels (hot loops). Trusted arguments; no allocation.
// ---------------------------------------------------------------------------------------------

/**
 * The input part of the gate pre-activations for `rows` rows (steps x batch): a_r = Wx x_r + b
 * (rows x Gn at aOff), x: rows x m at xOff. The steps add Wh h_{t-1}.
 */
export function inputProjectionKernel(lstm: Lstm<Real>, rows: number, x: Real, xOff: number, a: Real, aOff: number): void {
  const { n, m, G, Wx, b } = lstm;
  const Gn = G * n;
  for (let r = 0; r < rows; r++) a.set(b, aOff + r * Gn);
  if (m > 0 && rows > 0) gemm(false, true, rows, Gn, m, 1, x, xOff, m, Wx, 0, m, 1, a, aOff, Gn);
}

/**
 * The elementwise cell update of one step, in place on the gate block (pre-activations in,
 * activations out): peepholes from c_{t-1} into i and f, c_t, the peephole from c_t into o,
 * H(c_t) and h_t = o_t H(c_t). Every nonlinearity goes through tanh (the SIMD kernel for heap
 * arrays, within 4 ulp of Math.tanh), the sigmoid gates as sigma(a) = 1/2 + 1/2 tanh(a/2): one
 * call over the whole B x Gn block (without peepholes; with them, the peephole from c_t makes o a
 * second, per-row pass) and one over the B x n cell outputs.
 */
export function cellKernel(
  lstm: Lstm<Real>,
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
  tanh: typeof dtanh = dtanh,
): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInv(squash);
  const { i: oi, f: of, g: og, o: oo } = offsets;
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
    for (let r = 0; r < B; r++) tanh(oo, gates, gOff + r * Gn, gates, gOff + r * Gn);
  } else {
    tanh(B * Gn, gates, gOff, gates, gOff);
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
      tanh(n, gates, ko, gates, ko);
      for (let j = 0; j < n; j++) gates[ko + j] = 0.5 + 0.5 * gates[ko + j]!;
    }
  }
  const bn = B * n;
  if (invK === 1) {
    tanh(bn, c, cOff, hc, hcOff);
  } else {
    for (let k = 0; k < bn; k++) hc[hcOff + k] = c[cOff + k]! * invK;
    tanh(bn, hc, hcOff, hc, hcOff);
  }
  for (let r = 0; r < B; r++) {
    const ko = gOff + r * Gn + oo;
    const sr = hcOff + r * n;
    const hr = hOff + r * n;
    for (let j = 0; j < n; j++) h[hr + j] = gates[ko + j]! * hc[sr + j]!;
  }
}

/**
 * cellKernel for a float32 cell: the step's gate pre-activations (B x Gn at gOff) and c_{t-1} (at
 * cPrevOff) copied exactly into float64 (w), cellKernel there, and each of its results (the gates,
 * c_t, H(c_t), h_t) rounded once into the float32 records: the elementwise formulas evaluated in
 * float64 and rounded once when stored (linalg/precision.ts), with the equations written once.
 */
export function cellKernelRounded(
  lstm: Lstm<Real>,
  B: number,
  gates: Real,
  gOff: number,
  c: Real,
  cPrevOff: number,
  cOff: number,
  hc: Real,
  hcOff: number,
  h: Real,
  hOff: number,
  w: WideStep,
): void {
  const Gn = lstm.G * lstm.n;
  const bn = B * lstm.n;
  w.gates.set(gates.subarray(gOff, gOff + B * Gn));
  w.c.set(c.subarray(cPrevOff, cPrevOff + bn));
  // tanh through the SIMD kernel at every length, as the float32 whole-run kernels (slstm_forward)
  cellKernel(lstm, B, w.gates, 0, w.c, 0, bn, w.hc, 0, w.h, 0, dtanhKernel);
  gates.set(w.gates.subarray(0, B * Gn), gOff);
  c.set(w.c.subarray(bn, 2 * bn), cOff);
  hc.set(w.hc.subarray(0, bn), hcOff);
  h.set(w.h.subarray(0, bn), hOff);
}

/**
 * The elementwise part of one BPTT step for `rows` rows (row q: records at gOff + q gStride and
 * c/hc offsets + q cStride; adjoints at dhOff/dcOff + q ld). In: dh = dL/dh_t (total), dc = the
 * part of dL/dc_t arriving from step t+1. Out: dc <- dL/dc_{t-1} through the carousel and the
 * peepholes, da = dL/d(gate pre-activations) (rows x Gn at daOff), dcTotal = dL/dc_t (rows x n at
 * dcTotalOff), and, when dtheta is given, the peephole gradients added at its offsets.
 *
 *     do = dh H(c_t),                 da_o = do o (1 - o)
 *     dc_t = dc + dh o H'(c_t) + da_o p_o
 *     da_i = dc_t g i (1 - i),  da_g = dc_t i G'(g),  da_f = dc_t c_{t-1} f (1 - f)
 *     dc_{t-1} = dc_t f (or dc_t) + da_i p_i + da_f p_f
 */
export function cellBackwardKernel(
  lstm: Lstm<Real>,
  rows: number,
  gates: Real,
  gOff: number,
  gStride: number,
  c: Real,
  cPrevOff: number,
  cOff: number,
  cStride: number,
  hc: Real,
  hcOff: number,
  dh: Real,
  dhOff: number,
  dc: Real,
  dcOff: number,
  ld: number,
  da: Real,
  daOff: number,
  dcTotal: Real,
  dcTotalOff: number,
  dtheta: Real | null,
  dpi: number,
  dpf: number,
  dpo: number,
): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const Gn = G * n;
  const A = squashAmplitude(squash);
  const invK = squashInv(squash);
  const dInScale = A * invK;
  const invA = 1 / A;
  const { i: oi, f: of, g: og, o: oo } = offsets;
  const grads = dtheta !== null;
  for (let r = 0; r < rows; r++) {
    const gr = gOff + r * gStride;
    const ar = daOff + r * Gn;
    const cp = cPrevOff + r * cStride;
    const cr = cOff + r * cStride;
    const sr = hcOff + r * cStride;
    const hr = dhOff + r * ld;
    const kr = dcOff + r * ld;
    const tr = dcTotalOff + r * n;
    for (let j = 0; j < n; j++) {
      const i = gates[gr + oi + j]!;
      const g = gates[gr + og + j]!;
      const o = gates[gr + oo + j]!;
      const s = hc[sr + j]!;
      const dhv = dh[hr + j]!;
      const dao = dhv * s * o * (1 - o);
      let dct = dc[kr + j]! + dhv * o * invK * (1 - s * s);
      if (peepholes) {
        dct += dao * po[j]!;
        if (grads) dtheta[dpo + j]! += dao * c[cr + j]!;
      }
      dcTotal[tr + j] = dct;
      const gn = g * invA;
      const dai = dct * g * i * (1 - i);
      da[ar + oi + j] = dai;
      da[ar + og + j] = dct * i * dInScale * (1 - gn * gn);
      da[ar + oo + j] = dao;
      const cPrev = c[cp + j]!;
      let dcPrev: number;
      if (forgetGate) {
        const f = gates[gr + of + j]!;
        const daf = dct * cPrev * f * (1 - f);
        da[ar + of + j] = daf;
        dcPrev = dct * f;
        if (peepholes) {
          dcPrev += daf * pf[j]!;
          if (grads) dtheta[dpf + j]! += daf * cPrev;
        }
      } else {
        // the carousel passes the error back unscaled
        dcPrev = dct;
      }
      if (peepholes) {
        dcPrev += dai * pi[j]!;
        if (grads) dtheta[dpi + j]! += dai * cPrev;
      }
      dc[kr + j] = dcPrev;
    }
  }
}

/**
 * Tangent vectors through step t of batch row r: rows (v_h, v_c) of V (k x 2n) to the rows
 * J_t (v_h, v_c) of out, from the linearised step (u = Wh v_h, k x Gn in the scratch U):
 *
 *     delta i = i(1-i) (u_i + p_i v_c),  delta f = f(1-f) (u_f + p_f v_c),  delta g = G'(g) u_g
 *     delta c = f v_c + c_{t-1} delta f + g delta i + i delta g     (f = 1, delta f = 0 for the 1997 cell)
 *     delta o = o(1-o) (u_o + p_o delta c),  delta h = delta o H(c_t) + o H'(c_t) delta c
 */
function tangentKernel(lstm: Lstm<Real>, tape: Tape<LstmRecords<Real>, Real>, t: number, r: number, k: number, V: Real, out: Real, U: Real): void {
  const { n, G, forgetGate, peepholes, pi, pf, po, offsets, squash } = lstm;
  const { B, records } = tape;
  const c = tape.states.c!;
  const Gn = G * n;
  const S = 2 * n;
  const A = squashAmplitude(squash);
  const invK = squashInv(squash);
  const gr = (t - 1) * B * Gn + r * Gn;
  const cp = (t - 1) * B * n + r * n;
  gemm(false, true, k, Gn, n, 1, V, 0, S, lstm.Wh, 0, n, 0, U, 0, Gn);
  for (let q = 0; q < k; q++) {
    const uq = q * Gn;
    const vq = q * S;
    for (let j = 0; j < n; j++) {
      const i = records.gates[gr + offsets.i + j]!;
      const g = records.gates[gr + offsets.g + j]!;
      const o = records.gates[gr + offsets.o + j]!;
      const s = records.hc[cp + j]!;
      const vc = V[vq + n + j]!;
      const gn = g / A;
      const di = i * (1 - i) * (U[uq + offsets.i + j]! + (peepholes ? pi[j]! * vc : 0));
      const dg = A * invK * (1 - gn * gn) * U[uq + offsets.g + j]!;
      let dct = g * di + i * dg;
      if (forgetGate) {
        const f = records.gates[gr + offsets.f + j]!;
        const df = f * (1 - f) * (U[uq + offsets.f + j]! + (peepholes ? pf[j]! * vc : 0));
        dct += f * vc + c[cp + j]! * df;
      } else dct += vc;
      const dout = o * (1 - o) * (U[uq + offsets.o + j]! + (peepholes ? po[j]! * dct : 0));
      out[vq + j] = dout * s + o * invK * (1 - s * s) * dct;
      out[vq + n + j] = dct;
    }
  }
}

/**
 * The weight gradients of a run of consecutive steps (rows = steps x B), as one product each:
 *
 *     dWh += sum_t da_t^T h_{t-1} = dA^T H,   dWx += dA^T X,   db += 1^T dA,
 *
 * where dA (rows x Gn) stacks da_t and H (at hOff), X (at xOff) are the matching rows h_{t-1}, x_t.
 * dWh is read and written once per run, not once per step, and the product runs the blocked (and
 * threaded) GEMM.
 */
export function weightGradientKernel(lstm: Lstm<Real>, rows: number, dA: Real, h: Real, hOff: number, x: Real, xOff: number, dtheta: Real): void {
  const { n, m, G } = lstm;
  const Gn = G * n;
  const whOff = Gn * m;
  const bOff = whOff + Gn * n;
  gemm(true, false, Gn, n, rows, 1, dA, 0, Gn, h, hOff, n, 1, dtheta, whOff, n);
  if (m > 0) gemm(true, false, Gn, m, rows, 1, dA, 0, Gn, x, xOff, m, 1, dtheta, 0, m);
  if (dA instanceof Float32Array && dtheta instanceof Float32Array && inWasm(dA) && inWasm(dtheta)) {
    // the same sums in the same order (row 0 first, each addition rounded to float32), in f32x4 lanes
    saddRows(Gn, rows, dA, 0, Gn, dtheta, bOff);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * Gn;
    for (let k = 0; k < Gn; k++) dtheta[bOff + k]! += dA[o + k]!;
  }
}

/**
 * The carousel factor of batch row r from step t0 to t1 > t0: the diagonal of dc_{t1}/dc_{t0} along
 * the cell's self-connection with the gates held fixed,
 *
 *     prod_{s = t0+1..t1} f_s    (forget-gate cell),    1    (1997 cell, the CEC),
 *
 * into out (n). The product is taken from s = t1 down to t0 + 1, the order in which BPTT applies it.
 */
export function carouselFactor(lstm: Lstm<Real>, tape: Tape<LstmRecords<Real>, Real>, r: number, t0: number, t1: number, out: Float64Array): Float64Array {
  const { n, G, forgetGate, offsets } = lstm;
  const { B } = tape;
  out.fill(1, 0, n);
  if (!forgetGate) return out;
  for (let s = t1; s > t0; s--) {
    const gr = (s - 1) * B * G * n + r * G * n + offsets.f;
    for (let j = 0; j < n; j++) out[j]! *= tape.records.gates[gr + j]!;
  }
  return out;
}

/**
 * Rows (steps x batch) of da_t kept before their weight gradient is formed as one product (the
 * RNN keeps 1024): the LSTM's rows are 4n wide, and 512 of them (2 MiB at n = 128) measured faster
 * than 1024 (n = 128, B = 32: about 150 against 180 us per step for the weight gradient).
 */
const DEFERRED_ROWS = 512;

// ---------------------------------------------------------------------------------------------
// Whole-run kernels (two shares of batch rows, shares.ts): kernels.ts lstm_forward, lstm_backward
// ---------------------------------------------------------------------------------------------

function lstmShareKernels(lstm: Lstm): WholeRunKernels<LstmRecords> {
  const { i: oi, f: oF, g: og, o: oo } = lstm.offsets;
  const own = { G: lstm.G, oi, oF, og, oo, squash: lstm.squash === 'tanh' ? 0 : 1, pi: lstm.pi, pf: lstm.pf, po: lstm.po };
  return shareKernels(lstm, {
    forward: ABI.jobs.lstmForward,
    backward: ABI.jobs.lstmBackward,
    heap: (tape) => [tape.states.c!, tape.records.gates, tape.records.hc],
    forwardArgs: (tape) => ({ ...own, gates: tape.records.gates, c: tape.states.c!, hc: tape.records.hc, b: lstm.b }),
    backwardArgs: (tape, kb) => ({ ...own, gates: tape.records.gates, c: tape.states.c!, hc: tape.records.hc, carry: kb.ds.c!, dh: kb.perStep!.h, dc: kb.perStep!.c! }),
    gradients: ['Wh', 'Wx', 'b', 'pi', 'pf', 'po'],
  });
}

/**
 * The float32 LSTM's whole-run kernels (kernels.ts slstm_forward, slstm_backward; shares.ts
 * shareKernels32), tested against the TypeScript step (test/models/lstm-float32-shares.test.ts).
 * With peepholes one share whatever the batch: the kernels sum the peephole gradients over rows and
 * steps in the TypeScript steps' order.
 */
function lstmShareKernels32(lstm: Lstm<Float32Array>): WholeRunKernels<LstmRecords<Float32Array>, Float32Array> {
  const { i: oi, f: oF, g: og, o: oo } = lstm.offsets;
  const own = { G: lstm.G, oi, oF, og, oo, squash: lstm.squash === 'tanh' ? 0 : 1, pi: lstm.pi, pf: lstm.pf, po: lstm.po };
  const peep = (kb: { dtheta: Float32Array }, name: string) => {
    const off = blockOffset(lstm, name);
    return off >= 0 ? ([kb.dtheta, off] as const) : null;
  };
  return shareKernels32(lstm, {
    forward: ABI.jobs.slstmForward,
    backward: ABI.jobs.slstmBackward,
    Wh: lstm.Wh,
    heap: (tape) => [tape.states.c!, tape.records.gates, tape.records.hc],
    forwardArgs: (tape) => ({ ...own, gates: tape.records.gates, c: tape.states.c!, hc: tape.records.hc }),
    backwardArgs: (tape, kb) => ({
      ...own, gates: tape.records.gates, c: tape.states.c!, hc: tape.records.hc, carry: kb.ds.c!, dh: kb.perStep!.h, dc: kb.perStep!.c!,
      dpi: peep(kb, 'pi'), dpf: peep(kb, 'pf'), dpo: peep(kb, 'po'),
    }),
    oneShare: lstm.peepholes,
  });
}
