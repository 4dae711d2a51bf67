/**
 * Study `lyapunov-extensivity`: the largest Lyapunov exponent of random tanh RNNs
 * h_t = tanh(W h_{t-1}), W_ij ~ N(0, g^2 / n), against g with the mean-field value (1/2) ln chi_1
 * (the discrete-time analogue of Sompolinsky, Crisanti and Sommers 1988; Molgedey, Schuchhardt and
 * Schuster 1992), and the shape of the Lyapunov spectrum at one chaotic gain for several n: chaos
 * is extensive, lambda_i against i/n does not depend on n, and the entropy rate and the
 * Kaplan-Yorke dimension grow in proportion to n (Engelken, Wolf and Abbott 2023).
 *
 * Summary: `largest[i]`: {gain, lambda1, meanField}; `maxGapToMeanField` (over gains with
 * |mean field| > 0.05); `spectra[j]`: {n, exponents (the first half), entropyPerUnit,
 * dimensionPerUnit}; `spectrumSpread`: the largest difference between the sizes' spectra at equal
 * i/n (interpolated) for i/n up to `compareUpTo`; `entropyPerUnitSpread`, `dimensionPerUnitSpread` (max/min - 1); `replication`.
 */
import { z } from 'zod';
import { activation as activationFromSpec } from '../activations/index.ts';
import { entropyRate, kaplanYorkeDimension } from '../analysis/attractor-dimension.ts';
import { lyapunovSpectrum } from '../analysis/lyapunov.ts';
import { meanFieldLyapunov } from '../analysis/mean-field.ts';
import { Rng } from '../init/rng.ts';
import { initWeights } from '../init/weights.ts';
import { createRnn } from '../models/rnn.ts';
import { lineChart } from '../report/chart-spec.ts';
import { count, exact, fields, list, measured } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    paper: paperSchema.optional(),
    activation: z.string().default('tanh').describe('phi (odd, phi\'(0) = 1 for the mean-field formula)'),
    gains: z.array(z.number().positive()).min(2).default([0.5, 0.8, 1.2, 1.6, 2, 2.5, 3]).describe('gains g of the largest-exponent sweep'),
    n: z.number().int().min(2).max(1000).default(200).describe('units of the largest-exponent sweep'),
    spectrumGain: z.number().positive().default(2).describe('the chaotic gain of the spectra'),
    sizes: z.array(z.number().int().min(4).max(1000)).min(2).default([40, 80, 160]).describe('network sizes n of the spectra'),
    fraction: z.number().positive().max(1).default(1).describe('fraction of each spectrum computed (the leading exponents)'),
    compareUpTo: z.number().positive().max(1).default(0.5).describe('the spectra are compared at i/n up to this (the most negative exponents converge slowly in n: they are extremes)'),
    steps: z.number().int().min(10).default(1000).describe('steps averaged'),
    transient: z.number().int().min(0).default(300).describe('steps discarded first'),
  })
  .strict();
export type LyapunovExtensivityParams = z.infer<typeof params>;

function network(n: number, g: number, seed: number, f: ReturnType<typeof activationFromSpec>) {
  const rng = new Rng(seed);
  const W = initWeights('gaussian', n, n, rng, g);
  return { rnn: createRnn({ n, m: 0, W, U: new Float64Array(0), b: new Float64Array(n), activation: f }), h0: rng.fillNormal(new Float64Array(n), 0, 1) };
}

/** Linear interpolation of y at x (xs increasing). */
function interp(xs: number[], ys: ArrayLike<number>, x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) if (x <= xs[i]!) return ys[i - 1]! + ((ys[i]! - ys[i - 1]!) * (x - xs[i - 1]!)) / (xs[i]! - xs[i - 1]!);
  return ys[xs.length - 1]!;
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const lyapunovExtensivitySummary = fields({
  largest: list(
    fields({
      gain: exact('g'),
      lambda1: measured('largest Lyapunov exponent, measured (per step)'),
      meanField: measured('(1/2) ln chi_1, the mean-field value'),
    }),
    'the largest exponent per gain',
  ),
  maxGapToMeanField: measured('largest |measured - mean field| over gains with |mean field| > 0.05'),
  spectrumGain: exact('g of the spectra'),
  spectra: list(
    fields({
      n: count('network size'),
      exponents: list(measured('lambda_i'), 'the leading Lyapunov exponents, largest first'),
      entropyPerUnit: measured('entropy rate (sum of the positive exponents) / n'),
      dimensionPerUnit: measured('Kaplan-Yorke dimension / n'),
    }),
    'the spectrum per size n',
  ),
  spectrumSpread: measured('largest difference between the sizes\' spectra at equal i/n'),
  entropyPerUnitSpread: measured('max/min - 1 of the entropy rate per unit over n'),
  dimensionPerUnitSpread: measured('max/min - 1 of the Kaplan-Yorke dimension per unit over n'),
  replication: replicationSummarySchema.optional(),
});
export type LyapunovExtensivitySummary = z.infer<typeof lyapunovExtensivitySummary>;
export type LyapunovExtensivityParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const lyapunovExtensivityStudy: Study<LyapunovExtensivityParams, LyapunovExtensivitySummary> = {
  kind: 'lyapunov-extensivity',
  summary: 'Largest Lyapunov exponent of random RNNs against the gain with its mean-field curve, and the size-invariant (extensive) Lyapunov spectrum (Sompolinsky et al. 1988; Engelken et al. 2023).',
  params,
  chartIds: ['largest-exponent', 'spectra', 'entropy-and-dimension'],
  summarySchema: lyapunovExtensivitySummary,
  run(p, ctx) {
    const start = startStopwatch();
    const f = activationFromSpec(p.activation);
    const total = p.gains.length + p.sizes.length;
    let done = 0;
    const largest = p.gains.map((g) => {
      const { rnn, h0 } = network(p.n, g, ctx.seed, f);
      const r = lyapunovSpectrum(rnn, { k: 1, steps: p.steps, transient: p.transient, s0: { h: h0 } });
      ctx.progress(++done, total, `g = ${g}`);
      return { gain: g, lambda1: r.exponents[0]!, meanField: meanFieldLyapunov(f, g).lambda };
    });
    const gaps = largest.filter((l) => Math.abs(l.meanField) > 0.05).map((l) => Math.abs(l.lambda1 - l.meanField));
    const spectra = p.sizes.map((n) => {
      const { rnn, h0 } = network(n, p.spectrumGain, ctx.seed + n, f);
      const k = Math.max(2, Math.round(n * p.fraction));
      const r = lyapunovSpectrum(rnn, { k, steps: p.steps, transient: p.transient, s0: { h: h0 } });
      ctx.progress(++done, total, `spectrum n = ${n}`);
      return { n, exponents: Array.from(r.exponents), entropyPerUnit: entropyRate(r.exponents) / n, dimensionPerUnit: kaplanYorkeDimension(r.exponents) / n };
    });
    // compare every size's spectrum with the largest's at equal i/n, i/n in (0, fraction]
    const ref = spectra[spectra.length - 1]!;
    const xRef = ref.exponents.map((_, i) => (i + 1) / ref.n);
    let spread = 0;
    for (const s of spectra.slice(0, -1)) {
      s.exponents.forEach((v, i) => {
        const x = (i + 1) / s.n;
        if (x >= xRef[0]! && x <= p.compareUpTo) spread = Math.max(spread, Math.abs(v - interp(xRef, ref.exponents, x)));
      });
    }
    const ratio = (v: number[]) => Math.max(...v) / Math.min(...v) - 1;
    const summary: Record<string, unknown> = {
      largest,
      maxGapToMeanField: Math.max(...gaps),
      spectrumGain: p.spectrumGain,
      spectra,
      spectrumSpread: spread,
      entropyPerUnitSpread: ratio(spectra.map((s) => s.entropyPerUnit)),
      dimensionPerUnitSpread: ratio(spectra.map((s) => s.dimensionPerUnit)),
    };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;
    const charts = [
      lineChart({
        id: 'largest-exponent',
        title: `Largest Lyapunov exponent against the gain (n = ${p.n})`,
        caption: `Markers: λ₁ of one random network per gain (${p.steps} steps after ${p.transient}); line: the mean-field ½ ln χ₁, which crosses 0 at g = 1 (the transition to chaos).`,
        x: { title: 'gain g' },
        y: { title: 'λ₁ (per step)' },
        series: [
          { label: `measured, n = ${p.n}`, x: p.gains, y: largest.map((l) => l.lambda1), pointsOnly: true, pointRadius: 7 },
          { label: 'mean field ½ ln χ₁', x: p.gains, y: largest.map((l) => l.meanField), dashed: true },
          { label: 'zero', x: [p.gains[0]!, p.gains[p.gains.length - 1]!], y: [0, 0], dotted: true, color: '#777777' },
        ],
      }),
      lineChart({
        id: 'spectra',
        title: `Lyapunov spectra at g = ${p.spectrumGain} against i / n`,
        caption: `The leading ${Math.round(p.fraction * 100)} % of the spectrum for each network size: extensive chaos means the curves lie on top of each other.`,
        x: { title: 'i / n' },
        y: { title: 'λᵢ (per step)' },
        series: spectra.map((s) => ({ label: `n = ${s.n}`, x: s.exponents.map((_, i) => (i + 1) / s.n), y: s.exponents })),
      }),
      lineChart({
        id: 'entropy-and-dimension',
        title: `Entropy rate and attractor dimension per unit against n (g = ${p.spectrumGain})`,
        caption: 'The Kolmogorov-Sinai entropy rate (sum of the positive exponents) and the Kaplan-Yorke dimension, both divided by n: constant in n when chaos is extensive.',
        x: { title: 'n' },
        y: { title: 'per unit' },
        series: [
          { label: 'entropy rate / n (nats per step)', x: p.sizes, y: spectra.map((s) => s.entropyPerUnit), pointRadius: 6 },
          { label: 'Kaplan-Yorke dimension / n', x: p.sizes, y: spectra.map((s) => s.dimensionPerUnit), pointRadius: 6 },
        ],
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      ...largest.map((l) => ({ quantity: `lambda_1 at g = ${l.gain}`, theory: l.meanField, measured: l.lambda1, source: 'mean field (1/2) ln chi_1' })),
      ...spectra.map((s) => ({ quantity: `n = ${s.n}: entropy rate / n | Kaplan-Yorke dimension / n`, theory: 'independent of n', measured: `${s.entropyPerUnit.toPrecision(3)} | ${s.dimensionPerUnit.toPrecision(3)}` })),
    ];
    const discussion = [
      `Below g = 1 the origin attracts and lambda_1 follows the mean field ln g; above it the network is chaotic and lambda_1 > 0 (largest gap to the mean field over the gains away from the transition: ${Math.max(...gaps).toFixed(3)}). The same exponent is the growth rate of the backward Jacobian products: positive lambda_1 is the exploding-gradient regime of a long unrolled network.`,
      `At g = ${p.spectrumGain} the spectra of networks of ${p.sizes.join(', ')} units lie on one curve against i/n (largest difference ${spread.toFixed(3)} for i/n <= ${p.compareUpTo}; the most negative exponents, extremes of the spectrum, still move with n), and the entropy rate and dimension per unit agree across sizes within ${(100 * ratio(spectra.map((s) => s.entropyPerUnit))).toFixed(0)} % and ${(100 * ratio(spectra.map((s) => s.dimensionPerUnit))).toFixed(0)} %: chaos in these networks is extensive, each unit adds the same amount of instability.`,
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
