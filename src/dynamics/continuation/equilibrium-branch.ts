/**
 * One-parameter continuation of equilibria (flows) and fixed points (maps) with stability and
 * bifurcation detection: the bifurcation diagram of AUTO-07p or BifurcationKit.jl's
 * `continuation(prob, PALC())`, for any system under the flow contract.
 *
 * The branch G(x, p_k) = 0 (src/dynamics/equilibrium-equation.ts) is followed by pseudo-arclength
 * continuation, so it passes folds and continues on the other side. At every point the eigenvalues
 * of A = D_x f give the stability (src/dynamics/stability.ts) and the test functions
 * (test-functions.ts). A sign change between consecutive points is an event:
 *
 *   fold            the tangent's parameter component changes sign (and a real eigenvalue crosses
 *                   0 for flows, a multiplier +1 for maps)
 *   branch point    a real eigenvalue crosses without a fold (transcritical or pitchfork)
 *   hopf            flows: a complex pair crosses the imaginary axis
 *   flip            maps: a multiplier crosses -1
 *   neimark-sacker  maps: a complex pair crosses the unit circle
 *
 * Each event is first bracketed by the Illinois variant of regula falsi on its test function
 * along the arclength (each trial point corrected onto the branch), then located by Newton on its
 * augmented system (src/dynamics/codim1): the reported point solves that system to ~1e-12, and the
 * test-function estimate is kept beside it. A sign change of the bialternate test whose crossing
 * pair turns out real is a neutral saddle (lambda_i + lambda_j = 0 with both real), not a
 * bifurcation, and is skipped. Branch points are located by the bisection alone (their augmented
 * system is singular by construction).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { parameterIndex } from '../../models/flow.ts';
import { foldNormalForm, hopfNormalForm, type FoldNormalForm, type HopfNormalForm } from '../codim1/normal-forms.ts';
import { locateComplexPair } from '../codim1/hopf.ts';
import { locateRealEigenvalue } from '../codim1/fold.ts';
import type { ComplexVector } from '../derivatives.ts';
import { complexEigenvector, realEigenvector } from '../eigenvectors.ts';
import { equilibriumJacobian, equilibriumResidual, foldEigenvalue } from '../equilibrium-equation.ts';
import { newton } from '../newton.ts';
import { classify, eigenvalues, type Eigenvalue, type Stability } from '../stability.ts';
import { illinoisRoot } from './illinois.ts';
import { PseudoArclength, type ContinuationProblem, type CurvePoint } from './pseudo-arclength.ts';
import { testFunctions, type TestFunctions } from './test-functions.ts';

export type BifurcationType = 'fold' | 'branch-point' | 'hopf' | 'flip' | 'neimark-sacker';

export interface BranchPoint {
  /** The continuation parameter's value. */
  parameter: number;
  x: Float64Array;
  eigenvalues: Eigenvalue[];
  stability: Stability;
  /** Arclength from the start (in the weighted norm of the unknowns (x, p)). */
  s: number;
}

export interface BifurcationPoint {
  type: BifurcationType;
  /** The continuation parameter at the point (from Newton on the augmented system when located). */
  parameter: number;
  x: Float64Array;
  /** The full parameter vector. */
  p: Float64Array;
  /** The point lies between branch points index - 1 and index. */
  index: number;
  /** Newton on the augmented system converged (always false for branch points: bisection only). */
  located: boolean;
  /** ||residual||_inf of the augmented system at the point (NaN for branch points). */
  residual: number;
  /** The parameter where the test function changes sign, by regula falsi along the branch. */
  testFunctionEstimate: number;
  eigenvalues: Eigenvalue[];
  /** Unstable dimension on the branch just before and just after the point. */
  unstableBefore: number;
  unstableAfter: number;
  /** Kernel vector (fold, flip, branch point). */
  v?: Float64Array;
  /** Hopf frequency, or Neimark-Sacker rotation angle (radians). */
  omega?: number;
  q?: ComplexVector;
  fold?: FoldNormalForm;
  hopf?: HopfNormalForm;
}

export interface EquilibriumBranch {
  system: DynamicalSystem;
  parameterIndex: number;
  parameterName: string;
  /** The parameter vector the branch started from (the continuation parameter varies). */
  base: Float64Array;
  points: BranchPoint[];
  bifurcations: BifurcationPoint[];
  /** Why the continuation stopped. */
  end: 'parameter-range' | 'max-points' | 'step-size' | 'diverged';
}

export interface BranchOptions {
  /** The continuation parameter, by name or index. */
  parameter: string | number;
  /** The parameter window [min, max]: the branch stops where it leaves it (the end point lies on it). */
  range: readonly [number, number];
  /** Initial direction in the parameter: +1 (default) increasing, -1 decreasing. */
  direction?: 1 | -1;
  /**
   * Initial direction in (x, p) (n + 1 entries), overriding `direction`: the start is corrected
   * onto the branch within the hyperplane orthogonal to it, and the branch followed along it
   * (branch switching: the kernel vector (v, 0) at a fold, the second tangent at a branch point).
   */
  initialDirection?: ArrayLike<number>;
  ds?: number;
  dsMin?: number;
  dsMax?: number;
  maxPoints?: number;
  /** Detect and locate bifurcations (default true). */
  detect?: boolean;
  /** Stop when some |x_i| exceeds this (default 1e6). */
  stateBound?: number;
  /** Adapt the step size (default true). */
  adapt?: boolean;
  /** Weight of the parameter in the arclength (default 1). */
  parameterWeight?: number;
}

/** G(x, p_k) = 0 as a continuation problem in z = (x, p_k). */
export class EquilibriumProblem implements ContinuationProblem {
  readonly equations: number;
  private readonly p: Float64Array;
  private readonly Gx: Float64Array;
  private readonly A: Float64Array;
  private readonly col: Float64Array;

  constructor(
    readonly system: DynamicalSystem,
    p: Float64Array,
    readonly k: number,
  ) {
    const n = system.dimension;
    this.equations = n;
    this.p = Float64Array.from(p);
    this.Gx = new Float64Array(n * n);
    this.A = new Float64Array(n * n);
    this.col = new Float64Array(n);
  }

  /** The full parameter vector at z (shared buffer: copy to keep). */
  parametersAt(z: Float64Array): Float64Array {
    this.p[this.k] = z[this.system.dimension]!;
    return this.p;
  }

  residual(z: Float64Array, out: Float64Array): void {
    const n = this.system.dimension;
    equilibriumResidual(this.system, z.subarray(0, n), this.parametersAt(z), out);
  }

  jacobian(z: Float64Array, out: Float64Array): void {
    const n = this.system.dimension;
    const x = z.subarray(0, n);
    const p = this.parametersAt(z);
    equilibriumJacobian(this.system, x, p, this.Gx, this.A);
    this.system.parameterDerivative(x, p, this.k, this.col);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) out[i * (n + 1) + j] = this.Gx[i * n + j]!;
      out[i * (n + 1) + n] = this.col[i]!;
    }
  }
}

interface Analysed {
  pt: CurvePoint;
  eigs: Eigenvalue[];
  tests: TestFunctions;
}

/**
 * Polish x0 at the parameters p and continue the equilibrium through it in parameter `opts.parameter`.
 *
 * @example
 * const br = continueEquilibria(oneNeuronField, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-3, -2] });
 * br.bifurcations.map((b) => [b.type, b.parameter]); // [['fold', -2.34439], ['fold', -2.65561]]
 * @throws Error when x0 does not converge to an equilibrium at p.
 */
export function continueEquilibria(system: DynamicalSystem, p0: Float64Array, x0: ArrayLike<number>, opts: BranchOptions): EquilibriumBranch {
  const n = system.dimension;
  const k = typeof opts.parameter === 'number' ? opts.parameter : parameterIndex(system, opts.parameter);
  const [pMin, pMax] = opts.range;
  if (!(pMax > pMin)) throw new Error(`continueEquilibria: range must have min < max, got [${pMin}, ${pMax}]`);
  const detect = opts.detect ?? true;
  const stateBound = opts.stateBound ?? 1e6;
  const maxPoints = opts.maxPoints ?? 2000;
  const problem = new EquilibriumProblem(system, p0, k);
  const weights = new Float64Array(n + 1).fill(1);
  weights[n] = opts.parameterWeight ?? 1;
  const direction = new Float64Array(n + 1);
  if (opts.initialDirection) direction.set(Array.from(opts.initialDirection));
  else direction[n] = opts.direction ?? 1;
  // polish the start at fixed parameters with damped Newton (the corrector's undamped steps need a
  // close start); a start that already solves G = 0 (a located fold, where G_x is singular) is kept
  const g0 = equilibriumResidual(system, Float64Array.from(x0), p0, new Float64Array(n));
  const onBranch = g0.every((v) => Math.abs(v) <= 1e-11);
  const start = onBranch ? { z: Float64Array.from(x0), converged: true } : newton(
    {
      size: n,
      residual: (x, o) => equilibriumResidual(system, x, p0, o),
      jacobian: (x, o) => equilibriumJacobian(system, x, p0, o),
    },
    x0,
    { maxIterations: 100 },
  );
  if (!start.converged) throw new Error(`continueEquilibria: no equilibrium near the starting state at ${system.parameterNames[k]} = ${p0[k]}`);
  const z0 = new Float64Array(n + 1);
  z0.set(start.z);
  z0[n] = p0[k]!;
  const span = pMax - pMin;
  let palc: PseudoArclength;
  try {
    palc = new PseudoArclength(problem, z0, direction, {
      ds: opts.ds ?? span / 200,
      dsMin: opts.dsMin ?? 1e-9 * (1 + span),
      dsMax: opts.dsMax ?? span / 20,
      weights,
      adapt: opts.adapt ?? true,
    });
  } catch {
    throw new Error(`continueEquilibria: no equilibrium near the starting state at ${system.parameterNames[k]} = ${p0[k]}`);
  }
  const A = new Float64Array(n * n);
  const analyse = (pt: CurvePoint): Analysed => {
    system.jacobian(pt.z.subarray(0, n), problem.parametersAt(pt.z), A);
    const eigs = eigenvalues(n, A);
    return { pt, eigs, tests: testFunctions(eigs, system.time) };
  };
  const toPoint = (a: Analysed, s: number): BranchPoint => ({
    parameter: a.pt.z[n]!,
    x: Float64Array.from(a.pt.z.subarray(0, n)),
    eigenvalues: a.eigs,
    stability: classify(a.eigs, system.time),
    s,
  });

  let prev = analyse({ z: Float64Array.from(palc.z), tangent: Float64Array.from(palc.tangent), iterations: 0 });
  const points: BranchPoint[] = [toPoint(prev, 0)];
  const bifurcations: BifurcationPoint[] = [];
  let end: EquilibriumBranch['end'] = 'max-points';
  while (points.length < maxPoints) {
    const sPrev = palc.s;
    const step = palc.step();
    if (!step) {
      end = 'step-size';
      break;
    }
    let cur = analyse({ z: Float64Array.from(step.z), tangent: Float64Array.from(step.tangent), iterations: step.iterations });
    const pc = cur.pt.z[n]!;
    const leaving = pc < pMin || pc > pMax;
    if (leaving) {
      // end exactly on the window's edge: Newton at the fixed bound from the interpolated state
      const bound = pc < pMin ? pMin : pMax;
      const pa = prev.pt.z[n]!;
      const f = (bound - pa) / (pc - pa);
      const zb = new Float64Array(n + 1);
      for (let i = 0; i <= n; i++) zb[i] = prev.pt.z[i]! + f * (cur.pt.z[i]! - prev.pt.z[i]!);
      zb[n] = bound;
      const pb = problem.parametersAt(zb).slice();
      const r = newton(
        {
          size: n,
          residual: (x, o) => equilibriumResidual(system, x, pb, o),
          jacobian: (x, o) => equilibriumJacobian(system, x, pb, o),
        },
        zb.subarray(0, n),
      );
      if (!r.converged) {
        end = 'parameter-range';
        break;
      }
      zb.set(r.z);
      const tangent = palc.tangentAt(zb, prev.pt.tangent) ?? prev.pt.tangent;
      cur = analyse({ z: zb, tangent, iterations: 0 });
    }
    if (detect) {
      for (const b of detectBetween(system, problem, palc, prev, cur, palc.s - sPrev, points.length)) {
        if (b.parameter >= pMin - 1e-12 * (1 + Math.abs(pMin)) && b.parameter <= pMax + 1e-12 * (1 + Math.abs(pMax))) bifurcations.push(b);
      }
    }
    points.push(toPoint(cur, leaving ? sPrev + arcDistance(prev.pt.z, cur.pt.z, weights) : palc.s));
    prev = cur;
    if (leaving) {
      end = 'parameter-range';
      break;
    }
    let big = 0;
    for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(cur.pt.z[i]!));
    if (!(big <= stateBound)) {
      end = 'diverged';
      break;
    }
  }
  return { system, parameterIndex: k, parameterName: system.parameterNames[k]!, base: Float64Array.from(p0), points, bifurcations, end };
}

function arcDistance(a: Float64Array, b: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += w[i]! * (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** The root in s in (0, ds) of a test function along the branch from `a` (illinois.ts), each trial point corrected onto the branch. */
function bracketRoot(palc: PseudoArclength, a: Analysed, fa: number, fb: number, ds: number, psi: (x: Analysed) => number, analyse: (pt: CurvePoint) => Analysed): Analysed {
  const found = illinoisRoot(
    ds,
    fa,
    fb,
    (s) => {
      const pt = palc.pointFrom(a.pt.z, a.pt.tangent, s);
      if (!pt) return null;
      const an = analyse(pt);
      return { item: an, value: psi(an) };
    },
    1e-13,
    60,
  );
  return found ?? a;
}

/** Events between two consecutive points, located. */
function detectBetween(
  system: DynamicalSystem,
  problem: EquilibriumProblem,
  palc: PseudoArclength,
  a: Analysed,
  b: Analysed,
  ds: number,
  index: number,
): BifurcationPoint[] {
  const n = system.dimension;
  const k = problem.k;
  const out: BifurcationPoint[] = [];
  const A = new Float64Array(n * n);
  const analyse = (pt: CurvePoint): Analysed => {
    system.jacobian(pt.z.subarray(0, n), problem.parametersAt(pt.z), A);
    const eigs = eigenvalues(n, A);
    return { pt, eigs, tests: testFunctions(eigs, system.time) };
  };
  const unstable = (x: Analysed): number => classify(x.eigs, system.time).unstableDimension;
  const changes = (fa: number, fb: number): boolean => Number.isFinite(fa) && Number.isFinite(fb) && fa !== 0 && Math.sign(fa) !== Math.sign(fb);
  const base = {
    index,
    unstableBefore: unstable(a),
    unstableAfter: unstable(b),
  };
  const tp = (x: Analysed): number => x.pt.tangent[n]!;
  /** The bracketed point of a test function's sign change: its state, parameters and parameter value. */
  const bracketed = (psi: (x: Analysed) => number): { g: Analysed; x: Float64Array; p: Float64Array; estimate: number } => {
    const g = bracketRoot(palc, a, psi(a), psi(b), ds, psi, analyse);
    return { g, x: g.pt.z.subarray(0, n), p: problem.parametersAt(g.pt.z).slice(), estimate: g.pt.z[n]! };
  };
  /** Newton on the real-eigenvalue system (sigma: 0 fold of a flow, 1 fold of a map, -1 flip) from a bracketed point. */
  const locateReal = (type: 'fold' | 'flip', sigma: number, at: ReturnType<typeof bracketed>): BifurcationPoint => {
    const { x, p, estimate } = at;
    const v0 = realEigenvector(n, system.jacobian(x, p, A), sigma);
    const r = locateRealEigenvalue(system, x, p, k, v0, sigma);
    const ok = r.converged && Math.abs(r.p[k]! - estimate) < 1e-4 * (1 + Math.abs(estimate));
    const xs = ok ? r.x : Float64Array.from(x);
    const ps = ok ? r.p : p;
    const v = ok ? r.v : v0;
    return {
      ...base,
      type,
      parameter: ps[k]!,
      x: xs,
      p: ps,
      located: ok,
      residual: r.residual,
      testFunctionEstimate: estimate,
      eigenvalues: eigenvalues(n, system.jacobian(xs, ps, A)),
      v,
      ...(type === 'fold' ? { fold: foldNormalForm(system, xs, ps, k, v) } : {}),
    };
  };
  const isFold = changes(tp(a), tp(b));
  if (isFold) {
    out.push(locateReal('fold', foldEigenvalue(system), bracketed(tp)));
  } else if (changes(a.tests.real, b.tests.real)) {
    const { g, x, p, estimate } = bracketed((q) => q.tests.real);
    out.push({
      ...base,
      type: 'branch-point',
      parameter: estimate,
      x: Float64Array.from(x),
      p,
      located: false,
      residual: NaN,
      testFunctionEstimate: estimate,
      eigenvalues: g.eigs,
      v: realEigenvector(n, equilibriumJacobian(system, x, p, new Float64Array(n * n)), 0),
    });
  }
  if (system.time === 'discrete' && changes(a.tests.flip, b.tests.flip)) out.push(locateReal('flip', -1, bracketed((q) => q.tests.flip)));
  if (n >= 2 && changes(a.tests.complex, b.tests.complex)) {
    const { g, x, p, estimate } = bracketed((q) => q.tests.complex);
    // the factor of the bialternate product that vanished: the pair (i, j) with the smallest
    // |lambda_i + lambda_j| (flows) or |mu_i mu_j - 1| (maps); a conjugate pair is a Hopf or
    // Neimark-Sacker point, a real pair a neutral saddle (no bifurcation: skipped)
    let pair: Eigenvalue | null = null;
    let dist = Infinity;
    const es = g.eigs;
    for (let i = 0; i < es.length; i++) {
      for (let j = i + 1; j < es.length; j++) {
        const a = es[i]!;
        const c = es[j]!;
        const d =
          system.time === 'continuous'
            ? Math.hypot(a.re + c.re, a.im + c.im)
            : Math.hypot(a.re * c.re - a.im * c.im - 1, a.re * c.im + a.im * c.re);
        if (d < dist) {
          dist = d;
          pair = a.im > 0 && c.im < 0 ? a : c.im > 0 && a.im < 0 ? c : null;
        }
      }
    }
    if (pair) {
      system.jacobian(x, p, A);
      const q = complexEigenvector(n, A, pair.re, pair.im);
      const omega0 = system.time === 'continuous' ? pair.im : Math.atan2(pair.im, pair.re);
      const r = locateComplexPair(system, x, p, k, q.re, q.im, omega0);
      const ok = r.converged && r.omega > 0 && Math.abs(r.p[k]! - estimate) < 1e-4 * (1 + Math.abs(estimate));
      const xs = ok ? r.x : Float64Array.from(x);
      const ps = ok ? r.p : p;
      const omega = ok ? r.omega : omega0;
      const qv: ComplexVector = ok ? { re: r.vRe, im: r.vIm } : q;
      const point: BifurcationPoint = {
        ...base,
        type: system.time === 'continuous' ? 'hopf' : 'neimark-sacker',
        parameter: ps[k]!,
        x: xs,
        p: ps,
        located: ok,
        residual: r.residual,
        testFunctionEstimate: estimate,
        eigenvalues: eigenvalues(n, system.jacobian(xs, ps, A)),
        omega,
        q: qv,
      };
      if (system.time === 'continuous') point.hopf = hopfNormalForm(system, xs, ps, k, omega, qv);
      out.push(point);
    }
  }
  return out;
}
