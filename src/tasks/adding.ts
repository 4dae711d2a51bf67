/**
 * The adding problem, in its two classic forms. Inputs have m = 2 components per step: a value and
 * a marker; the output (p = 1) at the last step must be a function of the two marked values.
 *
 * 1. Hochreiter and Schmidhuber (1997), experiment 4 (`addingProblem1997`):
 *    - values v_t ~ U[-1, 1]; markers in {-1, 0, 1};
 *    - X1: one of the first ten positions, uniformly; X2: one of the first K = floor(T/2) - 1 still
 *      unmarked positions, uniformly (T the minimal length); marked steps carry marker 1;
 *    - the first and the last step carry marker -1 unless marked; if the first step is marked its
 *      value is set to 0 ("in the rare case where the first pair is marked, we set X1 to zero");
 *    - length: uniform in [T, T + T/10] (drawn once per batch here, per sequence in the paper);
 *    - target at the last step 0.5 + (X1 + X2) / 4, in [0, 1];
 *    - a sequence is processed correctly when the absolute error at its end is below 0.04; the
 *      paper reports the number of wrong predictions on 2560 test sequences, so success here is at
 *      most `maxWrong` (default 0) wrong among `testSize` (default 2560) test sequences.
 *    Baseline: predicting the mean 0.5 gives MSE = E[(X1 + X2)^2] / 16 = (2 - p1) / 48, where
 *    p1 = 1/A + (1 - 1/A) / K is the probability that the first step is marked (its value then 0),
 *    A = min(10, T). For T = 100: p1 = 0.1 + 0.9/49, MSE = 0.039201.
 *
 * 2. Le, Jaitly and Hinton (2015), the T-length version (`addingProblemLe2015`; also Arjovsky, Shah
 *    and Bengio 2016):
 *    - values v_t ~ U[0, 1]; markers 0 except two 1s, one uniform in the first half (steps
 *      1..floor(T/2)), one uniform in the second half;
 *    - fixed length T; target = the sum of the two marked values; loss MSE;
 *    - baseline: predicting 1 gives MSE = Var(U1 + U2) = 1/6 = 0.16667. (Le et al. quote 0.1767;
 *      Arjovsky et al. quote 0.167, which is the closed form.)
 *    - success: MSE below `mseThreshold` (default 0.01, 6 % of the baseline; Le et al. call an MSE
 *      well below the baseline a solution, without a fixed number).
 *    As a second reading the 1997 per-sequence rule (|error| < 0.04) is counted in `wrong`.
 */
import type { Rng } from '../init/rng.ts';
import { checkBatch, checkInteger, checkNumber, drawLength, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

export interface Adding1997Options {
  /** Minimal sequence length T (the paper: 100, 500, 1000). Default 100. */
  readonly T?: number;
  /** Draw lengths in [T, T + floor(T/10)] as the paper (true) or use exactly T (false). Default true. */
  readonly lengthJitter?: boolean;
  /** Absolute error below which a sequence counts as processed correctly. Default 0.04. */
  readonly tolerance?: number;
  /** Test sequences for the success criterion. Default 2560. */
  readonly testSize?: number;
  /** Wrong test sequences tolerated by the success criterion. Default 0. */
  readonly maxWrong?: number;
}

/** Closed-form probability that the first step is marked (then its value is 0) for minimal length T. */
export function firstStepMarkedProbability1997(T: number): number {
  const A = Math.min(10, T);
  const K = Math.floor(T / 2) - 1;
  return 1 / A + (1 - 1 / A) / K;
}

/**
 * MSE of the constant prediction 0.5 on the 1997 adding problem with minimal length T:
 * (2 - p1) / 48 (each marked value has variance 1/3, scaled by 1/4).
 *
 * @example adding1997BaselineMse(100) // 0.0392007
 */
export function adding1997BaselineMse(T: number): number {
  return (2 - firstStepMarkedProbability1997(T)) / 48;
}

/** Hochreiter and Schmidhuber (1997), experiment 4: the adding problem. */
export function addingProblem1997(opts: Adding1997Options = {}): LongLagTask {
  const name = 'adding-1997';
  const T0 = opts.T ?? 100;
  const jitter = opts.lengthJitter ?? true;
  const tolerance = opts.tolerance ?? 0.04;
  const testSize = opts.testSize ?? 2560;
  const maxWrong = opts.maxWrong ?? 0;
  checkInteger(name, 'T', T0, 6);
  checkNumber(name, 'tolerance', tolerance, 0);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  const A = Math.min(10, T0);
  const K = Math.floor(T0 / 2) - 1;
  const maxLength = jitter ? T0 + Math.floor(T0 / 10) : T0;
  return {
    name,
    source: 'Hochreiter and Schmidhuber (1997), Long short-term memory, experiment 4',
    inputSize: 2,
    outputSize: 1,
    loss: 'squared-error',
    steps: 'last',
    minLength: T0,
    maxLength,
    // X2 can sit at step K + 1 at the latest, the target is read at step T
    minimalLag: T0 - (K + 1),
    testSize,
    baseline: { loss: adding1997BaselineMse(T0), predictor: 'always 0.5 (the mean target)' },
    criterion: `absolute error below ${tolerance} on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const T = drawLength(T0, maxLength, rng);
      const x = new Float64Array(T * B * 2);
      const targets = new Float64Array(B);
      for (let r = 0; r < B; r++) {
        for (let t = 1; t <= T; t++) x[((t - 1) * B + r) * 2] = rng.uniformIn(-1, 1);
        const a = 1 + rng.int(A);
        // the j-th still-unmarked step counted from step 1
        let j = rng.int(K);
        let b = 1;
        for (; ; b++) {
          if (b === a) continue;
          if (j === 0) break;
          j--;
        }
        x[(0 * B + r) * 2 + 1] = -1;
        x[((T - 1) * B + r) * 2 + 1] = -1;
        x[((a - 1) * B + r) * 2 + 1] = 1;
        x[((b - 1) * B + r) * 2 + 1] = 1;
        if (a === 1 || b === 1) x[(0 * B + r) * 2] = 0;
        targets[r] = 0.5 + (x[((a - 1) * B + r) * 2]! + x[((b - 1) * B + r) * 2]!) / 4;
      }
      return { T, B, inputs: x, targets, labels: null };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      return scoreRegression(batch, y, tolerance);
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.B).fill(0.5);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}

export interface AddingLe2015Options {
  /** Sequence length T (Le et al.: 150, 200, 300, 400). Default 100. */
  readonly T?: number;
  /** Success when the test MSE is below this. Default 0.01. */
  readonly mseThreshold?: number;
  /** Absolute error of the 1997 per-sequence rule counted in `wrong`. Default 0.04. */
  readonly tolerance?: number;
  /** Test sequences. Default 2560. */
  readonly testSize?: number;
}

/** MSE of the constant prediction 1 on the Le et al. (2015) adding problem: Var(U1 + U2) = 1/6. */
export const ADDING_LE2015_BASELINE_MSE = 1 / 6;

/** Le, Jaitly and Hinton (2015): the adding problem of length T with values in [0, 1]. */
export function addingProblemLe2015(opts: AddingLe2015Options = {}): LongLagTask {
  const name = 'adding-le2015';
  const T = opts.T ?? 100;
  const mseThreshold = opts.mseThreshold ?? 0.01;
  const tolerance = opts.tolerance ?? 0.04;
  const testSize = opts.testSize ?? 2560;
  checkInteger(name, 'T', T, 2);
  checkNumber(name, 'mseThreshold', mseThreshold, 0);
  checkNumber(name, 'tolerance', tolerance, 0);
  checkInteger(name, 'testSize', testSize, 1);
  const half = Math.floor(T / 2);
  return {
    name,
    source: 'Le, Jaitly and Hinton (2015), A simple way to initialize recurrent networks of rectified linear units, section 4.1',
    inputSize: 2,
    outputSize: 1,
    loss: 'squared-error',
    steps: 'last',
    minLength: T,
    maxLength: T,
    minimalLag: T - half,
    testSize,
    baseline: { loss: ADDING_LE2015_BASELINE_MSE, predictor: 'always 1 (the mean target)' },
    criterion: `test MSE below ${mseThreshold} (baseline ${ADDING_LE2015_BASELINE_MSE.toFixed(4)}) on ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const x = new Float64Array(T * B * 2);
      const targets = new Float64Array(B);
      for (let r = 0; r < B; r++) {
        for (let t = 1; t <= T; t++) x[((t - 1) * B + r) * 2] = rng.uniform();
        const a = 1 + rng.int(half);
        const b = half + 1 + rng.int(T - half);
        x[((a - 1) * B + r) * 2 + 1] = 1;
        x[((b - 1) * B + r) * 2 + 1] = 1;
        targets[r] = x[((a - 1) * B + r) * 2]! + x[((b - 1) * B + r) * 2]!;
      }
      return { T, B, inputs: x, targets, labels: null };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      return scoreRegression(batch, y, tolerance);
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.B).fill(1);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.lossSum / s.sequences < mseThreshold;
    },
  };
}

/** Squared error of one output per sequence; wrong when |error| >= tolerance. */
function scoreRegression(batch: SequenceBatch, y: Float64Array, tolerance: number): TaskScore {
  let lossSum = 0;
  let wrong = 0;
  for (let r = 0; r < batch.B; r++) {
    const e = y[r]! - batch.targets![r]!;
    lossSum += e * e;
    if (!(Math.abs(e) < tolerance)) wrong++;
  }
  return { sequences: batch.B, lossSum, wrong };
}
