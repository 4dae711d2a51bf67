/**
 * The 1997 paper's training-stream stopping rule (the last `window` online sequences all processed
 * correctly, their mean loss below a threshold) and per-cell input-gate biases of the 1997 cell.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { createLstm } from '../../src/models/lstm.ts';
import { addingProblemLe2015 } from '../../src/tasks/adding.ts';
import { train } from '../../src/training/train.ts';

test('online training stops when the last window of training sequences were all correct, and not before', (t) => {
  const task = addingProblemLe2015({ T: 4, testSize: 128, tolerance: 0.2 });
  const window = 50;
  const r = train(task, { kind: 'lstm-forget', n: 6 }, { optimiser: 'adam', lr: 0.01, batchSize: 1, steps: 20000, evalEvery: 20000, testSize: 128, stopRule: { window, meanLoss: 0.01 } }, 2);
  t.true(r.solved);
  t.is(r.sequencesToSuccess, r.steps);
  t.true(r.steps >= window && r.steps < 20000);
  // the same run with a stricter loss threshold cannot stop earlier
  const strict = train(task, { kind: 'lstm-forget', n: 6 }, { optimiser: 'adam', lr: 0.01, batchSize: 1, steps: 20000, evalEvery: 20000, testSize: 128, stopRule: { window, meanLoss: 0.001 } }, 2);
  t.true(!strict.solved || strict.steps >= r.steps);
  // without the rule the same budget runs to the end unless the test set says otherwise
  const none = train(task, { kind: 'lstm-forget', n: 6 }, { optimiser: 'adam', lr: 0.01, batchSize: 1, steps: r.steps, evalEvery: 100000, testSize: 128, stopAtSuccess: false }, 2);
  t.is(none.steps, r.steps);
  t.deepEqual(Array.from(none.loss), Array.from(r.loss), 'scoring the stream does not change the training');
});

test('input-gate biases per cell (the 1997 paper gives each cell block its own) and their validation', (t) => {
  const lstm = createLstm({ n: 2, m: 2, forgetGate: false, inputBias: [-3, -6] }, new Rng(1));
  t.deepEqual(Array.from(lstm.b.subarray(lstm.offsets.i, lstm.offsets.i + 2)), [-3, -6]);
  const same = createLstm({ n: 2, m: 2, forgetGate: false, inputBias: -2 }, new Rng(1));
  t.deepEqual(Array.from(same.b.subarray(same.offsets.i, same.offsets.i + 2)), [-2, -2]);
  t.throws(() => createLstm({ n: 3, m: 2, forgetGate: false, inputBias: [-3, -6] }, new Rng(1)), { message: /3 finite numbers/ });
});
