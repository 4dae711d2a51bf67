/**
 * Study `mean-field-depth-scales`: q*, chi_1 and the depth scales xi_q, xi_c of deep random
 * networks against sigma_w^2 at a fixed sigma_b^2, the order-to-chaos line where xi_c diverges,
 * and xi_c measured in wide random networks against the mean-field value (Poole et al. 2016;
 * Schoenholz, Gilmer, Ganguli and Sohl-Dickstein 2017).
 *
 * Theory: src/analysis/mean-field.ts (meanFieldDepthScales, criticalSigmaW2). Measurement:
 * src/analysis/signal-propagation.ts: two inputs with correlation c0 and the fixed-point length
 * q* are sent through `networks` random networks of width N; the mean correlation c^l per layer
 * is fitted by |c^l - c*| ~ e^{-l / xi_c} over the layers where |c^l - c*| stays above
 * 3 / sqrt(N networks) (the finite-width noise floor of the mean).
 *
 * Summary: `curve[i]`: {sigmaW2, qStar, chi1, cStar, xiQ, xiC}; `criticalSigmaW2`; `peakXiCSigmaW2`
 * (the grid point of the largest xi_c); `measured[i]`: {sigmaW2, phase, cStar, xiCTheory,
 * xiCMeasured, ratio, c0, c: per-layer mean correlation}; `replication`.
 */
import { z } from 'zod';
import { activation as activationFromSpec } from '../activations/index.ts';
import { criticalSigmaW2, meanFieldDepthScales } from '../analysis/mean-field.ts';
import { decayDepth, propagateSignal } from '../analysis/signal-propagation.ts';
import { Rng } from '../init/rng.ts';
import { lineChart, type Series } from '../report/chart-spec.ts';
import { exact, fields, list, measured, text } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    paper: paperSchema.optional(),
    activation: z.string().min(1).default('tanh').describe('phi: a built-in name or a mathjs expression in x'),
    sigmaB2: z.number().nonnegative().default(0.05).describe('bias variance sigma_b^2'),
    sigmaW2: z
      .object({ from: z.number().positive(), to: z.number().positive(), points: z.number().int().min(3).max(400) })
      .strict()
      .default({ from: 0.5, to: 4, points: 71 })
      .describe('grid of sigma_w^2 for the mean-field curves'),
    measure: z.array(z.number().positive()).min(1).default([1, 1.3, 2.5, 3]).describe('sigma_w^2 at which xi_c is measured in random networks'),
    width: z.number().int().min(10).max(4000).default(800).describe('N: width of the measured networks'),
    depth: z.number().int().min(3).max(1000).default(40).describe('layers of the measured networks'),
    networks: z.number().int().min(1).max(100).default(4).describe('random networks averaged per measured sigma_w^2'),
  })
  .strict();
export type MeanFieldDepthScalesParams = z.infer<typeof params>;

const CHART_IDS = ['depth-scales', 'fixed-point-and-chi', 'correlation-decay'] as const;

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const meanFieldDepthScalesSummary = fields({
  activation: text('the activation phi'),
  sigmaB2: exact('sigma_b^2'),
  criticalSigmaW2: measured('sigma_w^2 of the order-to-chaos line (chi_1 = 1)'),
  peakXiCSigmaW2: exact('the grid sigma_w^2 with the largest mean-field xi_c'),
  gridSpacing: exact('spacing of the sigma_w^2 grid'),
  curve: list(
    fields({
      sigmaW2: exact('sigma_w^2'),
      qStar: measured('q*: fixed point of the length map'),
      chi1: measured('chi_1 = sigma_w^2 E[phi\'(sqrt(q*) z)^2]'),
      cStar: measured('c*: stable fixed point of the correlation map'),
      xiQ: measured('xi_q: depth scale of the length (null: infinite)'),
      xiC: measured('xi_c: depth scale of the correlation (null: infinite)'),
      phase: text('ordered or chaotic'),
    }),
    'the mean-field curves over the sigma_w^2 grid',
  ),
  measured: list(
    fields({
      sigmaW2: exact('sigma_w^2'),
      phase: text('ordered or chaotic'),
      cStar: measured('c* (mean field)'),
      c0: exact('correlation of the two inputs'),
      xiCTheory: measured('xi_c (mean field)'),
      xiCMeasured: measured('xi_c fitted to |c^l - c*| in the random networks'),
      ratio: measured('measured / mean field'),
      c: list(measured('mean correlation'), 'mean correlation of the two inputs per layer'),
    }),
    'xi_c measured in wide random networks, per sigma_w^2',
  ),
  worstMeasuredRatio: measured('the measured / mean-field ratio of xi_c farthest from 1'),
  replication: replicationSummarySchema.optional(),
});
export type MeanFieldDepthScalesSummary = z.infer<typeof meanFieldDepthScalesSummary>;
export type MeanFieldDepthScalesParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const meanFieldDepthScalesStudy: Study<MeanFieldDepthScalesParams, MeanFieldDepthScalesSummary> = {
  kind: 'mean-field-depth-scales',
  summary: 'q*, chi_1 and the depth scales xi_q, xi_c against sigma_w^2, the order-to-chaos line, and xi_c measured in wide random networks (Schoenholz et al. 2017).',
  params,
  chartIds: CHART_IDS,
  summarySchema: meanFieldDepthScalesSummary,
  run(p, ctx) {
    const start = startStopwatch();
    const f = activationFromSpec(p.activation);
    const { from, to, points } = p.sigmaW2;
    const grid = Array.from({ length: points }, (_, i) => from + ((to - from) * i) / (points - 1));
    const total = points + p.measure.length;
    let done = 0;
    const curve = grid.map((w) => {
      const s = meanFieldDepthScales(f, w, p.sigmaB2);
      ctx.progress(++done, total, `mean field sigma_w^2 = ${w.toFixed(2)}`);
      return { sigmaW2: w, qStar: s.qStar, chi1: s.chi1, cStar: s.cStar, xiQ: s.xiQ, xiC: s.xiC, phase: s.phase };
    });
    const critical = criticalSigmaW2(f, p.sigmaB2, from, to);
    let peak = curve[0]!;
    for (const c of curve) if (c.xiC > peak.xiC) peak = c;
    // the mean of `networks` traces fluctuates by ~1/sqrt(N networks) about the mean field
    const floor = 3 / Math.sqrt(p.width * p.networks);
    const measured = p.measure.map((w, k) => {
      const s = meanFieldDepthScales(f, w, p.sigmaB2);
      // start on the far side of c* from the unstable c = 1, so the approach is the linear one at rate chi_c
      const c0 = s.phase === 'chaotic' ? 0 : 0.2;
      const q0 = Math.max(0, (s.qStar - p.sigmaB2) / w);
      const mean = new Float64Array(p.depth);
      for (let n = 0; n < p.networks; n++) {
        const tr = propagateSignal(f, w, p.sigmaB2, p.width, p.depth, { q0, c0 }, new Rng(ctx.seed * 7919 + 101 * k + n));
        for (let l = 0; l < p.depth; l++) mean[l]! += tr.c[l]! / p.networks;
      }
      const xiCMeasured = decayDepth(mean, s.cStar, floor);
      ctx.progress(++done, total, `measured sigma_w^2 = ${w}`);
      return { sigmaW2: w, phase: s.phase, cStar: s.cStar, c0, xiCTheory: s.xiC, xiCMeasured, ratio: xiCMeasured / s.xiC, c: Array.from(mean) };
    });
    let worstRatio = 1;
    for (const m of measured) if (Math.abs(Math.log(m.ratio)) > Math.abs(Math.log(worstRatio)) || !Number.isFinite(m.ratio)) worstRatio = m.ratio;
    const summary: Record<string, unknown> = {
      activation: f.name,
      sigmaB2: p.sigmaB2,
      criticalSigmaW2: critical,
      peakXiCSigmaW2: peak.sigmaW2,
      gridSpacing: (to - from) / (points - 1),
      curve,
      measured,
      worstMeasuredRatio: worstRatio,
    };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    const finite = (v: number) => (Number.isFinite(v) ? v : NaN);
    const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
    const decaySeries: Series[] = [];
    measured.forEach((m, k) => {
      const color = PALETTE[k % PALETTE.length]!;
      const ls = m.c.map((_, l) => l + 1);
      decaySeries.push({ label: `σ_w² = ${m.sigmaW2} (${m.phase}), measured`, x: ls, y: m.c.map((c) => Math.abs(c - m.cStar)), pointRadius: 4, color });
      const d0 = Math.abs(m.c[0]! - m.cStar);
      decaySeries.push({ label: `σ_w² = ${m.sigmaW2}: exp(−l / ξ_c), mean field`, x: ls, y: ls.map((l) => d0 * Math.exp(-(l - 1) / m.xiCTheory)), dashed: true, color, hideInLegend: true });
    });
    decaySeries.push({ label: `noise floor 3 / √(N × networks)`, x: [1, p.depth], y: [floor, floor], dotted: true, color: '#777777' });
    const charts = [
      lineChart({
        id: 'depth-scales',
        title: `Depth scales against σ_w² (${f.name}, σ_b² = ${p.sigmaB2})`,
        caption: `Lines: the mean-field depth scales ξ_q (length) and ξ_c (correlation); ξ_c diverges at the order-to-chaos line σ_w² = ${critical.toFixed(4)} (dotted). Markers: ξ_c fitted to the correlation of two inputs in ${p.networks} random networks of width ${p.width}.`,
        x: { title: 'σ_w²' },
        y: { title: 'depth scale (layers)', log: true },
        series: [
          { label: 'ξ_c (mean field)', x: grid, y: curve.map((c) => finite(c.xiC)) },
          { label: 'ξ_q (mean field)', x: grid, y: curve.map((c) => finite(c.xiQ)) },
          { label: 'ξ_c measured (N = ' + p.width + ')', x: measured.map((m) => m.sigmaW2), y: measured.map((m) => m.xiCMeasured), pointsOnly: true, pointStyle: 'crossRot', pointRadius: 10 },
          { label: 'order-to-chaos line', x: [critical, critical], y: [0.3, 1e4], dotted: true, color: '#000000' },
        ],
      }),
      lineChart({
        id: 'fixed-point-and-chi',
        title: `q* and χ₁ against σ_w² (${f.name}, σ_b² = ${p.sigmaB2})`,
        caption: 'The fixed point q* of the length map and χ₁ = σ_w² E[φ′(√q* z)²], the mean squared singular value of one layer\'s Jacobian: ordered (gradients vanish) below χ₁ = 1, chaotic (gradients explode) above.',
        x: { title: 'σ_w²' },
        y: { title: 'value' },
        series: [
          { label: 'q*', x: grid, y: curve.map((c) => c.qStar) },
          { label: 'χ₁', x: grid, y: curve.map((c) => c.chi1) },
          { label: 'c* (stable correlation)', x: grid, y: curve.map((c) => c.cStar) },
          { label: 'χ₁ = 1', x: [from, to], y: [1, 1], dotted: true, color: '#000000' },
        ],
      }),
      lineChart({
        id: 'correlation-decay',
        title: `|cˡ − c*| against depth in random networks of width ${p.width}`,
        caption: `Markers: the distance of the correlation of two inputs from its fixed point, mean of ${p.networks} networks; dashed: the mean-field decay exp(−l / ξ_c) from the first layer. The fit stops where the markers reach the noise floor.`,
        x: { title: 'layer l' },
        y: { title: '|cˡ − c*|', log: true },
        series: decaySeries,
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      { quantity: 'order-to-chaos line (chi_1 = 1)', theory: `sigma_w^2 = ${critical.toFixed(5)}`, measured: `xi_c peaks at sigma_w^2 = ${peak.sigmaW2.toFixed(3)} on the grid`, source: 'mean field', agrees: Math.abs(peak.sigmaW2 - critical) <= (to - from) / (points - 1), tolerance: `within one grid step of σ_w² (${((to - from) / (points - 1)).toPrecision(3)})` },
      ...measured.map((m) => ({
        quantity: `xi_c at sigma_w^2 = ${m.sigmaW2} (${m.phase})`,
        theory: m.xiCTheory,
        measured: m.xiCMeasured,
        source: 'Schoenholz et al. 2017 (mean field); measured: fit of |c^l - c*|',
      })),
    ];
    const discussion = [
      `Below the order-to-chaos line two different inputs become more and more alike with depth (c^l -> 1) and above it they decorrelate to c* < 1; either way the network forgets how its inputs differed after a few xi_c layers, and xi_c diverges only at the line itself (sigma_w^2 = ${critical.toFixed(4)} at sigma_b^2 = ${p.sigmaB2}). Schoenholz et al. argued that a network can be trained only when its inputs can still be told apart at the output, i.e. at depths up to a few xi_c; the trainability phase diagram (scenario schoenholz-2017-trainable-depth) tests that.`,
      `Measured xi_c over measured-to-mean-field ratios ${measured.map((m) => `${m.ratio.toFixed(2)} (sigma_w^2 = ${m.sigmaW2})`).join(', ')}. The fit uses the layers above the 3 / sqrt(N x networks) floor only; width ${p.width} is far from the infinite width of the theory, which shifts c* and xi_c by O(1/N).`,
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
