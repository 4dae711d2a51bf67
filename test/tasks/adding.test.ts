/**
 * The two adding problems (src/tasks/adding.ts): determinism, shapes, the generator's rules,
 * targets recomputed from the inputs, the constant predictors' MSE against their closed forms on
 * large seeded samples, and the success criteria.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import {
  ADDING_LE2015_BASELINE_MSE,
  adding1997BaselineMse,
  addingProblem1997,
  addingProblemLe2015,
  firstStepMarkedProbability1997,
} from '../../src/tasks/adding.ts';
import { evaluateTask, type SequenceBatch } from '../../src/tasks/task.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';


function meanAndStandardError(v: number[]): { mean: number; se: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const varS = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  return { mean, se: Math.sqrt(varS / v.length) };
}

const value = (b: SequenceBatch, t: number, r: number): number => b.inputs[((t - 1) * b.B + r) * 2]!;
const marker = (b: SequenceBatch, t: number, r: number): number => b.inputs[((t - 1) * b.B + r) * 2 + 1]!;

test('adding 1997: deterministic for a seed, different for another', (t) => {
  const task = addingProblem1997({ T: 40 });
  const a = task.sample(8, new Rng(1));
  const b = task.sample(8, new Rng(1));
  const c = task.sample(8, new Rng(2));
  t.deepEqual(a, b);
  t.notDeepEqual(a.inputs, c.inputs);
});

test('adding 1997: shapes, marker rules and target 0.5 + (X1 + X2)/4 recomputed from the inputs', (t) => {
  for (const T0 of [6, 20, 100]) {
    const task = addingProblem1997({ T: T0 });
    const K = Math.floor(T0 / 2) - 1;
    const rng = new Rng(T0);
    const lengths = new Set<number>();
    for (let k = 0; k < 30; k++) {
      const B = 7;
      const batch = task.sample(B, rng);
      const { T } = batch;
      lengths.add(T);
      t.true(T >= T0 && T <= T0 + Math.floor(T0 / 10));
      t.is(batch.inputs.length, T * B * 2);
      t.is(batch.targets!.length, B);
      t.is(batch.labels, null);
      for (let r = 0; r < B; r++) {
        const marked: number[] = [];
        for (let s = 1; s <= T; s++) {
          const v = value(batch, s, r);
          const mk = marker(batch, s, r);
          t.true(v >= -1 && v < 1);
          if (mk === 1) marked.push(s);
          else if (s === 1 || s === T) t.is(mk, -1);
          else t.is(mk, 0);
        }
        t.is(marked.length, 2);
        // X1 among the first ten, X2 among the first K unmarked steps: both within 1..K+1
        t.true(marked.some((s) => s <= Math.min(10, T0)));
        t.true(marked[1]! <= Math.max(K + 1, Math.min(10, T0)));
        t.true(marked.every((s) => s <= K + 1 || s <= 10));
        if (marked[0] === 1) t.is(value(batch, 1, r), 0);
        const expected = 0.5 + (value(batch, marked[0]!, r) + value(batch, marked[1]!, r)) / 4;
        t.is(batch.targets![r], expected);
        t.true(expected >= 0 && expected <= 1);
      }
    }
    if (T0 >= 20) t.true(lengths.size > 1, 'lengths vary between batches');
  }
  const fixed = addingProblem1997({ T: 50, lengthJitter: false });
  t.is(fixed.sample(3, new Rng(1)).T, 50);
  t.is(fixed.maxLength, 50);
});

test('adding 1997: the first step is marked with probability p1 and the mean predictor has MSE (2 - p1)/48', (t) => {
  // two lengths whose closed forms differ by 0.0097, far more than the tolerance (~1e-3)
  for (const T0 of [6, 20]) {
    const task = addingProblem1997({ T: T0, lengthJitter: false });
    const rng = new Rng(1000 + T0);
    const sq: number[] = [];
    const first: number[] = [];
    for (let k = 0; k < 80; k++) {
      const batch = task.sample(500, rng);
      const y = task.baselineOutputs(batch);
      for (let r = 0; r < batch.B; r++) {
        sq.push((y[r]! - batch.targets![r]!) ** 2);
        first.push(marker(batch, 1, r) === 1 ? 1 : 0);
      }
    }
    const mse = meanAndStandardError(sq);
    const p1 = meanAndStandardError(first);
    t.true(Math.abs(p1.mean - firstStepMarkedProbability1997(T0)) < TOL.statisticalSigmas * p1.se, `T = ${T0}: p1 ${p1.mean} vs ${firstStepMarkedProbability1997(T0)}`);
    t.true(Math.abs(mse.mean - adding1997BaselineMse(T0)) < TOL.statisticalSigmas * mse.se, `T = ${T0}: MSE ${mse.mean} +- ${mse.se} vs ${adding1997BaselineMse(T0)}`);
    t.true(relativeError(task.baseline.loss, adding1997BaselineMse(T0)) < TOL.roundoff);
  }
  t.true(relativeError(adding1997BaselineMse(100), (2 - (0.1 + 0.9 / 49)) / 48) < TOL.roundoff);
  t.true(Math.abs(adding1997BaselineMse(100) - 0.0392007) < TOL.quoted5);
});

test('adding 1997: the criterion accepts errors below 0.04 on all 2560 test sequences and rejects the constant', (t) => {
  const task = addingProblem1997({ T: 100 });
  const perfect = evaluateTask(task, (b) => b.targets!.slice(), new Rng(7));
  t.is(perfect.sequences, 2560);
  t.is(perfect.wrong, 0);
  t.true(perfect.success);
  const close = evaluateTask(task, (b) => b.targets!.map((v) => v + 0.039), new Rng(7));
  t.true(close.success);
  const justOut = evaluateTask(task, (b) => b.targets!.map((v, r) => (r === 0 ? v - 0.041 : v)), new Rng(7));
  t.false(justOut.success);
  t.true(justOut.wrong >= 1);
  const constant = evaluateTask(task, (b) => task.baselineOutputs(b), new Rng(7));
  t.false(constant.success);
  t.true(constant.wrong > 1000);
  // a smaller test set is allowed, and only counts as a success with enough sequences
  const small = addingProblem1997({ T: 100, testSize: 100 });
  t.true(evaluateTask(small, (b) => b.targets!.slice(), new Rng(1)).success);
  t.false(small.success({ sequences: 99, lossSum: 0, wrong: 0 }));
});

test('adding (Le et al. 2015): deterministic, markers one in each half, target = sum of the marked values', (t) => {
  const task = addingProblemLe2015({ T: 30 });
  t.deepEqual(task.sample(4, new Rng(3)), task.sample(4, new Rng(3)));
  const batch = task.sample(50, new Rng(4));
  t.is(batch.T, 30);
  t.is(batch.inputs.length, 30 * 50 * 2);
  for (let r = 0; r < batch.B; r++) {
    const marked: number[] = [];
    for (let s = 1; s <= 30; s++) {
      const v = value(batch, s, r);
      t.true(v >= 0 && v < 1);
      const mk = marker(batch, s, r);
      t.true(mk === 0 || mk === 1);
      if (mk === 1) marked.push(s);
    }
    t.is(marked.length, 2);
    t.true(marked[0]! <= 15 && marked[1]! > 15);
    t.is(batch.targets![r], value(batch, marked[0]!, r) + value(batch, marked[1]!, r));
  }
});

test('adding (Le et al. 2015): predicting 1 has MSE 1/6 (not the quoted 0.1767), and the criterion', (t) => {
  const task = addingProblemLe2015({ T: 20 });
  const rng = new Rng(99);
  const sq: number[] = [];
  for (let k = 0; k < 80; k++) {
    const batch = task.sample(500, rng);
    const y = task.baselineOutputs(batch);
    for (let r = 0; r < batch.B; r++) sq.push((y[r]! - batch.targets![r]!) ** 2);
  }
  const mse = meanAndStandardError(sq);
  t.true(Math.abs(mse.mean - ADDING_LE2015_BASELINE_MSE) < TOL.statisticalSigmas * mse.se, `MSE ${mse.mean} +- ${mse.se}`);
  t.true(Math.abs(mse.mean - 0.1767) > TOL.statisticalSigmas * mse.se, 'the sample tells 1/6 from 0.1767');
  const perfect = evaluateTask(task, (b) => b.targets!.slice(), new Rng(8));
  t.true(perfect.success);
  t.is(perfect.meanLoss, 0);
  const constant = evaluateTask(task, (b) => task.baselineOutputs(b), new Rng(8));
  t.false(constant.success);
  t.true(Math.abs(constant.meanLoss - 1 / 6) < 0.02);
  // MSE just under and just over the threshold
  t.true(evaluateTask(task, (b) => b.targets!.map((v) => v + 0.0999), new Rng(8)).success);
  t.false(evaluateTask(task, (b) => b.targets!.map((v) => v + 0.1001), new Rng(8)).success);
});

test('adding: options are validated at the edge', (t) => {
  t.throws(() => addingProblem1997({ T: 5 }), { message: /adding-1997: T must be an integer >= 6/ });
  t.throws(() => addingProblem1997({ testSize: 0 }), { message: /testSize/ });
  t.throws(() => addingProblemLe2015({ mseThreshold: -1 }), { message: /mseThreshold/ });
  t.throws(() => addingProblemLe2015().sample(0, new Rng(1)), { message: /batch size B/ });
});
