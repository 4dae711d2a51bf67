/**
 * The K-bit flip-flop task of Sussillo and Barak (2013), Opening the black box, section 3.1 (3 bits
 * there; the data generator of Golub and Sussillo 2018, FixedPointFinder, FlipFlopData): K input
 * lines each carry brief pulses of +1 or -1 at random steps, and output k must hold the sign of the
 * last pulse on line k until the next one. A network that solves it stores K bits: its 2^K memory
 * states are stable fixed points of the autonomous dynamics (zero input), separated by saddles.
 *
 * Here (m = p = K):
 * - at step 1 every line pulses (so the target is defined from the start, as FixedPointFinder does);
 * - at later steps each line pulses independently with probability `pulseProbability` (default
 *   0.05: a bit is held 20 steps on average), the sign +1 or -1 with probability 1/2;
 * - target y_t,k = the sign of the last pulse on line k at or before step t; squared error at every
 *   step (the training loss 1/2 sum_k (y - target)^2, averaged over steps and sequences);
 * - per-sequence task loss: sum_k (y_t,k - target)^2 averaged over the steps; a sequence is wrong
 *   when any output has the wrong sign at any step; success is at most `maxWrong` (default 0) wrong
 *   among `testSize` (default 512) test sequences.
 *
 * Baseline: the input-independent predictor 0 has task loss K exactly (every target is +-1).
 *
 * @example flipFlop({ bits: 3, T: 50 }).sample(16, rng) // inputs 50 x 16 x 3, targets 50 x 16 x 3
 */
import type { Rng } from '../init/rng.ts';
import { checkBatch, checkInteger, checkNumber, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

export interface FlipFlopOptions {
  /** Number of bits K (input and output lines). Default 3. */
  readonly bits?: number;
  /** Sequence length. Default 50. */
  readonly T?: number;
  /** Probability of a pulse per step and line after step 1. Default 0.05. */
  readonly pulseProbability?: number;
  /** Test sequences. Default 512. */
  readonly testSize?: number;
  /** Wrong test sequences tolerated. Default 0. */
  readonly maxWrong?: number;
}

export function flipFlop(opts: FlipFlopOptions = {}): LongLagTask {
  const name = 'flip-flop';
  const K = opts.bits ?? 3;
  const T = opts.T ?? 50;
  const prob = opts.pulseProbability ?? 0.05;
  const testSize = opts.testSize ?? 512;
  const maxWrong = opts.maxWrong ?? 0;
  checkInteger(name, 'bits', K, 1);
  checkInteger(name, 'T', T, 1);
  checkNumber(name, 'pulseProbability', prob, 0, 1);
  checkInteger(name, 'testSize', testSize, 1);
  checkInteger(name, 'maxWrong', maxWrong, 0);
  return {
    name,
    source: 'Sussillo and Barak (2013), Opening the black box: low-dimensional dynamics in high-dimensional recurrent neural networks, section 3.1',
    inputSize: K,
    outputSize: K,
    loss: 'squared-error',
    steps: 'all',
    minLength: T,
    maxLength: T,
    // a bit set at step 1 may have to be held to step T
    minimalLag: T - 1,
    testSize,
    baseline: { loss: K, predictor: 'always 0' },
    criterion: `every output has the sign of its last pulse at every step on ${maxWrong === 0 ? 'all' : `all but ${maxWrong}`} of ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const x = new Float64Array(T * B * K);
      const targets = new Float64Array(T * B * K);
      const held = new Float64Array(K);
      for (let r = 0; r < B; r++) {
        for (let t = 1; t <= T; t++) {
          const off = ((t - 1) * B + r) * K;
          for (let k = 0; k < K; k++) {
            if (t === 1 || rng.uniform() < prob) {
              const s = rng.int(2) === 1 ? 1 : -1;
              x[off + k] = s;
              held[k] = s;
            }
            targets[off + k] = held[k]!;
          }
        }
      }
      return { T, B, inputs: x, targets, labels: null };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      const { B } = batch;
      let lossSum = 0;
      let wrong = 0;
      for (let r = 0; r < B; r++) {
        let se = 0;
        let bad = false;
        for (let t = 1; t <= batch.T; t++) {
          const off = ((t - 1) * B + r) * K;
          for (let k = 0; k < K; k++) {
            const d = batch.targets![off + k]!;
            const e = y[off + k]! - d;
            se += e * e;
            if (!(y[off + k]! * d > 0)) bad = true;
          }
        }
        lossSum += se / batch.T;
        if (bad) wrong++;
      }
      return { sequences: B, lossSum, wrong };
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      return new Float64Array(batch.T * batch.B * K);
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.wrong <= maxWrong;
    },
  };
}
