/**
 * The one-unit discrete-time recurrent network of Pascanu, Mikolov and Bengio (2013), section 2.3
 * and their figure of the error surface:
 *
 *     x_t = w sigma(x_{t-1}) + b,   t = 1..T,   L(w, b) = (x_T - target)^2.
 *
 * Its fixed points x* = w sigma(x*) + b are those of Doya's one-neuron network under y = sigma(x*)
 * (y = sigma(w y + b)), so the map is bistable for w > 4 between the same two fold values of b
 * (src/dynamics/folds.ts; -2.65561 and -2.34439 at w = 5). Crossing a fold moves x_0 from one basin
 * to the other: x_T jumps, L jumps, and within a sliver of b around the crossing dL/db is huge,
 * the "wall" of the error surface that gradient clipping guards against.
 *
 * The wall itself is where the unstable fixed point (the basin boundary) passes x_0:
 * x_0 = w sigma(x_0) + b, i.e. b_wall = x_0 - w sigma(x_0). Exactly there x_t = x_0 for every t, so
 * with lambda = w sigma'(x_0) > 1 (the unstable multiplier)
 *
 *     dx_T/db = 1 + lambda + ... + lambda^{T-1} = (lambda^T - 1) / (lambda - 1),
 *
 * the gradient at the wall grows like lambda^T (`wallGradient`).
 *
 * The gradient is carried forward with the state (forward-mode sensitivities):
 *
 *     dx_t/dw = sigma(x_{t-1}) + w sigma'(x_{t-1}) dx_{t-1}/dw,
 *     dx_t/db = 1 + w sigma'(x_{t-1}) dx_{t-1}/db,
 *     dL/d(w, b) = 2 (x_T - target) dx_T/d(w, b).
 *
 * @example oneUnitLoss(5, -2.5, { x0: 0.5, T: 50, target: 0.7 }).loss
 */
import { sigmoid } from '../activations/index.ts';

export interface OneUnitProblem {
  x0: number;
  T: number;
  target: number;
}

export interface OneUnitLoss {
  xT: number;
  loss: number;
  dw: number;
  db: number;
}

export function oneUnitLoss(w: number, b: number, p: OneUnitProblem): OneUnitLoss {
  let x = p.x0;
  let sw = 0;
  let sb = 0;
  for (let t = 0; t < p.T; t++) {
    const s = sigmoid(x);
    const ds = s * (1 - s);
    sw = s + w * ds * sw;
    sb = 1 + w * ds * sb;
    x = w * s + b;
  }
  const e = x - p.target;
  return { xT: x, loss: e * e, dw: 2 * e * sw, db: 2 * e * sb };
}

/**
 * One gradient step from (w, b) with learning rate lr, unclipped or with the gradient rescaled to
 * norm `threshold` when it is larger (Pascanu, Mikolov and Bengio 2013, algorithm 1).
 */
export function oneUnitStep(w: number, b: number, p: OneUnitProblem, lr: number, threshold: number | null): { w: number; b: number; gradNorm: number; stepLength: number; loss: number } {
  const g = oneUnitLoss(w, b, p);
  const n = Math.hypot(g.dw, g.db);
  const s = threshold !== null && n > threshold ? threshold / n : 1;
  const w1 = w - lr * s * g.dw;
  const b1 = b - lr * s * g.db;
  return { w: w1, b: b1, gradNorm: n, stepLength: Math.hypot(w1 - w, b1 - b), loss: oneUnitLoss(w1, b1, p).loss };
}

/**
 * Where the basin boundary passes x_0, and the closed-form dL/db there:
 * b_wall = x_0 - w sigma(x_0), lambda = w sigma'(x_0),
 * dL/db = 2 (x_0 - target) (lambda^T - 1) / (lambda - 1).
 *
 * @example wallGradient(5, { x0: 0.5, T: 50, target: 0.7 }) // b = -2.61225, lambda = 1.1750
 */
export function wallGradient(w: number, p: OneUnitProblem): { b: number; lambda: number; db: number } {
  const s = sigmoid(p.x0);
  const lambda = w * s * (1 - s);
  const sum = lambda === 1 ? p.T : (lambda ** p.T - 1) / (lambda - 1);
  return { b: p.x0 - w * s, lambda, db: 2 * (p.x0 - p.target) * sum };
}
