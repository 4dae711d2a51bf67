/**
 * Study `jacobian-spectrum`: the singular values of the input-output Jacobian J = dh_L/dx of deep
 * random networks against depth, for linear, ReLU and tanh networks with Gaussian or orthogonal
 * weights at criticality (mean squared singular value chi_1^L = 1): dynamical isometry (Saxe,
 * McClelland and Ganguli 2014; Pennington, Schoenholz and Ganguli 2017).
 *
 * For each configuration and depth L, `networks` random networks of width N get the input x scaled
 * so that the first pre-activation variance is the fixed point q* (so every layer sits at q*); J is
 * accumulated layer by layer (src/analysis/input-output-jacobian.ts) and its N singular values
 * s_i pooled over the networks. Measured: the mean and the variance of lambda = s^2, the largest
 * s. Theory (large N, free probability): mean 1, variance L (mu_2 / mu_1^2 - 1 + v_W) with
 * mu_k = E[f'(sqrt(q*) z)^{2k}] and v_W = 1 (Gaussian) or 0 (orthogonal).
 *
 * Summary: `configurations[name].byDepth["<L>"]`: {meanSquared, varianceSquared, theoryVariance,
 * maxSingular, minSingular, maxDeviationFromOne}; `configurations[name]`: {sigmaW2, sigmaB2, qStar,
 * mu1, mu2}; `replication` (the paper's claims against ours).
 */
import { z } from 'zod';
import { activation as activationFromSpec } from '../activations/index.ts';
import { inputOutputJacobian, jacobianSpectrumVariance, singularValues, spectrumMoments } from '../analysis/input-output-jacobian.ts';
import { criticalSigmaW2, hermiteExpectation, lengthFixedPoint } from '../analysis/mean-field.ts';
import { Rng } from '../init/rng.ts';
import { Mlp } from '../models/mlp.ts';
import { fnv1a } from '../training/sweep.ts';
import { lineChart, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, keyed, list, measured, text } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const configuration = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/).describe('name in the summary and the charts'),
    activation: z.string().min(1).describe('identity, relu, tanh, sigmoid or a mathjs expression in x'),
    init: z
      .enum(['gaussian', 'orthogonal', 'uniform'])
      .describe('weights N(0, sigma_w^2 / N), sigma_w times a Haar orthogonal matrix, or uniform with variance sigma_w^2 / N (Glorot and Bengio 2010)'),
    sigmaW2: z.union([z.number().positive(), z.literal('critical')]).describe("sigma_w^2, or 'critical': the value with chi_1 = 1 at this sigma_b^2"),
    sigmaB2: z.number().nonnegative().default(0).describe('bias variance sigma_b^2'),
  })
  .strict();

const params = z
  .object({
    paper: paperSchema.optional(),
    width: z.number().int().min(2).max(1000).default(200).describe('N: width of every layer (and of the input)'),
    depths: z.array(z.number().int().min(1).max(1000)).min(1).default([1, 4, 16, 64]).describe('depths L'),
    networks: z.number().int().min(1).max(100).default(3).describe('random networks per configuration and depth (their singular values are pooled)'),
    configurations: z
      .array(configuration)
      .min(1)
      .default([
        { name: 'linear-gaussian', activation: 'identity', init: 'gaussian', sigmaW2: 1, sigmaB2: 0 },
        { name: 'linear-orthogonal', activation: 'identity', init: 'orthogonal', sigmaW2: 1, sigmaB2: 0 },
        { name: 'relu-gaussian', activation: 'relu', init: 'gaussian', sigmaW2: 2, sigmaB2: 0 },
        { name: 'relu-orthogonal', activation: 'relu', init: 'orthogonal', sigmaW2: 2, sigmaB2: 0 },
        { name: 'tanh-gaussian', activation: 'tanh', init: 'gaussian', sigmaW2: 'critical', sigmaB2: 1e-4 },
        { name: 'tanh-orthogonal', activation: 'tanh', init: 'orthogonal', sigmaW2: 'critical', sigmaB2: 1e-4 },
      ])
      .describe('networks to compare'),
    histogramBins: z.number().int().min(5).max(200).default(60).describe('bins of the singular-value histograms on [0, histogramMax]'),
    histogramMax: z.number().positive().default(3).describe('upper end of the histograms'),
  })
  .strict();
export type JacobianSpectrumParams = z.infer<typeof params>;

const CHART_IDS = ['spectrum-variance', 'singular-value-histograms', 'largest-singular-value'] as const;

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const jacobianSpectrumSummary = fields({
  width: count('N: width of every layer and of the input'),
  depths: list(count('L'), 'the depths L'),
  networks: count('random networks per configuration and depth (singular values pooled)'),
  configurations: keyed(
    '<name>',
    fields({
      activation: text('the activation phi'),
      init: text('gaussian, orthogonal or uniform weights'),
      sigmaW2: exact('sigma_w^2 (the critical value when the scenario asked for it)'),
      sigmaB2: exact('sigma_b^2'),
      qStar: measured('q*: fixed point of the length map'),
      mu1: measured('mu_1 = E[phi\'(sqrt(q*) z)^2]'),
      mu2: measured('mu_2 = E[phi\'(sqrt(q*) z)^4]'),
      muRatio: measured('mu_2 / mu_1^2'),
      byDepth: keyed(
        '<L>',
        fields({
          meanSquared: measured('mean of s^2 over the pooled singular values (theory: 1 at criticality)'),
          varianceSquared: measured('variance of s^2 over the pooled singular values'),
          theoryVariance: measured('free-probability variance L (mu_2/mu_1^2 - 1 + v_W) (Pennington et al. 2017)'),
          maxSingular: measured('largest singular value'),
          minSingular: measured('smallest singular value'),
          maxDeviationFromOne: measured('max |s - 1| (0 for an exact isometry)'),
        }),
        'per depth, e.g. byDepth["64"]',
      ),
    }),
    'per configuration, by its name in the scenario',
  ),
  replication: replicationSummarySchema.optional(),
});
export type JacobianSpectrumSummary = z.infer<typeof jacobianSpectrumSummary>;
export type JacobianSpectrumParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const jacobianSpectrumStudy: Study<JacobianSpectrumParams, JacobianSpectrumSummary> = {
  kind: 'jacobian-spectrum',
  summary: 'Singular values of the input-output Jacobian of deep random networks against depth and initialisation (Saxe et al. 2014; Pennington et al. 2017).',
  params,
  chartIds: CHART_IDS,
  summarySchema: jacobianSpectrumSummary,
  run(p, ctx) {
    const start = startStopwatch();
    const N = p.width;
    const depths = [...p.depths].sort((a, b) => a - b);
    const deepest = depths[depths.length - 1]!;
    const configurations: Record<string, Record<string, unknown>> = {};
    const histograms: Record<string, number[]> = {};
    const total = p.configurations.length * depths.length;
    let done = 0;
    for (const c of p.configurations) {
      const f = activationFromSpec(c.activation);
      const sigmaW2 = c.sigmaW2 === 'critical' ? criticalSigmaW2(f, c.sigmaB2) : c.sigmaW2;
      const qStar = lengthFixedPoint(f, sigmaW2, c.sigmaB2);
      const s = Math.sqrt(qStar);
      const mu1 = hermiteExpectation((z) => f.df(s * z) ** 2);
      const mu2 = hermiteExpectation((z) => f.df(s * z) ** 4);
      const byDepth: Record<string, unknown> = {};
      for (const L of depths) {
        const all: number[] = [];
        for (let k = 0; k < p.networks; k++) {
          // one stream per (configuration, depth, network), reproducible whatever runs before it
          const local = new Rng(fnv1a(`${ctx.seed}|${c.name}|${L}|${k}`));
          // 'uniform' is U(-g/sqrt(N), g/sqrt(N)), variance g^2 / 3N: g = sqrt(3 sigma_w^2)
          const gain = c.init === 'uniform' ? Math.sqrt(3 * sigmaW2) : Math.sqrt(sigmaW2);
          const net = new Mlp({ inputSize: N, width: N, depth: L, outputSize: 1, activation: f, init: c.init, gain }, local);
          if (c.sigmaB2 > 0) for (const layer of net.layers) if (layer.b) local.fillNormal(layer.b, 0, Math.sqrt(c.sigmaB2));
          const x = local.fillNormal(new Float64Array(N));
          // ||x||^2 / N = (q* - sigma_b^2) / sigma_w^2: the first layer's pre-activations start at q*
          const target = qStar > 0 ? (qStar - c.sigmaB2) / sigmaW2 : 1;
          let ss = 0;
          for (const v of x) ss += v * v;
          const scale = Math.sqrt((target * N) / ss);
          for (let i = 0; i < N; i++) x[i]! *= scale;
          const sv = singularValues(inputOutputJacobian(net, x).J, N, N);
          for (const v of sv) all.push(v);
        }
        const m = spectrumMoments(all);
        let dev = 0;
        for (const v of all) dev = Math.max(dev, Math.abs(v - 1));
        byDepth[String(L)] = {
          meanSquared: m.meanSquared,
          varianceSquared: m.varianceSquared,
          // i.i.d. uniform weights have the Gaussian's Marchenko-Pastur spectrum at large N
          theoryVariance: jacobianSpectrumVariance(mu1, mu2, L, c.init === 'orthogonal' ? 'orthogonal' : 'gaussian'),
          maxSingular: m.maxSingular,
          minSingular: m.minSingular,
          maxDeviationFromOne: dev,
        };
        if (L === deepest) histograms[c.name] = histogram(all, p.histogramBins, p.histogramMax);
        ctx.progress(++done, total, `${c.name} L = ${L}`);
      }
      configurations[c.name] = { activation: f.name, init: c.init, sigmaW2, sigmaB2: c.sigmaB2, qStar, mu1, mu2, muRatio: mu2 / (mu1 * mu1), byDepth };
    }
    const summary: Record<string, unknown> = { width: N, depths, networks: p.networks, configurations };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    const get = (name: string, L: number, key: string) => (configurations[name]!.byDepth as Record<string, Record<string, number>>)[String(L)]![key]!;
    const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
    const varianceSeries: Series[] = [];
    p.configurations.forEach((c, k) => {
      const color = PALETTE[k % PALETTE.length]!;
      // a variance of 0 (the orthogonal linear network) sits below the log axis: draw round-off as 1e-16
      varianceSeries.push({ label: `${c.name} (measured)`, x: depths, y: depths.map((L) => Math.max(get(c.name, L, 'varianceSquared'), 1e-16)), pointsOnly: true, pointRadius: 7, color });
      varianceSeries.push({ label: `${c.name} (free probability)`, x: depths, y: depths.map((L) => Math.max(get(c.name, L, 'theoryVariance'), 1e-16)), dashed: true, color, hideInLegend: true });
    });
    const bins = Array.from({ length: p.histogramBins }, (_, i) => ((i + 0.5) * p.histogramMax) / p.histogramBins);
    const charts = [
      lineChart({
        id: 'spectrum-variance',
        title: `Variance of the squared singular values of J against depth (N = ${N})`,
        caption: `Markers: the variance of λ = s² over the singular values of ${p.networks} networks per point; dashed: the free-probability value L (μ₂/μ₁² − 1 + v_W) (v_W = 1 Gaussian, 0 orthogonal). Variances below 10⁻¹⁶ (an exact isometry) are drawn at 10⁻¹⁶.`,
        x: { title: 'depth L', log: true },
        y: { title: 'variance of s²', log: true },
        series: varianceSeries,
      }),
      lineChart({
        id: 'singular-value-histograms',
        title: `Singular values of J at depth L = ${deepest} (N = ${N}, ${p.networks} networks)`,
        caption: `Density of the singular values s of the input-output Jacobian at the deepest depth; dynamical isometry is all mass at s = 1. Values above ${p.histogramMax} are counted in the last bin.`,
        x: { title: 'singular value s', min: 0, max: p.histogramMax },
        y: { title: 'density' },
        series: p.configurations.map((c, k) => ({ label: c.name, x: bins, y: histograms[c.name]!, color: PALETTE[k % PALETTE.length]! })),
      }),
      lineChart({
        id: 'largest-singular-value',
        title: 'Largest singular value of J against depth',
        caption: 'The largest singular value over the pooled networks: 1 for an isometry at every depth; it grows with depth wherever the spectrum spreads.',
        x: { title: 'depth L', log: true },
        y: { title: 'largest singular value', log: true },
        series: p.configurations.map((c, k) => ({ label: c.name, x: depths, y: depths.map((L) => get(c.name, L, 'maxSingular')), pointRadius: 5, color: PALETTE[k % PALETTE.length]! })),
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      ...p.configurations.flatMap((c) =>
        [depths[0]!, deepest].map((L) => ({
          quantity: `${c.name}, L = ${L}: mean of s^2 | variance of s^2`,
          theory: `1 | ${get(c.name, L, 'theoryVariance').toPrecision(3)}`,
          measured: `${get(c.name, L, 'meanSquared').toPrecision(4)} | ${get(c.name, L, 'varianceSquared').toPrecision(3)}`,
          source: 'free probability (Pennington, Schoenholz and Ganguli 2017); large-N limit',
        })),
      ),
    ];
    const discussion = [
      `Each configuration sits on its critical line (chi_1 = sigma_w^2 mu_1 = 1), so the mean squared singular value of J is 1 at every depth and gradients neither vanish nor explode on average. What differs is the spread: the variance of s^2 grows like L (mu_2/mu_1^2 - 1 + v_W). Orthogonal linear networks have variance 0 at every depth (measured max |s - 1| = ${get(p.configurations.find((c) => c.activation === 'identity' && c.init === 'orthogonal')?.name ?? p.configurations[0]!.name, deepest, 'maxDeviationFromOne').toExponential(1)} at L = ${deepest}); Gaussian weights add 1 per layer (the Marchenko-Pastur spread of W^T W), and ReLU adds mu_2/mu_1^2 - 1 = 1 per layer whatever the weights, since half its derivatives are 0: ReLU networks cannot be dynamically isometric. For tanh mu_2/mu_1^2 - 1 shrinks with q*, so orthogonal tanh networks with small q* come close to isometry.`,
      `The measured variances are of one pooled sample of ${p.networks} x ${N} singular values per point; for Gaussian weights at large L the distribution is heavy-tailed (a few large s carry most of the variance), so those points scatter by tens of percent around the line, and the large-N theory omits corrections of relative order L/N.`,
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};

/** Density histogram of v on [0, max] (values above max go to the last bin). */
function histogram(v: readonly number[], bins: number, max: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.max(0, Math.floor((x / max) * bins)))]!++;
  const w = max / bins;
  return counts.map((c) => c / (v.length * w));
}
