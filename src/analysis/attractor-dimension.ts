/**
 * Invariants of a chaotic attractor from its Lyapunov spectrum lambda_1 >= lambda_2 >= ...
 * (Engelken, Wolf and Abbott 2023 use both to show that chaos in random RNNs is extensive):
 *
 * - the Kolmogorov-Sinai entropy rate, by Pesin's identity the sum of the positive exponents,
 *       H = sum_{lambda_i > 0} lambda_i   (nats per step);
 * - the Kaplan-Yorke (Lyapunov) dimension, D = k + (lambda_1 + ... + lambda_k) / |lambda_{k+1}|,
 *   k the largest index with lambda_1 + ... + lambda_k >= 0 (Kaplan and Yorke 1979).
 *
 * Extensive chaos: H / n and D / n tend to constants as the number of units n grows.
 *
 * @example entropyRate([0.5, 0.1, -0.2]) // 0.6
 * @example kaplanYorkeDimension([0.5, 0.1, -0.2, -1]) // 3 + 0.4 / 1 = 3.4
 */

/** Sum of the positive exponents (Pesin's identity for the Kolmogorov-Sinai entropy rate). */
export function entropyRate(exponents: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < exponents.length; i++) if (exponents[i]! > 0) s += exponents[i]!;
  return s;
}

/**
 * Kaplan-Yorke dimension of sorted exponents; NaN when the given exponents still sum to a
 * non-negative number (the spectrum was cut too early to reach the dimension), 0 when lambda_1 < 0.
 */
export function kaplanYorkeDimension(exponents: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < exponents.length; k++) {
    const next = sum + exponents[k]!;
    if (next < 0) return k + sum / Math.abs(exponents[k]!);
    sum = next;
  }
  return NaN;
}
