/**
 * The two-parameter bifurcation diagram of a flow in a box of the (p_a, p_b) plane: every fold and
 * Hopf curve that crosses one of a few scan lines p_b = const, with their cusp, Bogdanov-Takens and
 * Bautin points. Each scan line is a one-parameter continuation in p_a (src/dynamics/continuation)
 * from every equilibrium at the line's left end (as given by `equilibriaAt`: closed forms, brute
 * force, or simulation), its located folds and Hopf points seed curve continuations in both
 * parameters (codim2/fold-curve.ts, codim2/hopf-curve.ts), and a seed already lying on a traced
 * curve is skipped. A curve that crosses no scan line is missed: choose enough lines.
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { continueEquilibria, type BifurcationPoint } from '../continuation/equilibrium-branch.ts';
import { foldCurve, type BifurcationCurve, type CodimTwoBifurcation } from './fold-curve.ts';
import { hopfCurve } from './hopf-curve.ts';

export interface TwoParameterOptions {
  /** Indices of the two parameters. */
  parameters: readonly [number, number];
  box: readonly [readonly [number, number], readonly [number, number]];
  /** Number of scan lines p_b = const, evenly spaced strictly inside the box (default 9). */
  scanLines?: number;
  /** Intervals per scan line: its equilibria at their ends seed continuations (default 8). */
  seedsPerLine?: number;
  /** Equilibria at the parameter vector p (the seeds of the scan lines). */
  equilibriaAt(p: Float64Array): Float64Array[];
  maxPointsPerCurve?: number;
  /** Largest step along a curve as a fraction of the box's larger side (default 1/60). */
  dsMaxFraction?: number;
}

export interface TwoParameterDiagram {
  parameters: [string, string];
  curves: BifurcationCurve[];
  /** The codimension-two points of all curves, deduplicated (a BT point lies on a fold and a Hopf curve). */
  special: (CodimTwoBifurcation & { curves: number[] })[];
  /** The one-parameter points that seeded the curves. */
  seeds: { type: BifurcationPoint['type']; a: number; b: number; curve: number }[];
}

/** Distance from (a, b) to a polyline, in the plane scaled by the box. */
function distanceToCurve(c: BifurcationCurve, a: number, b: number, sa: number, sb: number): number {
  let best = Infinity;
  const pts = c.points;
  for (let i = 0; i + 1 < pts.length; i++) {
    const ax = pts[i]!.a / sa;
    const ay = pts[i]!.b / sb;
    const bx = pts[i + 1]!.a / sa;
    const by = pts[i + 1]!.b / sb;
    const px = a / sa;
    const py = b / sb;
    const dx = bx - ax;
    const dy = by - ay;
    const len = dx * dx + dy * dy;
    const t = len > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
  }
  return best;
}

export function twoParameterDiagram(sys: DynamicalSystem, p0: Float64Array, opts: TwoParameterOptions): TwoParameterDiagram {
  const [ka, kb] = opts.parameters;
  const [[aMin, aMax], [bMin, bMax]] = opts.box;
  const sa = aMax - aMin;
  const sb = bMax - bMin;
  const lines = opts.scanLines ?? 9;
  const curves: BifurcationCurve[] = [];
  const seeds: TwoParameterDiagram['seeds'] = [];
  const dsMax = Math.max(sa, sb) * (opts.dsMaxFraction ?? 1 / 60);
  const curveOpts = { box: opts.box, dsMax, ds: dsMax / 4, maxPoints: opts.maxPointsPerCurve ?? 3000 };
  /**
   * Fold and Hopf points on the segment where parameter `vary` runs over [lo, hi] and the other
   * is fixed at `fixed`: continuations from the equilibria at `stations` + 1 evenly spaced points
   * (branches of equilibria that reach neither end, isolas or branches folding back, are only met
   * inside), both ways from interior ones, deduplicated.
   */
  const scan = (vary: number, fixed: number, lo: number, hi: number, stations: number): BifurcationPoint[] => {
    const other = vary === ka ? kb : ka;
    const p = Float64Array.from(p0);
    p[other] = fixed;
    const found: BifurcationPoint[] = [];
    for (let j = 0; j <= stations; j++) {
      p[vary] = lo + ((hi - lo) * j) / stations;
      const directions: (1 | -1)[] = j === 0 ? [1] : j === stations ? [-1] : [1, -1];
      for (const x of opts.equilibriaAt(p)) {
        for (const direction of directions) {
          let br;
          try {
            br = continueEquilibria(sys, p, x, { parameter: vary, range: [lo, hi], direction, dsMax: (hi - lo) / 100, ds: (hi - lo) / 400, maxPoints: 20000 });
          } catch {
            continue;
          }
          for (const bp of br.bifurcations) {
            if (!bp.located || (bp.type !== 'fold' && bp.type !== 'hopf')) continue;
            if (found.some((f) => f.type === bp.type && Math.abs(f.parameter - bp.parameter) < 1e-7 * (1 + Math.abs(bp.parameter)))) continue;
            found.push(bp);
          }
        }
      }
    }
    return found;
  };
  /** Trace the curve through each point not yet on a curve of its kind. */
  const follow = (found: BifurcationPoint[]): void => {
    for (const bp of found) {
      const kind = bp.type === 'fold' ? 'fold' : 'hopf';
      const on = curves.findIndex((c) => c.kind === kind && distanceToCurve(c, bp.p[ka]!, bp.p[kb]!, sa, sb) < 1e-4);
      if (on >= 0) {
        seeds.push({ type: bp.type, a: bp.p[ka]!, b: bp.p[kb]!, curve: on });
        continue;
      }
      const c =
        bp.type === 'fold'
          ? foldCurve(sys, bp.p, ka, kb, bp.x, bp.v!, curveOpts)
          : hopfCurve(sys, bp.p, ka, kb, bp.x, bp.q!.re, bp.q!.im, bp.omega!, curveOpts);
      curves.push(c);
      seeds.push({ type: bp.type, a: bp.p[ka]!, b: bp.p[kb]!, curve: curves.length - 1 });
    }
  };
  for (let l = 0; l < lines; l++) follow(scan(ka, bMin + (sb * (l + 0.5)) / lines, aMin, aMax, opts.seedsPerLine ?? 8));
  // a Hopf curve ends at every Bogdanov-Takens point, tangent to the fold curve there: short scans
  // across the fold curve at distance delta on both sides of each BT point meet the Hopf curves
  // that crossed no scan line
  const delta = 2e-3 * Math.max(sa, sb);
  const visited: { a: number; b: number }[] = [];
  for (let round = 0; round < 3; round++) {
    const bts = curves.flatMap((c) => c.special.filter((x) => x.type === 'bogdanov-takens'));
    const fresh = bts.filter((bt) => !visited.some((v) => Math.hypot((v.a - bt.a) / sa, (v.b - bt.b) / sb) < 1e-6));
    if (fresh.length === 0) break;
    for (const bt of fresh) {
      visited.push(bt);
      const onHopf = curves.some((c) => c.kind === 'hopf' && distanceToCurve(c, bt.a, bt.b, sa, sb) < 1e-4);
      if (onHopf) continue;
      for (const sg of [-1, 1]) {
        follow(scan(ka, bt.b + sg * delta, bt.a - 10 * delta, bt.a + 10 * delta, 2));
        follow(scan(kb, bt.a + sg * delta, bt.b - 10 * delta, bt.b + 10 * delta, 2));
      }
    }
  }
  // codimension-two points, merged across curves (within 1e-6 of the box size)
  const special: TwoParameterDiagram['special'] = [];
  curves.forEach((c, i) => {
    for (const s of c.special) {
      const same = special.find((t) => t.type === s.type && Math.hypot((t.a - s.a) / sa, (t.b - s.b) / sb) < 1e-6);
      if (same) {
        if (!same.curves.includes(i)) same.curves.push(i);
      } else special.push({ ...s, curves: [i] });
    }
  });
  return { parameters: [sys.parameterNames[ka]!, sys.parameterNames[kb]!], curves, special, seeds };
}
