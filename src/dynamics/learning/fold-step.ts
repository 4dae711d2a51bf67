/**
 * One learning step that crosses a fold curve, looked at closely. Along the step's direction u
 * the parameters are p(s) = p_k + s u, s in [0, |step|] (src/dynamics/sensitivity.ts alongLine):
 *
 * - prediction: the state's branch is continued from the old state; if it ends at a fold within
 *   the step, the attractor the state sat on vanishes and the state must change attractor
 * - measurement: the new state's branch is continued back from the new parameters to the old
 *   ones; if it does not lead to the old state, the state changed attractor
 * - the gradient before the fold: near a fold at distance s along u, with the fold's normal form
 *   (v, w with w . v = 1, a = 1/2 w . B(v, v), beta_k = w . f_{p_k}, beta_u = beta . u), the steady
 *   state moves along v with dxi/dp = -beta / (2 a xi) and xi^2 = |beta_u s / a|, so the gradient
 *   of L = 1/2 sum_i (x_i - t_i)^2 has norm
 *
 *       ||dL/dp|| = |(x - t) . v| ||beta|| / (2 sqrt(|a beta_u| s)) (1 + O(sqrt s)),
 *
 *   the inverse-square-root explosion Doya (1992) describes, with its constant.
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { foldNormalForm } from '../codim1/normal-forms.ts';
import { continueEquilibria, type BifurcationPoint } from '../continuation/equilibrium-branch.ts';
import { alongLine } from '../sensitivity.ts';
import type { StateTarget } from './fixed-point-learning.ts';

export interface FoldStep {
  /** The state's branch ends at a fold within the step (predicted change of attractor). */
  attractorVanishes: boolean;
  /** The new state's branch, continued back to the old parameters, misses the old state. */
  changedAttractor: boolean;
  /** The fold on the state's branch, in the line's parameter s, and the line system. */
  fold?: BifurcationPoint;
  line: DynamicalSystem;
  /** Distance from the old parameters to the fold along the step. */
  distanceAlongStep?: number;
  /** The normal form's gradient norm at the old parameters (leading order). */
  predictedGradient?: number;
}

/**
 * Analyse the step p_from -> p_to of the parameters `ks` (values thetaFrom, thetaTo), whose
 * settled states were xFrom and xTo, for a loss on `target`.
 */
export function analyseFoldStep(
  sys: DynamicalSystem,
  p: Float64Array,
  ks: readonly number[],
  thetaFrom: ArrayLike<number>,
  thetaTo: ArrayLike<number>,
  xFrom: Float64Array,
  xTo: Float64Array,
  target: StateTarget,
): FoldStep {
  const diff = ks.map((_, j) => thetaTo[j]! - thetaFrom[j]!);
  const len = Math.hypot(...diff);
  const unit = diff.map((d) => d / len);
  const pk = Float64Array.from(p);
  ks.forEach((k, j) => (pk[k] = thetaFrom[j]!));
  const line = alongLine(sys, pk, ks, unit);
  const opts = { parameter: 0, ds: len / 50, dsMax: len / 10 };
  const ahead = continueEquilibria(line, Float64Array.of(0), xFrom, { ...opts, range: [0, len * (1 + 1e-9)] });
  const fold = ahead.bifurcations.find((b) => b.type === 'fold' && b.located);
  const back = continueEquilibria(line, Float64Array.of(len), xTo, { ...opts, range: [-1e-9, len], direction: -1 });
  const end = back.points[back.points.length - 1]!;
  const returns = back.end === 'parameter-range' && Math.abs(end.parameter) < 1e-6 && end.x.every((v, i) => Math.abs(v - xFrom[i]!) < 1e-6);
  const out: FoldStep = { attractorVanishes: fold !== undefined, changedAttractor: !returns, line };
  if (!fold || !fold.fold) return out;
  const sF = fold.parameter;
  const pf = Float64Array.from(pk);
  ks.forEach((k, j) => (pf[k] = pk[k]! + sF * unit[j]!));
  out.fold = fold;
  out.distanceAlongStep = sF;
  out.predictedGradient = foldGradient(sys, fold.x, pf, ks, unit, fold.fold.v, xFrom, target, sF);
  return out;
}

/**
 * The leading-order gradient norm |(x - t) . v| ||beta|| / (2 sqrt(|a beta_u| s)) at distance s
 * before the fold (xFold, pFold) along the unit direction `unit` of the parameters `ks`.
 *
 * @example for the one-neuron network and ks = [b], it is |x - t| / sqrt(2 |b''(x_f)| s), b(x) = logit(x) - w x
 */
export function foldGradient(
  sys: DynamicalSystem,
  xFold: Float64Array,
  pFold: Float64Array,
  ks: readonly number[],
  unit: readonly number[],
  v: Float64Array,
  x: ArrayLike<number>,
  target: StateTarget,
  s: number,
): number {
  const nfs = ks.map((k) => foldNormalForm(sys, xFold, pFold, k, v));
  const beta = nfs.map((nf) => nf.beta);
  const a = nfs[0]!.a;
  const vv = nfs[0]!.v;
  const betaU = beta.reduce((acc, b, j) => acc + b * unit[j]!, 0);
  const err = target.indices.reduce((acc, i, j) => acc + (x[i]! - target.values[j]!) * vv[i]!, 0);
  return (Math.abs(err) * Math.hypot(...beta)) / (2 * Math.sqrt(Math.abs(a * betaU) * s));
}
