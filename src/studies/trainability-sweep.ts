/**
 * Study `trainability-sweep`: how often gradient training learns a long-lag task, over models x
 * lags T x seeds, each rate with its 95 % Wilson interval, the final loss against the task's
 * memoryless baseline, optional training variants (e.g. with and without gradient clipping), and
 * an optional phase diagram (a heatmap of the success probability over a model parameter, such as
 * the recurrent gain, against T). It serves the training replications: Bengio, Simard and Frasconi
 * 1994 (latch), Le, Jaitly and Hinton 2015 (adding), Arjovsky, Shah and Bengio 2016 (copy memory),
 * Pascanu, Mikolov and Bengio 2013 (temporal order with and without clipping).
 *
 * The trainings are the sweeps of src/training/sweep.ts (worker threads, seeds hashed from the
 * scenario seed, the same summary on 1 or 2 threads); this study only groups them and adds the
 * statistics.
 *
 * Summary: `groups[g]` for g = "<model id>" or "<model id>/<variant id>": {model, variant,
 * parameterCount, byT["<T>"]: {solved, runs, rate, lower, upper, medianStepsToSuccess,
 * meanSequencesToSuccess, medianFinalWrong, finalLoss, finalLossToBaseline, diverged}}; `baseline["<T>"]`; `phaseDiagram` (when asked): {x, lags,
 * rates[j][i]}, `minSolvedAtShortestT`, `maxUpperAtLongestT`; `clippingGain` (two variants: successes of
 * the second minus the first); `replication`.
 */
import { z } from 'zod';
import { heatmapChart } from '../report/heatmap.ts';
import { lineChart, type ChartSpec } from '../report/chart-spec.ts';
import { makeTask, TaskSpec } from '../tasks/registry.ts';
import { runSweep } from '../training/sweep.ts';
import { ModelSpec, modelId, TrainOptions } from '../training/train.ts';
import { count, exact, fields, keyed, list, measured, text } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, rate, type Rate, rateChart, rateFields, rateText, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

/**
 * TrainOptions with every field optional and no defaults: a variant changes only the options it
 * names (TrainOptions.partial() would still fill the defaults in, and the variant's defaults would
 * then replace the common options).
 */
const TrainOverrides = z
  .object(
    Object.fromEntries(
      Object.entries(TrainOptions.shape).map(([k, s]) => [k, (s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType) : (s as z.ZodType)).optional().describe(s.description ?? k)]),
    ),
  )
  .strict() as unknown as z.ZodType<Partial<z.infer<typeof TrainOptions>>>;

const variant = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]+$/).describe('name of the variant in the summary (e.g. clipped)'),
    training: TrainOverrides.describe('training options that differ from the common ones'),
  })
  .strict();

const params = z
  .object({
    paper: paperSchema.optional(),
    task: TaskSpec.default({ name: 'latch', L: 3, noise: 0.2, testSize: 512 }).describe('the task; its T is set by each lag'),
    lags: z.array(z.number().int().min(1).max(5000)).min(1).default([5, 10, 20, 40, 70, 100]).describe('sequence lengths T'),
    models: z.array(ModelSpec).min(1).default([{ kind: 'rnn-tanh', n: 4 }]).describe('networks (ids distinct)'),
    repetitions: z.number().int().min(1).max(1000).default(10).describe('trainings (seeds) per model, variant and T'),
    training: TrainOptions.default({ optimiser: 'adam', lr: 0.01, batchSize: 16, steps: 1000, clip: null, evalEvery: 50, testSize: 512, evalBatchSize: 256, stopAtSuccess: true }).describe(
      'common training options',
    ),
    variants: z.array(variant).min(1).optional().describe('training variants run with every model (default: one, the common options)'),
    phaseDiagram: z
      .object({
        parameter: z.literal('gain').describe('the model parameter on the x axis'),
        title: z.string().min(1).describe('x axis title'),
      })
      .strict()
      .optional()
      .describe('draw the success probability as a heatmap over the models\' gains (x) and T (y)'),
    threads: z.number().int().min(1).max(256).nullable().default(null).describe('worker threads (1: in-process; null: all cores); results do not depend on it'),
  })
  .strict()
  .superRefine((p, ctx) => {
    // every lag must make a valid task (e.g. temporal order needs T >= 20): say which, before anything runs
    p.lags.forEach((T, i) => {
      try {
        makeTask({ ...p.task, T } as TaskSpec);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['lags', i], message: `T = ${T} does not make a valid ${p.task.name} task (${(e as Error).message})` });
      }
    });
  });
export type TrainabilitySweepParams = z.infer<typeof params>;

const CHART_IDS = ['success-rate', 'final-loss', 'phase-diagram'] as const;

interface Cell extends Rate {
  medianStepsToSuccess: number | null;
  /** Mean over the successful runs of the training sequences seen before success (the 1997 paper's statistic). */
  meanSequencesToSuccess: number | null;
  /** Median over runs of the test sequences the task's rule counts as wrong at the end. */
  medianFinalWrong: number;
  /** Median final test loss of the trainings that did not diverge; null when all diverged. */
  finalLoss: number | null;
  finalLossToBaseline: number | null;
  diverged: number;
}

/** The final loss over the baseline in prose; a cell whose trainings all diverged has none. */
function lossText(c: Cell): string {
  return c.finalLossToBaseline === null ? `no final loss (all ${c.diverged} trainings diverged)` : `final loss ${c.finalLossToBaseline.toPrecision(3)} x baseline`;
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const trainabilitySweepSummary = fields({
  lags: list(count('T'), 'the lags T swept'),
  baseline: keyed('<T>', measured('loss of the best predictor that ignores the input'), 'the task\'s memoryless baseline per lag'),
  groups: keyed(
    '<group>',
    fields({
      model: text('model id'),
      variant: text('training variant id').nullable(),
      parameterCount: count('trainable parameters'),
      byT: keyed(
        '<T>',
        fields({
          ...rateFields,
          medianStepsToSuccess: measured('median steps to success over the successful runs (null if none)'),
          meanSequencesToSuccess: measured('mean training sequences seen before success over the successful runs (null if none)'),
          medianFinalWrong: measured('median test sequences counted wrong at the end'),
          finalLoss: measured('median final test loss of the trainings that did not diverge (null: all diverged)'),
          finalLossToBaseline: measured('finalLoss / baseline (1: nothing learned)'),
          diverged: count('trainings whose loss became non-finite'),
        }),
        'per lag, e.g. byT["100"]',
      ),
    }),
    'per model, or "<model>/<variant>" with training variants',
  ),
  clippingGain: count('with two variants: successes of the second minus the first, over models and T').optional(),
  phaseDiagram: fields(
    {
      x: list(exact('model parameter'), 'the phase diagram\'s x values (e.g. the gain), ascending'),
      lags: list(count('T'), 'its rows'),
      rates: list(list(measured('success rate'), 'one row'), 'rates[j][i]: at lags[j] and x[i]'),
    },
    'success probability over the model parameter and T (when asked)',
  ).optional(),
  minSolvedAtShortestT: count('fewest successes of a phase-diagram cell at the shortest T').optional(),
  maxUpperAtLongestT: measured('largest upper Wilson end of a phase-diagram cell at the longest T').optional(),
  replication: replicationSummarySchema.optional(),
});
export type TrainabilitySweepSummary = z.infer<typeof trainabilitySweepSummary>;
export type TrainabilitySweepParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const trainabilitySweepStudy: Study<TrainabilitySweepParams, TrainabilitySweepSummary> = {
  kind: 'trainability-sweep',
  summary: 'Success rate with 95 % Wilson intervals of trainings over models x T x seeds (x training variants), final loss against the baseline, and a gain x T phase diagram.',
  params,
  chartIds: CHART_IDS,
  summarySchema: trainabilitySweepSummary,
  async run(p, ctx) {
    const start = startStopwatch();
    const lags = [...p.lags].sort((a, b) => a - b);
    const variants = p.variants ?? [{ id: '', training: {} }];
    const baseline: Record<string, number> = {};
    for (const T of lags) baseline[String(T)] = makeTask({ ...p.task, T } as TaskSpec).baseline.loss;
    const groups: Record<string, { model: string; variant: string | null; parameterCount: number; byT: Record<string, Cell> }> = {};
    const jobsPerVariant = p.models.length * lags.length * p.repetitions;
    for (const [vi, v] of variants.entries()) {
      const sweep = await runSweep(
        { task: p.task, lags, models: p.models, repetitions: p.repetitions, training: { ...p.training, ...v.training }, seed: ctx.seed + 7919 * vi },
        {
          ...(p.threads !== null ? { threads: p.threads } : {}),
          progress: (done, _total, label) => ctx.progress(vi * jobsPerVariant + done, variants.length * jobsPerVariant, `${v.id ? `${v.id}: ` : ''}${label ?? ''}`),
        },
      );
      for (const m of p.models) {
        const r = sweep.byModel[modelId(m)]!;
        const byT: Record<string, Cell> = {};
        for (const T of lags) {
          const c = r.byT[String(T)]!;
          const runs = sweep.runs.filter((x) => x.model === modelId(m) && x.T === T);
          const seqs = runs.filter((x) => x.sequencesToSuccess !== null).map((x) => x.sequencesToSuccess!);
          const wrong = runs.map((x) => x.finalWrong).sort((a, b) => a - b);
          byT[String(T)] = {
            ...rate(c.solved, c.runs),
            medianStepsToSuccess: c.medianStepsToSuccess,
            meanSequencesToSuccess: seqs.length ? seqs.reduce((a, b) => a + b, 0) / seqs.length : null,
            medianFinalWrong: wrong.length % 2 ? wrong[wrong.length >> 1]! : (wrong[wrong.length / 2 - 1]! + wrong[wrong.length / 2]!) / 2,
            finalLoss: c.finalLoss,
            finalLossToBaseline: c.finalLoss === null ? null : c.finalLoss / baseline[String(T)]!,
            diverged: c.diverged,
          };
        }
        const id = v.id ? `${modelId(m)}/${v.id}` : modelId(m);
        groups[id] = { model: modelId(m), variant: v.id || null, parameterCount: r.parameterCount, byT };
      }
    }
    const summary: Record<string, unknown> = { lags, baseline, groups };
    // with exactly two variants: successes of the second minus the first, summed over models and T
    if (variants.length === 2) {
      let gain = 0;
      for (const m of p.models) {
        for (const T of lags) gain += groups[`${modelId(m)}/${variants[1]!.id}`]!.byT[String(T)]!.solved - groups[`${modelId(m)}/${variants[0]!.id}`]!.byT[String(T)]!.solved;
      }
      summary.clippingGain = gain;
    }
    const gains = p.models.map((m) => m.gain ?? 1);
    let phase: { x: number[]; lags: number[]; rates: number[][] } | null = null;
    if (p.phaseDiagram) {
      const order = gains.map((g, i) => [g, i] as const).sort((a, b) => a[0] - b[0]);
      const first = variants[0]!.id;
      const id = (i: number) => (first ? `${modelId(p.models[i]!)}/${first}` : modelId(p.models[i]!));
      phase = { x: order.map(([g]) => g), lags, rates: lags.map((T) => order.map(([, i]) => groups[id(i)]!.byT[String(T)]!.rate)) };
      summary.phaseDiagram = phase;
      const at = (T: number) => order.map(([, i]) => groups[id(i)]!.byT[String(T)]!);
      summary.minSolvedAtShortestT = Math.min(...at(lags[0]!).map((c) => c.solved));
      summary.maxUpperAtLongestT = Math.max(...at(lags[lags.length - 1]!).map((c) => c.upper));
    }
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    const task0 = makeTask({ ...p.task, T: lags[0]! } as TaskSpec);
    const budget = (t: Partial<z.infer<typeof TrainOptions>>) => {
      const o = TrainOptions.parse({ ...p.training, ...t });
      return o.sequences !== undefined ? `${o.sequences} sequences` : `${o.steps} steps of ${o.batchSize}`;
    };
    const ids = Object.keys(groups);
    const charts: ChartSpec[] = [
      rateChart({
        id: 'success-rate',
        title: `Success rate against T (${task0.name}, ${p.repetitions} seeds per point)`,
        caption: `Fraction of ${p.repetitions} trainings per point that met the task's criterion (${task0.criterion}) within the budget (${variants.map((v) => `${v.id || 'all'}: ${budget(v.training)}`).join('; ')}).`,
        xTitle: 'sequence length T',
        groups: ids.map((g) => ({ label: g, x: lags, rates: lags.map((T) => groups[g]!.byT[String(T)]!) })),
      }),
      lineChart({
        id: 'final-loss',
        title: 'Final test loss over the memoryless baseline, median over seeds',
        caption: `Median over seeds of the final test loss divided by the loss of the best predictor that ignores the input (${task0.baseline.predictor}); 1 means nothing was learned.`,
        x: { title: 'sequence length T' },
        y: { title: 'final loss / baseline', log: true },
        series: [
          ...ids.map((g) => ({ label: g, x: lags, y: lags.map((T) => groups[g]!.byT[String(T)]!.finalLossToBaseline ?? NaN), pointRadius: 5 })),
          { label: 'baseline', x: [lags[0]!, lags[lags.length - 1]!], y: [1, 1], dashed: true, color: '#000000' },
        ],
      }),
    ];
    if (phase && p.phaseDiagram) {
      const order = gains.map((g, i) => [g, i] as const).sort((a, b) => a[0] - b[0]);
      const first = variants[0]!.id;
      const cell = (i: number, T: number) => groups[first ? `${modelId(p.models[i]!)}/${first}` : modelId(p.models[i]!)]!.byT[String(T)]!;
      charts.push(
        heatmapChart({
          id: 'phase-diagram',
          title: `Success probability over ${p.phaseDiagram.title} and T (${p.repetitions} seeds per cell)`,
          caption: `Each cell: the fraction of ${p.repetitions} trainings that met the criterion (the label gives k/m); the 95 % Wilson interval of every cell is in the CSV and the summary.`,
          x: { title: p.phaseDiagram.title, values: phase.x },
          y: { title: 'sequence length T', values: lags },
          values: phase.rates,
          labels: lags.map((T) => order.map(([, i]) => `${cell(i, T).solved}/${cell(i, T).runs}`)),
          colorBar: { title: 'success probability' },
          extraColumns: [
            { name: 'lower 95 %', values: lags.map((T) => order.map(([, i]) => cell(i, T).lower)) },
            { name: 'upper 95 %', values: lags.map((T) => order.map(([, i]) => cell(i, T).upper)) },
          ],
        }),
      );
    }
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      ...ids.flatMap((g) => [
        {
          quantity: `${g}: success (k/m, rate, 95 % Wilson interval) at T = ${lags[0]} and T = ${lags[lags.length - 1]}`,
          theory: '—',
          measured: `${rateText(groups[g]!.byT[String(lags[0])]!)}; ${rateText(groups[g]!.byT[String(lags[lags.length - 1])]!)}`,
        },
      ]),
    ];
    const discussion = [
      `Rates over ${p.repetitions} seeds are uncertain: k of ${p.repetitions} successes is consistent with a true probability anywhere in its Wilson interval, so differences between neighbouring cells smaller than the intervals are not evidence of anything. Every rate in this report is given with its interval, and a claim on a rate is stated on the interval or as "at least k of m".`,
      ...ids.map((g) => `**${g}** (${groups[g]!.parameterCount} parameters): ${lags.map((T) => `T = ${T}: ${rateText(groups[g]!.byT[String(T)]!)}, ${lossText(groups[g]!.byT[String(T)]!)}`).join('; ')}.`),
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
