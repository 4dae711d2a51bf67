/**
 * Higher derivatives of a system under the flow contract, as the augmented systems and normal
 * forms of bifurcation theory use them: B(u, v) = D_x^2 f[u, v], C(u, v, w) = D_x^3 f[u, v, w] and
 * d/dp_k (A v). A model that writes them by hand (CTRNN, one-neuron, discrete network) is called
 * directly; otherwise they come from central differences of the next lower derivative with step
 * h = 1e-5 (1 + ||x||) / ||u|| (truncation O(h^2) ~ 1e-10, round-off O(eps / h) ~ 1e-11, relative),
 * enough for Newton on the augmented systems to converge to round-off (the located point is a root
 * of the exact residual; only the convergence rate depends on the derivative's accuracy).
 *
 * Complex arguments (the Hopf eigenvector q = q_re + i q_im) go through multilinearity:
 * B(a + ib, c + id) = B(a, c) - B(b, d) + i (B(a, d) + B(b, c)), and likewise for C.
 */
import type { DynamicalSystem } from '../models/flow.ts';
import { norm2 } from './dense.ts';

function stepFor(x: Float64Array, u: Float64Array): number {
  const nu = norm2(u);
  return nu === 0 ? 1e-5 : (1e-5 * (1 + norm2(x))) / nu;
}

function axpy(x: Float64Array, t: number, u: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + t * u[i]!;
  return out;
}

/** A v at (x, p). */
export function jacobianTimes(sys: DynamicalSystem, x: Float64Array, p: Float64Array, v: Float64Array, out: Float64Array, A: Float64Array = new Float64Array(sys.dimension ** 2)): Float64Array {
  const n = sys.dimension;
  sys.jacobian(x, p, A);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** B(u, v) = D_x^2 f(x, p)[u, v]. */
export function secondDerivative(sys: DynamicalSystem, x: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
  if (sys.secondDerivative) return sys.secondDerivative(x, p, u, v, out);
  const n = sys.dimension;
  const h = stepFor(x, u);
  const a = jacobianTimes(sys, axpy(x, h, u), p, v, new Float64Array(n));
  const b = jacobianTimes(sys, axpy(x, -h, u), p, v, new Float64Array(n));
  for (let i = 0; i < n; i++) out[i] = (a[i]! - b[i]!) / (2 * h);
  return out;
}

/** C(u, v, w) = D_x^3 f(x, p)[u, v, w]. */
export function thirdDerivative(
  sys: DynamicalSystem,
  x: Float64Array,
  p: Float64Array,
  u: Float64Array,
  v: Float64Array,
  w: Float64Array,
  out: Float64Array,
): Float64Array {
  if (sys.thirdDerivative) return sys.thirdDerivative(x, p, u, v, w, out);
  const n = sys.dimension;
  const h = stepFor(x, w);
  const a = secondDerivative(sys, axpy(x, h, w), p, u, v, new Float64Array(n));
  const b = secondDerivative(sys, axpy(x, -h, w), p, u, v, new Float64Array(n));
  for (let i = 0; i < n; i++) out[i] = (a[i]! - b[i]!) / (2 * h);
  return out;
}

/** d/dp_k (A(x, p) v). */
export function mixedDerivative(sys: DynamicalSystem, x: Float64Array, p: Float64Array, k: number, v: Float64Array, out: Float64Array): Float64Array {
  if (sys.mixedDerivative) return sys.mixedDerivative(x, p, k, v, out);
  const n = sys.dimension;
  const h = 1e-5 * (1 + Math.abs(p[k]!));
  const pp = Float64Array.from(p);
  pp[k] = p[k]! + h;
  const a = jacobianTimes(sys, x, pp, v, new Float64Array(n));
  pp[k] = p[k]! - h;
  const b = jacobianTimes(sys, x, pp, v, new Float64Array(n));
  for (let i = 0; i < n; i++) out[i] = (a[i]! - b[i]!) / (2 * h);
  return out;
}

/** The n x n matrix d/dx (A(x) v): column j is B(e_j, v). Row-major into out. */
export function jacobianOfJacobianTimes(sys: DynamicalSystem, x: Float64Array, p: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
  const n = sys.dimension;
  const e = new Float64Array(n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    secondDerivative(sys, x, p, e, v, col);
    for (let i = 0; i < n; i++) out[i * n + j] = col[i]!;
  }
  return out;
}

/** A complex vector as its real and imaginary parts. */
export interface ComplexVector {
  re: Float64Array;
  im: Float64Array;
}

/** B(u, v) for complex u, v. */
export function secondDerivativeComplex(sys: DynamicalSystem, x: Float64Array, p: Float64Array, u: ComplexVector, v: ComplexVector): ComplexVector {
  const n = sys.dimension;
  const t = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const terms: [Float64Array, Float64Array, Float64Array, number][] = [
    [u.re, v.re, re, 1],
    [u.im, v.im, re, -1],
    [u.re, v.im, im, 1],
    [u.im, v.re, im, 1],
  ];
  for (const [a, b, dst, sign] of terms) {
    secondDerivative(sys, x, p, a, b, t);
    for (let i = 0; i < n; i++) dst[i]! += sign * t[i]!;
  }
  return { re, im };
}

/** C(u, v, w) for complex u, v, w: the eight real terms of the expansion. */
export function thirdDerivativeComplex(sys: DynamicalSystem, x: Float64Array, p: Float64Array, u: ComplexVector, v: ComplexVector, w: ComplexVector): ComplexVector {
  const n = sys.dimension;
  const t = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let mask = 0; mask < 8; mask++) {
    // bit set: take the imaginary part of that argument; i^k decides where the term goes
    const a = mask & 1 ? u.im : u.re;
    const b = mask & 2 ? v.im : v.re;
    const c = mask & 4 ? w.im : w.re;
    const k = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1);
    thirdDerivative(sys, x, p, a, b, c, t);
    // i^0 = 1, i^1 = i, i^2 = -1, i^3 = -i
    const dst = k % 2 === 0 ? re : im;
    const sign = k === 2 || k === 3 ? -1 : 1;
    for (let i = 0; i < n; i++) dst[i]! += sign * t[i]!;
  }
  return { re, im };
}
