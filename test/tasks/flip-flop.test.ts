/**
 * The K-bit flip-flop (src/tasks/flip-flop.ts): determinism, the target recomputed from the inputs
 * (the sign of the last pulse on each line), a pulse on every line at step 1, the pulse rate, the
 * baseline K and the sign criterion; the registry builds it from a spec.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { makeTask, TaskSpec } from '../../src/tasks/registry.ts';
import { flipFlop } from '../../src/tasks/flip-flop.ts';
import { evaluateTask } from '../../src/tasks/task.ts';
import { TOL } from '../helpers/tolerance.ts';

test('flip-flop: deterministic for a seed', (t) => {
  const task = flipFlop({ T: 20 });
  t.deepEqual(task.sample(5, new Rng(1)), task.sample(5, new Rng(1)));
  t.notDeepEqual(task.sample(5, new Rng(1)).inputs, task.sample(5, new Rng(2)).inputs);
});

test('flip-flop: every line pulses at step 1, inputs are 0 or +-1, the target is the sign of the last pulse', (t) => {
  const K = 4;
  const T = 80;
  const p = 0.1;
  const task = flipFlop({ bits: K, T, pulseProbability: p });
  t.is(task.inputSize, K);
  t.is(task.outputSize, K);
  t.is(task.steps, 'all');
  const B = 50;
  const batch = task.sample(B, new Rng(3));
  t.is(batch.inputs.length, T * B * K);
  t.is(batch.targets!.length, T * B * K);
  let pulses = 0;
  for (let r = 0; r < B; r++) {
    for (let k = 0; k < K; k++) {
      let held = 0;
      for (let s = 1; s <= T; s++) {
        const off = ((s - 1) * B + r) * K + k;
        const x = batch.inputs[off]!;
        t.true(x === 0 || x === 1 || x === -1);
        if (s === 1) t.not(x, 0, 'a pulse on every line at step 1');
        else if (x !== 0) pulses++;
        if (x !== 0) held = x;
        t.is(batch.targets![off], held);
      }
    }
  }
  // pulses after step 1: binomial(B K (T - 1), p); within 4 standard deviations
  const N = B * K * (T - 1);
  t.true(Math.abs(pulses - N * p) <= TOL.statisticalSigmas * Math.sqrt(N * p * (1 - p)), `${pulses} pulses, expected ${N * p}`);
});

test('flip-flop: the baseline (always 0) scores exactly K; the targets themselves pass, a flipped output fails', (t) => {
  const task = flipFlop({ bits: 3, T: 30, testSize: 200 });
  const batch = task.sample(10, new Rng(4));
  t.is(task.score(batch, task.baselineOutputs(batch)).lossSum / 10, task.baseline.loss);
  t.is(task.baseline.loss, 3);
  const e = evaluateTask(task, (b) => b.targets!.slice(), new Rng(5));
  t.true(e.success);
  t.is(e.meanLoss, 0);
  const wrong = evaluateTask(
    task,
    (b) => {
      const y = b.targets!.slice();
      y[y.length - 1] = -y[y.length - 1]!; // the last step's last output of the last sequence of each batch
      return y;
    },
    new Rng(5),
  );
  t.false(wrong.success);
  t.true(wrong.wrong >= 1);
});

test('flip-flop: the registry builds it and refuses a bad option by name', (t) => {
  const task = makeTask(TaskSpec.parse({ name: 'flip-flop', T: 12, bits: 2 }));
  t.is(task.name, 'flip-flop');
  t.is(task.maxLength, 12);
  t.is(task.inputSize, 2);
  t.false(TaskSpec.safeParse({ name: 'flip-flop', pulseProbability: 1.5 }).success);
  t.throws(() => flipFlop({ bits: 0 }), { message: /bits/ });
});
