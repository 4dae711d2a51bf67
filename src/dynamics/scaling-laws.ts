/**
 * The square-root laws next to codimension-one bifurcations, measured rather than assumed:
 *
 *   fold            ||dx* / dp|| = c / sqrt(d) (1 + O(sqrt d)), c = 1/2 sqrt(|beta / a|) from the
 *                   normal form: measured on equilibria solved by Newton at distance d from the
 *                   fold, with their sensitivity from the implicit function theorem
 *   Hopf            half-amplitude of the limit cycle K_i sqrt(d) (1 + O(d)) past a supercritical
 *                   point: measured by direct simulation
 *   flip, Neimark-  amplitude of the period-2 orbit / radius of the invariant circle ~ sqrt(d):
 *   Sacker          measured by iterating the map
 *
 * and the power law fitted through the measurements (least squares on the logarithms).
 */
import type { DynamicalSystem } from '../models/flow.ts';
import { simulateAttractor, type SimulationOptions } from './attractors.ts';
import type { BifurcationPoint } from './continuation/equilibrium-branch.ts';
import { equilibriumJacobian, equilibriumResidual } from './equilibrium-equation.ts';
import { newton } from './newton.ts';
import { equilibriumSensitivity } from './sensitivity.ts';

/** y = prefactor x^exponent fitted to positive data by least squares on log y against log x. */
export function powerLawFit(xs: readonly number[], ys: readonly number[]): { exponent: number; prefactor: number } {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const m = xs.length;
  for (let i = 0; i < m; i++) {
    const lx = Math.log(xs[i]!);
    const ly = Math.log(ys[i]!);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  const exponent = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  return { exponent, prefactor: Math.exp((sy - exponent * sx) / m) };
}

export interface FoldSensitivityLaw {
  /** Distances d = |p - p_f| on the side where the equilibria exist, and ||dx* / dp|| there. */
  distances: number[];
  sensitivity: number[];
  /**
   * c of the normal form; the fit: the exponent of a power law through all points, the prefactor
   * extrapolated to d -> 0 (inverseSqrtPrefactor).
   */
  predictedCoefficient: number;
  fit: { exponent: number; prefactor: number };
}

/**
 * ||dx* / dp_k|| at the given distances from a located fold, on the half of the branch where
 * xi = (x - x_f) . v has the sign `half` (+1 or -1).
 */
export function foldSensitivityLaw(sys: DynamicalSystem, fold: BifurcationPoint, k: number, distances: readonly number[], half: 1 | -1 = 1): FoldSensitivityLaw {
  const nf = fold.fold!;
  const n = sys.dimension;
  const ds: number[] = [];
  const ss: number[] = [];
  for (const d of distances) {
    const p = Float64Array.from(fold.p);
    p[k] = fold.parameter + nf.side * d;
    const xi = half * Math.sqrt(Math.abs((nf.beta * d) / nf.a));
    const guess = Float64Array.from(fold.x, (v, i) => v + xi * nf.v[i]!);
    const r = newton(
      { size: n, residual: (x, o) => void equilibriumResidual(sys, x, p, o), jacobian: (x, o) => void equilibriumJacobian(sys, x, p, o) },
      guess,
    );
    // the other half, or a far-away root, is not this branch
    if (!r.converged || Math.sign(r.z.reduce((s, v, i) => s + (v - fold.x[i]!) * nf.v[i]!, 0)) !== half) continue;
    const S = equilibriumSensitivity(sys, r.z, p, [k]);
    if (!S) continue;
    ds.push(d);
    ss.push(Math.hypot(...S));
  }
  const fit = ds.length >= 2 ? { exponent: powerLawFit(ds, ss).exponent, prefactor: inverseSqrtPrefactor(ds, ss) } : { exponent: NaN, prefactor: NaN };
  return { distances: ds, sensitivity: ss, predictedCoefficient: nf.sensitivityCoefficient, fit };
}

/**
 * The limit c of y sqrt(d) as d -> 0 for y = c d^{-1/2} (1 + e sqrt(d) + O(d)): the intercept of the
 * least-squares line through (sqrt(d), y sqrt(d)), which removes the first correction instead of
 * averaging it into the prefactor.
 */
export function inverseSqrtPrefactor(ds: readonly number[], ys: readonly number[]): number {
  const m = ds.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) {
    const x = Math.sqrt(ds[i]!);
    const y = ys[i]! * x;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  return (sy - slope * sx) / m;
}

export interface CycleAmplitudeLaw {
  distances: number[];
  /** Largest half-amplitude over the coordinates, measured; and the normal form's (Hopf only, else NaN). */
  amplitude: number[];
  predicted: number[];
  /** Period of the oscillation at each distance (time for flows, iterations for maps). */
  period: number[];
  fit: { exponent: number; prefactor: number };
}

/**
 * Simulate past a Hopf (supercritical), flip or Neimark-Sacker point at the given distances, on
 * the side where its fixed point is unstable (`side` = sign of p - p_bif), starting next to the
 * fixed point, and measure the attractor's half-amplitude.
 */
export function cycleAmplitudeLaw(sys: DynamicalSystem, point: BifurcationPoint, k: number, distances: readonly number[], side: number, sim: SimulationOptions): CycleAmplitudeLaw {
  const out: CycleAmplitudeLaw = { distances: [], amplitude: [], predicted: [], period: [], fit: { exponent: NaN, prefactor: NaN } };
  const K = point.hopf?.amplitudeCoefficients;
  for (const d of distances) {
    const p = Float64Array.from(point.p);
    p[k] = point.parameter + side * d;
    // start on the predicted cycle (Hopf) or just off the fixed point along its critical direction
    const dir = point.hopf ? point.hopf.q.re : (point.v ?? point.q?.re ?? new Float64Array(sys.dimension).fill(1));
    const r0 = K ? K.reduce((m, v) => Math.max(m, v), 0) * Math.sqrt(d) : Math.sqrt(d) * 0.1;
    const nd = Math.hypot(...dir);
    const x0 = Float64Array.from(point.x, (v, i) => v + (r0 * dir[i]!) / nd);
    // without a normal form to start on (flip, Neimark-Sacker) the orbit is approached at a rate
    // ~ d per iteration: run at least 30 / d iterations first
    const transient = point.hopf ? sim.transient : Math.max(sim.transient, 30 / d);
    const a = simulateAttractor(sys, p, x0, { ...sim, transient });
    if (a.kind !== 'oscillation') continue;
    let best = 0;
    let bestI = 0;
    a.amplitude.forEach((v, i) => {
      if (v > best) {
        best = v;
        bestI = i;
      }
    });
    out.distances.push(d);
    out.amplitude.push(best);
    out.predicted.push(K ? K[bestI]! * Math.sqrt(d) : NaN);
    out.period.push(a.period);
  }
  if (out.distances.length >= 2) out.fit = powerLawFit(out.distances, out.amplitude);
  return out;
}
