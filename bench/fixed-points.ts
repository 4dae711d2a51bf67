/**
 * fixed-points: the fixed-point search of an n = 128 tanh network h -> tanh(W h + b) from 1,000
 * starts (Sussillo and Barak 2013): batched L-BFGS on q(h) = 1/2 ||F(h) - h||^2 with its exact
 * gradient, Newton polishing, deduplication and the eigenvalues of every point found
 * (src/dynamics/fixed-points). W has entries uniform with variance g^2 / n (g = 0.95: near the edge
 * of chaos, where the speed is ill-conditioned, sigma_min(J - I) ~ 0.05, and every start must end
 * at the one fixed point) and b uniform in [-0.2, 0.2], and the starts uniform in [-1, 1], all from
 * the Park-Miller generator x <- 16807 x mod (2^31 - 1) (exact in float64), so that
 * bench/fixed_points_scipy.py builds the very same problem. usPerStep is the time per start;
 * `check` is the sum of the coordinates of the fixed point (unique: the run fails otherwise), which
 * SciPy's must equal to round-off.
 */
import { TANH } from '../src/activations/index.ts';
import { findFixedPoints } from '../src/dynamics/fixed-points/find.ts';
import { cellSpeed } from '../src/dynamics/fixed-points/speed.ts';
import { createRnn } from '../src/models/rnn.ts';
import { emit, medianSeconds, QUICK } from './common.ts';

/** The benchmark's network and starts, from the Park-Miller stream (seed 1). */
export function fixedPointProblem(n: number, starts: number, g = 0.95): { W: Float64Array; b: Float64Array; H: Float64Array } {
  let x = 1;
  const u = (): number => {
    x = (16807 * x) % 2147483647;
    return x / 2147483647;
  };
  const W = new Float64Array(n * n);
  const a = g * Math.sqrt(3 / n);
  for (let i = 0; i < n * n; i++) W[i] = a * (2 * u() - 1);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) b[i] = 0.2 * (2 * u() - 1);
  const H = new Float64Array(starts * n);
  for (let i = 0; i < starts * n; i++) H[i] = 2 * u() - 1;
  return { W, b, H };
}

export function fixedPoints(n: number, starts: number): void {
  const { W, b, H } = fixedPointProblem(n, starts);
  const rnn = createRnn({ n, m: 0, W, U: new Float64Array(0), b, activation: TANH });
  const sp = cellSpeed(rnn, [], 256);
  let check = 0;
  let residual = 0;
  let fixed = 0;
  const s = medianSeconds(() => {
    const res = findFixedPoints(sp, H, starts);
    if (res.points.length !== 1 || res.toFixed !== starts) throw new Error(`fixed-points: ${res.points.length} points and ${res.toFixed} of ${starts} starts at a fixed point; expected 1 and all`);
    check = res.points[0]!.h.reduce((a, v) => a + v, 0);
    fixed = res.medianIterations;
    residual = res.maxResidual;
  }, QUICK ? 1 : 3);
  sp.dispose();
  emit({ impl: 'rnn-dynamics', workload: 'fixed-points', n, B: 1, T: starts, usPerStep: (s / starts) * 1e6, gflops: 0, check, medianIterations: fixed, maxResidual: residual });
}
