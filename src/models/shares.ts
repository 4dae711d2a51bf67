/**
 * The whole-run kernels of the gated cells (lstm.ts, gru.ts) as two shares of batch rows: the model
 * side of the split, written once. The batch is cut at B/2; each share runs forward and BPTT as one
 * WebAssembly job over its rows (the cell's forward and backward jobs of kernels.ts, e.g.
 * lstm_forward and lstm_backward), the second on the worker thread (parallel.ts twoShares). Rows never interact, except in the weight-gradient
 * sums: the first share adds into the gradient itself, the second into `theta1`, added at the end.
 * The split is fixed by B, so the bits do not depend on the number of threads.
 *
 * In float32 (shareKernels32) the same glue serves every cell, the vanilla RNN (rnn.ts) included:
 * one share or two, with the weight gradients left to the cell's own TypeScript products.
 *
 * What stays with each cell is its own arguments (records, biases, gate layout) and the names of its
 * jobs and gradient blocks; argument slots, pointers and thresholds stay in wasm.ts.
 */
import { oneShare, twoShares } from '../linalg/parallel.ts';
import type { Real } from '../linalg/precision.ts';
import { ABI, allocF32, allocF64, freeF64, inWasm, jobArgs, packB, packedSize, setArg, spackB, spackedSize, transposeInto, type Job, type JobArg } from '../linalg/wasm.ts';
import { blockOffset, type KernelBackward, type RecurrentCell, type Tape, type WholeRunKernels } from './cell.ts';

/**
 * Scratch of the share kernels: the packed weights (Wh^T and Wx^T forward, Wh backward), each
 * share's rows h_{t-1} and x_t of the current run (H, X) and the second share's weight-gradient
 * sums (laid out as theta).
 */
export interface ShareScratch {
  readonly packed: Float64Array;
  readonly H: Float64Array;
  readonly X: Float64Array;
  readonly theta1: Float64Array;
  readonly run: number;
}

/** Records of a cell with share kernels: the scratch, allocated at their first use. */
export interface ShareRecords {
  shares?: ShareScratch;
  /** The float32 kernels' packed Wh^T (forward) or Wh (backward), packed at every pass. */
  packed32?: Float32Array;
}

/** Return the share scratch of a cell's records to the heap. */
export function freeShareScratch(rec: ShareRecords): void {
  if (rec.shares) for (const buf of [rec.shares.packed, rec.shares.H, rec.shares.X, rec.shares.theta1]) freeF64(buf);
  if (rec.packed32) freeF64(rec.packed32);
}

/** A gated cell: input weights Wx (Gn x m) and recurrent weights Wh (Gn x n), the gate blocks stacked. */
type GatedCell<R> = RecurrentCell<R> & { readonly Wx: Float64Array; readonly Wh: Float64Array };

/** What a cell tells the share kernels: its jobs, its own arguments and its gradient blocks. */
export interface ShareSpec<R> {
  /** The cell's forward and backward jobs (wasm.ts ABI.jobs). */
  readonly forward: Job;
  readonly backward: Job;
  /** The record arrays the kernels read and write (besides h and theta): all must live in the heap. */
  heap(tape: Tape<R>): Float64Array[];
  /** The forward job's arguments that are the cell's own (records, biases, gate layout). */
  forwardArgs(tape: Tape<R>): Record<string, JobArg>;
  /** The backward job's arguments that are the cell's own. */
  backwardArgs(tape: Tape<R>, kb: KernelBackward): Record<string, JobArg>;
  /** The blocks whose gradients the backward job sums (argument 'd' + name; null when the cell lacks the block). */
  readonly gradients: readonly string[];
}

function shareScratch(cell: Pick<GatedCell<unknown>, 'n' | 'm' | 'Wh' | 'theta'>, rec: ShareRecords, B: number, run: number): ShareScratch {
  const { n, m } = cell;
  const Gn = cell.Wh.length / n;
  const size = Math.max(packedSize(n, Gn) + Gn * m, packedSize(Gn, n));
  const s = rec.shares;
  if (s && s.run >= run && s.packed.length >= size) return s;
  freeShareScratch(rec);
  rec.shares = { packed: allocF64(size), H: allocF64(run * B * n), X: allocF64(Math.max(1, run * B * m)), theta1: allocF64(cell.theta.length), run };
  return rec.shares;
}

/** The whole-run kernels of a gated cell, as two shares of batch rows. */
export function shareKernels<R extends ShareRecords>(cell: GatedCell<R>, spec: ShareSpec<R>): WholeRunKernels<R> {
  const { n, m } = cell;
  const Gn = cell.Wh.length / n;
  const { forward: fw, backward: bwJob } = spec;
  const { shareMinRows, shareParallelMinWork } = ABI.routes;
  // the backward pass's job arguments, set per run in place (t, tEnd, tLo, tHi): no allocation in the loop
  let bw: { sh: ShareScratch; B: number; kb: KernelBackward; first: Float64Array; second: Float64Array } | null = null;
  return {
    applies(tape, x) {
      return tape.B >= shareMinRows && [tape.states.h, ...spec.heap(tape), cell.theta].every(inWasm) && (m === 0 || inWasm(x));
    },
    forward(tape, x, T) {
      // each share the whole run (input part included, each step's rows while they are in cache)
      const { B, records } = tape;
      const sh = shareScratch(cell, records, B, 1);
      packB(true, n, Gn, cell.Wh, 0, n, sh.packed);
      const wxT = packedSize(n, Gn);
      if (m > 0) transposeInto(Gn, m, cell.Wx, 0, m, sh.packed, wxT, Gn);
      const args = { ...spec.forwardArgs(tape), n, m, B, T, Wp: sh.packed, Wh: cell.Wh, h: tape.states.h, x: m > 0 ? x : null, WxT: [sh.packed, wxT] as const };
      const half = B >> 1;
      twoShares(fw, jobArgs(fw, { ...args, r0: 0, r1: half }), jobArgs(fw, { ...args, r0: half, r1: B }), T * B * Gn * n >= shareParallelMinWork);
    },
    beginBackward(tape, x, kb) {
      const { B, records } = tape;
      const { run, dtheta } = kb;
      const sh = shareScratch(cell, records, B, run);
      packB(false, Gn, n, cell.Wh, 0, n, sh.packed);
      sh.theta1.fill(0);
      const half = B >> 1;
      const args = { ...spec.backwardArgs(tape, kb), n, m, B, h: tape.states.h, x: m > 0 ? x : null, Wp: sh.packed, Wh: cell.Wh, delta: kb.ds.h, tHi: 0, t: 0, tEnd: 0, tLo: 0 };
      // each share's rows of the run's dA, H, X and its (scale, ssq) pairs per state part
      const share = (k: number, r0: number, r1: number): Float64Array => {
        const acc = k === 0 ? dtheta : sh.theta1;
        const own: Record<string, JobArg> = { r0, r1, dA: [kb.dA, run * r0 * cell.gradWidth], H: [sh.H, run * r0 * n], X: [sh.X, run * r0 * m] };
        cell.state.forEach((part, p) => (own[`${part}Norms`] = [kb.pairs, kb.stride * (2 * p + k)]));
        for (const name of spec.gradients) {
          const off = blockOffset(cell, name);
          own[`d${name}`] = off >= 0 ? [acc, off] : null;
        }
        return jobArgs(bwJob, { ...args, ...own });
      };
      bw = { sh, B, kb, first: share(0, 0, half), second: share(1, half, B) };
    },
    steps(t, tEnd, tLo, tHi) {
      const { first, second, B } = bw!;
      for (const args of [first, second]) {
        setArg(bwJob, args, 'tHi', tHi);
        setArg(bwJob, args, 't', t);
        setArg(bwJob, args, 'tEnd', tEnd);
        setArg(bwJob, args, 'tLo', tLo);
      }
      twoShares(bwJob, first, second, (t - tEnd + 1) * B * Gn * n >= shareParallelMinWork);
    },
    endRun() {},
    endBackward() {
      // the second share's sums of the parameters
      const { sh, kb } = bw!;
      for (let i = 0; i < kb.dtheta.length; i++) kb.dtheta[i]! += sh.theta1[i]!;
      bw = null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Float32 whole-run kernels (one share, or two shares of batch rows)
// ---------------------------------------------------------------------------------------------

/**
 * A job's arguments per share: one share (rows [0, B)) below shareMinRows rows, otherwise two
 * (rows [0, B/2) and [B/2, B); `second` overrides arguments of the second).
 */
export function shareArgs(job: Job, args: Record<string, JobArg>, B: number, second: Record<string, JobArg> = {}, split = B >= ABI.routes.shareMinRows): Float64Array[] {
  if (!split) return [jobArgs(job, { ...args, r0: 0, r1: B })];
  const half = B >> 1;
  return [jobArgs(job, { ...args, r0: 0, r1: half }), jobArgs(job, { ...args, ...second, r0: half, r1: B })];
}

/** The shares of a job: one on this thread, or two (the second on the worker thread when `parallel`). */
export function runShares(job: Job, shares: Float64Array[], parallel: boolean): void {
  if (shares.length === 1) oneShare(job, shares[0]!);
  else twoShares(job, shares[0]!, shares[1]!, parallel);
}

/** What a float32 cell tells its share kernels: its jobs, its weights and its own arguments. */
export interface ShareSpec32<R> {
  /** The cell's float32 forward and backward jobs (wasm.ts ABI.jobs). */
  readonly forward: Job;
  readonly backward: Job;
  /** The recurrent weights Wh (Gn x n, the gate blocks stacked; the RNN's W): argument Wp, packed. */
  readonly Wh: Float32Array;
  /**
   * The input weights Wx (Gn x m; the RNN's U) when the forward job forms the input part
   * x_t Wx^T itself (argument Up, packed); absent when the cell's beginForward forms it (gated cells).
   */
  readonly Wx?: Float32Array;
  /** The record arrays the kernels read and write (besides h and theta): all must live in the heap. */
  heap(tape: Tape<R, Float32Array>): Real[];
  /** The forward job's arguments that are the cell's own (records, biases). */
  forwardArgs(tape: Tape<R, Float32Array>, x: Float32Array): Record<string, JobArg>;
  /** The backward job's arguments that are the cell's own (records, state gradients, gradient blocks). */
  backwardArgs(tape: Tape<R, Float32Array>, kb: KernelBackward<Float32Array>): Record<string, JobArg>;
  /** One share whatever the batch (sums over rows the kernels keep in the TypeScript steps' order, e.g. peephole gradients). */
  readonly oneShare?: boolean;
  /**
   * The cell's own sums at the end of each run, after its weightGradients (the RNN's bias gradient,
   * which its TypeScript step adds per step and its kernels leave to this sum).
   */
  endRun?(tape: Tape<R, Float32Array>, kb: KernelBackward<Float32Array>, tLo: number, tHi: number): void;
}

/**
 * The packed weights of the float32 kernels (spack_b): forward op(B) = Wh^T (of h_{t-1} Wh^T,
 * n x Gn), then Wx^T (m x Gn) when the forward job takes it; backward Wh (of da_t Wh, Gn x n).
 * Packed at every pass, since training updates the weights in place.
 */
function packed32(n: number, m: number, { Wh, Wx }: Pick<ShareSpec32<unknown>, 'Wh' | 'Wx'>, rec: ShareRecords, forward: boolean): Float32Array {
  const Gn = Wh.length / n;
  const wxSize = Wx && m > 0 ? spackedSize(m, Gn) : 0;
  const size = Math.max(spackedSize(n, Gn) + wxSize, spackedSize(Gn, n));
  if (!rec.packed32 || rec.packed32.length < size) {
    if (rec.packed32) freeF64(rec.packed32);
    rec.packed32 = allocF32(size);
  }
  if (!forward) spackB(false, Gn, n, Wh, 0, n, rec.packed32);
  else {
    spackB(true, n, Gn, Wh, 0, n, rec.packed32);
    if (wxSize > 0) spackB(true, m, Gn, Wx!, 0, m, rec.packed32, spackedSize(n, Gn));
  }
  return rec.packed32;
}

/**
 * The float32 whole-run kernels of a cell (kernels.ts srnn_*, sgru_* and slstm_*): one share of
 * batch rows below shareMinRows rows, two above (the split is fixed by B, so the bits do not depend
 * on the number of threads). The kernels run the recursions, each step repeating the cell's float32
 * TypeScript step operation for operation (state gradients and their norm pairs per part: arguments
 * `${part}Norms`); the parts without a recursion stay the cell's own, run on the same arrays: its
 * beginForward (the input part of every step, one product, unless the forward job forms it:
 * spec.Wx) and its weightGradients at the end of each run, then spec.endRun (dA holds the whole
 * batch, laid out as the TypeScript steps lay it out). So the two routes give the same bits.
 */
export function shareKernels32<R extends ShareRecords>(cell: RecurrentCell<R, unknown, Float32Array>, spec: ShareSpec32<R>): WholeRunKernels<R, Float32Array> {
  const { n, m } = cell;
  const Gn = spec.Wh.length / n;
  const { forward: fw, backward: bwJob } = spec;
  const { shareParallelMinWork } = ABI.routes;
  // multiply-adds per step and row of the forward job: the recurrent product, and the input product when it forms it
  const forwardWidth = Gn * (n + (spec.Wx ? m : 0));
  // the backward pass's job arguments, set per run in place (t, tEnd, tLo): no allocation in the loop
  let bw: { tape: Tape<R, Float32Array>; x: Float32Array; kb: KernelBackward<Float32Array>; shares: Float64Array[] } | null = null;
  const split = (B: number): boolean => !spec.oneShare && B >= ABI.routes.shareMinRows;
  return {
    applies(tape, x) {
      return [tape.states.h, ...spec.heap(tape), cell.theta].every(inWasm) && (m === 0 || inWasm(x));
    },
    forward(tape, x, T) {
      const { B, records } = tape;
      cell.beginForward(tape, x, T);
      const Wp = packed32(n, m, spec, records, true);
      const args: Record<string, JobArg> = { ...spec.forwardArgs(tape, x), n, B, T, Wp, h: tape.states.h };
      if (spec.Wx) args.Up = m > 0 ? [Wp, spackedSize(n, Gn)] : null;
      runShares(fw, shareArgs(fw, args, B, {}, split(B)), T * B * forwardWidth >= shareParallelMinWork);
    },
    beginBackward(tape, x, kb) {
      const { B, records } = tape;
      const args: Record<string, JobArg> = { ...spec.backwardArgs(tape, kb), n, B, t: 0, tEnd: 0, tLo: 0, h: tape.states.h, delta: kb.ds.h, dA: kb.dA, Wp: packed32(n, m, spec, records, false) };
      // the shares' pairs (1, ssq) of ||dL/ds_t^part||, one array per part and share; one share leaves the second's 0
      const second: Record<string, JobArg> = {};
      cell.state.forEach((part, p) => {
        args[`${part}Norms`] = [kb.pairs, kb.stride * 2 * p];
        second[`${part}Norms`] = [kb.pairs, kb.stride * (2 * p + 1)];
      });
      const shares = shareArgs(bwJob, args, B, second, split(B));
      if (shares.length === 1) cell.state.forEach((_, p) => kb.pairs.fill(0, kb.stride * (2 * p + 1), kb.stride * (2 * p + 2)));
      bw = { tape, x, kb, shares };
    },
    steps(t, tEnd, tLo) {
      const { shares, tape } = bw!;
      for (const args of shares) {
        setArg(bwJob, args, 't', t);
        setArg(bwJob, args, 'tEnd', tEnd);
        setArg(bwJob, args, 'tLo', tLo);
      }
      runShares(bwJob, shares, (t - tEnd + 1) * tape.B * Gn * n >= shareParallelMinWork);
    },
    endRun(tLo, tHi) {
      const { tape, x, kb } = bw!;
      cell.weightGradients(tape, x, tLo, tHi, kb.dA, kb.dtheta);
      spec.endRun?.(tape, kb, tLo, tHi);
    },
    endBackward() {
      bw = null;
    },
  };
}
