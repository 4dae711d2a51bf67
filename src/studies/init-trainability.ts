/**
 * Study `init-trainability`: how often deep networks of a fixed depth train with each weight
 * initialisation, over seeds, with the 95 % Wilson interval of every rate. It serves the
 * replication of Kumar 2017 and Yilmaz and Poli 2022: logistic (sigmoid) networks of 10 to 15
 * layers, which train with their initialisations and not with zero-mean Xavier weights.
 *
 * Each (configuration, depth, seed) is one training of feedforward-training-by-depth's `trainRun`
 * (momentum SGD on the teacher task, common random numbers: every configuration at a given depth
 * and seed starts from the same stream and sees the same mini-batches); a run succeeds when its
 * held-out accuracy reaches `accuracyThreshold`. Beside the rates: the ratio of the first layer's
 * gradient norm to the last hidden layer's at initialisation (median over seeds), and the
 * mean-field per-layer factor chi = sigma_w^2 E[f'(z)^2] at the forward fixed point for the
 * zero-mean initialisations (Poole et al. 2016), which says in advance whether the gradient shrinks
 * (chi < 1) or grows (chi > 1) with depth.
 *
 * Summary: `configurations[name]`: {activation, init, sigmaW2 (sigma_w^2 = fan-in Var(W), null for
 * a non-zero mean), chi, byDepth["<L>"]: {solved, runs, rate, lower, upper, meanAccuracy,
 * medianGradientRatio}}; `chance`; `replication`.
 */
import { z } from 'zod';
import { activation as activationFromSpec } from '../activations/index.ts';
import { Rng } from '../init/rng.ts';
import { lineChart, type ChartSpec } from '../report/chart-spec.ts';
import { jobId, localRunner, runEach, type JobList } from '../sweeps/jobs.ts';
import { chanceLevel, teacherTask } from '../tasks/classification.ts';
import { meanFieldChi } from '../analysis/mean-field.ts';
import { weightVarianceScale } from '../init/weights.ts';
import { configurationSchema, teacherTaskParams, type Configuration } from './feedforward-configurations.ts';
import { trainRun, type RunResult } from './feedforward-training-by-depth.ts';
import { fields, keyed, measured, text } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, rate, type Rate, rateChart, rateFields, rateText, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    paper: paperSchema.optional(),
    task: teacherTaskParams,
    trainSize: z.number().int().min(10).default(2000).describe('training samples'),
    testSize: z.number().int().min(10).default(1000).describe('held-out samples for the accuracy'),
    width: z.number().int().min(2).max(256).default(32).describe('N: width of every hidden layer'),
    depths: z.array(z.number().int().min(1).max(50)).min(1).default([10, 15]).describe('numbers of hidden layers L'),
    configurations: z
      .array(configurationSchema)
      .min(1)
      .default(['xavier', 'kumar', 'kumar-variance', 'yilmaz-poli'].map((init) => ({ name: `sigmoid-${init}`, activation: 'sigmoid', init: init as Configuration['init'], gain: 1, residual: false, batchNorm: false })))
      .describe('networks to compare (activation and initialisation)'),
    repetitions: z.number().int().min(1).max(100).default(5).describe('trainings (seeds) per configuration and depth'),
    batchSize: z.number().int().min(1).default(32).describe('mini-batch size'),
    steps: z.number().int().min(1).default(1000).describe('optimiser steps per training'),
    optimiser: z.enum(['sgd', 'momentum', 'adam', 'rprop']).default('momentum').describe('optimiser (momentum: heavy ball with mu = 0.9)'),
    learningRate: z.number().positive().default(0.1).describe('learning rate'),
    clipNorm: z.number().nonnegative().default(1).describe('clip the global gradient norm to this value (0: no clipping)'),
    accuracyThreshold: z.number().min(0).max(1).default(0.8).describe('a training succeeds when its held-out accuracy reaches this'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const names = p.configurations.map((c) => c.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'configuration names must be unique', path: ['configurations'] });
  });
export type InitTrainabilityParams = z.infer<typeof params>;

const CHART_IDS = ['success-rate', 'gradient-ratio'] as const;

interface Cell extends Rate {
  meanAccuracy: number;
  /** Median over seeds of ||dL/dW_1|| / ||dL/dW_L|| at initialisation. */
  medianGradientRatio: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const initTrainabilitySummary = fields({
  chance: measured('held-out accuracy of always answering the most frequent class'),
  configurations: keyed(
    '<name>',
    fields({
      activation: text('the activation'),
      init: text('the weight initialisation'),
      sigmaW2: measured('sigma_w^2 = fan-in Var(W) of a square layer; null for an initialisation with a non-zero mean'),
      chi: measured("mean-field per-layer factor chi = sigma_w^2 E[f'(z)^2] at the forward fixed point (null without sigma_w^2, or with residual or batch norm)"),
      byDepth: keyed(
        '<L>',
        fields({
          ...rateFields,
          meanAccuracy: measured('mean held-out accuracy of the trainings'),
          medianGradientRatio: measured('median over seeds of ||dL/dW_1|| / ||dL/dW_L|| at initialisation'),
        }),
        'per depth, e.g. byDepth["10"]',
      ),
    }),
    'per configuration, by its name in the scenario',
  ),
  replication: replicationSummarySchema.optional(),
});
export type InitTrainabilitySummary = z.infer<typeof initTrainabilitySummary>;
export type InitTrainabilityParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const initTrainabilityStudy: Study<InitTrainabilityParams, InitTrainabilitySummary> = {
  kind: 'init-trainability',
  summary: 'Success rate over seeds (95 % Wilson intervals) of deep networks trained with each weight initialisation (Kumar 2017; Yilmaz and Poli 2022).',
  params,
  chartIds: CHART_IDS,
  summarySchema: initTrainabilitySummary,
  async run(p, ctx) {
    const start = startStopwatch();
    const depths = [...p.depths].sort((a, b) => a - b);
    const topt = { inputSize: p.task.inputSize, hidden: p.task.teacherHidden, classes: p.task.classes, teacherSeed: p.task.teacherSeed };
    const train = teacherTask(p.trainSize, new Rng(ctx.seed * 2 + 1), topt);
    const test = teacherTask(p.testSize, new Rng(ctx.seed * 2 + 2), topt);
    const chance = chanceLevel(test);
    // seed r of every configuration shares its streams (trainRun derives them from (seed, depth))
    const seedOf = (r: number) => ctx.seed * 1000 + r;
    const list: JobList<{ c: Configuration; depth: number; r: number }, RunResult> = {
      kind: 'training',
      jobs: p.configurations.flatMap((c) =>
        depths.flatMap((depth) => Array.from({ length: p.repetitions }, (_, r) => ({ id: jobId({ configuration: c.name, depth, r }), seed: seedOf(r), input: { c, depth, r } }))),
      ),
      label: (job) => `${job.input.c.name} L=${job.input.depth} seed ${job.input.r + 1}`,
      runHere: async (subset, finished) => runEach(subset, finished, (job) => trainRun(job.input.c, job.input.depth, { ...p, evalEvery: p.steps }, train, test, job.seed)),
    };
    const runs = await (ctx.jobs ?? localRunner).run(list, ctx.progress);

    const configurations: Record<string, { activation: string; init: string; sigmaW2: number | null; chi: number | null; byDepth: Record<string, Cell> }> = {};
    for (const c of p.configurations) {
      const f = activationFromSpec(c.activation);
      const sigmaW2 = weightVarianceScale(c.init, p.width, c.gain);
      const byDepth: Record<string, Cell> = {};
      for (const L of depths) {
        const mine = list.jobs.map((job, i) => [job, runs[i]!] as const).filter(([job]) => job.input.c.name === c.name && job.input.depth === L).map(([, r]) => r);
        const solved = mine.filter((r) => r.finalAccuracy >= p.accuracyThreshold).length;
        byDepth[String(L)] = {
          ...rate(solved, mine.length),
          meanAccuracy: mine.reduce((a, r) => a + r.finalAccuracy, 0) / mine.length,
          medianGradientRatio: median(mine.map((r) => r.gradientRatioFirstToLast)),
        };
      }
      configurations[c.name] = { activation: f.name, init: c.init, sigmaW2, chi: sigmaW2 === null || c.residual || c.batchNorm ? null : meanFieldChi(f, sigmaW2).chi, byDepth };
    }
    const summary: Record<string, unknown> = { chance, configurations };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    // no per-name style: both charts colour the configurations by their order, so each keeps one colour
    const cell = (name: string, L: number) => configurations[name]!.byDepth[String(L)]!;
    const charts: ChartSpec[] = [
      rateChart({
        id: 'success-rate',
        title: `Trainings that reach accuracy ${p.accuracyThreshold}, by initialisation (width ${p.width}, ${p.repetitions} seeds)`,
        caption: `The fraction of ${p.repetitions} trainings (${p.steps} ${p.optimiser} steps, learning rate ${p.learningRate}) whose held-out accuracy reached ${p.accuracyThreshold}; chance is ${chance.toFixed(2)}.`,
        xTitle: 'hidden layers L',
        groups: p.configurations.map((c) => ({ label: c.name, x: depths, rates: depths.map((L) => cell(c.name, L)) })),
      }),
      lineChart({
        id: 'gradient-ratio',
        title: 'Gradient of the first layer over the last hidden layer’s, at initialisation',
        caption: `‖∂L/∂W₁‖ / ‖∂L/∂W_L‖ before training, median over ${p.repetitions} seeds: below 1 the gradient vanishes towards the input, above 1 it grows.`,
        x: { title: 'hidden layers L' },
        y: { title: '‖∂L/∂W₁‖ / ‖∂L/∂W_L‖ (log scale)', log: true },
        series: [
          ...p.configurations.map((c) => ({ label: c.name, x: depths, y: depths.map((L) => cell(c.name, L).medianGradientRatio), pointRadius: 5 })),
          { label: 'ratio 1', x: [depths[0]!, depths[depths.length - 1]!], y: [1, 1], reference: true },
        ],
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      ...p.configurations.map((c) => {
        const cf = configurations[c.name]!;
        return {
          quantity: `${c.name}: success at ${depths.map((L) => `L = ${L}`).join(', ')}`,
          theory: cf.chi === null ? '—' : `mean-field factor per layer χ = ${cf.chi.toPrecision(3)} (σ_w² = ${cf.sigmaW2!.toPrecision(3)})`,
          measured: depths.map((L) => rateText(cell(c.name, L))).join('; '),
        };
      }),
    ];
    const discussion = [
      `Every configuration trains on the same mini-batches from the same random streams at each depth and seed, so the rates differ only by the initialisation. Rates over ${p.repetitions} seeds are uncertain: k of ${p.repetitions} is consistent with any true probability inside its Wilson interval.`,
      ...p.configurations.map((c) => {
        const cf = configurations[c.name]!;
        return `**${c.name}** (${c.init}${cf.sigmaW2 !== null ? `, σ_w² = ${cf.sigmaW2.toPrecision(3)}` : ''}): ${depths.map((L) => `L = ${L}: ${rateText(cell(c.name, L))}, mean accuracy ${cell(c.name, L).meanAccuracy.toFixed(2)}, gradient ratio ${cell(c.name, L).medianGradientRatio.toExponential(1)}`).join('; ')}.`;
      }),
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
