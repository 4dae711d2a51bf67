/**
 * Study `feedforward-training-by-depth`: the symptom of the vanishing gradient during training.
 *
 * Each configuration (activation x initialisation x residual x batch norm) is trained by mini-batch
 * SGD with momentum on the teacher task at several depths. Reported per configuration and depth:
 * final test accuracy, and the relative change of each layer's weights,
 * ||W_final - W_init||_F / ||W_init||_F. With plain (momentum) SGD the step of layer l is
 * proportional to ||dL/dW_l||, so where the gradient vanishes the first layers barely move and the
 * network behaves like a random fixed feature map followed by a few trained layers (Glorot and
 * Bengio 2010). Adam and Rprop rescale each weight's step and would hide this symptom, which is why
 * momentum SGD is the default.
 *
 * Determinism: the initialisation and the mini-batch order depend only on (seed, depth), so every
 * configuration at a given depth sees the same batches (common random numbers).
 */
import { z } from 'zod';
import { count, fields, keyed, list, measured } from '../scenario/summary-schema.ts';
import { Rng } from '../init/rng.ts';
import { dnrm2 } from '../linalg/blas.ts';
import { Mlp } from '../models/mlp.ts';
import { lineChart, type ChartSpec } from '../report/chart-spec.ts';
import { chanceLevel, gatherBatch, sampleIndices, teacherTask } from '../tasks/classification.ts';
import { clipGlobalNorm } from '../training/clipping.ts';
import { makeOptimiser } from '../training/optimisers.ts';
import { DEFAULT_CONFIGURATIONS, configurationSchema, configurationStyle, teacherTaskParams, type Configuration } from './feedforward-configurations.ts';
import { type Study, type TheoryRow, selectCharts } from './study.ts';
import { jobId, localRunner, runEach, type JobList } from '../sweeps/jobs.ts';

const TRAINING_CONFIGURATIONS: Configuration[] = DEFAULT_CONFIGURATIONS.filter((c) => c.name !== 'sigmoid-kumar');

const params = z
  .object({
    task: teacherTaskParams,
    trainSize: z.number().int().min(10).default(2000).describe('training samples'),
    testSize: z.number().int().min(10).default(1000).describe('held-out samples for the accuracy'),
    width: z.number().int().min(2).max(256).default(16).describe('N: width of every hidden layer'),
    depths: z.array(z.number().int().min(1).max(50)).min(1).default([2, 5, 10, 20]).describe('numbers of hidden layers L to train'),
    referenceDepth: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('depth whose numbers are the per-configuration headline and whose runs are drawn in the per-layer and learning-curve charts'),
    batchSize: z.number().int().min(1).default(32).describe('mini-batch size'),
    steps: z.number().int().min(1).default(1000).describe('optimiser steps per run'),
    optimiser: z.enum(['sgd', 'momentum', 'adam', 'rprop']).default('momentum').describe('optimiser (momentum: heavy ball with mu = 0.9)'),
    learningRate: z.number().positive().default(0.1).describe('learning rate (initial step for rprop)'),
    clipNorm: z
      .number()
      .nonnegative()
      .default(1)
      .describe('clip the global gradient norm to this value (0: no clipping); caps exploding steps of deep ReLU nets, leaves vanishing gradients alone'),
    evalEvery: z.number().int().min(1).default(50).describe('steps between test-accuracy points of the learning curves'),
    configurations: z.array(configurationSchema).min(1).default(TRAINING_CONFIGURATIONS).describe('networks to compare'),
  })
  .superRefine((p, ctx) => {
    const names = p.configurations.map((c) => c.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'configuration names must be unique', path: ['configurations'] });
    if (!p.depths.includes(p.referenceDepth)) {
      ctx.addIssue({ code: 'custom', message: `referenceDepth ${p.referenceDepth} must be one of depths [${p.depths.join(', ')}]`, path: ['referenceDepth'] });
    }
  });

export type TrainingByDepthParams = z.infer<typeof params>;

export interface RunResult {
  finalAccuracy: number;
  finalLoss: number;
  /** ||dL/dW_1|| / ||dL/dW_L|| at initialisation, on the first 256 training samples. */
  gradientRatioFirstToLast: number;
  firstLayerWeightChange: number;
  lastLayerWeightChange: number;
  /** ||W_final - W_init|| / ||W_init|| for hidden layers 1..L then the output layer. */
  weightChange: number[];
  curveSteps: number[];
  curveAccuracy: number[];
}

/** Train one configuration at one depth; deterministic in (seed, depth). */
export function trainRun(
  c: Configuration,
  depth: number,
  p: Pick<TrainingByDepthParams, 'width' | 'batchSize' | 'steps' | 'optimiser' | 'learningRate' | 'clipNorm' | 'evalEvery'>,
  train: ReturnType<typeof teacherTask>,
  test: ReturnType<typeof teacherTask>,
  seed: number,
): RunResult {
  const d = train.inputSize;
  const net = new Mlp(
    { inputSize: d, width: p.width, depth, outputSize: train.classes, activation: c.activation, init: c.init, gain: c.gain, residual: c.residual, batchNorm: c.batchNorm },
    new Rng(seed * 7919 + 1000003 * depth),
  );
  const W0 = net.layers.map((L) => Float64Array.from(L.W));
  const probe = Math.min(256, train.n);
  net.lossAndGradient(train.x.subarray(0, probe * d), train.labels.subarray(0, probe), probe);
  const dW1 = net.layers[0]!.dW;
  const dWL = net.layers[depth - 1]!.dW;
  const gradientRatioFirstToLast = dnrm2(dW1.length, dW1) / dnrm2(dWL.length, dWL);

  const parameters = net.parameters();
  const grads = parameters.map((q) => q.grad);
  const opt = makeOptimiser(p.optimiser, parameters, p.learningRate);
  const rng = new Rng(seed * 104729 + 7 * depth + 1);
  const B = p.batchSize;
  const idx = new Int32Array(B);
  const xb = new Float64Array(B * d);
  const yb = new Int32Array(B);
  const curveSteps: number[] = [0];
  const curveAccuracy: number[] = [net.accuracy(test.x, test.labels, test.n)];
  let diverged = false;
  for (let s = 1; s <= p.steps; s++) {
    sampleIndices(train.n, rng, idx);
    gatherBatch(train, idx, xb, yb);
    const loss = net.lossAndGradient(xb, yb, B);
    if (!Number.isFinite(loss)) {
      diverged = true;
      break;
    }
    if (p.clipNorm > 0) clipGlobalNorm(grads, p.clipNorm);
    opt.step();
    if (s % p.evalEvery === 0 || s === p.steps) {
      curveSteps.push(s);
      curveAccuracy.push(net.accuracy(test.x, test.labels, test.n));
    }
  }
  net.forward(test.x, test.n);
  const finalLoss = diverged ? NaN : net.lossValue(test.labels);
  const finalAccuracy = diverged ? chanceLevel(test) : net.accuracy(test.x, test.labels, test.n);
  const weightChange = net.layers.map((L, l) => {
    const w0 = W0[l]!;
    let s = 0;
    for (let i = 0; i < w0.length; i++) s += (L.W[i]! - w0[i]!) ** 2;
    return Math.sqrt(s) / dnrm2(w0.length, w0);
  });
  return {
    finalAccuracy,
    finalLoss,
    gradientRatioFirstToLast,
    firstLayerWeightChange: weightChange[0]!,
    lastLayerWeightChange: weightChange[depth - 1]!,
    weightChange,
    curveSteps,
    curveAccuracy,
  };
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const feedforwardTrainingByDepthSummary = fields({
  chance: measured('accuracy of guessing the most frequent class'),
  referenceDepth: count('depth whose numbers are the configuration headline'),
  depths: list(count('depth'), 'the depths trained'),
  configurations: keyed(
    '<configuration>',
    fields({
      finalAccuracy: measured('test accuracy at the reference depth'),
      gradientRatioFirstToLast: measured('||dL/dW_1|| / ||dL/dW_L|| at the reference depth'),
      firstLayerWeightChange: measured('||W_final - W_init||_F / ||W_init||_F of the first layer'),
      lastLayerWeightChange: measured('the same for the last hidden layer'),
      weightChangeByLayer: list(measured('relative weight change'), 'per layer at the reference depth'),
      byDepth: keyed(
        '<depth>',
        fields({
          finalAccuracy: measured('test accuracy'),
          finalLoss: measured('final test loss'),
          gradientRatioFirstToLast: measured('||dL/dW_1|| / ||dL/dW_L||'),
          firstLayerWeightChange: measured('relative change of the first layer'),
          lastLayerWeightChange: measured('relative change of the last hidden layer'),
        }),
        'per depth, e.g. byDepth["10"]',
      ),
    }),
    'per configuration',
  ),
});
export type FeedforwardTrainingByDepthSummary = z.infer<typeof feedforwardTrainingByDepthSummary>;
export type FeedforwardTrainingByDepthParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const feedforwardTrainingByDepth: Study<TrainingByDepthParams, FeedforwardTrainingByDepthSummary> = {
  kind: 'feedforward-training-by-depth',
  summary: 'Train deep MLPs of several depths with each remedy: accuracy, and how far the first layers move against the last',
  params: params as unknown as z.ZodType<TrainingByDepthParams>,
  chartIds: ['accuracy-by-depth', 'weight-change-by-layer', 'learning-curves'],
  summarySchema: feedforwardTrainingByDepthSummary,
  async run(p, ctx) {
    const topt = { inputSize: p.task.inputSize, hidden: p.task.teacherHidden, classes: p.task.classes, teacherSeed: p.task.teacherSeed };
    const train = teacherTask(p.trainSize, new Rng(ctx.seed * 2 + 1), topt);
    const test = teacherTask(p.testSize, new Rng(ctx.seed * 2 + 2), topt);
    const chance = chanceLevel(test);
    // one job per (configuration, depth), journaled and shardable over a cluster (src/sweeps/);
    // trainRun derives its random streams from (seed, depth)
    const list: JobList<{ c: Configuration; depth: number }, RunResult> = {
      kind: 'training',
      jobs: p.configurations.flatMap((c) => p.depths.map((depth) => ({ id: jobId({ configuration: c.name, depth }), seed: ctx.seed, input: { c, depth } }))),
      label: (job) => `${job.input.c.name} L=${job.input.depth}`,
      runHere: async (subset, finished) => runEach(subset, finished, (job) => trainRun(job.input.c, job.input.depth, p, train, test, ctx.seed)),
    };
    const runs = await (ctx.jobs ?? localRunner).run(list, ctx.progress);
    const results = new Map<string, Map<number, RunResult>>();
    list.jobs.forEach((job, i) => {
      const byDepth = results.get(job.input.c.name) ?? new Map<number, RunResult>();
      byDepth.set(job.input.depth, runs[i]!);
      results.set(job.input.c.name, byDepth);
    });

    const configurations: Record<string, unknown> = {};
    for (const c of p.configurations) {
      const byDepth = results.get(c.name)!;
      const ref = byDepth.get(p.referenceDepth)!;
      const perDepth: Record<string, unknown> = {};
      for (const depth of p.depths) {
        const r = byDepth.get(depth)!;
        perDepth[String(depth)] = {
          finalAccuracy: r.finalAccuracy,
          finalLoss: Number.isFinite(r.finalLoss) ? r.finalLoss : null,
          gradientRatioFirstToLast: r.gradientRatioFirstToLast,
          firstLayerWeightChange: r.firstLayerWeightChange,
          lastLayerWeightChange: r.lastLayerWeightChange,
        };
      }
      configurations[c.name] = {
        finalAccuracy: ref.finalAccuracy,
        gradientRatioFirstToLast: ref.gradientRatioFirstToLast,
        firstLayerWeightChange: ref.firstLayerWeightChange,
        lastLayerWeightChange: ref.lastLayerWeightChange,
        weightChangeByLayer: ref.weightChange,
        byDepth: perDepth,
      };
    }

    const depths = [...p.depths].sort((a, b) => a - b);
    // one colour per configuration, the same as in feedforward-gradient-by-layer
    const style = configurationStyle(p.configurations);
    const charts: ChartSpec[] = [
      lineChart({
        id: 'accuracy-by-depth',
        title: `Test accuracy after ${p.steps} ${p.optimiser} steps against depth (width ${p.width})`,
        caption:
          'Final accuracy on held-out data of the same task for each number of hidden layers (one training per configuration and depth; markers of equal accuracy are set a few pixels apart). The task is learnable by a shallow network; a drop to chance (grey dashed) with depth is an optimisation failure, not a harder task.',
        x: { title: 'hidden layers L' },
        y: { title: 'test accuracy', min: 0, max: 1 },
        series: [
          ...p.configurations.map((c, i) => ({
            label: c.name,
            x: depths,
            y: depths.map((L) => results.get(c.name)!.get(L)!.finalAccuracy),
            pointRadius: 5,
            ...style(c.name),
            // remedies that reach the same accuracy share their points: a few pixels apart, every marker shows
            dodge: (i - (p.configurations.length - 1) / 2) * 5,
          })),
          { label: 'chance (majority class)', x: [depths[0]!, depths[depths.length - 1]!], y: [chance, chance], reference: true },
        ],
      }),
      lineChart({
        id: 'weight-change-by-layer',
        title: `Relative weight change per layer during training, ${p.referenceDepth} hidden layers`,
        caption: `‖ΔWₗ‖ / ‖Wₗ‖: how far each layer's weights moved in training (the difference between the final and the initial matrix, Frobenius norm), relative to the initial matrix (layer ${p.referenceDepth + 1} is the output layer). Where the gradient vanishes the first layers stay at their random initial values.`,
        x: { title: 'layer l', min: 1, max: p.referenceDepth + 1 },
        y: { title: 'relative weight change ‖ΔWₗ‖ / ‖Wₗ‖ (log scale)', log: true },
        series: p.configurations.map((c) => {
          const wc = results.get(c.name)!.get(p.referenceDepth)!.weightChange;
          return { label: c.name, x: wc.map((_, i) => i + 1), y: wc, pointRadius: 4, ...style(c.name) };
        }),
      }),
      lineChart({
        id: 'learning-curves',
        title: `Test accuracy during training, ${p.referenceDepth} hidden layers`,
        caption: 'Accuracy on the held-out set every few steps. Flat curves at chance (grey dashed): the network does not learn.',
        x: { title: 'step' },
        y: { title: 'test accuracy', min: 0, max: 1 },
        series: [
          ...p.configurations.map((c) => {
            const r = results.get(c.name)!.get(p.referenceDepth)!;
            return { label: c.name, x: r.curveSteps, y: r.curveAccuracy, ...style(c.name) };
          }),
          { label: 'chance (majority class)', x: [0, p.steps], y: [chance, chance], reference: true },
        ],
      }),
    ];

    const theory: TheoryRow[] = [];
    const ref = (name: string): RunResult | undefined => results.get(name)?.get(p.referenceDepth);
    const sx = ref('sigmoid-xavier');
    if (sx) {
      theory.push({
        quantity: `sigmoid-xavier, ${p.referenceDepth} layers: first-layer weight change / last hidden layer's`,
        theory: `far below 1: SGD steps are proportional to the gradient, whose first/last ratio at initialisation is ${sx.gradientRatioFirstToLast.toExponential(1)} (the ratio grows a little as the last layers learn)`,
        measured: Number((sx.firstLayerWeightChange / sx.lastLayerWeightChange).toExponential(2)),
        source: 'Glorot and Bengio 2010',
        agrees: sx.firstLayerWeightChange / sx.lastLayerWeightChange < 1e-2,
        tolerance: 'ratio below 10⁻²',
      });
    }
    for (const name of ['relu-he', 'sigmoid-residual', 'sigmoid-batchnorm', 'sigmoid-yilmaz-poli']) {
      const r = ref(name);
      if (!r) continue;
      theory.push({
        quantity: `${name}, ${p.referenceDepth} layers: final test accuracy`,
        theory: `clearly above chance (${chance.toFixed(2)}): the remedy lets the deep network train`,
        measured: Number(r.finalAccuracy.toFixed(3)),
        agrees: r.finalAccuracy > chance + 0.5 * (1 - chance),
        tolerance: 'accuracy above chance + ½ (1 − chance)',
      });
    }
    const shallow = depths[0]!;
    const shallowAcc = Math.max(...p.configurations.map((c) => results.get(c.name)!.get(shallow)!.finalAccuracy));
    theory.unshift({
      quantity: `best accuracy at ${shallow} hidden layers`,
      theory: 'high: the task is learnable by a shallow network (a one-hidden-layer teacher labels it)',
      measured: Number(shallowAcc.toFixed(3)),
      agrees: shallowAcc > chance + 0.5 * (1 - chance),
      tolerance: 'accuracy above chance + ½ (1 − chance)',
    });

    const summary = { chance, referenceDepth: p.referenceDepth, depths: p.depths, configurations };
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion: discussionText(p, results, chance) };
  },
};

function discussionText(p: TrainingByDepthParams, results: Map<string, Map<number, RunResult>>, chance: number): string {
  const acc = (n: string, L: number): string => {
    const r = results.get(n)?.get(L);
    return r ? r.finalAccuracy.toFixed(2) : 'n/a';
  };
  const L = p.referenceDepth;
  const Lmax = Math.max(...p.depths);
  const remedies = ['relu-he', 'tanh-xavier', 'sigmoid-residual', 'sigmoid-batchnorm', 'sigmoid-yilmaz-poli'].filter((n) => results.has(n));
  const sn = results.get('sigmoid-normal')?.get(L);
  const snMax = results.get('sigmoid-normal')?.get(Lmax);
  const sx = results.get('sigmoid-xavier')?.get(L);
  const moved = sx
    ? ` In the ${L}-layer sigmoid-xavier network the first layer's weights changed by ${sx.firstLayerWeightChange.toExponential(1)} of their size, the last hidden layer's by ${sx.lastLayerWeightChange.toExponential(1)}.`
    : '';
  return [
    `Every configuration is trained by ${p.optimiser} with the same learning rate (${p.learningRate}), the same mini-batches and the same number of steps (${p.steps}) on a task a shallow network learns (accuracy ${acc('sigmoid-xavier', Math.min(...p.depths))} for sigmoid-xavier at ${Math.min(...p.depths)} hidden layers; chance is ${chance.toFixed(2)}). What changes across the accuracy chart is only how well the gradient reaches the early layers.`,
    `With the logistic function and Xavier weights the gradient shrinks by about 4 per layer, so with plain gradient steps the early layers hardly move: the weight-change chart falls over many orders of magnitude from the output back to layer 1.${moved} The early layers stay a fixed random map, and that map is a contraction: in the forward pass the differences between inputs shrink by the same factor of about 1/4 per layer as the gradient does backwards, so after ${L} layers all inputs land on nearly the same point and the trained last layers have almost nothing to separate. Accuracy falls towards chance (${acc('sigmoid-xavier', L)} at ${L} layers).`,
    `The remedies restore learning at depth ${L}: ReLU with He initialisation (${acc('relu-he', L)}), tanh with Xavier (${acc('tanh-xavier', L)}), residual connections (${acc('sigmoid-residual', L)}), batch normalization (${acc('sigmoid-batchnorm', L)}) and the Yilmaz-Poli negative-mean initialisation of the logistic network (${acc('sigmoid-yilmaz-poli', L)}). At ${Lmax} layers they reach ${remedies.map((n) => `${acc(n, Lmax)} (${n})`).join(', ')}.`,
    `Standard-normal sigmoid weights are a case apart: they reach ${acc('sigmoid-normal', L)} at ${L} layers but ${acc('sigmoid-normal', Lmax)} at ${Lmax}. Their units are saturated, but the weights are large too, and at width ${p.width} the two nearly balance: the gradient is multiplied by about ${sn ? (sn.gradientRatioFirstToLast ** (1 / (L - 1))).toFixed(2) : 'n/a'} per layer (compare the feedforward-gradient-by-layer study and its mean-field prediction) instead of about 1/4, which costs ${sn ? sn.gradientRatioFirstToLast.toExponential(0) : 'n/a'} over ${L} layers, still trainable, but ${snMax ? snMax.gradientRatioFirstToLast.toExponential(0) : 'n/a'} over ${Lmax}.`,
    'Adaptive optimisers (Adam, Rprop) divide each weight\'s step by the size of its own gradient, so a vanishing gradient no longer means a vanishing step; set `optimiser: adam` to see the early layers move again (in a trial with learningRate 0.01 and 400 steps the 10-layer sigmoid-xavier network moved its first layer by twice its initial size and reached 0.90). Adam works around the small gradient rather than removing it, which is why this study uses momentum SGD: it shows the problem the way it was first met.',
  ].join('\n\n');
}
