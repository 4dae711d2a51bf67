/**
 * Branches of equilibria of the one-neuron network dx/dt = -x + sigma(w x + b) against the bias b,
 * for a fixed weight w: the bifurcation diagram of Doya (1992).
 *
 * Natural-parameter continuation in b fails at the folds, where the branch turns back. Here the
 * branch has a global parametrisation by the state itself, b(x) = logit(x) - w x for x in (0, 1)
 * (pseudo-arclength continuation reduces to this for a scalar equation), so we sample x and read b.
 * db/dx = 1/(x(1-x)) - w vanishes at the folds x = (1 +- sqrt(1 - 4/w))/2, which cut (0, 1) into
 * pieces on which b(x) is monotone and the eigenvalue -1 + w x (1 - x) has one sign: the outer
 * pieces are stable, the middle one (w > 4) unstable. Each piece is clipped to b in [bMin, bMax] by
 * bisection, so segments end exactly on the window's edges and on the folds.
 */
import { biasAtEquilibrium } from './folds.ts';

export interface BranchSegment {
  stable: boolean;
  /** Sample points, ordered by increasing x. */
  x: Float64Array;
  b: Float64Array;
}

/**
 * The stable and unstable segments of the equilibrium curve inside b in [bMin, bMax], ordered by x,
 * each with n samples (uniform in x). A fold inside the window ends two segments at the same point.
 *
 * @example equilibriumBranches(5, -3, -2, 100).map(s => s.stable) // [true, false, true]
 * @throws Error when bMin >= bMax or n < 2.
 */
export function equilibriumBranches(w: number, bMin: number, bMax: number, n: number): BranchSegment[] {
  if (!(bMax > bMin)) throw new Error(`equilibriumBranches: need bMin < bMax, got ${bMin}, ${bMax}`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`equilibriumBranches: n must be an integer >= 2, got ${n}`);
  // the ends 0 and 1 are approached but never reached: b(x) -> -inf, +inf there
  const eps = 1e-12;
  const cuts = [eps];
  if (w > 4) {
    const r = Math.sqrt(1 - 4 / w);
    cuts.push((1 - r) / 2, (1 + r) / 2);
  }
  cuts.push(1 - eps);
  const out: BranchSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]!;
    const blo = biasAtEquilibrium(w, lo);
    const bhi = biasAtEquilibrium(w, hi);
    const increasing = bhi >= blo;
    const pieceMin = Math.min(blo, bhi);
    const pieceMax = Math.max(blo, bhi);
    if (pieceMax < bMin || pieceMin > bMax) continue;
    // x range on this monotone piece where b(x) is inside the window
    const xAt = (target: number): number => {
      let a = lo;
      let c = hi;
      for (let it = 0; it < 200 && c - a > 1e-15; it++) {
        const m = 0.5 * (a + c);
        const bm = biasAtEquilibrium(w, m);
        if (bm < target === increasing) a = m;
        else c = m;
      }
      return 0.5 * (a + c);
    };
    let xa = lo;
    let xb = hi;
    if (increasing) {
      if (blo < bMin) xa = xAt(bMin);
      if (bhi > bMax) xb = xAt(bMax);
    } else {
      if (blo > bMax) xa = xAt(bMax);
      if (bhi < bMin) xb = xAt(bMin);
    }
    const xs = new Float64Array(n);
    const bs = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const x = xa + ((xb - xa) * k) / (n - 1);
      xs[k] = x;
      bs[k] = biasAtEquilibrium(w, x);
    }
    const mid = 0.5 * (xa + xb);
    // for w <= 4 the eigenvalue is <= 0 everywhere (0 only at the cusp point itself)
    out.push({ x: xs, b: bs, stable: w <= 4 || -1 + w * mid * (1 - mid) < 0 });
  }
  return out;
}
