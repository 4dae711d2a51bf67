/**
 * The copy-memory task: Arjovsky, Shah and Bengio (2016), Unitary evolution recurrent neural
 * networks, section 4.1 (after Hochreiter and Schmidhuber 1997).
 *
 * Alphabet a_0..a_9 (one-hot inputs, m = 10): a_0..a_7 are the data categories, a_8 is the blank,
 * a_9 the delimiter. A sequence of length T + 20:
 * - steps 1..10: ten symbols drawn uniformly from a_0..a_7;
 * - steps 11..T+9: blanks; step T+10: the delimiter; steps T+11..T+20: blanks.
 * Target at every step (p = 9 classes, a_0..a_8): blank for steps 1..T+10, then the ten symbols
 * in their order. Loss: cross-entropy averaged over all T + 20 steps (and the batch).
 *
 * Baseline: the memoryless strategy (blanks, then a uniform guess over the 8 categories for the
 * last ten steps) has cross-entropy 10 ln 8 / (T + 20) per step, e.g. 0.1733 for T = 100.
 * Success: a mean cross-entropy below `successFraction` (default 0.1) times the baseline (the
 * paper shows which models get below the baseline; a tenth of it means the symbols are recalled
 * almost surely). As a per-sequence reading, `wrong` counts sequences with any of the ten recalled
 * symbols misclassified (argmax).
 *
 * `symbols` (default 10) and `categories` (default 8) generalise the sizes: m = categories + 2,
 * p = categories + 1, length T + 2 symbols, baseline symbols ln(categories) / (T + 2 symbols).
 */
import type { Rng } from '../init/rng.ts';
import { argmax, checkBatch, checkInteger, checkNumber, crossEntropy, type LongLagTask, type SequenceBatch, type TaskScore } from './task.ts';

export interface CopyMemoryOptions {
  /** The delay T between the end of the symbols and the delimiter (plus 10). Default 100. */
  readonly T?: number;
  /** Symbols to remember. Default 10. */
  readonly symbols?: number;
  /** Data categories. Default 8. */
  readonly categories?: number;
  /** Success when the mean cross-entropy is below this fraction of the baseline. Default 0.1. */
  readonly successFraction?: number;
  /** Test sequences. Default 2560. */
  readonly testSize?: number;
}

/**
 * The memoryless baseline's cross-entropy per step: symbols ln(categories) / (T + 2 symbols).
 *
 * @example copyMemoryBaseline(100) // 10 ln 8 / 120 = 0.173287
 */
export function copyMemoryBaseline(T: number, symbols = 10, categories = 8): number {
  return (symbols * Math.log(categories)) / (T + 2 * symbols);
}

export function copyMemory(opts: CopyMemoryOptions = {}): LongLagTask {
  const name = 'copy-memory';
  const T = opts.T ?? 100;
  const S = opts.symbols ?? 10;
  const K = opts.categories ?? 8;
  const successFraction = opts.successFraction ?? 0.1;
  const testSize = opts.testSize ?? 2560;
  checkInteger(name, 'T', T, 1);
  checkInteger(name, 'symbols', S, 1);
  checkInteger(name, 'categories', K, 2);
  checkNumber(name, 'successFraction', successFraction, 0, 1);
  checkInteger(name, 'testSize', testSize, 1);
  const m = K + 2;
  const p = K + 1;
  const blank = K;
  const delimiter = K + 1;
  const len = T + 2 * S;
  const baseline = copyMemoryBaseline(T, S, K);
  return {
    name,
    source: 'Arjovsky, Shah and Bengio (2016), Unitary evolution recurrent neural networks, section 4.1',
    inputSize: m,
    outputSize: p,
    loss: 'cross-entropy',
    steps: 'all',
    minLength: len,
    maxLength: len,
    // the last symbol (step S) is recalled at step T + 2S
    minimalLag: T + S,
    testSize,
    baseline: { loss: baseline, predictor: `blank for the first ${T + S} steps, then uniform over the ${K} categories` },
    criterion: `mean cross-entropy below ${successFraction} x the baseline ${baseline.toFixed(4)} on ${testSize} test sequences`,
    sample(B: number, rng: Rng): SequenceBatch {
      checkBatch(name, B);
      const x = new Float64Array(len * B * m);
      const labels = new Int32Array(len * B).fill(blank);
      for (let r = 0; r < B; r++) {
        for (let t = 1; t <= len; t++) {
          let sym = blank;
          if (t <= S) {
            sym = rng.int(K);
            labels[(T + S + t - 1) * B + r] = sym;
          } else if (t === T + S) sym = delimiter;
          x[((t - 1) * B + r) * m + sym] = 1;
        }
      }
      return { T: len, B, inputs: x, targets: null, labels };
    },
    score(batch: SequenceBatch, y: Float64Array): TaskScore {
      const { B } = batch;
      let lossSum = 0;
      let wrong = 0;
      for (let r = 0; r < B; r++) {
        let ce = 0;
        let bad = false;
        for (let t = 1; t <= len; t++) {
          const off = ((t - 1) * B + r) * p;
          const label = batch.labels![(t - 1) * B + r]!;
          ce += crossEntropy(y, off, p, label);
          if (t > T + S && argmax(y, off, p) !== label) bad = true;
        }
        lossSum += ce / len;
        if (bad) wrong++;
      }
      return { sequences: B, lossSum, wrong };
    },
    baselineOutputs(batch: SequenceBatch): Float64Array {
      const { B } = batch;
      const y = new Float64Array(len * B * p);
      for (let t = 1; t <= len; t++) {
        for (let r = 0; r < B; r++) {
          const off = ((t - 1) * B + r) * p;
          // logits -Infinity give probability exactly 0: the blank surely, then the K categories uniformly
          if (t <= T + S) {
            y.fill(-Infinity, off, off + p);
            y[off + blank] = 0;
          } else y[off + blank] = -Infinity;
        }
      }
      return y;
    },
    success(s: TaskScore): boolean {
      return s.sequences >= testSize && s.lossSum / s.sequences < successFraction * baseline;
    },
  };
}
