/**
 * Study `activation-saturation`: the mean and spread of every hidden layer's activations of a deep
 * sigmoid network while it trains, on a fixed set of probe examples (Glorot and Bengio 2010,
 * section 3.1 and figure 2: with the logistic function and the "standard" initialisation
 * W ~ U[-1/sqrt(n), 1/sqrt(n)], the top hidden layer is quickly driven to saturation at 0 while
 * the lower layers stay near 1/2, and leaves it only slowly).
 *
 * Each of `networks` networks (own initialisation and batch order, from the scenario seed) trains
 * by plain mini-batch SGD on the teacher task (src/tasks/classification.ts); every `recordEvery`
 * steps the study measures, for each hidden layer l, the mean and the standard deviation of h_l
 * over the probe examples and the layer's units (src/analysis/statistics.ts meanAndStd), and the
 * probe accuracy. A network's top layer counts as saturated at the first record where its mean
 * activation is below `saturationThreshold`.
 *
 * Summary: `steps`; `networks[i]`: {byLayer["<l>"]: {mean, std}, accuracy, topMinMean,
 * topMinStep, stepToSaturation, topFinalMean, lowerLayersMeanAtTopMin, lowerLayersOrdered};
 * `saturated` (a rate over the networks with its 95 % Wilson interval); `maxStepToSaturation`,
 * `maxTopMinMean`, `minLowerLayersMean`, `orderedBelowTop`, `minTopRecovery`; `replication`.
 */
import { z } from 'zod';
import { meanAndStd } from '../analysis/statistics.ts';
import { INITIALISATIONS } from '../init/weights.ts';
import { Rng } from '../init/rng.ts';
import { Mlp } from '../models/mlp.ts';
import { lineChart, PALETTE, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, fields, flag, keyed, list, measured } from '../scenario/summary-schema.ts';
import { gatherBatch, sampleIndices, teacherTask, type ClassificationData } from '../tasks/classification.ts';
import { makeOptimiser } from '../training/optimisers.ts';
import { teacherTaskParams } from './feedforward-configurations.ts';
import { claimRows, compareWithPaper, paperSchema, rate, rateFields, rateText, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    paper: paperSchema.optional(),
    task: teacherTaskParams,
    trainSize: z.number().int().min(10).max(1_000_000).default(5000).describe('training examples'),
    probeSize: z.number().int().min(1).max(100_000).default(300).describe('fixed examples on which the activations are measured (the paper: 300 test examples)'),
    width: z.number().int().min(1).max(2048).default(100).describe('N: width of every hidden layer'),
    depth: z.number().int().min(2).max(50).default(4).describe('L: number of hidden layers'),
    activation: z.string().min(1).default('sigmoid').describe('hidden activation: sigmoid, tanh, relu or a mathjs expression in x'),
    init: z.enum(INITIALISATIONS).default('uniform').describe("weight initialisation (uniform with gain 1: Glorot and Bengio's standard U[-1/sqrt(n), 1/sqrt(n)])"),
    gain: z.number().positive().default(1).describe('gain of the initialisation'),
    batchSize: z.number().int().min(1).max(4096).default(10).describe('mini-batch size (the paper: 10)'),
    learningRate: z.number().positive().default(0.1).describe('learning rate of plain SGD'),
    steps: z.number().int().min(1).max(10_000_000).default(10000).describe('SGD steps per network'),
    recordEvery: z.number().int().min(1).default(250).describe('steps between two measurements of the activations'),
    networks: z.number().int().min(1).max(1000).default(3).describe('independently initialised and trained networks'),
    saturationThreshold: z.number().positive().max(1).default(0.1).describe('the top layer counts as saturated once its mean activation is below this'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.recordEvery > p.steps) ctx.addIssue({ code: 'custom', path: ['recordEvery'], message: `recordEvery (${p.recordEvery}) must not exceed steps (${p.steps})` });
  });
export type ActivationSaturationParams = z.infer<typeof params>;
export type ActivationSaturationParamsInput = z.input<typeof params>;

const CHART_IDS = ['activations', 'top-layer'] as const;

/** A layer index as a Unicode subscript, for labels: sub(4) = '₄'. */
const sub = (k: number): string => String(k).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);

/** One network's record: per layer and record, the mean and standard deviation of its activations. */
export interface SaturationRun {
  /** mean[l][k], std[l][k]: hidden layer l + 1 at record k. */
  mean: number[][];
  std: number[][];
  accuracy: number[];
}

/**
 * Train one network and record its hidden activations on the probe set at steps 0, recordEvery,
 * 2 recordEvery, ..., steps. Deterministic in (seed, network).
 */
export function saturationRun(p: ActivationSaturationParams, train: ClassificationData, probe: ClassificationData, seed: number): SaturationRun {
  const d = train.inputSize;
  const net = new Mlp({ inputSize: d, width: p.width, depth: p.depth, outputSize: train.classes, activation: p.activation, init: p.init, gain: p.gain }, new Rng(seed));
  const opt = makeOptimiser('sgd', net.parameters(), p.learningRate);
  const rng = new Rng(seed * 104729 + 1);
  const B = p.batchSize;
  const idx = new Int32Array(B);
  const xb = new Float64Array(B * d);
  const yb = new Int32Array(B);
  const mean: number[][] = Array.from({ length: p.depth }, () => []);
  const std: number[][] = Array.from({ length: p.depth }, () => []);
  const accuracy: number[] = [];
  const record = () => {
    net.forward(probe.x, probe.n);
    for (let l = 1; l <= p.depth; l++) {
      const s = meanAndStd(net.hidden(l));
      mean[l - 1]!.push(s.mean);
      std[l - 1]!.push(s.std);
    }
    accuracy.push(net.accuracy(probe.x, probe.labels, probe.n));
  };
  record();
  for (let s = 1; s <= p.steps; s++) {
    sampleIndices(train.n, rng, idx);
    gatherBatch(train, idx, xb, yb);
    net.lossAndGradient(xb, yb, B);
    opt.step();
    if (s % p.recordEvery === 0) record();
  }
  return { mean, std, accuracy };
}

// --- summary.json: every path with its meaning ---
const activationSaturationSummary = fields({
  steps: list(count('SGD steps'), 'the steps at which the activations were measured'),
  networks: list(
    fields({
      byLayer: keyed(
        '<l>',
        fields({
          mean: list(measured('mean activation'), 'per record'),
          std: list(measured('standard deviation of the activations'), 'per record'),
        }),
        'per hidden layer l = 1..L, e.g. byLayer["4"]',
      ),
      accuracy: list(measured('probe accuracy'), 'per record'),
      topMinMean: measured("smallest mean activation of the top hidden layer over training"),
      topMinStep: count('the step at which it was smallest'),
      stepToSaturation: count('first step at which the top layer\'s mean was below the threshold (null: never)').nullable(),
      topFinalMean: measured("the top layer's mean activation at the end"),
      lowerLayersMeanAtTopMin: measured('smallest mean activation of the layers below the top, at topMinStep'),
      lowerLayersOrdered: flag('at topMinStep the means of layers 1..L-1 do not decrease from layer 1 up to layer L-1'),
    }),
    'one entry per network',
  ),
  saturated: fields(rateFields, 'networks whose top layer saturated (its mean fell below the threshold), with the 95 % Wilson interval'),
  maxStepToSaturation: count('latest step to saturation over the saturated networks (null: none saturated)').nullable(),
  maxTopMinMean: measured("largest over the networks of the top layer's smallest mean activation"),
  minLowerLayersMean: measured('smallest over the networks of lowerLayersMeanAtTopMin'),
  orderedBelowTop: count('networks whose lower layers are ordered (lowerLayersOrdered)'),
  minTopRecovery: measured("smallest over the networks of topFinalMean / topMinMean (above 1: the top layer desaturates)"),
  replication: replicationSummarySchema.optional(),
});
export type ActivationSaturationSummary = z.infer<typeof activationSaturationSummary>;
// --- end of summary.json ---

export const activationSaturationStudy: Study<ActivationSaturationParams, ActivationSaturationSummary> = {
  kind: 'activation-saturation',
  summary: "Mean and spread of each hidden layer's activations of a deep sigmoid network during training: the saturation of the top layer (Glorot and Bengio 2010).",
  params: params as unknown as z.ZodType<ActivationSaturationParams>,
  chartIds: CHART_IDS,
  summarySchema: activationSaturationSummary,
  run(p, ctx) {
    const start = startStopwatch();
    const topt = { inputSize: p.task.inputSize, hidden: p.task.teacherHidden, classes: p.task.classes, teacherSeed: p.task.teacherSeed };
    const train = teacherTask(p.trainSize, new Rng(ctx.seed * 2 + 1), topt);
    const probe = teacherTask(p.probeSize, new Rng(ctx.seed * 2 + 2), topt);
    const steps: number[] = [0];
    for (let s = p.recordEvery; s <= p.steps; s += p.recordEvery) steps.push(s);
    const L = p.depth;
    const runs: SaturationRun[] = [];
    for (let i = 0; i < p.networks; i++) {
      ctx.progress(i, p.networks, `network ${i + 1}`);
      runs.push(saturationRun(p, train, probe, ctx.seed * 7919 + 1000003 * (i + 1)));
    }
    ctx.progress(p.networks, p.networks);
    const networks = runs.map((r) => {
      const top = r.mean[L - 1]!;
      let kMin = 0;
      for (let k = 1; k < top.length; k++) if (top[k]! < top[kMin]!) kMin = k;
      const kSat = top.findIndex((m) => m < p.saturationThreshold);
      let lower = Infinity;
      for (let l = 0; l < L - 1; l++) lower = Math.min(lower, r.mean[l]![kMin]!);
      // Glorot and Bengio: below the saturated top layer the means decrease from the top towards the input
      let ordered = true;
      for (let l = 1; l < L - 1; l++) if (r.mean[l]![kMin]! < r.mean[l - 1]![kMin]!) ordered = false;
      return {
        byLayer: Object.fromEntries(r.mean.map((m, l) => [String(l + 1), { mean: m, std: r.std[l]! }])),
        accuracy: r.accuracy,
        topMinMean: top[kMin]!,
        topMinStep: steps[kMin]!,
        stepToSaturation: kSat >= 0 ? steps[kSat]! : null,
        topFinalMean: top[top.length - 1]!,
        lowerLayersMeanAtTopMin: lower,
        lowerLayersOrdered: ordered,
      };
    });
    const sat = networks.filter((n) => n.stepToSaturation !== null);
    const saturated = rate(sat.length, networks.length);
    const summary: Record<string, unknown> = {
      steps,
      networks,
      saturated,
      maxStepToSaturation: sat.length ? Math.max(...sat.map((n) => n.stepToSaturation!)) : null,
      maxTopMinMean: Math.max(...networks.map((n) => n.topMinMean)),
      minLowerLayersMean: Math.min(...networks.map((n) => n.lowerLayersMeanAtTopMin)),
      orderedBelowTop: networks.filter((n) => n.lowerLayersOrdered).length,
      minTopRecovery: Math.min(...networks.map((n) => n.topFinalMean / n.topMinMean)),
    };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    const layerSeries: Series[] = [];
    const n0 = networks[0]!;
    for (let l = 1; l <= L; l++) {
      const m = n0.byLayer[String(l)]!.mean;
      const s = n0.byLayer[String(l)]!.std;
      const run = `layer ${l}`;
      // one colour per layer for its mean and its band (the run groups the legend, the colour the ink)
      const color = PALETTE[(l - 1) % PALETTE.length]!;
      layerSeries.push({ label: `layer ${l}: mean`, x: steps, y: m, run, quantity: 'mean', color });
      layerSeries.push({ label: `layer ${l}: mean + σ`, x: steps, y: m.map((v, k) => v + s[k]!), run, quantity: 'mean ± σ', dotted: true, color });
      layerSeries.push({ label: `layer ${l}: mean − σ`, x: steps, y: m.map((v, k) => v - s[k]!), run, quantity: 'mean ± σ', dotted: true, color });
    }
    const charts: ChartSpec[] = [
      lineChart({
        id: 'activations',
        title: `Activations of each hidden layer during training (${p.activation}, ${p.init} initialisation, network 1)`,
        caption: `Mean (solid) and mean ± one standard deviation σ (dotted) of the activation values hₗ of each of the ${L} hidden layers of width ${p.width}, over ${p.probeSize} fixed probe examples and the layer's units, every ${p.recordEvery} SGD steps (batch ${p.batchSize}, learning rate ${p.learningRate}). Glorot and Bengio (2010, figure 2): the top hidden layer is driven to 0 early, the others stay near 1/2.`,
        x: { title: 'SGD steps' },
        y: { title: 'activation value hₗ', min: 0, max: 1 },
        series: layerSeries,
      }),
      lineChart({
        id: 'top-layer',
        title: `Mean activation of the top hidden layer (layer ${L}), every network`,
        caption: `Mean activation of hidden layer ${L} over the probe examples for each of the ${p.networks} networks; dashed: the saturation threshold ${p.saturationThreshold}.`,
        x: { title: 'SGD steps' },
        y: { title: `mean of h${sub(L)}`, min: 0, max: 1 },
        series: [
          ...networks.map((n, i) => ({ label: `network ${i + 1}`, x: steps, y: n.byLayer[String(L)]!.mean })),
          { label: `threshold ${p.saturationThreshold}`, x: [0, p.steps], y: [p.saturationThreshold, p.saturationThreshold], reference: true },
        ],
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      {
        quantity: `networks whose top layer's mean activation fell below ${p.saturationThreshold}`,
        theory: '—',
        measured: rateText(saturated),
      },
    ];
    const fmt = (v: number) => v.toFixed(3);
    const discussion = [
      ...networks.map(
        (n, i) =>
          `**Network ${i + 1}.** The top layer's mean activation went from ${fmt(n.byLayer[String(L)]!.mean[0]!)} to its smallest, ${fmt(n.topMinMean)}, at step ${n.topMinStep}${n.stepToSaturation !== null ? ` (below ${p.saturationThreshold} from step ${n.stepToSaturation})` : ` (never below ${p.saturationThreshold})`}, while the lower layers' means stayed at ${fmt(n.lowerLayersMeanAtTopMin)} or above; at the end it was ${fmt(n.topFinalMean)} and the probe accuracy ${fmt(n.accuracy[n.accuracy.length - 1]!)} (${fmt(n.accuracy[0]!)} at the start).`,
      ),
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
