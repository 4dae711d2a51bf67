/**
 * The latch (two-sequence) problem of Bengio, Simard and Frasconi (1994), section IV "a simple
 * minimal task": a sequence of length T is classified into one of two classes, and only its first
 * L values depend on the class; the remaining T - L are noise. To answer at step T the network has
 * to latch one bit for T - L steps, which is what the paper shows gradient descent cannot learn
 * robustly as T grows.
 *
 * Here (one input line, m = 1; one output, p = 1):
 * - class k in {0, 1} with probability 1/2 each;
 * - steps 1..L: +1 for class 1, -1 for class 0, plus Gaussian noise of variance `signalNoise`
 *   (default 0). In Bengio et al. the first L inputs were free parameters learned per class; fixed
 *   +-1 signals are the version Hochreiter and Schmidhuber (1997, experiment 3, "Bengio et al.'s
 *   2-sequence problem") used, which does not need trainable inputs;
 * - steps L+1..T: Gaussian noise with mean 0 and variance `noise` (default 0.2, as in both papers'
 *   runs);
 * - target at step T: +0.8 for class 1, -0.8 for class 0 (Bengio et al.'s targets for a tanh unit),
 *   squared error;
 * - the final output classifies the sequence by its sign (output > 0: class 1), the paper's
 *   classification of the final output; success is at most `maxWrong` (default 0) misclassified
 *   among `testSize` (default 2560) test sequences (Bengio et al. count a trial as a success when
 *   the classification error is zero).
 * Fixed length T (defaults T = 100, L = 3).
 *
 * Baseline: predicting 0 (the mean target) gives MSE 0.8^2 = 0.64 exactly and classifies nothing.
 */
import type { Rng } from '../init/rng.ts';
import { checkBatch, checkInteger, checkNumber, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

export interface LatchOptions {
  /** Sequence length. Default 100. */
  readonly T?: number;
  /** Number of leading steps carrying the class. Default 3. */
  readonly L?: number;
  /** Variance of the noise after step L. Default 0.2. */
  readonly noise?: number;
  /** Variance of the noise added to the first L steps. Default 0. */
  readonly signalNoise?: number;
  /** Target magnitude. Default 0.8. */
  readonly target?: number;
  /** Test sequences. Default 2560. */
  readonly testSize?: number;
  /** Misclassified test sequences tolerated. Default 0. */
  readonly maxWrong?: number;
}

export function latch(opts: LatchOptions = {}): LongLagTask {
  const name = 'latch';
  const T = opts.T ?? 100;
  const L = opts.L ?? 3;
  const noise = opts.noise ?? 0.2;
  const signalNoise = opts.signalNoise ?? 0;
  const target = opts.target ?? 0.8;
  const testSize = opts.testSize ?? 2560;
  const maxWrong = opts.maxWrong ?? 0;
  checkInteger(name, 'L', L, 1);
  checkInteger(name, 'T', T, L + 1);
  checkNumber(name, 'noise', noise, 0);
  checkNumber(name, 'signalNoise', signalNoise, 0);
  checkNumber(name, 'target', target, Number.MIN_VALUE);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  const sdNoise = Math.sqrt(noise);
  const sdSignal = Math.sqrt(signalNoise);
  return {
    name,
    source: 'Bengio, Simard and Frasconi (1994), Learning long-term dependencies with gradient descent is difficult, section IV',
    inputSize: 1,
    outputSize: 1,
    loss: 'squared-error',
    steps: 'last',
    minLength: T,
    maxLength: T,
    minimalLag: T - L,
    testSize,
    baseline: { loss: target * target, predictor: 'always 0 (the mean target)' },
    criterion: `sign of the final output equals the class on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const x = new Float64Array(T * B);
      const targets = new Float64Array(B);
      for (let r = 0; r < B; r++) {
        const s = rng.int(2) === 1 ? 1 : -1;
        for (let t = 1; t <= L; t++) x[(t - 1) * B + r] = signalNoise > 0 ? s + sdSignal * rng.normal() : s;
        for (let t = L + 1; t <= T; t++) x[(t - 1) * B + r] = sdNoise * rng.normal();
        targets[r] = s * target;
      }
      return { T, B, inputs: x, targets, labels: null };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      let lossSum = 0;
      let wrong = 0;
      for (let r = 0; r < batch.B; r++) {
        const d = batch.targets![r]!;
        const e = y[r]! - d;
        lossSum += e * e;
        if (!(y[r]! * d > 0)) wrong++;
      }
      return { sequences: batch.B, lossSum, wrong };
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.B);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}
