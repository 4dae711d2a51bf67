/**
 * Gradient flow backwards in time: for a loss L on the last state h_T,
 *
 *     dL/dh_{T-k} = P_k^T dL/dh_T,   P_k = J_T ... J_{T-k+1},
 *
 * so ||dL/dh_{T-k}|| against the lag k shows how far back a learning signal reaches (Bengio,
 * Simard and Frasconi 1994; Hochreiter 1991). The *reach* is the lag at which the norm has
 * fallen by a factor (1e-6 by default) from its value at the last step.
 */
import { backward, createGradients, createTape, forward, type Rnn, type RnnLoss } from '../models/rnn.ts';

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

export interface GradientFlow {
  /** ||dL/dh_{T-k}|| for k = 0..T (lag order). */
  normsByLag: Float64Array;
  /** normsByLag[k] / normsByLag[0]. */
  relative: Float64Array;
  reach: number;
  loss: number;
}

/**
 * Run forward and BPTT for a loss on h_T and return the gradient norms by lag and the reach.
 * x is T x B x m, h0 is B x n; `loss.steps` should be 'last' for the lag picture to mean
 * "from the last step".
 */
export function gradientFlow(rnn: Rnn, x: Float64Array, h0: Float64Array, B: number, T: number, loss: RnnLoss, factor = 1e-6): GradientFlow {
  const tape = createTape(rnn, B, T);
  const grads = createGradients(rnn, B, T, loss.readout);
  forward(rnn, x, h0, tape);
  const L = backward(rnn, tape, x, loss, grads);
  const normsByLag = new Float64Array(T + 1);
  const relative = new Float64Array(T + 1);
  for (let k = 0; k <= T; k++) normsByLag[k] = grads.hNorms[T - k]!;
  for (let k = 0; k <= T; k++) relative[k] = normsByLag[k]! / normsByLag[0]!;
  return { normsByLag, relative, reach: reach(normsByLag, factor), loss: L };
}
