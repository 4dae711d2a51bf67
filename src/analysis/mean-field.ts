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
