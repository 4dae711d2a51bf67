/**
 * One sweep job, as run inside a worker thread (through the sweep-worker.mjs shim, which loads
 * TypeScript with tsx) or in-process when the sweep runs with one thread. A job is plain data, so
 * it crosses the thread boundary by structured clone, and it carries its own seed, so its result
 * does not depend on which thread runs it or when.
 */
import { isMainThread } from 'node:worker_threads';
import { makeTask, type TaskSpec } from '../tasks/registry.ts';
import { setGemmThreads } from '../linalg/parallel.ts';
import { train, type ModelSpec, type TrainOptionsInput, type TrainResult } from './train.ts';

// The pool already keeps every core busy: a second kernel thread per pool thread would put two
// spinning threads on each core (measured: the 2-thread sweep became slower than the 1-thread one).
// Results do not depend on it.
if (!isMainThread) setGemmThreads(1);

export interface SweepJob {
  /** Position in the sorted job list (model order, then T, then repetition). */
  readonly index: number;
  readonly model: ModelSpec;
  /** The task with its T already set. */
  readonly task: TaskSpec;
  readonly T: number;
  readonly repetition: number;
  readonly seed: number;
  readonly training: TrainOptionsInput;
}

export interface SweepJobResult extends TrainResult {
  readonly index: number;
  readonly T: number;
  readonly repetition: number;
  readonly seed: number;
}

export function runJob(job: SweepJob): SweepJobResult {
  const result = train(makeTask(job.task), job.model, job.training, job.seed);
  return { ...result, index: job.index, T: job.T, repetition: job.repetition, seed: job.seed };
}

export default runJob;
