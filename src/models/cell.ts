/**
 * The recurrent-cell contract. A cell maps (state, input) to the next state,
 *
 *     s_t = F(s_{t-1}, x_t; theta),    s_t = (h_t) or (h_t, c_t),
 *
 * and knows only its own equations: the step, the step's backward (the vector-Jacobian product
 * with the state adjoint, plus the parameter gradient terms) and the step Jacobian
 * J_t = ds_t / ds_{t-1} as products with vectors. One driver (bptt.ts) runs any cell over time:
 * the tape, the time loops, the loss terms (readout.ts), the deferred weight-gradient runs and the
 * per-step gradient norms are written there once (after early Flux.jl's `Recur`). The analysis
 * (Jacobian products, gradient flow, Lyapunov spectra) works on any cell through the same contract.
 *
 * Conventions shared by every cell:
 * - state layout: `state` lists the parts of s in order ('h' first); each part has n entries per
 *   batch row, so s has S = parts x n entries and a Jacobian is S x S with blocks in that order.
 * - parameters: one flat Float64Array `theta` in the kernel heap, cut into named blocks (`blocks`,
 *   in theta order); `views(cell, theta)` gives the named views of theta or of a gradient laid out
 *   like it.
 * - tape: per part, (T+1) x B x n row-major ([t][row][unit], s_0 first), and the cell's records
 *   of each step (what its backward needs: gates, pre-activations), T x B x width.
 * - inputs x: T x B x m, x_t at offset (t-1) B m.
 *
 * A cell may come with whole-run WebAssembly kernels (`kernels`): accelerators of its TypeScript
 * step for large batches, tested against it.
 *
 * Precision: a cell works in one precision (`precision`, default 'float64'; linalg/precision.ts),
 * and its theta, tape, records, inputs and gradient buffers are arrays of that precision, the type
 * parameter A (Float64Array or Float32Array). The per-step norms and the loss stay float64.
 */
import type { Precision, Real } from '../linalg/precision.ts';

/** A part of the recurrent state: the hidden state h, or an LSTM's memory cell c. */
export type StatePart = 'h' | 'c';

/** Per state part, an array (B x n, or (T+1) x B x n). */
export type StateArrays<A extends Real = Float64Array> = { h: A; c?: A };

/** A block of theta: its name and shape (a vector has cols = 1). */
export interface ParameterBlock {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
}

/** The forward tape of a run, sized once for batch B and at most T steps. */
export interface Tape<R = unknown, A extends Real = Float64Array> {
  readonly B: number;
  /** Capacity in steps. */
  readonly T: number;
  /** Steps run by the last forward pass (<= T). */
  length: number;
  /** The state parts s_0..s_T, (T+1) x B x n each. */
  readonly states: StateArrays<A>;
  /** What the steps keep for the backward pass (the cell's own layout). */
  readonly records: R;
}

/**
 * The state adjoint of one backward step, B x n per part. On entry `ds` holds dL/ds_t (the partial
 * derivatives with respect to the state parts of step t, through the later steps and the loss at
 * t); on exit dL/ds_{t-1} through step t. `totals.c`, when given, receives at `totalOff` the total
 * derivative dL/dc_t of the loss through h_t as well (the LSTM's h_t is computed from c_t).
 */
export interface StepAdjoint<A extends Real = Float64Array> {
  readonly ds: StateArrays<A>;
  readonly totals: { c?: A };
  readonly totalOff: number;
}

export interface RecurrentCell<R = unknown, W = unknown, A extends Real = Float64Array> {
  /** The family, e.g. 'rnn', 'lstm', 'gru'. */
  readonly kind: string;
  /** Hidden size. */
  readonly n: number;
  /** Input size. */
  readonly m: number;
  /** State parts in order, 'h' first. */
  readonly state: readonly StatePart[];
  /** The working precision of every array of the cell (absent: 'float64'). */
  readonly precision?: Precision;
  /** All parameters, in the order of `blocks`. */
  readonly theta: A;
  readonly blocks: readonly ParameterBlock[];
  /** Width per batch row of the pre-activation gradients da_t kept for the deferred weight products. */
  readonly gradWidth: number;
  /** Rows (steps x batch) of da_t per deferred weight-gradient product. */
  readonly deferredRows: number;
  /** True when the backward pass must keep dL/ds_t of every step (its kernels write them). */
  readonly keepsStateGradients: boolean;

  /** Allocate the per-step records for batch B and T steps, with the steps' scratch (packed weights). */
  createRecords(B: number, T: number): R;
  freeRecords(records: R): void;
  /** Scratch of jvp and vjp for up to k vectors. */
  createWork(k: number): W;
  freeWork(work: W): void;

  /**
   * The state-independent part of steps 1..T (e.g. W_x x_t + b for all t in one product) and
   * anything the steps reuse (packed weights). Called once before the steps of a forward pass.
   */
  beginForward(tape: Tape<R, A>, x: A, T: number): void;
  /** s_t from s_{t-1} and x_t for the B rows, recording what backwardStep needs. */
  step(tape: Tape<R, A>, t: number, x: A): void;

  /** Called once before the backward steps (e.g. packing the recurrent weights). */
  beginBackward(tape: Tape<R, A>): void;
  /**
   * One step of BPTT (see StepAdjoint): ds_t -> ds_{t-1}, the step's pre-activation gradients
   * into dA (B x gradWidth at daOff) for weightGradients, and the parameter gradient terms that
   * are not deferred (peepholes, biases a cell sums per step) added into dtheta.
   */
  backwardStep(tape: Tape<R, A>, t: number, adj: StepAdjoint<A>, dA: A, daOff: number, dtheta: A): void;
  /**
   * The deferred weight gradients of the run of steps tLo..tHi, whose da_t sit in dA at row block
   * t - tLo: one product per weight matrix, added into dtheta.
   */
  weightGradients(tape: Tape<R, A>, x: A, tLo: number, tHi: number, dA: A, dtheta: A): void;

  /**
   * Tangent vectors through step t of batch row r: the rows v_i of V (k x S) to the rows J_t v_i
   * of out (out = V J_t^T).
   */
  jvp(tape: Tape<R, A>, t: number, r: number, k: number, V: A, out: A, work: W): void;
  /**
   * Row vectors through step t of batch row r, the other way: the rows u_i of U (k x S) to the
   * rows u_i^T J_t of out (out = U J_t; = J_t^T u_i, one backward step without parameters).
   */
  vjp(tape: Tape<R, A>, t: number, r: number, k: number, U: A, out: A, work: W): void;
  /**
   * The entries of s (0..S-1) that the step never reads: the columns of J_t that are zero at every
   * step by the structure of the weights (a zero column of the recurrent matrix). Each is a
   * direction that the first step maps to 0, an exponent -infinity of the Lyapunov spectrum.
   * Absent: none (the GRU reads every h_j through z * h_{t-1}).
   */
  zeroJacobianColumns?(): number[];

  /** Whole-run WebAssembly kernels, when the cell has them. */
  readonly kernels?: WholeRunKernels<R, A>;
}

/**
 * A cell's whole-run kernels: forward and BPTT of two shares of batch rows (or, in float32, one
 * below shareMinRows rows or with LSTM peepholes), each share the whole run in one WebAssembly call (rows
 * interact only in the weight-gradient sums), the second share on the worker thread. Same
 * equations as the TypeScript step; the split is fixed by B, so the bits do not depend on the
 * number of threads.
 */
export interface WholeRunKernels<R, A extends Real = Float64Array> {
  /** True when this run goes to the kernels (batch large enough, buffers in the kernel heap). */
  applies(tape: Tape<R, A>, x: A): boolean;
  forward(tape: Tape<R, A>, x: A, T: number): void;
  /**
   * The backward pass in runs of `run` steps: begin once, then `steps` for t down to tEnd (no loss
   * term in between; the driver adds the loss terms into ds.h), `endRun` when tEnd = tLo, `end`
   * once. The kernels leave per step, part and share a pair (scale, ssq) with
   * ||dL/ds_t^part||^2 over the share = scale^2 ssq in `pairs` at ((2 part + share) stride + 2 t).
   */
  beginBackward(tape: Tape<R, A>, x: A, b: KernelBackward<A>): void;
  steps(t: number, tEnd: number, tLo: number, tHi: number): void;
  endRun(tLo: number, tHi: number): void;
  endBackward(): void;
}

/** What the driver hands the kernels' backward pass (the gradient buffers of bptt.ts). */
export interface KernelBackward<A extends Real = Float64Array> {
  readonly dtheta: A;
  /** dL/ds_t (B x n per part), carried between the calls. */
  readonly ds: StateArrays<A>;
  /** dL/ds_t per step, (T+1) x B x n per part, when kept. */
  readonly perStep: StateArrays<A> | null;
  readonly dA: A;
  /** Steps per deferred run. */
  readonly run: number;
  readonly pairs: Float64Array;
  /** Distance between the pair arrays of consecutive (part, share), in doubles. */
  readonly stride: number;
}

/** Number of entries of the state s (parts x n). */
export function stateSize(cell: Pick<RecurrentCell, 'state' | 'n'>): number {
  return cell.state.length * cell.n;
}

/** Named views of theta, or of any vector laid out like it (a gradient), in block order. */
export function views<A extends Real = Float64Array>(cell: Pick<RecurrentCell, 'blocks'>, theta: A): Record<string, A> {
  const out: Record<string, A> = {};
  let off = 0;
  for (const b of cell.blocks) {
    out[b.name] = theta.subarray(off, off + b.rows * b.cols) as A;
    off += b.rows * b.cols;
  }
  return out;
}

/** The offset of block `name` in theta (-1 when the cell has no such block). */
export function blockOffset(cell: Pick<RecurrentCell, 'blocks'>, name: string): number {
  let off = 0;
  for (const b of cell.blocks) {
    if (b.name === name) return off;
    off += b.rows * b.cols;
  }
  return -1;
}

/**
 * The columns of a row-major rows x cols matrix whose entries are all zero.
 *
 * @example zeroColumns(new Float64Array([1, 0, 2, 0]), 2, 2) // [1]
 */
export function zeroColumns(M: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < cols; j++) {
    let zero = true;
    for (let i = 0; i < rows && zero; i++) zero = M[i * cols + j] === 0;
    if (zero) out.push(j);
  }
  return out;
}

/** Total entries of a list of blocks. */
export function blocksSize(blocks: readonly ParameterBlock[]): number {
  return blocks.reduce((s, b) => s + b.rows * b.cols, 0);
}

/**
 * Check values for a cell's parameters at the public edge: a block's length and finiteness.
 *
 * @throws Error naming the block, its shape and the first bad entry.
 */
export function checkBlock(kind: string, block: ParameterBlock, v: Float64Array): void {
  const len = block.rows * block.cols;
  const shape = block.cols === 1 ? `${block.rows}` : `${block.rows} x ${block.cols}`;
  if (v.length !== len) throw new Error(`${kind}: ${block.name} must have ${len} entries (${shape}), got ${v.length}`);
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(v[i]!)) throw new Error(`${kind}: ${block.name}[${i}] is ${v[i]}; expected finite numbers`);
  }
}

/**
 * The working precision of a cell's options, checked at the public edge (absent: 'float64').
 *
 * @throws Error naming the cell and the value when it is neither 'float64' nor 'float32'.
 */
export function checkPrecision(kind: string, precision: Precision | undefined): Precision {
  const p = precision ?? 'float64';
  if (p !== 'float64' && p !== 'float32') throw new Error(`${kind}: precision must be 'float64' or 'float32', got ${String(p)}`);
  return p;
}

/**
 * After copying finite float64 values into a float32 vector: every entry still finite (|v| below
 * the float32 overflow threshold, about 3.4e38).
 *
 * @throws Error naming the first entry that overflowed.
 */
export function checkRounded(kind: string, stored: Real, given: ArrayLike<number>): void {
  if (stored instanceof Float64Array) return;
  for (let i = 0; i < stored.length; i++) {
    if (!Number.isFinite(stored[i]!)) throw new Error(`${kind}: theta[${i}] = ${given[i]} is outside the float32 range`);
  }
}

/** One trainable tensor: its name, its values and its gradient buffer (views into theta and a gradient, in their precision). */
export interface NamedParameter<A extends Real = Float64Array> {
  readonly name: string;
  /** The values (a view into theta), named `param` as the optimisers (src/training/optimisers.ts) expect. */
  readonly param: A;
  readonly grad: A;
}

/** The non-empty parameter tensors of theta with their gradient views in dtheta, in block order. */
export function parameterList<A extends Real = Float64Array>(blocks: readonly ParameterBlock[], theta: A, dtheta: A, prefix = ''): NamedParameter<A>[] {
  const v = views({ blocks }, theta);
  const g = views({ blocks }, dtheta);
  return blocks.filter((b) => b.rows * b.cols > 0).map((b) => ({ name: prefix + b.name, param: v[b.name]!, grad: g[b.name]! }));
}

/**
 * The dense step Jacobian J_t = ds_t / ds_{t-1} of batch row r (S x S, row-major, blocks in the
 * order of cell.state), as the rows e_i^T J_t of the identity's rows (cell.vjp).
 *
 * @example for the RNN, jacobian(rnn, tape, t, r) = diag(f'(a_t)) W.
 */
export function jacobian<R, W>(cell: RecurrentCell<R, W>, tape: Tape<R>, t: number, r: number, out?: Float64Array): Float64Array {
  const S = stateSize(cell);
  const J = out ?? new Float64Array(S * S);
  const I = new Float64Array(S * S);
  for (let i = 0; i < S; i++) I[i * S + i] = 1;
  const work = cell.createWork(S);
  try {
    cell.vjp(tape, t, r, S, I, J, work);
  } finally {
    cell.freeWork(work);
  }
  return J;
}
