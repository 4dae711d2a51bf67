/**
 * A sweep with a failing job ends with one error naming the job (model, T, repetition, seed), on
 * one thread and on two; the other jobs end without unhandled errors after the pool is destroyed
 * (they once surfaced as an unhandled piscina rejection that made the CLI exit 1, the code for "a
 * check failed").
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
      await t.throwsAsync(runSweep(spec, { threads }), { message: /^training rnn-tanh T = 5 #[12] \(seed \d+\) failed: .*T must be an integer >= 11/ });
      await new Promise((r) => setTimeout(r, 200));
      t.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
}
