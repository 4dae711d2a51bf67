/**
 * The results journal: an append-only file with one line per finished job, so that a run killed at
 * any moment loses nothing that had finished.
 *
 * Each line is `<sha256 of the JSON, hex> <JSON>\n`. The first line is the header (format, package
 * version, the scenario and its fingerprint, the shard); a `list` line opens each job list (its
 * kind and size); a `done` line holds one job's result in the exact encoding of codec.ts; a
 * `failed` line records a job that threw (it is run again on resume). A job counts as done only
 * once its line has been written and fsync'd. A run killed mid-write leaves a last line without its
 * newline or with a wrong checksum: reading detects it and resuming drops it, so that job runs again.
 *
 * A journal belongs to one scenario and one version: resuming with a changed scenario (the message
 * names the first field that differs) or another package version is refused.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { exitIfOrphaned } from '../report/write.ts';
import { PACKAGE } from '../version.ts';
import { canonicalJson } from './codec.ts';

/** Bumped when the line format changes. */
export const JOURNAL_FORMAT = 1;

/** Which scenario a journal belongs to. */
export interface ScenarioIdentity {
  name: string;
  kind: string;
  /** sha256 of the validated scenario's canonical JSON (defaults filled in). */
  fingerprint: string;
  /** The scenario file as given, and the directory its relative paths resolve against. */
  file: string;
  dir: string;
  /** The validated scenario as JSON: merge runs the study from it. */
  scenario: Record<string, unknown>;
}

/** The i-th (from 0) of N deterministic subsets of every job list. */
export interface Shard {
  index: number;
  count: number;
}

export interface HeaderLine {
  type: 'header';
  format: number;
  package: { name: string; version: string };
  scenario: ScenarioIdentity;
  shard: Shard | null;
  /** Wall-clock time (ms since 1970) the journal was created; for status only. */
  created: number;
}
export interface ListLine {
  type: 'list';
  kind: string;
  /** Jobs in the whole list, and in this journal's shard of it. */
  total: number;
  assigned: number;
  t: number;
}
export interface DoneLine {
  type: 'done';
  kind: string;
  id: string;
  /** Finish time (ms since 1970), for status only: never part of a result. */
  t: number;
  /** The result, encoded by codec.encodeExact. */
  result: unknown;
}
export interface FailedLine {
  type: 'failed';
  kind: string;
  id: string;
  t: number;
  error: string;
}
export type JournalLine = HeaderLine | ListLine | DoneLine | FailedLine;

/**
 * Bad input to a sharded or journaled run: a journal refused, a malformed --shard, shards that do
 * not cover the sweep. The message names the file and what to do; the CLI exits 2.
 */
export class SweepInputError extends Error {}

export function fingerprint(scenario: unknown): string {
  return createHash('sha256').update(canonicalJson(scenario)).digest('hex');
}

/** One journal line, checksum first. */
export function formatLine(line: JournalLine): string {
  const json = JSON.stringify(line);
  return `${createHash('sha256').update(json).digest('hex')} ${json}\n`;
}

/** What reading a journal found. */
export interface ParsedJournal {
  path: string;
  header: HeaderLine | null;
  /** Every intact line after the header, in file order. */
  lines: (ListLine | DoneLine | FailedLine)[];
  /** Lines that were torn (no newline at the end of the file) or corrupt (checksum or JSON). */
  bad: { line: number; reason: string }[];
  /** Byte length of the intact prefix (everything before the first bad line), and its lines after the header. */
  intactBytes: number;
  intactLines: number;
  /** Byte length of the file. */
  bytes: number;
}

/** Read a journal without changing it. Throws SweepInputError when the file is not a journal at all. */
export function readJournal(path: string): ParsedJournal {
  const buf = readFileSync(path);
  const out: ParsedJournal = { path, header: null, lines: [], bad: [], intactBytes: 0, intactLines: 0, bytes: buf.byteLength };
  let start = 0;
  let lineNo = 0;
  let intact = true;
  while (start < buf.byteLength) {
    lineNo++;
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.byteLength : nl;
    const text = buf.subarray(start, end).toString('utf8');
    let reason: string | null = null;
    let parsed: JournalLine | null = null;
    if (nl < 0) reason = 'torn (no newline: the run stopped while writing it)';
    else {
      const sp = text.indexOf(' ');
      const json = sp < 0 ? '' : text.slice(sp + 1);
      if (sp < 0 || createHash('sha256').update(json).digest('hex') !== text.slice(0, sp)) reason = 'corrupt (checksum does not match)';
      else {
        try {
          parsed = JSON.parse(json) as JournalLine;
        } catch {
          reason = 'corrupt (not JSON)';
        }
      }
    }
    if (parsed && lineNo === 1 && parsed.type !== 'header') reason = 'not a journal header';
    if (parsed && lineNo > 1 && parsed.type === 'header') reason = 'a second header';
    if (reason !== null || !parsed) {
      if (lineNo === 1 && nl >= 0) throw new SweepInputError(`${path}: not a results journal (line 1 is ${reason})`);
      out.bad.push({ line: lineNo, reason: reason ?? 'unreadable' });
      intact = false;
    } else {
      if (parsed.type === 'header') out.header = parsed;
      else out.lines.push(parsed);
      if (intact) {
        out.intactBytes = nl + 1;
        if (parsed.type !== 'header') out.intactLines++;
      }
    }
    start = end + 1;
  }
  return out;
}

/** The first place where two JSON values differ, as `path: a -> b` (for refusal messages). */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const sub = Array.isArray(a) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub);
      if (d !== null) return d;
    }
  }
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  return `${path === '' ? '(the whole scenario)' : path}: ${show(a)} in the journal, ${show(b)} now`;
}

/** Make the directory entry of a new file durable (Linux: fsync on the directory). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not every file system lets a directory be opened or synced; the file's own fsync still holds
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A journal open for appending. `open` reads what an earlier run left (with `resume`), checks
 * that it belongs to this scenario, version and shard, and drops torn or corrupt lines; the file
 * itself is created only when the first job list begins.
 */
export class Journal {
  /** Results of finished jobs, by `kind/id`. */
  readonly done = new Map<string, DoneLine>();
  /** Jobs whose last line is a failure, by `kind/id`. */
  readonly failed = new Map<string, FailedLine>();
  /** Warnings for the user (dropped lines). */
  readonly notes: string[] = [];
  /** Finished jobs found in the file when it was opened. */
  resumed = 0;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly identity: ScenarioIdentity,
    readonly shard: Shard | null,
    private exists: boolean,
  ) {}

  static key(kind: string, id: string): string {
    return `${kind}/${id}`;
  }

  /**
   * Open the journal at `path` for this scenario and shard. Without `resume` an existing journal
   * is an error (it holds finished work); with it, its finished jobs are kept.
   */
  static open(path: string, identity: ScenarioIdentity, shard: Shard | null, resume: boolean): Journal {
    if (!existsSync(path)) return new Journal(path, identity, shard, false);
    const parsed = readJournal(path);
    const finished = new Set(parsed.lines.filter((l) => l.type === 'done').map((l) => Journal.key(l.kind, (l as DoneLine).id))).size;
    if (!resume) {
      throw new SweepInputError(
        `${path}: a journal of an earlier run of ${identity.name} is here (${finished} finished job${finished === 1 ? '' : 's'}); rerun with --resume to continue it, or delete it to start over`,
      );
    }
    if (parsed.header === null) {
      // killed while writing the header: nothing was finished
      const j = new Journal(path, identity, shard, false);
      j.notes.push(`${path}: the header line was torn; starting the journal again`);
      return j;
    }
    const h = parsed.header;
    if (h.format !== JOURNAL_FORMAT) {
      throw new SweepInputError(`${path}: journal format ${h.format}, this version of ${PACKAGE.name} reads format ${JOURNAL_FORMAT}; delete it to start over`);
    }
    if (h.package.name !== PACKAGE.name || h.package.version !== PACKAGE.version) {
      throw new SweepInputError(
        `${path}: written by ${h.package.name} ${h.package.version}, this is ${PACKAGE.name} ${PACKAGE.version}; its results may differ from this version's, so it cannot be resumed: delete it to start over`,
      );
    }
    if (h.scenario.fingerprint !== identity.fingerprint) {
      const diff = firstDifference(h.scenario.scenario, identity.scenario);
      throw new SweepInputError(
        `${path}: written for a different scenario (${diff ?? 'fingerprints differ'}); resume it with the scenario it was written for, or delete it to start over`,
      );
    }
    const want = shard === null ? 'an unsharded run' : `shard ${shard.index}/${shard.count}`;
    const have = h.shard === null ? 'an unsharded run' : `shard ${h.shard.index}/${h.shard.count}`;
    if (want !== have) throw new SweepInputError(`${path}: the journal of ${have}, asked to resume ${want}`);

    const j = new Journal(path, identity, shard, true);
    for (const b of parsed.bad) j.notes.push(`${path}: line ${b.line} is ${b.reason}; its job runs again`);
    // keep only the intact prefix: everything after a bad line is suspect
    const kept = parsed.lines.slice(0, parsed.intactLines);
    if (parsed.intactBytes < parsed.bytes) {
      const lostGood = parsed.lines.length - kept.length;
      if (lostGood > 0) j.notes.push(`${path}: ${lostGood} line${lostGood === 1 ? '' : 's'} after the bad one dropped too; their jobs run again`);
      truncateSync(path, parsed.intactBytes);
    }
    for (const l of kept) j.record(l);
    j.resumed = j.done.size;
    return j;
  }

  private record(l: ListLine | DoneLine | FailedLine): void {
    if (l.type === 'done') {
      this.done.set(Journal.key(l.kind, l.id), l);
      this.failed.delete(Journal.key(l.kind, l.id));
    } else if (l.type === 'failed') this.failed.set(Journal.key(l.kind, l.id), l);
  }

  /** Append a line and make it durable before returning. */
  append(line: ListLine | DoneLine | FailedLine): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      if (!this.exists) {
        const header: HeaderLine = {
          type: 'header',
          format: JOURNAL_FORMAT,
          package: PACKAGE,
          scenario: this.identity,
          shard: this.shard,
          created: Date.now(),
        };
        // the header goes in whole or not at all: written beside, fsync'd, renamed into place
        const tmp = `${this.path}.tmp-${process.pid}`;
        writeFileSync(tmp, formatLine(header), { flush: true });
        renameSync(tmp, this.path);
        fsyncDir(dirname(this.path));
        this.exists = true;
      }
      this.fd = openSync(this.path, 'a');
    }
    // a run whose supervisor was killed ends here rather than journal a job after its parent died
    exitIfOrphaned();
    writeSync(this.fd, formatLine(line));
    fsyncSync(this.fd);
    this.record(line);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
