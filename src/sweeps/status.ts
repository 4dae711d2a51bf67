/**
 * Progress across shards: `rnn-dynamics status DIR` reads the journals (those of shards in
 * `<name>.shards/`, and an unsharded run's `<name>.journal.jsonl`) and prints, per scenario, the
 * jobs done, the total, the failures, the shards seen, and an estimate of the time left from the
 * rate at which results have arrived so far.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, readJournal, SweepInputError, type ParsedJournal, type Shard } from './journal.ts';

export interface JournalStatus {
  path: string;
  shard: Shard | null;
  /** Jobs assigned to this journal (null before its job list began). */
  assigned: number | null;
  done: number;
  failed: number;
  /** Torn or corrupt lines (a shard killed mid-write, or still writing). */
  bad: number;
  created: number;
  /** Time of the last result (ms since 1970), null before the first. */
  last: number | null;
}

export interface SweepStatus {
  scenario: string;
  journals: JournalStatus[];
  /** Shards the journals say there are (null for an unsharded run or mixed counts). */
  shardCount: number | null;
  /** Jobs in the sweep (null before any job list began). */
  total: number | null;
  done: number;
  /** Jobs whose last attempt failed. */
  failed: number;
  /** Estimated seconds left from the rate of results so far (null when unknown). */
  etaSeconds: number | null;
  complete: boolean;
}

/** Journal files under `dirs`: *.jsonl in each directory and in its *.shards/ subdirectories. */
export function statusJournals(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const scan = (d: string, deeper: boolean) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (f.endsWith('.jsonl') && statSync(p).isFile()) out.push(p);
      else if (deeper && f.endsWith('.shards') && statSync(p).isDirectory()) scan(p, false);
    }
  };
  for (const d of dirs) {
    if (!existsSync(d)) throw new SweepInputError(`${d}: no such file or directory`);
    if (statSync(d).isFile()) out.push(d);
    else scan(d, true);
  }
  return out;
}

function journalStatus(j: ParsedJournal): JournalStatus {
  const done = new Set<string>();
  const failed = new Set<string>();
  let assigned: number | null = null;
  let last: number | null = null;
  for (const l of j.lines) {
    if (l.type === 'list') assigned = (assigned ?? 0) + l.assigned;
    else if (l.type === 'done') {
      done.add(Journal.key(l.kind, l.id));
      failed.delete(Journal.key(l.kind, l.id));
      last = Math.max(last ?? 0, l.t);
    } else if (l.type === 'failed' && !done.has(Journal.key(l.kind, l.id))) failed.add(Journal.key(l.kind, l.id));
  }
  // a resumed journal repeats its list line: count each kind once
  const kinds = new Map<string, number>();
  for (const l of j.lines) if (l.type === 'list') kinds.set(l.kind, l.assigned);
  if (kinds.size > 0) assigned = [...kinds.values()].reduce((a, b) => a + b, 0);
  return { path: j.path, shard: j.header!.shard, assigned, done: done.size, failed: failed.size, bad: j.bad.length, created: j.header!.created, last };
}

/** Status of every scenario whose journals are under `dirs`, at time `now`. */
export function sweepStatus(dirs: readonly string[], now = Date.now()): SweepStatus[] {
  const byScenario = new Map<string, ParsedJournal[]>();
  for (const p of statusJournals(dirs)) {
    let j: ParsedJournal;
    try {
      j = readJournal(p);
    } catch {
      continue; // not a journal
    }
    if (j.header === null) continue;
    const key = j.header.scenario.fingerprint;
    byScenario.set(key, [...(byScenario.get(key) ?? []), j]);
  }
  const out: SweepStatus[] = [];
  for (const journals of byScenario.values()) {
    const statuses = journals.map(journalStatus);
    const counts = new Set(journals.map((j) => j.header!.shard?.count ?? 0));
    const shardCount = counts.size === 1 && !counts.has(0) ? [...counts][0]! : null;
    const totals = new Map<string, number>();
    const done = new Set<string>();
    const failed = new Set<string>();
    for (const j of journals) {
      for (const l of j.lines) {
        if (l.type === 'list') totals.set(l.kind, l.total);
        else if (l.type === 'done') done.add(Journal.key(l.kind, l.id));
      }
    }
    for (const j of journals) for (const l of j.lines) if (l.type === 'failed' && !done.has(Journal.key(l.kind, l.id))) failed.add(Journal.key(l.kind, l.id));
    const total = totals.size > 0 ? [...totals.values()].reduce((a, b) => a + b, 0) : null;
    const allShards = shardCount === null || new Set(journals.map((j) => j.header!.shard!.index)).size === shardCount;
    const complete = total !== null && done.size >= total && allShards;
    const start = Math.min(...statuses.map((s) => s.created));
    const results = statuses.reduce((a, s) => a + s.done, 0);
    const rate = results > 0 && now > start ? results / ((now - start) / 1000) : 0;
    const etaSeconds = complete ? 0 : total !== null && rate > 0 ? (total - done.size) / rate : null;
    out.push({ scenario: journals[0]!.header!.scenario.name, journals: statuses, shardCount, total, done: done.size, failed: failed.size, etaSeconds, complete });
  }
  return out.sort((a, b) => a.scenario.localeCompare(b.scenario));
}

/** Seconds as "1 h 4 min", "3 min 20 s", "12 s". */
export function formatDuration(s: number): string {
  const t = Math.round(s);
  if (t >= 3600) return `${Math.floor(t / 3600)} h ${Math.round((t % 3600) / 60)} min`;
  if (t >= 60) return `${Math.floor(t / 60)} min ${t % 60} s`;
  return `${t} s`;
}

/** The status as lines of text: one per scenario, then one per shard. */
export function formatStatus(statuses: readonly SweepStatus[], now = Date.now()): string {
  const lines: string[] = [];
  for (const s of statuses) {
    const eta = s.complete ? 'complete' : s.etaSeconds === null ? 'time left unknown' : `about ${formatDuration(s.etaSeconds)} left`;
    const shards = s.shardCount === null ? (s.journals.some((j) => j.shard !== null) ? `${s.journals.length} shard journals` : 'unsharded run') : `${s.journals.length} of ${s.shardCount} shards started`;
    lines.push(`${s.scenario}: ${s.done} of ${s.total ?? '?'} jobs done, ${s.failed} failed; ${shards}; ${eta}`);
    const seen = new Map(s.journals.map((j) => [j.shard?.index ?? -1, j]));
    const indexes = s.shardCount === null ? [...seen.keys()] : Array.from({ length: s.shardCount }, (_, i) => i);
    for (const i of indexes) {
      const j = seen.get(i);
      const name = i < 0 ? '  run' : `  shard ${i}/${s.shardCount ?? j?.shard?.count}`;
      if (!j) {
        lines.push(`${name}: not started`);
        continue;
      }
      const ago = j.last === null ? 'no result yet' : `last result ${formatDuration(Math.max(0, (now - j.last) / 1000))} ago`;
      const extra = [j.failed > 0 ? `${j.failed} failed` : '', j.bad > 0 ? `${j.bad} torn or corrupt line${j.bad === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
      lines.push(`${name}: ${j.done} of ${j.assigned ?? '?'} done${j.assigned !== null && j.done >= j.assigned ? '' : `, ${ago}`}${extra ? `, ${extra}` : ''}`);
    }
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
