/**
 * The latch problem (src/tasks/latch.ts): determinism, the first L steps carry the class, noise of
 * the stated variance afterwards, the baseline 0.64 and the sign criterion.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { latch } from '../../src/tasks/latch.ts';
import { evaluateTask } from '../../src/tasks/task.ts';

test('latch: deterministic for a seed', (t) => {
  const task = latch({ T: 30 });
  t.deepEqual(task.sample(6, new Rng(1)), task.sample(6, new Rng(1)));
  t.notDeepEqual(task.sample(6, new Rng(1)).inputs, task.sample(6, new Rng(2)).inputs);
});

test('latch: the class is in the first L steps, the target is +-0.8, the rest is noise of variance 0.2', (t) => {
  const T = 60;
  const L = 3;
  const task = latch({ T, L });
  const rng = new Rng(2);
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  let positives = 0;
  let N = 0;
  for (let k = 0; k < 20; k++) {
    const batch = task.sample(100, rng);
    t.is(batch.T, T);
    t.is(batch.inputs.length, T * 100);
    for (let r = 0; r < batch.B; r++) {
      const s = batch.inputs[r]!;
      t.true(s === 1 || s === -1);
      for (let q = 1; q <= L; q++) t.is(batch.inputs[(q - 1) * batch.B + r], s);
      // the target recomputed from the inputs
      t.is(batch.targets![r], 0.8 * s);
      if (s > 0) positives++;
      N++;
      for (let q = L + 1; q <= T; q++) {
        const v = batch.inputs[(q - 1) * batch.B + r]!;
        sum += v;
        sumSq += v * v;
        count++;
      }
    }
  }
  // sample variance of 114000 N(0, 0.2) draws: standard error 0.2 sqrt(2/count) = 8.4e-4; 4 of them
  const mean = sum / count;
  const variance = sumSq / count - mean * mean;
  t.true(Math.abs(variance - 0.2) < 4 * 0.2 * Math.sqrt(2 / count), `noise variance ${variance}`);
  t.true(Math.abs(mean) < 4 * Math.sqrt(0.2 / count), `noise mean ${mean}`);
  t.true(Math.abs(positives - N / 2) < 4 * Math.sqrt(N / 4), `class balance ${positives}/${N}`);
});

test('latch: signal noise perturbs the first L steps only', (t) => {
  const task = latch({ T: 10, L: 2, signalNoise: 0.2 });
  const batch = task.sample(50, new Rng(3));
  let off = 0;
  for (let r = 0; r < 50; r++) off += Math.abs(Math.abs(batch.inputs[r]!) - 1);
  t.true(off > 1);
});

test('latch: the baseline 0 has MSE 0.64 exactly; the sign criterion accepts a correct classifier only', (t) => {
  const task = latch({ T: 40 });
  const constant = evaluateTask(task, (b) => task.baselineOutputs(b), new Rng(4));
  t.is(task.baseline.loss, 0.8 * 0.8);
  t.true(Math.abs(constant.meanLoss - 0.64) < 1e-12);
  t.is(constant.wrong, 2560);
  t.false(constant.success);
  const perfect = evaluateTask(task, (b) => b.targets!.slice(), new Rng(4));
  t.true(perfect.success);
  t.is(perfect.meanLoss, 0);
  // a weak but correctly signed output still classifies
  t.true(evaluateTask(task, (b) => b.targets!.map((v) => v * 0.01), new Rng(4)).success);
  t.false(evaluateTask(task, (b) => b.targets!.map((v, r) => (r === 3 ? -v : v)), new Rng(4)).success);
});

test('latch: options are validated at the edge', (t) => {
  t.throws(() => latch({ T: 3, L: 3 }), { message: /latch: T must be an integer >= 4/ });
  t.throws(() => latch({ noise: -1 }), { message: /noise/ });
});
