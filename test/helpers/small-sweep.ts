/**
 * Small training sweeps for the shard, journal and cluster tests: the real studies with tiny
 * trainings (a few ms each), so that many runs fit in the suite's time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

/** adding-problem-sweep: 2 models x 2 lags x `repetitions` trainings of `steps` steps, plus its clipping pair. */
export function smallAddingSweep(opts: { name?: string; repetitions?: number; steps?: number; threads?: number | null; seed?: number } = {}): Record<string, unknown> {
  return {
    name: opts.name ?? 'small-adding-sweep',
    kind: 'adding-problem-sweep',
    description: 'A small adding-problem sweep for the sharding tests.',
    seed: opts.seed ?? 3,
    params: {
      task: { name: 'adding-le2015', testSize: 32 },
      lags: [6, 10],
      models: [{ kind: 'rnn-tanh', n: 3 }, { kind: 'lstm-forget', n: 2 }],
      repetitions: opts.repetitions ?? 3,
      training: { optimiser: 'adam', lr: 0.01, batchSize: 8, steps: opts.steps ?? 30, evalEvery: 10, testSize: 32, evalBatchSize: 32 },
      learningCurveT: 6,
      clipping: { model: { kind: 'rnn-tanh', n: 3, gain: 2 }, T: 6, threshold: 1, steps: 10 },
      threads: opts.threads === undefined ? 1 : opts.threads,
    },
    charts: ['success-rate'],
    checks: [{ name: 'clipping caps the applied steps', path: 'clipping.with.maxAppliedNorm', max: 1.000001 }],
  };
}

/** latch-sweep: `lags` x `repetitions` trainings of a 2-unit RNN. */
export function smallLatchSweep(opts: { name?: string; repetitions?: number; steps?: number; threads?: number | null; lags?: number[]; stopAtSuccess?: boolean } = {}): Record<string, unknown> {
  return {
    name: opts.name ?? 'small-latch-sweep',
    kind: 'latch-sweep',
    description: 'A small latch sweep for the journal tests.',
    seed: 5,
    params: {
      task: { name: 'latch', L: 3, noise: 0.2, testSize: 32 },
      lags: opts.lags ?? [5, 10, 20, 40],
      model: { kind: 'rnn-tanh', n: 2 },
      repetitions: opts.repetitions ?? 5,
      training: { optimiser: 'adam', lr: 0.01, batchSize: 8, steps: opts.steps ?? 40, evalEvery: 10, testSize: 32, evalBatchSize: 32, stopAtSuccess: opts.stopAtSuccess ?? true },
      threads: opts.threads === undefined ? 1 : opts.threads,
    },
  };
}

/** Write a scenario object as YAML into `dir`; returns the file. */
export function writeScenario(dir: string, scenario: Record<string, unknown>): string {
  const f = join(dir, `${scenario.name as string}.yaml`);
  writeFileSync(f, YAML.stringify(scenario));
  return f;
}

/** summary.json's text for a summary, as the report writes it. */
export function summaryText(summary: unknown): string {
  return JSON.stringify(summary, null, 2) + '\n';
}
