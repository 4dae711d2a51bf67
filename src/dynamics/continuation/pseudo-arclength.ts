/**
 * Pseudo-arclength continuation (Keller 1977, "Numerical solution of bifurcation and nonlinear
 * eigenvalue problems"; Allgower and Georg 2003, ch. 2) of the solution curve of G(z) = 0, with
 * G: R^{m+1} -> R^m: equilibria in one parameter (z = (x, p), m = n), and the fold and Hopf
 * curves of src/dynamics/codim2 in two (their augmented systems with one more parameter).
 *
 * From a point z0 on the curve with unit tangent t0 (G_z(z0) t0 = 0), one step:
 *   predictor  z = z0 + ds t0
 *   corrector  Newton on  G(z) = 0,  t0 . W (z - z0) - ds = 0
 *              with the bordered Jacobian [G_z(z); (W t0)^T], which stays regular at folds of the
 *              curve in any one coordinate (that is why folds are passed, not stopped at)
 *   tangent    t1 solves [G_z(z1); (W t0)^T] t1 = (0, ..., 0, 1), scaled to ||t1||_W = 1, so it
 *              keeps the orientation (t1 . W t0 > 0); the same factorisation gives one last Newton
 *              step, so accepted points sit at round-off, not at the tolerance
 * W = diag(weights) weighs the unknowns in the arclength (default 1). The step size grows by 1.3
 * after a corrector that converged in at most 3 iterations, shrinks by 0.7 after one that needed
 * more than 5, is halved and retried after a failure or a turn of the tangent by more than
 * `maxAngle`, and the continuation stops when it falls below dsMin.
 */
import { luFactor, luSolve, normInf } from '../dense.ts';

/** m equations G(z) = 0 in m + 1 unknowns. */
export interface ContinuationProblem {
  readonly equations: number;
  residual(z: Float64Array, out: Float64Array): void;
  /** G_z(z), m x (m + 1) row-major. */
  jacobian(z: Float64Array, out: Float64Array): void;
}

export interface ArclengthOptions {
  /** Initial step (its sign is ignored: the direction comes from the tangent). */
  ds: number;
  dsMin: number;
  dsMax: number;
  /** Newton tolerance on ||G||_inf (default 1e-11). */
  tolerance?: number;
  /** Corrector iterations before a step counts as failed (default 8). */
  maxNewtonIterations?: number;
  /** Largest angle in radians between consecutive tangents (default 0.5). */
  maxAngle?: number;
  /** Weights of the unknowns in the arclength (default all 1). */
  weights?: Float64Array;
  /** Adapt the step size (default true); false keeps ds fixed (benchmarks, reproducible grids). */
  adapt?: boolean;
}

/** A point on the curve with its unit tangent and the number of corrector iterations it took. */
export interface CurvePoint {
  z: Float64Array;
  tangent: Float64Array;
  iterations: number;
}

export class PseudoArclength {
  readonly problem: ContinuationProblem;
  /** The current point and unit tangent. */
  z: Float64Array;
  tangent: Float64Array;
  /** The next step size (> 0). */
  ds: number;
  /** Arclength travelled so far. */
  s = 0;
  private readonly opts: Required<Omit<ArclengthOptions, 'weights'>> & { weights: Float64Array };
  private readonly m: number;
  private readonly M: Float64Array;
  private readonly piv: Int32Array;
  private readonly G: Float64Array;
  private readonly rhs: Float64Array;
  private readonly Gz: Float64Array;

  /**
   * Start at z0 (corrected onto the curve first, along the hyperplane orthogonal to `direction`) and
   * head along the tangent that has a positive product with `direction`; or, with `startTangent`,
   * take z0 and that tangent as they are.
   *
   * @throws Error when z0 cannot be corrected onto the curve.
   */
  constructor(problem: ContinuationProblem, z0: ArrayLike<number>, direction: ArrayLike<number>, options: ArclengthOptions, startTangent?: ArrayLike<number>) {
    this.problem = problem;
    const m = problem.equations;
    this.m = m;
    this.opts = {
      ds: Math.abs(options.ds),
      dsMin: options.dsMin,
      dsMax: options.dsMax,
      tolerance: options.tolerance ?? 1e-11,
      maxNewtonIterations: options.maxNewtonIterations ?? 8,
      maxAngle: options.maxAngle ?? 0.5,
      weights: options.weights ?? new Float64Array(m + 1).fill(1),
      adapt: options.adapt ?? true,
    };
    this.ds = this.opts.ds;
    this.M = new Float64Array((m + 1) * (m + 1));
    this.piv = new Int32Array(m + 1);
    this.G = new Float64Array(m);
    this.rhs = new Float64Array(m + 1);
    this.Gz = new Float64Array(m * (m + 1));
    const d = Float64Array.from(direction);
    const dn = Math.sqrt(this.wdot(d, d));
    for (let i = 0; i <= m; i++) d[i]! /= dn;
    if (startTangent) {
      // a point known to lie on the curve, with its tangent (a branch point, where the bordered
      // matrix is singular and no tangent can be computed)
      this.z = Float64Array.from(z0);
      this.tangent = Float64Array.from(startTangent);
      return;
    }
    const start = this.correct(Float64Array.from(z0), d, Float64Array.from(z0), 0);
    if (!start) throw new Error('PseudoArclength: the starting point could not be corrected onto the curve');
    this.z = start.z;
    this.tangent = start.tangent;
  }

  private wdot(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const w = this.opts.weights;
    let s = 0;
    for (let i = 0; i <= this.m; i++) s += w[i]! * a[i]! * b[i]!;
    return s;
  }

  /** The bordered matrix [G_z(z); (W t)^T] into this.M. */
  private bordered(z: Float64Array, t: Float64Array): void {
    const m = this.m;
    const M = this.M;
    this.problem.jacobian(z, this.Gz);
    M.set(this.Gz);
    const w = this.opts.weights;
    for (let j = 0; j <= m; j++) M[m * (m + 1) + j] = w[j]! * t[j]!;
  }

  /**
   * Newton on G(z) = 0, t0 . W (z - z0) = ds from the predictor z (modified); then the tangent at
   * the solution, oriented along t0. Null when Newton does not converge.
   */
  private correct(z: Float64Array, t0: Float64Array, z0: Float64Array, ds: number): CurvePoint | null {
    const m = this.m;
    const { tolerance, maxNewtonIterations } = this.opts;
    const G = this.G;
    const rhs = this.rhs;
    const diff = new Float64Array(m + 1);
    let it = 0;
    let r = Infinity;
    let arc = 0;
    for (; ; it++) {
      this.problem.residual(z, G);
      for (let i = 0; i <= m; i++) diff[i] = z[i]! - z0[i]!;
      arc = this.wdot(t0, diff) - ds;
      r = Math.max(normInf(G), Math.abs(arc));
      if (!Number.isFinite(r)) return null;
      if (r <= tolerance) break;
      if (it >= maxNewtonIterations) return null;
      this.bordered(z, t0);
      if (!luFactor(m + 1, this.M, this.piv)) return null;
      rhs.set(G);
      rhs[m] = arc;
      luSolve(m + 1, this.M, this.piv, rhs);
      for (let i = 0; i <= m; i++) z[i]! -= rhs[i]!;
    }
    // one factorisation at the converged point serves a last Newton step (quadratic convergence
    // takes the residual from the tolerance to round-off: where the parameter barely moves the
    // equations, e.g. saturated neurons, a 1e-11 residual would still be a 1e-8 error in it) and
    // the tangent; exactly at a branch point it is singular and the tangent undefined: keep t0
    this.bordered(z, t0);
    if (!luFactor(m + 1, this.M, this.piv)) return { z, tangent: Float64Array.from(t0), iterations: it };
    if (r > 0) {
      rhs.set(G);
      rhs[m] = arc;
      luSolve(m + 1, this.M, this.piv, rhs);
      const trial = new Float64Array(m + 1);
      for (let i = 0; i <= m; i++) trial[i] = z[i]! - rhs[i]!;
      this.problem.residual(trial, G);
      for (let i = 0; i <= m; i++) diff[i] = trial[i]! - z0[i]!;
      if (Math.max(normInf(G), Math.abs(this.wdot(t0, diff) - ds)) < r) z.set(trial);
    }
    const tangent = this.unitTangent(t0);
    return { z, tangent: tangent ?? Float64Array.from(t0), iterations: it };
  }

  /** The tangent from the factorised bordered matrix: solve for (0, ..., 0, 1), scale, orient along t0. */
  private unitTangent(t0: Float64Array): Float64Array | null {
    const m = this.m;
    const t = new Float64Array(m + 1);
    t[m] = 1;
    luSolve(m + 1, this.M, this.piv, t);
    const nt = Math.sqrt(this.wdot(t, t));
    if (!(nt > 0) || !Number.isFinite(nt)) return null;
    const sign = this.wdot(t, t0) < 0 ? -1 : 1;
    for (let i = 0; i <= m; i++) t[i] = (sign * t[i]!) / nt;
    return t;
  }

  /** The unit tangent at z (on the curve) oriented along t0. */
  tangentAt(z: Float64Array, t0: Float64Array): Float64Array | null {
    this.bordered(z, t0);
    if (!luFactor(this.m + 1, this.M, this.piv)) return null;
    return this.unitTangent(t0);
  }

  /**
   * The point at arclength `ds` from the current one (predictor along the current tangent and
   * corrector), without moving: for locating events between two accepted points.
   */
  pointAt(ds: number): CurvePoint | null {
    return this.pointFrom(this.z, this.tangent, ds);
  }

  /** The point at arclength `ds` from (z0, t0), a point on the curve and its tangent. */
  pointFrom(z0: Float64Array, t0: Float64Array, ds: number): CurvePoint | null {
    const m = this.m;
    const z = new Float64Array(m + 1);
    for (let i = 0; i <= m; i++) z[i] = z0[i]! + ds * t0[i]!;
    return this.correct(z, t0, z0, ds);
  }

  /**
   * Advance by one accepted step. Returns the new point, or null when the step size fell below
   * dsMin (the curve ends, turns too sharply, or the corrector fails there).
   */
  step(): CurvePoint | null {
    const { dsMin, dsMax, maxAngle, adapt } = this.opts;
    const cosMax = Math.cos(maxAngle);
    for (;;) {
      if (this.ds < dsMin) return null;
      const pt = this.pointAt(this.ds);
      if (pt && this.wdot(pt.tangent, this.tangent) >= cosMax) {
        this.z = pt.z;
        this.tangent = pt.tangent;
        this.s += this.ds;
        if (adapt) {
          if (pt.iterations <= 3) this.ds = Math.min(dsMax, this.ds * 1.3);
          else if (pt.iterations > 5) this.ds = Math.max(dsMin, this.ds * 0.7);
        }
        return pt;
      }
      if (!adapt) return null;
      this.ds *= 0.5;
    }
  }

  /** Reverse the direction of travel. */
  reverse(): void {
    for (let i = 0; i <= this.m; i++) this.tangent[i] = -this.tangent[i]!;
  }
}
