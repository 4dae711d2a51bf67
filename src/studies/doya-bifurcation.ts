/**
 * Study `doya-bifurcation`: the bifurcations of the one-neuron network dx/dt = -x + sigma(w x + b)
 * (Doya 1992). For a fixed self-weight w > 4 the equilibria against the bias b form an S-shaped
 * curve with two saddle-node folds; between them the network is bistable, and a slow ramp of b shows
 * hysteresis. In the (w, b) plane the folds form two curves meeting at the cusp (4, -2).
 *
 * Summary (paths for scenario checks):
 * - `foldPoints`: [{w, b, x}] from the closed form, sorted by b (w = 5: b = -2.65561 then -2.34439).
 * - `foldsMeasured`: [{b, x}] found without the closed form: b by bisection on the number of
 *   equilibria, x by golden-section search for the turning point of b(x) = logit(x) - w x.
 * - `cusp` {w, b, x} (closed form) and `cuspMeasured` {w}: bisection in w on the number of
 *   equilibria along the symmetry line b = -w/2.
 * - `bistableInterval` {bMin, bMax, width}.
 * - `equilibria`: [{b, count, equilibria: [{x, stable, eigenvalue}]}] for the listed b values, each
 *   list sorted by x (the full form, so the stability pattern and eigenvalues can be checked).
 * - `hysteresis` {rampRate, dt, upJumpB, downJumpB, upLag, downLag, predictedLag,
 *   upLagOverPredicted, downLagOverPredicted}: lag = distance in b past the fold,
 *   predictedLag = 2.33811 (sqrt(1 - 4/w)/2)^{-1/3} r^{2/3} (Haberman 1979).
 * Nothing is random here: the seed is unused.
 */
import { z } from 'zod';
import { count, exact, fields, flag, list, measured } from '../scenario/summary-schema.ts';
import { sigmoid } from '../activations/index.ts';
import { equilibriumBranches, type BranchSegment } from '../dynamics/continuation.ts';
import { equilibria, equilibriumCount, type Equilibrium } from '../dynamics/equilibria.ts';
import { biasAtEquilibrium, cusp, defaultBiasWindow, foldCurves, foldPoints, tableBiases } from '../dynamics/folds.ts';
import { hysteresisLoop, predictedJumpLag, type HysteresisRamp } from '../dynamics/hysteresis.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    w: z.number().gt(4).max(50).default(5).describe('Self-weight w of the neuron; w > 4 so that the network has two folds and a bistable range.'),
    bMin: z
      .number()
      .optional()
      .describe('Left end of the bias range of the diagram and of the hysteresis ramp. Default: derived from w so that both folds lie inside, -w/2 - max(0.5, 1.5 x half the bistable width) (-3 for w = 5).'),
    bMax: z.number().optional().describe('Right end of the bias range. Default: derived from w, -w/2 + max(0.5, 1.5 x half the bistable width) (-2 for w = 5).'),
    tableB: z
      .array(z.number())
      .min(1)
      .max(50)
      .optional()
      .describe('Bias values at which the equilibria, their stability and eigenvalues are tabulated. Default: seven values across the window (-3, -2.7, -2.6, -2.5, -2.4, -2.3, -2 for w = 5).'),
    branchPoints: z.number().int().min(10).max(10000).default(300).describe('Samples per branch segment of the bifurcation diagram.'),
    ramp: z
      .object({
        rate: z.number().positive().max(0.1).default(1e-4).describe('Ramp rate r = |db/dt|: slower ramps jump closer to the folds (lag ~ r^{2/3}).'),
        dt: z.number().positive().max(0.5).default(0.1).describe('Largest RK4 step of the ramp integration.'),
      })
      .strict()
      .prefault({})
      .describe('The slow bias ramp that shows hysteresis.'),
    twoParameter: z
      .object({
        wMin: z.number().min(0).default(2).describe('Left edge of the (w, b) chart.'),
        wMax: z.number().gt(4).max(50).default(8).describe('Right edge of the (w, b) chart (the fold curves exist for w > 4).'),
        points: z.number().int().min(10).max(10000).default(200).describe('Samples along each fold curve.'),
      })
      .strict()
      .prefault({})
      .describe('The two-parameter chart of the fold curves and the cusp.'),
  })
  .strict()
  .transform((p) => {
    // dependent defaults: the window follows w (a fixed [-3, -2] misses the folds for w >= 6.2)
    const window = defaultBiasWindow(p.w);
    const bMin = p.bMin ?? window.bMin;
    const bMax = p.bMax ?? window.bMax;
    return { ...p, bMin, bMax, tableB: p.tableB ?? tableBiases(bMin, bMax) };
  })
  .refine((p) => p.bMin < p.bMax, { message: 'bMin must be below bMax', path: ['bMax'] })
  .refine((p) => p.twoParameter.wMin < p.twoParameter.wMax, { message: 'twoParameter.wMin must be below wMax', path: ['twoParameter', 'wMax'] })
  .refine((p) => (p.bMax - p.bMin) / (p.ramp.rate * p.ramp.dt) <= 5e7, {
    message: 'the ramp needs more than 5e7 RK4 steps: raise ramp.rate or ramp.dt',
    path: ['ramp', 'rate'],
  });

export type DoyaBifurcationParams = z.infer<typeof params>;

const CHART_IDS = ['bifurcation-diagram', 'hysteresis', 'two-parameter', 'phase-line'] as const;

const STABLE_COLOR = '#0072B2';
const UNSTABLE_COLOR = '#D55E00';
const FOLD_COLOR = '#000000';

/** Golden-section search for the extremum of b(x) on [lo, hi] (min when sign = 1, max when -1). */
function foldXByTurningPoint(w: number, lo: number, hi: number, sign: 1 | -1): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let c = hi;
  for (let it = 0; it < 200 && c - a > 1e-15; it++) {
    const m1 = c - phi * (c - a);
    const m2 = a + phi * (c - a);
    if (sign * biasAtEquilibrium(w, m1) < sign * biasAtEquilibrium(w, m2)) c = m2;
    else a = m1;
  }
  return 0.5 * (a + c);
}

/** The b between lo and hi (either order) where the equilibrium count changes from countLo, by bisection. */
function bisectCount(w: number, lo: number, hi: number, countLo: number): number {
  let a = lo;
  let c = hi;
  for (let it = 0; it < 200 && Math.abs(c - a) > 1e-14; it++) {
    const m = 0.5 * (a + c);
    if (equilibriumCount(w, m) === countLo) a = m;
    else c = m;
  }
  return 0.5 * (a + c);
}

/** Keep a ramp point when it moved far enough in b or x since the last kept one (sharp jumps stay sharp). */
function thin(r: HysteresisRamp, db: number, dx: number): { b: number[]; x: number[] } {
  const b: number[] = [r.b[0]!];
  const x: number[] = [r.x[0]!];
  const n = r.b.length;
  for (let k = 1; k < n; k++) {
    if (k === n - 1 || Math.abs(r.b[k]! - b[b.length - 1]!) >= db || Math.abs(r.x[k]! - x[x.length - 1]!) >= dx) {
      b.push(r.b[k]!);
      x.push(r.x[k]!);
    }
  }
  return { b, x };
}

function branchSeries(branches: BranchSegment[], muted: boolean): Series[] {
  const out: Series[] = [];
  let stableShown = false;
  let unstableShown = false;
  for (const s of branches) {
    const shown = s.stable ? stableShown : unstableShown;
    out.push({
      label: s.stable ? 'stable equilibria (attractors)' : 'unstable equilibria (basin boundary)',
      x: s.b,
      y: s.x,
      dashed: !s.stable,
      color: muted ? (s.stable ? '#9a9a9a' : '#c0c0c0') : s.stable ? STABLE_COLOR : UNSTABLE_COLOR,
      lineWidth: muted ? 2 : 3,
      hideInLegend: shown,
    });
    if (s.stable) stableShown = true;
    else unstableShown = true;
  }
  return out;
}

function fmt(v: number, digits = 5): string {
  return v.toFixed(digits);
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const doyaBifurcationSummary = fields({
  w: exact('self-weight w of the network'),
  window: fields({ bMin: exact('left end of the bias window (given, or derived from w)'), bMax: exact('right end of the bias window') }, 'the bias range of the diagram and the ramp'),
  foldPoints: list(fields({ w: exact('self-weight'), b: measured('bias of the fold'), x: measured('state at the fold, (1 +- sqrt(1 - 4/w))/2') }), 'the two folds from the closed form b = logit(x) - w x, sorted by b (w = 5: -2.65561, -2.34439)'),
  foldsMeasured: list(fields({ b: measured('fold bias by bisection on the number of equilibria'), x: measured('fold state by golden-section search for the turning point of b(x)') }), 'the folds found without the closed form, in the order of foldPoints'),
  cusp: fields({ w: exact('4'), b: exact('-2'), x: exact('1/2') }, 'the cusp where the folds meet (closed form)'),
  cuspMeasured: fields({ w: measured('w where three equilibria appear along b = -w/2, by bisection') }),
  bistableInterval: fields({ bMin: measured('lower fold b'), bMax: measured('upper fold b'), width: measured('bMax - bMin') }, 'the range of b with two attractors'),
  equilibria: list(
    fields({
      b: exact('tabulated bias'),
      count: count('number of equilibria (1 or 3)'),
      equilibria: list(fields({ x: measured('equilibrium state'), stable: flag('true for an attractor'), eigenvalue: measured('-1 + w x (1 - x)') }), 'the equilibria sorted by x'),
    }),
    'equilibria at each tableB value',
  ),
  countsAgree: flag('every tabulated count is 3 strictly between the folds and 1 outside'),
  stabilityPatternAgrees: flag('stable, unstable, stable wherever there are three'),
  hysteresis: fields(
    {
      rampRate: exact('ramp rate r = |db/dt|'),
      dt: exact('RK4 step of the ramp'),
      foldsInWindow: flag('both folds lie inside the bias window (else the ramp cannot cross them)'),
      upJumpB: measured('b of the jump on the way up (fastest |dx/dt|)'),
      downJumpB: measured('b of the jump on the way down'),
      upLag: measured('upJumpB minus the upper fold'),
      downLag: measured('the lower fold minus downJumpB'),
      predictedLag: measured('2.33811 (sqrt(1 - 4/w)/2)^(-1/3) r^(2/3) (Haberman 1979)'),
      upLagOverPredicted: measured('upLag / predictedLag'),
      downLagOverPredicted: measured('downLag / predictedLag'),
      loopWidth: measured('upJumpB - downJumpB'),
    },
    'the slow bias ramp up and down',
  ),
});
export type DoyaBifurcationSummary = z.infer<typeof doyaBifurcationSummary>;
export type DoyaBifurcationParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const doyaBifurcationStudy: Study<DoyaBifurcationParams, DoyaBifurcationSummary> = {
  kind: 'doya-bifurcation',
  summary: 'One-neuron network (Doya 1992): folds, bistability, hysteresis and the cusp.',
  params,
  chartIds: CHART_IDS,
  summarySchema: doyaBifurcationSummary,
  run(p, ctx) {
    const { w, bMin, bMax } = p;
    const total = 4;
    ctx.progress(0, total, 'folds');

    // --- folds: closed form and two independent measurements
    const folds = foldPoints(w);
    const [lower, upper] = [folds[0]!, folds[1]!];
    const r = Math.sqrt(1 - 4 / w);
    const xLowFold = foldXByTurningPoint(w, 1e-9, 0.5, -1); // b(x) has its local max at the low-x fold
    const xHighFold = foldXByTurningPoint(w, 0.5, 1 - 1e-9, 1);
    // the count is 1 far below and far above the bistable range, 3 inside; bracket each fold
    const bInside = biasAtEquilibrium(w, 0.5);
    const bFar = 10 + w;
    const bLowerMeasured = bisectCount(w, bInside, -bFar - w, 3);
    const bUpperMeasured = bisectCount(w, bInside, bFar, 3);
    const foldsMeasured = [
      { b: bLowerMeasured, x: xHighFold },
      { b: bUpperMeasured, x: xLowFold },
    ];
    // cusp: along the symmetry line b = -w/2 (x = 1/2 is always an equilibrium there), three
    // equilibria appear exactly when w passes 4
    let wa = 1;
    let wc = 10;
    for (let it = 0; it < 200 && wc - wa > 1e-13; it++) {
      const m = 0.5 * (wa + wc);
      if (equilibriumCount(m, -m / 2) === 1) wa = m;
      else wc = m;
    }
    const cuspMeasured = { w: 0.5 * (wa + wc) };
    ctx.progress(1, total, 'equilibria');

    // --- equilibria table
    const inside = (b: number): boolean => b > lower.b && b < upper.b;
    const table = p.tableB.map((b) => {
      const eq: Equilibrium[] = equilibria(w, b);
      return { b, count: eq.length, equilibria: eq.map((e) => ({ x: e.x, stable: e.stable, eigenvalue: e.eigenvalue })) };
    });
    const countsAgree = table.every((row) => row.count === (inside(row.b) ? 3 : 1));
    const patternsAgree = table.every(
      (row) => row.count !== 3 || (row.equilibria[0]!.stable && !row.equilibria[1]!.stable && row.equilibria[2]!.stable),
    );
    // eigenvalue just inside the folds: tends to 0 like sqrt(distance)
    const nearFold = equilibria(w, upper.b - 1e-10);
    const foldEigenvalue = nearFold.length === 3 ? Math.max(Math.abs(nearFold[0]!.eigenvalue), Math.abs(nearFold[1]!.eigenvalue)) : NaN;
    ctx.progress(2, total, 'hysteresis');

    // --- hysteresis
    const loop = hysteresisLoop({ w, bMin, bMax, rate: p.ramp.rate, dt: p.ramp.dt });
    const predictedLag = predictedJumpLag(w, p.ramp.rate);
    const upLag = loop.up.jumpB - upper.b;
    const downLag = lower.b - loop.down.jumpB;
    const foldsInWindow = lower.b > bMin && upper.b < bMax;
    const hysteresis = {
      rampRate: p.ramp.rate,
      dt: loop.dt,
      foldsInWindow,
      upJumpB: loop.up.jumpB,
      downJumpB: loop.down.jumpB,
      upLag,
      downLag,
      predictedLag,
      upLagOverPredicted: upLag / predictedLag,
      downLagOverPredicted: downLag / predictedLag,
      loopWidth: loop.up.jumpB - loop.down.jumpB,
    };
    ctx.progress(3, total, 'charts');

    // --- charts
    const branches = equilibriumBranches(w, bMin, bMax, p.branchPoints);
    const foldMarks: Series = {
      label: 'folds (saddle-node)',
      x: folds.map((f) => f.b),
      y: folds.map((f) => f.x),
      pointsOnly: true,
      pointStyle: 'rectRot',
      pointRadius: 9,
      color: FOLD_COLOR,
      z: 1,
    };
    const charts: ChartSpec[] = [];
    charts.push(
      lineChart({
        id: 'bifurcation-diagram',
        title: `Equilibria of dx/dt = −x + σ(${w}x + b) against the bias b`,
        caption: `Equilibrium states x* against b for w = ${w}. Solid: stable equilibria (attractors); dashed: the unstable middle equilibrium, the boundary between the two basins. The branches meet at the folds b = ${fmt(lower.b)} and b = ${fmt(upper.b)}; between them the network is bistable.`,
        x: { title: 'bias b', min: bMin, max: bMax },
        y: { title: 'equilibrium state x*', min: 0, max: 1 },
        series: [...branchSeries(branches, false), foldMarks],
      }),
    );
    const up = thin(loop.up, (bMax - bMin) / 1500, 0.004);
    const down = thin(loop.down, (bMax - bMin) / 1500, 0.004);
    charts.push(
      lineChart({
        id: 'hysteresis',
        title: `Hysteresis under a slow bias ramp (w = ${w}, db/dt = ${p.ramp.rate})`,
        caption: `The state x(t) while b is ramped up from ${bMin} to ${bMax} and back down at rate ${p.ramp.rate}, over the equilibrium branches (grey). Going up, x stays on the lower branch until that branch ends at the fold b = ${fmt(upper.b)} and jumps at b = ${fmt(loop.up.jumpB)}; going down it jumps at b = ${fmt(loop.down.jumpB)}, past the other fold b = ${fmt(lower.b)}.`,
        x: { title: 'bias b', min: bMin, max: bMax },
        y: { title: 'state x', min: 0, max: 1 },
        series: [
          ...branchSeries(branches, true),
          { label: 'ramp up (b increasing)', x: up.b, y: up.x, color: '#D55E00', lineWidth: 3 },
          { label: 'ramp down (b decreasing)', x: down.b, y: down.x, color: '#009E73', lineWidth: 3 },
          { ...foldMarks, color: '#000000', z: 1 },
          {
            label: 'detected jumps (fastest |dx/dt|)',
            x: [loop.up.jumpB, loop.down.jumpB],
            y: [jumpX(loop.up), jumpX(loop.down)],
            pointsOnly: true,
            pointStyle: 'triangle',
            pointRadius: 9,
            color: '#CC79A7',
            z: 1,
          },
        ],
      }),
    );
    const curves = foldCurves(p.twoParameter.wMin, p.twoParameter.wMax, p.twoParameter.points);
    const bLo = Math.min(...curves.lowerB, bMin);
    const bHi = Math.max(...curves.upperB, bMax);
    charts.push(
      lineChart({
        id: 'two-parameter',
        title: 'Fold curves in the (w, b) plane meet at the cusp (4, −2)',
        caption: `The two saddle-node curves b(w) = logit(x) − wx at x = (1 ± √(1 − 4/w))/2. Inside the shaded wedge the network has three equilibria (two attractors); outside, one. The wedge closes at the cusp w = 4, b = −2; the grey dashed line is this scenario's w = ${w}, crossing the folds at the diagram's fold points.`,
        x: { title: 'self-weight w', min: p.twoParameter.wMin, max: p.twoParameter.wMax },
        y: { title: 'bias b' },
        series: [
          { label: 'fold where the upper attractor is born (x > 1/2)', x: curves.w, y: curves.lowerB, color: STABLE_COLOR },
          { label: 'fold where the lower attractor dies (x < 1/2); bistable between', x: curves.w, y: curves.upperB, color: UNSTABLE_COLOR, fill: 0 },
          { label: 'cusp (4, −2)', x: [cusp.w], y: [cusp.b], pointsOnly: true, pointStyle: 'rectRot', pointRadius: 10, color: FOLD_COLOR, z: 1 },
          { label: `w = ${w}`, x: [w, w], y: [bLo, bHi], reference: true, lineWidth: 2 },
          { label: `folds at w = ${w}`, x: folds.map((f) => f.w), y: folds.map((f) => f.b), pointsOnly: true, pointStyle: 'circle', pointRadius: 7, color: '#CC79A7', z: 1 },
        ],
      }),
    );
    const nx = 301;
    const xs = Array.from({ length: nx }, (_, i) => i / (nx - 1));
    const phaseSeries: Series[] = p.tableB.map((b) => ({
      label: `b = ${b}`,
      x: xs,
      y: xs.map((x) => -x + sigmoid(w * x + b)),
      lineWidth: 2,
    }));
    const stableX: number[] = [];
    const unstableX: number[] = [];
    for (const row of table) for (const e of row.equilibria) (e.stable ? stableX : unstableX).push(e.x);
    charts.push(
      lineChart({
        id: 'phase-line',
        title: `Phase lines: dx/dt against x for each tabulated b (w = ${w})`,
        caption: 'The velocity dx/dt = −x + σ(wx + b), one colour per tabulated b. Zeros are equilibria: where the curve crosses downward the equilibrium attracts (filled circles), where it crosses upward it repels (crosses). A fold is where a hump of the curve just touches zero.',
        x: { title: 'state x', min: 0, max: 1 },
        y: { title: 'dx/dt' },
        series: [
          ...phaseSeries,
          { label: 'dx/dt = 0', x: [0, 1], y: [0, 0], reference: true, hideInLegend: true },
          { label: 'stable equilibria', x: stableX, y: stableX.map(() => 0), pointsOnly: true, pointStyle: 'circle', color: '#000000', z: 1 },
          { label: 'unstable equilibria', x: unstableX, y: unstableX.map(() => 0), pointsOnly: true, pointStyle: 'crossRot', pointRadius: 10, color: '#000000', z: 1 },
        ],
      }),
    );
    ctx.progress(4, total, 'done');

    // --- theory table
    const lagOk = (lag: number, foldB: number): boolean => foldB > bMin && foldB < bMax && lag > 0 && Math.abs(lag / predictedLag - 1) < 0.15;
    const theory: TheoryRow[] = [
      {
        quantity: 'fold where the upper attractor is born: b',
        theory: fmt(lower.b, 6),
        measured: fmt(bLowerMeasured, 6),
        source: 'b = logit(x) - w x at x = (1 + sqrt(1 - 4/w))/2; measured by bisection on the number of equilibria',
        agrees: Math.abs(bLowerMeasured - lower.b) < 1e-9,
        tolerance: 'absolute 1e-9',
      },
      {
        quantity: 'fold where the lower attractor dies: b',
        theory: fmt(upper.b, 6),
        measured: fmt(bUpperMeasured, 6),
        source: 'b = logit(x) - w x at x = (1 - sqrt(1 - 4/w))/2; measured by bisection on the number of equilibria',
        agrees: Math.abs(bUpperMeasured - upper.b) < 1e-9,
        tolerance: 'absolute 1e-9',
      },
      {
        quantity: 'fold states x = (1 +- sqrt(1 - 4/w))/2',
        theory: `${fmt((1 + r) / 2, 6)}, ${fmt((1 - r) / 2, 6)}`,
        measured: `${fmt(xHighFold, 6)}, ${fmt(xLowFold, 6)}`,
        source: 'turning points of b(x) found by golden-section search',
        agrees: Math.abs(xHighFold - (1 + r) / 2) < 1e-6 && Math.abs(xLowFold - (1 - r) / 2) < 1e-6,
        tolerance: 'absolute 1e-6 (golden-section resolution)',
      },
      {
        quantity: 'eigenvalue at a fold (1e-10 inside it)',
        theory: 0,
        measured: foldEigenvalue.toExponential(2),
        source: 'saddle-node: -1 + w x (1 - x) = 0 where x (1 - x) = 1/w',
        agrees: foldEigenvalue < 1e-4,
        tolerance: 'below 1e-4 (evaluated 1e-10 inside the fold)',
      },
      {
        quantity: 'cusp: weight where bistability begins',
        theory: '(w, b, x) = (4, -2, 0.5)',
        measured: `w = ${cuspMeasured.w.toFixed(9)} (bisection along b = -w/2)`,
        source: 'Doya 1992: the folds merge where 1 - 4/w = 0',
        agrees: Math.abs(cuspMeasured.w - 4) < 1e-9,
        tolerance: 'absolute 1e-9',
      },
      {
        quantity: `number of equilibria at b = ${p.tableB.join(', ')}`,
        theory: p.tableB.map((b) => (inside(b) ? 3 : 1)).join(', '),
        measured: table.map((row) => row.count).join(', '),
        source: '3 strictly between the folds, 1 outside',
        agrees: countsAgree,
        tolerance: 'exact counts',
      },
      {
        quantity: 'stability inside the bistable range',
        theory: 'stable, unstable, stable (by x)',
        measured: patternsAgree ? 'stable, unstable, stable at every tabulated b' : 'pattern differs',
        source: 'sign of -1 + w x (1 - x): positive only between the fold states',
        agrees: patternsAgree,
        tolerance: 'exact pattern',
      },
      {
        quantity: `up-ramp jump b (rate ${p.ramp.rate})`,
        theory: `${fmt(upper.b)} + ${predictedLag.toExponential(2)}`,
        measured: `${fmt(loop.up.jumpB)} (lag ${upLag.toExponential(2)})`,
        source: 'fold plus the slow-passage lag 2.33811 (sqrt(1-4/w)/2)^(-1/3) r^(2/3) (Haberman 1979)',
        agrees: lagOk(upLag, upper.b),
        tolerance: 'relative 15 % on the lag (leading-order law), fold inside the window',
      },
      {
        quantity: `down-ramp jump b (rate ${p.ramp.rate})`,
        theory: `${fmt(lower.b)} - ${predictedLag.toExponential(2)}`,
        measured: `${fmt(loop.down.jumpB)} (lag ${downLag.toExponential(2)})`,
        source: 'same law at the other fold (the system is symmetric under x -> 1 - x, b -> -w - b)',
        agrees: lagOk(downLag, lower.b),
        tolerance: 'relative 15 % on the lag (leading-order law), fold inside the window',
      },
    ];

    const discussion = [
      `**The bifurcation diagram.** For w = ${w} the equilibrium condition x = sigmoid(w x + b) is easiest to read sideways: b = logit(x) - w x. This curve is S-shaped in the (b, x) plane, so for b between ${fmt(lower.b)} and ${fmt(upper.b)} three equilibria coexist: two attractors (solid) and between them an unstable one (dashed). The unstable equilibrium is the *basin boundary*: a state starting above it flows to the upper attractor, one starting below flows to the lower one. At each end of the bistable range an attractor and the unstable point collide and vanish: a saddle-node (fold) bifurcation, where the eigenvalue -1 + w x(1 - x) passes through 0 (Doya 1992).`,
      foldsInWindow
        ? `**Hysteresis.** Because an attractor survives until its own fold, the state's history matters: ramping b up, x rides the lower branch past the symmetry point b = ${-w / 2} and only jumps once that branch has disappeared at b = ${fmt(upper.b)} (measured jump at b = ${fmt(loop.up.jumpB)}); ramping down it stays high until b = ${fmt(lower.b)} (measured jump at b = ${fmt(loop.down.jumpB)}). The jumps land past the folds because near a fold the flow is slow (the eigenvalue is near 0) and the ramp keeps moving; this lag shrinks like r^(2/3) as the ramp rate r goes to 0 (slow passage through a saddle-node, Haberman 1979). Here it was ${upLag.toExponential(2)} going up and ${downLag.toExponential(2)} going down, against the leading-order ${predictedLag.toExponential(2)}.`
        : `**Hysteresis.** The ramp covers b in [${bMin}, ${bMax}], which does not contain both folds (b = ${fmt(lower.b)} and ${fmt(upper.b)}), so it cannot cross them and no fold jump was measured: the hysteresis rows of the table and the hysteresis chart do not test the theory for this window.`,
      `**Two parameters.** In the (w, b) plane the folds trace two curves that meet at the cusp (w, b) = (4, -2). For w < 4 the neuron's self-excitation is too weak for bistability (the slope w sigmoid' never exceeds 1), and every b has a single attractor. Learning moves (w, b) through this plane: each time a trajectory of the parameters crosses a fold curve, an attractor appears or disappears and the network's output can change abruptly.`,
      `**Why this matters for gradients.** Doya (1992) pointed out that gradient descent on a recurrent network can cross such bifurcations, where the loss is discontinuous in the parameters and gradients blow up; Pascanu, Mikolov and Bengio (2013) use the same one-neuron picture to explain exploding gradients: near a basin boundary (the dashed branch) a small change of b or of the initial state decides which attractor is reached, so derivatives of the final state grow exponentially with the horizon, while deep inside a basin they decay exponentially (vanishing gradients). The companion scenario doya-geometric-loss measures exactly this.`,
    ].join('\n\n');

    const summary = {
      w,
      window: { bMin, bMax },
      foldPoints: folds.map((f) => ({ w: f.w, b: f.b, x: f.x })),
      foldsMeasured,
      cusp: { w: cusp.w, b: cusp.b, x: cusp.x },
      cuspMeasured,
      bistableInterval: { bMin: lower.b, bMax: upper.b, width: upper.b - lower.b },
      equilibria: table,
      countsAgree,
      stabilityPatternAgrees: patternsAgree,
      hysteresis,
    };
    const warnings = foldsInWindow
      ? []
      : [`the bias window [${bMin}, ${bMax}] does not contain both folds (b = ${fmt(lower.b)} and ${fmt(upper.b)} for w = ${w}): the ramp cannot cross them, so no hysteresis jump at a fold was measured; omit bMin/bMax to derive the window from w, or widen it`];
    return {
      summary,
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      warnings,
      tables: {
        equilibria: {
          header: ['b', 'count', 'x', 'stable', 'eigenvalue'],
          rows: table.flatMap((row) => row.equilibria.map((e) => [row.b, row.count, e.x, e.stable ? 'yes' : 'no', e.eigenvalue])),
        },
      },
    };
  },
};

function jumpX(r: HysteresisRamp): number {
  // state at the sample nearest the detected jump
  const k = Math.round(((r.jumpB - r.b[0]!) / (r.b[r.b.length - 1]! - r.b[0]!)) * (r.b.length - 1));
  return r.x[Math.max(0, Math.min(r.b.length - 1, k))]!;
}
