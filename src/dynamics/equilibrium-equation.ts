/**
 * The equilibrium equation of a system under the flow contract, written once for flows and maps:
 *
 *     G(x, p) = f(x, p)        (flow: dx/dt = f = 0)
 *     G(x, p) = f(x, p) - x    (map: x = f(x))
 *
 * with G_x = A or A - I and G_p = f_p. Continuation, Newton polishing and the fixed-point search of
 * any network all solve G = 0; stability is then read from A itself (src/dynamics/stability.ts).
 */
import type { DynamicalSystem } from '../models/flow.ts';

/** G(x, p) into out. */
export function equilibriumResidual(sys: DynamicalSystem, x: Float64Array, p: Float64Array, out: Float64Array): Float64Array {
  sys.field(x, p, out);
  if (sys.time === 'discrete') for (let i = 0; i < sys.dimension; i++) out[i]! -= x[i]!;
  return out;
}

/** G_x(x, p) = A or A - I, n x n into out (row stride `stride`, default n, for bordered matrices). */
export function equilibriumJacobian(sys: DynamicalSystem, x: Float64Array, p: Float64Array, out: Float64Array, A: Float64Array = new Float64Array(sys.dimension ** 2)): Float64Array {
  const n = sys.dimension;
  sys.jacobian(x, p, A);
  if (sys.time === 'discrete') for (let i = 0; i < n; i++) A[i * n + i]! -= 1;
  out.set(A);
  return out;
}

/** The eigenvalue of A that sits on the stability boundary at a fold: 0 for flows, 1 for maps. */
export function foldEigenvalue(sys: DynamicalSystem): number {
  return sys.time === 'continuous' ? 0 : 1;
}
