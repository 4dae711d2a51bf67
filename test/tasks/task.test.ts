/**
 * The shared task contract (src/tasks/task.ts) and its fit with the LSTM: a task batch runs
 * through forward/backward as is, the training loss equals the task score in the stated
 * convention (1/2 squared error per sequence; mean cross-entropy per step), and evaluateTask
 * counts exactly the requested number of sequences.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import { createLstm } from '../../src/models/lstm.ts';
import { createReadout, readoutOutputs } from '../../src/models/readout.ts';
import { addingProblem1997, addingProblemLe2015 } from '../../src/tasks/adding.ts';
import { copyMemory } from '../../src/tasks/copy-memory.ts';
import { latch } from '../../src/tasks/latch.ts';
import { temporalOrder } from '../../src/tasks/temporal-order.ts';
import { argmax, crossEntropy, evaluateTask, lossSteps, softmaxProbability, trainingLoss, type LongLagTask } from '../../src/tasks/task.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

const TASKS: LongLagTask[] = [
  addingProblem1997({ T: 20 }),
  addingProblemLe2015({ T: 20 }),
  temporalOrder({ T: 20 }),
  latch({ T: 20 }),
  copyMemory({ T: 10 }),
];

for (const task of TASKS) {
  test(`${task.name}: a batch runs through the LSTM and the training loss matches the task score`, (t) => {
    const rng = new Rng(42);
    const B = 5;
    const batch = task.sample(B, rng);
    const lstm = createLstm({ n: 4, m: task.inputSize, forgetGate: true }, rng);
    const ro = createReadout(4, task.outputSize, initWeights('xavier-uniform', task.outputSize, 4, rng));
    const tape = createTape(lstm, B, task.maxLength);
    forward(lstm, batch.inputs, tape, { T: batch.T });
    const nS = lossSteps(task, batch);
    const y = readoutOutputs(ro, 4, B, batch.T, tape.states.h, task.steps, new Float64Array(nS * B * task.outputSize));
    const score = task.score(batch, y);
    t.is(score.sequences, B);
    const grads = createGradients(lstm, B, task.maxLength, ro);
    const L = backward(lstm, tape, batch.inputs, trainingLoss(task, batch), ro, grads);
    // squared error: L = (1/B) sum 1/2 e^2; cross-entropy: L = (1/B) sum_r mean_t CE (copy) or (1/B) sum_r CE
    const expected = task.loss === 'squared-error' ? (0.5 * score.lossSum) / B : score.lossSum / B;
    t.true(relativeError(L, expected) < TOL.roundoff, `${L} vs ${expected}`);
    t.true(grads.theta.every(Number.isFinite));
    t.true(grads.norms.h[0]! > 0);
  });
}

test('evaluateTask: exactly the requested sequences, in batches of at most batchSize', (t) => {
  const task = latch({ T: 5, testSize: 1000 });
  const sizes: number[] = [];
  const e = evaluateTask(task, (b) => { sizes.push(b.B); return b.targets!.slice(); }, new Rng(1), { batchSize: 300 });
  t.deepEqual(sizes, [300, 300, 300, 100]);
  t.is(e.sequences, 1000);
  t.true(e.success);
  const fewer = evaluateTask(task, (b) => b.targets!.slice(), new Rng(1), { sequences: 999 });
  t.false(fewer.success, 'fewer sequences than the test size cannot pass');
  t.throws(() => evaluateTask(task, (b) => b.targets!, new Rng(1), { batchSize: 0 }), { message: /batchSize/ });
});

test('helpers: cross-entropy, softmax probability and argmax, with -Infinity logits', (t) => {
  const y = new Float64Array([0, Math.log(3), -Infinity]);
  t.true(relativeError(crossEntropy(y, 0, 3, 1), Math.log(4 / 3)) < TOL.roundoff);
  t.true(relativeError(softmaxProbability(y, 0, 3, 0), 0.25) < TOL.roundoff);
  t.is(crossEntropy(y, 0, 3, 2), Infinity);
  t.is(argmax(y, 0, 3), 1);
  t.is(argmax(new Float64Array([1, 1]), 0, 2), 0);
});
