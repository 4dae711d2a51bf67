/**
 * Sweeps of independent trainings over lags T x models x repetitions, run in parallel on worker
 * threads (piscina), with the statistics the long-lag literature reports: the fraction of runs that
 * meet the task's criterion within the budget (success rate; Bengio, Simard and Frasconi 1994,
 * fig. 3; Hochreiter and Schmidhuber 1997, tables 3-9) and the median number of steps it took.
 *
 * Reproducibility: every job carries its own seed, a hash of (sweep seed, model id, T, repetition),
 * and results are sorted by (model order, T, repetition) before anything is computed from them, so
 * the summary is identical with 1 or 16 threads and whatever the completion order.
 *
 * Threads: `threads: 1` runs the jobs in this thread (unit tests, debugging); otherwise a piscina
 * pool of that many workers (default: RNN_DYNAMICS_THREADS, else os.availableParallelism()) runs
 * the job runner: compiled (dist/), sweep-worker.js itself; from the sources,
 * src/training/sweep-worker.mjs, a shim that registers tsx and imports the TypeScript job runner
 * (about a second of start-up per worker).
 *
 * Order: a pool starts the jobs largest first (trainingWork) and hands the next one to whichever
 * worker frees first (runGreedy), so the workers end together instead of one waiting on the last
 * long job; the order never reaches a result.
 *
 * Past one machine: the trainings are a job list (src/sweeps/jobs.ts) with ids from their
 * coordinates, so a runner can journal them, shard them over a cluster, or merge shards' results.
 *
 * Measuring the parallel speed-up: `sweepSpeedup()` runs one small sweep with 1 and with 2 threads
 * and returns both wall times (see the function).
 *
 * @example
 *   const r = await runSweep({ task: { name: 'adding-le2015' }, lags: [10, 50], models: [{ kind: 'lstm-forget', n: 8 }],
 *     repetitions: 5, training: { steps: 2000 }, seed: 1 }, { progress: (d, t) => {} });
 *   r.byModel['lstm-forget']!.byT['50']!.successRate
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { gemmThreadMode, setGemmThreads } from '../linalg/parallel.ts';
import type { TaskSpec } from '../tasks/registry.ts';
import { modelId, type ModelSpec, type TrainOptionsInput } from './train.ts';
import { runJob, type SweepJob, type SweepJobResult } from './sweep-worker.ts';
import { jobId, localRunner, runEach, runGreedy, type JobList, type JobRunner } from '../sweeps/jobs.ts';

export interface SweepSpec {
  /** The task; its T is replaced by each lag. */
  readonly task: TaskSpec;
  readonly lags: readonly number[];
  /** Models, in report order; ids (or kinds) must be distinct. */
  readonly models: readonly ModelSpec[];
  /** Independent trainings per (model, T). */
  readonly repetitions: number;
  readonly training: TrainOptionsInput;
  /** Sweep seed: every job's seed derives from it. */
  readonly seed: number;
}

export interface SweepOptions {
  /** Worker threads; 1 runs in-process. Default: defaultThreads(). */
  readonly threads?: number;
  /** Called on the main thread as jobs finish. */
  readonly progress?: (done: number, total: number, label?: string) => void;
  /** Which jobs run here and where the others' results come from (src/sweeps/); default: all here. */
  readonly runner?: JobRunner | undefined;
}

/** Statistics of the repetitions of one (model, T). */
export interface SweepCell {
  T: number;
  runs: number;
  solved: number;
  /** solved / runs. */
  successRate: number;
  /** Median steps to success over the successful runs (null when none succeeded). */
  medianStepsToSuccess: number | null;
  /** Median over runs of the final test loss (the task's loss: MSE or mean cross-entropy). */
  /** Median final test loss of the trainings that did not diverge; null when all diverged. */
  finalLoss: number | null;
  /** Runs whose loss became non-finite. */
  diverged: number;
}

export interface SweepModelResult {
  id: string;
  kind: ModelSpec['kind'];
  n: number;
  parameterCount: number;
  /** Keyed by String(T), e.g. byT["100"]. */
  byT: Record<string, SweepCell>;
  /** The largest T with success rate >= 1/2 such that every smaller T also reached it (null if none). */
  lastSuccessfulT: number | null;
}

export interface SweepResult {
  lags: number[];
  /** Keyed by model id, in model order. */
  byModel: Record<string, SweepModelResult>;
  /** Every run, sorted by (model order, T, repetition). */
  runs: SweepJobResult[];
}

/**
 * 32-bit FNV-1a of a string (Fowler, Noll and Vo): the job seeds.
 *
 * @example fnv1a('1|lstm1997|100|0') // a fixed uint32
 */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The seed of one job: a hash of (sweep seed, model id, T, repetition). */
export function jobSeed(seed: number, model: string, T: number, repetition: number): number {
  return fnv1a(`${seed}|${model}|${T}|${repetition}`);
}

/** The sorted job list of a sweep. */
export function sweepJobs(spec: SweepSpec): SweepJob[] {
  const ids = spec.models.map(modelId);
  if (new Set(ids).size !== ids.length) throw new Error(`sweep: model ids must be distinct, got ${ids.join(', ')}`);
  const jobs: SweepJob[] = [];
  for (const model of spec.models) {
    for (const T of spec.lags) {
      for (let r = 0; r < spec.repetitions; r++) {
        jobs.push({
          index: jobs.length,
          model,
          task: { ...spec.task, T } as TaskSpec,
          T,
          repetition: r,
          seed: jobSeed(spec.seed, modelId(model), T, r),
          training: spec.training,
        });
      }
    }
  }
  return jobs;
}

function median(v: readonly number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}

/** Per (model, T) statistics of sorted results. */
export function summariseSweep(spec: SweepSpec, runs: readonly SweepJobResult[]): SweepResult {
  const byModel: Record<string, SweepModelResult> = {};
  for (const model of spec.models) {
    const id = modelId(model);
    const mine = runs.filter((r) => r.model === id);
    const byT: Record<string, SweepCell> = {};
    let lastSuccessfulT: number | null = null;
    let chain = true;
    for (const T of [...spec.lags].sort((a, b) => a - b)) {
      const cell = mine.filter((r) => r.T === T);
      const solved = cell.filter((r) => r.solved);
      const successRate = cell.length === 0 ? 0 : solved.length / cell.length;
      byT[String(T)] = {
        T,
        runs: cell.length,
        solved: solved.length,
        successRate,
        medianStepsToSuccess: median(solved.map((r) => r.stepsToSuccess!)),
        // over the trainings that did not diverge (a diverged one has no final loss): null if none
        finalLoss: median(cell.filter((r) => !r.diverged && Number.isFinite(r.finalLoss)).map((r) => r.finalLoss)),
        diverged: cell.filter((r) => r.diverged).length,
      };
      if (chain && successRate >= 0.5) lastSuccessfulT = T;
      else chain = false;
    }
    byModel[id] = { id, kind: model.kind, n: model.n, parameterCount: mine[0]?.parameterCount ?? 0, byT, lastSuccessfulT };
  }
  return { lags: [...spec.lags], byModel, runs: [...runs] };
}

function label(job: SweepJob): string {
  return `${modelId(job.model)} T = ${job.T} #${job.repetition + 1}`;
}

/**
 * The worker entry: compiled, the job runner itself (dist/training/sweep-worker.js, no loader to
 * start); from the TypeScript sources, the shim that registers tsx and imports sweep-worker.ts.
 */
export const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './sweep-worker.mjs' : './sweep-worker.js', import.meta.url);

/** A training job's stable identity: its coordinates in the sweep. */
export function trainingJobId(job: SweepJob): string {
  return jobId({ model: modelId(job.model), T: job.T, repetition: job.repetition });
}

/** Default worker threads: RNN_DYNAMICS_THREADS when set (a cluster task's CPUs), else every core. */
export function defaultThreads(): number {
  const env = Number(process.env['RNN_DYNAMICS_THREADS']);
  return Number.isInteger(env) && env >= 1 ? env : availableParallelism();
}

/**
 * A training job's relative cost, for the order in which a pool starts them (largest first):
 * T x the multiply-adds of one step of one sequence, gates x n x (n + 1) (4 gates for an LSTM, 3 for
 * a GRU). Only the order within one sweep matters, and every job of a sweep has the same training
 * budget, so the budget, the input width and the readout are left out.
 */
export function trainingWork(job: SweepJob): number {
  const gates = job.model.kind.startsWith('lstm') ? 4 : job.model.kind.startsWith('gru') ? 3 : 1;
  return job.T * gates * job.model.n * (job.model.n + 1);
}

/** The sweep's trainings as a job list: run any subset here, in-process (threads = 1) or on a pool. */
export function trainingJobList(spec: SweepSpec, threads?: number): JobList<SweepJob, SweepJobResult> {
  return {
    kind: 'training',
    jobs: sweepJobs(spec).map((job) => ({ id: trainingJobId(job), seed: job.seed, input: job })),
    label: (job) => label(job.input),
    async runHere(subset, finished) {
      const n = Math.max(1, Math.min(threads ?? defaultThreads(), subset.length));
      if (subset.length === 0) return;
      if (n === 1) return runEach(subset, finished, (job) => runJob(job.input));
      const pool = new Piscina<SweepJob, SweepJobResult>({ filename: WORKER_URL.href, minThreads: n, maxThreads: n, idleTimeout: 1000 });
      try {
        await runGreedy(subset, n, (job) => trainingWork(job.input), finished, (job) => pool.run(job.input));
      } finally {
        await pool.destroy();
      }
    },
  };
}

/**
 * Run a sweep: all (model, T, repetition) trainings, in parallel unless threads = 1; with
 * `runner`, only those the runner asks for (a shard, the jobs missing from a journal).
 */
export async function runSweep(spec: SweepSpec, opts: SweepOptions = {}): Promise<SweepResult> {
  const list = trainingJobList(spec, opts.threads);
  return summariseSweep(spec, await (opts.runner ?? localRunner).run(list, opts.progress));
}

/**
 * The parallel speed-up of a sweep: wall time of the same sweep with 1 thread and with `threads`
 * (default 2), and their ratio. Not part of the tests (no timing assertions there); run it by hand:
 *
 *     node --import tsx -e "import('./src/training/sweep.ts').then(async m => console.log(await m.sweepSpeedup()))"
 */
export async function sweepSpeedup(spec?: SweepSpec, threads = 2): Promise<{ jobs: number; oneThreadMs: number; parallelMs: number; threads: number; speedup: number; identical: boolean }> {
  const s: SweepSpec = spec ?? {
    task: { name: 'adding-le2015', testSize: 256 },
    lags: [20, 40],
    models: [{ kind: 'rnn-tanh', n: 8 }, { kind: 'lstm-forget', n: 8 }],
    repetitions: 4,
    training: { batchSize: 16, steps: 300, evalEvery: 100, testSize: 256, stopAtSuccess: false },
    seed: 1,
  };
  // one core: the in-process sweep without the kernels' second thread either
  const mode = gemmThreadMode();
  setGemmThreads(1);
  const t0 = performance.now();
  const a = await runSweep(s, { threads: 1 }).finally(() => setGemmThreads(mode));
  const t1 = performance.now();
  const b = await runSweep(s, { threads });
  const t2 = performance.now();
  const strip = (r: SweepResult) => JSON.stringify(r.byModel);
  return { jobs: sweepJobs(s).length, oneThreadMs: t1 - t0, parallelMs: t2 - t1, threads, speedup: (t1 - t0) / (t2 - t1), identical: strip(a) === strip(b) };
}
