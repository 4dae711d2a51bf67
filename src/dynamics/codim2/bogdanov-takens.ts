/**
 * Bogdanov-Takens points: an equilibrium whose Jacobian has a double zero eigenvalue with a single
 * eigenvector (a 2 x 2 Jordan block), where a fold curve and a Hopf curve meet (Kuznetsov 2004,
 * sec. 8.4). Located by Newton on the defining system of the Jordan chain (Govaerts 2000, sec. 7.2)
 * in the unknowns (x, v0, v1, p_a, p_b):
 *
 *     f(x, p) = 0,   A v0 = 0,   A v1 - v0 = 0,   c . v0 - 1 = 0,   c . v1 = 0,
 *
 * 3n + 2 equations, regular at a nondegenerate BT point. Started from the point a fold curve's test
 * w . v or a Hopf curve's test omega flagged, so the two curves' BT points are one Newton solution
 * each and can be compared. Its Jacobian (H_u = d/dx (A u)):
 *
 *     [ A      0    0    f_p       ]
 *     [ H_v0   A    0    (A v0)_p  ]
 *     [ H_v1   -I   A    (A v1)_p  ]
 *     [ 0      c^T  0    0         ]
 *     [ 0      0    c^T  0         ]
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { dot, luFactor, luSolve } from '../dense.ts';
import { jacobianOfJacobianTimes, mixedDerivative } from '../derivatives.ts';
import { realEigenvector, transpose } from '../eigenvectors.ts';
import { newton } from '../newton.ts';

class JordanChainSystem {
  readonly size: number;
  private readonly A: Float64Array;
  private readonly H: Float64Array;
  private readonly col: Float64Array;

  constructor(
    readonly system: DynamicalSystem,
    private readonly p: Float64Array,
    private readonly ka: number,
    private readonly kb: number,
    readonly c: Float64Array,
  ) {
    const n = system.dimension;
    this.size = 3 * n + 2;
    this.A = new Float64Array(n * n);
    this.H = new Float64Array(n * n);
    this.col = new Float64Array(n);
  }

  unpack(z: Float64Array): { x: Float64Array; v0: Float64Array; v1: Float64Array; p: Float64Array } {
    const n = this.system.dimension;
    const p = Float64Array.from(this.p);
    p[this.ka] = z[3 * n]!;
    p[this.kb] = z[3 * n + 1]!;
    return { x: z.subarray(0, n), v0: z.subarray(n, 2 * n), v1: z.subarray(2 * n, 3 * n), p };
  }

  residual(z: Float64Array, out: Float64Array): void {
    const sys = this.system;
    const n = sys.dimension;
    const { x, v0, v1, p } = this.unpack(z);
    sys.field(x, p, out.subarray(0, n));
    sys.jacobian(x, p, this.A);
    for (let i = 0; i < n; i++) {
      let a0 = 0;
      let a1 = 0;
      for (let j = 0; j < n; j++) {
        a0 += this.A[i * n + j]! * v0[j]!;
        a1 += this.A[i * n + j]! * v1[j]!;
      }
      out[n + i] = a0;
      out[2 * n + i] = a1 - v0[i]!;
    }
    out[3 * n] = dot(this.c, v0) - 1;
    out[3 * n + 1] = dot(this.c, v1);
  }

  jacobian(z: Float64Array, out: Float64Array): void {
    const sys = this.system;
    const n = sys.dimension;
    const m = this.size;
    const { x, v0, v1, p } = this.unpack(z);
    out.fill(0);
    sys.jacobian(x, p, this.A);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = this.A[i * n + j]!;
        out[i * m + j] = a;
        out[(n + i) * m + n + j] = a;
        out[(2 * n + i) * m + 2 * n + j] = a;
      }
      out[(2 * n + i) * m + n + i] = -1;
      out[3 * n * m + n + i] = this.c[i]!;
      out[(3 * n + 1) * m + 2 * n + i] = this.c[i]!;
    }
    jacobianOfJacobianTimes(sys, x, p, v0, this.H);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[(n + i) * m + j] = this.H[i * n + j]!;
    jacobianOfJacobianTimes(sys, x, p, v1, this.H);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[(2 * n + i) * m + j] = this.H[i * n + j]!;
    [this.ka, this.kb].forEach((k, f) => {
      const cIdx = 3 * n + f;
      sys.parameterDerivative(x, p, k, this.col);
      for (let i = 0; i < n; i++) out[i * m + cIdx] = this.col[i]!;
      mixedDerivative(sys, x, p, k, v0, this.col);
      for (let i = 0; i < n; i++) out[(n + i) * m + cIdx] = this.col[i]!;
      mixedDerivative(sys, x, p, k, v1, this.col);
      for (let i = 0; i < n; i++) out[(2 * n + i) * m + cIdx] = this.col[i]!;
    });
  }
}

export interface BogdanovTakensPoint {
  x: Float64Array;
  p: Float64Array;
  /** The Jordan chain: A v0 = 0, A v1 = v0. */
  v0: Float64Array;
  v1: Float64Array;
  converged: boolean;
  residual: number;
}

/**
 * Newton on the Jordan-chain system from a point (x, p) near a BT point, parameters ka and kb free.
 * The starting chain: v0 the kernel vector of A, v1 from the bordered system
 * [A w; v0^T 0] [v1; s] = [v0; 0] with w the left kernel vector (regular at the BT point, where
 * v0 is in range(A) = w^perp).
 */
export function locateBogdanovTakens(sys: DynamicalSystem, x: ArrayLike<number>, p: Float64Array, ka: number, kb: number): BogdanovTakensPoint {
  const n = sys.dimension;
  const xs = Float64Array.from(x);
  const A = sys.jacobian(xs, p, new Float64Array(n * n));
  const v0 = realEigenvector(n, A, 0);
  const w = realEigenvector(n, transpose(n, A), 0);
  const m = n + 1;
  const B = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B[i * m + j] = A[i * n + j]!;
    B[i * m + n] = w[i]!;
    B[n * m + i] = v0[i]!;
  }
  const piv = new Int32Array(m);
  const rhs = new Float64Array(m);
  rhs.set(v0);
  const v1 = luFactor(m, B, piv) ? luSolve(m, B, piv, rhs).slice(0, n) : new Float64Array(n);
  const c = v0.map((e) => e / dot(v0, v0));
  const sys3 = new JordanChainSystem(sys, p, ka, kb, c);
  const z0 = new Float64Array(3 * n + 2);
  z0.set(xs);
  z0.set(v0, n);
  z0.set(v1, 2 * n);
  z0[3 * n] = p[ka]!;
  z0[3 * n + 1] = p[kb]!;
  const r = newton(sys3, z0);
  const u = sys3.unpack(r.z);
  return { x: Float64Array.from(u.x), p: u.p, v0: Float64Array.from(u.v0), v1: Float64Array.from(u.v1), converged: r.converged, residual: r.residual };
}
