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
 * @example
 *   const gru = createGru({ n: 8, m: 2 }, new Rng(1));
 *   // then bptt.ts: createTape(gru, B, T), forward, createGradients, backward
 */
import type { Rng } from '../init/rng.ts';
import { initWeights, type InitName } from '../init/weights.ts';
import { dgemm, dgemmPacked, dtanh, packMatrix, type PackedMatrix } from '../linalg/blas.ts';
import { ABI, allocF64, freeF64 } from '../linalg/wasm.ts';
import { blocksSize, checkBlock, views, type ParameterBlock, type RecurrentCell, type Tape, type WholeRunKernels } from './cell.ts';
import { freeShareScratch, shareKernels, type ShareScratch } from './shares.ts';

export interface GruRecords {
  /** Gate activations of steps 1..T, T x B x 3n, rows ordered [r z n]. */
  readonly gates: Float64Array;
  /** hn_t = W_hn h_{t-1} + b_hn for t = 1..T, T x B x n. */
  readonly hn: Float64Array;
  /** One step's recurrent pre-activations h_{t-1} Wh^T + bh (B x 3n). */
  readonly ah: Float64Array;
  /** Wh^T packed for the forward products, Wh for the backward ones. */
  packedWhT?: PackedMatrix;
  packedWh?: PackedMatrix;
  /** Scratch of the share kernels (shares.ts), allocated at their first use. */
  shares?: ShareScratch;
}

export interface GruWork {
  /** k x 3n: the recurrent part of a Jacobian product. */
  readonly u: Float64Array;
  /** k x 6n: a vjp's pre-activation gradients. */
  readonly da: Float64Array;
}

export interface Gru extends RecurrentCell<GruRecords, GruWork> {
  /** Views into theta: Wx (3n x m), Wh (3n x n), bx (3n), bh (3n). */
  readonly Wx: Float64Array;
  readonly Wh: Float64Array;
  readonly bx: Float64Array;
  readonly bh: Float64Array;
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
 * A GRU with all parameters zero, or set from a flat vector laid out as theta (copied).
 *
 * @throws Error when n, m or the length of theta is wrong.
 */
export function gruFromParameters(n: number, m: number, theta?: Float64Array): Gru {
  if (!Number.isInteger(n) || n < 1) throw new Error(`gru: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`gru: input size m must be a non-negative integer, got ${m}`);
  const blocks = gruBlocks(n, m);
  // in the kernel heap, so every product in forward and backward runs the SIMD kernels
  const flat = allocF64(blocksSize(blocks));
  if (theta) {
    checkBlock('gru', { name: 'theta', rows: flat.length, cols: 1 }, theta);
    flat.set(theta);
  }
  return gruCell(n, m, blocks, flat);
}

/**
 * A GRU from PyTorch's tensors (torch.nn.GRU's weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0, gate order r, z, n), copied.
 *
 * @throws Error naming the tensor whose shape or values are wrong, with the expected shape.
 */
export function gruFromTorch(n: number, m: number, t: { weight_ih: Float64Array; weight_hh: Float64Array; bias_ih: Float64Array; bias_hh: Float64Array }): Gru {
  const gru = gruFromParameters(n, m);
  const torchNames = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const;
  gru.blocks.forEach((blk, i) => {
    const name = torchNames[i]!;
    checkBlock('gru', { ...blk, name }, t[name]);
    views(gru, gru.theta)[blk.name]!.set(t[name]);
  });
  return gru;
}

/** A checked GRU with freshly initialised parameters (biases 0 but for the update gate's). */
export function createGru(config: { n: number; m: number } & GruInit, rng: Rng): Gru {
  for (const k of ['gain', 'updateBias'] as const) {
    const v = config[k];
    if (v !== undefined && !Number.isFinite(v)) throw new Error(`gru: ${k} must be a finite number, got ${v}`);
  }
  const gru = gruFromParameters(config.n, config.m);
  const { n, m } = gru;
  const gain = config.gain ?? 1;
  for (let k = 0; k < 3; k++) {
    if (m > 0) gru.Wx.set(initWeights(config.inputInit ?? 'xavier-uniform', n, m, rng, gain), k * n * m);
    gru.Wh.set(initWeights(config.recurrentInit ?? 'orthogonal', n, n, rng, gain), k * n * n);
  }
  gru.bx.fill(config.updateBias ?? 0, n, 2 * n);
  return gru;
}

function gruCell(n: number, m: number, blocks: ParameterBlock[], theta: Float64Array): Gru {
  const G = 3 * n;
  const v = views({ blocks }, theta);
  const offsets = { Wh: G * m, bx: G * m + G * n, bh: G * m + G * n + G };
  const gru: Gru = {
    kind: 'gru',
    n,
    m,
    state: ['h'],
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
      return { gates: allocF64(T * B * G), hn: allocF64(T * B * n), ah: allocF64(B * G) };
    },
    freeRecords(rec) {
      for (const buf of [rec.gates, rec.hn, rec.ah]) freeF64(buf);
      for (const p of [rec.packedWhT, rec.packedWh]) if (p?.halves) freeF64(p.halves.buffer);
      freeShareScratch(rec);
    },
    createWork(k) {
      return { u: allocF64(k * G), da: allocF64(k * 2 * G) };
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
      if (m > 0 && rows > 0) dgemm(false, true, rows, G, m, 1, x, 0, m, gru.Wx, 0, m, 1, gates, 0, G);
      tape.records.packedWhT = packMatrix(true, n, G, gru.Wh, 0, n, tape.records.packedWhT);
    },
    step(tape, t) {
      const { B, records } = tape;
      const { h } = tape.states;
      const { ah } = records;
      for (let r = 0; r < B; r++) ah.set(gru.bh, r * G);
      dgemmPacked(false, B, 1, h, (t - 1) * B * n, n, records.packedWhT!, 1, ah, 0, G);
      cellKernel(n, B, records.gates, (t - 1) * B * G, ah, records.hn, (t - 1) * B * n, h, (t - 1) * B * n, t * B * n);
    },
    beginBackward(tape) {
      tape.records.packedWh = packMatrix(false, G, n, gru.Wh, 0, n, tape.records.packedWh);
    },
    backwardStep(tape, t, adj, dA, daOff) {
      const { B, records } = tape;
      const dh = adj.ds.h;
      cellBackwardKernel(n, B, records.gates, (t - 1) * B * G, G, records.hn, (t - 1) * B * n, n, tape.states.h, (t - 1) * B * n, n, dh, 0, n, dA, daOff);
      // dL/dh_{t-1} = dh z (left in dh by the kernel) + dA_h Wh
      dgemmPacked(false, B, 1, dA, daOff + G, 2 * G, records.packedWh!, 1, dh, 0, n);
    },
    weightGradients(tape, x, tLo, tHi, dA, dtheta) {
      const { B } = tape;
      const rows = (tHi - tLo + 1) * B;
      dgemm(true, false, G, n, rows, 1, dA, G, 2 * G, tape.states.h, (tLo - 1) * B * n, n, 1, dtheta, offsets.Wh, n);
      if (m > 0) dgemm(true, false, G, m, rows, 1, dA, 0, 2 * G, x, (tLo - 1) * B * m, m, 1, dtheta, 0, m);
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
      dgemm(false, false, k, n, G, 1, work.da, G, 2 * G, gru.Wh, 0, n, 1, out, 0, n);
    },
  };
  return Object.assign(gru, { kernels: gruShareKernels(gru) });
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
): void {
  const G = 3 * n;
  for (let r = 0; r < B; r++) {
    const gr = gOff + r * G;
    const ar = r * G;
    for (let j = 0; j < 2 * n; j++) gates[gr + j] = 0.5 * (gates[gr + j]! + ah[ar + j]!);
    dtanh(2 * n, gates, gr, gates, gr);
    for (let j = 0; j < 2 * n; j++) gates[gr + j] = 0.5 + 0.5 * gates[gr + j]!;
    const hr = hnOff + r * n;
    for (let j = 0; j < n; j++) {
      const v = ah[ar + 2 * n + j]!;
      hn[hr + j] = v;
      gates[gr + 2 * n + j] = gates[gr + 2 * n + j]! + gates[gr + j]! * v;
    }
    dtanh(n, gates, gr + 2 * n, gates, gr + 2 * n);
    const hp = hPrevOff + r * n;
    const ho = hOff + r * n;
    for (let j = 0; j < n; j++) {
      const z = gates[gr + n + j]!;
      h[ho + j] = (1 - z) * gates[gr + 2 * n + j]! + z * h[hp + j]!;
    }
  }
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
  gates: Float64Array,
  gOff: number,
  gStride: number,
  hn: Float64Array,
  hnOff: number,
  sStride: number,
  h: Float64Array,
  hPrevOff: number,
  hStride: number,
  dh: Float64Array,
  dhOff: number,
  ld: number,
  da: Float64Array,
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
function tangentKernel(gru: Gru, tape: Tape<GruRecords>, t: number, r: number, k: number, V: Float64Array, out: Float64Array, U: Float64Array): void {
  const { n } = gru;
  const G = 3 * n;
  const { B, records } = tape;
  const gr = (t - 1) * B * G + r * G;
  const sr = (t - 1) * B * n + r * n;
  dgemm(false, true, k, G, n, 1, V, 0, n, gru.Wh, 0, n, 0, U, 0, G);
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
    backwardArgs: (tape) => ({ gates: tape.records.gates, hn: tape.records.hn }),
    gradients: ['Wx', 'Wh', 'bx', 'bh'],
  });
}
