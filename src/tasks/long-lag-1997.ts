/**
 * The long-time-lag symbol tasks of Hochreiter and Schmidhuber (1997), section 5.2 ("Experiment 2:
 * noise-free and noisy sequences"): a sequence's first relevant symbol must be stored until the
 * end, where the network predicts it. Inputs are local (one-hot) codes of the symbols.
 *
 * 1. Task 2a, noise-free sequences with long time lags (`noiseFreeLongLag`):
 *    - p + 1 symbols a_1 .. a_{p-1}, x = a_p, y = a_{p+1} (input index i - 1 for a_i);
 *    - two sequences, each with probability 1/2: (y, a_1, ..., a_{p-1}, y) and
 *      (x, a_1, ..., a_{p-1}, x);
 *    - the network reads the first p elements (T = p steps) and predicts the last one: target at
 *      step p the one-hot code of the first element over p + 1 outputs, squared error;
 *    - correct when the largest absolute error of all p + 1 outputs is below 0.25 (the paper's
 *      rule); success: no test sequence wrong.
 *    The paper asks for a prediction of the next symbol at every step (error signals at every
 *    step); the p - 1 intermediate predictions (a_i -> a_{i+1}, the first element -> a_1) are a
 *    look-up of the current input that its networks make through input-to-output connections,
 *    which our readout (from the cell outputs only) does not have. Here only the final prediction,
 *    the one that needs the lag, carries a loss.
 *    Baseline: outputs 1/2 for x and y, 0 elsewhere: squared error 1/2 per sequence.
 *
 * 2. Task 2c, very long time lags with distractors (`noisyLongLag`):
 *    - p + 4 symbols: p distractors a_1 .. a_p (indices 0 .. p-1), e (p, the trigger), b (p + 1),
 *      x (p + 2), y (p + 3);
 *    - a sequence is (b, s, a_{i_1}, ..., a_{i_{q+k}}, e, s) with s = x or y (probability 1/2 each)
 *      and i_j uniform in 1..p: a prefix of q + 2 elements, then each further element is a
 *      distractor with probability 9/10 or e with probability 1/10 (so k >= 0 is geometric,
 *      P(k) = 0.1 0.9^k, mean 9), after e the second element again;
 *    - the network reads everything up to and including e (T = q + k + 3 steps) and predicts s on
 *      2 outputs (one-hot x, y), squared error; the minimal lag is q + 1;
 *    - correct when the error of both outputs is below 0.2 (the paper's rule);
 *    - k is truncated at kMax (default 100; the tail 0.9^101 = 2.4e-5 is redrawn) so a tape of
 *      q + kMax + 3 steps holds every sequence; the length is drawn once per batch (per sequence
 *      in the paper; training is online, one sequence per batch, so it is per sequence there).
 *    Baseline: 1/2 on both outputs, squared error 1/2.
 *
 * @example
 *   const task = noisyLongLag({ q: 100, p: 100 });
 *   task.inputSize;   // 104
 *   task.minimalLag;  // 101
 */
import type { Rng } from '../init/rng.ts';
import { checkBatch, checkInteger, checkNumber, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

export interface NoiseFreeLongLagOptions {
  /** The delay p (the paper: 4, 10, 100): p + 1 symbols, p input steps. Default 100. */
  readonly p?: number;
  /** Correct when every output is within this of its target. Default 0.25. */
  readonly errorThreshold?: number;
  /** Test sequences. Default 256 (there are only 2 distinct sequences). */
  readonly testSize?: number;
  /** Wrong test sequences tolerated. Default 0. */
  readonly maxWrong?: number;
}

/** Hochreiter and Schmidhuber (1997), task 2a: noise-free sequences with long time lags. */
export function noiseFreeLongLag(opts: NoiseFreeLongLagOptions = {}): LongLagTask {
  const name = 'long-lag-2a';
  const p = opts.p ?? 100;
  const errorThreshold = opts.errorThreshold ?? 0.25;
  const testSize = opts.testSize ?? 256;
  const maxWrong = opts.maxWrong ?? 0;
  checkInteger(name, 'p', p, 2);
  checkNumber(name, 'errorThreshold', errorThreshold, 0, 1);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  const m = p + 1;
  const x = p - 1;
  const y = p;
  return {
    name,
    source: 'Hochreiter and Schmidhuber (1997), Long short-term memory, experiment 2a',
    inputSize: m,
    outputSize: m,
    loss: 'squared-error',
    steps: 'last',
    minLength: p,
    maxLength: p,
    minimalLag: p - 1,
    testSize,
    baseline: { loss: 0.5, predictor: '1/2 on the outputs of x and y, 0 elsewhere' },
    criterion: `every output within ${errorThreshold} of its target at the last step on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const inputs = new Float64Array(p * B * m);
      const targets = new Float64Array(B * m);
      for (let r = 0; r < B; r++) {
        const first = rng.int(2) === 0 ? x : y;
        inputs[r * m + first] = 1;
        // a_i (index i - 1) at step i + 1
        for (let t = 2; t <= p; t++) inputs[((t - 1) * B + r) * m + (t - 2)] = 1;
        targets[r * m + first] = 1;
      }
      return { T: p, B, inputs, targets, labels: null };
    },
    score(batch: SequenceBatch, out: Float64Array): TaskScore {
      return scoreOneHot(batch, out, m, errorThreshold);
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      const out = new Float64Array(batch.B * m);
      for (let r = 0; r < batch.B; r++) out[r * m + x] = out[r * m + y] = 0.5;
      return out;
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}

export interface NoisyLongLagOptions {
  /** q: the minimal time lag is q + 1 (the paper: 50 .. 1000). Default 100. */
  readonly q?: number;
  /** p: number of distractor symbols (the paper: 50 .. 1000). Default q. */
  readonly p?: number;
  /** Largest number k of distractors after the prefix (the geometric tail above it is redrawn). Default 100. */
  readonly kMax?: number;
  /** Correct when both outputs are within this of their targets. Default 0.2. */
  readonly errorThreshold?: number;
  /** Test sequences. Default 2560. */
  readonly testSize?: number;
  /** Wrong test sequences tolerated. Default 0. */
  readonly maxWrong?: number;
}

/** Index of the distractors' end symbols: e, b, x, y follow the p distractors. */
export function noisyLongLagSymbols(p: number): { e: number; b: number; x: number; y: number } {
  return { e: p, b: p + 1, x: p + 2, y: p + 3 };
}

/**
 * Probability that a sequence of task 2c has exactly k distractors after its prefix, with the
 * geometric law P(k) = 0.1 0.9^k truncated at kMax (renormalised).
 *
 * @example noisyLongLagSuffixProbability(0, 100) // 0.1000024
 */
export function noisyLongLagSuffixProbability(k: number, kMax: number): number {
  if (k < 0 || k > kMax) return 0;
  return (0.1 * 0.9 ** k) / (1 - 0.9 ** (kMax + 1));
}

/** Hochreiter and Schmidhuber (1997), task 2c: very long time lags, no local regularities. */
export function noisyLongLag(opts: NoisyLongLagOptions = {}): LongLagTask {
  const name = 'long-lag-2c';
  const q = opts.q ?? 100;
  const p = opts.p ?? q;
  const kMax = opts.kMax ?? 100;
  const errorThreshold = opts.errorThreshold ?? 0.2;
  const testSize = opts.testSize ?? 2560;
  const maxWrong = opts.maxWrong ?? 0;
  checkInteger(name, 'q', q, 1);
  checkInteger(name, 'p', p, 1);
  checkInteger(name, 'kMax', kMax, 0);
  checkNumber(name, 'errorThreshold', errorThreshold, 0, 1);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  const m = p + 4;
  const S = noisyLongLagSymbols(p);
  return {
    name,
    source: 'Hochreiter and Schmidhuber (1997), Long short-term memory, experiment 2c',
    inputSize: m,
    outputSize: 2,
    loss: 'squared-error',
    steps: 'last',
    minLength: q + 3,
    maxLength: q + kMax + 3,
    minimalLag: q + 1,
    testSize,
    baseline: { loss: 0.5, predictor: '1/2 on both outputs' },
    criterion: `both outputs within ${errorThreshold} of their targets at the trigger on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      let k: number;
      do {
        k = 0;
        while (k <= kMax && rng.uniform() < 0.9) k++;
      } while (k > kMax);
      const T = q + k + 3;
      const inputs = new Float64Array(T * B * m);
      const targets = new Float64Array(B * 2);
      for (let r = 0; r < B; r++) {
        const second = rng.int(2);
        inputs[r * m + S.b] = 1;
        inputs[(B + r) * m + (second === 0 ? S.x : S.y)] = 1;
        for (let t = 3; t < T; t++) inputs[((t - 1) * B + r) * m + rng.int(p)] = 1;
        inputs[((T - 1) * B + r) * m + S.e] = 1;
        targets[r * 2 + second] = 1;
      }
      return { T, B, inputs, targets, labels: null };
    },
    score(batch: SequenceBatch, out: Float64Array): TaskScore {
      return scoreOneHot(batch, out, 2, errorThreshold);
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.B * 2).fill(0.5);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}

/**
 * Squared error summed over the p outputs of one step per sequence; wrong when any output's
 * absolute error reaches the threshold (the 1997 paper's per-sequence rule).
 */
export function scoreOneHot(batch: SequenceBatch, out: Float64Array, p: number, errorThreshold: number): TaskScore {
  let lossSum = 0;
  let wrong = 0;
  for (let r = 0; r < batch.B; r++) {
    let worst = 0;
    for (let j = 0; j < p; j++) {
      const e = out[r * p + j]! - batch.targets![r * p + j]!;
      lossSum += e * e;
      worst = Math.max(worst, Math.abs(e));
    }
    if (!(worst < errorThreshold)) wrong++;
  }
  return { sequences: batch.B, lossSum, wrong };
}
