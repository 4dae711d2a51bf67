/**
 * Folds (saddle-nodes) and flips: an equilibrium whose Jacobian A has a real eigenvalue sigma on
 * the stability boundary, located by Newton on the standard extended system (Moore and Spence 1980;
 * Kuznetsov 2004, sec. 10.2.2) in the unknowns (x, v, p):
 *
 *     G(x, p)              = 0      the equilibrium equation (f, or f - x for maps)
 *     (A(x, p) - sigma I) v = 0      v spans the kernel
 *     c . v - 1            = 0      normalisation (c: the starting guess of v)
 *
 * sigma = 0: fold of a flow (a real eigenvalue through 0); sigma = 1: fold of a map (a multiplier
 * through +1); sigma = -1: flip of a map (period doubling, a multiplier through -1). At a
 * nondegenerate fold or flip this 2n + 1 system is regular, so Newton converges quadratically to
 * round-off. Its Jacobian, with H_v = d/dx (A v) (columns B(e_j, v)):
 *
 *     [ G_x        0            G_p        ]
 *     [ H_v        A - sigma I  d/dp (A v) ]
 *     [ 0          c^T          0          ]
 *
 * With two free parameters the same equations define the fold curve (src/dynamics/codim2).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { jacobianOfJacobianTimes, mixedDerivative } from '../derivatives.ts';
import { equilibriumResidual } from '../equilibrium-equation.ts';
import { newton, type NewtonOptions } from '../newton.ts';

/**
 * The extended system of a real eigenvalue sigma, unknowns z = (x, v, p_free...), 2n + 1
 * equations. With one free parameter it is square (a SquareSystem for Newton); with two it is a
 * curve (a ContinuationProblem).
 */
export class RealEigenvalueSystem {
  readonly system: DynamicalSystem;
  readonly sigma: number;
  readonly free: readonly number[];
  readonly equations: number;
  readonly size: number;
  /** The normalisation vector c. */
  readonly c: Float64Array;
  private readonly p: Float64Array;
  private readonly A: Float64Array;
  private readonly H: Float64Array;
  private readonly col: Float64Array;

  constructor(system: DynamicalSystem, p: Float64Array, free: readonly number[], sigma: number, c: Float64Array) {
    const n = system.dimension;
    this.system = system;
    this.sigma = sigma;
    this.free = free;
    this.equations = 2 * n + 1;
    this.size = 2 * n + free.length;
    this.c = Float64Array.from(c);
    this.p = Float64Array.from(p);
    this.A = new Float64Array(n * n);
    this.H = new Float64Array(n * n);
    this.col = new Float64Array(n);
  }

  /** z = (x, v, p_free) from a point and a kernel vector. */
  pack(x: ArrayLike<number>, v: ArrayLike<number>, p: ArrayLike<number>): Float64Array {
    const n = this.system.dimension;
    const z = new Float64Array(this.size);
    z.set(Array.from(x));
    z.set(Array.from(v), n);
    this.free.forEach((k, i) => (z[2 * n + i] = p[k]!));
    return z;
  }

  /** x, v and the full parameter vector of z (views for x and v). */
  unpack(z: Float64Array): { x: Float64Array; v: Float64Array; p: Float64Array } {
    const n = this.system.dimension;
    const p = Float64Array.from(this.p);
    this.free.forEach((k, i) => (p[k] = z[2 * n + i]!));
    return { x: z.subarray(0, n), v: z.subarray(n, 2 * n), p };
  }

  residual(z: Float64Array, out: Float64Array): void {
    const n = this.system.dimension;
    const { x, v, p } = this.unpack(z);
    const g = out.subarray(0, n);
    equilibriumResidual(this.system, x, p, g);
    this.system.jacobian(x, p, this.A);
    let cv = -1;
    for (let i = 0; i < n; i++) {
      let s = -this.sigma * v[i]!;
      for (let j = 0; j < n; j++) s += this.A[i * n + j]! * v[j]!;
      out[n + i] = s;
      cv += this.c[i]! * v[i]!;
    }
    out[2 * n] = cv;
  }

  jacobian(z: Float64Array, out: Float64Array): void {
    const sys = this.system;
    const n = sys.dimension;
    const cols = this.size;
    const { x, v, p } = this.unpack(z);
    out.fill(0);
    sys.jacobian(x, p, this.A);
    jacobianOfJacobianTimes(sys, x, p, v, this.H);
    const shift = sys.time === 'discrete' ? 1 : 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = this.A[i * n + j]!;
        out[i * cols + j] = a - (i === j ? shift : 0);
        out[(n + i) * cols + j] = this.H[i * n + j]!;
        out[(n + i) * cols + n + j] = a - (i === j ? this.sigma : 0);
      }
      out[2 * n * cols + n + i] = this.c[i]!;
    }
    this.free.forEach((k, f) => {
      sys.parameterDerivative(x, p, k, this.col);
      for (let i = 0; i < n; i++) out[i * cols + 2 * n + f] = this.col[i]!;
      mixedDerivative(sys, x, p, k, v, this.col);
      for (let i = 0; i < n; i++) out[(n + i) * cols + 2 * n + f] = this.col[i]!;
    });
  }
}

export interface RealEigenvaluePoint {
  x: Float64Array;
  /** The full parameter vector at the point. */
  p: Float64Array;
  /** Kernel vector of A - sigma I, unit length. */
  v: Float64Array;
  converged: boolean;
  /** ||residual||_inf of the extended system. */
  residual: number;
  iterations: number;
}

/**
 * Newton on the extended system from (x, v, p) with parameter k free: a fold (sigma = 0 for flows,
 * 1 for maps) or a flip (sigma = -1, maps).
 */
export function locateRealEigenvalue(
  system: DynamicalSystem,
  x: ArrayLike<number>,
  p: Float64Array,
  k: number,
  v: Float64Array,
  sigma: number,
  opts: NewtonOptions = {},
): RealEigenvaluePoint {
  const ext = new RealEigenvalueSystem(system, p, [k], sigma, v);
  const r = newton(ext, ext.pack(x, v, p), opts);
  const u = ext.unpack(r.z);
  const nv = Math.hypot(...u.v);
  return {
    x: Float64Array.from(u.x),
    p: u.p,
    v: Float64Array.from(u.v, (e) => e / nv),
    converged: r.converged,
    residual: r.residual,
    iterations: r.iterations,
  };
}
