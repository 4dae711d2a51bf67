/**
 * The temporal order problem (src/tasks/temporal-order.ts): determinism, the sequence grammar,
 * labels recomputed from the inputs, balanced classes on a seeded sample, the uniform baseline
 * ln 4, and the paper's per-sequence rule (all output errors below 0.3).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { TEMPORAL_ORDER_SYMBOLS as S, temporalOrder } from '../../src/tasks/temporal-order.ts';
import { evaluateTask, type SequenceBatch } from '../../src/tasks/task.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

function symbolAt(b: SequenceBatch, t: number, r: number): number {
  let found = -1;
  for (let k = 0; k < 8; k++) {
    const v = b.inputs[((t - 1) * b.B + r) * 8 + k]!;
    if (v === 1) {
      if (found >= 0) return -2; // not one-hot
      found = k;
    } else if (v !== 0) return -2;
  }
  return found;
}

test('temporal order: deterministic for a seed', (t) => {
  const task = temporalOrder();
  t.deepEqual(task.sample(5, new Rng(1)), task.sample(5, new Rng(1)));
  t.notDeepEqual(task.sample(5, new Rng(1)).labels, task.sample(5, new Rng(2)).labels);
});

test('temporal order: E ... B framing, X/Y only at t1 in [10, 20] and t2 in [50, 60], label from their order', (t) => {
  const task = temporalOrder();
  t.is(task.inputSize, 8);
  t.is(task.outputSize, 4);
  const rng = new Rng(3);
  const seen = { t1: new Set<number>(), t2: new Set<number>(), len: new Set<number>() };
  for (let k = 0; k < 20; k++) {
    const batch = task.sample(25, rng);
    const { T, B } = batch;
    seen.len.add(T);
    t.true(T >= 100 && T <= 110);
    t.is(batch.inputs.length, T * B * 8);
    t.is(batch.labels!.length, B);
    t.is(batch.targets, null);
    for (let r = 0; r < B; r++) {
      t.is(symbolAt(batch, 1, r), S.E);
      t.is(symbolAt(batch, T, r), S.B);
      const xy: Array<{ t: number; s: number }> = [];
      for (let s = 2; s < T; s++) {
        const sym = symbolAt(batch, s, r);
        t.true(sym >= 0 && sym <= S.Y, `one-hot symbol from a..d, X, Y at step ${s}`);
        if (sym === S.X || sym === S.Y) xy.push({ t: s, s: sym });
      }
      t.is(xy.length, 2);
      t.true(xy[0]!.t >= 10 && xy[0]!.t <= 20);
      t.true(xy[1]!.t >= 50 && xy[1]!.t <= 60);
      seen.t1.add(xy[0]!.t);
      seen.t2.add(xy[1]!.t);
      const expected = 2 * (xy[0]!.s === S.Y ? 1 : 0) + (xy[1]!.s === S.Y ? 1 : 0);
      t.is(batch.labels![r], expected);
    }
  }
  // every position of the ranges occurs in 500 sequences
  t.is(seen.t1.size, 11);
  t.is(seen.t2.size, 11);
  t.true(seen.len.size > 5);
});

test('temporal order: the T option scales the paper\'s ranges', (t) => {
  const task = temporalOrder({ T: 40 });
  t.is(task.minLength, 40);
  t.is(task.maxLength, 44);
  t.is(task.minimalLag, 40 - 24);
  const batch = task.sample(40, new Rng(5));
  for (let r = 0; r < batch.B; r++) {
    const pos: number[] = [];
    for (let s = 2; s < batch.T; s++) if (symbolAt(batch, s, r) >= S.X) pos.push(s);
    t.true(pos[0]! >= 4 && pos[0]! <= 8 && pos[1]! >= 20 && pos[1]! <= 24);
  }
});

test('temporal order: classes are balanced and the uniform prediction costs ln 4', (t) => {
  const task = temporalOrder({ T: 20 });
  const rng = new Rng(6);
  const counts = [0, 0, 0, 0];
  let N = 0;
  for (let k = 0; k < 40; k++) {
    const batch = task.sample(500, rng);
    for (const l of batch.labels!) counts[l]!++;
    N += batch.B;
    const s = task.score(batch, task.baselineOutputs(batch));
    t.true(relativeError(s.lossSum / s.sequences, Math.log(4)) < TOL.roundoff);
    t.is(s.wrong, batch.B);
  }
  // binomial: 4 standard deviations of a count with p = 1/4
  const sd = Math.sqrt(N * 0.25 * 0.75);
  for (const c of counts) t.true(Math.abs(c - N / 4) < 4 * sd, `class count ${c} of ${N}`);
  t.is(task.baseline.loss, Math.log(4));
});

test('temporal order: the criterion (softmax of the class > 0.7) accepts a sure classifier and rejects the uniform one', (t) => {
  const task = temporalOrder();
  const logits = (margin: number) => (b: SequenceBatch): Float64Array => {
    const y = new Float64Array(b.B * 4);
    for (let r = 0; r < b.B; r++) y[r * 4 + b.labels![r]!] = margin;
    return y;
  };
  t.true(evaluateTask(task, logits(10), new Rng(1)).success);
  // softmax = e^a / (e^a + 3) > 0.7 iff a > ln 7
  t.true(evaluateTask(task, logits(Math.log(7) + 1e-6), new Rng(1)).success);
  const under = evaluateTask(task, logits(Math.log(7) - 1e-6), new Rng(1));
  t.false(under.success);
  t.is(under.wrong, 2560);
  t.false(evaluateTask(task, (b) => task.baselineOutputs(b), new Rng(1)).success);
});

test('temporal order: options are validated at the edge', (t) => {
  t.throws(() => temporalOrder({ t1: [10, 20], t2: [15, 30] }), { message: /t2\[0\]/ });
  t.throws(() => temporalOrder({ T: 100, t2: [50, 120] }), { message: /trigger/ });
  t.throws(() => temporalOrder({ errorThreshold: 2 }), { message: /errorThreshold/ });
});
