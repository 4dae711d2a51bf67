/**
 * The vanishing/exploding-gradient conditions of Pascanu, Mikolov and Bengio (2013, section 3.1)
 * for h_t = f(W h_{t-1} + U x_t + b) with gamma = sup |f'|:
 *
 *     ||dh_T / dh_{T-k}|| = ||J_T ... J_{T-k+1}|| <= (gamma sigma_max(W))^k,
 *
 * so gamma sigma_max(W) < 1 is *sufficient* for the gradient to vanish geometrically, and
 * gamma sigma_max(W) > 1 is *necessary* for it to explode (it may still vanish: f' is often far
 * below gamma, e.g. a saturated sigmoid).
 */

export const VANISHING = 'vanishing (sufficient condition holds)';
export const EXPLODING_POSSIBLE = 'exploding possible';
export const BOUNDARY = 'boundary (gamma sigma_max = 1)';
export type RegimeName = typeof VANISHING | typeof EXPLODING_POSSIBLE | typeof BOUNDARY;

/**
 * (gamma sigma_max)^k for k = 1..K (index k-1).
 *
 * @example theoryBound(0.25, 2, 3) // [0.5, 0.25, 0.125]
 */
export function theoryBound(gamma: number, sigmaMax: number, K: number): Float64Array {
  const out = new Float64Array(K);
  const gs = gamma * sigmaMax;
  for (let k = 1; k <= K; k++) out[k - 1] = Math.pow(gs, k);
  return out;
}

/** ln of the bound, k ln(gamma sigma_max), for k = 1..K: finite where the bound itself underflows. */
export function logTheoryBound(gamma: number, sigmaMax: number, K: number): Float64Array {
  const out = new Float64Array(K);
  const lg = Math.log(gamma * sigmaMax);
  for (let k = 1; k <= K; k++) out[k - 1] = k * lg;
  return out;
}

/**
 * Which side of the Pascanu-Mikolov-Bengio condition the network is on.
 *
 * @example regime(1, 0.9).regime // 'vanishing (sufficient condition holds)'
 */
export function regime(gamma: number, sigmaMax: number): { regime: RegimeName; gammaSigmaMax: number; threshold: number } {
  const gs = gamma * sigmaMax;
  const r = gs < 1 ? VANISHING : gs > 1 ? EXPLODING_POSSIBLE : BOUNDARY;
  return { regime: r, gammaSigmaMax: gs, threshold: 1 / gamma };
}

/**
 * Upper bound on the gradient's reach (see gradient-flow.ts) implied by the bound: with
 * ||dL/dh_{T-k}|| <= (gamma sigma_max)^k ||dL/dh_T||, the norm has fallen by `factor` at the
 * latest at k = ceil(ln factor / ln(gamma sigma_max)); T (no bound) when gamma sigma_max >= 1.
 *
 * @example reachBound(1, 0.5, 1e-6, 100) // 20
 */
export function reachBound(gamma: number, sigmaMax: number, factor: number, T: number): number {
  const gs = gamma * sigmaMax;
  if (!(gs < 1)) return T;
  if (gs === 0) return 1;
  return Math.min(T, Math.ceil(Math.log(factor) / Math.log(gs) - 1e-12));
}
