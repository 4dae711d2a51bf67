/**
 * Checks of a DynamicalSystem's hand-written derivatives against central finite differences of the
 * next lower derivative (five-point stencil): the Jacobian against the field, the parameter
 * derivatives against the field, the vector-Jacobian product against the two (exactly, by
 * contraction), the second derivative against the Jacobian, the third against the second, the mixed
 * derivative against the Jacobian in p.
 */
import type { DynamicalSystem } from '../../src/models/flow.ts';
import { maxRelativeError } from './tolerance.ts';

const H = 1e-4;

/** Five-point central difference of the vector function g(t) at t = 0. */
function diff(g: (t: number, out: Float64Array) => void, m: number): Float64Array {
  const a = new Float64Array(m);
  const b = new Float64Array(m);
  const c = new Float64Array(m);
  const d = new Float64Array(m);
  g(H, a);
  g(-H, b);
  g(2 * H, c);
  g(-2 * H, d);
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) out[i] = (8 * (a[i]! - b[i]!) - (c[i]! - d[i]!)) / (12 * H);
  return out;
}

function shifted(v: Float64Array, dir: Float64Array, t: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! + t * dir[i]!;
  return out;
}

/** Largest relative error (floor 1e-8 of the scale) of each derivative at (x, p) along u, v, z. */
export function derivativeErrors(
  sys: DynamicalSystem,
  x: Float64Array,
  p: Float64Array,
  u: Float64Array,
  v: Float64Array,
  z: Float64Array,
  g: Float64Array,
): Record<string, number> {
  const n = sys.dimension;
  const np = sys.parameterNames.length;
  const errs: Record<string, number> = {};
  const floor = 1e-8;
  // Jacobian: A u against d/dt f(x + t u)
  const A = sys.jacobian(x, p, new Float64Array(n * n));
  const Au = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Au[i]! += A[i * n + j]! * u[j]!;
  errs.jacobian = maxRelativeError(Au, diff((t, o) => sys.field(shifted(x, u, t), p, o), n), floor);
  // parameter derivatives
  let pe = 0;
  const fp: Float64Array[] = [];
  for (let k = 0; k < np; k++) {
    const e = new Float64Array(np);
    e[k] = 1;
    const an = sys.parameterDerivative(x, p, k, new Float64Array(n));
    fp.push(an);
    pe = Math.max(pe, maxRelativeError(an, diff((t, o) => sys.field(x, shifted(p, e, t), o), n), floor));
  }
  errs.parameterDerivative = pe;
  // vector-Jacobian product against A^T g and f_p^T g
  const gx = new Float64Array(n);
  const gp = new Float64Array(np);
  sys.vectorJacobianProduct(x, p, g, gx, gp);
  const atg = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) atg[j]! += A[i * n + j]! * g[i]!;
  const fpg = new Float64Array(np);
  for (let k = 0; k < np; k++) for (let i = 0; i < n; i++) fpg[k]! += fp[k]![i]! * g[i]!;
  errs.vectorJacobianProduct = Math.max(maxRelativeError(gx, atg, 1e-14), maxRelativeError(gp, fpg, 1e-14));
  const Jv = (xx: Float64Array, pp: Float64Array, o: Float64Array): void => {
    const J = sys.jacobian(xx, pp, new Float64Array(n * n));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += J[i * n + j]! * v[j]!;
      o[i] = s;
    }
  };
  if (sys.secondDerivative) {
    const B = sys.secondDerivative(x, p, u, v, new Float64Array(n));
    errs.secondDerivative = maxRelativeError(B, diff((t, o) => Jv(shifted(x, u, t), p, o), n), floor);
  }
  if (sys.thirdDerivative && sys.secondDerivative) {
    const C = sys.thirdDerivative(x, p, u, v, z, new Float64Array(n));
    errs.thirdDerivative = maxRelativeError(C, diff((t, o) => sys.secondDerivative!(shifted(x, z, t), p, u, v, o), n), floor);
  }
  if (sys.mixedDerivative) {
    let me = 0;
    for (let k = 0; k < np; k++) {
      const e = new Float64Array(np);
      e[k] = 1;
      const an = sys.mixedDerivative(x, p, k, v, new Float64Array(n));
      me = Math.max(me, maxRelativeError(an, diff((t, o) => Jv(x, shifted(p, e, t), o), n), floor));
    }
    errs.mixedDerivative = me;
  }
  return errs;
}
