/**
 * Study `mlp-trainability`: the trainability phase diagram of deep tanh MLPs over sigma_w^2 and
 * depth L, with the mean-field curve L = 6 xi_c drawn on top (Schoenholz, Gilmer, Ganguli and
 * Sohl-Dickstein 2017: networks train when information about the input survives to the output,
 * i.e. up to a few correlation depths xi_c).
 *
 * Each cell (sigma_w^2, L) trains `repetitions` networks (weights N(0, sigma_w^2 / fan-in),
 * biases N(0, sigma_b^2)) on the teacher task with SGD plus momentum for a fixed budget; a run
 * succeeds when its held-out accuracy reaches `accuracyThreshold`. Every rate carries its 95 %
 * Wilson interval.
 *
 * Summary: `cells["<sigma_w^2>"]["<L>"]`: {solved, runs, rate, lower, upper, meanAccuracy};
 * `xiC["<sigma_w^2>"]`; `criticalSigmaW2`; `agreement`: the fraction of cells whose majority
 * verdict (rate >= 1/2) matches L <= 6 xi_c; `replication`.
 */
import { z } from 'zod';
import { activation as activationFromSpec } from '../activations/index.ts';
import { criticalSigmaW2, meanFieldDepthScales } from '../analysis/mean-field.ts';
import { Rng } from '../init/rng.ts';
import { Mlp } from '../models/mlp.ts';
import { heatmapChart } from '../report/heatmap.ts';
import { lineChart } from '../report/chart-spec.ts';
import { chanceLevel, gatherBatch, sampleIndices, teacherTask } from '../tasks/classification.ts';
import { makeOptimiser } from '../training/optimisers.ts';
import { clipGlobalNorm } from '../training/clipping.ts';
import { teacherTaskParams } from './feedforward-configurations.ts';
import { count, exact, fields, keyed, list, measured } from '../scenario/summary-schema.ts';
import { claimRows, compareWithPaper, paperSchema, rate, type Rate, rateFields, replicationSummarySchema, setupParagraph, startStopwatch } from './replication.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    paper: paperSchema.optional(),
    activation: z.string().default('tanh').describe('phi'),
    sigmaB2: z.number().nonnegative().default(0.05).describe('bias variance sigma_b^2'),
    sigmaW2: z.array(z.number().positive()).min(2).default([0.4, 0.7, 1, 1.76, 3, 5]).describe('weight variances sigma_w^2 (x axis)'),
    depths: z.array(z.number().int().min(1).max(200)).min(2).default([3, 6, 12, 24, 48]).describe('numbers of hidden layers L (y axis)'),
    width: z.number().int().min(2).max(512).default(32).describe('N: width of every hidden layer'),
    task: teacherTaskParams,
    trainSize: z.number().int().min(10).default(1000).describe('training samples'),
    testSize: z.number().int().min(10).default(500).describe('held-out samples'),
    steps: z.number().int().min(1).default(400).describe('SGD steps per run'),
    batchSize: z.number().int().min(1).default(32).describe('mini-batch size'),
    optimiser: z.enum(['sgd', 'momentum', 'adam']).default('momentum').describe('optimiser (momentum: heavy ball with mu = 0.9)'),
    learningRate: z.number().positive().default(0.01).describe('learning rate'),
    clipNorm: z.number().nonnegative().default(0).describe('clip the global gradient norm (0: no clipping)'),
    accuracyThreshold: z.number().min(0).max(1).default(0.8).describe('a run succeeds when its held-out accuracy reaches this'),
    repetitions: z.number().int().min(1).max(100).default(2).describe('runs (seeds) per cell'),
  })
  .strict();
export type MlpTrainabilityParams = z.infer<typeof params>;

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const mlpTrainabilitySummary = fields({
  sigmaW2: list(exact('sigma_w^2'), 'the sigma_w^2 swept'),
  depths: list(count('L'), 'the depths L swept'),
  cells: keyed(
    '<sigma_w^2>',
    keyed('<L>', fields({ ...rateFields, meanAccuracy: measured('mean held-out accuracy of the trainings') }), 'per depth'),
    'success per cell, e.g. cells["1"]["12"]',
  ),
  xiC: keyed('<sigma_w^2>', measured('mean-field xi_c (null: infinite)'), 'xi_c per sigma_w^2'),
  criticalSigmaW2: measured('sigma_w^2 of the order-to-chaos line (chi_1 = 1)'),
  agreement: measured('fraction of cells whose majority verdict (rate >= 1/2) matches L <= 6 xi_c'),
  chance: measured('accuracy of guessing the most frequent class on the test set'),
  replication: replicationSummarySchema.optional(),
});
export type MlpTrainabilitySummary = z.infer<typeof mlpTrainabilitySummary>;
export type MlpTrainabilityParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const mlpTrainabilityStudy: Study<MlpTrainabilityParams, MlpTrainabilitySummary> = {
  kind: 'mlp-trainability',
  summary: 'Trainability phase diagram of deep MLPs over sigma_w^2 and depth with the mean-field 6 xi_c curve (Schoenholz et al. 2017).',
  params,
  chartIds: ['phase-diagram', 'depth-scale'],
  summarySchema: mlpTrainabilitySummary,
  run(p, ctx) {
    const start = startStopwatch();
    const f = activationFromSpec(p.activation);
    const ws = [...p.sigmaW2].sort((a, b) => a - b);
    const depths = [...p.depths].sort((a, b) => a - b);
    const topt = { inputSize: p.task.inputSize, hidden: p.task.teacherHidden, classes: p.task.classes, teacherSeed: p.task.teacherSeed };
    const train = teacherTask(p.trainSize, new Rng(ctx.seed * 2 + 1), topt);
    const test = teacherTask(p.testSize, new Rng(ctx.seed * 2 + 2), topt);
    const d = train.inputSize;
    const cells: Record<string, Record<string, Rate & { meanAccuracy: number }>> = {};
    const total = ws.length * depths.reduce((a, b) => a + b, 0) * p.repetitions;
    let done = 0;
    for (const w of ws) {
      cells[String(w)] = {};
      for (const L of depths) {
        let solved = 0;
        let accSum = 0;
        for (let r = 0; r < p.repetitions; r++) {
          const rng = new Rng(ctx.seed * 1000003 + L * 7919 + r * 104729 + Math.round(w * 1000));
          const net = new Mlp({ inputSize: d, width: p.width, depth: L, outputSize: train.classes, activation: f, init: 'gaussian', gain: Math.sqrt(w) }, rng);
          for (const layer of net.layers) if (layer.b) rng.fillNormal(layer.b, 0, Math.sqrt(p.sigmaB2));
          const parameters = net.parameters();
          const grads = parameters.map((q) => q.grad);
          const opt = makeOptimiser(p.optimiser, parameters, p.learningRate);
          const idx = new Int32Array(p.batchSize);
          const xb = new Float64Array(p.batchSize * d);
          const yb = new Int32Array(p.batchSize);
          let ok = true;
          for (let s = 0; s < p.steps; s++) {
            sampleIndices(train.n, rng, idx);
            gatherBatch(train, idx, xb, yb);
            if (!Number.isFinite(net.lossAndGradient(xb, yb, p.batchSize))) {
              ok = false;
              break;
            }
            if (p.clipNorm > 0) clipGlobalNorm(grads, p.clipNorm);
            opt.step();
          }
          const acc = ok ? net.accuracy(test.x, test.labels, test.n) : chanceLevel(test);
          accSum += acc;
          if (acc >= p.accuracyThreshold) solved++;
          done += L;
          ctx.progress(done, total, `sigma_w^2 = ${w}, L = ${L}`);
        }
        cells[String(w)]![String(L)] = { ...rate(solved, p.repetitions), meanAccuracy: accSum / p.repetitions };
      }
    }
    const scales = ws.map((w) => meanFieldDepthScales(f, w, p.sigmaB2));
    const xiC: Record<string, number> = {};
    ws.forEach((w, i) => (xiC[String(w)] = scales[i]!.xiC));
    // the majority verdict of each cell against the mean-field prediction L <= 6 xi_c
    let match = 0;
    let count = 0;
    for (const w of ws) {
      for (const L of depths) {
        const trainable = cells[String(w)]![String(L)]!.rate >= 0.5;
        if (trainable === L <= 6 * xiC[String(w)]!) match++;
        count++;
      }
    }
    const critical = criticalSigmaW2(f, p.sigmaB2);
    const summary: Record<string, unknown> = { sigmaW2: ws, depths, cells, xiC, criticalSigmaW2: critical, agreement: match / count, chance: chanceLevel(test) };
    const replication = p.paper && compareWithPaper(p.paper, summary);
    if (replication) summary.replication = replication;

    // the 6 xi_c curve on a fine grid, capped a little above the deepest network so it stays in the chart
    const fine = Array.from({ length: 121 }, (_, i) => ws[0]! + ((ws[ws.length - 1]! - ws[0]!) * i) / 120);
    const cap = depths[depths.length - 1]! * 1.2;
    const curve = fine.map((w) => Math.min(cap, 6 * meanFieldDepthScales(f, w, p.sigmaB2).xiC));
    const cell = (w: number, L: number) => cells[String(w)]![String(L)]!;
    const charts = [
      heatmapChart({
        id: 'phase-diagram',
        title: `Trainable depth of ${f.name} MLPs (N = ${p.width}, σ_b² = ${p.sigmaB2}, ${p.repetitions} seeds per cell)`,
        caption: `Each cell: the fraction of runs whose held-out accuracy reached ${p.accuracyThreshold} after ${p.steps} ${p.optimiser} steps (label k/m; the 95 % Wilson intervals are in the CSV). Line: the mean-field depth 6 ξ_c (Schoenholz et al. 2017), which diverges at the order-to-chaos line σ_w² = ${critical.toFixed(3)} and is drawn capped at ${cap.toFixed(0)}. The x axis is evenly spaced by cell, so the curve is interpolated between the columns.`,
        x: { title: 'σ_w²', values: ws },
        y: { title: 'depth L (hidden layers)', values: depths },
        values: depths.map((L) => ws.map((w) => cell(w, L).rate)),
        labels: depths.map((L) => ws.map((w) => `${cell(w, L).solved}/${cell(w, L).runs}`)),
        colorBar: { title: 'success probability' },
        overlays: [{ label: '6 ξ_c (mean field)', x: fine, y: curve, color: '#D55E00' }],
        extraColumns: [
          { name: 'lower 95 %', values: depths.map((L) => ws.map((w) => cell(w, L).lower)) },
          { name: 'upper 95 %', values: depths.map((L) => ws.map((w) => cell(w, L).upper)) },
          { name: 'mean accuracy', values: depths.map((L) => ws.map((w) => cell(w, L).meanAccuracy)) },
        ],
      }),
      lineChart({
        id: 'depth-scale',
        title: `Mean held-out accuracy against depth, and 6 ξ_c`,
        caption: `Mean accuracy over the seeds of each σ_w² against L; chance level ${chanceLevel(test).toFixed(2)}.`,
        x: { title: 'depth L' },
        y: { title: 'held-out accuracy', min: 0, max: 1 },
        series: ws.map((w) => ({ label: `σ_w² = ${w} (6 ξ_c = ${(6 * xiC[String(w)]!).toFixed(0)})`, x: depths, y: depths.map((L) => cell(w, L).meanAccuracy), pointRadius: 5 })),
      }),
    ];
    const theory: TheoryRow[] = [
      ...claimRows(replication),
      ...ws.map((w) => ({
        quantity: `sigma_w^2 = ${w}: deepest L with a success rate >= 1/2`,
        theory: `6 xi_c = ${(6 * xiC[String(w)]!).toFixed(1)}`,
        measured: String(depths.filter((L) => cell(w, L).rate >= 0.5).pop() ?? 'none'),
        source: 'Schoenholz et al. 2017 (mean field)',
      })),
    ];
    const discussion = [
      `The mean-field prediction is that a network of depth L trains when L is below a few correlation depths xi_c: deeper than that, two different inputs reach the output almost equally correlated whatever they were (ordered phase) or decorrelated (chaotic phase), and the gradient carries no information about the input. ${(100 * (match / count)).toFixed(0)} % of the cells agree with the rule "trainable iff L <= 6 xi_c" (majority of seeds).`,
      `This is a small version of the paper's experiment (MNIST and CIFAR-10, width and budgets far larger): width ${p.width}, the synthetic teacher task, ${p.steps} steps; success thresholds and budgets move the boundary by a constant factor, so the claim tested is the shape (trainable depth largest at the critical line, shrinking on both sides), not the constant 6.`,
      setupParagraph(p.paper, start),
    ].join('\n\n');
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};
