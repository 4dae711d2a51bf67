/**
 * The one driver of every recurrent cell (cell.ts): the forward pass over T steps on a tape
 * allocated once, and backpropagation through time (Werbos 1990; Rumelhart, Hinton and Williams
 * 1986),
 *
 *     dL/ds_{t-1} = J_t^T dL/ds_t + dl_{t-1}/ds_{t-1},     dL/dtheta = sum_t (dF/dtheta at t)^T dL/ds_t,
 *
 * with the loss terms from readout.ts. The weight gradients are deferred (a Gn-wide row block
 * da_t per step is kept for a run of steps, then dW_h += dA^T H and dW_x += dA^T X are one product
 * each, as PyTorch's RNN backward does) and the norms ||dL/ds_t|| of every part are recorded per
 * step for gradient flow.
 *
 * A cell with whole-run kernels runs large batches there (same equations, tested against the
 * TypeScript steps); the loss terms are added here between the kernels' runs.
 *
 * @example
 *   const cell = createLstm({ n: 8, m: 2, forgetGate: true }, new Rng(1));
 *   const readout = createReadout(8, 1);
 *   const tape = createTape(cell, B, T);
 *   forward(cell, x, tape);
 *   const grads = createGradients(cell, B, T, readout);
 *   const L = backward(cell, tape, x, { kind: 'squared-error', steps: 'last', targets }, readout, grads);
 *   // grads.theta (laid out as cell.theta), grads.readout, grads.norms.h[t] = ||dL/dh_t||, grads.norms.c
 *
 * Precision: the tape, dL/ds_t, da_t and dL/dtheta are arrays of the cell's precision (cell.ts);
 * the readout, its outputs y_t, dl/dy_t and gradient, the loss L and the norms ||dL/ds_t|| (summed
 * in float64 from the stored values, blas.ts dnrm2) stay float64 in both.
 */
import { dnrm2 } from '../linalg/blas.ts';
import type { Precision, Real } from '../linalg/precision.ts';
import { allocF64, allocReal, freeF64 } from '../linalg/wasm.ts';
import type { RecurrentCell, StateArrays, Tape } from './cell.ts';
import { hasLossAt, outputSize, stepLoss, type Readout, type SequenceLoss } from './readout.ts';

/** Allocate a tape for batch B and up to T steps (once per run). */
export function createTape<R, A extends Real = Float64Array>(cell: RecurrentCell<R, unknown, A>, B: number, T: number): Tape<R, A> {
  return { B, T, length: 0, states: stateArrays<A>(cell, (T + 1) * B * cell.n), records: cell.createRecords(B, T) };
}

export function freeTape<R, A extends Real = Float64Array>(cell: RecurrentCell<R, unknown, A>, tape: Tape<R, A>): void {
  freeStates(tape.states);
  cell.freeRecords(tape.records);
}

/** The precision of a cell's arrays. */
export function cellPrecision(cell: Pick<RecurrentCell, 'precision'>): Precision {
  return cell.precision ?? 'float64';
}

function stateArrays<A extends Real>(cell: Pick<RecurrentCell, 'state' | 'precision'>, len: number, precision = cellPrecision(cell)): StateArrays<A> {
  const out: StateArrays<A> = { h: allocReal(precision, len) as A };
  if (cell.state.includes('c')) out.c = allocReal(precision, len) as A;
  return out;
}

function freeStates(s: StateArrays<Real>): void {
  freeF64(s.h);
  if (s.c) freeF64(s.c);
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Steps to run (<= tape.T). Default: tape.T. */
  readonly T?: number;
  /** Initial state parts (B x n each); a missing part starts at 0. */
  readonly s0?: Partial<StateArrays<Real>>;
}

/**
 * Run the cell over T steps from s_0 on inputs x (T x B x m), filling the tape. No allocation
 * inside the time loop.
 */
export function forward<R, A extends Real = Float64Array>(cell: RecurrentCell<R, unknown, A>, x: A, tape: Tape<R, A>, opts: ForwardOptions = {}): Tape<R, A> {
  const { B } = tape;
  const T = opts.T ?? tape.T;
  if (!Number.isInteger(T) || T < 0 || T > tape.T) throw new Error(`${cell.kind}: forward over T = ${T} steps needs 0 <= T <= tape.T = ${tape.T}`);
  if (x.length < T * B * cell.m) throw new Error(`${cell.kind}: inputs must have T x B x m = ${T * B * cell.m} entries, got ${x.length}`);
  const bn = B * cell.n;
  for (const part of cell.state) {
    const s = tape.states[part]!;
    const init = opts.s0?.[part];
    if (init) s.set(init.subarray(0, bn), 0);
    else s.fill(0, 0, bn);
  }
  tape.length = T;
  if (cell.kernels?.applies(tape, x)) {
    cell.kernels.forward(tape, x, T);
    return tape;
  }
  cell.beginForward(tape, x, T);
  for (let t = 1; t <= T; t++) cell.step(tape, t, x);
  return tape;
}

/** Gradients of L and the per-step norms of the state adjoint. */
export interface Gradients<A extends Real = Float64Array> {
  /** dL/dtheta, laid out as cell.theta. */
  readonly theta: A;
  /** dL/d(readout theta) = [dV, dc], or null without a readout. */
  readonly readout: Float64Array | null;
  /** dL/ds_0 (B x n per part). */
  readonly s0: StateArrays<A>;
  /**
   * ||dL/ds_t^part||_F over the whole batch (the B x n block), t = 0..T: for h the total
   * derivative through all later steps (c_t held); for c the total derivative through h_t too.
   */
  readonly norms: StateArrays;
  /** dL/ds_t per step ((T+1) x B x n per part, as in `norms`) when kept, else null. */
  readonly perStep: StateArrays<A> | null;
  /**
   * The pre-activation gradients da_t of every step (T x B x gradWidth, step t at row block t - 1,
   * as the cell's backwardStep wrote them) when kept, else null: then the deferred weight gradients
   * are one run over all T steps, and the TypeScript steps run (the whole-run kernels lay da out
   * per share of rows). The lag decomposition of dL/dW reads them (analysis/precision-horizon.ts).
   */
  readonly preActivationGradients: A | null;
  /** Backward scratch, sized once. */
  readonly work: BackwardWork<A>;
}

interface BackwardWork<A extends Real> {
  /** dL/ds_t carried between steps (B x n per part). */
  readonly ds: StateArrays<A>;
  /** The total dL/dc_t of the current step when not kept per step (B x n). */
  readonly total: A | null;
  /** y and dl/dy of one step's loss (B x p). */
  readonly y: Float64Array;
  readonly dy: Float64Array;
  /** da_t of a run of steps (whole B x gradWidth blocks). */
  readonly dA: A;
  /** Norm pairs of the kernels (4 arrays of 2 (T+1) per part). */
  readonly pairs: Float64Array | null;
}

/**
 * Allocate gradient buffers and backward scratch for batch B, up to T steps and the readout
 * (once per run). `stateGradients` keeps dL/ds_t of every step (always when the cell's kernels
 * need them); `preActivationGradients` keeps da_t of every step (default: no).
 */
export function createGradients<A extends Real = Float64Array>(
  cell: RecurrentCell<unknown, unknown, A>,
  B: number,
  T: number,
  readout: Readout | null = null,
  opts: { stateGradients?: boolean; preActivationGradients?: boolean } = {},
): Gradients<A> {
  const { n } = cell;
  const precision = cellPrecision(cell);
  const p = outputSize(n, readout);
  // a cell whose kernels write dL/ds_t per step (the LSTM's) gets the arrays whatever was asked
  const keep = cell.keepsStateGradients || (opts.stateGradients ?? false);
  const keepDA = opts.preActivationGradients ?? false;
  // steps per deferred weight-gradient product; all T when da_t is kept, so none is overwritten
  const run = keepDA ? Math.max(1, T) : Math.max(1, Math.min(T, Math.ceil(cell.deferredRows / B)));
  const dA = allocReal(precision, run * B * cell.gradWidth) as A;
  return {
    theta: allocReal(precision, cell.theta.length) as A,
    readout: readout ? allocF64(readout.theta.length) : null,
    s0: stateArrays<A>(cell, B * n),
    norms: stateArrays<Float64Array>(cell, T + 1, 'float64'),
    perStep: keep ? stateArrays<A>(cell, (T + 1) * B * n) : null,
    preActivationGradients: keepDA ? dA : null,
    work: {
      ds: stateArrays<A>(cell, B * n),
      total: !keep && cell.state.includes('c') ? (allocReal(precision, B * n) as A) : null,
      y: allocF64(B * p),
      dy: allocF64(B * p),
      dA,
      pairs: cell.kernels ? allocF64(4 * cell.state.length * (T + 1)) : null,
    },
  };
}

export function freeGradients(g: Gradients<Real>): void {
  freeF64(g.theta);
  if (g.readout) freeF64(g.readout);
  for (const s of [g.s0, g.norms, g.work.ds]) freeStates(s);
  if (g.perStep) freeStates(g.perStep);
  for (const v of [g.work.total, g.work.y, g.work.dy, g.work.dA, g.work.pairs]) if (v) freeF64(v);
}

/** The loss L of a filled tape (no gradients), e.g. for finite differences. */
export function lossValue<A extends Real = Float64Array>(cell: RecurrentCell<unknown, unknown, A>, tape: Tape<unknown, A>, loss: SequenceLoss, readout: Readout | null = null, work?: Gradients<A>['work']): number {
  const { B, length: T } = tape;
  const p = outputSize(cell.n, readout);
  const y = work ? work.y : new Float64Array(B * p);
  const dy = work ? work.dy : new Float64Array(B * p);
  let L = 0;
  for (let t = loss.steps === 'last' ? T : 1; t <= T; t++) L += stepLoss(loss, readout, B, cell.n, T, t, tape.states.h, y, dy, null, null);
  return L;
}

/**
 * Backpropagation through time over a filled tape: overwrites `grads` with dL/dtheta, dL/dV and
 * dL/dc of the readout, dL/ds_0 and the per-step norms, and returns L.
 */
export function backward<R, A extends Real = Float64Array>(cell: RecurrentCell<R, unknown, A>, tape: Tape<R, A>, x: A, loss: SequenceLoss, readout: Readout | null, grads: Gradients<A>): number {
  const { n } = cell;
  const { B, length: T } = tape;
  const bn = B * n;
  const { ds, dA, y, dy } = grads.work;
  const h = tape.states.h;
  const parts = cell.state;
  grads.theta.fill(0);
  grads.readout?.fill(0);
  for (const part of parts) ds[part]!.fill(0);
  const run = Math.floor(dA.length / (B * cell.gradWidth)); // steps per deferred weight-gradient product
  let L = 0;
  let tHi = T; // the current run covers steps tLo..tHi; da_t sits at row block t - tLo of dA
  const kernels = cell.kernels;
  if (kernels && grads.work.pairs && !grads.preActivationGradients && kernels.applies(tape, x)) {
    const pairs = grads.work.pairs;
    const stride = pairs.length / (2 * parts.length); // 2 (T + 1) for the gradients' capacity
    kernels.beginBackward(tape, x, { dtheta: grads.theta, ds, perStep: grads.perStep, dA, run, pairs, stride });
    for (let t = T; t >= 1; ) {
      if (hasLossAt(loss, t, T)) L += stepLoss(loss, readout, B, n, T, t, h, y, dy, ds.h, grads.readout);
      const tLo = Math.max(1, tHi - run + 1);
      // steps t down to tEnd in one call: no loss term in between
      const tEnd = loss.steps === 'all' ? t : tLo;
      kernels.steps(t, tEnd, tLo, tHi);
      for (let k = 0; k < parts.length; k++) {
        const norms = grads.norms[parts[k]!]!;
        for (let s = tEnd; s <= t; s++) {
          const a = 2 * k * stride + 2 * s;
          const b = a + stride;
          norms[s] = Math.hypot(pairs[a]! * Math.sqrt(pairs[a + 1]!), pairs[b]! * Math.sqrt(pairs[b + 1]!));
        }
      }
      if (tEnd === tLo) {
        kernels.endRun(tLo, tHi);
        tHi = tLo - 1;
      }
      t = tEnd - 1;
    }
    kernels.endBackward();
  } else {
    cell.beginBackward(tape);
    const perStep = grads.perStep;
    const totals = { c: perStep?.c ?? grads.work.total ?? undefined };
    for (let t = T; t >= 1; t--) {
      if (hasLossAt(loss, t, T)) L += stepLoss(loss, readout, B, n, T, t, h, y, dy, ds.h, grads.readout);
      if (perStep) perStep.h.set(ds.h, t * bn);
      grads.norms.h[t] = dnrm2(bn, ds.h);
      const tLo = Math.max(1, tHi - run + 1);
      const totalOff = perStep ? t * bn : 0;
      cell.backwardStep(tape, t, { ds, totals, totalOff }, dA, (t - tLo) * B * cell.gradWidth, grads.theta);
      if (totals.c) grads.norms.c![t] = dnrm2(bn, totals.c, totalOff);
      if (t === tLo) {
        cell.weightGradients(tape, x, tLo, tHi, dA, grads.theta);
        tHi = tLo - 1;
      }
    }
  }
  for (const part of parts) {
    const d = ds[part]!;
    grads.s0[part]!.set(d);
    grads.perStep?.[part]!.set(d, 0);
    grads.norms[part]![0] = dnrm2(bn, d);
  }
  return L;
}
