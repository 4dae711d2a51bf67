/**
 * First-order optimisers over a list of (parameter, gradient) Float64Array pairs, updating the
 * parameters in place from the gradients the model left in its buffers. Model-agnostic, so the
 * feed-forward and the recurrent studies share them. State (velocities, moments, step sizes) is
 * allocated once when the optimiser is made.
 *
 * - sgd:      theta <- theta - lr g
 * - momentum: v <- mu v + g, theta <- theta - lr v (heavy ball, Polyak 1964; PyTorch's form)
 * - adam:     m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
 *             theta <- theta - lr mhat / (sqrt(vhat) + eps), mhat = m / (1 - b1^t), vhat = v / (1 - b2^t)
 *             (Kingma and Ba 2015)
 * - rprop:    per-weight step Delta grows by etaPlus while the sign of g stays, shrinks by etaMinus
 *             when it flips; theta <- theta - sign(g) Delta. Only the sign of the gradient is used
 *             (Riedmiller and Braun 1993). This is the variant without weight-backtracking (Rprop-,
 *             as torch.optim.Rprop): after a sign flip the gradient is treated as 0 for one step.
 *
 * Precision: a parameter and its gradient share a precision (a float32 cell's tensors are Float32Arrays,
 * src/models/cell.ts), and the optimiser's state for that parameter (velocity, moments, step sizes,
 * previous gradient) is kept in the same precision, as torch.optim keeps the state of float32
 * parameters in float32. Each update is computed in float64 from the stored values and rounded
 * once where it is stored (a float32 state entry, a float32 parameter); float64 tensors run
 * exactly as before.
 *
 * Adam and Rprop are invariant to a per-parameter rescaling of the gradient, so a first layer
 * whose gradient is 1e-6 of the last layer's still moves at a comparable rate: they hide the
 * vanishing-gradient symptom the feed-forward studies measure with plain SGD.
 *
 * @example
 *   const opt = adam([{ param: w, grad: g }], { lr: 1e-3 });
 *   // fill g, then
 *   opt.step();
 */

import { precisionOf, realArray, type Real } from '../linalg/precision.ts';

export interface ParameterGradient {
  param: Real;
  grad: Real;
}

/** A zero state vector in the precision of the parameter it belongs to. */
function stateLike(p: ParameterGradient): Real {
  return realArray(precisionOf(p.param), p.param.length);
}

export interface Optimiser {
  readonly name: string;
  /** One update from the current gradients. */
  step(): void;
}

export function sgd(params: readonly ParameterGradient[], opts: { lr: number }): Optimiser {
  const { lr } = opts;
  return {
    name: 'sgd',
    step() {
      for (const { param, grad } of params) for (let i = 0; i < param.length; i++) param[i]! -= lr * grad[i]!;
    },
  };
}

export function momentum(params: readonly ParameterGradient[], opts: { lr: number; momentum?: number }): Optimiser {
  const { lr } = opts;
  const mu = opts.momentum ?? 0.9;
  const v = params.map(stateLike);
  return {
    name: 'momentum',
    step() {
      params.forEach(({ param, grad }, k) => {
        const vk = v[k]!;
        for (let i = 0; i < param.length; i++) {
          vk[i] = mu * vk[i]! + grad[i]!;
          param[i]! -= lr * vk[i]!;
        }
      });
    },
  };
}

export function adam(
  params: readonly ParameterGradient[],
  opts: { lr: number; beta1?: number; beta2?: number; eps?: number },
): Optimiser {
  const { lr } = opts;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const m = params.map(stateLike);
  const v = params.map(stateLike);
  let t = 0;
  return {
    name: 'adam',
    step() {
      t++;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      params.forEach(({ param, grad }, k) => {
        const mk = m[k]!;
        const vk = v[k]!;
        for (let i = 0; i < param.length; i++) {
          const g = grad[i]!;
          mk[i] = b1 * mk[i]! + (1 - b1) * g;
          vk[i] = b2 * vk[i]! + (1 - b2) * g * g;
          param[i]! -= (lr * (mk[i]! / c1)) / (Math.sqrt(vk[i]! / c2) + eps);
        }
      });
    },
  };
}

export function rprop(
  params: readonly ParameterGradient[],
  opts: { stepInit?: number; etaPlus?: number; etaMinus?: number; stepMin?: number; stepMax?: number } = {},
): Optimiser {
  const etaPlus = opts.etaPlus ?? 1.2;
  const etaMinus = opts.etaMinus ?? 0.5;
  const stepMin = opts.stepMin ?? 1e-6;
  const stepMax = opts.stepMax ?? 50;
  const stepInit = opts.stepInit ?? 0.01;
  const delta = params.map((p) => stateLike(p).fill(stepInit));
  const prev = params.map(stateLike);
  return {
    name: 'rprop',
    step() {
      params.forEach(({ param, grad }, k) => {
        const dk = delta[k]!;
        const pk = prev[k]!;
        for (let i = 0; i < param.length; i++) {
          let g = grad[i]!;
          const s = g * pk[i]!;
          if (s > 0) dk[i] = Math.min(dk[i]! * etaPlus, stepMax);
          else if (s < 0) {
            dk[i] = Math.max(dk[i]! * etaMinus, stepMin);
            g = 0;
          }
          param[i]! -= Math.sign(g) * dk[i]!;
          pk[i] = g;
        }
      });
    },
  };
}

export type OptimiserName = 'sgd' | 'momentum' | 'adam' | 'rprop';

/** An optimiser by name with a learning rate (Rprop takes it as its initial step size). */
export function makeOptimiser(name: OptimiserName, params: readonly ParameterGradient[], lr: number): Optimiser {
  switch (name) {
    case 'sgd':
      return sgd(params, { lr });
    case 'momentum':
      return momentum(params, { lr });
    case 'adam':
      return adam(params, { lr });
    case 'rprop':
      return rprop(params, { stepInit: lr });
  }
}
