/**
 * Mini-batch training of a recurrent model on a long-lag task: the experiment behind every
 * "which network learns a lag of T steps" claim (Hochreiter and Schmidhuber 1997, section 5;
 * Bengio, Simard and Frasconi 1994, section IV; Le, Jaitly and Hinton 2015).
 *
 * One step: draw a batch of B fresh sequences, run the forward pass and full backpropagation
 * through time, record the global gradient norm ||g|| (before clipping), optionally clip it to a
 * threshold (Pascanu, Mikolov and Bengio 2013, Alg. 1), and update with SGD, momentum, Adam or
 * Rprop. Every `evalEvery` steps the task's own success criterion (the paper's) is evaluated on a
 * fixed, seeded test set; training stops at the first success unless told otherwise. The budget is
 * a number of steps or of training sequences (steps x B).
 *
 * Models, behind one small interface (`Model`) over any recurrent cell (src/models/cell.ts):
 * - 'rnn-tanh', 'rnn-sigmoid': the vanilla RNN h_t = f(W h_{t-1} + U x_t + b), W orthogonal;
 * - 'irnn': the ReLU RNN with W = I and b = 0 (Le, Jaitly and Hinton 2015);
 * - 'lstm1997': the LSTM without forget gate, whose cell is the constant error carousel;
 * - 'lstm-forget': the LSTM with a forget gate (Gers, Schmidhuber and Cummins 2000), b_f = 1;
 * - 'gru': the gated recurrent unit (Cho et al. 2014) in PyTorch's convention.
 * All have a linear readout y_t = V h_t + c.
 *
 * Precision (`options.precision`, default float64): a float32 model trains a float32 cell
 * (src/models/cell.ts): its parameters, tape, gradients and the optimiser's state for them are
 * Float32Arrays (the initial weights are drawn in float64 and rounded once), and forward and BPTT
 * run in float32 (bptt.ts). The readout y_t = V h_t + c, its gradient and state, the loss and the
 * gradient norm stay float64, as bptt.ts keeps them; the training inputs are rounded to float32
 * when copied to the kernel heap. Every model kind has a float32 cell (rnn.ts, lstm.ts, gru.ts).
 *
 * Determinism: the initial weights, the training batches and the test set each come from their
 * own fork of `new Rng(seed)`, so the same (task, model, options, seed) gives the same learning
 * curve bit for bit, whichever thread runs it.
 *
 * @example
 *   const r = train(addingProblemLe2015({ T: 20, testSize: 512 }), { kind: 'lstm-forget', n: 8 },
 *     { optimiser: 'adam', lr: 0.01, batchSize: 32, steps: 2000, evalEvery: 100 }, 1);
 *   r.solved; r.stepsToSuccess; r.loss; r.gradNorms
 */
import { z } from 'zod';
import { RELU, SIGMOID, TANH } from '../activations/index.ts';
import { Rng } from '../init/rng.ts';
import { initWeights, INITIALISATIONS, type InitName } from '../init/weights.ts';
import type { Precision, Real } from '../linalg/precision.ts';
import { allocF64, allocReal, freeF64 } from '../linalg/wasm.ts';
import { backward, createGradients, createTape, forward, freeGradients, freeTape, type Gradients } from '../models/bptt.ts';
import { parameterList, type RecurrentCell, type Tape } from '../models/cell.ts';
import { createGru } from '../models/gru.ts';
import { createLstm } from '../models/lstm.ts';
import { createReadout, readoutBlocks, readoutOutputs, type Readout } from '../models/readout.ts';
import { createRnn } from '../models/rnn.ts';
import type { LongLagTask, SequenceBatch, TaskScore, TrainingLoss } from '../tasks/task.ts';
import { trainingLoss } from '../tasks/task.ts';
import { clipGlobalNorm, globalNorm } from './clipping.ts';
import { makeOptimiser, type OptimiserName, type ParameterGradient } from './optimisers.ts';

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export const MODEL_KINDS = ['rnn-tanh', 'rnn-sigmoid', 'irnn', 'lstm1997', 'lstm-forget', 'gru'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Model description as plain data (it crosses to worker threads). */
export const ModelSpec = z
  .object({
    kind: z.enum(MODEL_KINDS).describe('rnn-tanh, rnn-sigmoid, irnn (ReLU, W = I), lstm1997 (no forget gate), lstm-forget or gru (PyTorch convention)'),
    n: z.number().int().min(1).max(512).describe('hidden size (number of units or memory cells)'),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional()
      .describe('name in the summary and the charts (default: the kind)'),
    recurrentInit: z.enum(INITIALISATIONS).optional().describe('initialisation of the recurrent weights (default: orthogonal; identity for irnn)'),
    gain: z.number().positive().optional().describe('gain of the recurrent initialisation (default 1)'),
    inputInit: z.enum(INITIALISATIONS).optional().describe('initialisation of the input weights (default: xavier-uniform; gaussian with gain 0.001 x sqrt(m) for irnn)'),
    inputGain: z.number().positive().optional().describe('gain of the input initialisation (default 1)'),
    forgetBias: z.number().optional().describe('LSTM forget-gate bias (default 1)'),
    inputBias: z.union([z.number(), z.array(z.number())]).optional().describe('LSTM input-gate bias, one value or one per cell (default 0)'),
    squash: z.enum(['tanh', 'scaled-sigmoid']).optional().describe("LSTM cell input/output squashing: tanh (default) or the 1997 paper's 4 sigma - 2 and 2 sigma - 1"),
    outputBias: z.number().optional().describe('LSTM output-gate bias (default 0)'),
    updateBias: z.number().optional().describe('GRU update-gate bias b_iz (default 0; positive starts the GRU copying its state)'),
  })
  .strict();
export type ModelSpec = z.infer<typeof ModelSpec>;

/** The name a model goes by in summaries: its id, else its kind. */
export function modelId(spec: ModelSpec): string {
  return spec.id ?? spec.kind;
}

/** A trainable recurrent model with a readout, sized for one task; A is the cell's array type (its precision). */
export interface Model<A extends Real = Real> {
  readonly spec: ModelSpec;
  readonly n: number;
  readonly m: number;
  readonly p: number;
  readonly parameterCount: number;
  /** The recurrent cell (src/models/cell.ts) and its readout. */
  readonly cell: RecurrentCell<unknown, unknown, A>;
  readonly readout: Readout;
  /** (parameter, gradient) pairs, for the optimisers and the clipping. */
  readonly params: readonly ParameterGradient[];
  /** The gradient buffers alone (for norms and clipping): the cell's (in its precision), then the readout's. */
  readonly grads: readonly Real[];
  /**
   * Forward pass and BPTT on a batch: leaves dL/dtheta in the gradient buffers and returns L,
   * the training loss (1/2 squared error or cross-entropy, averaged over the batch, and over the
   * loss steps when `loss.meanOverSteps`).
   */
  lossAndGradients(batch: SequenceBatch, loss: TrainingLoss): number;
  /** Readout outputs at the task's loss steps (|S| x B x p; a reused buffer: read it before the next call). */
  predict(batch: SequenceBatch, steps: 'last' | 'all'): Float64Array;
  /** ||dL/dh_t|| for t = 0..T of the last lossAndGradients (a view). */
  hNorms(): Float64Array;
  /** ||dL/dc_t|| for t = 0..T of the last lossAndGradients (LSTMs), else null. */
  cNorms(): Float64Array | null;
  /** Return the buffers to the kernel heap. */
  dispose(): void;
}

/**
 * The recurrent cell of a model spec for inputs of size m, freshly initialised from rng:
 * - rnn-tanh, rnn-sigmoid: W orthogonal (or spec.recurrentInit) with the gain, U xavier-uniform, b = 0;
 * - irnn: ReLU, W = I, b = 0 and U ~ N(0, 0.001^2) (Le, Jaitly and Hinton 2015);
 * - lstm1997, lstm-forget: src/models/lstm.ts createLstm with the spec's biases;
 * - gru: src/models/gru.ts createGru (per-block xavier-uniform inputs, orthogonal recurrent weights).
 */
export function createCell(spec: ModelSpec, m: number, rng: Rng, precision: Precision = 'float64'): RecurrentCell<unknown, unknown, Real> {
  const { n, kind } = spec;
  if (kind === 'gru') {
    return createGru(
      {
        n,
        m,
        ...(spec.recurrentInit ? { recurrentInit: spec.recurrentInit } : {}),
        ...(spec.inputInit ? { inputInit: spec.inputInit } : {}),
        ...(spec.gain !== undefined ? { gain: spec.gain } : {}),
        ...(spec.updateBias !== undefined ? { updateBias: spec.updateBias } : {}),
        precision,
      },
      rng,
    );
  }
  if (kind === 'lstm1997' || kind === 'lstm-forget') {
    return createLstm(
      {
        n,
        m,
        forgetGate: kind === 'lstm-forget',
        ...(spec.recurrentInit ? { recurrentInit: spec.recurrentInit } : {}),
        ...(spec.inputInit ? { inputInit: spec.inputInit } : {}),
        ...(spec.gain !== undefined ? { gain: spec.gain } : {}),
        ...(spec.forgetBias !== undefined ? { forgetBias: spec.forgetBias } : {}),
        ...(spec.inputBias !== undefined ? { inputBias: spec.inputBias } : {}),
        ...(spec.squash !== undefined ? { squash: spec.squash } : {}),
        ...(spec.outputBias !== undefined ? { outputBias: spec.outputBias } : {}),
        precision,
      },
      rng,
    );
  }
  const irnn = kind === 'irnn';
  const activation = kind === 'rnn-sigmoid' ? SIGMOID : irnn ? RELU : TANH;
  const recurrentInit: InitName = spec.recurrentInit ?? (irnn ? 'identity' : 'orthogonal');
  // Le et al. (2015): input weights N(0, 0.001^2); 'gaussian' is N(0, gain^2 / m)
  const inputInit: InitName = spec.inputInit ?? (irnn ? 'gaussian' : 'xavier-uniform');
  const inputGain = spec.inputGain ?? (irnn && !spec.inputInit ? 1e-3 * Math.sqrt(m) : 1);
  const W = initWeights(recurrentInit, n, n, rng, spec.gain ?? 1);
  const U = initWeights(inputInit, n, m, rng, inputGain);
  return createRnn({ n, m, W, U, b: new Float64Array(n), activation, precision });
}

/**
 * The same network in float64: a float64 cell of the spec holding the given cell's parameters, for
 * the float64 analyses of a float32-trained network (its fixed points). A float32 cell's parameters
 * are float32 numbers, exactly representable in float64, so both cells compute the same map F(h, x),
 * one in float32 and one in float64 arithmetic. The float64 cell comes from createCell (the same
 * configuration of the spec) and its initial draw is overwritten; its theta is in the kernel heap
 * (freeF64 it after use, as a model's free does).
 *
 * @example float64Cell({ kind: 'rnn-tanh', n: 4 }, createCell({ kind: 'rnn-tanh', n: 4 }, 1, new Rng(1), 'float32')).precision // 'float64'
 */
export function float64Cell(spec: ModelSpec, cell: RecurrentCell<unknown, unknown, Real>): RecurrentCell {
  const wide = createCell(spec, cell.m, new Rng(0), 'float64') as RecurrentCell;
  wide.theta.set(cell.theta);
  return wide;
}

/** Training options with the study's precision: unchanged for float64, so float64 jobs stay as they were. */
export function withPrecision(training: TrainOptionsInput, precision: Precision = 'float64'): TrainOptionsInput {
  return precision === 'float64' ? training : { ...training, precision };
}

/**
 * A freshly initialised model of the given kind for inputs of size m, readout size p and
 * sequences of at most maxT steps: the cell, then the readout V (xavier-uniform; c = 0). Every
 * draw comes from rng.
 */
export function createModel(spec: ModelSpec, m: number, p: number, maxT: number, rng: Rng, precision: Precision = 'float64'): Model {
  const cell = createCell(spec, m, rng, precision);
  const { n } = cell;
  const readout = createReadout(n, p, initWeights('xavier-uniform', p, n, rng));
  const ws = new Map<number, { tape: Tape<unknown, Real>; grads: Gradients<Real> | null; x: Real; out: Float64Array }>();
  const workspace = (B: number, withGrads: boolean) => {
    let w = ws.get(B);
    if (!w) {
      w = { tape: createTape(cell, B, maxT), grads: null, x: allocReal(precision, maxT * B * m), out: allocF64(maxT * B * p) };
      ws.set(B, w);
    }
    if (withGrads && !w.grads) w.grads = createGradients(cell, B, maxT, readout);
    return w;
  };
  let last: { grads: Gradients<Real>; T: number } | null = null;
  // parameters and gradients must be fixed buffers for the optimiser: the training batch size's
  let bound: Gradients<Real> | null = null;
  const model: Model & { bind(B: number): void } = {
    spec,
    n,
    m,
    p,
    cell,
    readout,
    parameterCount: cell.theta.length + readout.theta.length,
    get params() {
      if (!bound) throw new Error('model: call bind(B) before reading params');
      return [...parameterList<Real>(cell.blocks, cell.theta, bound.theta), ...parameterList<Real>(readoutBlocks(n, p), readout.theta, bound.readout!, 'readout.')];
    },
    get grads() {
      if (!bound) throw new Error('model: call bind(B) before reading grads');
      return [bound.theta, bound.readout!];
    },
    bind(B: number) {
      bound = workspace(B, true).grads!;
    },
    lossAndGradients(batch, loss) {
      const w = workspace(batch.B, true);
      const x = inHeap(w.x, batch.inputs);
      forward(cell, x, w.tape, { T: batch.T });
      const L = backward(cell, w.tape, x, loss, readout, w.grads!);
      last = { grads: w.grads!, T: batch.T };
      return L;
    },
    predict(batch, steps) {
      const w = workspace(batch.B, false);
      forward(cell, inHeap(w.x, batch.inputs), w.tape, { T: batch.T });
      readoutOutputs(readout, n, batch.B, batch.T, w.tape.states.h, steps, w.out);
      return w.out.subarray(0, (steps === 'last' ? 1 : batch.T) * batch.B * p);
    },
    hNorms() {
      if (!last) throw new Error('model: no backward pass yet');
      return last.grads.norms.h.subarray(0, last.T + 1);
    },
    cNorms() {
      if (!last) throw new Error('model: no backward pass yet');
      return last.grads.norms.c?.subarray(0, last.T + 1) ?? null;
    },
    dispose() {
      for (const w of ws.values()) {
        freeTape(cell, w.tape);
        if (w.grads) freeGradients(w.grads);
        freeF64(w.x);
        freeF64(w.out);
      }
      ws.clear();
      freeF64(cell.theta);
      freeF64(readout.theta);
    },
  };
  return model;
}

/**
 * The inputs copied into a kernel-heap buffer of the cell's precision (rounded once for float32),
 * so the input products run the SIMD kernels too.
 */
function inHeap<A extends Real>(buf: A, x: Float64Array): A {
  buf.set(x);
  return buf.subarray(0, x.length) as A;
}

/** Fix the batch size whose gradient buffers `params` and `grads` refer to. */
export function bindBatch(model: Model, B: number): void {
  (model as Model & { bind(B: number): void }).bind(B);
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export const OPTIMISERS = ['sgd', 'momentum', 'adam', 'rprop'] as const satisfies readonly OptimiserName[];

/** Training options as plain data (they cross to worker threads). */
export const TrainOptions = z
  .object({
    optimiser: z.enum(OPTIMISERS).default('adam').describe('sgd, momentum (0.9), adam (Kingma and Ba 2015) or rprop (Riedmiller and Braun 1993)'),
    lr: z.number().positive().default(0.01).describe('learning rate (Rprop: initial step size)'),
    batchSize: z.number().int().min(1).max(4096).default(32).describe('training sequences per step B'),
    steps: z.number().int().min(1).max(10_000_000).default(2000).describe('budget: the most training steps (each of B sequences)'),
    sequences: z.number().int().min(1).optional().describe('budget in training sequences instead (steps = ceil(sequences / B)); overrides steps'),
    clip: z.number().positive().nullable().default(null).describe('clip the gradient to this global norm (Pascanu et al. 2013); null: no clipping'),
    evalEvery: z.number().int().min(1).default(100).describe('evaluate the success criterion on the test set every this many steps'),
    testSize: z.number().int().min(1).optional().describe('test sequences (default: the task testSize)'),
    evalBatchSize: z.number().int().min(1).default(256).describe('test sequences per forward pass'),
    stopAtSuccess: z.boolean().default(true).describe('stop at the first evaluation that meets the criterion'),
    stopRule: z
      .object({
        window: z.number().int().min(1).describe('the most recent training sequences the rule looks at'),
        meanLoss: z.number().positive().describe('their mean task loss must be below this'),
      })
      .strict()
      .optional()
      .describe(
        'success on the training stream instead of the test set (Hochreiter and Schmidhuber 1997): the last `window` training sequences, scored before their update, were all processed correctly and their mean task loss is below meanLoss; exact for online training (batchSize 1), where each sequence is scored alone',
      ),
  })
  .strict();
export type TrainOptions = z.infer<typeof TrainOptions>;
/**
 * Training options as given, plus the working precision (default float64; float32 for every model
 * kind). The precision is not a field of the TrainOptions schema: a scenario sets
 * it once for the whole study (its top-level `precision`), and the study passes it on here.
 */
export type TrainOptionsInput = z.input<typeof TrainOptions> & { precision?: Precision };

/** One evaluation of the test set. */
export interface Evaluation {
  /** Training steps done before it. */
  step: number;
  /** Mean task loss on the test set (MSE or mean cross-entropy). */
  loss: number;
  /** Test sequences the paper's rule counts as wrong. */
  wrong: number;
  success: boolean;
}

export interface TrainResult {
  model: string;
  parameterCount: number;
  /** Steps done (<= budget). */
  steps: number;
  solved: boolean;
  /** First step count at which the criterion held (a multiple of evalEvery), or null. */
  stepsToSuccess: number | null;
  /** stepsToSuccess x B, or null. */
  sequencesToSuccess: number | null;
  /** The loss became non-finite and training stopped. */
  diverged: boolean;
  /** Training loss of every step (the learning curve). */
  loss: Float64Array;
  /** Global gradient norm ||g|| of every step, before clipping. */
  gradNorms: Float64Array;
  /** Global gradient norm after clipping (measured; equals gradNorms without clipping). */
  clippedNorms: Float64Array;
  /** Steps at which clipping fired. */
  clipped: number;
  evaluations: Evaluation[];
  /** Test loss at the end (the last evaluation). */
  finalLoss: number;
  finalWrong: number;
}

/** A fixed test set: batches drawn once from their own seed. */
export function sampleTestSet(task: LongLagTask, sequences: number, batchSize: number, rng: Rng): SequenceBatch[] {
  const out: SequenceBatch[] = [];
  for (let done = 0; done < sequences; ) {
    const b = task.sample(Math.min(batchSize, sequences - done), rng);
    out.push(b);
    done += b.B;
  }
  return out;
}

/** Score a model on a fixed test set with the task's rule; success needs at least task.testSize sequences. */
export function evaluateModel(task: LongLagTask, model: Model, testSet: readonly SequenceBatch[]): TaskScore & { meanLoss: number; success: boolean } {
  const sum: TaskScore = { sequences: 0, lossSum: 0, wrong: 0 };
  for (const batch of testSet) {
    const s = task.score(batch, model.predict(batch, task.steps));
    sum.sequences += s.sequences;
    sum.lossSum += s.lossSum;
    sum.wrong += s.wrong;
  }
  return { ...sum, meanLoss: sum.lossSum / sum.sequences, success: task.success(sum) };
}

/**
 * Train a model on a task from a seed. The task's testSize must equal the test set size for its
 * success criterion to be reachable (build the task with the testSize you evaluate on).
 * `trained`, when given, sees the trained model (cell and readout) before its buffers are freed:
 * what a study that analyses the trained network (e.g. its fixed points) reads it with.
 */
export function train(task: LongLagTask, spec: ModelSpec, options: TrainOptionsInput, seed: number, trained?: (model: Model) => void): TrainResult {
  const { precision = 'float64', ...rest } = options;
  const o = TrainOptions.parse(rest);
  const root = new Rng(seed);
  const initRng = root.fork();
  const dataRng = root.fork();
  const testRng = root.fork();
  const B = o.batchSize;
  const budget = o.sequences !== undefined ? Math.ceil(o.sequences / B) : o.steps;
  const model = createModel(spec, task.inputSize, task.outputSize, task.maxLength, initRng, precision);
  try {
    bindBatch(model, B);
    const opt = makeOptimiser(o.optimiser, model.params, o.lr);
    const grads = model.grads;
    const testSet = sampleTestSet(task, o.testSize ?? task.testSize, o.evalBatchSize, testRng);
    const loss = new Float64Array(budget);
    const gradNorms = new Float64Array(budget);
    const clippedNorms = new Float64Array(budget);
    const evaluations: Evaluation[] = [];
    const evaluate = (step: number): Evaluation => {
      const e = evaluateModel(task, model, testSet);
      const ev = { step, loss: e.meanLoss, wrong: e.wrong, success: e.success };
      evaluations.push(ev);
      return ev;
    };
    let steps = 0;
    let clipped = 0;
    let diverged = false;
    let stepsToSuccess: number | null = null;
    // the training-stream rule: ring buffers over the last `window` sequences (a batch of B counts B times)
    const rule = o.stopRule;
    const ringWrong = rule ? new Uint8Array(rule.window) : null;
    const ringLoss = rule ? new Float64Array(rule.window) : null;
    let ringFill = 0;
    let ringAt = 0;
    let ringWrongCount = 0;
    let ringLossSum = 0;
    while (steps < budget) {
      const batch = task.sample(B, dataRng);
      if (rule && ringWrong && ringLoss) {
        const sc = task.score(batch, model.predict(batch, task.steps));
        for (let r = 0; r < B; r++) {
          const wrong = sc.wrong > 0 ? 1 : 0;
          const l = sc.lossSum / B;
          ringWrongCount += wrong - ringWrong[ringAt]!;
          ringLossSum += l - ringLoss[ringAt]!;
          ringWrong[ringAt] = wrong;
          ringLoss[ringAt] = l;
          ringAt = (ringAt + 1) % rule.window;
          ringFill = Math.min(rule.window, ringFill + 1);
        }
        if (ringFill === rule.window && ringWrongCount === 0 && ringLossSum / rule.window < rule.meanLoss) {
          stepsToSuccess = steps;
          if (o.stopAtSuccess) break;
        }
      }
      const L = model.lossAndGradients(batch, trainingLoss(task, batch));
      const g = o.clip !== null ? clipGlobalNorm(grads, o.clip) : globalNorm(grads);
      loss[steps] = L;
      gradNorms[steps] = g;
      if (!Number.isFinite(L) || !Number.isFinite(g)) {
        diverged = true;
        steps++;
        break;
      }
      if (o.clip !== null && g > o.clip) {
        clipped++;
        clippedNorms[steps] = globalNorm(grads);
      } else clippedNorms[steps] = g;
      opt.step();
      steps++;
      if (steps % o.evalEvery === 0 || steps === budget) {
        const ev = evaluate(steps);
        if (!rule && ev.success && stepsToSuccess === null) {
          stepsToSuccess = steps;
          if (o.stopAtSuccess) break;
        }
      }
    }
    if (diverged || evaluations.length === 0 || evaluations[evaluations.length - 1]!.step !== steps) evaluate(steps);
    trained?.(model);
    const fin = evaluations[evaluations.length - 1]!;
    return {
      model: modelId(spec),
      parameterCount: model.parameterCount,
      steps,
      solved: stepsToSuccess !== null,
      stepsToSuccess,
      sequencesToSuccess: stepsToSuccess === null ? null : stepsToSuccess * B,
      diverged,
      loss: loss.slice(0, steps),
      gradNorms: gradNorms.slice(0, steps),
      clippedNorms: clippedNorms.slice(0, steps),
      clipped,
      evaluations,
      finalLoss: fin.loss,
      finalWrong: fin.wrong,
    };
  } finally {
    model.dispose();
  }
}
