/**
 * Study `latch-sweep`: the probability that gradient descent teaches a small vanilla RNN to latch
 * one bit for T steps, against T: Bengio, Simard and Frasconi (1994), section IV and figure 3, the
 * experiment that showed the difficulty of learning long-term dependencies is a property of
 * gradient descent, not of the network's capacity (a single tanh unit can latch any bit robustly).
 *
 * For each T, `repetitions` trainings from their own seeds (initial weights and data) run with the
 * same budget on the latch task (class in the first L inputs, noise after, target +-0.8 at step T);
 * a run succeeds when it classifies every test sequence correctly (the sign of the final output).
 *
 * Summary: `byT["<T>"]`: {successRate, successRateInterval {lower, upper} (95 % Wilson score
 * interval over the seeds), medianStepsToSuccess, finalLoss, solved, runs};
 * `successRate["<T>"]`; `lastSuccessfulT`; `firstT`, `lastT` (rates at the ends of the sweep).
 *
 * Precision: the scenario's `precision: float32` runs the cells, BPTT, Jacobian products, Lyapunov
 * vectors and training in float32 (src/linalg/precision.ts; the analysis and training modules say
 * what stays float64); float64 (the default) is unchanged.
 */
import { z } from 'zod';
import { count, fields, keyed, list, measured } from '../scenario/summary-schema.ts';
import { lineChart, styleByName } from '../report/chart-spec.ts';
import { makeTask, TaskSpec } from '../tasks/registry.ts';
import { runSweep } from '../training/sweep.ts';
import { MODEL_KINDS, ModelSpec, modelId, TrainOptions, withPrecision } from '../training/train.ts';
import { formatRate, withIntervals } from './rates.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    task: TaskSpec.default({ name: 'latch', testSize: 512 }).describe('the latch task and its options (noise, L, test size); T is set by each lag'),
    lags: z.array(z.number().int().min(2).max(5000)).min(2).default([5, 10, 20, 30, 40, 50, 70, 100]).describe('sequence lengths T to sweep'),
    model: ModelSpec.default({ kind: 'rnn-tanh', n: 4 }).describe('the network (Bengio et al. used a single tanh unit)'),
    repetitions: z.number().int().min(1).max(1000).default(10).describe('independent trainings (seeds) per T'),
    training: TrainOptions.default({
      optimiser: 'adam',
      lr: 0.01,
      batchSize: 16,
      steps: 1000,
      clip: null,
      evalEvery: 50,
      testSize: 512,
      evalBatchSize: 256,
      stopAtSuccess: true,
    }).describe('optimiser, learning rate, batch size, budget and evaluation of every training'),
    threads: z.number().int().min(1).max(256).nullable().default(null).describe('worker threads (1: in-process; null: all cores); results do not depend on it'),
  })
  .strict();

export type LatchSweepParams = z.infer<typeof params>;

const CHART_IDS = ['success-probability'] as const;

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const latchSweepSummary = fields({
  lags: list(count('T'), 'the lags T swept'),
  byT: keyed(
    '<T>',
    fields({
      T: count('lag'),
      runs: count('trainings'),
      solved: count('trainings that classified every test sequence'),
      successRate: measured('solved / runs'),
      successRateInterval: fields({ lower: measured('lower end'), upper: measured('upper end') }, '95 % Wilson score interval of the success rate (Wilson 1927)'),
      medianStepsToSuccess: measured('median steps to success (null if none)'),
      finalLoss: measured('median final test loss'),
      diverged: count('runs whose loss became non-finite'),
    }),
    'per lag, e.g. byT["20"]',
  ),
  successRate: keyed('<T>', measured('success rate'), 'success rate per lag'),
  lastSuccessfulT: measured('largest T up to which every T had success rate >= 1/2 (null if none)'),
  firstT: measured('success rate at the shortest lag'),
  lastT: measured('success rate at the longest lag'),
  maxRise: measured('largest increase of the success rate from one lag to the next'),
  parameterCount: count('trainable parameters'),
});
export type LatchSweepSummary = z.infer<typeof latchSweepSummary>;
export type LatchSweepParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const latchSweepStudy: Study<LatchSweepParams, LatchSweepSummary> = {
  kind: 'latch-sweep',
  summary: 'Probability that a small vanilla RNN learns to latch a bit for T steps, against T (Bengio, Simard and Frasconi 1994).',
  params,
  chartIds: CHART_IDS,
  summarySchema: latchSweepSummary,
  // every model kind has a float32 cell
  float32: () => [],
  async run(p, ctx) {
    if (p.task.name !== 'latch') throw new Error(`latch-sweep: task.name must be 'latch', got '${p.task.name}'`);
    const lags = [...p.lags].sort((a, b) => a - b);
    const sweep = await runSweep(
      { task: p.task, lags, models: [p.model], repetitions: p.repetitions, training: withPrecision(p.training, ctx.precision), seed: ctx.seed },
      { ...(p.threads !== null ? { threads: p.threads } : {}), progress: ctx.progress, runner: ctx.jobs },
    );
    const m = sweep.byModel[modelId(p.model)]!;
    const cells = withIntervals(m.byT);
    const successRate: Record<string, number> = {};
    for (const T of lags) successRate[String(T)] = m.byT[String(T)]!.successRate;
    const first = m.byT[String(lags[0]!)]!;
    const last = m.byT[String(lags[lags.length - 1]!)]!;
    const rates = lags.map((T) => successRate[String(T)]!);
    // largest rise between consecutive lags: negative or small when the rate falls with T
    let maxRise = 0;
    for (let i = 1; i < rates.length; i++) maxRise = Math.max(maxRise, rates[i]! - rates[i - 1]!);
    const task0 = makeTask({ ...p.task, T: lags[0]! } as TaskSpec);
    const B = TrainOptions.parse(p.training).batchSize;
    const steps = p.training.sequences !== undefined ? Math.ceil(p.training.sequences / B) : p.training.steps;

    const charts = [
      lineChart({
        id: 'success-probability',
        title: `Probability of learning the latch against T (${modelId(p.model)}, n = ${p.model.n})`,
        subtitle: `${p.repetitions} seeds per point, ${steps} steps of ${B} sequences; bars: 95 % Wilson intervals`,
        caption: `Fraction of ${p.repetitions} trainings per T that classified all ${task0.testSize} test sequences correctly within ${steps} steps of ${B} sequences (class in the first ${(p.task as { L?: number }).L ?? 3} inputs, noise of variance ${(p.task as { noise?: number }).noise ?? 0.2} after); the bars are 95 % Wilson score intervals of that fraction over the seeds (Wilson 1927).`,
        x: { title: 'sequence length T (log scale)', log: true },
        y: { title: 'probability of success', min: 0, max: 1 },
        series: [
          {
            label: `${modelId(p.model)}, n = ${p.model.n}`,
            x: lags,
            y: rates,
            lower: lags.map((T) => cells[String(T)]!.successRateInterval.lower),
            upper: lags.map((T) => cells[String(T)]!.successRateInterval.upper),
            ...styleByName([modelId(p.model)], MODEL_KINDS)(modelId(p.model)),
            pointRadius: 6,
          },
        ],
      }),
    ];
    const theory: TheoryRow[] = [
      {
        quantity: 'probability of success against T',
        theory: 'falls towards 0 as T grows (Bengio, Simard and Frasconi 1994, fig. 3)',
        measured: lags.map((T) => `${T}: ${formatRate(cells[String(T)]!)}`).join(', '),
        source: 'Bengio, Simard and Frasconi 1994, section IV',
        agrees: last.successRate < first.successRate,
        tolerance: `rate at T = ${lags[lags.length - 1]} < rate at T = ${lags[0]} (point estimates; [lower, upper]: 95 % Wilson intervals)`,
      },
    ];
    const discussion = [
      `The network must decide the class from the first ${(p.task as { L?: number }).L ?? 3} inputs and hold that decision through T - L steps of noise. A tanh unit with self-weight above 1 has two stable states and can do this for any T; the question is whether gradient descent finds those weights. Measured probability of success: ${lags.map((T) => `T = ${T}: ${successRate[String(T)]!.toFixed(2)}`).join(', ')}; ${m.lastSuccessfulT === null ? 'no T was learned in half the seeds' : `every T up to ${m.lastSuccessfulT} was learned in at least half the seeds`}.`,
      `Bengio, Simard and Frasconi (1994) proved why it falls: to latch robustly (so that noise cannot flip the state) the state must sit in a region where the Jacobian contracts, |f'(a) w| < 1, and there the gradient of the loss at step T with respect to the input at step L shrinks geometrically in T - L. Either the network cannot store the bit robustly, or the gradient that should teach it to store it vanishes; Hochreiter (1991) had derived the same exponential decay. The longer the lag, the smaller the signal from the class compared with the gradient from the noise, and the fewer initialisations end up in the latching solution within the budget.`,
    ].join('\n\n');

    return {
      summary: { lags, byT: cells, successRate, lastSuccessfulT: m.lastSuccessfulT, firstT: first.successRate, lastT: last.successRate, maxRise, parameterCount: m.parameterCount },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
    };
  },
};
