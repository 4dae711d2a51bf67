/**
 * The CLI run in this process (no 2-s tsx start per call): main(argv) with stdout and stderr
 * captured. Calls must not overlap (use test.serial), since the streams are process-wide.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { FileContents } from '../fixtures/bad-input/cases.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cliInProcess(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Make the files of a case under `dir`: text or bytes, a FIFO, a directory or a symbolic link. */
export function makeFiles(dir: string, files: Record<string, FileContents>): void {
  for (const [name, contents] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof contents === 'string' || contents instanceof Uint8Array) writeFileSync(path, contents);
    else if ('fifo' in contents) spawnSync('mkfifo', [path]);
    else if ('dir' in contents) mkdirSync(path, { recursive: true });
    else symlinkSync(contents.symlink, path);
  }
}

/** Every path under `dir` with its type, size and mtime: compared before and after a run. */
export function snapshot(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (skip.includes(p)) continue;
      const st = lstatSync(p);
      out.set(p, `${st.mode}:${st.isDirectory() ? '' : st.size}:${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A stack trace in CLI output: a line starting with "at " and a file position. */
export const STACK = /^\s+at .+:\d+:\d+\)?$/m;
