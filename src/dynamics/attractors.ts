/**
 * Attractors by direct simulation: integrate a flow with RK4 (src/models/flow.ts) past a transient
 * and look at the window that follows. The state settles on an equilibrium (its range over the
 * window vanishes) or keeps oscillating; for a planar flow a bounded oscillation that does not
 * settle is a limit cycle (Poincare-Bendixson). The independent check of what continuation
 * predicts: the cycle born at a supercritical Hopf point, its amplitude growing like the square
 * root of the distance past it, and the attractors counted in each region of a two-parameter
 * diagram. Iterating a map instead gives its fixed point, a period-2 orbit past a flip, or an
 * invariant circle past a Neimark-Sacker point.
 */
import { rk4Step, rk4Workspace, type DynamicalSystem, type Flow } from '../models/flow.ts';
import { equilibriumJacobian, equilibriumResidual } from './equilibrium-equation.ts';
import { newton } from './newton.ts';

export interface SimulatedAttractor {
  /** 'equilibrium' when every coordinate's range over the window is below the tolerance. */
  kind: 'equilibrium' | 'oscillation';
  /** Per coordinate: min and max over the window, and half the range (the half peak-to-peak amplitude). */
  min: Float64Array;
  max: Float64Array;
  amplitude: Float64Array;
  /** Mean over the window. */
  mean: Float64Array;
  /**
   * Period of the oscillation from the upward crossings of coordinate 0 through its window mean
   * (linearly interpolated), averaged over the window; NaN for an equilibrium. For maps, the
   * number of iterations between crossings (2 for a period-2 orbit).
   */
  period: number;
  /** The state at the end of the window. */
  final: Float64Array;
}

export interface SimulationOptions {
  /** RK4 step (flows only). */
  dt?: number;
  /** Time (flows) or iterations (maps) discarded first. */
  transient: number;
  /** Time (flows) or iterations (maps) observed. */
  window: number;
  /** Half-range below which the window counts as an equilibrium (default 1e-6). */
  tolerance?: number;
}

/**
 * Simulate from x0 at parameters p and describe where the trajectory ends up.
 *
 * @example simulateAttractor(ctrnn, p, y0, { dt: 0.05, transient: 500, window: 100 }).amplitude
 */
export function simulateAttractor(sys: DynamicalSystem, p: Float64Array, x0: ArrayLike<number>, opts: SimulationOptions): SimulatedAttractor {
  const n = sys.dimension;
  const flow = sys.time === 'continuous';
  const dt = flow ? (opts.dt ?? 0.05) : 1;
  const transientSteps = Math.round(opts.transient / dt);
  const windowSteps = Math.max(2, Math.round(opts.window / dt));
  const ws = rk4Workspace(n);
  let x = Float64Array.from(x0);
  let next = new Float64Array(n);
  const step = (): void => {
    if (flow) rk4Step(sys as Flow, x, p, dt, next, ws);
    else sys.field(x, p, next);
    const t = x;
    x = next;
    next = t;
  };
  for (let k = 0; k < transientSteps; k++) step();
  const min = Float64Array.from(x);
  const max = Float64Array.from(x);
  const sum = new Float64Array(n);
  const first = new Float64Array(windowSteps + 1);
  first[0] = x[0]!;
  for (let k = 1; k <= windowSteps; k++) {
    step();
    first[k] = x[0]!;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (v < min[i]!) min[i] = v;
      if (v > max[i]!) max[i] = v;
      sum[i]! += v;
    }
  }
  const mean = sum.map((s) => s / windowSteps);
  const amplitude = max.map((v, i) => 0.5 * (v - min[i]!));
  const tol = opts.tolerance ?? 1e-6;
  const settled = amplitude.every((a) => a < tol);
  let period = NaN;
  if (!settled) {
    const m0 = mean[0]!;
    const crossings: number[] = [];
    for (let k = 0; k < windowSteps; k++) {
      const a = first[k]! - m0;
      const b = first[k + 1]! - m0;
      if (a < 0 && b >= 0) crossings.push((k + a / (a - b)) * dt);
    }
    if (crossings.length >= 2) period = (crossings[crossings.length - 1]! - crossings[0]!) / (crossings.length - 1);
  }
  return { kind: settled ? 'equilibrium' : 'oscillation', min, max, amplitude, mean, period, final: Float64Array.from(x) };
}

export interface Settled {
  x: Float64Array;
  /** ||G(x)||_inf <= tolerance was reached (then x is also Newton-polished). */
  converged: boolean;
  /** Time (flows) or iterations (maps) simulated. */
  time: number;
}

/**
 * Let the state settle on the attractor it is in: simulate from x0 until the equilibrium residual
 * ||G(x)||_inf falls below 1e-6 (checked every unit of time, or every iteration for maps), then
 * polish with Newton. This is how the network itself finds its steady state (the relaxation phase of
 * recurrent backpropagation, Pineda 1987); from a state in the basin of an attractor it reaches
 * that attractor, where Newton from a distant guess may land on a saddle.
 */
export function settle(sys: DynamicalSystem, p: Float64Array, x0: ArrayLike<number>, opts: { dt?: number; maxTime?: number } = {}): Settled {
  const n = sys.dimension;
  const flow = sys.time === 'continuous';
  const dt = flow ? (opts.dt ?? 0.05) : 1;
  const maxTime = opts.maxTime ?? 1e4;
  const perCheck = flow ? Math.max(1, Math.round(1 / dt)) : 1;
  const ws = rk4Workspace(n);
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let time = 0;
  for (;;) {
    equilibriumResidual(sys, x, p, g);
    let r = 0;
    for (let i = 0; i < n; i++) r = Math.max(r, Math.abs(g[i]!));
    if (r <= 1e-6 || time >= maxTime || !Number.isFinite(r)) break;
    for (let k = 0; k < perCheck; k++) {
      if (flow) rk4Step(sys as Flow, x, p, dt, x, ws);
      else x.set(sys.field(x, p, g));
    }
    time += perCheck * dt;
  }
  const polished = newton(
    { size: n, residual: (z, o) => void equilibriumResidual(sys, z, p, o), jacobian: (z, o) => void equilibriumJacobian(sys, z, p, o) },
    x,
  );
  return polished.converged ? { x: polished.z, converged: true, time } : { x, converged: false, time };
}
