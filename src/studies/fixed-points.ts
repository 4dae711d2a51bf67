/**
 * Study `fixed-points`: train a recurrent network on the K-bit flip-flop task (Sussillo and Barak
 * 2013; src/tasks/flip-flop.ts) with the project's trainer, then open the black box: find the fixed
 * and slow points of the trained network at zero input (src/dynamics/fixed-points: minimise the
 * speed q(h) = 1/2 ||F(h, 0) - h||^2 from states sampled on its trajectories, Newton-polish,
 * deduplicate, classify by the eigenvalues of the step Jacobian). A network that stores K bits
 * should have 2^K stable fixed points, one per memory state (read out as the 2^K sign patterns), and
 * saddles between them whose unstable directions lead to the neighbouring memories.
 *
 * Per seed: the training (steps, final test loss, wrong sequences), the points by class (stable,
 * saddles by number of unstable directions, unstable, slow points), the largest residual
 * ||F(h) - h||_inf over the fixed points, the number of distinct output sign patterns at the stable
 * points, and the multipliers of each point.
 *
 * Charts: the fixed points and sample trajectories in the plane of the first two principal
 * components of the visited states (marker by class); the multipliers (eigenvalues of the step
 * Jacobian) of the stable points and of the saddles in the complex plane with the unit circle.
 *
 * Precision: the scenario's `precision: float32` trains the network in float32 (src/training/train.ts);
 * the analysis stays float64 (src/dynamics/fixed-points: Newton's method to ||F(h) - h||_inf <= 1e-10,
 * below float32's resolution of h): it runs on a float64 copy of the trained cell (train.ts
 * float64Cell), whose float32 weights float64 holds exactly, so the points found are those of the
 * float32-trained map evaluated in exact-weight float64 arithmetic. The report says which precision
 * trained the network.
 */
import { z } from 'zod';
import { principalComponents, project } from '../analysis/pca.ts';
import { findFixedPoints, type FixedPoint } from '../dynamics/fixed-points/find.ts';
import { saddleConnection } from '../dynamics/fixed-points/saddle-connections.ts';
import { cellSpeed } from '../dynamics/fixed-points/speed.ts';
import { Rng } from '../init/rng.ts';
import { createTape, forward, freeTape } from '../models/bptt.ts';
import { stateSize, type RecurrentCell } from '../models/cell.ts';
import { readoutKernel } from '../models/readout.ts';
import { lineChart, PALETTE, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, flag, list, measured, text } from '../scenario/summary-schema.ts';
import { flipFlop } from '../tasks/flip-flop.ts';
import { freeF64 } from '../linalg/wasm.ts';
import { float64Cell, ModelSpec, TrainOptions, train, withPrecision, type Model } from '../training/train.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    model: ModelSpec.default({ kind: 'rnn-tanh', n: 64 }).describe('the network trained (rnn-tanh, rnn-sigmoid, irnn, lstm1997, lstm-forget or gru) and its size'),
    task: z
      .object({
        bits: z.number().int().min(1).max(6).default(3).describe('bits K of the flip-flop (2^K memory states)'),
        T: z.number().int().min(2).max(1000).default(50).describe('sequence length of training and test sequences'),
        pulseProbability: z.number().min(0).max(1).default(0.05).describe('probability of a pulse per step and line after step 1'),
        testSize: z.number().int().min(1).max(100000).default(256).describe('test sequences of the success criterion'),
      })
      .strict()
      .prefault({})
      .describe('the K-bit flip-flop task (Sussillo and Barak 2013)'),
    training: TrainOptions.prefault({ optimiser: 'adam', lr: 0.01, batchSize: 32, steps: 1500, evalEvery: 100, stopAtSuccess: false }).describe(
      'the training (src/training/train.ts): optimiser, learning rate, batch, budget',
    ),
    seeds: z.number().int().min(1).max(20).default(3).describe('networks trained, each from its own seed'),
    search: z
      .object({
        starts: z.number().int().min(1).max(100000).default(1024).describe('initial states of the minimisation, sampled on trajectories'),
        trajectories: z.number().int().min(1).max(4096).default(64).describe('test sequences whose states are sampled (and drawn: the first 8)'),
        noise: z.number().nonnegative().default(0.05).describe('standard deviation of the Gaussian noise added to each sampled state'),
        maxIterations: z.number().int().min(1).max(100000).default(2000).describe('L-BFGS steps per start at most'),
        tolerance: z.number().positive().default(1e-10).describe('a Newton-polished point is fixed when ||F(h) - h||_inf is at most this'),
        slowBelow: z.number().positive().default(1e-4).describe('other local minima with q at most this are slow points'),
        between: z.number().int().min(0).max(100).default(3).describe('second pass: starts on each segment between two stable points (where the saddles lie); 0: none'),
      })
      .strict()
      .prefault({})
      .describe('the fixed-point search (Golub and Sussillo 2018)'),
  })
  .strict();

export type FixedPointsParams = z.infer<typeof params>;
export type FixedPointsParamsInput = z.input<typeof params>;

const CHART_IDS = ['state-space', 'multipliers', 'training'] as const;

// --- summary.json ---
const pointSummary = fields({
  kind: text("'fixed' (Newton converged) or 'slow' (a local minimum of q > 0)"),
  stability: text('stable, saddle or unstable (|lambda| of the step Jacobian against 1)'),
  unstable: count('number of multipliers with |lambda| > 1'),
  q: measured('q(h) = 1/2 ||F(h, 0) - h||^2'),
  residual: measured('||F(h, 0) - h||_inf'),
  leading: measured('largest |lambda|'),
  slowest: measured('|lambda| of the slowest mode (closest to the unit circle)'),
  outputs: text('signs of the readout V h + c at the point (+/-), one per bit'),
  starts: count('starts that ended here'),
});
const seedSummary = fields({
  seed: count('the training seed'),
  trainingSteps: count('training steps done'),
  finalLoss: measured('test task loss at the end of training'),
  finalWrong: count('wrong test sequences at the end of training'),
  solved: flag('the flip-flop criterion held at the end (no wrong test sequence)'),
  stable: count('stable fixed points'),
  saddles: count('saddle fixed points'),
  saddlesOneUnstable: count('saddles with exactly one unstable direction'),
  unstable: count('fixed points with every direction unstable'),
  slow: count('slow points (local minima of q with q > 0)'),
  stablePatterns: count('distinct output sign patterns at the stable fixed points'),
  maxResidual: measured('largest ||F(h) - h||_inf over the fixed points'),
  byUnstable: list(count('fixed points'), 'fixed points with 0, 1, ..., K unstable directions'),
  saddleLinks: count('saddles with one real unstable multiplier whose unstable manifold was followed'),
  oneBitLinks: count('of them, those whose two branches end at two stable points whose outputs differ in exactly one bit'),
  distinctOneBitPairs: count('distinct pairs of bit patterns joined that way (K 2^(K-1), the edges of the K-cube, when every edge has its saddle)'),
  toFixed: count('starts that ended at a fixed point'),
  medianIterations: count('median L-BFGS steps per start'),
  points: list(pointSummary, 'every point found: fixed points first, by number of unstable directions'),
});
const fixedPointsSummary = fields({
  cell: text('the model kind'),
  n: count('hidden size'),
  bits: count('bits K'),
  memoryStates: count('2^K'),
  seeds: list(seedSummary, 'one entry per trained network'),
  minStable: count('fewest stable fixed points over the seeds'),
  maxStable: count('most stable fixed points over the seeds'),
  allSeedsStoreEveryPattern: flag('every seed has 2^K stable points whose outputs show all 2^K sign patterns'),
  cubeCounts: list(count('k-faces'), 'C(K, k) 2^(K-k) for k = 0..K: the vertices, edges, faces, ... of the K-cube'),
  allSeedsCube: flag('every seed has exactly C(K, k) 2^(K-k) fixed points with k unstable directions, k = 0..K'),
  allSeedsConnectEdges: flag('in every seed, every saddle with one unstable direction leads to two memories one bit apart, and they cover all K 2^(K-1) edges of the K-cube'),
  maxResidual: measured('largest ||F(h) - h||_inf over every fixed point of every seed'),
  explained: list(exact('fraction of the variance'), 'variance fractions of the first two principal components (first seed)'),
});
export type FixedPointsSummary = z.infer<typeof fixedPointsSummary>;
// --- end of summary.json ---

const CLASS_STYLE = {
  stable: { label: 'stable fixed point', pointStyle: 'circle', color: PALETTE[0], radius: 7 },
  saddle1: { label: 'saddle, 1 unstable direction', pointStyle: 'triangle', color: PALETTE[1], radius: 8 },
  saddle: { label: 'saddle, 2 or more unstable directions', pointStyle: 'rectRot', color: PALETTE[3], radius: 8 },
  unstable: { label: 'unstable fixed point', pointStyle: 'crossRot', color: PALETTE[6], radius: 9 },
  slow: { label: 'slow point', pointStyle: 'star', color: PALETTE[2], radius: 8 },
} as const;

function classOf(p: FixedPoint): keyof typeof CLASS_STYLE {
  if (p.kind === 'slow') return 'slow';
  if (p.stability.stability === 'stable') return 'stable';
  if (p.stability.stability === 'unstable') return 'unstable';
  return p.stability.unstableDimension === 1 ? 'saddle1' : 'saddle';
}

interface SeedRun {
  seed: number;
  result: ReturnType<typeof train>;
  points: FixedPoint[];
  outputs: string[];
  /** Per saddle with one real unstable direction: the indices (into points) of the attractors its unstable manifold reaches (-1: none). */
  links: [number, number][];
  toFixed: number;
  medianIterations: number;
  maxResidual: number;
  /** States of the sampled trajectories, (T+1) x R x S, and the first seed's projection inputs. */
  states: Float64Array;
  R: number;
  T: number;
}

export const fixedPointsStudy: Study<FixedPointsParams, FixedPointsSummary> = {
  kind: 'fixed-points',
  summary: 'Train an RNN on the 3-bit flip-flop, then find its fixed and slow points (Sussillo and Barak 2013): the 8 memories as stable points, saddles between them, PCA plane and multipliers.',
  params,
  chartIds: CHART_IDS,
  summarySchema: fixedPointsSummary,
  float32: () => [],
  run(p, ctx) {
    const K = p.task.bits;
    const memories = 2 ** K;
    const trained32 = ctx.precision === 'float32';
    const task = flipFlop({ bits: K, T: p.task.T, pulseProbability: p.task.pulseProbability, testSize: p.task.testSize });
    const s = p.search;
    const runs: SeedRun[] = [];
    for (let i = 0; i < p.seeds; i++) {
      const seed = ctx.seed * 1000 + i;
      ctx.progress(i, p.seeds, `seed ${seed}`);
      let analysed: Omit<SeedRun, 'seed' | 'result'> | null = null;
      // the analysis draws from a fourth stream of the seed (train() uses the first three: weights, data, test set)
      const streams = new Rng(seed);
      for (let f = 0; f < 3; f++) streams.fork();
      const analysisRng = streams.fork();
      const result = train(task, p.model, withPrecision({ ...p.training, testSize: p.task.testSize }, ctx.precision), seed, (model) => {
        analysed = analyse(model, task, s, analysisRng);
      });
      runs.push({ seed, result, ...analysed! });
    }
    ctx.progress(p.seeds, p.seeds);

    const seedRows = runs.map((r) => {
      const fixed = r.points.filter((q) => q.kind === 'fixed');
      const stable = fixed.filter((q) => q.stability.stability === 'stable');
      const saddles = fixed.filter((q) => q.stability.stability === 'saddle');
      const stableIdx = r.points.map((q, j) => (q.kind === 'fixed' && q.stability.stability === 'stable' ? j : -1)).filter((j) => j >= 0);
      return {
        seed: r.seed,
        trainingSteps: r.result.steps,
        finalLoss: r.result.finalLoss,
        finalWrong: r.result.finalWrong,
        solved: r.result.finalWrong === 0,
        stable: stable.length,
        saddles: saddles.length,
        saddlesOneUnstable: saddles.filter((q) => q.stability.unstableDimension === 1).length,
        unstable: fixed.filter((q) => q.stability.stability === 'unstable').length,
        slow: r.points.length - fixed.length,
        stablePatterns: new Set(stableIdx.map((j) => r.outputs[j]!)).size,
        maxResidual: r.maxResidual,
        toFixed: r.toFixed,
        medianIterations: r.medianIterations,
        byUnstable: Array.from({ length: K + 1 }, (_, k) => fixed.filter((q) => q.stability.unstableDimension === k).length),
        saddleLinks: r.links.length,
        oneBitLinks: r.links.filter(([a, b]) => a >= 0 && b >= 0 && a !== b && hamming(r.outputs[a]!, r.outputs[b]!) === 1).length,
        distinctOneBitPairs: new Set(r.links.filter(([a, b]) => a >= 0 && b >= 0 && a !== b && hamming(r.outputs[a]!, r.outputs[b]!) === 1).map(([a, b]) => [r.outputs[a]!, r.outputs[b]!].sort().join('|'))).size,
        points: r.points.map((q, j) => ({
          kind: q.kind,
          stability: q.stability.stability,
          unstable: q.stability.unstableDimension,
          q: q.q,
          residual: q.residual,
          leading: Math.max(...q.eigenvalues.map((e) => Math.hypot(e.re, e.im))),
          slowest: Math.hypot(q.slowestModes[0]!.re, q.slowestModes[0]!.im),
          outputs: r.outputs[j]!,
          starts: q.starts,
        })),
      };
    });
    const stableCounts = seedRows.map((r) => r.stable);
    // the k-faces of the K-cube: C(K, k) 2^(K - k)
    const cube = Array.from({ length: K + 1 }, (_, k) => binomial(K, k) * 2 ** (K - k));
    const allStore = seedRows.every((r) => r.stable === memories && r.stablePatterns === memories);
    const maxResidual = Math.max(0, ...seedRows.map((r) => r.maxResidual));

    // the plane of the first two principal components of the first seed's visited states
    const r0 = runs[0]!;
    const S0 = r0.states.length / ((r0.T + 1) * r0.R);
    const N0 = (r0.T + 1) * r0.R;
    const pc = principalComponents(r0.states, N0, S0, Math.min(2, S0));
    const xy = project(pc, r0.states, N0, S0);
    const k = pc.variance.length;
    const charts: ChartSpec[] = [];
    const series: Series[] = [];
    const shownTraj = Math.min(8, r0.R);
    // one series, the trajectories separated by gaps (y NaN), so that one legend entry shows or hides them all
    const xs: number[] = [];
    const ys: number[] = [];
    for (let r = 0; r < shownTraj; r++) {
      for (let t = 0; t <= r0.T; t++) {
        const idx = t * r0.R + r;
        xs.push(xy[idx * k]!);
        ys.push(k > 1 ? xy[idx * k + 1]! : 0);
      }
      if (r + 1 < shownTraj) {
        xs.push(xs[xs.length - 1]!);
        ys.push(Number.NaN);
      }
    }
    const trajectories: Series = { label: 'trajectories (test sequences)', x: xs, y: ys, color: '#9a9a9a', lineWidth: 1, z: -1 };
    const P = r0.points.length;
    const H = new Float64Array(P * S0);
    r0.points.forEach((q, j) => H.set(q.h, j * S0));
    const pxy = P > 0 ? project(pc, H, P, S0) : new Float64Array(0);
    for (const cls of Object.keys(CLASS_STYLE) as (keyof typeof CLASS_STYLE)[]) {
      const idx = r0.points.map((q, j) => (classOf(q) === cls ? j : -1)).filter((j) => j >= 0);
      if (idx.length === 0) continue;
      const st = CLASS_STYLE[cls];
      series.push({
        label: `${st.label} (${idx.length})`,
        x: idx.map((j) => pxy[j * k]!),
        y: idx.map((j) => (k > 1 ? pxy[j * k + 1]! : 0)),
        pointsOnly: true,
        pointStyle: st.pointStyle,
        pointRadius: st.radius,
        color: st.color,
        z: 2,
      });
    }
    // the points lead the legend; the grey trajectories come last and are drawn underneath
    series.push(trajectories);
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    charts.push(
      lineChart({
        id: 'state-space',
        title: `Fixed points of the trained ${p.model.kind} (n = ${r0.points[0]?.h.length ?? S0}) on the ${K}-bit flip-flop`,
        subtitle: `seed ${r0.seed}${trained32 ? ', trained in float32, points found in float64' : ''}; plane of the first two principal components of the visited states`,
        caption: `The states of ${shownTraj} test sequences (grey) and the points where the network at zero input stands still, projected on the first two principal components of all visited states (${pct(pc.explained[0]!)}${k > 1 ? ` and ${pct(pc.explained[1]!)}` : ''} of the variance). Stable fixed points (circles) are the memories; saddles with one unstable direction (triangles) sit between two memories (the table says which: those one bit apart).`,
        x: { title: 'principal component 1' },
        y: { title: 'principal component 2' },
        series,
      }),
    );

    // multipliers of every seed's stable points and saddles, in the complex plane with the unit circle
    const circle = Array.from({ length: 181 }, (_, i) => (2 * Math.PI * i) / 180);
    const mult: Series[] = [{ label: 'unit circle |λ| = 1', x: circle.map(Math.cos), y: circle.map(Math.sin), reference: true, dashed: false, lineWidth: 1 }];
    const multLabel = { stable: 'at the stable fixed points', saddle1: 'at the saddles with 1 unstable direction' } as const;
    for (const cls of ['stable', 'saddle1'] as const) {
      const re: number[] = [];
      const im: number[] = [];
      for (const q of r0.points) if (classOf(q) === cls) for (const e of q.eigenvalues) { re.push(e.re); im.push(e.im); }
      if (re.length === 0) continue;
      const st = CLASS_STYLE[cls];
      mult.push({ label: `λ ${multLabel[cls]}`, x: re, y: im, pointsOnly: true, pointStyle: st.pointStyle, pointRadius: 3, color: st.color });
    }
    charts.push(
      lineChart({
        id: 'multipliers',
        title: 'Multipliers λ of the step Jacobian at the fixed points',
        subtitle: `seed ${r0.seed}`,
        caption: `Eigenvalues of ∂F/∂h at the stable fixed points and at the saddles with one unstable direction of the first trained network, in the complex plane (the axes have equal scales). Inside the unit circle a perturbation decays; each of these saddles has exactly one multiplier outside, the direction of its unstable manifold.`,
        x: { title: 'Re λ', min: -2.2, max: 2.2 },
        y: { title: 'Im λ', min: -1.2, max: 1.2 },
        series: mult,
      }),
    );
    charts.push(
      lineChart({
        id: 'training',
        title: `Training on the ${K}-bit flip-flop`,
        caption: `Training loss per step (1/2 squared error per step and sequence), each seed a line (log axis).`,
        x: { title: 'training step' },
        y: { title: 'training loss', log: true },
        series: runs.map((r, i) => ({ label: `seed ${r.seed}`, x: Array.from(r.result.loss, (_, t) => t + 1), y: Array.from(r.result.loss), color: PALETTE[i % PALETTE.length] })),
      }),
    );

    const theory: TheoryRow[] = [
      {
        quantity: `stable fixed points per seed (a network that stores ${K} bits)`,
        theory: `${memories} (2^${K}), one per memory`,
        measured: stableCounts.join(', '),
        source: 'Sussillo and Barak 2013, Fig. 2',
        agrees: stableCounts.every((c) => c === memories),
        tolerance: 'exact count',
      },
      {
        quantity: 'output sign patterns at the stable points, per seed',
        theory: `all ${memories}`,
        measured: seedRows.map((r) => r.stablePatterns).join(', '),
        source: 'each memory state is read out as its bit pattern',
        agrees: seedRows.every((r) => r.stablePatterns === memories),
        tolerance: 'exact count',
      },
      {
        quantity: 'largest ‖F(h) − h‖∞ over the fixed points',
        theory: `≤ ${s.tolerance}`,
        measured: maxResidual.toExponential(2),
        source: 'Newton polishing of the minima of q',
        agrees: maxResidual <= s.tolerance,
        tolerance: 'the search tolerance',
      },
      {
        quantity: `fixed points by number of unstable directions 0, 1, …, ${K}, per seed`,
        theory: cube.join(', ') + ` (vertices, edges, faces, … of the ${K}-cube of bit patterns)`,
        measured: seedRows.map((r) => r.byUnstable.join(', ')).join('; '),
        source: 'a saddle with k unstable directions between the 2^k memories that differ in k bits (Sussillo and Barak 2013, Fig. 2)',
        agrees: seedRows.every((r) => r.byUnstable.length === cube.length && r.byUnstable.every((c, i) => c === cube[i])),
        tolerance: 'exact counts',
      },
      {
        quantity: 'saddles with one unstable direction whose unstable manifold joins two memories that differ in one bit, per seed',
        theory: `all of them, ${K * 2 ** (K - 1)} distinct pairs (the edges of the ${K}-cube)`,
        measured: seedRows.map((r) => `${r.oneBitLinks} of ${r.saddleLinks}, ${r.distinctOneBitPairs} pairs`).join('; '),
        source: 'the unstable manifold of a saddle between two attractors ends at them (Kuznetsov 2004, section 2.2; Sussillo and Barak 2013, Fig. 2)',
        agrees: seedRows.every((r) => r.saddleLinks > 0 && r.oneBitLinks === r.saddleLinks && r.distinctOneBitPairs === K * 2 ** (K - 1)),
        tolerance: 'exact counts; each branch followed by iterating F from the saddle ± 1e-4 v to within 1e-6 of a stable point',
      },
    ];
    const warnings: string[] = [];
    for (const r of seedRows) if (!r.solved) warnings.push(`seed ${r.seed}: training left ${r.finalWrong} of ${p.task.testSize} test sequences wrong; its fixed points describe a network that has not solved the task`);

    const discussion = [
      `${p.seeds} ${p.model.kind} networks of n = ${p.model.n} units were trained${trained32 ? ' in float32' : ''} on the ${K}-bit flip-flop (T = ${p.task.T}, pulse probability ${p.task.pulseProbability} per step and line) for ${p.training.steps} steps of ${p.training.batchSize} sequences (${p.training.optimiser}, learning rate ${p.training.lr}). At the end ${seedRows.filter((r) => r.solved).length} of ${p.seeds} classified every test sequence correctly at every step.` +
        (trained32 ? ' Their fixed points were found in float64 on their float32 weights, which float64 holds exactly (Newton polishing to a residual far below float32\'s resolution of the state needs float64 arithmetic): the points of the float32-trained map, and the trajectories sampled for the starts, are computed in float64.' : ''),
      `For each trained network, ${s.starts} states sampled on ${s.trajectories} test trajectories (plus Gaussian noise of ${s.noise}) started a minimisation of the speed q(h) = ½‖F(h, 0) − h‖² with its exact gradient (L-BFGS), and the minima were polished by Newton's method. Stable fixed points per seed: ${stableCounts.join(', ')} (${memories} expected). A second pass started from ${s.between} points on each segment between two stable points, where the separatrices lie. Saddles ${seedRows.map((r) => r.saddles).join(', ')}, of which with one unstable direction ${seedRows.map((r) => r.saddlesOneUnstable).join(', ')}; slow points ${seedRows.map((r) => r.slow).join(', ')}. The largest residual ‖F(h) − h‖∞ of a fixed point is ${maxResidual.toExponential(2)}.`,
      `The readout at the stable points shows ${seedRows.map((r) => r.stablePatterns).join(', ')} distinct sign patterns: ${allStore ? 'every memory state of every seed is one of the ' + memories + ' bit patterns' : 'not every seed stores every pattern as a stable point'}. Following the unstable manifold of each saddle with one unstable direction (iterating F from the saddle ± 1e-4 along its unstable eigenvector), ${seedRows.map((r) => `${r.oneBitLinks} of ${r.saddleLinks}`).join(', ')} end at two memories whose outputs differ in exactly one bit, covering ${seedRows.map((r) => r.distinctOneBitPairs).join(', ')} distinct pairs (${K * 2 ** (K - 1)} edges of the cube): each such saddle sits on the boundary between two memories one flip apart.`,
    ].join('\n\n');

    return {
      summary: {
        cell: p.model.kind,
        n: p.model.n,
        bits: K,
        memoryStates: memories,
        seeds: seedRows,
        minStable: Math.min(...stableCounts),
        maxStable: Math.max(...stableCounts),
        allSeedsStoreEveryPattern: allStore,
        cubeCounts: cube,
        allSeedsConnectEdges: seedRows.every((r) => r.saddleLinks > 0 && r.oneBitLinks === r.saddleLinks && r.distinctOneBitPairs === K * 2 ** (K - 1)),
        allSeedsCube: seedRows.every((r) => r.byUnstable.every((c, i) => c === cube[i]) && r.stable + r.saddles + r.unstable === cube.reduce((a, b) => a + b, 0)),
        maxResidual,
        explained: Array.from(pc.explained),
      },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  },
};

/**
 * The fixed and slow points of a trained model at zero input, from states sampled on the
 * trajectories of `trajectories` test sequences (plus noise), and the readout's sign pattern at each.
 */
function analyse(model: Model, task: ReturnType<typeof flipFlop>, s: FixedPointsParams['search'], rng: Rng): Omit<SeedRun, 'seed' | 'result'> {
  // the fixed-point search (src/dynamics/fixed-points) is float64: a float32-trained cell is analysed through its float64 copy
  if (model.cell.precision === 'float64') return analyseCell(model.cell as RecurrentCell, model, task, s, rng);
  const wide = float64Cell(model.spec, model.cell);
  try {
    return analyseCell(wide, model, task, s, rng);
  } finally {
    freeF64(wide.theta);
  }
}

function analyseCell(cell: RecurrentCell, model: Model, task: ReturnType<typeof flipFlop>, s: FixedPointsParams['search'], rng: Rng): Omit<SeedRun, 'seed' | 'result'> {
  const { readout } = model;
  const n = cell.n;
  const S = stateSize(cell);
  const R = s.trajectories;
  const batch = task.sample(R, rng.fork());
  const T = batch.T;
  const tape = createTape(cell, R, T);
  const states = new Float64Array((T + 1) * R * S);
  try {
    forward(cell, batch.inputs, tape, { T });
    for (let t = 0; t <= T; t++) {
      for (let r = 0; r < R; r++) {
        const o = (t * R + r) * S;
        states.set(tape.states.h.subarray((t * R + r) * n, (t * R + r + 1) * n), o);
        if (S > n) states.set(tape.states.c!.subarray((t * R + r) * n, (t * R + r + 1) * n), o + n);
      }
    }
  } finally {
    freeTape(cell, tape);
  }
  const pick = rng.fork();
  const starts = new Float64Array(s.starts * S);
  for (let i = 0; i < s.starts; i++) {
    // a visited state after step 1 (step 0 is the zero initial state)
    const t = 1 + pick.int(T);
    const r = pick.int(R);
    for (let j = 0; j < S; j++) starts[i * S + j] = states[(t * R + r) * S + j]! + s.noise * pick.normal();
  }
  const sp = cellSpeed(cell, new Float64Array(cell.m), Math.min(256, s.starts));
  let res;
  const links: [number, number][] = [];
  try {
    res = findFixedPoints(sp, starts, s.starts, { maxIterations: s.maxIterations, tolerance: s.tolerance, slowBelow: s.slowBelow, between: s.between });
    // where the unstable manifold of each saddle with one (real) unstable direction leads
    const stableIdx = res.points.map((q, j) => (q.kind === 'fixed' && q.stability.stability === 'stable' ? j : -1)).filter((j) => j >= 0);
    for (const q of res.points) {
      const u = q.eigenvalues.filter((e) => Math.hypot(e.re, e.im) > 1);
      if (q.kind !== 'fixed' || u.length !== 1 || u[0]!.im !== 0) continue;
      const [a, b] = saddleConnection(sp, q, stableIdx.map((j) => res!.points[j]!.h));
      links.push([a < 0 ? -1 : stableIdx[a]!, b < 0 ? -1 : stableIdx[b]!]);
    }
  } finally {
    sp.dispose();
  }
  const p = readout.p;
  const y = new Float64Array(p);
  const outputs = res.points.map((q) => {
    readoutKernel(1, n, q.h, 0, readout, y, 0);
    return Array.from(y, (v) => (v > 0 ? '+' : '-')).join('');
  });
  return { points: res.points, outputs, links, toFixed: res.toFixed, medianIterations: res.medianIterations, maxResidual: res.maxResidual, states, R, T };
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - i + 1)) / i;
  return c;
}

/** Number of positions at which two sign patterns differ. */
function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}
