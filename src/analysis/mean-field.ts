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

/** E_z[phi(z)], z ~ N(0, 1), by composite Simpson's rule on [-10, 10] (tail mass < 2e-23). */
export function gaussianExpectation(phi: (z: number) => number, points = 2001): number {
  const a = -10;
  const b = 10;
  const m = points % 2 === 1 ? points : points + 1;
  const h = (b - a) / (m - 1);
  const c = 1 / Math.sqrt(2 * Math.PI);
  let s = 0;
  for (let i = 0; i < m; i++) {
    const z = a + i * h;
    const w = i === 0 || i === m - 1 ? 1 : i % 2 === 1 ? 4 : 2;
    s += w * phi(z) * c * Math.exp(-0.5 * z * z);
  }
  return (s * h) / 3;
}

/**
 * The stationary pre-activation variance q* and the mean-field largest Lyapunov exponent
 * (1/2) ln chi_1 for gain g.
 *
 * @example meanFieldLyapunov(TANH, 0.5).lambda // ln 0.5 = -0.6931
 * @example meanFieldLyapunov(TANH, 2).lambda   // 0.1547
 */
export function meanFieldLyapunov(f: Activation, g: number): { q: number; chi: number; lambda: number } {
  let q = 1;
  for (let it = 0; it < 10000; it++) {
    const s = Math.sqrt(q);
    const next = g * g * gaussianExpectation((z) => {
      const y = f.f(s * z);
      return y * y;
    });
    const done = Math.abs(next - q) <= 1e-15 * Math.max(1, q);
    q = next;
    if (done || q < 1e-300) break;
  }
  if (q < 1e-12) q = 0; // below g = 1 the iteration creeps to 0 only geometrically; the fixed point is 0
  const s = Math.sqrt(q);
  const chi = g * g * gaussianExpectation((z) => {
    const d = f.df(s * z);
    return d * d;
  });
  return { q, chi, lambda: 0.5 * Math.log(chi) };
}
