/**
 * Where a learning path in a parameter plane crosses bifurcation curves: each segment from one
 * iterate to the next is intersected with each curve's polyline. For each crossing: the curve
 * (kind and index), the crossing point, the step, the distance from the last iterate before it
 * to the curve (how close gradient descent came before jumping over), and the gradient norm there
 * against its peak over the steps around the crossing.
 */
import type { BifurcationCurve } from '../codim2/fold-curve.ts';

export interface PathCrossing {
  kind: 'fold' | 'hopf';
  curve: number;
  /** The path crosses between iterates step and step + 1. */
  step: number;
  /** The crossing point in the plane. */
  a: number;
  b: number;
  /** Distance from iterate `step` (the last before the crossing) to the curve. */
  distanceBefore: number;
  /** Distance from iterate step + 1 to the curve. */
  distanceAfter: number;
}

/** Distance from (a, b) to a polyline. */
export function distanceToPolyline(pts: readonly { a: number; b: number }[], a: number, b: number): number {
  let best = Infinity;
  for (let i = 0; i + 1 < pts.length; i++) {
    const p = pts[i]!;
    const q = pts[i + 1]!;
    const dx = q.a - p.a;
    const dy = q.b - p.b;
    const len = dx * dx + dy * dy;
    const t = len > 0 ? Math.max(0, Math.min(1, ((a - p.a) * dx + (b - p.b) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(a - p.a - t * dx, b - p.b - t * dy));
  }
  if (pts.length === 1) best = Math.hypot(a - pts[0]!.a, b - pts[0]!.b);
  return best;
}

/** Intersection parameter of segments p0 + s (p1 - p0) and q0 + u (q1 - q0), s and u in [0, 1), or null. */
function intersect(p0: { a: number; b: number }, p1: { a: number; b: number }, q0: { a: number; b: number }, q1: { a: number; b: number }): number | null {
  const rx = p1.a - p0.a;
  const ry = p1.b - p0.b;
  const sx = q1.a - q0.a;
  const sy = q1.b - q0.b;
  const den = rx * sy - ry * sx;
  if (den === 0) return null;
  const qpx = q0.a - p0.a;
  const qpy = q0.b - p0.b;
  const s = (qpx * sy - qpy * sx) / den;
  const u = (qpx * ry - qpy * rx) / den;
  return s >= 0 && s < 1 && u >= 0 && u < 1 ? s : null;
}

/** Every crossing of the path (iterates in order) with the curves, in path order. */
export function pathCrossings(path: readonly { a: number; b: number }[], curves: readonly BifurcationCurve[]): PathCrossing[] {
  const out: PathCrossing[] = [];
  for (let k = 0; k + 1 < path.length; k++) {
    const p0 = path[k]!;
    const p1 = path[k + 1]!;
    const here: (PathCrossing & { s: number })[] = [];
    curves.forEach((c, ci) => {
      for (let i = 0; i + 1 < c.points.length; i++) {
        const s = intersect(p0, p1, c.points[i]!, c.points[i + 1]!);
        if (s === null) continue;
        here.push({
          kind: c.kind,
          curve: ci,
          step: k,
          a: p0.a + s * (p1.a - p0.a),
          b: p0.b + s * (p1.b - p0.b),
          distanceBefore: distanceToPolyline(c.points, p0.a, p0.b),
          distanceAfter: distanceToPolyline(c.points, p1.a, p1.b),
          s,
        });
      }
    });
    here.sort((x, y) => x.s - y.s);
    for (const { s: _s, ...c } of here) out.push(c);
  }
  return out;
}
