/**
 * Sweeps: the same results with one thread and with two worker threads (so neither the number of
 * threads nor the completion order matters), per-job seeds, and the per-(model, T) statistics.
 */
import test from 'ava';
import { fnv1a, jobSeed, runSweep, summariseSweep, sweepJobs, type SweepSpec } from '../../src/training/sweep.ts';
import type { SweepJobResult } from '../../src/training/sweep-worker.ts';

const spec: SweepSpec = {
  task: { name: 'adding-le2015', testSize: 32 },
  lags: [6, 10],
  models: [{ kind: 'rnn-tanh', n: 4 }, { kind: 'lstm-forget', n: 3 }],
  repetitions: 2,
  training: { batchSize: 8, steps: 30, evalEvery: 10, testSize: 32 },
  seed: 4,
};

/** Typed arrays as plain arrays, so deepEqual compares values. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x)));
}

test('one thread and two worker threads give identical sweeps, with progress for every job', async (t) => {
  const seen1: number[] = [];
  const seen2: number[] = [];
  const a = await runSweep(spec, { threads: 1, progress: (d) => seen1.push(d) });
  const b = await runSweep(spec, { threads: 2, progress: (d) => seen2.push(d) });
  t.deepEqual(plain(a), plain(b));
  const n = sweepJobs(spec).length;
  t.is(n, 8);
  t.deepEqual(seen1, Array.from({ length: n }, (_, i) => i + 1));
  t.deepEqual(seen2, Array.from({ length: n }, (_, i) => i + 1));
  t.deepEqual(a.runs.map((r) => r.index), Array.from({ length: n }, (_, i) => i));
  t.deepEqual(Object.keys(a.byModel), ['rnn-tanh', 'lstm-forget']);
  t.deepEqual(Object.keys(a.byModel['rnn-tanh']!.byT), ['6', '10']);
});

test('job seeds depend on (seed, model, T, repetition) only, and differ between jobs', (t) => {
  const jobs = sweepJobs(spec);
  const reversed = sweepJobs({ ...spec, models: [...spec.models].reverse() });
  for (const j of jobs) {
    t.is(j.seed, jobSeed(spec.seed, j.model.id ?? j.model.kind, j.T, j.repetition));
    t.is(reversed.find((r) => r.model.kind === j.model.kind && r.T === j.T && r.repetition === j.repetition)!.seed, j.seed);
  }
  t.is(new Set(jobs.map((j) => j.seed)).size, jobs.length);
  // FNV-1a test vectors (Fowler, Noll and Vo)
  t.is(fnv1a(''), 0x811c9dc5);
  t.is(fnv1a('a'), 0xe40c292c);
  t.throws(() => sweepJobs({ ...spec, models: [{ kind: 'rnn-tanh', n: 4 }, { kind: 'rnn-tanh', n: 8 }] }), { message: /distinct/ });
});

test('statistics: success rate, median steps over the successful runs, last T of an unbroken run of successes', (t) => {
  const s: SweepSpec = { ...spec, lags: [10, 20, 50], models: [{ kind: 'lstm1997', n: 2 }], repetitions: 4 };
  const outcome: Record<number, (number | null)[]> = { 10: [100, 300, 200, null], 20: [null, null, 500, null], 50: [700, 900, null, 800] };
  const runs = sweepJobs(s).map((j): SweepJobResult => {
    const steps = outcome[j.T]![j.repetition]!;
    return {
      index: j.index, T: j.T, repetition: j.repetition, seed: j.seed, model: 'lstm1997', parameterCount: 10, steps: steps ?? 1000,
      solved: steps !== null, stepsToSuccess: steps, sequencesToSuccess: steps, diverged: false, loss: new Float64Array(), gradNorms: new Float64Array(),
      clippedNorms: new Float64Array(), clipped: 0, evaluations: [], finalLoss: j.repetition, finalWrong: 0,
    };
  });
  const m = summariseSweep(s, runs).byModel.lstm1997!;
  t.is(m.byT['10']!.successRate, 0.75);
  t.is(m.byT['10']!.medianStepsToSuccess, 200);
  t.is(m.byT['20']!.successRate, 0.25);
  t.is(m.byT['20']!.medianStepsToSuccess, 500);
  t.is(m.byT['50']!.medianStepsToSuccess, 800);
  t.is(m.byT['10']!.finalLoss, 1.5);
  // T = 50 succeeds again, but T = 20 broke the run
  t.is(m.lastSuccessfulT, 10);
});
