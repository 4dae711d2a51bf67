/**
 * Normal-form coefficients at located bifurcation points (Kuznetsov 2004, Elements of Applied
 * Bifurcation Theory, 3rd ed., sec. 3.4-3.5 and 5.4; the projection method of sec. 8.7). They say
 * what happens next to the point, and the tests check them against simulation.
 *
 * Fold (flow: A v = 0; map: A v = v), with w the left kernel vector scaled to w . v = 1: on the
 * centre manifold x = x_f + xi v + ..., the reduced equation is
 *
 *     dxi/dt = beta (p - p_f) + a xi^2 + ...   (map: xi -> xi + beta (p - p_f) + a xi^2 + ...),
 *     a = 1/2 w . B(v, v),   beta = w . f_p.
 *
 * So two equilibria x_f +- sqrt(-beta (p - p_f) / a) v exist on the side where beta (p - p_f) / a < 0,
 * and along the branch |dx* / dp| = 1/2 sqrt(|beta / a|) ||v|| / sqrt(|p - p_f|) (1 + O(sqrt|p - p_f|)):
 * the inverse-square-root divergence of the steady-state sensitivity at a fold.
 *
 * Hopf (flow, lambda = +- i omega), with A q = i omega q, A^T p = -i omega p, <q, q> = 1,
 * <p, q> = 1 (<a, b> = conj(a) . b): the first Lyapunov coefficient (Kuznetsov 2004, eq. 3.20)
 *
 *     l1 = 1/(2 omega) Re[ <p, C(q, q, conj q)> - 2 <p, B(q, A^{-1} B(q, conj q))>
 *                          + <p, B(conj q, (2 i omega I - A)^{-1} B(q, q))> ].
 *
 * l1 < 0: supercritical (a stable limit cycle is born on the side where the equilibrium has lost
 * stability); l1 > 0: subcritical (an unstable cycle on the stable side). With the transversality
 * mu' = d Re lambda / dp = Re <p, A_p q + B(q, x_p)>, x_p = -A^{-1} f_p, the normal form
 * dz/dt = (mu' (p - p_H) + i omega) z + omega l1 |z|^2 z gives the cycle |z|^2 = -mu' (p - p_H) / (omega l1)
 * and x(t) = x_H + 2 Re(z(t) q) + O(|z|^2): each coordinate oscillates with half-amplitude
 * 2 |q_i| |z|, growing like sqrt(|p - p_H|).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { dot, solveDense } from '../dense.ts';
import { mixedDerivative, secondDerivative, secondDerivativeComplex, thirdDerivativeComplex, type ComplexVector } from '../derivatives.ts';
import { complexEigenvector, innerComplex, normaliseComplex, realEigenvector, solveShiftedComplex, transpose } from '../eigenvectors.ts';
import { foldEigenvalue } from '../equilibrium-equation.ts';

export interface FoldNormalForm {
  /** Quadratic coefficient a = 1/2 w . B(v, v). */
  a: number;
  /** Parameter coefficient beta = w . f_p. */
  beta: number;
  /** Right kernel vector (unit length) and left kernel vector (w . v = 1). */
  v: Float64Array;
  w: Float64Array;
  /** +1 or -1: the side of p_f (sign of p - p_f) on which the two equilibria exist. */
  side: number;
  /** c in ||dx* / dp|| ~ c / sqrt(|p - p_f|): 1/2 sqrt(|beta / a|) (v has unit length). */
  sensitivityCoefficient: number;
}

/**
 * The fold's normal-form coefficients at (x, p) for parameter k, given the kernel vector v (or
 * computed from A when omitted).
 */
export function foldNormalForm(sys: DynamicalSystem, x: Float64Array, p: Float64Array, k: number, v?: Float64Array): FoldNormalForm {
  const n = sys.dimension;
  const A = sys.jacobian(x, p, new Float64Array(n * n));
  const sigma = foldEigenvalue(sys);
  const vv = v ? Float64Array.from(v) : realEigenvector(n, A, sigma);
  const nv = Math.hypot(...vv);
  for (let i = 0; i < n; i++) vv[i]! /= nv;
  const w = realEigenvector(n, transpose(n, A), sigma);
  const wv = dot(w, vv);
  for (let i = 0; i < n; i++) w[i]! /= wv;
  const a = 0.5 * dot(w, secondDerivative(sys, x, p, vv, vv, new Float64Array(n)));
  const beta = dot(w, sys.parameterDerivative(x, p, k, new Float64Array(n)));
  return { a, beta, v: vv, w, side: -Math.sign(beta * a), sensitivityCoefficient: 0.5 * Math.sqrt(Math.abs(beta / a)) };
}

export interface HopfNormalForm {
  omega: number;
  /** First Lyapunov coefficient with <q, q> = 1. */
  firstLyapunovCoefficient: number;
  criticality: 'supercritical' | 'subcritical' | 'degenerate';
  /** d Re lambda / dp and d Im lambda / dp at the Hopf point. */
  realPartDerivative: number;
  imagPartDerivative: number;
  /** q with <q, q> = 1 and the adjoint p with <p, q> = 1. */
  q: ComplexVector;
  adjoint: ComplexVector;
  /** +1 or -1: the side of p_H (sign of p - p_H) on which the limit cycle exists. */
  cycleSide: number;
  /** K_i in (half-amplitude of x_i on the cycle) ~ K_i sqrt(|p - p_H|): 2 |q_i| sqrt(|mu' / (omega l1)|). */
  amplitudeCoefficients: Float64Array;
}

/**
 * The first Lyapunov coefficient and the transversality at a Hopf point (x, p) of a flow, for
 * parameter k, frequency omega > 0 and (optionally) the eigenvector guess q.
 *
 * @throws Error for a map (Neimark-Sacker normal forms are not computed here).
 */
export function hopfNormalForm(sys: DynamicalSystem, x: Float64Array, p: Float64Array, k: number, omega: number, qGuess?: ComplexVector): HopfNormalForm {
  if (sys.time !== 'continuous') throw new Error('hopfNormalForm: the system must be a flow');
  const n = sys.dimension;
  const A = sys.jacobian(x, p, new Float64Array(n * n));
  const q = normaliseComplex(qGuess ?? complexEigenvector(n, A, 0, omega));
  const pAdj = complexEigenvector(n, transpose(n, A), 0, -omega);
  const [ir, ii] = innerComplex(pAdj, q);
  // scale p by c = 1 / conj(<p, q>) so that <c p, q> = conj(c) <p, q> = 1
  const d = ir * ir + ii * ii;
  const cr = ir / d;
  const ci = ii / d;
  const adjoint: ComplexVector = {
    re: pAdj.re.map((v, i) => v * cr - pAdj.im[i]! * ci),
    im: pAdj.re.map((v, i) => v * ci + pAdj.im[i]! * cr),
  };
  const qc: ComplexVector = { re: q.re, im: q.im.map((v) => -v) };
  const Bqqc = secondDerivativeComplex(sys, x, p, q, qc);
  const h11 = solveShiftedComplex(n, A, 0, 0, Bqqc);
  const Bqq = secondDerivativeComplex(sys, x, p, q, q);
  const h20neg = solveShiftedComplex(n, A, 0, 2 * omega, Bqq); // (A - 2 i omega I)^{-1} B(q, q)
  if (!h11 || !h20neg) throw new Error('hopfNormalForm: A or A - 2 i omega I is singular (a degenerate Hopf point)');
  const h20: ComplexVector = { re: h20neg.re.map((v) => -v), im: h20neg.im.map((v) => -v) };
  const C = thirdDerivativeComplex(sys, x, p, q, q, qc);
  const B1 = secondDerivativeComplex(sys, x, p, q, h11);
  const B2 = secondDerivativeComplex(sys, x, p, qc, h20);
  const g = innerComplex(adjoint, C)[0] - 2 * innerComplex(adjoint, B1)[0] + innerComplex(adjoint, B2)[0];
  const l1 = g / (2 * omega);
  // transversality
  const fp = sys.parameterDerivative(x, p, k, new Float64Array(n));
  const xp = solveDense(n, A, fp);
  if (!xp) throw new Error('hopfNormalForm: A is singular at the Hopf point');
  for (let i = 0; i < n; i++) xp[i] = -xp[i]!;
  const Apq: ComplexVector = {
    re: mixedDerivative(sys, x, p, k, q.re, new Float64Array(n)),
    im: mixedDerivative(sys, x, p, k, q.im, new Float64Array(n)),
  };
  const Bqx = secondDerivativeComplex(sys, x, p, q, { re: xp, im: new Float64Array(n) });
  for (let i = 0; i < n; i++) {
    Apq.re[i]! += Bqx.re[i]!;
    Apq.im[i]! += Bqx.im[i]!;
  }
  const [dRe, dIm] = innerComplex(adjoint, Apq);
  const scale = Math.sqrt(Math.abs(dRe / (omega * l1)));
  return {
    omega,
    firstLyapunovCoefficient: l1,
    criticality: l1 < 0 ? 'supercritical' : l1 > 0 ? 'subcritical' : 'degenerate',
    realPartDerivative: dRe,
    imagPartDerivative: dIm,
    q,
    adjoint,
    cycleSide: -Math.sign(dRe * l1),
    amplitudeCoefficients: q.re.map((v, i) => 2 * Math.hypot(v, q.im[i]!) * scale),
  };
}
