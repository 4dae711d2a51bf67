/**
 * runGreedy (src/sweeps/jobs.ts): the order a worker pool starts jobs in (largest first, at most
 * `slots` in flight) and the cost that orders a training sweep (trainingWork).
 */
import test from 'ava';
import { runGreedy, type Job, type JobOutcome } from '../../src/sweeps/jobs.ts';
import { sweepJobs, trainingWork } from '../../src/training/sweep.ts';

const jobs = (costs: number[]): Job<number>[] => costs.map((c, i) => ({ id: `i=${i}`, seed: i, input: c }));
const tick = () => new Promise<void>((r) => setImmediate(r));

test('runGreedy starts jobs largest first, never more than `slots` at once, and reports every outcome', async (t) => {
  const costs = [3, 9, 1, 7, 7, 2, 5];
  const started: number[] = [];
  const done: string[] = [];
  let inFlight = 0;
  let peak = 0;
  await runGreedy(jobs(costs), 2, (j) => j.input, (j, o: JobOutcome<number>) => done.push(`${j.id}:${'result' in o ? o.result : o.error}`), async (j) => {
    started.push(j.input);
    peak = Math.max(peak, ++inFlight);
    for (let k = 0; k < j.input; k++) await tick();
    inFlight--;
    return 10 * j.input;
  });
  // equal costs keep list order (ids 3 and 4 both cost 7)
  t.deepEqual(started, [9, 7, 7, 5, 3, 2, 1]);
  t.is(peak, 2);
  t.deepEqual([...done].sort(), costs.map((c, i) => `i=${i}:${10 * c}`).sort());
});

test('runGreedy reports a failing job as an error and runs the others', async (t) => {
  const outcomes = new Map<string, JobOutcome<number>>();
  await runGreedy<number, number>(jobs([1, 2, 3]), 3, (j) => j.input, (j, o) => outcomes.set(j.id, o), async (j) => {
    if (j.input === 2) throw new Error('boom');
    return j.input;
  });
  t.deepEqual(outcomes.get('i=0'), { result: 1 });
  t.deepEqual(outcomes.get('i=2'), { result: 3 });
  const e = outcomes.get('i=1')!;
  t.true('error' in e && e.error.includes('boom'));
});

test('trainingWork orders a sweep LSTM before RNN and long lags before short ones', (t) => {
  const list = sweepJobs({
    task: { name: 'adding-le2015', testSize: 64 },
    lags: [20, 40],
    models: [{ kind: 'rnn-tanh', n: 8 }, { kind: 'lstm-forget', n: 8 }],
    repetitions: 1,
    training: { steps: 10 },
    seed: 1,
  });
  const order = [...list].sort((a, b) => trainingWork(b) - trainingWork(a)).map((j) => `${j.model.kind}/${j.T}`);
  t.deepEqual(order, ['lstm-forget/40', 'lstm-forget/20', 'rnn-tanh/40', 'rnn-tanh/20']);
});
