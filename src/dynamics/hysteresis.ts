/**
 * Hysteresis of the one-neuron network dx/dt = -x + sigma(w x + b) under a slow ramp of the bias
 * (Doya 1992): b rises from bMin to bMax at rate r = db/dt, then falls back, while x is integrated
 * with RK4. Inside the bistable window the state stays on the branch it started on until that
 * branch ends at a fold, then jumps to the other stable branch; the up and down paths differ.
 *
 * Jump detection: the jump's b is where the state moves fastest, the maximum of |dx/dt| along the
 * ramp (equivalently of |dx/db| = |dx/dt| / r), located to sub-step accuracy by the vertex of the
 * parabola through the fastest step and its two neighbours. If the window holds no fold, this is
 * just the steepest point of a smooth path and means nothing.
 *
 * Lag: a ramp passes a saddle-node late. Near the fold (x_f, b_f), y = x - x_f obeys
 * dy/dt ~ alpha r t + beta y^2 with alpha = df/db = 1/w and beta = |f_xx|/2 = (w/2) sqrt(1 - 4/w);
 * rescaling gives the Riccati equation Y' = T + Y^2, whose solution leaving the stable branch blows up
 * at T = Omega0 = 2.33811 (the first zero of Ai(-T)). The jump therefore lands past the fold by
 *
 *     Delta b ~ Omega0 (alpha beta)^{-1/3} r^{2/3} = Omega0 (sqrt(1 - 4/w) / 2)^{-1/3} r^{2/3}
 *
 * (Haberman 1979, slow passage through a saddle-node), plus O(r) for the time the jump itself takes:
 * a slower ramp gives a smaller lag, vanishing like r^{2/3}. For w = 5 and r = 1e-4 the leading term
 * is 8.3e-3.
 */
import { stepRK4 } from '../models/one-neuron.ts';
import { equilibria } from './equilibria.ts';

/** Omega0: the first zero of the Airy function Ai(-t), t = 2.338107410459767. */
export const AIRY_OMEGA0 = 2.338107410459767;

export interface HysteresisOptions {
  w: number;
  bMin: number;
  bMax: number;
  /** Ramp rate r = |db/dt| > 0. */
  rate: number;
  /** Largest RK4 step; reduced so that a whole number of steps covers each ramp exactly. */
  dt: number;
}

export interface HysteresisRamp {
  /** Bias and state along the ramp, one entry per step (both ends included). */
  b: Float64Array;
  x: Float64Array;
  /** b where |dx/dt| is largest (the jump). */
  jumpB: number;
  /** Largest |dx/db| seen on the ramp. */
  maxSlope: number;
}

export interface HysteresisLoop {
  up: HysteresisRamp;
  down: HysteresisRamp;
  rate: number;
  /** The step actually used. */
  dt: number;
}

/**
 * Leading-order delay in b of the jump after a fold for a ramp at rate r (see the module comment).
 *
 * @example predictedJumpLag(5, 1e-4) // 8.30e-3
 */
export function predictedJumpLag(w: number, rate: number): number {
  const alphaBeta = Math.sqrt(1 - 4 / w) / 2;
  return AIRY_OMEGA0 * Math.pow(alphaBeta, -1 / 3) * Math.pow(rate, 2 / 3);
}

/**
 * Ramp b up from bMin to bMax starting on the lowest equilibrium at bMin, then down again from the
 * state reached; returns both paths and their jump points.
 *
 * @throws Error when bMin >= bMax, rate <= 0 or dt <= 0.
 */
export function hysteresisLoop(opts: HysteresisOptions): HysteresisLoop {
  const { w, bMin, bMax, rate } = opts;
  if (!(bMax > bMin)) throw new Error(`hysteresisLoop: need bMin < bMax, got ${bMin}, ${bMax}`);
  if (!(rate > 0)) throw new Error(`hysteresisLoop: rate must be positive, got ${rate}`);
  if (!(opts.dt > 0)) throw new Error(`hysteresisLoop: dt must be positive, got ${opts.dt}`);
  const steps = Math.ceil((bMax - bMin) / (rate * opts.dt));
  const dt = (bMax - bMin) / (rate * steps);
  const x0 = equilibria(w, bMin)[0]!.x;
  const up = ramp(w, bMin, rate, dt, steps, x0);
  const down = ramp(w, bMax, -rate, dt, steps, up.x[steps]!);
  return { up, down, rate, dt };
}

function ramp(w: number, b0: number, r: number, dt: number, steps: number, x0: number): HysteresisRamp {
  const bs = new Float64Array(steps + 1);
  const xs = new Float64Array(steps + 1);
  const h = 0.5 * r * dt;
  const db = r * dt;
  let x = x0;
  bs[0] = b0;
  xs[0] = x;
  let best = -1;
  let bestK = 0;
  for (let k = 0; k < steps; k++) {
    const b = b0 + k * db;
    // b enters the flow as b + u(t) with u = 0, r dt/2, r dt at the RK4 stage times
    x = stepRK4(x, w, b, 0, h, db, dt);
    xs[k + 1] = x;
    bs[k + 1] = b0 + (k + 1) * db;
    const speed = Math.abs(x - xs[k]!);
    if (speed > best) {
      best = speed;
      bestK = k;
    }
  }
  // step k spans b_k..b_{k+1}; its mean speed sits at the midpoint. Parabola vertex through the
  // neighbouring steps' speeds refines the location to a fraction of a step.
  let offset = 0;
  if (bestK > 0 && bestK < steps - 1) {
    const sm = Math.abs(xs[bestK]! - xs[bestK - 1]!);
    const sp = Math.abs(xs[bestK + 2]! - xs[bestK + 1]!);
    const denom = sm - 2 * best + sp;
    if (denom < 0) offset = (0.5 * (sm - sp)) / denom;
  }
  const jumpB = b0 + (bestK + 0.5 + offset) * db;
  return { b: bs, x: xs, jumpB, maxSlope: best / Math.abs(db) };
}
