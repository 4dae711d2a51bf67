/**
 * A sweep with failing jobs ends with one error naming them (model, T, repetition), on one thread
 * and on two, and no unhandled error (a pool destroyed with tasks in flight once threw piscina's
 * "Unexpected message from Worker" as an uncaught exception, and the CLI exited 1, the code for
 * "a check failed").
 */
import test from 'ava';
import { runSweep, type SweepSpec } from '../../src/training/sweep.ts';

const spec: SweepSpec = {
  // the latch needs T >= L + 1: T = 5 fails inside the job (the scenario's preflight refuses it
  // before running; runSweep is called directly here to reach the job's own error)
  task: { name: 'latch', L: 10, testSize: 32 },
  lags: [20, 5, 30],
  models: [{ kind: 'rnn-tanh', n: 2 }],
  repetitions: 2,
  training: { batchSize: 4, steps: 20, evalEvery: 10, testSize: 32, stopAtSuccess: false },
  seed: 1,
};

for (const threads of [1, 2]) {
  test(`a failing job is named, threads = ${threads}`, async (t) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await t.throwsAsync(runSweep(spec, { threads }), { message: /^2 jobs failed \(model=rnn-tanh,T=5,repetition=0; model=rnn-tanh,T=5,repetition=1\); the first, model=rnn-tanh,T=5,repetition=0: .*T must be an integer >= 11/ });
      await new Promise((r) => setTimeout(r, 200));
      t.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
}
