/**
 * The temporal order problem: Hochreiter and Schmidhuber (1997), experiment 6a (two relevant,
 * widely separated symbols).
 *
 * Alphabet (one-hot inputs, m = 8, in this order): a, b, c, d, X, Y, E, B. A sequence starts with
 * E, ends with the trigger symbol B, and is otherwise random symbols from {a, b, c, d}, except at
 * two steps t1 and t2 that hold X or Y (each with probability 1/2). The class at the last step
 * depends on their temporal order: XX -> Q (0), XY -> R (1), YX -> S (2), YY -> U (3); p = 4.
 *
 * Paper's sizes: length uniform in [100, 110], t1 uniform in [10, 20], t2 uniform in [50, 60]. The
 * `T` option scales all of them: length in [T, T + floor(T/10)], t1 in [round(T/10), round(T/5)],
 * t2 in [round(T/2), round(3T/5)] (T = 100 gives the paper's); each range can also be set
 * directly. The length is drawn once per batch (per sequence in the paper).
 *
 * Loss: softmax cross-entropy at the last step (default), or, with `loss: 'squared-error'`, the
 * paper's squared error of the 4 outputs against the one-hot code of the class (the paper's outputs
 * are sigmoid units; ours are the linear readout). A sequence is classified correctly when "the
 * final absolute error of all output units is below 0.3": with softmax outputs that is
 * softmax(y)[label] > 0.7 (which also puts every other output below 0.3); with squared error it is
 * every |y_k - target_k| < 0.3. The paper reports wrong classifications on 2560 test sequences; success here
 * is at most `maxWrong` (default 0) wrong among `testSize` (default 2560).
 *
 * Baseline: the classes are equally likely whatever the input's other symbols, so the best
 * input-independent prediction is uniform: cross-entropy ln 4 = 1.3863, accuracy 1/4; with squared
 * error, 1/4 on every output: (3/4)^2 + 3 (1/4)^2 = 3/4 per sequence.
 */
import type { Rng } from '../init/rng.ts';
import { scoreOneHot } from './long-lag-1997.ts';
import { checkBatch, checkInteger, checkNumber, drawLength, softmaxProbability, crossEntropy, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

/** Input symbol indices of the one-hot code. */
export const TEMPORAL_ORDER_SYMBOLS = { a: 0, b: 1, c: 2, d: 3, X: 4, Y: 5, E: 6, B: 7 } as const;
/** Class names by index: Q = XX, R = XY, S = YX, U = YY. */
export const TEMPORAL_ORDER_CLASSES = ['Q (X,X)', 'R (X,Y)', 'S (Y,X)', 'U (Y,Y)'] as const;

export interface TemporalOrderOptions {
  /** Scale of the problem: the minimal length; ranges below default to the paper's scaled by T/100. Default 100. */
  readonly T?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Inclusive range of t1. */
  readonly t1?: readonly [number, number];
  /** Inclusive range of t2. */
  readonly t2?: readonly [number, number];
  /** A sequence is correct when softmax(y)[label] > 1 - errorThreshold. Default 0.3. */
  readonly errorThreshold?: number;
  /** Test sequences. Default 2560. */
  readonly testSize?: number;
  /** Wrong test sequences tolerated. Default 0. */
  readonly maxWrong?: number;
  /** 'cross-entropy' on softmax outputs (default) or the paper's 'squared-error' on one-hot targets. */
  readonly loss?: 'cross-entropy' | 'squared-error';
}

export function temporalOrder(opts: TemporalOrderOptions = {}): LongLagTask {
  const name = 'temporal-order';
  const T = opts.T ?? 100;
  checkInteger(name, 'T', T, 10);
  const minLength = opts.minLength ?? T;
  const maxLength = opts.maxLength ?? minLength + Math.floor(minLength / 10);
  const t1 = opts.t1 ?? [Math.round(T / 10), Math.round(T / 5)];
  const t2 = opts.t2 ?? [Math.round(T / 2), Math.round((3 * T) / 5)];
  const errorThreshold = opts.errorThreshold ?? 0.3;
  const testSize = opts.testSize ?? 2560;
  const maxWrong = opts.maxWrong ?? 0;
  const squared = (opts.loss ?? 'cross-entropy') === 'squared-error';
  if (opts.loss !== undefined && opts.loss !== 'cross-entropy' && opts.loss !== 'squared-error') throw new Error(`${name}: loss must be 'cross-entropy' or 'squared-error', got ${String(opts.loss)}`);
  checkInteger(name, 'minLength', minLength, 4);
  checkInteger(name, 'maxLength', maxLength, minLength);
  checkInteger(name, 't1[0]', t1[0], 2);
  checkInteger(name, 't1[1]', t1[1], t1[0]);
  checkInteger(name, 't2[0]', t2[0], t1[1] + 1);
  checkInteger(name, 't2[1]', t2[1], t2[0]);
  if (t2[1] >= minLength) throw new Error(`${name}: t2 must end before the trigger at the last step, i.e. t2[1] < minLength = ${minLength}, got ${t2[1]}`);
  checkNumber(name, 'errorThreshold', errorThreshold, 0, 1);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  const S = TEMPORAL_ORDER_SYMBOLS;
  const m = 8;
  return {
    name,
    source: 'Hochreiter and Schmidhuber (1997), Long short-term memory, experiment 6a',
    inputSize: m,
    outputSize: 4,
    loss: squared ? 'squared-error' : 'cross-entropy',
    steps: 'last',
    minLength,
    maxLength,
    minimalLag: minLength - t2[1],
    testSize,
    baseline: squared ? { loss: 0.75, predictor: '1/4 on every output' } : { loss: Math.log(4), predictor: 'uniform over the 4 classes' },
    criterion: `every output within ${errorThreshold} of its target${squared ? '' : ` (softmax of the class > ${1 - errorThreshold})`} on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const len = drawLength(minLength, maxLength, rng);
      const x = new Float64Array(len * B * m);
      const labels = new Int32Array(B);
      for (let r = 0; r < B; r++) {
        const p1 = t1[0] + rng.int(t1[1] - t1[0] + 1);
        const p2 = t2[0] + rng.int(t2[1] - t2[0] + 1);
        const s1 = rng.int(2);
        const s2 = rng.int(2);
        for (let t = 1; t <= len; t++) {
          let sym: number;
          if (t === 1) sym = S.E;
          else if (t === len) sym = S.B;
          else if (t === p1) sym = s1 === 0 ? S.X : S.Y;
          else if (t === p2) sym = s2 === 0 ? S.X : S.Y;
          else sym = rng.int(4);
          x[((t - 1) * B + r) * m + sym] = 1;
        }
        labels[r] = 2 * s1 + s2;
      }
      if (!squared) return { T: len, B, inputs: x, targets: null, labels };
      const targets = new Float64Array(B * 4);
      for (let r = 0; r < B; r++) targets[r * 4 + labels[r]!] = 1;
      return { T: len, B, inputs: x, targets, labels: null };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      if (squared) return scoreOneHot(batch, y, 4, errorThreshold);
      let lossSum = 0;
      let wrong = 0;
      for (let r = 0; r < batch.B; r++) {
        const label = batch.labels![r]!;
        lossSum += crossEntropy(y, r * 4, 4, label);
        if (!(softmaxProbability(y, r * 4, 4, label) > 1 - errorThreshold)) wrong++;
      }
      return { sequences: batch.B, lossSum, wrong };
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.B * 4).fill(squared ? 0.25 : 0);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}
