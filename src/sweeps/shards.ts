/**
 * Journaled runs, shards and merging.
 *
 * - `runJournaled(scenario, { outDir, resume })`: the whole run, every finished job appended to
 *   `<outDir>/<name>.journal.jsonl`; killed and rerun with `resume`, only unfinished jobs run. The
 *   journal is deleted once the report is in place.
 * - `runJournaled(scenario, { outDir, shard: {index: i, count: N} })`: the i-th (from 0) of N
 *   subsets of the study's job list: the jobs at positions p with p mod N = i (the list is in a
 *   fixed order, so the subsets are deterministic and each mixes every model and lag), journaled in
 *   `<outDir>/<name>.shards/shard-<i>-of-<N>.jsonl`. The study stops once its shard is done.
 * - `mergeShards(dirs, { outDir })`: runs the study again with every job's result read from the
 *   shards' journals, and writes the report. The summary equals the unsharded run's, bit for bit:
 *   results come back exactly (codec.ts) and are summarised in list order whichever shard ran them.
 *
 * Limitation: a shard covers the study's first job list (every sweeping study has one); a study
 * that ran a second list computed from the first's results could not be sharded in one pass.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedScenario } from '../scenario/load.ts';
import { validateScenario } from '../scenario/load.ts';
import { runLoaded, toJsonValue, type ProgressSink, type ReportFormat, type RunOutcome } from '../scenario/run.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';
import { PACKAGE } from '../version.ts';
import { decodeExact, encodeExact } from './codec.ts';
import { checkDistinctIds, JobsFailedError, type Job, type JobList, type JobProgress, type JobRunner } from './jobs.ts';
import { fingerprint, Journal, readJournal, SweepInputError, type DoneLine, type ParsedJournal, type ScenarioIdentity, type Shard } from './journal.ts';

/**
 * Parse `i/N` (0 <= i < N).
 *
 * @example parseShard('2/4') // { index: 2, count: 4 }
 */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new SweepInputError(`--shard: expected i/N with N >= 1 and 0 <= i < N (shards count from 0, as Slurm array and Kubernetes completion indexes do), found "${text}"`);
  }
  return { index, count };
}

/** The jobs of `shard`: list positions p with p mod count = index. */
export function shardJobs<I>(jobs: readonly Job<I>[], shard: Shard): Job<I>[] {
  return jobs.filter((_, p) => p % shard.count === shard.index);
}

/** Directory of a scenario's shard journals. */
export function shardsDir(outDir: string, name: string): string {
  return join(outDir, `${name}.shards`);
}

/** Where the journal of a run (shard = null) or of a shard lives. */
export function journalPath(outDir: string, name: string, shard: Shard | null): string {
  return shard === null ? join(outDir, `${name}.journal.jsonl`) : join(shardsDir(outDir, name), `shard-${shard.index}-of-${shard.count}.jsonl`);
}

/** Which scenario a run is: name, kind, where it came from, and the fingerprint of its validated form. */
export function scenarioIdentity(l: LoadedScenario): ScenarioIdentity {
  const scenario = toJsonValue(l.scenario) as Record<string, unknown>;
  return { name: l.scenario.name, kind: l.scenario.kind, fingerprint: fingerprint(scenario), file: l.file, dir: l.dir, scenario };
}

/** Thrown through the study once a shard's jobs are done (the study cannot go on without the rest). */
export class ShardFinished extends Error {
  constructor(
    readonly kind: string,
    readonly total: number,
    readonly assigned: number,
  ) {
    super(`shard finished: ${assigned} of ${total} ${kind} jobs`);
  }
}

/** A runner for the jobs of the journal's shard (or all) that the journal does not hold yet, appending each. */
export function journalRunner(journal: Journal): JobRunner {
  return new JournalRunner(journal);
}

class JournalRunner implements JobRunner {
  constructor(private readonly journal: Journal) {}

  async run<I, O>(list: JobList<I, O>, progress?: JobProgress): Promise<O[]> {
    checkDistinctIds(list);
    const shard = this.journal.shard;
    const mine = shard === null ? list.jobs : shardJobs(list.jobs, shard);
    const key = (j: Job<I>) => Journal.key(list.kind, j.id);
    this.journal.append({ type: 'list', kind: list.kind, total: list.jobs.length, assigned: mine.length, t: Date.now() });
    const todo = mine.filter((j) => !this.journal.done.has(key(j)));
    let done = mine.length - todo.length;
    progress?.(done, mine.length);
    const fresh = new Map<string, O>();
    const failures: { id: string; error: string }[] = [];
    await list.runHere(todo, (job, outcome) => {
      if ('error' in outcome) {
        this.journal.append({ type: 'failed', kind: list.kind, id: job.id, t: Date.now(), error: outcome.error });
        failures.push({ id: job.id, error: outcome.error });
      } else {
        // durable before the job counts as done
        this.journal.append({ type: 'done', kind: list.kind, id: job.id, t: Date.now(), result: encodeExact(outcome.result) });
        fresh.set(job.id, outcome.result);
      }
      progress?.(++done, mine.length, list.label?.(job));
    });
    if (failures.length > 0) throw new JobsFailedError(failures);
    if (shard !== null) throw new ShardFinished(list.kind, list.jobs.length, mine.length);
    return list.jobs.map((j) => (fresh.has(j.id) ? fresh.get(j.id)! : (decodeExact(this.journal.done.get(key(j))!.result) as O)));
  }
}

export interface JournaledRunOptions {
  /** Directory of the report (and of the journal beside it). */
  outDir: string;
  /** Report formats (default: run.ts's DEFAULT_FORMATS). */
  formats?: readonly ReportFormat[];
  progress?: ProgressSink;
  /** Run only this shard (its journal is kept for merge). */
  shard?: Shard;
  /** Continue from an existing journal (a missing one is started). Without it an existing journal is an error. */
  resume?: boolean;
  /** Lines for the user about the journal (resumed jobs, dropped lines); default: none. */
  notify?: (line: string) => void;
}

export type JournaledOutcome =
  | { kind: 'report'; outcome: RunOutcome; journal: string; resumed: number }
  | { kind: 'shard'; shard: Shard; journal: string; jobKind: string; total: number; assigned: number; resumed: number };

/** Run a scenario with its jobs journaled: whole (report written, journal deleted) or one shard. */
export async function runJournaled(l: LoadedScenario, opts: JournaledRunOptions): Promise<JournaledOutcome> {
  const shard = opts.shard ?? null;
  const notify = opts.notify ?? (() => {});
  const path = journalPath(opts.outDir, l.scenario.name, shard);
  const journal = Journal.open(path, scenarioIdentity(l), shard, opts.resume ?? false);
  for (const n of journal.notes) notify(n);
  if (journal.resumed > 0) notify(`${path}: resuming: ${journal.resumed} finished job${journal.resumed === 1 ? '' : 's'} from the journal`);
  try {
    const outcome = await runLoaded(l, {
      outDir: opts.outDir,
      ...(opts.formats ? { formats: opts.formats } : {}),
      ...(opts.progress ? { progress: opts.progress } : {}),
      jobs: journalRunner(journal),
    });
    if (shard !== null) {
      throw new SweepInputError(`${l.file}: the ${l.scenario.kind} study runs no sweep of jobs, so there is nothing to shard; run it without --shard`);
    }
    journal.close();
    rmSync(path, { force: true });
    return { kind: 'report', outcome, journal: path, resumed: journal.resumed };
  } catch (e) {
    if (e instanceof ShardFinished && shard !== null) {
      return { kind: 'shard', shard, journal: path, jobKind: e.kind, total: e.total, assigned: e.assigned, resumed: journal.resumed };
    }
    if (journal.done.size > 0 && !(e instanceof SweepInputError)) {
      notify(`${path} keeps the ${journal.done.size} finished job${journal.done.size === 1 ? '' : 's'}: rerun with --resume to continue`);
    }
    throw e;
  } finally {
    journal.close();
  }
}

/** The journals in `dirs` (each a journal file, or a directory whose *.jsonl files are journals). */
export function findJournals(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) throw new SweepInputError(`${d}: no such file or directory`);
    if (statSync(d).isFile()) out.push(d);
    else for (const f of readdirSync(d).sort()) if (f.endsWith('.jsonl')) out.push(join(d, f));
  }
  return out;
}

/** Results of every job in a set of journals, checked to belong to one scenario and version. */
class MergeRunner implements JobRunner {
  private readonly results = new Map<string, { line: DoneLine; path: string }>();
  private readonly failed = new Map<string, string>();
  readonly count: number;

  constructor(private readonly journals: readonly ParsedJournal[]) {
    const counts = new Set(journals.map((j) => j.header!.shard?.count ?? 1));
    this.count = counts.size === 1 ? [...counts][0]! : 0;
    for (const j of journals) {
      for (const l of j.lines) {
        if (l.type === 'failed') this.failed.set(Journal.key(l.kind, l.id), l.error.split('\n')[0]!);
        if (l.type !== 'done') continue;
        const key = Journal.key(l.kind, l.id);
        const seen = this.results.get(key);
        if (seen && JSON.stringify(seen.line.result) !== JSON.stringify(l.result)) {
          throw new SweepInputError(`${l.kind} job ${l.id} has different results in ${seen.path} and ${j.path}: the runs were not deterministic (report this as a bug)`);
        }
        this.results.set(key, { line: l, path: j.path });
      }
    }
  }

  async run<I, O>(list: JobList<I, O>, progress?: JobProgress): Promise<O[]> {
    checkDistinctIds(list);
    const missing: number[] = [];
    list.jobs.forEach((j, p) => {
      if (!this.results.has(Journal.key(list.kind, j.id))) missing.push(p);
    });
    if (missing.length > 0) {
      const byShard = new Map<number, number>();
      if (this.count > 0) for (const p of missing) byShard.set(p % this.count, (byShard.get(p % this.count) ?? 0) + 1);
      const where = [...byShard].map(([i, n]) => `shard ${i}/${this.count}: ${n}`).join(', ');
      const failed = missing.map((p) => this.failed.get(Journal.key(list.kind, list.jobs[p]!.id))).filter((x) => x !== undefined);
      throw new SweepInputError(
        `${missing.length} of ${list.jobs.length} ${list.kind} jobs have no result in ${this.journals.map((j) => j.path).join(', ')}` +
          (where ? ` (${where})` : '') +
          (failed.length > 0 ? `; ${failed.length} of them failed, the first with: ${failed[0]}` : '') +
          `; run the missing shards (rnn-dynamics run ... --shard i/N --resume) and merge again`,
      );
    }
    progress?.(list.jobs.length, list.jobs.length);
    return list.jobs.map((j) => decodeExact(this.results.get(Journal.key(list.kind, j.id))!.line.result) as O);
  }
}

export interface MergeOptions {
  /** Write the report to <outDir>/<name>/; omit for the summary only. */
  outDir?: string;
  /** Report formats (default: run.ts's DEFAULT_FORMATS). */
  formats?: readonly ReportFormat[];
  progress?: ProgressSink;
}

export interface MergeOutcome {
  outcome: RunOutcome;
  journals: string[];
  /** Shard count of the journals (0 when they mix counts). */
  shards: number;
}

/** Build the report from shard journals: the study runs again with every job's result read back. */
export async function mergeShards(dirs: readonly string[], opts: MergeOptions = {}): Promise<MergeOutcome> {
  const paths = findJournals(dirs);
  const journals = paths.map(readJournal).filter((j) => j.header !== null);
  if (journals.length === 0) throw new SweepInputError(`${dirs.join(', ')}: no results journals found (run writes them as <out>/<name>.shards/shard-<i>-of-<N>.jsonl)`);
  const first = journals[0]!.header!;
  for (const j of journals) {
    const h = j.header!;
    if (h.package.version !== PACKAGE.version || h.package.name !== PACKAGE.name) {
      throw new SweepInputError(`${j.path}: written by ${h.package.name} ${h.package.version}, this is ${PACKAGE.name} ${PACKAGE.version}; merge it with that version, or run the shards again`);
    }
    if (h.scenario.fingerprint !== first.scenario.fingerprint) {
      throw new SweepInputError(`${j.path}: a shard of another scenario than ${journals[0]!.path} (${h.scenario.name} against ${first.scenario.name}, fingerprints differ); merge the shards of one scenario at a time`);
    }
  }
  const loaded = validateScenario(first.scenario.scenario, first.scenario.file, first.scenario.dir, STUDIES_BY_KIND);
  if (fingerprint(toJsonValue(loaded.scenario)) !== first.scenario.fingerprint) {
    throw new SweepInputError(`${journals[0]!.path}: its scenario validates differently in this version; run the shards again`);
  }
  const runner = new MergeRunner(journals);
  const outcome = await runLoaded(loaded, {
    ...(opts.outDir !== undefined ? { outDir: opts.outDir } : {}),
    ...(opts.formats ? { formats: opts.formats } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
    jobs: runner,
  });
  return { outcome, journals: journals.map((j) => j.path), shards: runner.count };
}

/** The default report directory of a merge: beside the shards' directory. */
export function defaultMergeOut(dirs: readonly string[]): string {
  const d = dirs[0]!;
  return existsSync(d) && statSync(d).isFile() ? dirname(dirname(d)) : dirname(d.replace(/\/+$/, '')) || '.';
}

/** Size of each job list of a scenario, found by running its study up to its first sweep. */
export async function planJobs(l: LoadedScenario): Promise<{ kind: string; total: number } | null> {
  class Planned extends Error {
    constructor(readonly plan: { kind: string; total: number }) {
      super('planned');
    }
  }
  const planner: JobRunner = {
    run(list) {
      checkDistinctIds(list);
      return Promise.reject(new Planned({ kind: list.kind, total: list.jobs.length }));
    },
  };
  try {
    await runLoaded(l, { jobs: planner });
    return null;
  } catch (e) {
    if (e instanceof Planned) return e.plan;
    throw e;
  }
}
