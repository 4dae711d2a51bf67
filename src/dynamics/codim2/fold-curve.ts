/**
 * Fold curves in two parameters (p_a, p_b): the extended fold system of src/dynamics/codim1/fold.ts
 * with both parameters free, traced by pseudo-arclength continuation, with the two codimension-two
 * points a fold curve can hold (Kuznetsov 2004, sec. 8.2 and 8.4):
 *
 *   cusp              the quadratic coefficient vanishes:  w . B(v, v) = 0
 *                     (two fold curves meet in a cusp; the one-neuron network's is (w, b) = (4, -2))
 *   bogdanov-takens   the kernel becomes a Jordan block:   w . v = 0
 *                     (a second eigenvalue reaches 0; a Hopf curve ends here)
 *
 * with v the right kernel vector (from the unknowns) and w the left one (bordered solve, kept
 * continuous), both of unit length. For maps the same curve is the fold of fixed points (A v = v).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { RealEigenvalueSystem } from '../codim1/fold.ts';
import { dot } from '../dense.ts';
import { secondDerivative } from '../derivatives.ts';
import { leftKernelVector, realEigenvector, transpose } from '../eigenvectors.ts';
import { foldEigenvalue } from '../equilibrium-equation.ts';
import { locateBogdanovTakens } from './bogdanov-takens.ts';
import { locateCusp } from './cusp.ts';
import { traceCurve, type CurveTests, type TracedCurve } from './curve.ts';

export interface CurvePoint2 {
  /** The two parameters. */
  a: number;
  b: number;
  x: Float64Array;
}

export interface CodimTwoBifurcation extends CurvePoint2 {
  type: 'cusp' | 'bogdanov-takens' | 'bautin';
  /** The test function's value where its refinement along the curve stopped (close to 0). */
  testValue: number;
  /**
   * Bogdanov-Takens points of flows: Newton on the Jordan-chain system converged (the point is
   * its solution); cusps: Newton on the cusp system (cusp.ts) converged. Bautin points, and points
   * whose Newton did not converge nearby: false (refined by the test function alone, to 1e-12 in
   * arclength).
   */
  located: boolean;
}

export interface BifurcationCurve {
  kind: 'fold' | 'hopf';
  parameters: [string, string];
  points: CurvePoint2[];
  /** Per point: the Hopf frequency (Hopf curves) or the cusp coefficient w . B(v, v) (fold curves). */
  values: number[];
  special: CodimTwoBifurcation[];
  ends: [string, string];
}

export interface CurveOptions {
  /** The box of the (p_a, p_b) plane to stay in. */
  box: readonly [readonly [number, number], readonly [number, number]];
  ds?: number;
  dsMax?: number;
  maxPoints?: number;
}

/**
 * The fold curve through the fold point (x, v) at parameters p, in parameters ka (the one the fold
 * was found in) and kb.
 */
export function foldCurve(sys: DynamicalSystem, p: Float64Array, ka: number, kb: number, x: Float64Array, v: Float64Array, opts: CurveOptions): BifurcationCurve {
  const n = sys.dimension;
  const sigma = foldEigenvalue(sys);
  const nv = dot(v, v);
  const ext = new RealEigenvalueSystem(sys, p, [ka, kb], sigma, v.map((e) => e / nv));
  const z0 = ext.pack(x, v, p);
  const A = new Float64Array(n * n);
  const B = new Float64Array(n);
  const tests: CurveTests<Float64Array> = {
    names: ['cusp', 'bogdanov-takens'],
    evaluate(z, wPrev) {
      const u = ext.unpack(z);
      sys.jacobian(u.x, u.p, A);
      for (let i = 0; i < n; i++) A[i * n + i]! -= sigma;
      const vv = Float64Array.from(u.v);
      const nvv = Math.hypot(...vv);
      for (let i = 0; i < n; i++) vv[i]! /= nvv;
      const w = (wPrev && leftKernelVector(n, A, vv, wPrev)) ?? realEigenvector(n, transpose(n, A), 0);
      if (wPrev && dot(w, wPrev) < 0) for (let i = 0; i < n; i++) w[i] = -w[i]!;
      secondDerivative(sys, u.x, u.p, vv, vv, B);
      return { values: [dot(w, B), n >= 2 ? dot(w, vv) : 1], state: w };
    },
  };
  const span = Math.max(opts.box[0][1] - opts.box[0][0], opts.box[1][1] - opts.box[1][0]);
  const traced = traceCurve(ext, z0, tests, {
    parameters: [2 * n, 2 * n + 1],
    box: opts.box,
    ds: opts.ds ?? span / 200,
    dsMin: 1e-9 * (1 + span),
    dsMax: opts.dsMax ?? span / 30,
    maxPoints: opts.maxPoints ?? 2000,
    invariant: [...Array.from({ length: n }, (_, i) => i), 2 * n, 2 * n + 1],
    rebase(z) {
      const v = z.subarray(n, 2 * n);
      const vv = dot(v, v);
      ext.c.set(v.map((e) => e / vv));
    },
  });
  return toCurve('fold', sys, [ka, kb], traced, (z) => ext.unpack(z), (s) => s.values[0]!);
}

/** Convert a traced curve of an augmented system into plane points. */
export function toCurve<S>(
  kind: 'fold' | 'hopf',
  sys: DynamicalSystem,
  ks: [number, number],
  traced: TracedCurve<S>,
  unpack: (z: Float64Array) => { x: Float64Array; p: Float64Array },
  value: (s: { values: number[]; z: Float64Array }) => number,
): BifurcationCurve {
  const [ka, kb] = ks;
  const pt = (z: Float64Array): CurvePoint2 => {
    const u = unpack(z);
    return { a: u.p[ka]!, b: u.p[kb]!, x: Float64Array.from(u.x) };
  };
  const special = traced.special.map((s): CodimTwoBifurcation => {
    const type = s.name as CodimTwoBifurcation['type'];
    const at = pt(s.z);
    if (type === 'cusp') {
      const u = unpack(s.z) as { x: Float64Array; p: Float64Array; v?: Float64Array };
      if (u.v) {
        const r = locateCusp(sys, Float64Array.from(u.x), Float64Array.from(u.v), u.p, ka, kb);
        const near = Math.hypot(r.p[ka]! - at.a, r.p[kb]! - at.b) < 1e-3 * (1 + Math.hypot(at.a, at.b));
        if (r.converged && near) return { a: r.p[ka]!, b: r.p[kb]!, x: r.x, type, testValue: s.value, located: true };
      }
    }
    if (type === 'bogdanov-takens' && sys.time === 'continuous') {
      const r = locateBogdanovTakens(sys, at.x, unpack(s.z).p, ka, kb);
      const near = Math.hypot(r.p[ka]! - at.a, r.p[kb]! - at.b) < 1e-3 * (1 + Math.hypot(at.a, at.b));
      if (r.converged && near) return { a: r.p[ka]!, b: r.p[kb]!, x: r.x, type, testValue: s.value, located: true };
    }
    return { ...at, type, testValue: s.value, located: false };
  });
  return {
    kind,
    parameters: [sys.parameterNames[ka]!, sys.parameterNames[kb]!],
    points: traced.points.map((s) => pt(s.z)),
    values: traced.points.map((s) => value(s)),
    special,
    ends: traced.ends,
  };
}
