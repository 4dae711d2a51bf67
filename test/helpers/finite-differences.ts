/**
 * Central finite differences for the gradient checks of the models.
 */
import { maxRelativeError, TOL } from './tolerance.ts';

/**
 * Step of the fourth-order central differences (five-point stencil): truncation O(h^4) ~ 1e-16
 * and cancellation O(eps |L| / h) ~ 1e-11 |L|, so even gradient entries 1e4 times smaller than the
 * largest are resolved (the second-order stencil's O(h^2) truncation is not, at any h).
 */
export const FD_STEP = 1e-4;

/**
 * Five-point central difference of f with respect to every entry of v (perturbed in place and
 * restored): (8 (f(+h) - f(-h)) - (f(+2h) - f(-2h))) / 12h.
 */
export function fivePointGradient(v: Float64Array, f: () => number): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i]!;
    const at = (d: number): number => {
      v[i] = old + d;
      return f();
    };
    g[i] = (8 * (at(FD_STEP) - at(-FD_STEP)) - (at(2 * FD_STEP) - at(-2 * FD_STEP))) / (12 * FD_STEP);
    v[i] = old;
  }
  return g;
}

/**
 * Largest per-entry relative error of an analytic gradient against its finite-difference estimate,
 * entries below TOL.bpttGradientFloor times the largest compared absolutely.
 */
export function gradientError(analytic: ArrayLike<number>, fd: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < analytic.length; i++) scale = Math.max(scale, Math.abs(analytic[i]!));
  return maxRelativeError(analytic, fd, Math.max(TOL.bpttGradientFloor * scale, 1e-12));
}
