/**
 * Saddle-node (fold) bifurcations of the one-neuron network dx/dt = -x + sigma(w x + b) (Doya 1992).
 *
 * Equilibria satisfy x = sigma(w x + b), i.e. b(x) = logit(x) - w x for x in (0, 1): every
 * equilibrium curve is the graph of this function read sideways. Folds are where db/dx = 0:
 *
 *     1 / (x (1 - x)) = w   =>   x = (1 +- sqrt(1 - 4/w)) / 2,   b = logit(x) - w x,
 *
 * which exist only for w > 4. There the eigenvalue -1 + w x (1 - x) of the equilibrium is 0. At
 * w = 4 the two folds merge at x = 1/2, b = -2: the cusp. For w = 5 the folds sit at
 * b = -2.65561 (x = 0.72361) and b = -2.34439 (x = 0.27639); between them the network is bistable.
 */
import { logit } from '../activations/index.ts';

/** A fold point in the (w, b) plane with its equilibrium x. */
export interface FoldPoint {
  w: number;
  b: number;
  x: number;
}

/** The cusp where the two fold curves meet: (w, b) = (4, -2), x = 1/2. */
export const cusp: Readonly<FoldPoint> = Object.freeze({ w: 4, b: -2, x: 0.5 });

/** b on the equilibrium curve through x: b(x) = logit(x) - w x. */
export function biasAtEquilibrium(w: number, x: number): number {
  return logit(x) - w * x;
}

/**
 * The fold points for weight w, sorted by b: [] for w <= 4 (at w = 4 the folds have merged into
 * the cusp, where the equilibrium is degenerate but no saddle-node happens for fixed w).
 *
 * @example foldPoints(5) // [{w: 5, b: -2.65561, x: 0.72361}, {w: 5, b: -2.34439, x: 0.27639}]
 */
export function foldPoints(w: number): FoldPoint[] {
  if (!(w > 4)) return [];
  const r = Math.sqrt(1 - 4 / w);
  const xHigh = (1 + r) / 2;
  const xLow = (1 - r) / 2;
  // the high-x fold (where the upper stable branch ends going down in b) has the smaller b
  return [
    { w, b: biasAtEquilibrium(w, xHigh), x: xHigh },
    { w, b: biasAtEquilibrium(w, xLow), x: xLow },
  ];
}

/** The two fold curves in the (w, b) plane, sampled at n weights. */
export interface FoldCurves {
  w: Float64Array;
  /** The lower-b fold (x = (1 + sqrt(1 - 4/w)) / 2): where the upper branch is born. */
  lowerB: Float64Array;
  lowerX: Float64Array;
  /** The upper-b fold (x = (1 - sqrt(1 - 4/w)) / 2): where the lower branch dies. */
  upperB: Float64Array;
  upperX: Float64Array;
}

/**
 * The fold curves b_lower(w) < b_upper(w) for w in [max(wMin, 4), wMax] (n points, the first at the
 * cusp when wMin <= 4). The network is bistable for b strictly between them; they meet at the cusp
 * (4, -2), opening like a cusp: b_upper - b_lower = (w - 4)^{3/2} / 3 + O((w - 4)^{5/2}).
 *
 * @throws Error when n < 2 or wMax <= max(wMin, 4).
 */
export function foldCurves(wMin: number, wMax: number, n: number): FoldCurves {
  const w0 = Math.max(wMin, 4);
  if (!Number.isInteger(n) || n < 2) throw new Error(`foldCurves: n must be an integer >= 2, got ${n}`);
  if (!(wMax > w0)) throw new Error(`foldCurves: wMax must exceed max(wMin, 4) = ${w0}, got ${wMax}`);
  const out: FoldCurves = {
    w: new Float64Array(n),
    lowerB: new Float64Array(n),
    lowerX: new Float64Array(n),
    upperB: new Float64Array(n),
    upperX: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    // cluster points near the cusp, where the curves turn fastest (opening ~ (w - 4)^{3/2})
    const u = i / (n - 1);
    const w = w0 + (wMax - w0) * u * u;
    const r = w > 4 ? Math.sqrt(1 - 4 / w) : 0;
    const xh = (1 + r) / 2;
    const xl = (1 - r) / 2;
    out.w[i] = w;
    out.lowerX[i] = xh;
    out.lowerB[i] = biasAtEquilibrium(w, xh);
    out.upperX[i] = xl;
    out.upperB[i] = biasAtEquilibrium(w, xl);
  }
  return out;
}

/**
 * A bias window that holds both folds of the w-network with room for the hysteresis jumps: centred
 * on the symmetry point b = -w/2, half-width max(1/2, 1.5 x half the bistable width). For w = 5 it is
 * [-3, -2] (the folds at -2.65561 and -2.34439); for w = 7, [-4.587, -2.413] (folds -4.224, -2.776).
 * Values are rounded to 12 significant digits so that round numbers stay round.
 *
 * @example defaultBiasWindow(5) // { bMin: -3, bMax: -2 }
 */
export function defaultBiasWindow(w: number): { bMin: number; bMax: number } {
  const [lower, upper] = foldPoints(w);
  const half = Math.max(0.5, 1.5 * ((upper!.b - lower!.b) / 2));
  const round = (v: number): number => Number(v.toPrecision(12));
  return { bMin: round(-w / 2 - half), bMax: round(-w / 2 + half) };
}

/**
 * Seven bias values across a window for the equilibrium table: its ends, the centre, and 0.2 and
 * 0.4 of the half-width either side of it (for w = 5: -3, -2.7, -2.6, -2.5, -2.4, -2.3, -2).
 */
export function tableBiases(bMin: number, bMax: number): number[] {
  const c = (bMin + bMax) / 2;
  const h = (bMax - bMin) / 2;
  return [-1, -0.4, -0.2, 0, 0.2, 0.4, 1].map((f) => Number((c + f * h).toPrecision(12)));
}
