/**
 * The shared shape of the long-lag sequence tasks (adding, temporal order, latch, copy memory):
 * a seeded generator of batches, the task's loss on the readout outputs, its closed-form baseline
 * (the best predictor that ignores the input) and its success criterion as in the source paper.
 *
 * Buffers follow the models (src/models/rnn.ts, src/models/lstm.ts): inputs are T x B x m with
 * x_t (t = 1..T) at offset (t-1) B m; targets are |S| x B x p and labels |S| x B, where S is the set
 * of steps that carry a loss: the last step ('last') or every step ('all'). Every sequence of a
 * batch has the same length T; tasks whose paper draws a random length per sequence draw it once
 * per batch instead (documented in each task).
 *
 * The task loss (`score`) is the paper's: squared error (y - target)^2 without the 1/2 of the
 * training loss, or the cross-entropy -log softmax(y)[label] averaged over the loss steps. The
 * training loss of the models is 1/2 (y - target)^2 summed over the loss steps; `trainingLoss`
 * builds it for a batch.
 *
 * @example
 *   const task = addingProblem1997({ T: 100 });
 *   const batch = task.sample(32, rng);            // inputs 100..110 x 32 x 2, targets 1 x 32 x 1
 *   forward(lstm, batch.inputs, tape, { T: batch.T });
 *   backward(lstm, tape, batch.inputs, trainingLoss(task, batch), readout, grads);
 *   const result = evaluateTask(task, predict, new Rng(2)); // 2560 test sequences
 *   result.success; // true when all of them have absolute error < 0.04
 */
import type { Rng } from '../init/rng.ts';

export type TaskLossKind = 'squared-error' | 'cross-entropy';

/** B sequences of one length T. */
export interface SequenceBatch {
  readonly T: number;
  readonly B: number;
  /** T x B x m inputs. */
  readonly inputs: Float64Array;
  /** |S| x B x p regression targets (squared-error tasks), else null. */
  readonly targets: Float64Array | null;
  /** |S| x B class labels in [0, p) (cross-entropy tasks), else null. */
  readonly labels: Int32Array | null;
}

/** Sums over scored sequences, so scores of several batches add up. */
export interface TaskScore {
  /** Number of sequences scored. */
  sequences: number;
  /** Sum over sequences of the per-sequence task loss (its mean over the loss steps). */
  lossSum: number;
  /** Sequences the paper's per-sequence rule counts as processed wrongly. */
  wrong: number;
}

/** The closed-form loss of the best input-independent predictor. */
export interface TaskBaseline {
  /** Expected per-sequence task loss of that predictor. */
  readonly loss: number;
  /** What the predictor outputs, in words. */
  readonly predictor: string;
}

export interface LongLagTask {
  /** Short identifier, e.g. 'adding-1997'. */
  readonly name: string;
  /** The paper the task, its loss and its criterion come from. */
  readonly source: string;
  /** m, the input size. */
  readonly inputSize: number;
  /** p, the readout size. */
  readonly outputSize: number;
  readonly loss: TaskLossKind;
  /** Steps that carry a loss. */
  readonly steps: 'last' | 'all';
  /** Shortest and longest sequence length T. */
  readonly minLength: number;
  readonly maxLength: number;
  /** The smallest time lag between the relevant input and the step whose output depends on it. */
  readonly minimalLag: number;
  /** Number of test sequences the success criterion is evaluated on. */
  readonly testSize: number;
  readonly baseline: TaskBaseline;
  /** The success criterion in words (for reports). */
  readonly criterion: string;
  /** Draw B sequences; every random number comes from rng. */
  sample(B: number, rng: Rng): SequenceBatch;
  /** Score readout outputs y (|S| x B x p, as the loss steps) of a batch. */
  score(batch: SequenceBatch, outputs: Float64Array): TaskScore;
  /** The baseline predictor's outputs for a batch (|S| x B x p). */
  baselineOutputs(batch: SequenceBatch): Float64Array;
  /** The paper's criterion on a score accumulated over (at least) testSize test sequences. */
  success(score: TaskScore): boolean;
}

/** Structurally a SequenceLoss (src/models/readout.ts): what the models' backward pass needs for a batch. */
export interface TrainingLoss {
  readonly kind: TaskLossKind;
  readonly steps: 'last' | 'all';
  readonly targets?: Float64Array;
  readonly labels?: Int32Array;
  /** true for tasks scored per step (copy memory), so the training loss is their mean too. */
  readonly meanOverSteps: boolean;
}

/** The training loss of a batch: targets or labels at the task's loss steps. */
export function trainingLoss(task: LongLagTask, batch: SequenceBatch): TrainingLoss {
  return {
    kind: task.loss,
    steps: task.steps,
    ...(batch.targets ? { targets: batch.targets } : {}),
    ...(batch.labels ? { labels: batch.labels } : {}),
    meanOverSteps: task.steps === 'all',
  };
}

/** Number of loss steps |S| of a batch. */
export function lossSteps(task: LongLagTask, batch: SequenceBatch): number {
  return task.steps === 'last' ? 1 : batch.T;
}

/** A test run: the summed score, its mean loss and the criterion's verdict. */
export interface TaskEvaluation extends TaskScore {
  /** lossSum / sequences: MSE or mean cross-entropy. */
  meanLoss: number;
  success: boolean;
}

/**
 * Score a predictor on `sequences` fresh test sequences (default: the task's testSize), drawn in
 * batches of at most batchSize from rng. `predict` maps a batch to its readout outputs at the loss
 * steps (|S| x B x p).
 */
export function evaluateTask(
  task: LongLagTask,
  predict: (batch: SequenceBatch) => Float64Array,
  rng: Rng,
  opts: { sequences?: number; batchSize?: number } = {},
): TaskEvaluation {
  const total = opts.sequences ?? task.testSize;
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(total) || total < 1) throw new Error(`evaluateTask: sequences must be a positive integer, got ${total}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluateTask: batchSize must be a positive integer, got ${batchSize}`);
  const sum: TaskScore = { sequences: 0, lossSum: 0, wrong: 0 };
  while (sum.sequences < total) {
    const batch = task.sample(Math.min(batchSize, total - sum.sequences), rng);
    const s = task.score(batch, predict(batch));
    sum.sequences += s.sequences;
    sum.lossSum += s.lossSum;
    sum.wrong += s.wrong;
  }
  return { ...sum, meanLoss: sum.lossSum / sum.sequences, success: task.success(sum) };
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the task files
// ---------------------------------------------------------------------------------------------

/** -log softmax(y)[label] over p logits at offset, shifted by the maximum (safe for -Infinity logits). */
export function crossEntropy(y: Float64Array, off: number, p: number, label: number): number {
  let mx = -Infinity;
  for (let k = 0; k < p; k++) mx = Math.max(mx, y[off + k]!);
  let s = 0;
  for (let k = 0; k < p; k++) s += Math.exp(y[off + k]! - mx);
  return mx + Math.log(s) - y[off + label]!;
}

/** softmax(y)[label]. */
export function softmaxProbability(y: Float64Array, off: number, p: number, label: number): number {
  return Math.exp(-crossEntropy(y, off, p, label));
}

/** Index of the largest of p entries at offset (the first on ties). */
export function argmax(y: Float64Array, off: number, p: number): number {
  let best = 0;
  for (let k = 1; k < p; k++) if (y[off + k]! > y[off + best]!) best = k;
  return best;
}

/** Draw a batch length uniformly in [minLength, maxLength]. */
export function drawLength(minLength: number, maxLength: number, rng: Rng): number {
  return minLength === maxLength ? minLength : minLength + rng.int(maxLength - minLength + 1);
}

/** Throw unless v is an integer >= min (names the option). */
export function checkInteger(task: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${task}: ${name} must be an integer >= ${min}, got ${v}`);
}

/** Throw unless v is a finite number in [lo, hi] (names the option). */
export function checkNumber(task: string, name: string, v: number, lo = -Infinity, hi = Infinity): void {
  if (!Number.isFinite(v) || v < lo || v > hi) throw new Error(`${task}: ${name} must be a number in [${lo}, ${hi}], got ${v}`);
}

/** Throw unless B is a positive integer (the public edge of every sample()). */
export function checkBatch(task: string, B: number): void {
  checkInteger(task, 'batch size B', B, 1);
}
