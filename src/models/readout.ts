/**
 * The readout and the losses of every recurrent cell, written once:
 *
 *     y_t = V h_t + c     (V: p x n, c: p; c is the readout bias, not an LSTM cell state),
 *
 * or y_t = h_t itself (p = n) when there is no readout, and a loss summed over the steps S it
 * covers and averaged over the batch,
 *
 *     L = (1/B) sum_r sum_{t in S} l(y_t^r, target_t^r)   [ / |S| when meanOverSteps ],
 *
 * with S = {T} ('last') or {1..T} ('all') and
 *
 *     l = 1/2 ||y - target||^2               ('squared-error'),
 *     l = -log softmax(y)[label]               ('cross-entropy', log-sum-exp shifted by the maximum).
 *
 * The gradient of a step's loss enters BPTT as dl_t/dh_t = (dl/dy) V (or dl/dy itself); the
 * readout's own gradients are dV += (dl/dy)^T h_t and dc += sum_r dl/dy_r.
 *
 * Layout: the readout's parameters are one flat Float64Array [V, c] (row-major V), like a cell's.
 */
import { gemm } from '../linalg/blas.ts';
import type { Real } from '../linalg/precision.ts';
import { allocF64 } from '../linalg/wasm.ts';

export type LossKind = 'squared-error' | 'cross-entropy';

/** The linear readout y = V h + c: views into one flat `theta` = [V, c]. */
export interface Readout {
  readonly n: number;
  readonly p: number;
  readonly theta: Float64Array;
  /** p x n. */
  readonly V: Float64Array;
  /** p. */
  readonly c: Float64Array;
}

/** A loss on the outputs y_t at the steps it covers (targets and labels ordered [step][row][...]). */
export interface SequenceLoss {
  readonly kind: LossKind;
  readonly steps: 'last' | 'all';
  /** squared-error: |S| x B x p targets. */
  readonly targets?: Float64Array;
  /** cross-entropy: |S| x B class labels in [0, p). */
  readonly labels?: Int32Array;
  /** Divide by the number of loss steps too (the per-step mean copy memory scores). Default false. */
  readonly meanOverSteps?: boolean;
}

/** A readout of p outputs from n units, all zero, or with V and c copied in. In the kernel heap. */
export function createReadout(n: number, p: number, V?: Float64Array, c?: Float64Array): Readout {
  if (!Number.isInteger(p) || p < 1) throw new Error(`readout: size p must be a positive integer, got ${p}`);
  const theta = allocF64(p * n + p);
  const ro = readoutViews(n, p, theta);
  if (V) {
    if (V.length !== p * n) throw new Error(`readout: V must have ${p * n} entries (${p} x ${n}), got ${V.length}`);
    ro.V.set(V);
  }
  if (c) {
    if (c.length !== p) throw new Error(`readout: c must have ${p} entries, got ${c.length}`);
    ro.c.set(c);
  }
  return ro;
}

/** Named views of a flat [V, c] vector (the readout's parameters or their gradients). */
export function readoutViews(n: number, p: number, theta: Float64Array): Readout {
  return { n, p, theta, V: theta.subarray(0, p * n), c: theta.subarray(p * n, p * n + p) };
}

/** Number of outputs: p with a readout, n without. */
export function outputSize(n: number, readout: Readout | null): number {
  return readout ? readout.p : n;
}

/** The scale 1/B (or 1/(B |S|) with meanOverSteps) of every step's loss. */
export function lossScale(loss: SequenceLoss, B: number, T: number): number {
  return loss.meanOverSteps ? 1 / (B * (loss.steps === 'last' ? 1 : T)) : 1 / B;
}

/** True when step t (1..T) carries a loss term. */
export function hasLossAt(loss: SequenceLoss, t: number, T: number): boolean {
  return loss.steps === 'all' || t === T;
}

/**
 * y = V h + c for B rows of h (B x n at hOff) into y (B x p at yOff); y = h without a readout.
 */
export function readoutKernel(B: number, n: number, h: Real, hOff: number, readout: Readout | null, y: Float64Array, yOff: number): void {
  if (readout) {
    const { p, V, c } = readout;
    for (let r = 0; r < B; r++) y.set(c, yOff + r * p);
    gemm(false, true, B, p, n, 1, h, hOff, n, V, 0, n, 1, y, yOff, p);
  } else {
    for (let i = 0; i < B * n; i++) y[yOff + i] = h[hOff + i]!;
  }
}

/**
 * One step's loss over a batch (y: B x p, already computed), with dl/dy into dy. Returns the
 * scaled loss.
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

/**
 * The loss term of step t of a (T+1) x B x n state buffer h: returns l_t and, when dh is given,
 * adds dl_t/dh_t into dh (B x n) and the readout's gradients into dReadout (laid out [V, c]).
 * y and dy are B x p scratch.
 */
export function stepLoss(
  loss: SequenceLoss,
  readout: Readout | null,
  B: number,
  n: number,
  T: number,
  t: number,
  h: Real,
  y: Float64Array,
  dy: Float64Array,
  dh: Real | null,
  dReadout: Float64Array | null,
): number {
  const p = outputSize(n, readout);
  const k = loss.steps === 'last' ? 0 : t - 1;
  const hOff = t * B * n;
  readoutKernel(B, n, h, hOff, readout, y, 0);
  const l = lossKernel(loss.kind, B, p, y, loss.targets ?? null, k * B * p, loss.labels ?? null, k * B, lossScale(loss, B, T), dy);
  if (dh) {
    if (readout) gemm(false, false, B, n, p, 1, dy, 0, p, readout.V, 0, n, 1, dh, 0, n);
    else for (let i = 0; i < B * n; i++) dh[i]! += dy[i]!;
  }
  if (readout && dReadout) {
    gemm(true, false, p, n, B, 1, dy, 0, p, h, hOff, n, 1, dReadout, 0, n);
    const dc = p * n;
    for (let r = 0; r < B; r++) for (let j = 0; j < p; j++) dReadout[dc + j]! += dy[r * p + j]!;
  }
  return l;
}

/**
 * Outputs y_t at the loss steps of a (T+1) x B x n state buffer: the last step only ('last', out:
 * B x p) or every step ('all', out: T x B x p).
 */
export function readoutOutputs(readout: Readout | null, n: number, B: number, T: number, h: Real, steps: 'last' | 'all', out: Float64Array): Float64Array {
  const p = outputSize(n, readout);
  const t0 = steps === 'last' ? T : 1;
  for (let t = t0; t <= T; t++) readoutKernel(B, n, h, t * B * n, readout, out, (t - t0) * B * p);
  return out;
}

/** The readout's parameter blocks [V (p x n), c (p)], for parameter lists (cell.ts parameterList). */
export function readoutBlocks(n: number, p: number): { name: string; rows: number; cols: number }[] {
  return [
    { name: 'V', rows: p, cols: n },
    { name: 'c', rows: p, cols: 1 },
  ];
}
