/**
 * Newton's method for square systems G(z) = 0 with a dense Jacobian: z <- z - G_z(z)^{-1} G(z),
 * with the step halved while it does not reduce ||G||_2 (a simple backtracking safeguard; Deuflhard
 * 2004, Newton Methods for Nonlinear Problems, ch. 3). Quadratic convergence near a regular root, so
 * the tolerances below are reached in a few iterations. Used to polish equilibria and fixed points
 * (any system under the flow contract, and later any recurrent cell), and to locate bifurcation
 * points on their augmented systems (src/dynamics/codim1).
 */
import { luFactor, luSolve, norm2, normInf } from './dense.ts';

/** A square system: m equations in m unknowns. */
export interface SquareSystem {
  readonly size: number;
  /** G(z) into out. */
  residual(z: Float64Array, out: Float64Array): void;
  /** G_z(z), m x m row-major, into out. */
  jacobian(z: Float64Array, out: Float64Array): void;
}

export interface NewtonOptions {
  /** Stop when ||G(z)||_inf <= this (default 1e-12). */
  tolerance?: number;
  /** ... and the last step's ||dz||_inf <= this (default 1e-10). */
  stepTolerance?: number;
  /** Default 30. */
  maxIterations?: number;
}

export interface NewtonResult {
  z: Float64Array;
  converged: boolean;
  iterations: number;
  /** ||G(z)||_inf at the returned z. */
  residual: number;
  /** ||dz||_inf of the last step. */
  lastStep: number;
}

/**
 * Solve G(z) = 0 from z0 (not modified).
 *
 * @example newton({ size: 1, residual: (z, o) => { o[0] = z[0] * z[0] - 2; }, jacobian: (z, o) => { o[0] = 2 * z[0]; } }, Float64Array.of(1)).z[0] // 1.4142135623730951
 */
export function newton(sys: SquareSystem, z0: ArrayLike<number>, opts: NewtonOptions = {}): NewtonResult {
  const m = sys.size;
  const tol = opts.tolerance ?? 1e-12;
  const stepTol = opts.stepTolerance ?? 1e-10;
  const maxIt = opts.maxIterations ?? 30;
  const z = Float64Array.from(z0);
  const G = new Float64Array(m);
  const J = new Float64Array(m * m);
  const piv = new Int32Array(m);
  const dz = new Float64Array(m);
  const trial = new Float64Array(m);
  sys.residual(z, G);
  let r = normInf(G);
  let r2 = norm2(G);
  let last = Infinity;
  for (let it = 0; it < maxIt; it++) {
    if (r <= tol && last <= stepTol) return { z, converged: true, iterations: it, residual: r, lastStep: last };
    sys.jacobian(z, J);
    if (!luFactor(m, J, piv)) return { z, converged: false, iterations: it, residual: r, lastStep: last };
    dz.set(G);
    luSolve(m, J, piv, dz);
    // backtrack on ||G||_2 (the Newton step is a descent direction for it): halve up to 20 times
    let lambda = 1;
    let accepted = false;
    for (let k = 0; k < 21; k++) {
      for (let i = 0; i < m; i++) trial[i] = z[i]! - lambda * dz[i]!;
      sys.residual(trial, G);
      const t2 = norm2(G);
      if (t2 < r2 || normInf(G) <= tol) {
        accepted = true;
        r2 = t2;
        break;
      }
      lambda *= 0.5;
    }
    if (!accepted) {
      // no decrease along the Newton direction: round-off level reached (or a wrong Jacobian)
      sys.residual(z, G);
      return { z, converged: r <= tol, iterations: it + 1, residual: r, lastStep: last };
    }
    z.set(trial);
    r = normInf(G);
    last = lambda * normInf(dz);
    if (!Number.isFinite(r)) return { z, converged: false, iterations: it + 1, residual: r, lastStep: last };
  }
  return { z, converged: r <= tol && last <= stepTol, iterations: maxIt, residual: r, lastStep: last };
}
