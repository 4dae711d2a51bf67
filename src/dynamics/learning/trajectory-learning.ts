/**
 * Gradient descent on the parameters of a flow so that its trajectory from a fixed initial state
 * follows a target trajectory (Doya 1993, learning an oscillation; the gradient by
 * backpropagation through time, here the discrete adjoint of the RK4 steps, src/models/flow.ts):
 *
 *     L(p) = 1/(N + 1) sum_{k=0..N} 1/2 sum_{i in S} (x_i(t_k; p) - x_i^target(t_k))^2.
 *
 * With the target made by the same network at parameters p* (a teacher inside the oscillating
 * region), L(p*) = 0 exactly, and a student started where the network settles on an equilibrium
 * has to cross the Hopf curve on its way: the record of the path, the loss and the gradient norm
 * says what happens to the gradient there.
 */
import { FlowIntegrator, type Flow } from '../../models/flow.ts';

export interface TrajectoryTarget {
  /** Targeted coordinates. */
  indices: readonly number[];
  /** Target values, (N + 1) rows of indices.length (row k: time k dt). */
  values: Float64Array;
}

export interface TrajectoryStep {
  theta: Float64Array;
  loss: number;
  gradient: Float64Array;
  gradientNorm: number;
  clipped: boolean;
}

export interface TrajectoryLearningOptions {
  learn: readonly number[];
  target: TrajectoryTarget;
  /** Initial state, RK4 step and number of steps N of every trajectory. */
  x0: ArrayLike<number>;
  dt: number;
  horizon: number;
  learningRate: number;
  steps: number;
  maxStep?: number;
}

/** The trajectory x(t_k), k = 0..N, of coordinates `indices` from x0 at parameters p: (N + 1) rows. */
export function sampleTrajectory(flow: Flow, p: Float64Array, x0: ArrayLike<number>, dt: number, horizon: number, indices: readonly number[]): Float64Array {
  const run = new FlowIntegrator(flow, Math.max(1, horizon));
  run.forward(x0, p, dt, horizon);
  const m = indices.length;
  const out = new Float64Array((horizon + 1) * m);
  for (let k = 0; k <= horizon; k++) {
    const x = run.state(k);
    indices.forEach((i, j) => (out[k * m + j] = x[i]!));
  }
  return out;
}

/** L(p) and dL/dp (all parameters) by the discrete adjoint. */
export function trajectoryLoss(run: FlowIntegrator, p: Float64Array, opts: Pick<TrajectoryLearningOptions, 'target' | 'x0' | 'dt' | 'horizon'>): { loss: number; gradient: Float64Array } {
  const n = run.flow.dimension;
  const N = opts.horizon;
  const { indices, values } = opts.target;
  const m = indices.length;
  run.forward(opts.x0, p, opts.dt, N);
  const seed = new Float64Array((N + 1) * n);
  let loss = 0;
  const w = 1 / (N + 1);
  for (let k = 0; k <= N; k++) {
    const x = run.state(k);
    indices.forEach((i, j) => {
      const e = x[i]! - values[k * m + j]!;
      loss += 0.5 * w * e * e;
      seed[k * n + i] = w * e;
    });
  }
  const gx0 = new Float64Array(n);
  const gp = new Float64Array(p.length);
  run.backward(seed, gx0, gp);
  return { loss, gradient: gp };
}

export function learnTrajectory(flow: Flow, p0: Float64Array, opts: TrajectoryLearningOptions): TrajectoryStep[] {
  const p = Float64Array.from(p0);
  const run = new FlowIntegrator(flow, Math.max(1, opts.horizon));
  const steps: TrajectoryStep[] = [];
  for (let k = 0; k < opts.steps; k++) {
    const theta = Float64Array.from(opts.learn, (i) => p[i]!);
    const { loss, gradient } = trajectoryLoss(run, p, opts);
    const g = Float64Array.from(opts.learn, (i) => gradient[i]!);
    const norm = Math.hypot(...g);
    let scale = opts.learningRate;
    const clipped = opts.maxStep !== undefined && scale * norm > opts.maxStep;
    if (clipped) scale = opts.maxStep! / norm;
    steps.push({ theta, loss, gradient: g, gradientNorm: norm, clipped });
    opts.learn.forEach((i, j) => (p[i] = p[i]! - scale * g[j]!));
  }
  return steps;
}
