/**
 * Equilibria of the one-neuron network dx/dt = -x + sigma(w x + b) (Doya 1992): the roots of
 *
 *     g(x) = sigma(w x + b) - x,   x in (0, 1),
 *
 * with their linear stability. The eigenvalue of the linearisation at an equilibrium is
 * lambda = -1 + w s (1 - s), s = sigma(w x + b) = x; the equilibrium is stable when lambda < 0. The
 * same points are the fixed points of the discrete map x -> sigma(w x + b), whose multiplier is
 * mu = 1 + lambda = w s (1 - s) (stable when |mu| < 1; for w > 0 the same verdict).
 *
 * Root bracketing: g(0) = sigma(b) > 0 and g(1) = sigma(w + b) - 1 < 0, and g' = w sigma' - 1 changes
 * sign only where sigma'(w x + b) = 1/w, i.e. at x_c = (logit(s_c) - b) / w with
 * s_c = (1 +- sqrt(1 - 4/w)) / 2 (the fold values). Those two points cut [0, 1] into at most three
 * pieces on which g is monotone, so each piece holds at most one root, found by bisection on a sign
 * change and polished by Newton steps to |dx| < 1e-13. For w <= 4, g is decreasing: one root.
 */
import { logit, sigmoid } from '../activations/index.ts';

export interface Equilibrium {
  x: number;
  stable: boolean;
  /** -1 + w s (1 - s): the eigenvalue of the linearised flow at x. */
  eigenvalue: number;
}

/** |g| below this at a piece's end counts as a root there (a tangency exactly at a fold). */
const TANGENT_G = 1e-15;

/**
 * All equilibria (one or three; two only exactly at a fold), sorted by x.
 *
 * @example equilibria(5, -2.5) // x = 0.1450 (stable), 0.5 (unstable, eigenvalue 0.25), 0.8550 (stable)
 */
export function equilibria(w: number, b: number): Equilibrium[] {
  const g = (x: number): number => sigmoid(w * x + b) - x;
  const cuts = [0];
  if (w > 4) {
    const r = Math.sqrt(1 - 4 / w);
    for (const sc of [(1 - r) / 2, (1 + r) / 2]) {
      const xc = (logit(sc) - b) / w;
      if (xc > 0 && xc < 1) cuts.push(xc);
    }
  }
  cuts.push(1);
  const roots: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]!;
    const glo = g(lo);
    const ghi = g(hi);
    if (i > 0 && Math.abs(glo) < TANGENT_G) {
      roots.push(lo);
      continue;
    }
    if (glo === 0) {
      roots.push(lo);
      continue;
    }
    if (glo * ghi < 0) roots.push(solveOnPiece(g, w, b, lo, hi, glo));
  }
  roots.sort((a, c) => a - c);
  const out: Equilibrium[] = [];
  for (const x of roots) {
    if (out.length > 0 && Math.abs(x - out[out.length - 1]!.x) < 1e-12) continue;
    const s = sigmoid(w * x + b);
    const eigenvalue = -1 + w * s * (1 - s);
    out.push({ x, stable: eigenvalue < 0, eigenvalue });
  }
  return out;
}

/** Bisection on a bracketed monotone piece, then Newton polish kept inside the bracket. */
function solveOnPiece(g: (x: number) => number, w: number, b: number, lo: number, hi: number, glo: number): number {
  let a = lo;
  let c = hi;
  const sa = Math.sign(glo);
  // bisection to ~1e-9, then Newton (quadratic) to round-off
  while (c - a > 1e-9) {
    const m = 0.5 * (a + c);
    const gm = g(m);
    if (gm === 0) return m;
    if (Math.sign(gm) === sa) a = m;
    else c = m;
  }
  let x = 0.5 * (a + c);
  for (let it = 0; it < 20; it++) {
    const s = sigmoid(w * x + b);
    const gx = s - x;
    const dg = w * s * (1 - s) - 1;
    if (dg === 0) break;
    let nx = x - gx / dg;
    if (!(nx >= a && nx <= c)) nx = 0.5 * (a + c);
    if (Math.sign(g(nx)) === sa) a = nx;
    else c = nx;
    const dx = Math.abs(nx - x);
    x = nx;
    if (dx < 1e-15) break;
  }
  return x;
}

/** Number of equilibria at (w, b). */
export function equilibriumCount(w: number, b: number): number {
  return equilibria(w, b).length;
}
