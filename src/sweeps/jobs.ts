/**
 * Jobs with stable identities, and the runner that decides where they run.
 *
 * A sweep is a deterministic list of jobs. A job's id names its coordinates in the sweep
 * (`model=lstm-forget,T=100,repetition=3`) and its seed derives from the scenario's seed and those
 * coordinates, so neither depends on the order in which jobs run, on how many threads or machines
 * share them, or on which shard a job falls in. Whoever owns a kind of job (the studies' training
 * sweeps, src/training/sweep.ts; the command line's parameter sweeps) builds a JobList: the jobs
 * plus a way to run any subset of them on this machine (threads, a worker pool). A JobRunner
 * decides which jobs actually run and where their results come from:
 *
 * - localRunner: all of them, here (the default);
 * - a journal runner (journal.ts): the ones not already in the run's journal, appending each result;
 * - a shard runner (shards.ts): only the i-th of N subsets, journaled, then stop the study;
 * - the merge runner (shards.ts): none; every result comes from the shards' journals.
 *
 * The study receives its runner through StudyContext.jobs and passes it on; it never knows which.
 */

/** One unit of work: plain data (it crosses thread and process boundaries). */
export interface Job<I> {
  /** Stable identity within its list: the job's coordinates, `key=value` joined by ','. */
  readonly id: string;
  /** The job's seed, derived from the scenario's seed and the coordinates. */
  readonly seed: number;
  readonly input: I;
}

/** How one job ended when run here. */
export type JobOutcome<O> = { readonly result: O } | { readonly error: string };

/** A deterministic list of jobs of one kind and the means to run a subset of them on this machine. */
export interface JobList<I, O> {
  /** What the jobs are ('training', ...): with a job's id, its key in a journal. */
  readonly kind: string;
  readonly jobs: readonly Job<I>[];
  /**
   * Run `subset` here; `finished` is called on the calling thread as each job ends (in any order),
   * before the returned promise resolves. A job that throws is reported as `{ error }`.
   */
  runHere(subset: readonly Job<I>[], finished: (job: Job<I>, outcome: JobOutcome<O>) => void): Promise<void>;
  /** A short label for progress lines. */
  label?(job: Job<I>): string;
}

/** Progress of a job list: `done` of `total` jobs. */
export type JobProgress = (done: number, total: number, label?: string) => void;

/** Where a list's results come from. Returns the results in list order. */
export interface JobRunner {
  run<I, O>(list: JobList<I, O>, progress?: JobProgress): Promise<O[]>;
}

/** The jobs failed while running (their messages); the others' results were kept. */
export class JobsFailedError extends Error {
  constructor(readonly failures: readonly { id: string; error: string }[]) {
    const first = failures[0]!;
    super(`${failures.length} job${failures.length === 1 ? '' : 's'} failed (${failures.map((f) => f.id).slice(0, 5).join('; ')}${failures.length > 5 ? '; ...' : ''}); the first, ${first.id}: ${first.error}`);
  }
}

/**
 * A job's id from its coordinates, in the given order.
 *
 * @example jobId({ model: 'rnn-tanh', T: 10, repetition: 0 }) // 'model=rnn-tanh,T=10,repetition=0'
 */
export function jobId(coordinates: Record<string, string | number | boolean>): string {
  return Object.entries(coordinates)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/** Throw if two jobs of the list share an id (their results would be indistinguishable). */
export function checkDistinctIds(list: JobList<unknown, unknown>): void {
  const seen = new Set<string>();
  for (const j of list.jobs) {
    if (seen.has(j.id)) throw new Error(`${list.kind} jobs: the id "${j.id}" occurs twice; every job needs its own coordinates`);
    seen.add(j.id);
  }
}

/**
 * runHere for jobs computed one after another on this thread: `run` each job, report its outcome
 * (an exception becomes `{ error }`; an exception from `finished` itself propagates).
 */
export function runEach<I, O>(subset: readonly Job<I>[], finished: (job: Job<I>, outcome: JobOutcome<O>) => void, run: (job: Job<I>) => O): void {
  for (const job of subset) {
    let outcome: JobOutcome<O>;
    try {
      outcome = { result: run(job) };
    } catch (e) {
      outcome = { error: errorText(e) };
    }
    finished(job, outcome);
  }
}

/**
 * runHere for jobs spread over `slots` parallel runners (a worker pool): greedy list scheduling in
 * order of decreasing `cost` (Graham 1969, "longest processing time first"), at most `slots` jobs in
 * flight, the next one started as soon as a slot frees. Submitting every job at once leaves the order
 * to the pool: measured on 2 workers, a long job started last made the sweep's slowest worker end
 * 0.55 s after the other (a 16-job sweep of 3.6 s). Greedy largest-first ends within the smallest
 * job's cost of the optimum when costs are known (Graham's bound 4/3 - 1/(3 slots) in general).
 * The order only decides where and when a job runs: its result depends on its own input and seed.
 */
export async function runGreedy<I, O>(
  subset: readonly Job<I>[],
  slots: number,
  cost: (job: Job<I>) => number,
  finished: (job: Job<I>, outcome: JobOutcome<O>) => void,
  run: (job: Job<I>) => Promise<O>,
): Promise<void> {
  // stable: equal costs keep list order
  const queue = subset.map((job, i) => ({ job, i, c: cost(job) })).sort((a, b) => b.c - a.c || a.i - b.i);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < queue.length) {
      const { job } = queue[next++]!;
      let outcome: JobOutcome<O>;
      try {
        outcome = { result: await run(job) };
      } catch (e) {
        outcome = { error: errorText(e) };
      }
      finished(job, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(slots, queue.length)) }, lane));
}

/** An exception as text for a journal: its stack when it has one. */
export function errorText(e: unknown): string {
  return (e as Error)?.stack ?? String(e);
}

/** Run every job here, in parallel as the list allows; results in list order. */
export const localRunner: JobRunner = {
  async run<I, O>(list: JobList<I, O>, progress?: JobProgress): Promise<O[]> {
    checkDistinctIds(list);
    const results = new Map<string, O>();
    const failures: { id: string; error: string }[] = [];
    let done = 0;
    await list.runHere(list.jobs, (job, outcome) => {
      if ('error' in outcome) failures.push({ id: job.id, error: outcome.error });
      else results.set(job.id, outcome.result);
      progress?.(++done, list.jobs.length, list.label?.(job));
    });
    if (failures.length > 0) throw new JobsFailedError(failures);
    return list.jobs.map((j) => results.get(j.id)!);
  },
};
