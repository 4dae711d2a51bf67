/**
 * Study `equilibrium-continuation`: the one-parameter bifurcation diagram of a network under the
 * flow contract (the one-neuron Doya network as a flow or a map, an N-neuron CTRNN of Beer 1995, or
 * a discrete network h -> f(g W h + b)): every branch of equilibria (fixed points) through the
 * equilibria at the window's ends, followed by pseudo-arclength continuation
 * (src/dynamics/continuation) with its stability, and the folds, branch points, Hopf, flip and
 * Neimark-Sacker points on it located by Newton on their augmented systems. Branch points are
 * switched onto their second branch. Next to each point the square-root law it predicts is measured:
 * the steady-state sensitivity ||dx* / dp|| near a fold, the limit cycle past a supercritical Hopf
 * point (by simulation, against the first Lyapunov coefficient's amplitude), the period-2 orbit past a
 * flip and the invariant circle past a Neimark-Sacker point (by iterating the map).
 *
 * Summary (paths for scenario checks):
 * - `parameter`, `range`, `branches`: [{points, end, start: {parameter, state}, stablePoints}].
 * - `bifurcations`: [{type, parameter, state, located, residual, testFunctionEstimate,
 *   unstableBefore, unstableAfter, eigenvalues, omega?, firstLyapunovCoefficient?, criticality?,
 *   realPartDerivative?, fold?: {a, beta, sensitivityCoefficient}}], sorted by parameter; `counts`
 *   by type.
 * - `foldLaws`: [{parameter, exponent, prefactor, predicted, prefactorOverPredicted}] (exponent
 *   -1/2 in theory).
 * - `cycleLaws`: [{type, parameter, distances, amplitude, predicted, exponent, amplitudeOverPredicted,
 *   period, predictedPeriod}] (exponent 1/2 in theory; predicted only for Hopf points).
 * - `closedForm` (one-neuron flow or map in b): the fold b and x of src/dynamics/folds.ts and
 *   `maxFoldError`, the largest |located - closed form|.
 * Nothing is random here: the seed is unused.
 */
import { z } from 'zod';
import { simulateAttractor } from '../dynamics/attractors.ts';
import { branchesFrom } from '../dynamics/continuation/branch-switching.ts';
import { continueEquilibria, type BifurcationPoint, type EquilibriumBranch } from '../dynamics/continuation/equilibrium-branch.ts';
import { foldPoints } from '../dynamics/folds.ts';
import { cycleAmplitudeLaw, foldSensitivityLaw, type CycleAmplitudeLaw, type FoldSensitivityLaw } from '../dynamics/scaling-laws.ts';
import { growthRate } from '../dynamics/stability.ts';
import { lineChart, PALETTE, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, flag, list, measured, text } from '../scenario/summary-schema.ts';
import { mathName, POINT_STYLE, STABLE_COLOR, UNSTABLE_COLOR } from './dynamics-charts.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';
import { buildSystem, parameterNamesOf, SystemSpec } from './system-spec.ts';

const params = z
  .object({
    system: SystemSpec.default({ model: 'one-neuron', w: 5, b: -3 }).describe('The network (model and its parameters).'),
    parameter: z.string().default('b').describe('The continuation parameter, by name (e.g. b, theta1, g).'),
    range: z.tuple([z.number(), z.number()]).default([-3, -2]).describe('The parameter window [min, max]; branches start from every equilibrium at its ends.'),
    plotState: z.number().int().min(0).default(0).describe('Which state coordinate the diagram shows (0-based).'),
    maxPoints: z.number().int().min(10).max(100000).default(5000).describe('Largest number of points per branch.'),
    dsMax: z.number().positive().max(1).default(0.02).describe('Largest continuation step, as a fraction of the window.'),
    laws: z
      .object({
        foldDistances: z.array(z.number().positive()).min(2).default([1e-8, 1e-7, 1e-6, 1e-5, 1e-4]).describe('Distances from each fold at which ||dx*/dp|| is measured.'),
        cycleDistances: z.array(z.number().positive()).min(2).default([1e-3, 2e-3, 3e-3, 4e-3]).describe('Distances past each Hopf, flip or Neimark-Sacker point at which the oscillation is simulated.'),
        dt: z.number().positive().max(0.5).default(0.05).describe('RK4 step of the simulations (flows).'),
        transient: z.number().positive().default(3000).describe('Simulated time (flows) or iterations (maps) discarded before measuring.'),
        window: z.number().positive().default(300).describe('Simulated time (flows) or iterations (maps) measured.'),
      })
      .strict()
      .prefault({})
      .describe('The square-root laws measured next to each bifurcation.'),
    envelopePoints: z.number().int().min(0).max(400).default(40).describe('Parameter values, spread over the span of oscillatory unstable equilibria, at which the oscillating attractor is simulated for the diagram (0: none).'),
  })
  .strict()
  .refine((p) => p.range[0] < p.range[1], { message: 'range must be [min, max] with min < max', path: ['range'] })
  .superRefine((p, ctx) => {
    const names = parameterNamesOf(p.system);
    if (!names.includes(p.parameter)) ctx.addIssue({ code: 'custom', path: ['parameter'], message: `expected one of ${names.join(', ')} (the parameters of ${p.system.model}), found "${p.parameter}"` });
    const n = p.system.model === 'one-neuron' || p.system.model === 'one-neuron-map' ? 1 : p.system.W.length;
    if (p.plotState >= n) ctx.addIssue({ code: 'custom', path: ['plotState'], message: `expected a state index below ${n}` });
  });

export type EquilibriumContinuationParams = z.infer<typeof params>;

const CHART_IDS = ['bifurcation-diagram', 'leading-eigenvalue', 'fold-sensitivity', 'cycle-amplitude'] as const;

const fmt = (v: number, d = 6): string => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));

/** Whether a branch's start coincides with a point already on another branch (same parameter, same state). */
function covered(branches: EquilibriumBranch[], parameter: number, x: Float64Array): boolean {
  return branches.some((b) =>
    [b.points[0]!, b.points[b.points.length - 1]!].some((q) => Math.abs(q.parameter - parameter) < 1e-9 && q.x.every((v, i) => Math.abs(v - x[i]!) < 1e-6)),
  );
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const bifurcationCount = (type: string) => count(`number of ${type} points located on the branches`).optional();
const equilibriumContinuationSummary = fields({
  model: text('the system: one-neuron, one-neuron-map, ctrnn or recurrent-map'),
  parameter: text('the continuation parameter (b, theta1, I1, W11, gain, ...)'),
  range: list(exact('end of the window'), 'the parameter window [lo, hi]'),
  branches: list(
    fields({
      points: count('points computed along the branch'),
      end: text('why the branch stopped: parameter-range, max-points, step-size or diverged'),
      start: fields({ parameter: measured('parameter at the first point'), state: list(measured('state coordinate'), 'the equilibrium at the first point') }, 'the first point of the branch'),
      stablePoints: count('points of the branch where the equilibrium is stable'),
    }),
    'every branch of equilibria (fixed points) followed through the window, in the order they were traced',
  ),
  bifurcations: list(
    fields({
      type: text('fold, branch-point, hopf, flip or neimark-sacker'),
      parameter: measured('parameter of the point (located by Newton on the augmented system, else the test-function estimate)'),
      state: list(measured('state coordinate'), 'the equilibrium at the point'),
      located: flag('true when Newton on the augmented system converged next to the test-function estimate'),
      residual: measured('residual of the augmented system at the located point (null for branch points, which are not refined)'),
      testFunctionEstimate: measured('parameter where the test function changed sign, refined along the branch by the Illinois method'),
      unstableBefore: count('unstable directions of the equilibrium before the point'),
      unstableAfter: count('unstable directions after it'),
      eigenvalues: list(list(measured('real or imaginary part'), '[re, im]'), 'the Jacobian eigenvalues at the point, as [re, im] pairs'),
      omega: measured('frequency of the critical pair: Im lambda (Hopf) or its angle arg mu (Neimark-Sacker)').optional(),
      firstLyapunovCoefficient: measured('l1 of the Hopf normal form (Kuznetsov 2004, eq. 3.20): < 0 supercritical, > 0 subcritical').optional(),
      criticality: text('supercritical or subcritical (sign of l1)').optional(),
      realPartDerivative: measured('d Re lambda / dp of the critical pair at the Hopf point (transversality)').optional(),
      fold: fields(
        {
          a: measured('quadratic coefficient a of the fold normal form'),
          beta: measured('the parameter coefficient beta of the normal form'),
          sensitivityCoefficient: measured('c in ||dx*/dp|| ~ c d^(-1/2) near the fold'),
        },
        'the fold normal form dxi/dt = beta (p - p_f) + a xi^2',
      ).optional(),
    }),
    'every bifurcation point on the branches, sorted by parameter',
  ),
  counts: fields(
    {
      fold: bifurcationCount('fold'),
      'branch-point': bifurcationCount('branch'),
      hopf: bifurcationCount('Hopf'),
      flip: bifurcationCount('flip (period-doubling)'),
      'neimark-sacker': bifurcationCount('Neimark-Sacker'),
    },
    'bifurcation points by type (absent: none)',
  ),
  foldLaws: list(
    fields({
      parameter: measured('parameter of the fold'),
      exponent: measured('fitted exponent of ||dx*/dp|| against the distance d to the fold (theory -1/2)'),
      prefactor: measured('fitted prefactor, extrapolated to d -> 0'),
      predicted: measured('the normal form coefficient c'),
      prefactorOverPredicted: measured('prefactor / predicted (theory 1)'),
    }),
    'the steady-state sensitivity law next to each located fold',
  ),
  cycleLaws: list(
    fields({
      type: text('hopf, flip or neimark-sacker'),
      parameter: measured('parameter of the bifurcation point'),
      distances: list(exact('distance d past the point'), 'distances at which the attractor was simulated'),
      amplitude: list(measured('largest half-amplitude over the coordinates'), 'measured amplitude at each distance'),
      predicted: list(measured('K sqrt(d) from the Hopf normal form and l1 (null for flip and Neimark-Sacker)'), 'predicted amplitude at each distance'),
      exponent: measured('fitted exponent of the amplitude against d (theory 1/2)'),
      amplitudeOverPredicted: list(measured('amplitude / predicted (null where nothing is predicted)'), 'ratio at each distance'),
      period: list(measured('period (time for flows, iterations for maps)'), 'period of the oscillation at each distance'),
      predictedPeriod: measured('2 pi / omega (Hopf), 2 (flip) or 2 pi / arg mu (Neimark-Sacker)'),
    }),
    'the square-root law of the oscillation born past each supercritical Hopf, flip or Neimark-Sacker point',
  ),
  closedForm: fields(
    {
      folds: list(fields({ b: exact('fold bias, b = logit(x) - w x'), x: exact('fold state (1 +- sqrt(1 - 4/w))/2') }), "Doya's closed-form folds"),
      maxFoldError: measured('largest |b located - b closed form| + |x located - x closed form| over the folds in the window'),
    },
    'the one-neuron network in b only: the located folds against the closed form',
  ).optional(),
});
export type EquilibriumContinuationSummary = z.infer<typeof equilibriumContinuationSummary>;
export type EquilibriumContinuationParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const equilibriumContinuationStudy: Study<EquilibriumContinuationParams, EquilibriumContinuationSummary> = {
  kind: 'equilibrium-continuation',
  summary: 'One-parameter continuation of equilibria: stability, folds, branch points, Hopf, flip and Neimark-Sacker points, and their square-root laws.',
  params,
  chartIds: CHART_IDS,
  summarySchema: equilibriumContinuationSummary,
  run(p, ctx) {
    const built = buildSystem(p.system);
    const { system } = built;
    const k = system.parameterNames.indexOf(p.parameter);
    const [lo, hi] = p.range;
    const span = hi - lo;
    const flow = system.time === 'continuous';
    ctx.progress(0, 4, 'branches');

    // --- branches from every equilibrium at both ends of the window
    const branches: EquilibriumBranch[] = [];
    const opts = { parameter: k, range: p.range, dsMax: p.dsMax * span, ds: (p.dsMax * span) / 4, maxPoints: p.maxPoints };
    for (const [end, direction] of [
      [lo, 1],
      [hi, -1],
    ] as const) {
      const q = Float64Array.from(built.p);
      q[k] = end;
      for (const x of built.equilibriaAt(q)) {
        if (covered(branches, end, x)) continue;
        branches.push(continueEquilibria(system, q, x, { ...opts, direction }));
      }
    }
    // branch switching at branch points (each switched once)
    const switched: number[] = [];
    for (let i = 0; i < branches.length; i++) {
      for (const bp of branches[i]!.bifurcations.filter((b) => b.type === 'branch-point')) {
        if (switched.some((s) => Math.abs(s - bp.parameter) < 1e-7)) continue;
        switched.push(bp.parameter);
        branches.push(...branchesFrom(branches[i]!, bp, opts));
      }
    }
    // bifurcation points, deduplicated across branches
    const points: BifurcationPoint[] = [];
    const branchOf = new Map<BifurcationPoint, EquilibriumBranch>();
    for (const b of branches) {
      for (const bp of b.bifurcations) {
        if (points.some((q) => q.type === bp.type && Math.abs(q.parameter - bp.parameter) < 1e-7 && q.x.every((v, i) => Math.abs(v - bp.x[i]!) < 1e-5))) continue;
        points.push(bp);
        branchOf.set(bp, b);
      }
    }
    points.sort((a, b) => a.parameter - b.parameter);
    ctx.progress(1, 4, 'scaling laws');

    // --- square-root laws
    const foldLaws: (FoldSensitivityLaw & { parameter: number })[] = [];
    for (const f of points.filter((q) => q.type === 'fold' && q.located && q.fold)) {
      // the attracting half when there is one: the half whose points are stable
      const law = [1, -1].map((h) => foldSensitivityLaw(system, f, k, p.laws.foldDistances, h as 1 | -1)).sort((a, b) => b.distances.length - a.distances.length)[0]!;
      foldLaws.push({ ...law, parameter: f.parameter });
    }
    const sim = { dt: p.laws.dt, transient: p.laws.transient, window: p.laws.window };
    const cycleLaws: (CycleAmplitudeLaw & { type: string; parameter: number; predictedPeriod: number })[] = [];
    // only where one side is stable: past a bifurcation of an already unstable branch, simulation
    // would find whatever else attracts
    const born = points.filter(
      (x) => x.located && Math.min(x.unstableBefore, x.unstableAfter) === 0 && (x.type === 'flip' || x.type === 'neimark-sacker' || (x.type === 'hopf' && x.hopf?.criticality === 'supercritical')),
    );
    for (const q of born) {
      // the side where the fixed point has lost stability: where the cycle lives (supercritical)
      const side = q.hopf ? q.hopf.cycleSide : cycleSide(branchOf.get(q)!, q);
      const law = cycleAmplitudeLaw(system, q, k, p.laws.cycleDistances, side, sim);
      cycleLaws.push({ ...law, type: q.type, parameter: q.parameter, predictedPeriod: q.type === 'hopf' ? (2 * Math.PI) / q.omega! : q.type === 'flip' ? 2 : (2 * Math.PI) / q.omega! });
    }
    ctx.progress(2, 4, 'envelope');

    // --- the oscillating attractor across the window (where the equilibrium it surrounds is unstable)
    const envelope: { parameter: number; min: number; max: number }[] = [];
    // unstable points whose instability oscillates (a complex pair, or a multiplier below -1):
    // where a cycle born at a Hopf, flip or Neimark-Sacker point can live; sampled over their span
    const oscillatory = (q: EquilibriumBranch['points'][number]): boolean =>
      q.stability.stability !== 'stable' && q.eigenvalues.some((e) => growthRate(e, system.time) > 0 && (e.im !== 0 || (!flow && e.re < -1)));
    const candidates = branches.flatMap((b) => b.points.filter(oscillatory).map((q) => q.parameter));
    if (p.envelopePoints > 0 && candidates.length > 0 && points.some((q) => q.type === 'hopf' || q.type === 'flip' || q.type === 'neimark-sacker')) {
      const eLo = Math.min(...candidates);
      const eHi = Math.max(...candidates);
      for (let j = 0; j < p.envelopePoints; j++) {
        const par = eLo + ((eHi - eLo) * (j + 0.5)) / p.envelopePoints;
        for (const b of branches) {
          const near = nearestPoint(b, par);
          if (!near || !oscillatory(near)) continue;
          const q = Float64Array.from(built.p);
          q[k] = par;
          const a = simulateNear(system, q, near.x, sim);
          if (a) envelope.push({ parameter: par, min: a.min[p.plotState]!, max: a.max[p.plotState]! });
        }
      }
    }
    ctx.progress(3, 4, 'charts');

    // --- closed forms of the one-neuron network
    let closedForm: { folds: { b: number; x: number }[]; maxFoldError: number } | undefined;
    if ((p.system.model === 'one-neuron' || p.system.model === 'one-neuron-map') && p.parameter === 'b') {
      const cf = foldPoints(p.system.w).filter((f) => f.b > lo && f.b < hi);
      let err = 0;
      for (const f of cf) {
        const m = points.filter((q) => q.type === 'fold').reduce((best, q) => Math.min(best, Math.abs(q.parameter - f.b) + Math.abs(q.x[0]! - f.x)), Infinity);
        err = Math.max(err, m);
      }
      closedForm = { folds: cf.map((f) => ({ b: f.b, x: f.x })), maxFoldError: cf.length > 0 ? err : 0 };
    }

    // --- charts
    const charts: ChartSpec[] = [];
    const stateName = mathName(built.stateNames[p.plotState]!);
    const par = mathName(p.parameter);
    const diagram: Series[] = [];
    let shownStable = false;
    let shownUnstable = false;
    for (const b of branches) {
      for (const seg of stabilitySegments(b)) {
        const stable = seg.stable;
        diagram.push({
          label: stable ? 'stable (attractor)' : 'unstable',
          x: seg.points.map((q) => q.parameter),
          y: seg.points.map((q) => q.x[p.plotState]!),
          color: stable ? STABLE_COLOR : UNSTABLE_COLOR,
          dashed: !stable,
          lineWidth: 3,
          hideInLegend: stable ? shownStable : shownUnstable,
        });
        if (stable) shownStable = true;
        else shownUnstable = true;
      }
    }
    if (envelope.length > 0) {
      diagram.push({
        label: flow ? 'limit cycle: min and max (simulated)' : 'oscillation: min and max (iterated)',
        x: [...envelope.map((e) => e.parameter), ...envelope.map((e) => e.parameter)],
        y: [...envelope.map((e) => e.min), ...envelope.map((e) => e.max)],
        pointsOnly: true,
        pointStyle: 'circle',
        pointRadius: 4,
        color: '#009E73',
      });
    }
    for (const type of Object.keys(POINT_STYLE)) {
      const pts = points.filter((q) => q.type === type);
      if (pts.length === 0) continue;
      const st = POINT_STYLE[type]!;
      diagram.push({ label: st.label, x: pts.map((q) => q.parameter), y: pts.map((q) => q.x[p.plotState]!), pointsOnly: true, pointStyle: st.pointStyle, pointRadius: st.radius, color: st.color });
    }
    const names = points.map((q) => `${POINT_STYLE[q.type]!.label} at ${mathName(p.parameter)} = ${fmt(q.parameter)}`).join('; ');
    charts.push(
      lineChart({
        id: 'bifurcation-diagram',
        title: `Equilibria of ${modelName(p.system)} against ${par}`,
        caption: `Every branch of ${flow ? 'equilibria' : 'fixed points'} through the equilibria at ${par} = ${lo} and ${hi}, followed by pseudo-arclength continuation: state ${stateName} against ${par}; solid where it attracts, dashed where it does not. Marked: ${names || 'no bifurcation in the window'}.${envelope.length > 0 ? ' Green dots: the range of the oscillating attractor found by simulation where the equilibrium is unstable.' : ''}`,
        x: { title: par, min: lo, max: hi },
        y: { title: `state ${stateName}` },
        series: diagram,
      }),
    );
    const lead: Series[] = branches.map((b, i) => ({
      label: `branch ${i + 1}`,
      x: b.points.map((q) => q.parameter),
      y: b.points.map((q) => Math.max(...q.eigenvalues.map((e) => growthRate(e, system.time)))),
      lineWidth: 2.5,
    }));
    charts.push(
      lineChart({
        id: 'leading-eigenvalue',
        title: `Leading ${flow ? 'eigenvalue Re λ' : 'multiplier ln |μ|'} along each branch`,
        caption: `The largest growth rate of a small perturbation, ${flow ? 'max Re λ' : 'max ln |μ|'} of the Jacobian, along each branch: the equilibrium attracts where it is below 0. It crosses 0 at every fold, branch point, Hopf, flip or Neimark-Sacker point.`,
        x: { title: par, min: lo, max: hi },
        y: { title: flow ? 'max Re λ' : 'max ln |μ|' },
        series: [...lead, { label: 'stability boundary', x: [lo, hi], y: [0, 0], reference: true }],
      }),
    );
    if (foldLaws.length > 0) {
      const s: Series[] = [];
      foldLaws.forEach((f, i) => {
        const color = PALETTE[i % PALETTE.length]!;
        s.push({ label: `fold at ${par} = ${fmt(f.parameter, 5)}: measured`, x: f.distances, y: f.sensitivity, pointsOnly: true, pointRadius: 7, color });
        s.push({ label: `fold at ${par} = ${fmt(f.parameter, 5)}: normal form ${fmt(f.predictedCoefficient, 3)}/√d`, x: f.distances, y: f.distances.map((d) => f.predictedCoefficient / Math.sqrt(d)), dashed: true, color });
      });
      charts.push(
        lineChart({
          id: 'fold-sensitivity',
          title: 'The steady state’s sensitivity ‖dx*/dp‖ diverges like 1/√distance at a fold',
          caption: `‖dx*/d${par}‖ = ‖G_x⁻¹ G_p‖ at equilibria solved by Newton at distance d from each fold (dots), against the normal form ½ √|β/a| / √d (dashed). The gradient of any loss on the steady state inherits this divergence.`,
          x: { title: `distance d = |${par} − ${par} at the fold|`, log: true },
          y: { title: `‖dx*/d${par}‖`, log: true },
          series: s,
        }),
      );
    }
    if (cycleLaws.length > 0) {
      // the square-root law as a straight line: amplitude^2 against the distance
      const s: Series[] = [];
      cycleLaws.forEach((c, i) => {
        const color = PALETTE[(i + 3) % PALETTE.length]!;
        const dmax = Math.max(...c.distances);
        const name = `${POINT_STYLE[c.type]!.label.split(' (')[0]} at ${par} = ${fmt(c.parameter, 5)}`;
        s.push({ label: `${name}: simulated`, x: c.distances, y: c.amplitude.map((a) => a * a), pointsOnly: true, pointRadius: 8, color });
        if (c.type === 'hopf') {
          const k2 = (c.predicted[0]! * c.predicted[0]!) / c.distances[0]!;
          s.push({ label: `${name}: normal form (first Lyapunov coefficient)`, x: [0, dmax], y: [0, k2 * dmax], dashed: true, color });
        } else {
          const k2 = (c.amplitude[0]! * c.amplitude[0]!) / c.distances[0]!;
          s.push({ label: `${name}: straight line through 0 and the first point`, x: [0, dmax], y: [0, k2 * dmax], dashed: true, color });
        }
      });
      charts.push(
        lineChart({
          id: 'cycle-amplitude',
          title: 'The new oscillation: amplitude² grows linearly with the distance',
          caption: 'Squared half-amplitude of the attractor past each supercritical Hopf, flip or Neimark-Sacker point, simulated from next to the unstable fixed point (dots): on a straight line through the origin, the square-root law. For Hopf points the dashed line is the normal form (2 |qᵢ|)² μ′ d / (ω |ℓ₁|) with the first Lyapunov coefficient ℓ₁.',
          x: { title: 'distance d past the bifurcation', min: 0 },
          y: { title: 'half-amplitude²', min: 0 },
          series: s,
        }),
      );
    }
    ctx.progress(4, 4, 'done');

    // --- theory table
    const theory: TheoryRow[] = [];
    if (closedForm) {
      closedForm.folds.forEach((f) => {
        const m = points.filter((q) => q.type === 'fold').sort((a, b) => Math.abs(a.parameter - f.b) - Math.abs(b.parameter - f.b))[0];
        theory.push({
          quantity: `fold at b (x = ${fmt(f.x, 5)})`,
          theory: fmt(f.b, 10),
          measured: m ? fmt(m.parameter, 10) : 'not found',
          source: 'Doya 1992: b = logit(x) - w x at x = (1 +- sqrt(1 - 4/w))/2; measured by the general continuation code (Newton on the fold system)',
          agrees: m !== undefined && Math.abs(m.parameter - f.b) < 1e-8,
          tolerance: '|Δb| < 10⁻⁸',
        });
      });
    }
    for (const q of points) {
      const st = POINT_STYLE[q.type]!.label;
      theory.push({
        quantity: `${st} at ${p.parameter} = ${fmt(q.parameter, 8)}: test function against Newton`,
        theory: fmt(q.parameter, 10),
        measured: fmt(q.testFunctionEstimate, 10),
        source: q.type === 'branch-point' ? 'bisection on det G_x only' : 'regula falsi on the test function along the branch, against Newton on the augmented system',
        agrees: Math.abs(q.testFunctionEstimate - q.parameter) < 1e-8,
        tolerance: 'difference < 10⁻⁸',
      });
    }
    for (const f of foldLaws) {
      theory.push({
        quantity: `‖dx*/dp‖ near the fold at ${fmt(f.parameter, 6)}: exponent and prefactor`,
        theory: `−0.5, ${fmt(f.predictedCoefficient, 4)}`,
        measured: `${fmt(f.fit.exponent, 4)}, ${fmt(f.fit.prefactor, 4)}`,
        source: 'normal form dxi/dt = beta (p - p_f) + a xi^2 (Kuznetsov 2004, sec. 3.2)',
        agrees: Math.abs(f.fit.exponent + 0.5) < 0.01 && Math.abs(f.fit.prefactor / f.predictedCoefficient - 1) < 0.01,
        tolerance: 'exponent ± 0.01, prefactor within 1 %',
      });
    }
    for (const c of cycleLaws) {
      const near = c.amplitude[0]! / c.predicted[0]!;
      theory.push({
        quantity: `oscillation past the ${POINT_STYLE[c.type]!.label} at ${fmt(c.parameter, 6)}: amplitude exponent${c.type === 'hopf' ? ', amplitude / normal form at the nearest distance' : ''}`,
        theory: c.type === 'hopf' ? '0.5, 1' : 0.5,
        measured: c.type === 'hopf' ? `${fmt(c.fit.exponent, 4)}, ${fmt(near, 4)}` : fmt(c.fit.exponent, 4),
        source: c.type === 'hopf' ? 'first Lyapunov coefficient (Kuznetsov 2004, eq. 3.20), simulated with RK4' : 'normal forms of the flip and Neimark-Sacker bifurcations (Kuznetsov 2004, ch. 4), iterated',
        agrees: c.distances.length === p.laws.cycleDistances.length && Math.abs(c.fit.exponent - 0.5) < 0.05 && (c.type !== 'hopf' || Math.abs(near - 1) < 0.05),
        tolerance: c.type === 'hopf' ? 'exponent ± 0.05, amplitude within 5 % (the next order is O(d))' : 'exponent ± 0.05',
      });
    }

    const counts: Record<string, number> = {};
    for (const q of points) counts[q.type] = (counts[q.type] ?? 0) + 1;
    const discussion = [
      `**What was computed.** Starting from every ${flow ? 'equilibrium' : 'fixed point'} at ${p.parameter} = ${lo} and ${hi}, each branch was followed by pseudo-arclength continuation (Keller 1977), which passes folds by parametrising the branch by its arclength instead of by ${p.parameter}. At every point the eigenvalues of the Jacobian decide the stability (${flow ? 'Re lambda < 0' : '|mu| < 1'}); sign changes of test functions between consecutive points reveal bifurcations, each then located by Newton on its augmented system (Kuznetsov 2004, ch. 10). ${branches.length} branch(es), ${points.length} bifurcation point(s): ${Object.entries(counts).map(([t, c]) => `${c} ${POINT_STYLE[t]!.label}`).join(', ') || 'none'}.`,
      foldLaws.length > 0
        ? `**Folds.** At a fold an attractor collides with a saddle and both disappear. Just before, the steady state becomes infinitely sensitive to the parameter: ||dx*/dp|| grows like d^(-1/2) with the distance d to the fold (measured exponent${foldLaws.length > 1 ? 's' : ''} ${foldLaws.map((f) => fmt(f.fit.exponent, 4)).join(', ')}). Any loss on the steady state inherits this: its gradient explodes at the fold, and one learning step past it sends the state to another attractor (Doya 1992; see the learning-through-bifurcation study).`
        : '',
      cycleLaws.length > 0
        ? `**Oscillations.** ${cycleLaws.map((c) => `Past the ${POINT_STYLE[c.type]!.label} at ${fmt(c.parameter, 6)} the simulated oscillation's amplitude grows with exponent ${fmt(c.fit.exponent, 4)}${c.type === 'hopf' ? ` and is ${fmt(c.amplitude[0]! / c.predicted[0]!, 4)} times the normal form's at d = ${c.distances[0]}` : ''}`).join('; ')}: the square-root law of a supercritical bifurcation.`
        : '',
      closedForm
        ? `**The one-neuron network as a special case.** The general code (continuation, test functions, Newton on the fold's extended system) finds the folds of dx/dt = -x + sigmoid(${p.system.model === 'one-neuron' || p.system.model === 'one-neuron-map' ? p.system.w : ''} x + b) within ${closedForm.maxFoldError.toExponential(1)} of Doya's closed form b = logit(x) - w x at x = (1 +- sqrt(1 - 4/w))/2.`
        : '',
    ]
      .filter((s) => s)
      .join('\n\n');

    const summary = {
      model: p.system.model,
      parameter: p.parameter,
      range: p.range,
      branches: branches.map((b) => ({
        points: b.points.length,
        end: b.end,
        start: { parameter: b.points[0]!.parameter, state: b.points[0]!.x },
        stablePoints: b.points.filter((q) => q.stability.stability === 'stable').length,
      })),
      bifurcations: points.map((q) => ({
        type: q.type,
        parameter: q.parameter,
        state: q.x,
        located: q.located,
        // a branch point is not refined: it has no augmented-system residual (null, not a fault)
        residual: q.type === 'branch-point' ? null : q.residual,
        testFunctionEstimate: q.testFunctionEstimate,
        unstableBefore: q.unstableBefore,
        unstableAfter: q.unstableAfter,
        eigenvalues: q.eigenvalues.map((e) => [e.re, e.im]),
        ...(q.omega !== undefined ? { omega: q.omega } : {}),
        ...(q.hopf ? { firstLyapunovCoefficient: q.hopf.firstLyapunovCoefficient, criticality: q.hopf.criticality, realPartDerivative: q.hopf.realPartDerivative } : {}),
        ...(q.fold ? { fold: { a: q.fold.a, beta: q.fold.beta, sensitivityCoefficient: q.fold.sensitivityCoefficient } } : {}),
      })),
      counts,
      foldLaws: foldLaws.map((f) => ({
        parameter: f.parameter,
        exponent: f.fit.exponent,
        prefactor: f.fit.prefactor,
        predicted: f.predictedCoefficient,
        prefactorOverPredicted: f.fit.prefactor / f.predictedCoefficient,
      })),
      cycleLaws: cycleLaws.map((c) => ({
        type: c.type,
        parameter: c.parameter,
        distances: c.distances,
        amplitude: c.amplitude,
        // only the Hopf normal form predicts an amplitude: null past a flip or Neimark-Sacker point
        predicted: c.type === 'hopf' ? c.predicted : c.predicted.map(() => null),
        exponent: c.fit.exponent,
        amplitudeOverPredicted: c.amplitude.map((a, i) => (c.type === 'hopf' ? a / c.predicted[i]! : null)),
        period: c.period,
        predictedPeriod: c.predictedPeriod,
      })),
      ...(closedForm ? { closedForm } : {}),
    };
    return {
      summary,
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      tables: {
        branches: {
          header: ['branch', p.parameter, ...built.stateNames, 'stability', 'unstable directions'],
          rows: branches.flatMap((b, i) => b.points.map((q) => [i + 1, q.parameter, ...Array.from(q.x), q.stability.stability, q.stability.unstableDimension])),
        },
      },
    };
  },
};

function modelName(s: EquilibriumContinuationParams['system']): string {
  switch (s.model) {
    case 'one-neuron':
      return `dx/dt = −x + σ(${s.w} x + b)`;
    case 'one-neuron-map':
      return `x → σ(${s.w} x + b)`;
    case 'ctrnn':
      return `a ${s.W.length}-neuron CTRNN`;
    default:
      return `h → ${s.activation === 'sigmoid' ? 'σ' : 'tanh'}(g W h + b), ${s.W.length} units`;
  }
}

/** Runs of constant stability along a branch, each closed on the bifurcation point that ends it. */
function stabilitySegments(b: EquilibriumBranch): { stable: boolean; points: { parameter: number; x: Float64Array }[] }[] {
  const out: { stable: boolean; points: { parameter: number; x: Float64Array }[] }[] = [];
  b.points.forEach((q, i) => {
    const stable = q.stability.stability === 'stable';
    const last = out[out.length - 1];
    if (!last || last.stable !== stable) {
      const joint = i > 0 ? (b.bifurcations.find((x) => x.index === i) ?? b.points[i - 1]!) : undefined;
      if (last && joint) last.points.push({ parameter: joint.parameter, x: joint.x });
      out.push({ stable, points: joint ? [{ parameter: joint.parameter, x: joint.x }, q] : [q] });
    } else last.points.push(q);
  });
  return out;
}

function nearestPoint(b: EquilibriumBranch, par: number): EquilibriumBranch['points'][number] | undefined {
  let best: EquilibriumBranch['points'][number] | undefined;
  for (let i = 0; i + 1 < b.points.length; i++) {
    const a = b.points[i]!;
    const c = b.points[i + 1]!;
    if ((a.parameter - par) * (c.parameter - par) <= 0) {
      const pick = Math.abs(a.parameter - par) < Math.abs(c.parameter - par) ? a : c;
      if (!best || pick.stability.unstableDimension < best.stability.unstableDimension) best = pick;
    }
  }
  return best;
}

function simulateNear(system: ReturnType<typeof buildSystem>['system'], q: Float64Array, x: Float64Array, sim: { dt: number; transient: number; window: number }) {
  const x0 = Float64Array.from(x, (v, i) => v + (i === 0 ? 1e-3 : 0));
  const a = simulateAttractorSafe(system, q, x0, sim);
  return a && a.kind === 'oscillation' ? a : null;
}

function simulateAttractorSafe(system: ReturnType<typeof buildSystem>['system'], q: Float64Array, x0: Float64Array, sim: { dt: number; transient: number; window: number }) {
  const a = simulateAttractor(system, q, x0, sim);
  return a.max.every((v) => Number.isFinite(v)) ? a : null;
}

/** For a flip or Neimark-Sacker point: the side of the parameter where its branch is unstable. */
function cycleSide(b: EquilibriumBranch, q: BifurcationPoint): number {
  const before = b.points[q.index - 1]!;
  const after = b.points[q.index]!;
  const unstableAfter = after.stability.unstableDimension > before.stability.unstableDimension;
  return Math.sign(after.parameter - before.parameter) * (unstableAfter ? 1 : -1);
}
