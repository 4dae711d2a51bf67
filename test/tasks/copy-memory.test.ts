/**
 * The copy-memory task (src/tasks/copy-memory.ts): determinism, the layout of symbols, blanks and
 * delimiter, the labels recomputed from the inputs, the memoryless baseline 10 ln 8 / (T + 20)
 * (exact), and the success criterion.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { copyMemory, copyMemoryBaseline } from '../../src/tasks/copy-memory.ts';
import { evaluateTask, type SequenceBatch } from '../../src/tasks/task.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

function symbolAt(b: SequenceBatch, t: number, r: number): number {
  let found = -1;
  for (let k = 0; k < 10; k++) {
    const v = b.inputs[((t - 1) * b.B + r) * 10 + k]!;
    if (v === 1) found = found === -1 ? k : -2;
    else if (v !== 0) return -2;
  }
  return found;
}

test('copy memory: deterministic for a seed', (t) => {
  const task = copyMemory({ T: 20 });
  t.deepEqual(task.sample(4, new Rng(1)), task.sample(4, new Rng(1)));
  t.notDeepEqual(task.sample(4, new Rng(1)).labels, task.sample(4, new Rng(2)).labels);
});

test('copy memory: ten symbols, T - 1 blanks, delimiter, ten blanks; output blanks then the symbols', (t) => {
  const T = 30;
  const task = copyMemory({ T });
  t.is(task.inputSize, 10);
  t.is(task.outputSize, 9);
  const batch = task.sample(20, new Rng(3));
  const len = T + 20;
  t.is(batch.T, len);
  t.is(batch.inputs.length, len * 20 * 10);
  t.is(batch.labels!.length, len * 20);
  for (let r = 0; r < batch.B; r++) {
    for (let s = 1; s <= len; s++) {
      const sym = symbolAt(batch, s, r);
      if (s <= 10) t.true(sym >= 0 && sym < 8);
      else if (s === T + 10) t.is(sym, 9);
      else t.is(sym, 8);
      const label = batch.labels![(s - 1) * batch.B + r]!;
      // the labels recomputed from the inputs
      t.is(label, s <= T + 10 ? 8 : symbolAt(batch, s - T - 10, r));
    }
  }
});

test('copy memory: the memoryless strategy costs 10 ln 8 / (T + 20) exactly, and symbols are uniform', (t) => {
  for (const T of [10, 100]) {
    const task = copyMemory({ T });
    const batch = task.sample(50, new Rng(T));
    const s = task.score(batch, task.baselineOutputs(batch));
    t.true(relativeError(s.lossSum / s.sequences, copyMemoryBaseline(T)) < TOL.roundoff);
    t.true(relativeError(task.baseline.loss, (10 * Math.log(8)) / (T + 20)) < TOL.roundoff);
    t.is(s.wrong, 50);
  }
  t.true(Math.abs(copyMemoryBaseline(100) - 0.173287) < TOL.quoted5);
  // category counts of 20000 symbols: each within 4 binomial standard deviations of 1/8
  const batch = copyMemory({ T: 1 }).sample(2000, new Rng(9));
  const counts = new Array(8).fill(0);
  for (let s = 1; s <= 10; s++) for (let r = 0; r < 2000; r++) counts[symbolAt(batch, s, r)]++;
  const N = 20000;
  const sd = Math.sqrt(N * (1 / 8) * (7 / 8));
  for (const c of counts) t.true(Math.abs(c - N / 8) < 4 * sd, `count ${c}`);
});

test('copy memory: the criterion accepts a recalling predictor and rejects the memoryless one', (t) => {
  const task = copyMemory({ T: 20, testSize: 256 });
  const recall = (margin: number) => (b: SequenceBatch): Float64Array => {
    const y = new Float64Array(b.T * b.B * 9);
    for (let i = 0; i < b.T * b.B; i++) y[i * 9 + b.labels![i]!] = margin;
    return y;
  };
  const perfect = evaluateTask(task, recall(20), new Rng(1));
  t.true(perfect.success);
  t.is(perfect.wrong, 0);
  t.true(perfect.meanLoss < 1e-6);
  // a weak recall (margin 1) gets every symbol right by argmax but the loss stays above the bar
  const weak = evaluateTask(task, recall(1), new Rng(1));
  t.is(weak.wrong, 0);
  t.false(weak.success);
  t.false(evaluateTask(task, (b) => task.baselineOutputs(b), new Rng(1)).success);
});

test('copy memory: options are validated at the edge', (t) => {
  t.throws(() => copyMemory({ T: 0 }), { message: /copy-memory: T/ });
  t.throws(() => copyMemory({ categories: 1 }), { message: /categories/ });
});
