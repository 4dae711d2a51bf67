/**
 * Activation functions f with their derivatives and gamma = sup |f'(x)|, the constant in the
 * vanishing-gradient bound ||prod J|| <= (gamma * sigma_max(W))^k (Pascanu, Mikolov and Bengio 2013).
 *
 * Derivatives of the built-in activations are written from the saved forward output, as tfjs-core
 * does (sigmoid' = y(1 - y), tanh' = 1 - y^2, relu' = [y > 0]), so the backward pass needs only
 * the stored states. Expression activations (`x / (1 + abs(x))`) are parsed and differentiated
 * symbolically by mathjs once, and their derivative is evaluated at the pre-activation.
 */
import { compileExpression, differentiate, parseExpression } from './expression.ts';

export { EXPRESSION_FUNCTIONS, ExpressionError, MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_NODES } from './expression.ts';

export type ActivationKind = 'sigmoid' | 'tanh' | 'relu' | 'identity' | 'expression';

export interface Activation {
  /** Display name: the built-in name or the expression text. */
  readonly name: string;
  readonly kind: ActivationKind;
  /** sup_x |f'(x)|: 1/4 for sigmoid, 1 for tanh, relu and identity; numeric for expressions. */
  readonly gamma: number;
  /** f(a). */
  f(a: number): number;
  /** f'(a) at the pre-activation a. */
  df(a: number): number;
  /** f'(a) from the output y = f(a), or undefined when f' is not a function of y alone. */
  readonly dfFromOutput?: (y: number) => number;
}

/** Logistic function sigma(x) = 1 / (1 + e^-x). */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Inverse of the logistic function, logit(y) = ln(y / (1 - y)) for y in (0, 1). */
export function logit(y: number): number {
  return Math.log(y / (1 - y));
}

export const SIGMOID: Activation = {
  name: 'sigmoid',
  kind: 'sigmoid',
  gamma: 0.25,
  f: sigmoid,
  df: (a) => {
    const y = sigmoid(a);
    return y * (1 - y);
  },
  dfFromOutput: (y) => y * (1 - y),
};

export const TANH: Activation = {
  name: 'tanh',
  kind: 'tanh',
  gamma: 1,
  f: Math.tanh,
  df: (a) => {
    const y = Math.tanh(a);
    return 1 - y * y;
  },
  dfFromOutput: (y) => 1 - y * y,
};

/** ReLU; f'(0) is taken as 0 (the subgradient used by PyTorch). */
export const RELU: Activation = {
  name: 'relu',
  kind: 'relu',
  gamma: 1,
  f: (a) => (a > 0 ? a : 0),
  df: (a) => (a > 0 ? 1 : 0),
  dfFromOutput: (y) => (y > 0 ? 1 : 0),
};

export const IDENTITY: Activation = {
  name: 'identity',
  kind: 'identity',
  gamma: 1,
  f: (a) => a,
  df: () => 1,
  dfFromOutput: () => 1,
};

export const BUILTIN_ACTIVATIONS: Record<Exclude<ActivationKind, 'expression'>, Activation> = {
  sigmoid: SIGMOID,
  tanh: TANH,
  relu: RELU,
  identity: IDENTITY,
};

/**
 * An activation written as a mathjs expression in the variable `x`, e.g. `x / (1 + abs(x))`
 * (softsign), in the locked-down language of ./expression.ts (numbers, x, + - * / ^ and elementary
 * functions; checked before anything is evaluated). f and f' are compiled once. gamma = sup |f'| is estimated on a grid over
 * [-range, range] refined around the best point, which is exact for the usual bounded-derivative
 * activations whose maximum slope sits at a finite point.
 *
 * @throws Error naming the expression when it does not parse, uses a variable other than x, or is
 *   not finite at 0.
 */
export function expressionActivation(expr: string, range = 20): Activation {
  const node = parseExpression(expr);
  let dnode;
  try {
    dnode = differentiate(node);
  } catch (e) {
    throw new Error(`activation expression "${expr}" has no symbolic derivative: ${(e as Error).message}`);
  }
  const f = compileExpression(node);
  const df = compileExpression(dnode);
  for (const probe of [0, 0.5, -0.5]) {
    if (!Number.isFinite(f(probe)) || !Number.isFinite(df(probe))) {
      throw new Error(`activation expression "${expr}" is not a finite real function at x = ${probe}`);
    }
  }
  let gamma: number | undefined;
  return {
    name: expr,
    kind: 'expression',
    // computed on first use: validation needs f and f', not the 4000-point search for sup |f'|
    get gamma() {
      gamma ??= supAbs(df, range);
      return gamma;
    },
    f,
    df,
  };
}

/** sup |g| on a 4001-point grid over [-range, range], then golden refinement around the best point. */
function supAbs(df: (x: number) => number, range: number): number {
  const n = 4001;
  let best = 0;
  let bestX = 0;
  for (let i = 0; i < n; i++) {
    const x = -range + (2 * range * i) / (n - 1);
    const v = Math.abs(df(x));
    if (Number.isFinite(v) && v > best) {
      best = v;
      bestX = x;
    }
  }
  const h = (2 * range) / (n - 1);
  let lo = bestX - h;
  let hi = bestX + h;
  for (let it = 0; it < 60; it++) {
    const m1 = lo + (hi - lo) * 0.381966;
    const m2 = lo + (hi - lo) * 0.618034;
    if (Math.abs(df(m1)) >= Math.abs(df(m2))) hi = m2;
    else lo = m1;
  }
  const refined = Math.abs(df((lo + hi) / 2));
  return Math.max(best, Number.isFinite(refined) ? refined : 0);
}

/** A built-in name or, failing that, an expression in x. */
export function activation(spec: string): Activation {
  const builtin = (BUILTIN_ACTIVATIONS as Record<string, Activation>)[spec];
  return builtin ?? expressionActivation(spec);
}
