/**
 * Gradient descent on the parameters of a network whose output is its steady state (Doya 1992,
 * 1993; recurrent backpropagation, Almeida 1987 and Pineda 1987): at each step the network settles
 * from its previous state onto the attractor it is in (src/dynamics/attractors.ts settle), the
 * loss L(x*) = 1/2 sum_i (x*_i - target_i)^2 over the targeted coordinates is measured, its gradient
 * comes from the adjoint of the implicit function theorem (src/dynamics/sensitivity.ts), and the
 * learned parameters move by -eta dL/dp (the update clipped to `maxStep`, Pascanu et al. 2013).
 *
 * Doya's observation is what the record shows: as the parameters approach a fold the attractor the
 * state sits on is about to vanish, dx* / dp grows like 1/sqrt(distance) and so does the gradient;
 * the step that crosses the fold leaves the state without its attractor, it falls into another
 * basin, and the loss jumps. Where the state no longer settles (past a Hopf point: the equilibrium
 * went unstable and the state oscillates) the gradient of a steady state is undefined: the run
 * records it and stops.
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { settle } from '../attractors.ts';
import { equilibriumGradient } from '../sensitivity.ts';
import { classify, eigenvalues } from '../stability.ts';

export interface StateTarget {
  /** Targeted state coordinates and their target values. */
  indices: readonly number[];
  values: readonly number[];
}

export interface LearningStep {
  /** The learned parameters before the update. */
  theta: Float64Array;
  /** The state the network settled on at theta. */
  x: Float64Array;
  loss: number;
  /** dL/dtheta and its norm. */
  gradient: Float64Array;
  gradientNorm: number;
  /** Whether the settled state is a stable equilibrium (false: it did not settle). */
  settled: boolean;
  /** Whether the update was clipped. */
  clipped: boolean;
}

export interface FixedPointLearningOptions {
  /** Indices of the learned parameters in p. */
  learn: readonly number[];
  target: StateTarget;
  learningRate: number;
  steps: number;
  /** Largest Euclidean norm of one update (default: no clipping). */
  maxStep?: number;
  /** Settling: RK4 step and time limit (flows). */
  dt?: number;
  maxTime?: number;
}

export interface FixedPointLearningRun {
  steps: LearningStep[];
  /** 'steps': all steps taken; 'unsettled': the state stopped settling (an oscillation). */
  end: 'steps' | 'unsettled';
}

/** L(x) = 1/2 sum (x_i - t_i)^2 and dL/dx. */
export function stateLoss(x: ArrayLike<number>, target: StateTarget, n: number): { loss: number; gradient: Float64Array } {
  const g = new Float64Array(n);
  let loss = 0;
  target.indices.forEach((i, j) => {
    const e = x[i]! - target.values[j]!;
    loss += 0.5 * e * e;
    g[i] = e;
  });
  return { loss, gradient: g };
}

/**
 * Run fixed-point learning from the parameters p0 and the initial state x0.
 *
 * @throws Error when the state does not settle at p0.
 */
export function learnFixedPoint(sys: DynamicalSystem, p0: Float64Array, x0: ArrayLike<number>, opts: FixedPointLearningOptions): FixedPointLearningRun {
  const n = sys.dimension;
  const p = Float64Array.from(p0);
  const settleOpts = { ...(opts.dt !== undefined ? { dt: opts.dt } : {}), ...(opts.maxTime !== undefined ? { maxTime: opts.maxTime } : {}) };
  let s = settle(sys, p, x0, settleOpts);
  if (!s.converged) throw new Error('learnFixedPoint: the state does not settle at the initial parameters');
  const steps: LearningStep[] = [];
  const A = new Float64Array(n * n);
  for (let k = 0; k < opts.steps; k++) {
    const theta = Float64Array.from(opts.learn, (i) => p[i]!);
    const stable = s.converged && classify(eigenvalues(n, sys.jacobian(s.x, p, A)), sys.time).stability === 'stable';
    const { loss, gradient: gx } = stateLoss(s.x, opts.target, n);
    const grad = stable ? equilibriumGradient(sys, s.x, p, gx, opts.learn) : null;
    if (!grad) {
      steps.push({ theta, x: Float64Array.from(s.x), loss, gradient: new Float64Array(opts.learn.length).fill(NaN), gradientNorm: NaN, settled: false, clipped: false });
      return { steps, end: 'unsettled' };
    }
    const norm = Math.hypot(...grad);
    let scale = opts.learningRate;
    const clipped = opts.maxStep !== undefined && scale * norm > opts.maxStep;
    if (clipped) scale = opts.maxStep! / norm;
    steps.push({ theta, x: Float64Array.from(s.x), loss, gradient: grad, gradientNorm: norm, settled: true, clipped });
    opts.learn.forEach((i, j) => (p[i] = p[i]! - scale * grad[j]!));
    s = settle(sys, p, s.x, settleOpts);
  }
  return { steps, end: 'steps' };
}
