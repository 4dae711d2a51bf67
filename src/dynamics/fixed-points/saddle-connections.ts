/**
 * Where the unstable manifold of a saddle with one unstable direction leads: the two branches of
 * its one-dimensional unstable manifold W^u leave the saddle along the eigenvector v of the
 * unstable multiplier (|lambda| > 1 for a map) and end at attractors (Kuznetsov 2004, section 2.2;
 * in a trained flip-flop network, at the two memories that the saddle separates: Sussillo and
 * Barak 2013, Fig. 2). Each branch is followed by iterating the map from h* +- eps v,
 * h <- h + r(h) = F(h), until it comes within `radius` of one of the given stable points.
 *
 * Maps only (a flow would need an integrator); a negative unstable multiplier makes a branch
 * alternate sides, which the iteration follows as well.
 *
 * @example
 *   saddleConnection(sp, saddle, stable.map((p) => p.h)) // [i, j]: the indices of the two attractors, -1 if none
 */
import { realEigenvector } from '../eigenvectors.ts';
import type { FixedPoint } from './find.ts';
import type { SpeedProblem } from './speed.ts';

export interface ConnectionOptions {
  /** Initial displacement along v, in the max norm (default 1e-4). */
  eps?: number;
  /** Steps per branch at most (default 5000). */
  maxSteps?: number;
  /** Arrival: within this max-norm distance of a stable point (default 1e-6). */
  radius?: number;
}

/**
 * The indices (into `attractors`) reached by the two branches of the saddle's unstable manifold,
 * -1 for a branch that reaches none within maxSteps.
 *
 * @throws Error unless the problem is a map and the point has exactly one unstable multiplier, and it is real.
 */
export function saddleConnection(problem: SpeedProblem, saddle: FixedPoint, attractors: readonly Float64Array[], opts: ConnectionOptions = {}): [number, number] {
  const S = problem.size;
  if (problem.time !== 'discrete') throw new Error('saddleConnection: maps only (the problem is a flow)');
  const unstable = saddle.eigenvalues.filter((e) => Math.hypot(e.re, e.im) > 1);
  if (unstable.length !== 1 || unstable[0]!.im !== 0) throw new Error(`saddleConnection: needs exactly one real unstable multiplier, the point has ${unstable.length}`);
  const eps = opts.eps ?? 1e-4;
  const maxSteps = opts.maxSteps ?? 5000;
  const radius = opts.radius ?? 1e-6;
  const J = new Float64Array(S * S);
  problem.jacobian(saddle.h, J);
  const v = realEigenvector(S, J, unstable[0]!.re);
  let vmax = 0;
  for (let j = 0; j < S; j++) vmax = Math.max(vmax, Math.abs(v[j]!));
  const r = new Float64Array(S);
  const ends: number[] = [];
  for (const sign of [1, -1]) {
    const h = Float64Array.from(saddle.h, (x, j) => x + (sign * eps * v[j]!) / vmax);
    let end = -1;
    for (let step = 0; step < maxSteps && end < 0; step++) {
      problem.residual(h, r);
      for (let j = 0; j < S; j++) h[j] = h[j]! + r[j]!;
      end = attractors.findIndex((a) => {
        let d = 0;
        for (let j = 0; j < S && d <= radius; j++) d = Math.max(d, Math.abs(a[j]! - h[j]!));
        return d <= radius;
      });
    }
    ends.push(end);
  }
  return [ends[0]!, ends[1]!];
}
