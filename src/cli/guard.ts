/**
 * What `run` checks and takes before any study computes, and how it reports what went wrong
 * while one did: the report paths (refused when they hold something this tool did not write),
 * one lock per report name, and errors as one clear message (a stack only with
 * RNN_DYNAMICS_DEBUG=1, since a stack helps a bug report but not a user).
 */
import { writeFileSync } from 'node:fs';
import { checkReplaceable, lockReport, ReportPathError, type ReportLock } from '../report/write.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import type { Shard } from '../sweeps/journal.ts';

/** A problem found before any work: printed as is, exit 2. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}

/**
 * Check every report path and take its lock (creating --out). Nothing is locked when one path is
 * refused. A shard (`--shard i/N`) writes only its own journal, `<name>.shards/shard-i-of-N.jsonl`,
 * so it locks that shard and not the report: the shards of one sweep run side by side (two Slurm
 * array tasks on one node share --out), while the same shard started twice is still refused.
 * @throws BadInputError listing every refused path.
 */
export function guardReports(outDir: string, loaded: readonly LoadedScenario[], shard?: Shard): { release(): void } {
  const problems: string[] = [];
  for (const l of loaded) {
    try {
      checkReplaceable(outDir, l.scenario.name);
    } catch (e) {
      if (!(e instanceof ReportPathError)) throw e;
      problems.push(`${l.file}: name: ${e.message}`);
    }
  }
  if (problems.length > 0) throw new BadInputError([...new Set(problems)].join('\n'));
  const locks: ReportLock[] = [];
  const release = (): void => {
    for (const k of locks) k.release();
  };
  try {
    for (const l of loaded) locks.push(lockReport(outDir, shard ? `${l.scenario.name}.shard-${shard.index}-of-${shard.count}` : l.scenario.name));
  } catch (e) {
    release();
    if (e instanceof ReportPathError) throw new BadInputError(e.message);
    throw new BadInputError(`--out ${outDir}: cannot create or lock reports there: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { release };
}

/** Write a file the user named (schema --out): a failure is bad input with the path and the reason. */
export function writeUserFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ENOENT: 'its directory does not exist',
      ENOTDIR: 'a part of the path is not a directory',
      EISDIR: 'it is a directory',
      EACCES: 'permission denied',
      ENOSPC: 'the disk is full',
      ENAMETOOLONG: 'the name is too long',
      EROFS: 'the file system is read-only',
    };
    throw new BadInputError(`${path}: cannot write: ${why[code ?? ''] ?? code ?? (e as Error).message}`);
  }
}

/** One line for an error raised while a study ran: the message, or the stack with RNN_DYNAMICS_DEBUG=1. */
export function describeFailure(e: unknown): string {
  if (process.env.RNN_DYNAMICS_DEBUG) return (e as Error)?.stack ?? String(e);
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split('\n')[0]!.slice(0, 500);
  return `${first} (set RNN_DYNAMICS_DEBUG=1 for the stack trace)`;
}
