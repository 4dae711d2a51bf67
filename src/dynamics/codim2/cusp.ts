/**
 * Cusp points: a fold whose quadratic normal-form coefficient vanishes, where two fold curves meet
 * (Kuznetsov 2004, sec. 8.2). Located by Newton on the defining system in the unknowns
 * (x, v, p_a, p_b):
 *
 *     f(x, p) = 0,   (A - sigma I) v = 0,   c . v - 1 = 0,   w . B(v, v) / ||w|| = 0,
 *
 * 2n + 2 equations (sigma = 0 for flows, 1 for maps), with w the left kernel vector of A - sigma I
 * at (x, p) (inverse iteration on the transpose, its sign kept along the iterations) and B the
 * second derivative of f. w depends on the unknowns only implicitly, so the Jacobian is taken by
 * central differences (step 1e-7 relative): Newton then converges linearly at a rate of about the
 * difference error, which still brings the residual to round-off in a few more steps. Started from
 * the point where a fold curve's test function w . B(v, v) changed sign (fold-curve.ts).
 *
 * @example locateCusp(oneNeuronField, Float64Array.of(0.5), Float64Array.of(1), p, 0, 1) // (w, b) = (4, -2)
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { dot } from '../dense.ts';
import { secondDerivative } from '../derivatives.ts';
import { realEigenvector, transpose } from '../eigenvectors.ts';
import { foldEigenvalue } from '../equilibrium-equation.ts';
import { newton } from '../newton.ts';

export interface CuspLocation {
  converged: boolean;
  x: Float64Array;
  p: Float64Array;
  /** ||residual||_inf of the defining system at the solution. */
  residual: number;
}

/** Newton on the cusp system from (x, v) at parameters p, the parameters ka and kb free. */
export function locateCusp(sys: DynamicalSystem, x0: Float64Array, v0: Float64Array, p0: Float64Array, ka: number, kb: number): CuspLocation {
  const n = sys.dimension;
  const sigma = foldEigenvalue(sys);
  const nv = Math.hypot(...v0);
  const c = Float64Array.from(v0, (e) => e / (nv * nv));
  const A = new Float64Array(n * n);
  const B = new Float64Array(n);
  let wRef: Float64Array | null = null;
  const unpack = (z: Float64Array) => {
    const p = Float64Array.from(p0);
    p[ka] = z[2 * n]!;
    p[kb] = z[2 * n + 1]!;
    return { x: z.subarray(0, n), v: z.subarray(n, 2 * n), p };
  };
  const residual = (z: Float64Array, out: Float64Array): void => {
    const { x, v, p } = unpack(z);
    sys.field(x, p, out.subarray(0, n));
    if (sigma !== 0) for (let i = 0; i < n; i++) out[i] = out[i]! - sigma * x[i]!;
    sys.jacobian(x, p, A);
    for (let i = 0; i < n; i++) {
      let s = -sigma * v[i]!;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
      out[n + i] = s;
    }
    out[2 * n] = dot(c, v) - 1;
    for (let i = 0; i < n; i++) A[i * n + i] = A[i * n + i]! - sigma;
    const w = realEigenvector(n, transpose(n, A), 0);
    if (wRef && dot(w, wRef) < 0) for (let i = 0; i < n; i++) w[i] = -w[i]!;
    wRef ??= Float64Array.from(w);
    secondDerivative(sys, Float64Array.from(x), p, Float64Array.from(v), Float64Array.from(v), B);
    out[2 * n + 1] = dot(w, B) / Math.hypot(...w);
  };
  const m = 2 * n + 2;
  const r0 = new Float64Array(m);
  const rp = new Float64Array(m);
  const rm = new Float64Array(m);
  const z0 = new Float64Array(m);
  z0.set(x0, 0);
  z0.set(v0.map((e) => e / nv), n);
  z0[2 * n] = p0[ka]!;
  z0[2 * n + 1] = p0[kb]!;
  residual(z0, r0);
  const result = newton(
    {
      size: m,
      residual,
      jacobian(z, out) {
        const zz = Float64Array.from(z);
        for (let j = 0; j < m; j++) {
          const h = 1e-7 * (1 + Math.abs(z[j]!));
          zz[j] = z[j]! + h;
          residual(zz, rp);
          zz[j] = z[j]! - h;
          residual(zz, rm);
          zz[j] = z[j]!;
          for (let i = 0; i < m; i++) out[i * m + j] = (rp[i]! - rm[i]!) / (2 * h);
        }
      },
    },
    z0,
    { tolerance: 1e-12, stepTolerance: 1e-9, maxIterations: 40 },
  );
  const u = unpack(result.z);
  return { converged: result.converged, x: Float64Array.from(u.x), p: u.p, residual: result.residual };
}
