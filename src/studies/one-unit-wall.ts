/**
 * Study `one-unit-wall`: the error surface of the one-unit recurrent network
 * x_t = w sigma(x_{t-1}) + b with L = (x_T - target)^2 (Pascanu, Mikolov and Bengio 2013): the
 * wall where the loss jumps and the gradient explodes, its position at the fold of the map's
 * attractors, and one gradient step from the foot of the wall with and without clipping.
 *
 * Summary: `slice`: {b, loss, gradB} along b at w = w0; `wall`: {b, gradNorm, lossBefore,
 * lossAfter}; `fold`: the nearest fold b; `medianGradNorm` on the slice; `steps`: {unclipped,
 * clipped}: {w, b, gradNorm, stepLength, loss}; `surface` (for the heatmap); `replication`.
 */
import { z } from 'zod';
import { foldPoints } from '../dynamics/folds.ts';
import { oneUnitLoss, oneUnitStep, wallGradient } from '../dynamics/one-unit-map.ts';
import { lineChart } from '../report/chart-spec.ts';
import { heatmapChart } from '../report/heatmap.ts';
import { exact, fields, measured } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const range = z.object({ from: z.number(), to: z.number(), points: z.number().int().min(3).max(20001) }).strict();

const params = z
  .object({
    paper: paperSchema.optional(),
    x0: z.number().default(0.5).describe('initial state x_0'),
    T: z.number().int().min(1).max(10000).default(50).describe('steps T'),
    target: z.number().default(0.7).describe('target of x_T'),
    w0: z.number().default(5).describe('the weight of the slice along b'),
    b: range.default({ from: -3, to: -2, points: 4001 }).describe('grid of b for the slice'),
    surface: z
      .object({ w: range, b: range })
      .strict()
      .default({ w: { from: 3, to: 7, points: 41 }, b: { from: -4, to: -1, points: 31 } })
      .describe('grid of the loss surface heatmap'),
    lr: z.number().positive().default(0.1).describe('learning rate of the two steps'),
    threshold: z.number().positive().default(1).describe('clipping threshold of the clipped step'),
  })
  .strict();
export type OneUnitWallParams = z.infer<typeof params>;

const grid = (r: { from: number; to: number; points: number }) => Array.from({ length: r.points }, (_, i) => r.from + ((r.to - r.from) * i) / (r.points - 1));

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const step = fields({
  w: measured('w after the step'),
  b: measured('b after the step'),
  gradNorm: measured('gradient norm at the foot'),
  stepLength: measured('length of the applied step'),
  loss: measured('loss after the step'),
});
const oneUnitWallSummary = fields({
  w0: exact('w of the slice'),
  basinBoundary: fields(
    {
      b: measured('b = x_0 - w sigma(x_0): x_0 is a fixed point, the boundary of the basins'),
      lambda: measured('lambda = w sigma\'(x_0): the map\'s slope there'),
      dbTheory: measured('dL/db there in closed form, 2 (x_0 - target) (lambda^T - 1) / (lambda - 1)'),
      dbMeasured: measured('dL/db there by forward sensitivities'),
      relativeError: measured('|measured / closed form - 1|'),
    },
    'the gradient at the wall in closed form against the measurement',
  ),
  wallToBoundary: measured('|b of the wall on the grid - b of the basin boundary|'),
  wall: fields(
    {
      b: measured('b of the largest |dL/db| on the slice'),
      gradNorm: measured('gradient norm there'),
      lossBefore: measured('loss 20 grid points before'),
      lossAfter: measured('loss 20 grid points after'),
    },
    'the wall: the crest of |dL/db| along the slice',
  ),
  fold: measured('the fold b of the map\'s attractors nearest the wall'),
  wallToFold: measured('|b of the wall - b of the fold|'),
  gridSpacing: exact('spacing of the b grid'),
  medianGradNorm: measured('median gradient norm on the slice'),
  wallToMedianGradient: measured('gradient norm at the wall / median gradient norm'),
  foot: fields({ b: measured('b at the foot of the wall'), loss: measured('loss there'), gradNorm: measured('gradient norm there') }, 'where the steps start'),
  steps: fields({ unclipped: step, clipped: step }, 'one gradient step from the foot, without and with clipping'),
  stepLengthRatio: measured('unclipped / clipped step length'),
  replication: replicationSummarySchema.optional(),
});
export type OneUnitWallSummary = z.infer<typeof oneUnitWallSummary>;
export type OneUnitWallParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const oneUnitWallStudy: Study<OneUnitWallParams, OneUnitWallSummary> = {
  kind: 'one-unit-wall',
  summary: 'The wall in the error surface of a one-unit RNN: where the loss jumps and the gradient explodes (at a fold), and one clipped against one unclipped step (Pascanu et al. 2013).',
  params,
  chartIds: ['loss-surface', 'slice', 'steps'],
  summarySchema: oneUnitWallSummary,
  run(p, ctx) {
    const start = startStopwatch();
    const prob = { x0: p.x0, T: p.T, target: p.target };
    const bs = grid(p.b);
    const slice = bs.map((b) => oneUnitLoss(p.w0, b, prob));
    let k = 0;
    for (let i = 1; i < slice.length; i++) if (Math.abs(slice[i]!.db) > Math.abs(slice[k]!.db)) k = i;
    const sorted = slice.map((s) => Math.hypot(s.dw, s.db)).sort((a, c) => a - c);
    const median = sorted[sorted.length >> 1]!;
    const folds = foldPoints(p.w0);
    const fold = folds.length ? folds.reduce((a, f) => (Math.abs(f.b - bs[k]!) < Math.abs(a.b - bs[k]!) ? f : a)).b : NaN;
    // the foot of the wall: 20 grid points before its crest, on the side the loss is lower
    const side = slice[Math.max(0, k - 20)]!.loss <= slice[Math.min(slice.length - 1, k + 20)]!.loss ? -1 : 1;
    const footIndex = Math.min(slice.length - 1, Math.max(0, k + side * 3));
    const bFoot = bs[footIndex]!;
    const foot = oneUnitLoss(p.w0, bFoot, prob);
    const unclipped = oneUnitStep(p.w0, bFoot, prob, p.lr, null);
    const clipped = oneUnitStep(p.w0, bFoot, prob, p.lr, p.threshold);
    const ws = grid(p.surface.w);
    const sbs = grid(p.surface.b);
    const surface = sbs.map((b) => ws.map((w) => oneUnitLoss(w, b, prob).loss));
    ctx.progress(1, 1);
    const closed = wallGradient(p.w0, prob);
    const atWall = oneUnitLoss(p.w0, closed.b, prob);
    const summary: Record<string, unknown> = {
      w0: p.w0,
      basinBoundary: { b: closed.b, lambda: closed.lambda, dbTheory: closed.db, dbMeasured: atWall.db, relativeError: Math.abs(atWall.db / closed.db - 1) },
      wallToBoundary: Math.abs(bs[k]! - closed.b),
      wall: {
        b: bs[k],
        gradNorm: Math.hypot(slice[k]!.dw, slice[k]!.db),
        lossBefore: slice[Math.max(0, k - 20)]!.loss,
        lossAfter: slice[Math.min(slice.length - 1, k + 20)]!.loss,
      },
      fold,
      wallToFold: Math.abs(bs[k]! - fold),
      gridSpacing: (p.b.to - p.b.from) / (p.b.points - 1),
      medianGradNorm: median,
      wallToMedianGradient: Math.hypot(slice[k]!.dw, slice[k]!.db) / median,
      foot: { b: bFoot, loss: foot.loss, gradNorm: Math.hypot(foot.dw, foot.db) },
      steps: { unclipped, clipped },
      stepLengthRatio: unclipped.stepLength / clipped.stepLength,
    };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    const foldCurves = [0, 1].map((j) => {
      const w = ws.filter((x) => x > 4.0001);
      return { label: j === 0 ? 'folds of the attractors' : 'fold (upper)', x: w, y: w.map((x) => foldPoints(x)[j]!.b), dashed: true, color: j === 0 ? '#D55E00' : '#D55E00' };
    });
    const charts = [
      heatmapChart({
        id: 'loss-surface',
        title: `Loss (x_T − ${p.target})² over (w, b), T = ${p.T}, x₀ = ${p.x0}`,
        caption: 'The error surface of the one-unit network: flat plateaus separated by a wall where x₀ changes basin of attraction (black: b = x₀ − w σ(x₀), where the unstable fixed point passes x₀, drawn where w σ′(x₀) > 1); dashed: the two fold curves of the map\'s attractors (they meet at the cusp w = 4).',
        x: { title: 'w', values: ws },
        y: { title: 'b', values: sbs },
        values: surface,
        colorBar: { title: 'loss', min: 0, max: Math.max(...surface.flat()) },
        overlays: [
          foldCurves[0]!,
          { ...foldCurves[1]!, label: 'fold (second branch)', hideInLegend: true },
          // only where x_0 is the unstable fixed point (lambda = w sigma'(x_0) > 1) is the line a wall
          { label: 'the wall: basin boundary through x₀, b = x₀ − w σ(x₀)', x: ws.filter((w) => wallGradient(w, prob).lambda > 1), y: ws.filter((w) => wallGradient(w, prob).lambda > 1).map((w) => wallGradient(w, prob).b), color: '#000000' },
        ],
      }),
      lineChart({
        id: 'slice',
        title: `Loss and |∂L/∂b| along b at w = ${p.w0} (T = ${p.T})`,
        caption: `The loss jumps at b = ${bs[k]!.toFixed(4)} (dotted: the fold at b = ${fold.toFixed(5)}), where |∂L/∂b| peaks ${(Math.hypot(slice[k]!.dw, slice[k]!.db) / median).toExponential(1)} times its median over the slice.`,
        x: { title: 'b' },
        y: { title: 'value', log: true },
        series: [
          { label: 'loss', x: bs, y: slice.map((s) => s.loss) },
          { label: '|∂L/∂b|', x: bs, y: slice.map((s) => Math.abs(s.db)) },
          { label: 'fold', x: [fold, fold], y: [1e-8, 1e8], dotted: true, color: '#000000' },
        ],
      }),
      lineChart({
        id: 'steps',
        title: `One gradient step from the foot of the wall (b = ${bFoot.toFixed(4)}), lr = ${p.lr}`,
        caption: `Unclipped, the step is the learning rate times a gradient of norm ${unclipped.gradNorm.toPrecision(3)} and throws (w, b) a distance ${unclipped.stepLength.toPrecision(3)} away; clipped to norm ${p.threshold}, it moves ${clipped.stepLength.toPrecision(3)}.`,
        x: { title: 'w' },
        y: { title: 'b' },
        series: [
          { label: 'start', x: [p.w0], y: [bFoot], pointsOnly: true, pointRadius: 9 },
          { label: 'unclipped step', x: [p.w0, unclipped.w], y: [bFoot, unclipped.b], pointRadius: 6 },
          { label: `clipped step (threshold ${p.threshold})`, x: [p.w0, clipped.w], y: [bFoot, clipped.b], pointRadius: 6 },
        ],
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      { quantity: `b of the wall (the basin boundary passes x_0): x_0 - w sigma(x_0)`, theory: closed.b, measured: bs[k]!, source: 'unstable fixed point of x = w sigma(x) + b at x_0', agrees: Math.abs(bs[k]! - closed.b) <= (p.b.to - p.b.from) / (p.b.points - 1), tolerance: `within one grid step of b (${((p.b.to - p.b.from) / (p.b.points - 1)).toPrecision(3)})` },
      { quantity: `dL/db exactly at the wall: 2 (x_0 - target) (lambda^T - 1) / (lambda - 1), lambda = ${closed.lambda.toFixed(4)}`, theory: closed.db, measured: atWall.db, source: 'closed form (the state stays at the unstable fixed point)', agrees: Math.abs(atWall.db / closed.db - 1) < 1e-9, tolerance: 'relative error < 1e-9' },
      { quantity: `the bistable range at w = ${p.w0} (folds of the attractors)`, theory: folds.map((f) => f.b.toFixed(5)).join(' to '), measured: `wall at ${bs[k]!.toFixed(5)}`, source: 'w sigma\'(x*) = 1 (as Doya 1992, src/dynamics/folds.ts)', agrees: folds.length === 2 && bs[k]! > folds[0]!.b && bs[k]! < folds[1]!.b, tolerance: 'the wall lies strictly between the two folds' },
      { quantity: 'loss after one step: unclipped | clipped', theory: `start ${foot.loss.toPrecision(3)}`, measured: `${unclipped.loss.toPrecision(3)} | ${clipped.loss.toPrecision(3)}` },
    ];
    const discussion = [
      `For w > 4 the map x -> w sigma(x) + b has two attractors between its fold values of b (${folds.map((f) => f.b.toFixed(5)).join(' and ')} at w = ${p.w0}); which one x_0 = ${p.x0} falls into decides x_T, and it switches where the basin boundary, the unstable fixed point, passes x_0: at b = x_0 - w sigma(x_0) = ${closed.b.toFixed(5)}. There the state sits on the unstable fixed point for all T steps and dL/db = 2 (x_0 - target) (lambda^T - 1) / (lambda - 1) with lambda = w sigma'(x_0) = ${closed.lambda.toFixed(4)}: ${closed.db.toPrecision(5)} by the formula, ${atWall.db.toPrecision(5)} measured. On the grid the wall's crest is at b = ${bs[k]!.toFixed(5)}, where the gradient is ${(Math.hypot(slice[k]!.dw, slice[k]!.db) / median).toExponential(1)} times its median along the slice; the longer the sequence, the higher the wall (lambda^T).`,
      `A gradient step taken at the foot of the wall with learning rate ${p.lr} moves (w, b) by ${unclipped.stepLength.toPrecision(3)} (loss ${foot.loss.toPrecision(3)} -> ${unclipped.loss.toPrecision(3)}); rescaling the gradient to norm ${p.threshold} first (Pascanu et al., algorithm 1) keeps the step at ${clipped.stepLength.toPrecision(3)} (loss -> ${clipped.loss.toPrecision(3)}). Clipping does not make the step correct, only short: the direction is kept, so the next steps can still follow the surface.`,
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
