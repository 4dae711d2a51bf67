/**
 * Gradient clipping by global norm (Pascanu, Mikolov and Bengio 2013, Alg. 1): with
 * ||g|| = sqrt(sum over all parameters of sum g_i^2), if ||g|| > threshold then g <- g * threshold / ||g||.
 * The direction is kept, only the step length is capped: the remedy for exploding gradients,
 * which does nothing for vanishing ones.
 *
 * Written over plain lists of gradient buffers so feed-forward and recurrent models share it. A
 * float32 buffer's norm is summed in float64 from its stored values (as bptt.ts sums its norms),
 * and its clipped entries are rounded once to float32 when stored.
 *
 * @example clipGlobalNorm([new Float64Array([3, 4])], 1) // returns 5, leaves [0.6, 0.8]
 */
import type { Real } from '../linalg/precision.ts';

/** sqrt(sum_k ||g_k||^2) over a list of gradient buffers, scaled against overflow as dnrm2. */
export function globalNorm(grads: readonly Real[]): number {
  let scale = 0;
  let ssq = 1;
  for (const g of grads) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (v === 0) continue;
      const a = Math.abs(v);
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else ssq += (a / scale) * (a / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Rescale the gradients in place so their global norm is at most `threshold`; returns the norm
 * before clipping (for logging how often clipping fires). Non-finite norms are left alone: a NaN
 * gradient is a bug to see, not to hide.
 */
export function clipGlobalNorm(grads: readonly Real[], threshold: number): number {
  const norm = globalNorm(grads);
  if (norm > threshold && Number.isFinite(norm)) {
    const s = threshold / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i]! *= s;
  }
  return norm;
}
