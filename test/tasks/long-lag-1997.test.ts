/**
 * The long-time-lag symbol tasks of Hochreiter and Schmidhuber (1997), experiments 2a and 2c
 * (src/tasks/long-lag-1997.ts): one-hot grammar of every step, the target read from the right
 * symbol (the first in 2a, the second in 2c) and from nothing else, the lag distribution of 2c
 * (truncated geometric, mean about 9 extra distractors), uniform distractors, balanced classes,
 * the baselines and the paper's per-sequence rules; and the squared-error form of the temporal
 * order problem (experiment 6a).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { noiseFreeLongLag, noisyLongLag, noisyLongLagSuffixProbability, noisyLongLagSymbols } from '../../src/tasks/long-lag-1997.ts';
import { makeTask } from '../../src/tasks/registry.ts';
import { evaluateTask, type SequenceBatch } from '../../src/tasks/task.ts';
import { TEMPORAL_ORDER_SYMBOLS as TO, temporalOrder } from '../../src/tasks/temporal-order.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

/** The one-hot symbol of sequence r at step t (1-based), or -2 when the step is not one-hot. */
function symbolAt(b: SequenceBatch, m: number, t: number, r: number): number {
  let found = -1;
  for (let k = 0; k < m; k++) {
    const v = b.inputs[((t - 1) * b.B + r) * m + k]!;
    if (v === 1) {
      if (found >= 0) return -2;
      found = k;
    } else if (v !== 0) return -2;
  }
  return found;
}

/** The index of the one 1 in a one-hot target row (or -1). */
function targetClass(b: SequenceBatch, p: number, r: number): number {
  let found = -1;
  for (let j = 0; j < p; j++) {
    const v = b.targets![r * p + j]!;
    if (v === 1) found = found === -1 ? j : -2;
    else if (v !== 0) return -2;
  }
  return found;
}

test('2a: deterministic for a seed; two sequences that differ only in their first symbol, the target is that symbol', (t) => {
  const p = 12;
  const task = noiseFreeLongLag({ p });
  t.is(task.inputSize, p + 1);
  t.is(task.outputSize, p + 1);
  t.is(task.minimalLag, p - 1);
  t.deepEqual(task.sample(7, new Rng(1)), task.sample(7, new Rng(1)));
  const batch = task.sample(400, new Rng(2));
  t.is(batch.T, p);
  const x = p - 1;
  const y = p;
  let ys = 0;
  for (let r = 0; r < batch.B; r++) {
    const first = symbolAt(batch, p + 1, 1, r);
    t.true(first === x || first === y);
    if (first === y) ys++;
    // a_1 .. a_{p-1} in order, the same in both sequences: nothing else carries the class
    for (let s = 2; s <= p; s++) t.is(symbolAt(batch, p + 1, s, r), s - 2);
    t.is(targetClass(batch, p + 1, r), first);
  }
  // balanced: 4 standard deviations of a binomial count with probability 1/2
  t.true(Math.abs(ys - 200) < TOL.statisticalSigmas * Math.sqrt(400 * 0.25), `${ys} of 400 start with y`);
});

test('2a: the baseline costs 1/2 and is always wrong; the rule is "every output within 0.25"', (t) => {
  const task = noiseFreeLongLag({ p: 20 });
  const batch = task.sample(64, new Rng(3));
  const base = task.score(batch, task.baselineOutputs(batch));
  t.true(relativeError(base.lossSum / base.sequences, 0.5) < TOL.roundoff);
  t.is(task.baseline.loss, 0.5);
  t.is(base.wrong, 64);
  const shifted = (d: number) => (b: SequenceBatch): Float64Array => {
    // every output off by d (also the 19 that should stay 0)
    const out = new Float64Array(b.targets!.length);
    for (let i = 0; i < out.length; i++) out[i] = b.targets![i]! + d;
    return out;
  };
  t.true(evaluateTask(task, shifted(0.2499), new Rng(4)).success);
  const off = evaluateTask(task, shifted(-0.25), new Rng(4));
  t.false(off.success);
  t.is(off.wrong, task.testSize);
});

test('2c: b, the class symbol, q + k distractors, the trigger e; the target is the second symbol', (t) => {
  const q = 30;
  const p = 7;
  const task = noisyLongLag({ q, p, kMax: 40 });
  const S = noisyLongLagSymbols(p);
  t.is(task.inputSize, p + 4);
  t.is(task.outputSize, 2);
  t.is(task.minLength, q + 3);
  t.is(task.maxLength, q + 40 + 3);
  t.is(task.minimalLag, q + 1);
  t.deepEqual(task.sample(3, new Rng(1)), task.sample(3, new Rng(1)));
  const rng = new Rng(5);
  const counts = new Array<number>(p).fill(0);
  let distractors = 0;
  let ys = 0;
  let N = 0;
  for (let n = 0; n < 50; n++) {
    const batch = task.sample(20, rng);
    t.true(batch.T >= q + 3 && batch.T <= q + 43);
    for (let r = 0; r < batch.B; r++) {
      t.is(symbolAt(batch, p + 4, 1, r), S.b);
      const second = symbolAt(batch, p + 4, 2, r);
      t.true(second === S.x || second === S.y);
      for (let s = 3; s < batch.T; s++) {
        const sym = symbolAt(batch, p + 4, s, r);
        t.true(sym >= 0 && sym < p, `a distractor at step ${s}`);
        counts[sym]!++;
        distractors++;
      }
      t.is(symbolAt(batch, p + 4, batch.T, r), S.e);
      t.is(targetClass(batch, 2, r), second === S.x ? 0 : 1);
      if (second === S.y) ys++;
      N++;
    }
  }
  t.true(Math.abs(ys - N / 2) < TOL.statisticalSigmas * Math.sqrt(N * 0.25));
  // distractors uniform over the p symbols
  for (const c of counts) t.true(Math.abs(c - distractors / p) < TOL.statisticalSigmas * Math.sqrt((distractors * (1 / p) * (1 - 1 / p))), `distractor count ${c} of ${distractors}`);
});

test('2c: the target depends on the second symbol only (the distractors and the length change nothing)', (t) => {
  const task = noisyLongLag({ q: 10, p: 5 });
  // the same class draws with different distractor streams: two seeds, compare target against step 2
  for (const seed of [1, 2, 3, 4]) {
    const batch = task.sample(50, new Rng(seed));
    for (let r = 0; r < batch.B; r++) {
      const second = symbolAt(batch, 9, 2, r);
      t.is(targetClass(batch, 2, r), second - 7);
    }
  }
});

test('2c: the number k of distractors after the prefix is geometric, P(k) = 0.1 0.9^k, truncated at kMax', (t) => {
  const kMax = 60;
  const q = 5;
  const task = noisyLongLag({ q, p: 3, kMax });
  let total = 0;
  for (let k = 0; k <= kMax; k++) total += noisyLongLagSuffixProbability(k, kMax);
  t.true(Math.abs(total - 1) < TOL.roundoff);
  t.is(noisyLongLagSuffixProbability(kMax + 1, kMax), 0);
  const rng = new Rng(7);
  const N = 6000;
  const hist = new Array<number>(kMax + 1).fill(0);
  let sum = 0;
  let sum2 = 0;
  for (let n = 0; n < N; n++) {
    const k = task.sample(1, rng).T - q - 3;
    t.true(k >= 0 && k <= kMax);
    hist[k]!++;
    sum += k;
    sum2 += k * k;
  }
  let mean = 0;
  for (let k = 0; k <= kMax; k++) mean += k * noisyLongLagSuffixProbability(k, kMax);
  t.true(mean > 8.9 && mean < 9, `truncated mean ${mean} (9 untruncated)`);
  const sampleMean = sum / N;
  const sd = Math.sqrt((sum2 / N - sampleMean * sampleMean) / N);
  t.true(Math.abs(sampleMean - mean) < TOL.statisticalSigmas * sd, `mean k ${sampleMean} against ${mean}`);
  // the first few frequencies against their probabilities (binomial standard deviations)
  for (let k = 0; k < 5; k++) {
    const pk = noisyLongLagSuffixProbability(k, kMax);
    t.true(Math.abs(hist[k]! - N * pk) < TOL.statisticalSigmas * Math.sqrt(N * pk * (1 - pk)), `k = ${k}: ${hist[k]} of ${N}`);
  }
});

test('2c: baseline 1/2, the rule is "both outputs within 0.2"', (t) => {
  const task = noisyLongLag({ q: 8, p: 4, testSize: 300 });
  const batch = task.sample(40, new Rng(9));
  const base = task.score(batch, task.baselineOutputs(batch));
  t.true(relativeError(base.lossSum / base.sequences, 0.5) < TOL.roundoff);
  t.is(base.wrong, 40);
  const near = (d: number) => (b: SequenceBatch): Float64Array => b.targets!.map((v) => v + d);
  t.true(evaluateTask(task, near(0.1999), new Rng(1), { batchSize: 32 }).success);
  t.false(evaluateTask(task, near(0.2), new Rng(1), { batchSize: 32 }).success);
});

test('2a and 2c by name: T is p (2a) and q (2c); p of 2c defaults to q; bad options are named', (t) => {
  t.is(makeTask({ name: 'long-lag-2a', T: 50 }).inputSize, 51);
  const c = makeTask({ name: 'long-lag-2c', T: 50 });
  t.is(c.inputSize, 54);
  t.is(c.minimalLag, 51);
  t.is(makeTask({ name: 'long-lag-2c', T: 50, p: 10 }).inputSize, 14);
  t.throws(() => noiseFreeLongLag({ p: 1 }), { message: /long-lag-2a: p must be an integer >= 2/ });
  t.throws(() => noisyLongLag({ q: 10, kMax: -1 }), { message: /long-lag-2c: kMax/ });
  t.throws(() => noisyLongLag({ errorThreshold: 1.5 }), { message: /errorThreshold/ });
});

test('6a with the paper\'s squared error: one-hot targets of the class from the order of X and Y, baseline 3/4', (t) => {
  const task = temporalOrder({ loss: 'squared-error' });
  t.is(task.loss, 'squared-error');
  const batch = task.sample(200, new Rng(11));
  t.is(batch.labels, null);
  for (let r = 0; r < batch.B; r++) {
    const xy: number[] = [];
    for (let s = 2; s < batch.T; s++) {
      const sym = symbolAt(batch, 8, s, r);
      if (sym === TO.X || sym === TO.Y) xy.push(sym);
    }
    t.is(xy.length, 2);
    t.is(targetClass(batch, 4, r), 2 * (xy[0] === TO.Y ? 1 : 0) + (xy[1] === TO.Y ? 1 : 0));
  }
  const base = task.score(batch, task.baselineOutputs(batch));
  t.true(relativeError(base.lossSum / base.sequences, 0.75) < TOL.roundoff);
  t.is(task.baseline.loss, 0.75);
  t.is(base.wrong, 200);
  const near = (d: number) => (b: SequenceBatch): Float64Array => b.targets!.map((v) => v + d);
  t.true(evaluateTask(task, near(0.2999), new Rng(2)).success);
  t.false(evaluateTask(task, near(0.3), new Rng(2)).success);
  // the same seed draws the same sequences in both loss forms
  const ce = temporalOrder().sample(20, new Rng(12));
  const se = task.sample(20, new Rng(12));
  t.deepEqual(ce.inputs, se.inputs);
  for (let r = 0; r < 20; r++) t.is(targetClass(se, 4, r), ce.labels![r]);
});

test('uniform-fixed (the 1997 paper\'s "weights in [-0.2, 0.2]"): U(-gain, gain) whatever the fan-in, variance gain^2 / 3', async (t) => {
  const { initWeights, weightVarianceScale } = await import('../../src/init/weights.ts');
  for (const cols of [2, 101, 1004]) {
    const W = initWeights('uniform-fixed', 64, cols, new Rng(cols), 0.2);
    let s = 0;
    let ss = 0;
    for (const v of W) {
      t.true(v >= -0.2 && v <= 0.2);
      s += v;
      ss += v * v;
    }
    const n = W.length;
    const variance = ss / n - (s / n) ** 2;
    // the variance of U(-a, a) is a^2 / 3; the sample variance's standard error is sqrt(4/45) a^2 / sqrt(n)
    t.true(Math.abs(variance - 0.04 / 3) < TOL.statisticalSigmas * Math.sqrt(4 / 45) * 0.04 / Math.sqrt(n), `${cols} columns: variance ${variance}`);
  }
  t.is(weightVarianceScale('uniform-fixed', 100, 0.2), (0.2 * 0.2 * 100) / 3);
});
