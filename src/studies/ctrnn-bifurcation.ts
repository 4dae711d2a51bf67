/**
 * Study `ctrnn-bifurcation`: the two-parameter bifurcation diagram of a 2-neuron CTRNN (Beer 1995)
 * in a plane of two of its parameters (by default the two biases theta1, theta2): the fold and Hopf
 * curves traced by continuation (src/dynamics/codim2) from the folds and Hopf points of scan lines,
 * with their cusp, Bogdanov-Takens and Bautin points, and the regions between them labelled by what
 * a grid of brute-force computations finds there: the number of stable equilibria (root counting
 * along the y1-nullcline, eigenvalues) and of limit cycles (simulation from next to every unstable
 * equilibrium). The curves are checked against the brute force along horizontal lines: the number
 * of equilibria changes by two exactly where a fold curve crosses, the number of stable ones by
 * one where a Hopf curve does; and past a supercritical Hopf point a simulated limit cycle grows
 * with the normal form's amplitude.
 *
 * Summary (paths for scenario checks):
 * - `curves`: [{kind, points, ends}], `counts`: {foldCurves, hopfCurves, cusp, bogdanovTakens, bautin}.
 * - `special`: [{type, a, b, state, located, curves}] (a, b: the two parameters).
 * - `regions`: {label: number of grid cells}, `gridPoints`.
 * - `bruteForce`: {lines, foldCrossings, hopfCrossings, foldCrossingsWithCountJump,
 *   hopfCrossingsWithStableJump, maxHopfTrace, maxFoldOffset}: every crossing of a line by a curve,
 *   refined by Newton with the line's parameter fixed; the brute-force counts at +-1e-3 of it; for
 *   Hopf crossings |trace J| at the brute-force equilibrium there.
 * - `btAgreement`: largest distance between a BT point found on a fold curve and on a Hopf curve.
 * - `hopfCycle` (the supercritical Hopf crossing farthest from other crossings of its line, if any): {a, b, l1, distances, amplitude,
 *   predicted, exponent, amplitudeOverPredicted}.
 * Nothing is random here: the seed is unused.
 */
import { z } from 'zod';
import { simulateAttractor } from '../dynamics/attractors.ts';
import { planarCtrnnEquilibria } from '../dynamics/brute-force.ts';
import { locateRealEigenvalue } from '../dynamics/codim1/fold.ts';
import { locateComplexPair } from '../dynamics/codim1/hopf.ts';
import { hopfNormalForm } from '../dynamics/codim1/normal-forms.ts';
import { twoParameterDiagram } from '../dynamics/codim2/two-parameter-diagram.ts';
import type { BifurcationPoint } from '../dynamics/continuation/equilibrium-branch.ts';
import { complexEigenvector, realEigenvector } from '../dynamics/eigenvectors.ts';
import { cycleAmplitudeLaw } from '../dynamics/scaling-laws.ts';
import { Ctrnn } from '../models/ctrnn.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, flag, keyed, list, measured, text } from '../scenario/summary-schema.ts';
import { diagramSeries, mathName, POINT_STYLE } from './dynamics-charts.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    W: z
      .array(z.array(z.number()).length(2))
      .length(2)
      .default([
        [5.5, -2],
        [2, 5.5],
      ])
      .describe('2 x 2 weights, row i the weights into neuron i.'),
    theta: z.array(z.number()).length(2).default([0, 0]).describe('Biases (the two varied parameters are overridden across the plane).'),
    I: z.array(z.number()).length(2).default([0, 0]).describe('External inputs.'),
    tau: z.array(z.number().positive()).length(2).default([1, 1]).describe('Time constants.'),
    parameters: z.tuple([z.string(), z.string()]).default(['theta1', 'theta2']).describe('The two parameters of the plane (x axis, y axis).'),
    box: z
      .tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])])
      .default([
        [-5, 1.5],
        [-7, -0.5],
      ])
      .describe('The window of the plane: [[a_min, a_max], [b_min, b_max]].'),
    scanLines: z.number().int().min(1).max(100).default(9).describe('Horizontal scan lines whose folds and Hopf points seed the curves.'),
    grid: z.number().int().min(3).max(201).default(41).describe('Grid points per axis for the region labels.'),
    simulation: z
      .object({
        dt: z.number().positive().max(0.5).default(0.1).describe('RK4 step.'),
        transient: z.number().positive().default(300).describe('Time discarded before looking.'),
        window: z.number().positive().default(60).describe('Time over which an oscillation is measured.'),
      })
      .strict()
      .prefault({})
      .describe('Simulation for the limit cycles of the region labels.'),
    checkLines: z.number().int().min(0).max(50).default(13).describe('Horizontal lines on which the curves are checked against brute-force counts.'),
    hopfDistances: z.array(z.number().positive()).min(2).default([1e-3, 4e-3]).describe('Distances past a supercritical Hopf crossing at which the cycle is simulated.'),
  })
  .strict()
  .refine((p) => p.box[0][0] < p.box[0][1] && p.box[1][0] < p.box[1][1], { message: 'box must be [[a_min, a_max], [b_min, b_max]] with min < max', path: ['box'] })
  .superRefine((p, ctx) => {
    const names = new Ctrnn(2).parameterNames;
    p.parameters.forEach((name, i) => {
      if (!names.includes(name)) ctx.addIssue({ code: 'custom', path: ['parameters', i], message: `expected one of ${names.join(', ')}, found "${name}"` });
    });
    if (p.parameters[0] === p.parameters[1]) ctx.addIssue({ code: 'custom', path: ['parameters', 1], message: 'expected two different parameters' });
  });

export type CtrnnBifurcationParams = z.infer<typeof params>;

const CHART_IDS = ['two-parameter-diagram', 'regions'] as const;
const REGION_COLORS = ['#E69F00', '#56B4E9', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#999999', '#F0E442'];
const fmt = (v: number, d = 6): string => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const ctrnnBifurcationSummary = fields({
  parameters: list(text('parameter name'), 'the two parameters of the plane (a: x axis, b: y axis)'),
  box: list(list(exact('end of the window'), '[min, max]'), 'the window of the plane: [[a_min, a_max], [b_min, b_max]]'),
  curves: list(
    fields({
      kind: text('fold or hopf'),
      points: count('points computed along the curve'),
      ends: list(text('why the half stopped: box, closed, step-size, max-points, or the special point that ends it (e.g. bogdanov-takens)'), 'the two ends of the curve'),
    }),
    'every fold and Hopf curve traced by two-parameter continuation',
  ),
  counts: fields(
    {
      foldCurves: count('fold curves'),
      hopfCurves: count('Hopf curves'),
      cusp: count('cusp points'),
      bogdanovTakens: count('Bogdanov-Takens points'),
      bautin: count('Bautin (generalised Hopf) points'),
    },
    'curves and codimension-2 points found',
  ),
  special: list(
    fields({
      type: text('cusp, bogdanov-takens or bautin'),
      a: measured('first parameter of the point'),
      b: measured('second parameter'),
      state: list(measured('state coordinate'), 'the equilibrium at the point'),
      located: flag('true when Newton on the point\'s defining system converged'),
      curves: list(count('index into curves'), 'the curves the point lies on'),
    }),
    'the codimension-2 points on the curves',
  ),
  regions: keyed('<label>', count('grid cells with this label'), 'grid cells by what brute force finds there ("2 stable equilibria", "1 limit cycle", ...)'),
  gridPoints: count('cells of the brute-force grid'),
  bruteForce: fields(
    {
      lines: list(exact('b of a horizontal check line'), 'the horizontal lines along which the curves are checked'),
      foldCrossings: count('crossings of the lines by fold curves'),
      hopfCrossings: count('crossings of the lines by Hopf curves'),
      foldCrossingsWithCountJump: count('fold crossings where the brute-force number of equilibria changes by two (theory: all)'),
      hopfCrossingsWithStableJump: count('Hopf crossings where the number of stable equilibria changes by one (theory: all)'),
      maxHopfTrace: measured('largest |trace J| at the brute-force equilibrium at a Hopf crossing (theory 0)'),
      maxFoldOffset: measured('largest change of a fold crossing when refined by Newton with the line parameter fixed'),
    },
    'the curves against root counting and eigenvalues along horizontal lines',
  ),
  btAgreement: measured('largest distance between a Bogdanov-Takens point found on a fold curve and on a Hopf curve'),
  hopfCycle: fields(
    {
      a: measured('first parameter of the Hopf crossing'),
      b: measured('second parameter'),
      l1: measured('first Lyapunov coefficient there (< 0: supercritical)'),
      distances: list(exact('distance d past the Hopf point'), 'distances at which the cycle was simulated'),
      amplitude: list(measured('largest half-amplitude of the simulated cycle'), 'measured amplitude at each distance'),
      predicted: list(measured('normal-form amplitude K sqrt(d)'), 'predicted amplitude at each distance'),
      exponent: measured('fitted exponent of the amplitude against d (theory 1/2)'),
      amplitudeOverPredicted: list(measured('amplitude / predicted (theory 1 as d -> 0)'), 'ratio at each distance'),
    },
    'the limit cycle past the most isolated supercritical Hopf crossing (absent when there is none)',
  ).optional(),
});
export type CtrnnBifurcationSummary = z.infer<typeof ctrnnBifurcationSummary>;
export type CtrnnBifurcationParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const ctrnnBifurcationStudy: Study<CtrnnBifurcationParams, CtrnnBifurcationSummary> = {
  kind: 'ctrnn-bifurcation',
  summary: 'Fold and Hopf curves of a 2-neuron CTRNN in two parameters, with cusp and Bogdanov-Takens points, regions by attractor count, checked by brute force.',
  params,
  chartIds: CHART_IDS,
  summarySchema: ctrnnBifurcationSummary,
  run(p, ctx) {
    const net = new Ctrnn(2);
    const base = net.pack({ W: p.W, theta: p.theta, I: p.I, tau: p.tau });
    const ka = net.parameterNames.indexOf(p.parameters[0]);
    const kb = net.parameterNames.indexOf(p.parameters[1]);
    const [[aMin, aMax], [bMin, bMax]] = p.box;
    const at = (a: number, b: number): Float64Array => {
      const q = Float64Array.from(base);
      q[ka] = a;
      q[kb] = b;
      return q;
    };
    const total = p.grid + 3;
    ctx.progress(0, total, 'curves');

    // --- the curves
    const d = twoParameterDiagram(net, base, {
      parameters: [ka, kb],
      box: p.box,
      scanLines: p.scanLines,
      equilibriaAt: (q) => planarCtrnnEquilibria(net, q).map((e) => e.y),
    });
    const folds = d.curves.filter((c) => c.kind === 'fold');
    const hopfs = d.curves.filter((c) => c.kind === 'hopf');
    const countOf = (type: string): number => d.special.filter((s) => s.type === type).length;
    // BT points seen from both a fold and a Hopf curve: how far apart the two routes put them
    let btAgreement = 0;
    for (const s of d.special.filter((x) => x.type === 'bogdanov-takens')) {
      for (const c of s.curves) {
        const own = d.curves[c]!.special.find((x) => x.type === 'bogdanov-takens' && Math.hypot(x.a - s.a, x.b - s.b) < 1e-6);
        if (own) btAgreement = Math.max(btAgreement, Math.hypot(own.a - s.a, own.b - s.b));
      }
    }
    ctx.progress(1, total, 'regions');

    // --- regions: stable equilibria by root counting, limit cycles by simulation
    const sim = p.simulation;
    const cells: { a: number; b: number; label: string }[] = [];
    for (let i = 0; i < p.grid; i++) {
      for (let j = 0; j < p.grid; j++) {
        const a = aMin + ((aMax - aMin) * i) / (p.grid - 1);
        const b = bMin + ((bMax - bMin) * j) / (p.grid - 1);
        const q = at(a, b);
        const eq = planarCtrnnEquilibria(net, q);
        const stable = eq.filter((e) => e.stability.stability === 'stable').length;
        // distinct cycles: their ranges differ (two windows over the same cycle share min and max)
        const cycles: { min: Float64Array; max: Float64Array }[] = [];
        for (const e of eq) {
          if (e.stability.stability === 'stable') continue;
          for (const sg of [1, -1]) {
            const x0 = Float64Array.from(e.y, (v, k) => v + sg * (k === 0 ? 0.05 : 0.03));
            const s = simulateAttractor(net, q, x0, sim);
            if (s.kind !== 'oscillation' || !(Math.max(...s.amplitude) > 1e-3)) continue;
            const same = (c: { min: Float64Array; max: Float64Array }): boolean =>
              c.min.every((v, k) => Math.abs(v - s.min[k]!) < 0.05 * (s.max[k]! - s.min[k]!) + 1e-3) && c.max.every((v, k) => Math.abs(v - s.max[k]!) < 0.05 * (s.max[k]! - s.min[k]!) + 1e-3);
            if (cycles.some(same)) continue;
            cycles.push({ min: s.min, max: s.max });
          }
        }
        cells.push({ a, b, label: regionLabel(stable, cycles.length) });
      }
      ctx.progress(2 + i, total, 'regions');
    }
    const regions: Record<string, number> = {};
    for (const c of cells) regions[c.label] = (regions[c.label] ?? 0) + 1;

    // --- brute force along horizontal lines
    const lines = Array.from({ length: p.checkLines }, (_, i) => bMin + ((bMax - bMin) * (i + 0.5)) / p.checkLines);
    let foldCrossings = 0;
    let hopfCrossings = 0;
    let foldJumps = 0;
    let hopfJumps = 0;
    let maxHopfTrace = 0;
    let maxFoldOffset = 0;
    // the supercritical Hopf crossing farthest from any other crossing of its line: where the
    // normal form's amplitude holds over the widest range
    let cycleSeed: { point: BifurcationPoint; gap: number } | null = null;
    const J = new Float64Array(4);
    const counts = (a: number, b: number): { all: number; stable: number } => {
      const eq = planarCtrnnEquilibria(net, at(a, b));
      return { all: eq.length, stable: eq.filter((e) => e.stability.stability === 'stable').length };
    };
    for (const b of lines) {
      // every crossing of the line, refined by Newton on its augmented system with b fixed
      const found: { kind: 'fold' | 'hopf'; a: number; point: BifurcationPoint }[] = [];
      for (const c of d.curves) {
        for (let i = 0; i + 1 < c.points.length; i++) {
          const u = c.points[i]!;
          const v = c.points[i + 1]!;
          if (u.b < b === v.b < b) continue;
          const f = (b - u.b) / (v.b - u.b);
          const x = Float64Array.from(u.x, (e, k) => e + f * (v.x[k]! - e));
          const q = at(u.a + f * (v.a - u.a), b);
          net.jacobian(x, q, J);
          const common = { index: 0, located: true, testFunctionEstimate: NaN, eigenvalues: [], unstableBefore: 0, unstableAfter: 0 };
          if (c.kind === 'fold') {
            const r = locateRealEigenvalue(net, x, q, ka, realEigenvector(2, J, 0), 0);
            if (!r.converged) continue;
            maxFoldOffset = Math.max(maxFoldOffset, Math.abs(r.p[ka]! - q[ka]!));
            found.push({ kind: 'fold', a: r.p[ka]!, point: { ...common, type: 'fold', parameter: r.p[ka]!, x: r.x, p: r.p, residual: r.residual, v: r.v } });
          } else {
            const omega = Math.sqrt(Math.max(1e-12, J[0]! * J[3]! - J[1]! * J[2]!));
            const qv = complexEigenvector(2, J, 0, omega);
            const r = locateComplexPair(net, x, q, ka, qv.re, qv.im, omega);
            if (!r.converged) continue;
            const point: BifurcationPoint = { ...common, type: 'hopf', parameter: r.p[ka]!, x: r.x, p: r.p, residual: r.residual, omega: r.omega, q: { re: r.vRe, im: r.vIm } };
            point.hopf = hopfNormalForm(net, r.x, r.p, ka, r.omega, point.q);
            found.push({ kind: 'hopf', a: r.p[ka]!, point });
          }
        }
      }
      found.sort((x, y) => x.a - y.a);
      found.forEach((c, i) => {
        // compare the counts on both sides, closer than any other crossing of the line
        const gap = Math.min(i > 0 ? c.a - found[i - 1]!.a : Infinity, i + 1 < found.length ? found[i + 1]!.a - c.a : Infinity);
        const eps = Math.min(1e-3, gap / 3);
        const lo = counts(c.a - eps, b);
        const hi = counts(c.a + eps, b);
        if (c.kind === 'fold') {
          foldCrossings++;
          if (Math.abs(lo.all - hi.all) === 2) foldJumps++;
          return;
        }
        hopfCrossings++;
        if (lo.all === hi.all && Math.abs(lo.stable - hi.stable) === 1) hopfJumps++;
        const eq = planarCtrnnEquilibria(net, c.point.p);
        const near = eq.reduce((m, e) => (Math.hypot(e.y[0]! - c.point.x[0]!, e.y[1]! - c.point.x[1]!) < Math.hypot(m.y[0]! - c.point.x[0]!, m.y[1]! - c.point.x[1]!) ? e : m));
        net.jacobian(near.y, c.point.p, J);
        maxHopfTrace = Math.max(maxHopfTrace, Math.abs(J[0]! + J[3]!));
        if (c.point.hopf!.criticality === 'supercritical' && (!cycleSeed || gap > cycleSeed.gap)) cycleSeed = { point: c.point, gap };
      });
    }
    const cycleHopf = (cycleSeed as { point: BifurcationPoint; gap: number } | null)?.point ?? null;
    let hopfCycle: Record<string, unknown> | undefined;
    let cycleRatio = NaN;
    let cycleExponent = NaN;
    if (cycleHopf) {
      const law = cycleAmplitudeLaw(net, cycleHopf, ka, p.hopfDistances, cycleHopf.hopf!.cycleSide, { dt: 0.05, transient: 3000, window: 300 });
      cycleRatio = law.amplitude[0]! / law.predicted[0]!;
      cycleExponent = law.fit.exponent;
      hopfCycle = {
        a: cycleHopf.parameter,
        b: cycleHopf.p[kb],
        l1: cycleHopf.hopf!.firstLyapunovCoefficient,
        distances: law.distances,
        amplitude: law.amplitude,
        predicted: law.predicted,
        exponent: law.fit.exponent,
        amplitudeOverPredicted: law.amplitude.map((v, i) => v / law.predicted[i]!),
      };
    }
    ctx.progress(total - 1, total, 'charts');

    // --- charts
    const [na, nb] = p.parameters.map(mathName) as [string, string];
    const curveSeries = diagramSeries(d, p.box);
    const charts: ChartSpec[] = [];
    charts.push(
      lineChart({
        id: 'two-parameter-diagram',
        title: `Fold and Hopf curves of the 2-neuron CTRNN in the (${na}, ${nb}) plane`,
        caption: `Solid: fold (saddle-node) curves, where two equilibria appear or vanish; dashed: Hopf curves, where an equilibrium changes stability and a limit cycle is born. ${countOf('cusp')} cusp(s) where two fold curves meet, ${countOf('bogdanov-takens')} Bogdanov-Takens point(s) where a Hopf curve ends on a fold curve, ${countOf('bautin')} Bautin point(s). W = ${JSON.stringify(p.W)}.`,
        x: { title: na, min: aMin, max: aMax },
        y: { title: nb, min: bMin, max: bMax },
        series: curveSeries,
      }),
    );
    const labels = [...new Set(cells.map((c) => c.label))].sort(compareLabels);
    const regionSeries: Series[] = labels.map((label, i) => {
      const pts = cells.filter((c) => c.label === label);
      return { label, x: pts.map((c) => c.a), y: pts.map((c) => c.b), pointsOnly: true, pointStyle: 'rect', pointRadius: 5, color: REGION_COLORS[i % REGION_COLORS.length]! };
    });
    charts.push(
      lineChart({
        id: 'regions',
        title: `What attracts where: stable equilibria and limit cycles (${p.grid} × ${p.grid} grid)`,
        caption: `Each square is a grid point coloured by what brute force finds there: the number of stable equilibria (root counting along the y₁-nullcline, eigenvalues of the Jacobian) and of limit cycles (simulated from next to every unstable equilibrium). The continuation's curves are drawn over it: the colours change across them. Limit cycles also appear and vanish on curves this study does not trace (homoclinic orbits, folds of cycles), so a colour boundary without a drawn curve is not an error.`,
        x: { title: na, min: aMin, max: aMax },
        y: { title: nb, min: bMin, max: bMax },
        series: [...regionSeries, ...curveSeries],
      }),
    );
    ctx.progress(total, total, 'done');

    const theory: TheoryRow[] = [
      {
        quantity: 'fold-curve crossings of the check lines where the brute-force count of equilibria jumps by 2',
        theory: foldCrossings,
        measured: foldJumps,
        source: 'at a fold two equilibria collide; counts by root finding at +-1e-3 of each crossing',
        agrees: foldCrossings > 0 && foldJumps === foldCrossings,
        tolerance: 'every crossing',
      },
      {
        quantity: 'Hopf-curve crossings where the number of stable equilibria changes by 1 (count unchanged)',
        theory: hopfCrossings,
        measured: hopfJumps,
        source: 'at a Hopf point a complex pair crosses the imaginary axis',
        agrees: hopfJumps === hopfCrossings,
        tolerance: 'every crossing',
      },
      {
        quantity: 'largest |trace J| at brute-force equilibria on the Hopf crossings',
        theory: 0,
        measured: maxHopfTrace.toExponential(2),
        source: 'a planar Hopf point has trace J = 0, det J > 0',
        agrees: maxHopfTrace < 1e-8,
        tolerance: '< 10⁻⁸',
      },
    ];
    if (countOf('bogdanov-takens') > 0) {
      theory.push({
        quantity: 'Bogdanov-Takens points: fold-curve route (w . v = 0) against Hopf-curve route (omega = 0)',
        theory: '0',
        measured: btAgreement.toExponential(2),
        source: 'both end in Newton on the Jordan-chain system (Govaerts 2000)',
        agrees: btAgreement < 1e-8,
        tolerance: '< 10⁻⁸',
      });
    }
    if (hopfCycle) {
      theory.push({
        quantity: 'limit cycle past the most isolated supercritical Hopf crossing: amplitude / normal form, growth exponent',
        theory: '1, 0.5',
        measured: `${fmt(cycleRatio, 4)}, ${fmt(cycleExponent, 4)}`,
        source: 'first Lyapunov coefficient (Kuznetsov 2004, eq. 3.20); RK4 simulation',
        agrees: Math.abs(cycleRatio - 1) < 0.05 && Math.abs(cycleExponent - 0.5) < 0.05,
        tolerance: 'within 5 %, exponent ± 0.05',
      });
    }
    const discussion = [
      `**The curves.** Each scan line ${nb} = const was continued in ${na} from every equilibrium; its folds and Hopf points seeded continuations of their augmented systems with both parameters free (fold: f = 0, A v = 0; Hopf: f = 0, A q = iω q), and short scans next to each Bogdanov-Takens point caught the Hopf curves that cross no scan line. Found: ${folds.length} fold curve(s), ${hopfs.length} Hopf curve(s), ${countOf('cusp')} cusp(s), ${countOf('bogdanov-takens')} Bogdanov-Takens and ${countOf('bautin')} Bautin point(s).`,
      `**Against brute force.** Along ${p.checkLines} horizontal lines, every crossing by a fold curve changes the number of equilibria found by root counting by two (${foldJumps} of ${foldCrossings}) and every crossing by a Hopf curve the number of stable ones by one (${hopfJumps} of ${hopfCrossings}); at the Hopf crossings trace J vanishes to ${maxHopfTrace.toExponential(1)} at the brute-force equilibrium.${hopfCycle ? ` Past the most isolated supercritical Hopf crossing a simulated limit cycle has ${fmt(cycleRatio, 4)} times the normal form's amplitude and grows with exponent ${fmt(cycleExponent, 4)}.` : ''}`,
      `**Regions.** ${Object.entries(regions)
        .sort((x, y) => compareLabels(x[0], y[0]))
        .map(([l, n]) => `${l}: ${n} grid points`)
        .join('; ')}. Where a region with one stable equilibrium borders an oscillating one without a Hopf curve between them, the cycle is born elsewhere: on a fold curve as a saddle-node on an invariant circle (the period diverges there), or at a homoclinic orbit (Beer 1995 describes both).`,
      `**Why it matters for learning.** A learning rule that changes the biases moves the network across this plane: crossing a fold curve makes an attractor vanish (the state jumps and the loss with it), crossing a Hopf curve turns a steady state into an oscillation. The learning-through-bifurcation study draws gradient descent's path over such a diagram.`,
    ].join('\n\n');
    const summary = {
      parameters: p.parameters,
      box: p.box,
      curves: d.curves.map((c) => ({ kind: c.kind, points: c.points.length, ends: c.ends })),
      counts: { foldCurves: folds.length, hopfCurves: hopfs.length, cusp: countOf('cusp'), bogdanovTakens: countOf('bogdanov-takens'), bautin: countOf('bautin') },
      special: d.special.map((s) => ({ type: s.type, a: s.a, b: s.b, state: s.x, located: s.located, curves: s.curves })),
      regions,
      gridPoints: cells.length,
      bruteForce: { lines, foldCrossings, hopfCrossings, foldCrossingsWithCountJump: foldJumps, hopfCrossingsWithStableJump: hopfJumps, maxHopfTrace, maxFoldOffset },
      btAgreement,
      ...(hopfCycle ? { hopfCycle } : {}),
    };
    return {
      summary,
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      tables: {
        curves: {
          header: ['curve', 'kind', p.parameters[0], p.parameters[1], 'y1', 'y2'],
          rows: d.curves.flatMap((c, i) => c.points.map((q) => [i + 1, c.kind, q.a, q.b, q.x[0]!, q.x[1]!])),
        },
        'special-points': {
          header: ['type', p.parameters[0], p.parameters[1], 'y1', 'y2', 'located by Newton'],
          rows: d.special.map((s) => [POINT_STYLE[s.type]!.label, s.a, s.b, s.x[0]!, s.x[1]!, s.located ? 'yes' : 'no']),
        },
        regions: { header: [p.parameters[0], p.parameters[1], 'attractors'], rows: cells.map((c) => [c.a, c.b, c.label]) },
      },
    };
  },
};

function regionLabel(stable: number, cycles: number): string {
  const eq = stable === 1 ? '1 stable equilibrium' : `${stable} stable equilibria`;
  if (cycles === 0) return eq;
  const cy = cycles === 1 ? '1 limit cycle' : `${cycles} limit cycles`;
  return stable === 0 ? cy : `${cy} + ${eq}`;
}

/** Order labels by number of limit cycles, then of stable equilibria. */
function compareLabels(x: string, y: string): number {
  const parse = (s: string): [number, number] => {
    const c = /(\d+) limit cycle/.exec(s);
    const e = /(\d+) stable equilibri/.exec(s);
    return [c ? Number(c[1]) : 0, e ? Number(e[1]) : 0];
  };
  const [cx, ex] = parse(x);
  const [cy, ey] = parse(y);
  return cx - cy || ex - ey;
}
