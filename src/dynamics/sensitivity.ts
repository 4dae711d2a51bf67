/**
 * The steady-state sensitivity of an equilibrium to the parameters, by the implicit function
 * theorem: G(x*(p), p) = 0 gives
 *
 *     dx* / dp_k = -G_x^{-1} G_{p_k},
 *
 * finite while G_x is regular and diverging at a fold like 1/sqrt(|p - p_f|) (the normal form of
 * src/dynamics/codim1/normal-forms.ts). For a loss L(x*) the gradient needs one transposed solve
 * instead of one solve per parameter (the adjoint of recurrent backpropagation: Almeida 1987,
 * Pineda 1987): G_x^T lambda = dL/dx*, dL/dp_k = -lambda . G_{p_k}.
 *
 * Also: a system restricted to a line p(s) = p0 + s u in parameter space, a one-parameter system
 * for continuation along any direction (a learning step's, say).
 */
import type { DynamicalSystem } from '../models/flow.ts';
import { luFactor, luSolve, luSolveTransposed } from './dense.ts';
import { equilibriumJacobian } from './equilibrium-equation.ts';

/**
 * dx* / dp_k for each k in `ks`, as columns of an n x ks.length row-major matrix; null when G_x is
 * singular.
 */
export function equilibriumSensitivity(sys: DynamicalSystem, x: Float64Array, p: Float64Array, ks: readonly number[]): Float64Array | null {
  const n = sys.dimension;
  const m = ks.length;
  const LU = equilibriumJacobian(sys, x, p, new Float64Array(n * n));
  const piv = new Int32Array(n);
  if (!luFactor(n, LU, piv)) return null;
  const out = new Float64Array(n * m);
  const col = new Float64Array(n);
  ks.forEach((k, j) => {
    sys.parameterDerivative(x, p, k, col);
    luSolve(n, LU, piv, col);
    for (let i = 0; i < n; i++) out[i * m + j] = -col[i]!;
  });
  return out;
}

/**
 * dL/dp_k for k in `ks` of a loss L(x*) with gradient gx = dL/dx* at the equilibrium, by the
 * adjoint: one transposed solve. Null when G_x is singular.
 */
export function equilibriumGradient(sys: DynamicalSystem, x: Float64Array, p: Float64Array, gx: ArrayLike<number>, ks: readonly number[]): Float64Array | null {
  const n = sys.dimension;
  const LU = equilibriumJacobian(sys, x, p, new Float64Array(n * n));
  const piv = new Int32Array(n);
  if (!luFactor(n, LU, piv)) return null;
  const lambda = luSolveTransposed(n, LU, piv, Float64Array.from(gx));
  const col = new Float64Array(n);
  return Float64Array.from(ks, (k) => {
    sys.parameterDerivative(x, p, k, col);
    let s = 0;
    for (let i = 0; i < n; i++) s -= lambda[i]! * col[i]!;
    return s;
  });
}

/**
 * The system with parameters p(s) = p0 + s u (u over the entries `ks`), one parameter named `s`:
 * derivatives in s are u-weighted sums of those in the p_k.
 */
export function alongLine(sys: DynamicalSystem, p0: Float64Array, ks: readonly number[], u: readonly number[]): DynamicalSystem {
  const n = sys.dimension;
  const P = Float64Array.from(p0);
  const at = (s: Float64Array): Float64Array => {
    ks.forEach((k, j) => (P[k] = p0[k]! + s[0]! * u[j]!));
    return P;
  };
  const tmp = new Float64Array(n);
  const gpFull = new Float64Array(sys.parameterNames.length);
  const line: DynamicalSystem = {
    time: sys.time,
    dimension: n,
    parameterNames: ['s'],
    field: (x, s, out) => sys.field(x, at(s), out),
    jacobian: (x, s, out) => sys.jacobian(x, at(s), out),
    parameterDerivative(x, s, _k, out) {
      out.fill(0);
      const p = at(s);
      ks.forEach((k, j) => {
        sys.parameterDerivative(x, p, k, tmp);
        for (let i = 0; i < n; i++) out[i]! += u[j]! * tmp[i]!;
      });
      return out;
    },
    vectorJacobianProduct(x, s, g, gx, gp) {
      sys.vectorJacobianProduct(x, at(s), g, gx, gpFull);
      gp[0] = ks.reduce((a, k, j) => a + u[j]! * gpFull[k]!, 0);
    },
  };
  if (sys.secondDerivative) line.secondDerivative = (x, s, a, b, out) => sys.secondDerivative!(x, at(s), a, b, out);
  if (sys.thirdDerivative) line.thirdDerivative = (x, s, a, b, c, out) => sys.thirdDerivative!(x, at(s), a, b, c, out);
  if (sys.mixedDerivative) {
    line.mixedDerivative = (x, s, _k, v, out) => {
      out.fill(0);
      const p = at(s);
      ks.forEach((k, j) => {
        sys.mixedDerivative!(x, p, k, v, tmp);
        for (let i = 0; i < n; i++) out[i]! += u[j]! * tmp[i]!;
      });
      return out;
    };
  }
  return line;
}
