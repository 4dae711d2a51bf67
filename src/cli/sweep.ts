/**
 * Running a sweep from the command line: every point validated first (a bad value stops
 * everything before any work), then the points in parallel on a pool of child processes (each
 * point's study and its charts in one process: node-canvas cannot be used from worker threads that
 * end), then one combined report written atomically. With one thread or one point, everything runs
 * in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ScenarioError } from '../scenario/errors.ts';
import { validateScenario, type LoadedScenario } from '../scenario/load.ts';
import { applyOverrides, sweepPoints, type SweepAxis, type SweepPoint } from '../scenario/overrides.ts';
import { DEFAULT_FORMATS, type ProgressSink, type ReportFormat, type Summary } from '../scenario/run.ts';
import { summaryPaths } from '../scenario/summary-schema.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';
import { defaultPlotPaths, sweepReport, type SweepPointOutcome, type SweepSummary } from '../report/sweep-report.ts';
import { writeReportAtomically, type ReportFiles } from '../report/write.ts';
import { PACKAGE } from '../version.ts';
import { runPoint, type PointJob, type PointResult } from './point-worker.ts';

import type { FromChild, ToChild } from './point-process.ts';

/** The child's entry: compiled JavaScript, or from the sources the TypeScript file run through tsx. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
/** A point's process: one kernel thread, and not itself the supervised run (src/cli/child.ts). */
function pointEnvironment(): NodeJS.ProcessEnv {
  const { RNN_DYNAMICS_SUPERVISED: _supervised, ...env } = process.env;
  return { ...env, RNN_DYNAMICS_THREADS: '1' };
}

const POINT_PROCESS = fileURLToPath(new URL(FROM_SOURCES ? './point-process.ts' : './point-process.js', import.meta.url));

/**
 * Run jobs on `processes` child processes, each taking the next job when it finishes one; resolves
 * when all are done, rejects with the first error (after stopping every child).
 */
function runInProcesses(jobs: readonly PointJob[], processes: number, finished: (k: number, r: PointResult) => void): Promise<void> {
  return new Promise((resolvePool, rejectPool) => {
    const children: ChildProcess[] = [];
    let next = 0;
    let done = 0;
    let failed = false;
    // a child told it is done disconnects and exits: tell each once, and let a send to a child that
    // is already going report to its callback (not as an uncaught EPIPE)
    const told = new Set<ChildProcess>();
    const send = (c: ChildProcess, msg: ToChild): void => {
      if (c.connected) c.send(msg, () => {});
    };
    const finish = (c: ChildProcess): void => {
      if (told.has(c)) return;
      told.add(c);
      send(c, { done: true });
    };
    const stopAll = (): void => {
      for (const c of children) finish(c);
    };
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const c of children) c.kill();
      rejectPool(e);
    };
    const busy = new Map<ChildProcess, number>();
    const feed = (c: ChildProcess): void => {
      if (failed) return;
      if (next < jobs.length) {
        const k = next++;
        busy.set(c, k);
        send(c, { k, job: jobs[k]! });
      } else finish(c);
    };
    for (let i = 0; i < Math.min(processes, jobs.length); i++) {
      const c = fork(POINT_PROCESS, [], {
        serialization: 'advanced',
        execArgv: FROM_SOURCES ? ['--import', import.meta.resolve('tsx')] : [],
        // each process runs one point on one core: no second kernel thread
        env: pointEnvironment(),
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(c);
      c.on('message', (msg: FromChild) => {
        busy.delete(c);
        if ('error' in msg) return fail(new Error(`sweep point ${msg.k + 1}: ${msg.error}`));
        finished(msg.k, msg.result);
        if (++done === jobs.length) {
          stopAll();
          resolvePool();
        } else feed(c);
      });
      c.on('exit', (code, signal) => {
        const k = busy.get(c);
        if (k !== undefined) fail(new Error(`the process running sweep point ${k + 1} ended (${signal ?? `exit code ${code}`})`));
      });
      feed(c);
    }
  });
}

export interface PlannedSweep {
  loaded: LoadedScenario;
  axes: SweepAxis[];
  plot: string[];
  points: SweepPoint[];
  /** One job per point, validated. */
  jobs: PointJob[];
  /** Each point's validated scenario (for the cost estimate before anything runs). */
  pointScenarios: LoadedScenario[];
  threads: number;
}

/** The base scenario without its sweep block: what every point starts from. */
function withoutSweep(raw: unknown): Record<string, unknown> {
  const { sweep: _sweep, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/**
 * Plan a sweep: its points and their validated jobs. Throws a ScenarioError naming every point
 * whose values make the scenario invalid.
 */
export function planSweep(loaded: LoadedScenario, axes: SweepAxis[], plot: readonly string[] | undefined, threads: number | undefined): PlannedSweep {
  const points = sweepPoints(axes);
  const base = withoutSweep(loaded.raw);
  const problems: string[] = [];
  const jobs: PointJob[] = [];
  const pointScenarios: LoadedScenario[] = [];
  for (const point of points) {
    const raw = applyOverrides(base, point.overrides);
    try {
      pointScenarios.push(validateScenario(raw, loaded.file, loaded.dir, STUDIES_BY_KIND));
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      problems.push(...e.problems.map((p) => `sweep point ${point.dir}: ${p}`));
    }
    jobs.push({ raw, file: loaded.file, dir: loaded.dir, render: true });
  }
  const chosen = plot && plot.length > 0 ? [...plot] : defaultPlotPaths(loaded.scenario, summaryPaths(loaded.study.summarySchema));
  if (problems.length > 0) throw new ScenarioError(loaded.file, problems);
  return { loaded, axes, plot: chosen, points, jobs, pointScenarios, threads: Math.max(1, Math.min(threads ?? availableParallelism(), points.length)) };
}

function toFiles(entries: [string, string | Uint8Array][]): ReportFiles {
  return new Map(entries.map(([name, c]) => [name, typeof c === 'string' ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)]));
}

/**
 * Run the planned points (in parallel unless threads = 1), then write the combined report under
 * `outDir` (when given). `onPoint` sees each point as it finishes, in completion order.
 */
export async function runPlannedSweep(
  plan: PlannedSweep,
  opts: { outDir?: string; formats?: readonly ReportFormat[]; progress?: ProgressSink; onPoint?: (point: SweepPoint, summary: Summary) => void },
): Promise<{ summary: SweepSummary; reportDir?: string }> {
  const { loaded, jobs, points } = plan;
  const name = loaded.scenario.name;
  const render = opts.outDir !== undefined;
  const formats = [...(opts.formats ?? DEFAULT_FORMATS)];
  const results: PointResult[] = new Array(jobs.length);
  let done = 0;
  const finished = (k: number, r: PointResult): void => {
    results[k] = r;
    opts.onPoint?.(points[k]!, r.summary);
    opts.progress?.(name, ++done, jobs.length, `point ${points[k]!.dir}`);
  };
  opts.progress?.(name, 0, jobs.length, 'sweep');
  if (plan.threads === 1) {
    for (let k = 0; k < jobs.length; k++) finished(k, await runPoint({ ...jobs[k]!, render, formats }));
  } else {
    await runInProcesses(
      jobs.map((job) => ({ ...job, render, formats })),
      plan.threads,
      finished,
    );
  }
  const outcomes: SweepPointOutcome[] = results.map((r, k) => ({ point: points[k]!, summary: r.summary, files: toFiles(r.files) }));
  const { summary, files } = await sweepReport({
    scenario: loaded.scenario,
    studySummary: loaded.study.summary,
    axes: plan.axes,
    plot: plan.plot,
    outcomes,
    package: PACKAGE,
    formats,
  });
  if (opts.outDir === undefined) return { summary };
  const reportDir = await writeReportAtomically(opts.outDir, name, async (out) => {
    for (const [f, c] of files) out.set(f, c);
  });
  return { summary, reportDir };
}
