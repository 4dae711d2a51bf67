/**
 * The training loop: it learns an easy long-lag task and stops at the criterion, it is
 * deterministic for a seed, clipping caps the applied step, and the common model interface
 * returns the task's own loss with gradients that match central differences (including the
 * per-step mean the trainer applies to the vanilla RNN for copy memory).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { addingProblem1997, addingProblemLe2015 } from '../../src/tasks/adding.ts';
import { copyMemory } from '../../src/tasks/copy-memory.ts';
import { makeTask, TaskSpec } from '../../src/tasks/registry.ts';
import { trainingLoss, type LongLagTask } from '../../src/tasks/task.ts';
import { bindBatch, createModel, MODEL_KINDS, train, type ModelKind } from '../../src/training/train.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

test('the LSTM learns the adding problem at T = 5 and stops at the first success', (t) => {
  const task = addingProblemLe2015({ T: 5, testSize: 256 });
  const r = train(task, { kind: 'lstm-forget', n: 8 }, { lr: 0.01, batchSize: 16, steps: 1500, evalEvery: 50, testSize: 256 }, 3);
  t.true(r.solved);
  t.is(r.stepsToSuccess, r.steps);
  t.true(r.steps < 1500);
  t.is(r.sequencesToSuccess, r.steps * 16);
  t.is(r.loss.length, r.steps);
  t.true(r.finalLoss < 0.01);
  t.true(r.evaluations[0]!.loss > 0.01);
  t.true(r.evaluations.slice(0, -1).every((e) => !e.success));
  t.false(r.diverged);
});

test('same seed, same learning curve; another seed, another curve', (t) => {
  const task = addingProblem1997({ T: 10, testSize: 64 });
  const opts = { lr: 0.01, batchSize: 8, steps: 40, evalEvery: 20, testSize: 64 };
  for (const kind of ['rnn-tanh', 'lstm1997'] as const) {
    const a = train(task, { kind, n: 6 }, opts, 11);
    const b = train(task, { kind, n: 6 }, opts, 11);
    const c = train(task, { kind, n: 6 }, opts, 12);
    t.deepEqual(Array.from(a.loss), Array.from(b.loss));
    t.deepEqual(Array.from(a.gradNorms), Array.from(b.gradNorms));
    t.deepEqual(a.evaluations, b.evaluations);
    t.notDeepEqual(Array.from(a.loss), Array.from(c.loss));
  }
});

test('clipping: the applied gradient norm never exceeds the threshold, and equals it whenever clipping fires', (t) => {
  const task = addingProblemLe2015({ T: 30, testSize: 32 });
  const threshold = 0.05;
  const opts = { lr: 0.01, batchSize: 8, steps: 60, evalEvery: 60, testSize: 32, stopAtSuccess: false };
  const r = train(task, { kind: 'rnn-tanh', n: 8, gain: 1.5 }, { ...opts, clip: threshold }, 5);
  let fired = 0;
  for (let i = 0; i < r.steps; i++) {
    t.true(r.clippedNorms[i]! <= threshold * (1 + TOL.roundoff));
    if (r.gradNorms[i]! > threshold) {
      fired++;
      t.true(relativeError(r.clippedNorms[i]!, threshold) < TOL.roundoff);
    } else t.is(r.clippedNorms[i], r.gradNorms[i]);
  }
  t.is(r.clipped, fired);
  t.true(fired > 0, 'the threshold is below the typical norm, so clipping must fire');
  // the first step's gradient is taken before any update, so it is the same with and without clipping
  const u = train(task, { kind: 'rnn-tanh', n: 8, gain: 1.5 }, { ...opts, clip: null }, 5);
  t.is(u.gradNorms[0], r.gradNorms[0]);
  t.is(u.clipped, 0);
  t.deepEqual(Array.from(u.clippedNorms), Array.from(u.gradNorms));
});

/** Task loss of the training objective: 1/2 squared error, or the cross-entropy, per sequence. */
function taskLossFromScore(task: LongLagTask, lossSum: number, B: number): number {
  return (task.loss === 'squared-error' ? 0.5 : 1) * (lossSum / B);
}

test('every model returns the task loss (per-step mean for copy memory) on variable-length batches', (t) => {
  const tasks: LongLagTask[] = [
    addingProblem1997({ T: 12 }), // lengths jitter in [12, 13]: shorter batches run on the same tape
    copyMemory({ T: 4, symbols: 3, categories: 3 }),
    makeTask(TaskSpec.parse({ name: 'temporal-order', T: 20 })),
  ];
  for (const task of tasks) {
    for (const kind of MODEL_KINDS) {
      const rng = new Rng(7);
      const model = createModel({ kind, n: 5 }, task.inputSize, task.outputSize, task.maxLength, rng);
      bindBatch(model, 3);
      for (let k = 0; k < 3; k++) {
        const batch = task.sample(3, rng);
        const L = model.lossAndGradients(batch, trainingLoss(task, batch));
        const s = task.score(batch, model.predict(batch, task.steps));
        t.true(relativeError(L, taskLossFromScore(task, s.lossSum, 3)) < TOL.roundoff, `${task.name} ${kind}`);
        t.is(model.hNorms().length, batch.T + 1);
      }
      model.dispose();
    }
  }
});

test('gradients of the common interface match central differences (RNN with the copy-memory per-step mean, LSTM, GRU)', (t) => {
  const task = copyMemory({ T: 3, symbols: 2, categories: 3 });
  const kinds: ModelKind[] = ['rnn-tanh', 'irnn', 'lstm1997', 'gru'];
  for (const kind of kinds) {
    const rng = new Rng(21);
    const model = createModel({ kind, n: 4, ...(kind === 'irnn' ? { inputGain: 1 } : {}) }, task.inputSize, task.outputSize, task.maxLength, rng);
    bindBatch(model, 2);
    const batch = task.sample(2, rng);
    const loss = trainingLoss(task, batch);
    model.lossAndGradients(batch, loss);
    const analytic = model.params.map((q) => Float64Array.from(q.grad));
    const h = 1e-5;
    let worst = 0;
    model.params.forEach((q, k) => {
      for (let i = 0; i < q.param.length; i += 3) {
        const v = q.param[i]!;
        q.param[i] = v + h;
        const Lp = model.lossAndGradients(batch, loss);
        q.param[i] = v - h;
        const Lm = model.lossAndGradients(batch, loss);
        q.param[i] = v;
        worst = Math.max(worst, Math.abs((Lp - Lm) / (2 * h) - analytic[k]![i]!) / Math.max(1e-4, Math.abs(analytic[k]![i]!)));
      }
    });
    t.true(worst < TOL.finiteDifference, `${kind}: worst relative error ${worst}`);
    model.dispose();
  }
});
