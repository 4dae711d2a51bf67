/**
 * Tracing a curve of codimension-one bifurcations in a plane of two parameters (a fold curve or a
 * Hopf curve): pseudo-arclength continuation of the point's augmented system with both parameters
 * free, in both directions from a starting point, inside a box of the plane, with test functions
 * whose sign changes mark the codimension-two points on the curve (Kuznetsov 2004, sec. 10.3;
 * Govaerts 2000, ch. 5). Each such point is bracketed and refined along the arclength by the
 * Illinois method on its test function, every trial point corrected onto the curve, to 1e-12 in
 * arclength.
 *
 * A test function may carry state from point to point (the sign of a left kernel vector, kept
 * continuous): `evaluate(z, state)` returns the values and the state for the next point.
 */
import { illinoisRoot } from '../continuation/illinois.ts';
import { PseudoArclength, type ArclengthOptions, type ContinuationProblem, type CurvePoint } from '../continuation/pseudo-arclength.ts';

export interface CurveTests<S> {
  /** Names of the codimension-two points the tests detect, one per test value. */
  readonly names: readonly string[];
  /** Test values at z (on the curve), given the previous point's state. */
  evaluate(z: Float64Array, state: S | undefined): { values: number[]; state: S };
  /** Names that end the curve where they are met (e.g. a Bogdanov-Takens point ends a Hopf curve). */
  readonly terminal?: readonly string[];
  /** Reject a located root (e.g. a pole of the test function rather than a zero). */
  accept?(name: string, valueAtRoot: number, valuesAtEnds: [number, number]): boolean;
}

export interface CurveSample<S> {
  z: Float64Array;
  values: number[];
  state: S;
}

export interface CodimTwoPoint {
  name: string;
  z: Float64Array;
  /** The test function's value at the returned point (close to 0). */
  value: number;
}

export interface TracedCurve<S> {
  /** Points in order along the curve (the backward half reversed, then the forward half). */
  points: CurveSample<S>[];
  special: CodimTwoPoint[];
  /** Why each direction stopped: [backward, forward]. */
  ends: [string, string];
}

export interface TraceOptions {
  /** Indices in z of the two parameters and their box. */
  parameters: readonly [number, number];
  box: readonly [readonly [number, number], readonly [number, number]];
  ds: number;
  dsMin: number;
  dsMax: number;
  maxPoints: number;
  /** Initial direction in z (default: the second parameter increasing). */
  direction?: Float64Array;
  weights?: Float64Array;
  /**
   * Indices of z that do not depend on the normalisation of the augmented system's vectors (the
   * state and the parameters): closed curves are recognised, and restarts oriented, on these.
   */
  invariant: readonly number[];
  /**
   * Re-normalise the augmented system at an accepted point (new bordering vectors, z rewritten in
   * place), after which the continuation restarts there: keeps the kernel vectors from drifting
   * towards a direction the old normalisation cannot see (BifurcationKit updates its bordering
   * vectors the same way).
   */
  rebase?: (z: Float64Array) => void;
}

/**
 * Trace the curve through z0 in both directions.
 *
 * @throws Error when z0 cannot be corrected onto the curve.
 */
export function traceCurve<S>(problem: ContinuationProblem, z0: Float64Array, tests: CurveTests<S>, opts: TraceOptions): TracedCurve<S> {
  const m = problem.equations;
  const [i1, i2] = opts.parameters;
  const dir = opts.direction ?? Float64Array.from({ length: m + 1 }, (_, i) => (i === i2 ? 1 : 0));
  const inBox = (z: Float64Array): boolean =>
    z[i1]! >= opts.box[0][0] && z[i1]! <= opts.box[0][1] && z[i2]! >= opts.box[1][0] && z[i2]! <= opts.box[1][1];
  const halves: { points: CurveSample<S>[]; special: CodimTwoPoint[]; end: string }[] = [];
  let first: CurveSample<S> | null = null;
  const palcOptions = (ds: number): ArclengthOptions => ({ ds, dsMin: opts.dsMin, dsMax: opts.dsMax, ...(opts.weights ? { weights: opts.weights } : {}) });
  for (const sign of [1, -1]) {
    let palc = new PseudoArclength(problem, z0, dir.map((v) => sign * v), palcOptions(opts.ds));
    let prevPt: CurvePoint = { z: Float64Array.from(palc.z), tangent: Float64Array.from(palc.tangent), iterations: 0 };
    if (!first) {
      const e = tests.evaluate(prevPt.z, undefined);
      first = { z: prevPt.z, values: e.values, state: e.state };
    }
    let prev: CurveSample<S> = first;
    const points: CurveSample<S>[] = [];
    const special: CodimTwoPoint[] = [];
    let end = 'max-points';
    let longest = 0;
    let travelled = 0;
    while (points.length < opts.maxPoints) {
      const sPrev = palc.s;
      const step = palc.step();
      if (!step) {
        end = 'step-size';
        break;
      }
      const ds = palc.s - sPrev;
      longest = Math.max(longest, ds);
      travelled += ds;
      const e = tests.evaluate(step.z, prev.state);
      const cur: CurveSample<S> = { z: Float64Array.from(step.z), values: e.values, state: e.state };
      let stop = false;
      for (let t = 0; t < tests.names.length; t++) {
        const fa = prev.values[t]!;
        const fb = cur.values[t]!;
        if (!(Number.isFinite(fa) && Number.isFinite(fb)) || fa === 0 || Math.sign(fa) === Math.sign(fb)) continue;
        const root = refine(palc, prevPt, prev, fa, fb, ds, t, tests);
        if (!root) continue;
        const name = tests.names[t]!;
        if (tests.accept && !tests.accept(name, root.value, [fa, fb])) continue;
        if (!inBox(root.z)) continue;
        special.push({ name, z: root.z, value: root.value });
        if (tests.terminal?.includes(name)) {
          // the curve ends here: close the polyline on the refined point
          const values = tests.evaluate(root.z, prev.state);
          points.push({ z: root.z, values: values.values, state: values.state });
          stop = true;
          end = name;
        }
      }
      if (stop) break;
      // a closed curve: back within one step of the start after travelling well away from it
      if (travelled > 4 * longest && distance(cur.z, first.z, opts.invariant) < distance(cur.z, prev.z, opts.invariant)) {
        points.push(cur, first);
        end = 'closed';
        break;
      }
      if (!inBox(cur.z)) {
        end = 'box';
        points.push(cur);
        break;
      }
      points.push(cur);
      prev = cur;
      prevPt = { z: cur.z, tangent: Float64Array.from(step.tangent), iterations: step.iterations };
      if (opts.rebase) {
        const z = Float64Array.from(cur.z);
        opts.rebase(z);
        const orient = new Float64Array(m + 1);
        for (const i of opts.invariant) orient[i] = step.tangent[i]!;
        palc = new PseudoArclength(problem, z, orient, palcOptions(palc.ds));
        prevPt = { z: Float64Array.from(palc.z), tangent: Float64Array.from(palc.tangent), iterations: 0 };
        cur.z = prevPt.z;
      }
    }
    halves.push({ points, special, end });
    if (end === 'closed') {
      halves.push({ points: [], special: [], end: 'closed' });
      break;
    }
  }
  const [fwd, bwd] = halves as [(typeof halves)[0], (typeof halves)[0]];
  return {
    points: [...bwd.points.reverse(), first!, ...fwd.points],
    special: [...bwd.special.reverse(), ...fwd.special],
    ends: [bwd.end, fwd.end],
  };
}

/** Illinois iteration on test t along the arclength from `a` (whose tangent is aPt.tangent). */
function refine<S>(
  palc: PseudoArclength,
  aPt: CurvePoint,
  a: CurveSample<S>,
  fa: number,
  fb: number,
  ds: number,
  t: number,
  tests: CurveTests<S>,
): { z: Float64Array; value: number } | null {
  return illinoisRoot(
    ds,
    fa,
    fb,
    (s) => {
      const pt = palc.pointFrom(aPt.z, aPt.tangent, s);
      if (!pt) return null;
      const value = tests.evaluate(pt.z, a.state).values[t]!;
      return { item: { z: Float64Array.from(pt.z), value }, value };
    },
    1e-12,
    80,
  );
}

function distance(a: Float64Array, b: Float64Array, indices: readonly number[]): number {
  let s = 0;
  for (const i of indices) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}
