/**
 * Signal propagation through one wide random network, the finite-width measurement of the
 * mean-field recursions of src/analysis/mean-field.ts: two inputs x_a, x_b enter
 * z^l = W^l phi(z^{l-1}) + b^l (z^0 = the inputs, phi applied from layer 2 on: the first layer
 * sees the raw inputs, as in Poole et al. 2016), W_ij ~ N(0, sigma_w^2 / N), b_i ~ N(0, sigma_b^2),
 * fresh weights per layer, and at every layer
 *
 *     q^l = ||z_a^l||^2 / N   (the length),   c^l = <z_a^l, z_b^l> / sqrt(||z_a^l||^2 ||z_b^l||^2)
 *
 * are recorded. As N -> infinity q^l and c^l follow the length and correlation maps; at width N
 * they fluctuate by O(1/sqrt(N)) about them, which sets the floor below which |c^l - c*| cannot be
 * resolved (Schoenholz et al. 2017 measured xi_c the same way, their figure of c^l against l).
 *
 * @example propagateSignal(TANH, 1.5, 0.05, 500, 30, { q0: 1, c0: 0.5 }, new Rng(1)).c // c^1..c^30
 */
import type { Activation } from '../activations/index.ts';
import type { Rng } from '../init/rng.ts';
import { dgemv } from '../linalg/blas.ts';

export interface PropagationTrace {
  /** q^l for l = 1..L (of the first input). */
  q: Float64Array;
  /** c^l for l = 1..L. */
  c: Float64Array;
}

/**
 * Two inputs of squared length q0 N (so that their pre-activations at layer 1 have variance
 * sigma_w^2 q0 + sigma_b^2) and correlation c0, through L random layers of width N.
 */
export function propagateSignal(f: Activation, sigmaW2: number, sigmaB2: number, N: number, L: number, input: { q0: number; c0: number }, rng: Rng): PropagationTrace {
  const u = rng.fillNormal(new Float64Array(N));
  const v = rng.fillNormal(new Float64Array(N));
  // Gram-Schmidt, then x_a = sqrt(q0 N) u, x_b = sqrt(q0 N) (c0 u + sqrt(1 - c0^2) v)
  const nu = Math.hypot(...u);
  for (let i = 0; i < N; i++) u[i]! /= nu;
  let d = 0;
  for (let i = 0; i < N; i++) d += u[i]! * v[i]!;
  for (let i = 0; i < N; i++) v[i]! -= d * u[i]!;
  const nv = Math.hypot(...v);
  for (let i = 0; i < N; i++) v[i]! /= nv;
  const r = Math.sqrt(input.q0 * N);
  const s = Math.sqrt(1 - input.c0 * input.c0);
  let ya = u.map((x) => r * x);
  let yb = u.map((x, i) => r * (input.c0 * x + s * v[i]!));
  const W = new Float64Array(N * N);
  const b = new Float64Array(N);
  const za = new Float64Array(N);
  const zb = new Float64Array(N);
  const q = new Float64Array(L);
  const c = new Float64Array(L);
  const sw = Math.sqrt(sigmaW2 / N);
  const sb = Math.sqrt(sigmaB2);
  for (let l = 0; l < L; l++) {
    rng.fillNormal(W, 0, sw);
    rng.fillNormal(b, 0, sb);
    za.set(b);
    zb.set(b);
    dgemv(false, N, N, 1, W, 0, N, ya, 0, 1, za, 0);
    dgemv(false, N, N, 1, W, 0, N, yb, 0, 1, zb, 0);
    let aa = 0;
    let bb = 0;
    let ab = 0;
    for (let i = 0; i < N; i++) {
      aa += za[i]! * za[i]!;
      bb += zb[i]! * zb[i]!;
      ab += za[i]! * zb[i]!;
    }
    q[l] = aa / N;
    c[l] = ab / Math.sqrt(aa * bb);
    ya = za.map((x) => f.f(x));
    yb = zb.map((x) => f.f(x));
  }
  return { q, c };
}

/**
 * The depth scale xi of a geometric approach |x^l - x*| ~ e^{-l/xi}: minus the inverse slope of the
 * least-squares line through (l, ln |x^l - x*|) over the layers l = 1.. where |x^l - x*| stays
 * above `floor` (the first layer below it ends the fit). NaN with fewer than 3 points.
 *
 * @example decayDepth([0.5, 0.25, 0.125, 0.0625], 0, 1e-3) // 1 / ln 2 = 1.4427
 */
export function decayDepth(x: ArrayLike<number>, xStar: number, floor: number): number {
  const ls: number[] = [];
  const ys: number[] = [];
  for (let l = 0; l < x.length; l++) {
    const dlt = Math.abs(x[l]! - xStar);
    if (!(dlt > floor)) break;
    ls.push(l + 1);
    ys.push(Math.log(dlt));
  }
  if (ls.length < 3) return NaN;
  const n = ls.length;
  const ml = ls.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (ls[i]! - ml) * (ys[i]! - my);
    sxx += (ls[i]! - ml) ** 2;
  }
  return -sxx / sxy;
}
