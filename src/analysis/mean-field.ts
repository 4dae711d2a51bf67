/**
 * Mean-field theory of large random networks h_{t+1} = f(W h_t), W_ij ~ N(0, g^2/n), n -> infinity
 * (Molgedey, Schuchhardt and Schuster 1992; the same recursion as signal propagation in deep
 * networks, Poole et al. 2016 and Schoenholz et al. 2017). The pre-activations are Gaussian with
 * variance q, which settles at the fixed point of
 *
 *     q = g^2 E_z[ f(sqrt(q) z)^2 ],   z ~ N(0, 1),
 *
 * and a small perturbation grows by chi_1 = g^2 E_z[ f'(sqrt(q*) z)^2 ] in squared norm per step,
 * so the largest Lyapunov exponent (natural log, per step) is
 *
 *     lambda_1 = (1/2) ln chi_1.
 *
 * For an odd f with f'(0) = 1 (tanh), q* = 0 and lambda_1 = ln g for g <= 1; for g > 1, q* > 0
 * and lambda_1 > 0: the transition to chaos at g = 1 (Sompolinsky, Crisanti and Sommers 1988 for
 * the continuous-time network). Valid for odd activations with zero bias (for f(0) != 0 the mean
 * of h does not vanish and this recursion does not apply).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Activation } from '../activations/index.ts';

/**
 * E_z[phi(z)], z ~ N(0, 1), by the midpoint rule with `cells` cells on [-12, 12] (tail mass
 * < 4e-33): a cell boundary sits at 0, so the kink of relu (and the jump of relu') costs nothing,
 * and for smooth integrands the rule is spectrally accurate on the Gaussian (errors ~1e-12).
 */
export function gaussianExpectation(phi: (z: number) => number, cells = 4000): number {
  const h = 24 / cells;
  let s = 0;
  for (let i = 0; i < cells; i++) {
    const u = -12 + (i + 0.5) * h;
    s += Math.exp(-0.5 * u * u) * phi(u);
  }
  return (s * h) / Math.sqrt(2 * Math.PI);
}

/**
 * The fixed point q* of the variance map q = sigma_w^2 E_z[f(sqrt(q) z)^2] (iterated from q = 1;
 * a q* below 1e-12 is 0: below the transition the iteration creeps to 0 only geometrically) and the
 * per-layer (or per-step) factor of a squared perturbation there, chi = sigma_w^2 E_z[f'(sqrt(q*) z)^2]
 * (Poole et al. 2016; Schoenholz et al. 2017). Deep feed-forward networks with sigma_w^2 = fanIn Var(W)
 * and random recurrent networks with sigma_w^2 = g^2 share it; biases are 0.
 *
 * @example meanFieldChi(SIGMOID, 1).chi // 0.0557 (Xavier weights: a little under (1/4)^2 per layer)
 */
export function meanFieldChi(f: Activation, sigmaW2: number): { q: number; chi: number } {
  let q = 1;
  for (let it = 0; it < 10000; it++) {
    const s = Math.sqrt(q);
    const next = sigmaW2 * gaussianExpectation((z) => {
      const y = f.f(s * z);
      return y * y;
    });
    const done = Math.abs(next - q) <= 1e-15 * Math.max(1, q);
    q = next;
    if (done || q < 1e-300) break;
  }
  if (q < 1e-12) q = 0;
  const s = Math.sqrt(q);
  const chi = sigmaW2 * gaussianExpectation((z) => {
    const d = f.df(s * z);
    return d * d;
  });
  return { q, chi };
}

/**
 * The stationary pre-activation variance q* and the mean-field largest Lyapunov exponent
 * (1/2) ln chi_1 for gain g (meanFieldChi with sigma_w^2 = g^2).
 *
 * @example meanFieldLyapunov(TANH, 0.5).lambda // ln 0.5 = -0.6931
 * @example meanFieldLyapunov(TANH, 2).lambda   // 0.1547
 */
export function meanFieldLyapunov(f: Activation, g: number): { q: number; chi: number; lambda: number } {
  const { q, chi } = meanFieldChi(f, g * g);
  return { q, chi, lambda: 0.5 * Math.log(chi) };
}

// ---------------------------------------------------------------------------------------------
// Depth scales of deep random networks with biases (Poole et al. 2016; Schoenholz, Gilmer, Ganguli
// and Sohl-Dickstein 2017)
// ---------------------------------------------------------------------------------------------

/**
 * Nodes and weights of the n-point Gauss-Hermite rule for the standard normal measure:
 * E_z[phi(z)] ~ sum_k w_k phi(x_k), exact for polynomials of degree < 2n. Golub and Welsch (1969):
 * the nodes are the eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials
 * (zero diagonal, off-diagonal sqrt(k)), the weights the squared first components of its unit
 * eigenvectors. Computed once per n (ml-matrix's symmetric eigen-decomposition).
 *
 * @example gaussHermite(2) // nodes -1, 1; weights 1/2, 1/2
 */
export function gaussHermite(n: number): { nodes: Float64Array; weights: Float64Array } {
  let rule = hermiteRules.get(n);
  if (rule) return rule;
  const J = new Matrix(n, n);
  for (let k = 1; k < n; k++) {
    J.set(k - 1, k, Math.sqrt(k));
    J.set(k, k - 1, Math.sqrt(k));
  }
  const eig = new EigenvalueDecomposition(J, { assumeSymmetric: true });
  const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const V = eig.eigenvectorMatrix;
  order.forEach(([v, i], k) => {
    nodes[k] = v;
    weights[k] = V.get(0, i) ** 2;
  });
  let s = 0;
  for (const w of weights) s += w;
  for (let k = 0; k < n; k++) weights[k]! /= s;
  rule = { nodes, weights };
  hermiteRules.set(n, rule);
  return rule;
}
const hermiteRules = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/** Points of the two-dimensional Gauss-Hermite rule used for the correlation map (error < 1e-10 for tanh at q <= 10). */
const HERMITE_POINTS = 120;

/**
 * E[h(u1, u2)] for (u1, u2) Gaussian with variances q and correlation c:
 * u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2), by the tensor Gauss-Hermite rule.
 */
export function bivariateGaussianExpectation(h: (u1: number, u2: number) => number, q: number, c: number, points = HERMITE_POINTS): number {
  const { nodes, weights } = gaussHermite(points);
  const s = Math.sqrt(q);
  const r = Math.sqrt(Math.max(0, 1 - c * c));
  let sum = 0;
  for (let i = 0; i < points; i++) {
    const u1 = s * nodes[i]!;
    let inner = 0;
    for (let j = 0; j < points; j++) inner += weights[j]! * h(u1, s * (c * nodes[i]! + r * nodes[j]!));
    sum += weights[i]! * inner;
  }
  return sum;
}

/** Points of the one-dimensional Gauss-Hermite rule of the depth scales. */
const HERMITE_POINTS_1D = 200;

/**
 * E_z[phi(z)], z ~ N(0, 1), by the 200-point Gauss-Hermite rule. Symmetric nodes with none at 0,
 * so the step in relu' averages to exactly 1/2 (Simpson's rule with a node on the step would not).
 */
export function hermiteExpectation(phi: (z: number) => number, points = HERMITE_POINTS_1D): number {
  const { nodes, weights } = gaussHermite(points);
  let s = 0;
  for (let k = 0; k < points; k++) s += weights[k]! * phi(nodes[k]!);
  return s;
}

/** The length map q -> sigma_w^2 E_z[phi(sqrt(q) z)^2] + sigma_b^2 (Poole et al. 2016, eq. 3). */
export function lengthMap(f: Activation, sigmaW2: number, sigmaB2: number, q: number): number {
  const s = Math.sqrt(q);
  return sigmaW2 * hermiteExpectation((z) => f.f(s * z) ** 2) + sigmaB2;
}

/** Slope dq'/dq of the length map at q > 0, by Stein's lemma: sigma_w^2 E[z phi(u) phi'(u)] / sqrt(q), u = sqrt(q) z. */
export function lengthMapSlope(f: Activation, sigmaW2: number, q: number): number {
  const s = Math.sqrt(q);
  return (sigmaW2 * hermiteExpectation((z) => z * f.f(s * z) * f.df(s * z))) / s;
}

/**
 * The correlation map c -> (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q* of two inputs whose
 * pre-activations both have the fixed-point variance q* (Poole et al. 2016, eq. 5).
 */
export function correlationMap(f: Activation, sigmaW2: number, sigmaB2: number, qStar: number, c: number): number {
  if (qStar === 0) return 1;
  return (sigmaW2 * bivariateGaussianExpectation((a, b) => f.f(a) * f.f(b), qStar, c) + sigmaB2) / qStar;
}

/** Mean-field quantities of a deep random network at (sigma_w^2, sigma_b^2). */
export interface DepthScales {
  sigmaW2: number;
  sigmaB2: number;
  /** Fixed point of the length map: the pre-activation variance deep in the network. */
  qStar: number;
  /** chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2]: the mean squared singular value of one layer's Jacobian. */
  chi1: number;
  /** Slope of the length map at q*: chi_1 + sigma_w^2 E[phi phi''] (the decay factor of q^l - q*). */
  lengthSlope: number;
  /** The stable fixed point of the correlation map (1 in the ordered phase). */
  cStar: number;
  /** chi_c = sigma_w^2 E[phi'(u1) phi'(u2)] at c*: the decay factor of c^l - c*. */
  chiC: number;
  /** xi_q = -1 / ln(lengthSlope): depth over which the length settles. */
  xiQ: number;
  /** xi_c = -1 / ln(chi_c): depth over which two inputs' correlation settles (diverges at chi_1 = 1). */
  xiC: number;
  phase: 'ordered' | 'chaotic';
}

/**
 * q*, the stable fixed point of the length map, by Newton's method on L(q) - q from q0 (the slope
 * by Stein's lemma), falling back to plain iteration of the map when a Newton step leaves (0, inf).
 * Plain iteration alone converges only geometrically at the rate L'(q*), which tends to 1 at the
 * order-to-chaos line.
 */
export function lengthFixedPoint(f: Activation, sigmaW2: number, sigmaB2: number, q0 = 1): number {
  let q = q0;
  for (let it = 0; it < 500; it++) {
    const Lq = lengthMap(f, sigmaW2, sigmaB2, q);
    // a marginal map (ReLU at sigma_w^2 = 2, sigma_b^2 = 0: every q is fixed) stops here too
    if (Math.abs(Lq - q) <= 1e-13 * Math.max(1, q)) break;
    const slope = lengthMapSlope(f, sigmaW2, q);
    let next = slope !== 1 ? q - (Lq - q) / (slope - 1) : Lq;
    if (!(next > 0) || !Number.isFinite(next)) next = Lq;
    if (!Number.isFinite(next)) return Infinity;
    const done = Math.abs(next - q) <= 1e-14 * Math.max(1, q) || next < 1e-30;
    q = next;
    if (done) break;
  }
  return q < 1e-12 ? 0 : q;
}

/**
 * q*, chi_1, the correlation fixed point c* and the depth scales xi_q, xi_c of a deep network
 * z^l = W^l phi(z^{l-1}) + b^l with W_ij ~ N(0, sigma_w^2 / N), b_i ~ N(0, sigma_b^2), N -> infinity
 * (Schoenholz, Gilmer, Ganguli and Sohl-Dickstein 2017, section 3, eqs. 7-9):
 *
 *     q^l - q* ~ e^{-l / xi_q},  xi_q^{-1} = -ln[chi_1 + sigma_w^2 E(phi''(u) phi(u))]
 *     c^l - c* ~ e^{-l / xi_c},  xi_c^{-1} = -ln[sigma_w^2 E(phi'(u1) phi'(u2))]   at c*
 *
 * The slope of the length map is computed by Stein's lemma as sigma_w^2 E[z phi(u) phi'(u)] / sqrt(q*)
 * (no second derivative needed). In the ordered phase (chi_1 < 1) c* = 1 and xi_c = -1 / ln chi_1;
 * in the chaotic phase (chi_1 > 1) c* < 1 is found by bisection of c -> map(c) - c on [0, 1).
 * At chi_1 = 1 (the order-to-chaos line) xi_c is infinite: information travels through any depth.
 *
 * @example meanFieldDepthScales(TANH, 1, 0).xiC // Infinity (chi_1 = 1 at sigma_w^2 = 1, sigma_b^2 = 0)
 */
export function meanFieldDepthScales(f: Activation, sigmaW2: number, sigmaB2: number): DepthScales {
  const qStar = lengthFixedPoint(f, sigmaW2, sigmaB2);
  const s = Math.sqrt(qStar);
  const chi1 = sigmaW2 * hermiteExpectation((z) => f.df(s * z) ** 2);
  const lengthSlope = qStar === 0 ? chi1 : lengthMapSlope(f, sigmaW2, qStar);
  let cStar = 1;
  let chiC = chi1;
  // chi_1 within round-off of 1 is the critical line itself: c* = 1 there
  const chaotic = chi1 > 1 + 1e-12;
  if (chaotic && qStar > 0) {
    const g = (c: number) => correlationMap(f, sigmaW2, sigmaB2, qStar, c) - c;
    let lo = 0;
    let hi = 1 - 1e-9;
    if (g(lo) <= 0) cStar = 0;
    else {
      for (let it = 0; it < 60; it++) {
        const mid = 0.5 * (lo + hi);
        if (g(mid) > 0) lo = mid;
        else hi = mid;
      }
      cStar = 0.5 * (lo + hi);
    }
    chiC = sigmaW2 * bivariateGaussianExpectation((a, b) => f.df(a) * f.df(b), qStar, cStar);
  }
  const xi = (slope: number) => (slope >= 1 ? Infinity : -1 / Math.log(slope));
  return { sigmaW2, sigmaB2, qStar, chi1, lengthSlope, cStar, chiC, xiQ: xi(lengthSlope), xiC: xi(chiC), phase: chaotic ? 'chaotic' : 'ordered' };
}

/**
 * The sigma_w^2 at which chi_1 = 1 for a given sigma_b^2 (the order-to-chaos line), by bisection of
 * chi_1 - 1 on [lo, hi] (chi_1 must cross 1 once there).
 *
 * @example criticalSigmaW2(TANH, 0) // 1
 */
export function criticalSigmaW2(f: Activation, sigmaB2: number, lo = 0.05, hi = 20): number {
  const chi = (w: number) => meanFieldDepthScales(f, w, sigmaB2).chi1 - 1;
  let a = lo;
  let b = hi;
  const fa = chi(a);
  if (fa * chi(b) > 0) throw new Error(`criticalSigmaW2: chi_1 - 1 does not change sign on [${lo}, ${hi}] at sigma_b^2 = ${sigmaB2}`);
  for (let it = 0; it < 60; it++) {
    const m = 0.5 * (a + b);
    if ((chi(m) > 0) === (fa > 0)) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}
