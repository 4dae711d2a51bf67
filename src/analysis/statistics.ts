/**
 * Statistics of rates over seeds: how many of m independent trainings succeeded, with the
 * uncertainty that a small m leaves.
 */

/** The standard normal quantile z_{0.975}: a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface RateInterval {
  /** successes / trials. */
  rate: number;
  /** Lower end of the interval (>= 0). */
  lower: number;
  /** Upper end of the interval (<= 1). */
  upper: number;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209; recommended for
 * small samples by Brown, Cai and DasGupta 2001, Statistical Science 16:101): the set of p with
 * |p_hat - p| <= z sqrt(p (1 - p) / m), i.e.
 *
 *     centre = (p_hat + z^2 / 2m) / (1 + z^2 / m)
 *     half   = z sqrt(p_hat (1 - p_hat) / m + z^2 / 4m^2) / (1 + z^2 / m)
 *
 * Unlike the Wald interval p_hat +- z sqrt(p_hat (1 - p_hat) / m) it never collapses to a point
 * at 0 of m or m of m and stays inside [0, 1].
 *
 * @example wilsonInterval(5, 10) // { rate: 0.5, lower: 0.2366..., upper: 0.7634... }
 * @example wilsonInterval(0, 10) // { rate: 0, lower: 0, upper: 0.2775... }
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): RateInterval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || trials < 1 || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: expected integers 0 <= successes <= trials, trials >= 1; found ${successes} of ${trials}`);
  }
  const p = successes / trials;
  const z2m = (z * z) / trials;
  const denom = 1 + z2m;
  const centre = (p + z2m / 2) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2m / (4 * trials))) / denom;
  // At 0 and m successes one end is exactly 0 or 1 in exact arithmetic; pin it against round-off.
  return {
    rate: p,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Mean and population standard deviation of a set of values, sqrt(mean((x - mean)^2)), in two
 * passes (the second on the deviations, so no cancellation of large squares). Glorot and Bengio
 * (2010, figure 2) chart these over the activations of a layer on a fixed set of examples.
 *
 * @example meanAndStd([0, 1, 2, 3]) // { mean: 1.5, std: 1.118... } (sqrt(5/4))
 */
export function meanAndStd(x: ArrayLike<number>): { mean: number; std: number } {
  const n = x.length;
  if (n === 0) throw new RangeError('meanAndStd: expected at least one value');
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}
