/**
 * A child process of a sweep's pool (src/cli/sweep.ts): it receives point jobs over IPC, runs
 * each (study, checks, report files with the charts rendered), and sends back the result. Points
 * run in processes rather than worker threads because node-canvas crashes (SIGSEGV) when a thread
 * that rendered with it ends; a process ends cleanly.
 */
import { runPoint, type PointJob, type PointResult } from './point-worker.ts';

/** Parent to child: a job, or the end of the work. */
export type ToChild = { k: number; job: PointJob } | { done: true };
/** Child to parent: a result or the error of job k. */
export type FromChild = { k: number; result: PointResult } | { k: number; error: string };

process.on('message', (msg: ToChild) => {
  if ('done' in msg) {
    process.disconnect();
    return;
  }
  runPoint(msg.job).then(
    (result) => process.send!({ k: msg.k, result } satisfies FromChild),
    (e: unknown) => process.send!({ k: msg.k, error: (e as Error).stack ?? String(e) } satisfies FromChild),
  );
});
