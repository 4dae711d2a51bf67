/**
 * Study `learning-through-bifurcation`: gradient descent on two parameters of a network (the
 * one-neuron Doya network or a 2-neuron CTRNN), drawn over the bifurcation diagram of those two
 * parameters (Doya 1992, "Bifurcations in the learning of recurrent neural networks"; Doya 1993).
 * Two targets:
 *
 *   equilibrium   the network's steady state should reach target values; the gradient comes from
 *                 the implicit function theorem at the attractor the state settles on
 *                 (src/dynamics/learning/fixed-point-learning.ts). Approaching a fold the steady
 *                 state's sensitivity, and with it the gradient, diverges like 1/sqrt(distance); the
 *                 step over the fold removes the attractor and the state and the loss jump.
 *   oscillation   the trajectory from a fixed initial state should follow a teacher's (the same
 *                 network at parameters inside an oscillating region); the gradient is the discrete
 *                 adjoint of the RK4 steps (src/dynamics/learning/trajectory-learning.ts), and the
 *                 path has to cross a Hopf curve.
 *
 * The path's crossings with the fold and Hopf curves are found geometrically; for a fold crossing
 * of an equilibrium target, the gradient at the last iterate before it is compared with the normal
 * form's prediction |(x - t) . v| |beta| / (2 sqrt(|a| |beta_u| s)) (s: distance to the fold along the
 * step's direction u, beta_u = beta . u), and ||dx* / ds|| along that direction is measured against
 * c / sqrt(d) down to d = 1e-7.
 *
 * Summary (paths for scenario checks):
 * - `target`, `learned`, `start`, `end`, `initialLoss`, `finalLoss`, `steps`, `stopped`.
 * - `crossings`: [{kind, step, a, b, distanceBefore, distanceAfter, gradientBefore, gradientPeak,
 *   peakStep, lossBefore, lossAfter, lossJump, stateJump, attractorVanishes?, changedAttractor?,
 *   predictedGradient?, gradientOverPredicted?, foldDistanceAlongStep?}]; `jump`: the first crossing
 *   where the state changed attractor (equilibrium target), with the same fields.
 * - `peakGradient`: {step, value, distanceToNearestCurve, nearestCurve}.
 * - `foldLaw` (equilibrium target with a fold crossing): {exponent, prefactor, predicted,
 *   prefactorOverPredicted, distances, sensitivity}.
 * - `curves`: {fold, hopf} counts of the diagram's curves.
 * Nothing is random here: the seed is unused.
 */
import { z } from 'zod';
import { twoParameterDiagram } from '../dynamics/codim2/two-parameter-diagram.ts';
import { distanceToPolyline, pathCrossings, type PathCrossing } from '../dynamics/learning/crossings.ts';
import { learnFixedPoint } from '../dynamics/learning/fixed-point-learning.ts';
import { analyseFoldStep } from '../dynamics/learning/fold-step.ts';
import { learnTrajectory, sampleTrajectory } from '../dynamics/learning/trajectory-learning.ts';
import { foldSensitivityLaw } from '../dynamics/scaling-laws.ts';
import type { Flow } from '../models/flow.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, flag, list, measured, text } from '../scenario/summary-schema.ts';
import { diagramSeries, mathName } from './dynamics-charts.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';
import { buildSystem, parameterNamesOf, SystemSpec } from './system-spec.ts';

const target = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('equilibrium').describe('the steady state should reach the target values'),
      indices: z.array(z.number().int().min(0)).min(1).default([0]).describe('targeted state coordinates (0-based)'),
      values: z.array(z.number()).min(1).default([0.9]).describe('their target values'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('oscillation').describe('the trajectory should follow a teacher network inside an oscillating region'),
      teacher: z.tuple([z.number(), z.number()]).describe('the teacher\'s values of the two learned parameters'),
      indices: z.array(z.number().int().min(0)).min(1).default([0, 1]).describe('compared state coordinates'),
      horizon: z.number().positive().max(1000).default(40).describe('length T of the compared trajectories'),
      dt: z.number().positive().max(0.5).default(0.05).describe('RK4 step'),
    })
    .strict(),
]);

const params = z
  .object({
    system: SystemSpec.default({ model: 'one-neuron', w: 6, b: -3 }).describe('The network; its values of the learned parameters are the starting point.'),
    learn: z.tuple([z.string(), z.string()]).default(['b', 'w']).describe('The two learned parameters: the x and y axes of the diagram.'),
    target: target.default({ kind: 'equilibrium', indices: [0], values: [0.9] }).describe('What the network should learn.'),
    x0: z.array(z.number()).optional().describe('Initial state (default 0): the steady state is the attractor it settles on; the trajectories start from it.'),
    learningRate: z.number().positive().default(1).describe('eta in theta <- theta - eta dL/dtheta.'),
    maxStep: z.number().positive().default(0.02).describe('Largest length of one update (gradient clipping, Pascanu et al. 2013).'),
    steps: z.number().int().min(2).max(100000).default(120).describe('Gradient steps.'),
    box: z
      .tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])])
      .default([
        [-4, -1],
        [3, 8],
      ])
      .describe('The window of the diagram: [[a_min, a_max], [b_min, b_max]] for the two learned parameters.'),
    scanLines: z.number().int().min(1).max(100).default(9).describe('Scan lines seeding the diagram\'s curves.'),
    foldDistances: z.array(z.number().positive()).min(2).default([1e-8, 1e-7, 1e-6, 1e-5, 1e-4]).describe('Distances from the crossed fold at which ||dx*/ds|| is measured.'),
  })
  .strict()
  .refine((p) => p.box[0][0] < p.box[0][1] && p.box[1][0] < p.box[1][1], { message: 'box must be [[a_min, a_max], [b_min, b_max]] with min < max', path: ['box'] })
  .superRefine((p, ctx) => {
    const names = parameterNamesOf(p.system);
    p.learn.forEach((name, i) => {
      if (!names.includes(name)) ctx.addIssue({ code: 'custom', path: ['learn', i], message: `expected one of ${names.join(', ')}, found "${name}"` });
    });
    if (p.learn[0] === p.learn[1]) ctx.addIssue({ code: 'custom', path: ['learn', 1], message: 'expected two different parameters' });
    if (p.system.model !== 'one-neuron' && p.system.model !== 'ctrnn') ctx.addIssue({ code: 'custom', path: ['system', 'model'], message: 'expected a flow: one-neuron or ctrnn' });
    const n = p.system.model === 'one-neuron' || p.system.model === 'one-neuron-map' ? 1 : p.system.W.length;
    if (p.target.indices.some((i) => i >= n)) ctx.addIssue({ code: 'custom', path: ['target', 'indices'], message: `expected state indices below ${n}` });
    if (p.target.kind === 'equilibrium' && p.target.values.length !== p.target.indices.length) ctx.addIssue({ code: 'custom', path: ['target', 'values'], message: `expected ${p.target.indices.length} values, one per index` });
    if (p.x0 !== undefined && p.x0.length !== n) ctx.addIssue({ code: 'custom', path: ['x0'], message: `expected ${n} entries` });
  });

export type LearningThroughBifurcationParams = z.infer<typeof params>;

const CHART_IDS = ['path-on-diagram', 'loss-and-gradient', 'state-along-path', 'sensitivity-vs-distance', 'trajectories'] as const;
const fmt = (v: number, d = 6): string => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));

interface CrossingRecord extends PathCrossing {
  gradientBefore: number;
  gradientPeak: number;
  peakStep: number;
  lossBefore: number;
  lossAfter: number;
  lossJump: number;
  stateJump: number;
  predictedGradient?: number;
  gradientOverPredicted?: number;
  foldDistanceAlongStep?: number;
  /** Fold crossings of an equilibrium target: whether the attractor the state sat on ends within the step. */
  attractorVanishes?: boolean;
  /** Measured: the new state's branch, continued back to the previous parameters, does not reach the old state. */
  changedAttractor?: boolean;
}

interface Iterate {
  theta: Float64Array;
  loss: number;
  gradientNorm: number;
  x?: Float64Array;
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const foldStepFields = {
  predictedGradient: measured('normal-form gradient at the last iterate before the fold, |(x - t) . v| |beta| / (2 sqrt(|a| |beta_u| s))').optional(),
  gradientOverPredicted: measured('gradientBefore / predictedGradient (theory 1 as s -> 0)').optional(),
  foldDistanceAlongStep: measured('s: distance from that iterate to the fold along the step direction').optional(),
};
const learningThroughBifurcationSummary = fields({
  target: text('equilibrium or oscillation'),
  learned: list(text('parameter name'), 'the two learned parameters (a: x axis, b: y axis of the diagram)'),
  start: list(exact('parameter value'), 'the learned parameters at the first iterate'),
  end: list(measured('parameter value'), 'the learned parameters at the last iterate'),
  initialLoss: measured('loss at the first iterate'),
  finalLoss: measured('loss at the last iterate'),
  steps: count('iterates of gradient descent (the first included)'),
  stopped: text('why learning stopped: steps (the budget) or unsettled (the state did not settle on an attractor)'),
  crossings: list(
    fields({
      kind: text('fold or hopf: the curve the path crossed'),
      step: count('the path crosses between iterate step and step + 1'),
      a: measured('first parameter of the crossing point'),
      b: measured('second parameter'),
      distanceBefore: measured('distance from iterate step to the curve'),
      distanceAfter: measured('distance from iterate step + 1 to the curve'),
      gradientBefore: measured('gradient norm at iterate step'),
      gradientPeak: measured('largest gradient norm within 3 iterates of the crossing'),
      peakStep: count('iterate of that peak'),
      lossBefore: measured('loss at iterate step'),
      lossAfter: measured('loss at iterate step + 1'),
      lossJump: measured('lossAfter - lossBefore'),
      stateJump: measured('distance between the steady states before and after (null for an oscillation target, which has none)'),
      attractorVanishes: flag('the attractor the state sat on ends at the fold (equilibrium target)').optional(),
      changedAttractor: flag('the state settled on another attractor after the step (equilibrium target)').optional(),
      ...foldStepFields,
    }),
    "the path's crossings of the fold and Hopf curves, in step order",
  ),
  jump: fields(
    {
      step: count('iterate before the jump'),
      kind: text('fold or hopf'),
      lossBefore: measured('loss before'),
      lossAfter: measured('loss after'),
      lossJump: measured('lossAfter - lossBefore'),
      stateJump: measured('distance between the steady states before and after'),
      gradientBefore: measured('gradient norm before'),
      ...foldStepFields,
    },
    'the first crossing where the state changed attractor (equilibrium target; absent when none did)',
  ).optional(),
  peakGradient: fields(
    {
      step: count('iterate with the largest gradient norm'),
      value: measured('that gradient norm'),
      distanceToNearestCurve: measured('distance from that iterate to the nearest fold or Hopf curve (null without curves)'),
      nearestCurve: text('fold or hopf').nullable(),
    },
    'where the gradient peaked along the path',
  ),
  foldLaw: fields(
    {
      exponent: measured('fitted exponent of ||dx*/ds|| against the distance d to the crossed fold (theory -1/2)'),
      prefactor: measured('fitted prefactor, extrapolated to d -> 0'),
      predicted: measured('the normal form coefficient c'),
      prefactorOverPredicted: measured('prefactor / predicted (theory 1)'),
      distances: list(exact('distance d to the fold'), 'distances at which the sensitivity was measured'),
      sensitivity: list(measured('||dx*/ds|| along the step direction'), 'measured sensitivity at each distance'),
    },
    'the steady-state sensitivity at the first fold crossing (equilibrium target)',
  ).optional(),
  curves: fields({ fold: count('fold curves in the diagram'), hopf: count('Hopf curves') }, 'the curves of the two-parameter diagram'),
});
export type LearningThroughBifurcationSummary = z.infer<typeof learningThroughBifurcationSummary>;
export type LearningThroughBifurcationParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const learningThroughBifurcationStudy: Study<LearningThroughBifurcationParams, LearningThroughBifurcationSummary> = {
  kind: 'learning-through-bifurcation',
  summary: 'Gradient descent on two parameters drawn over the bifurcation diagram: crossings of fold and Hopf curves, gradient peaks and loss jumps (Doya 1992).',
  params,
  chartIds: CHART_IDS,
  summarySchema: learningThroughBifurcationSummary,
  run(p, ctx) {
    const built = buildSystem(p.system);
    const sys = built.system as Flow;
    const n = sys.dimension;
    const [ka, kb] = p.learn.map((name) => sys.parameterNames.indexOf(name)) as [number, number];
    const [na, nb] = p.learn.map(mathName) as [string, string];
    const p0 = built.p;
    const x0 = Float64Array.from(p.x0 ?? new Float64Array(n));
    ctx.progress(0, 4, 'diagram');

    // --- the diagram of the learned plane
    const diagram = twoParameterDiagram(sys, p0, { parameters: [ka, kb], box: p.box, scanLines: p.scanLines, equilibriaAt: built.equilibriaAt });
    ctx.progress(1, 4, 'learning');

    // --- learning
    const iterates: Iterate[] = [];
    let stopped = 'steps';
    let teacherTrace: Float64Array | undefined;
    let firstTrace: Float64Array | undefined;
    let lastTrace: Float64Array | undefined;
    const tgt = p.target;
    if (tgt.kind === 'equilibrium') {
      const run = learnFixedPoint(sys, p0, x0, { learn: [ka, kb], target: { indices: tgt.indices, values: tgt.values }, learningRate: p.learningRate, steps: p.steps, maxStep: p.maxStep });
      stopped = run.end;
      for (const s of run.steps) iterates.push({ theta: s.theta, loss: s.loss, gradientNorm: s.gradientNorm, x: s.x });
    } else {
      const teacher = Float64Array.from(p0);
      teacher[ka] = tgt.teacher[0];
      teacher[kb] = tgt.teacher[1];
      const N = Math.round(tgt.horizon / tgt.dt);
      teacherTrace = sampleTrajectory(sys, teacher, x0, tgt.dt, N, tgt.indices);
      const steps = learnTrajectory(sys, p0, {
        learn: [ka, kb],
        target: { indices: tgt.indices, values: teacherTrace },
        x0,
        dt: tgt.dt,
        horizon: N,
        learningRate: p.learningRate,
        steps: p.steps,
        maxStep: p.maxStep,
      });
      for (const s of steps) iterates.push({ theta: s.theta, loss: s.loss, gradientNorm: s.gradientNorm });
      const withTheta = (th: Float64Array): Float64Array => {
        const q = Float64Array.from(p0);
        q[ka] = th[0]!;
        q[kb] = th[1]!;
        return q;
      };
      firstTrace = sampleTrajectory(sys, withTheta(iterates[0]!.theta), x0, tgt.dt, N, tgt.indices);
      lastTrace = sampleTrajectory(sys, withTheta(iterates[iterates.length - 1]!.theta), x0, tgt.dt, N, tgt.indices);
    }
    ctx.progress(2, 4, 'crossings');

    // --- crossings and what the gradient did there
    const path = iterates.map((it) => ({ a: it.theta[0]!, b: it.theta[1]! }));
    const crossings = pathCrossings(path, diagram.curves).map((c) => {
      const before = iterates[c.step]!;
      const after = iterates[c.step + 1]!;
      let peak = c.step;
      for (let k = Math.max(0, c.step - 3); k <= Math.min(iterates.length - 1, c.step + 3); k++) if (iterates[k]!.gradientNorm > iterates[peak]!.gradientNorm) peak = k;
      return {
        ...c,
        gradientBefore: before.gradientNorm,
        gradientPeak: iterates[peak]!.gradientNorm,
        peakStep: peak,
        lossBefore: before.loss,
        lossAfter: after.loss,
        lossJump: after.loss - before.loss,
        stateJump: before.x && after.x ? Math.hypot(...before.x.map((v, i) => v - after.x![i]!)) : NaN,
      } as CrossingRecord;
    });
    // the normal form's gradient at the last iterate before each fold crossing (equilibrium target)
    let foldLaw: ReturnType<typeof foldSensitivityLaw> | undefined;
    if (tgt.kind === 'equilibrium') {
      for (const c of crossings) {
        if (c.kind !== 'fold') continue;
        const it = iterates[c.step]!;
        const next = iterates[c.step + 1]!;
        const step = analyseFoldStep(sys, p0, [ka, kb], it.theta, next.theta, it.x!, next.x!, { indices: tgt.indices, values: tgt.values });
        c.attractorVanishes = step.attractorVanishes;
        c.changedAttractor = step.changedAttractor;
        const fold = step.fold;
        if (!fold || step.predictedGradient === undefined) continue;
        c.predictedGradient = step.predictedGradient;
        c.gradientOverPredicted = c.gradientBefore / step.predictedGradient;
        c.foldDistanceAlongStep = step.distanceAlongStep;
        const line = step.line;
        if (!foldLaw) {
          const halves = [1, -1].map((h) => foldSensitivityLaw(line, fold, 0, p.foldDistances, h as 1 | -1));
          // the half the learning state was on: xi = (x - x_f) . v has its sign
          const xi = it.x!.reduce((s, v, i) => s + (v - fold.x[i]!) * fold.fold!.v[i]!, 0);
          foldLaw = halves[xi >= 0 ? 0 : 1]!;
        }
      }
    }
    const jump = crossings.find((c) => c.changedAttractor);
    let peak = 0;
    iterates.forEach((it, k) => {
      if (it.gradientNorm > iterates[peak]!.gradientNorm) peak = k;
    });
    const nearest = diagram.curves
      .map((c, i) => ({ i, kind: c.kind, d: distanceToPolyline(c.points, path[peak]!.a, path[peak]!.b) }))
      .sort((x, y) => x.d - y.d)[0];
    ctx.progress(3, 4, 'charts');

    // --- charts
    const charts: ChartSpec[] = [];
    const curveSeries = diagramSeries(diagram, p.box);
    const crossMarks: Series = {
      label: 'crossings of a curve',
      x: crossings.map((c) => c.a),
      y: crossings.map((c) => c.b),
      pointsOnly: true,
      pointStyle: 'crossRot',
      pointRadius: 12,
      color: '#D55E00',
    };
    charts.push(
      lineChart({
        id: 'path-on-diagram',
        title: `Gradient descent on (${na}, ${nb}) over the bifurcation diagram`,
        caption: `The learning path (blue, one dot per step, from the circle to the square) over the fold curves (solid) and Hopf curves (dashed) of the (${na}, ${nb}) plane. ${crossings.length} crossing(s): ${crossings.map((c) => `a ${c.kind} curve between steps ${c.step} and ${c.step + 1}`).join('; ') || 'none'}.`,
        x: { title: na, min: p.box[0][0], max: p.box[0][1] },
        y: { title: nb, min: p.box[1][0], max: p.box[1][1] },
        series: [
          ...curveSeries,
          { label: 'learning path', x: path.map((q) => q.a), y: path.map((q) => q.b), color: '#0072B2', lineWidth: 2, pointRadius: 2.5 },
          { label: 'start', x: [path[0]!.a], y: [path[0]!.b], pointsOnly: true, pointStyle: 'circle', pointRadius: 9, color: '#0072B2' },
          { label: 'end', x: [path[path.length - 1]!.a], y: [path[path.length - 1]!.b], pointsOnly: true, pointStyle: 'rect', pointRadius: 9, color: '#0072B2' },
          ...(crossings.length > 0 ? [crossMarks] : []),
        ],
      }),
    );
    const steps = iterates.map((_, k) => k);
    const lossSeries: Series[] = [
      { label: 'loss L', x: steps, y: iterates.map((it) => it.loss), color: '#0072B2', lineWidth: 2.5 },
      { label: 'gradient norm ‖∂L/∂θ‖', x: steps, y: iterates.map((it) => it.gradientNorm), color: '#D55E00', lineWidth: 2.5 },
    ];
    if (crossings.length > 0) {
      lossSeries.push({
        label: 'step before a crossing',
        x: crossings.map((c) => c.step),
        y: crossings.map((c) => c.gradientBefore),
        pointsOnly: true,
        pointStyle: 'crossRot',
        pointRadius: 12,
        color: '#000000',
      });
    }
    charts.push(
      lineChart({
        id: 'loss-and-gradient',
        title: 'Loss and gradient norm along the learning path',
        caption: `The loss and the norm of its gradient at each step (log scale). Crosses: the last step before the path crosses a bifurcation curve.${tgt.kind === 'equilibrium' ? ' Before a fold crossing the gradient grows like 1/√distance; across it the state changes attractor and the loss jumps.' : ''}`,
        x: { title: 'gradient step' },
        y: { title: 'loss, gradient norm', log: true },
        series: lossSeries,
      }),
    );
    if (tgt.kind === 'equilibrium') {
      charts.push(
        lineChart({
          id: 'state-along-path',
          title: 'The steady state along the learning path',
          caption: 'The targeted coordinates of the attractor the network settles on at each step (solid) and their targets (dashed): a jump is the step that crossed a fold, where the attractor the state sat on vanished.',
          x: { title: 'gradient step' },
          y: { title: 'steady state' },
          series: tgt.indices.flatMap((i, j) => [
            { label: `${mathName(built.stateNames[i]!)}*`, x: steps, y: iterates.map((it) => it.x![i]!), lineWidth: 2.5 },
            { label: `target ${mathName(built.stateNames[i]!)} = ${tgt.values[j]}`, x: [0, steps.length - 1], y: [tgt.values[j]!, tgt.values[j]!], reference: true },
          ]),
        }),
      );
      if (foldLaw && foldLaw.distances.length > 0) {
        charts.push(
          lineChart({
            id: 'sensitivity-vs-distance',
            title: 'The steady state’s sensitivity against the distance to the crossed fold',
            caption: `‖dx*/ds‖ along the direction of the step that crossed the first fold, at equilibria solved by Newton at distance d before it (dots), against the normal form ${fmt(foldLaw.predictedCoefficient, 4)}/√d (dashed). Fitted exponent ${fmt(foldLaw.fit.exponent, 4)}.`,
            x: { title: 'distance d to the fold along the step', log: true },
            y: { title: '‖dx*/ds‖', log: true },
            series: [
              { label: 'measured (implicit function theorem)', x: foldLaw.distances, y: foldLaw.sensitivity, pointsOnly: true, pointRadius: 8, color: '#0072B2' },
              { label: 'normal form c/√d', x: foldLaw.distances, y: foldLaw.distances.map((d) => foldLaw!.predictedCoefficient / Math.sqrt(d)), dashed: true, color: '#D55E00' },
            ],
          }),
        );
      }
    } else {
      const N = Math.round(tgt.horizon / tgt.dt);
      const ts = Array.from({ length: N + 1 }, (_, k) => k * tgt.dt);
      const m = tgt.indices.length;
      const col = (a: Float64Array): number[] => ts.map((_, k) => a[k * m]!);
      charts.push(
        lineChart({
          id: 'trajectories',
          title: `Trajectories of ${mathName(built.stateNames[tgt.indices[0]!]!)}: teacher, student at the start and at the end`,
          caption: `The teacher (black, dashed) oscillates; the student starts where the network settles on an equilibrium (grey) and ends (blue) after ${iterates.length} gradient steps.`,
          x: { title: 'time t' },
          y: { title: mathName(built.stateNames[tgt.indices[0]!]!) },
          series: [
            { label: 'teacher (target)', x: ts, y: col(teacherTrace!), dashed: true, color: '#000000', lineWidth: 2, z: 1 },
            { label: 'student at step 0', x: ts, y: col(firstTrace!), color: '#999999', lineWidth: 2 },
            { label: `student at step ${iterates.length - 1}`, x: ts, y: col(lastTrace!), color: '#0072B2', lineWidth: 2.5 },
          ],
        }),
      );
    }
    ctx.progress(4, 4, 'done');

    // --- theory table
    const theory: TheoryRow[] = [];

    for (const c of crossings) {
      if (c.kind === 'fold' && tgt.kind === 'equilibrium' && c.attractorVanishes !== undefined) {
        theory.push({
          quantity: `fold crossing between steps ${c.step} and ${c.step + 1}: does the state change attractor?`,
          theory: c.attractorVanishes ? 'yes: its branch ends at a fold within the step' : 'no: the fold concerns another attractor',
          measured: `${c.changedAttractor ? 'yes' : 'no'}: |dx*| = ${fmt(c.stateJump, 4)}, loss ${fmt(c.lossBefore, 4)} -> ${fmt(c.lossAfter, 4)}`,
          source: 'Doya 1992: the state leaves only when the attractor it sits on vanishes; measured by continuing the new state back to the old parameters',
          agrees: c.changedAttractor === c.attractorVanishes,
          tolerance: 'the same answer',
        });
        if (c.predictedGradient !== undefined) {
          theory.push({
            quantity: `gradient norm at step ${c.step}, ${fmt(c.foldDistanceAlongStep!, 3)} before the fold along the step`,
            theory: fmt(c.predictedGradient, 4),
            measured: fmt(c.gradientBefore, 4),
            source: 'fold normal form: |(x - t) . v| |beta| / (2 sqrt(|a beta_u| s)), leading order (corrections O(sqrt s))',
            agrees: Math.abs(c.gradientOverPredicted! - 1) < 3 * Math.sqrt(c.foldDistanceAlongStep!),
            tolerance: `ratio within 3 √s = ${fmt(3 * Math.sqrt(c.foldDistanceAlongStep!), 2)} of 1 (the first correction)`,
          });
        }
      } else {
        theory.push({
          quantity: `${c.kind} crossing between steps ${c.step} and ${c.step + 1}: gradient norm before it and peak nearby`,
          theory: 'measured only',
          measured: `${fmt(c.gradientBefore, 4)}, peak ${fmt(c.gradientPeak, 4)} at step ${c.peakStep}`,
          source: c.kind === 'hopf' ? 'Doya 1993: learning an oscillation passes a Hopf bifurcation' : 'crossing a curve the state does not sit on',
        });
      }
    }
    if (foldLaw) {
      theory.push({
        quantity: '‖dx*/ds‖ near the crossed fold: exponent, prefactor / normal form',
        theory: '−0.5, 1',
        measured: `${fmt(foldLaw.fit.exponent, 5)}, ${fmt(foldLaw.fit.prefactor / foldLaw.predictedCoefficient, 5)}`,
        source: 'normal form dxi/dt = beta_u s + a xi^2 (Kuznetsov 2004, sec. 3.2)',
        agrees: Math.abs(foldLaw.fit.exponent + 0.5) < 0.01 && Math.abs(foldLaw.fit.prefactor / foldLaw.predictedCoefficient - 1) < 0.01,
        tolerance: 'exponent ± 0.01, prefactor within 1 %',
      });
    }
    const first = iterates[0]!;
    const last = iterates[iterates.length - 1]!;
    if (tgt.kind === 'oscillation') {
      const off = Math.hypot(last.theta[0]! - tgt.teacher[0], last.theta[1]! - tgt.teacher[1]);
      theory.push({
        quantity: `parameters at the end against the teacher's (${tgt.teacher.join(', ')})`,
        theory: 0,
        measured: off.toExponential(2),
        source: 'the loss is 0 exactly at the teacher: the same network from the same initial state',
        agrees: off < 1e-6,
        tolerance: '< 10⁻⁶',
      });
      const hopfCrossings = crossings.filter((c) => c.kind === 'hopf').length;
      theory.push({
        quantity: 'crossings of a Hopf curve on the way (an equilibrium start, an oscillating end)',
        theory: 'an odd number',
        measured: hopfCrossings,
        source: 'Doya 1993: learning an oscillation must pass a Hopf bifurcation when it starts from a steady state',
        agrees: hopfCrossings % 2 === 1,
        tolerance: 'odd',
      });
    }
    const discussion = [
      tgt.kind === 'equilibrium'
        ? `**Learning a steady state.** The network settles on an attractor; the loss is measured there and its gradient comes from the implicit function theorem, dx*/dtheta = -G_x^{-1} G_theta (recurrent backpropagation). The gradient is large exactly where G_x is nearly singular: next to a fold, where the attractor is about to collide with a saddle. Gradient descent heads there when the target lies beyond the fold, on another attractor's side, and the step that crosses the fold sends the state to the other attractor: the loss changes discontinuously (Doya 1992). Here the loss went from ${fmt(first.loss, 4)} to ${fmt(last.loss, 4)} in ${iterates.length} steps with ${crossings.length} crossing(s).`
        : `**Learning an oscillation.** The student starts where the network settles on a stable equilibrium; its trajectory can only match the teacher's oscillation after the parameters cross a Hopf curve into the oscillating region (Doya 1993). The gradient of the trajectory loss, backpropagated through the RK4 steps, carries the path there; the loss went from ${fmt(first.loss, 4)} to ${fmt(last.loss, 4)} in ${iterates.length} steps.`,
      `**The gradient.** Its largest norm, ${fmt(iterates[peak]!.gradientNorm, 4)}, came at step ${peak}, at distance ${fmt(nearest?.d ?? NaN, 3)} from the nearest ${nearest?.kind ?? ''} curve. Updates were clipped to length ${p.maxStep}: without clipping the step taken at the gradient's peak would be ${fmt(p.learningRate * iterates[peak]!.gradientNorm, 3)} long and could throw the parameters across the diagram, the exploding-gradient failure that clipping was introduced for (Pascanu, Mikolov and Bengio 2013).`,
      foldLaw ? `**Why it explodes.** Along the crossing step's direction, ||dx*/ds|| grows like d^(${fmt(foldLaw.fit.exponent, 4)}) with the distance d to the fold, against the normal form's d^(-1/2) with prefactor ratio ${fmt(foldLaw.fit.prefactor / foldLaw.predictedCoefficient, 5)}.` : '',
    ]
      .filter((s) => s)
      .join('\n\n');

    const summary = {
      target: tgt.kind,
      learned: p.learn,
      start: Array.from(first.theta),
      end: Array.from(last.theta),
      initialLoss: first.loss,
      finalLoss: last.loss,
      steps: iterates.length,
      stopped,
      crossings: crossings.map((c) => ({
        kind: c.kind,
        step: c.step,
        a: c.a,
        b: c.b,
        distanceBefore: c.distanceBefore,
        distanceAfter: c.distanceAfter,
        gradientBefore: c.gradientBefore,
        gradientPeak: c.gradientPeak,
        peakStep: c.peakStep,
        lossBefore: c.lossBefore,
        lossAfter: c.lossAfter,
        lossJump: c.lossJump,
        // an oscillation target has no steady state to jump: null, not a fault
        stateJump: tgt.kind === 'equilibrium' ? c.stateJump : null,
        ...(c.attractorVanishes !== undefined ? { attractorVanishes: c.attractorVanishes, changedAttractor: c.changedAttractor } : {}),
        ...(c.predictedGradient !== undefined ? { predictedGradient: c.predictedGradient, gradientOverPredicted: c.gradientOverPredicted, foldDistanceAlongStep: c.foldDistanceAlongStep } : {}),
      })),
      ...(jump ? { jump: { step: jump.step, kind: jump.kind, lossBefore: jump.lossBefore, lossAfter: jump.lossAfter, lossJump: jump.lossJump, stateJump: jump.stateJump, gradientBefore: jump.gradientBefore, ...(jump.predictedGradient !== undefined ? { predictedGradient: jump.predictedGradient, gradientOverPredicted: jump.gradientOverPredicted, foldDistanceAlongStep: jump.foldDistanceAlongStep } : {}) } } : {}),
      peakGradient: { step: peak, value: iterates[peak]!.gradientNorm, distanceToNearestCurve: nearest?.d ?? null, nearestCurve: nearest?.kind ?? null },
      ...(foldLaw
        ? {
            foldLaw: {
              exponent: foldLaw.fit.exponent,
              prefactor: foldLaw.fit.prefactor,
              predicted: foldLaw.predictedCoefficient,
              prefactorOverPredicted: foldLaw.fit.prefactor / foldLaw.predictedCoefficient,
              distances: foldLaw.distances,
              sensitivity: foldLaw.sensitivity,
            },
          }
        : {}),
      curves: { fold: diagram.curves.filter((c) => c.kind === 'fold').length, hopf: diagram.curves.filter((c) => c.kind === 'hopf').length },
    };
    return {
      summary,
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      tables: {
        path: {
          header: ['step', p.learn[0], p.learn[1], 'loss', 'gradient norm', ...(tgt.kind === 'equilibrium' ? built.stateNames.map((s) => `${s}*`) : [])],
          rows: iterates.map((it, k) => [k, it.theta[0]!, it.theta[1]!, it.loss, it.gradientNorm, ...(it.x ? Array.from(it.x) : [])]),
        },
      },
    };
  },
};
