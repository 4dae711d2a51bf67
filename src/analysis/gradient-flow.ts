/**
 * Gradient flow backwards in time: for a loss L on the last state h_T,
 *
 *     dL/dh_{T-k} = P_k^T dL/dh_T,   P_k = J_T ... J_{T-k+1},
 *
 * so ||dL/dh_{T-k}|| against the lag k shows how far back a learning signal reaches (Bengio,
 * Simard and Frasconi 1994; Hochreiter 1991). The *reach* is the lag at which the norm has
 * fallen by a factor (1e-6 by default) from its value at the last step.
 *
 * Precision: a float32 cell (cell.ts `precision`) runs forward and BPTT in float32 (bptt.ts: the
 * tape, dL/dh_t and every product in float32); the norms ||dL/dh_t|| are summed in float64 from
 * the stored float32 adjoints and the loss is float64, as bptt.ts keeps them. So a float32 run
 * shows the gradient that float32 training sees, measured without further rounding.
 */
import type { Real } from '../linalg/precision.ts';
import { backward, createGradients, createTape, forward, freeGradients, freeTape } from '../models/bptt.ts';
import type { RecurrentCell, StateArrays } from '../models/cell.ts';
import type { Readout, SequenceLoss } from '../models/readout.ts';

/**
 * The first lag k with norms[k] <= factor * norms[0], where norms is indexed by lag
 * (norms[0] = ||dL/dh_T||); norms.length - 1 (= T) when it never falls that far.
 *
 * @example reach([1, 1e-3, 1e-7, 1e-9], 1e-6) // 2
 */
export function reach(normsByLag: ArrayLike<number>, factor = 1e-6): number {
  const T = normsByLag.length - 1;
  const threshold = factor * normsByLag[0]!;
  for (let k = 1; k <= T; k++) if (normsByLag[k]! <= threshold) return k;
  return T;
}

/**
 * The least-squares slope of ln(norm) against the lag k over the finite positive values of norms
 * indexed by lag (norms[0] at k = 0): the per-step log factor of a decaying gradient.
 *
 * @example Math.exp(logSlope([1, 0.5, 0.25, 0.125])) // 0.5
 */
export function logSlope(rel: readonly number[]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  rel.forEach((v, k) => {
    if (!(v > 0) || !Number.isFinite(v)) return;
    const y = Math.log(v);
    n++;
    sx += k;
    sy += y;
    sxx += k * k;
    sxy += k * y;
  });
  return n < 2 ? 0 : (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

export interface GradientFlow {
  /** ||dL/dh_{T-k}|| for k = 0..T (lag order). */
  normsByLag: Float64Array;
  /** normsByLag[k] / normsByLag[0]. */
  relative: Float64Array;
  reach: number;
  /** The same for the memory cell c of cells that have one: ||dL/dc_{T-k}|| (the total derivative). */
  cell: { normsByLag: Float64Array; relative: Float64Array; reach: number } | null;
  loss: number;
}

/** Per-step norms (t = 0..T) in lag order, relative to the last step, and their reach. */
function byLag(perStep: Float64Array, T: number, factor: number): { normsByLag: Float64Array; relative: Float64Array; reach: number } {
  const normsByLag = new Float64Array(T + 1);
  const relative = new Float64Array(T + 1);
  for (let k = 0; k <= T; k++) normsByLag[k] = perStep[T - k]!;
  for (let k = 0; k <= T; k++) relative[k] = normsByLag[k]! / normsByLag[0]!;
  return { normsByLag, relative, reach: reach(normsByLag, factor) };
}

/**
 * Run forward and BPTT of any cell for a loss and return the gradient norms by lag and the reach.
 * x is T x B x m in the cell's precision, s0 the initial state parts (B x n each, rounded to the
 * cell's precision when stored); `loss.steps` should be 'last' for the lag picture to mean "from
 * the last step". Without a readout the loss is on h_T itself.
 */
export function gradientFlow<A extends Real = Float64Array>(
  cell: RecurrentCell<unknown, unknown, A>,
  x: A,
  s0: Partial<StateArrays<Real>>,
  B: number,
  T: number,
  loss: SequenceLoss,
  readout: Readout | null = null,
  factor = 1e-6,
): GradientFlow {
  const tape = createTape(cell, B, T);
  const grads = createGradients(cell, B, T, readout);
  try {
    forward(cell, x, tape, { s0 });
    const L = backward(cell, tape, x, loss, readout, grads);
    const h = byLag(grads.norms.h, T, factor);
    return { ...h, cell: grads.norms.c ? byLag(grads.norms.c, T, factor) : null, loss: L };
  } finally {
    freeTape(cell, tape);
    freeGradients(grads);
  }
}
