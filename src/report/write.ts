/**
 * Writing a report directory so that `<out>/<name>` holds a complete report, the old one or the
 * new one, at every instant, and nothing else is ever replaced.
 *
 * 1. Refuse (exit 2, before any work: `checkReplaceable`) when `<out>/<name>` exists and is not a
 *    report this tool wrote: a report is a directory whose summary.json names the package
 *    rnn-dynamics (or an empty directory).
 * 2. A lock per report name (`<out>/.lock-<name>`, created exclusively, holding the pid and the
 *    supervisor's pid): a second writer of the same name fails before computing; a lock whose
 *    process is gone is taken over; one held by the orphaned child of a killed run (supervisor
 *    gone) is waited for, up to ORPHAN_WAIT_MS, since that child ends at its next tick.
 * 3. The new report is written into `<out>/.tmp-<name>-<pid>-<random>/`, every file and the
 *    directory fsync'ed, with the modes the umask gives (0777 & ~umask for the directory).
 * 4. The swap: when `<out>/<name>` exists, the two directories are exchanged with
 *    renameat2(RENAME_EXCHANGE) (Linux 3.15+; Node's fs has no binding for it, so it is reached
 *    through python3's ctypes when python3 is on the PATH), then the old report, now at the
 *    temporary name, is removed. Without the exchange the old report is renamed aside
 *    (`.old-<name>-<pid>-*`) and the new one renamed in: a gap of two system calls, which the next
 *    writer repairs by renaming the old report back if the process died in between. The parent
 *    directory is fsync'ed after the swap.
 * 5. Leftover `.tmp-` and `.old-` directories of processes that no longer run are removed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Files of a report: name -> contents. */
export type ReportFiles = Map<string, string | Buffer>;

/** A report path that must not be replaced or locked: bad input (exit 2), found before any work. */
export class ReportPathError extends Error {
  override name = 'ReportPathError';
}

const PACKAGE_NAME = 'rnn-dynamics';
/** summary.json larger than this is not one of ours (ours are a few hundred KB at most). */
const MAX_SUMMARY_BYTES = 64 << 20;

/** Whether `dir` is a report this tool wrote (or an empty directory). */
function isOurReport(dir: string): boolean {
  const entries = readdirSync(dir);
  if (entries.length === 0) return true;
  try {
    const summary = join(dir, 'summary.json');
    const st = lstatSync(summary);
    if (!st.isFile() || st.size > MAX_SUMMARY_BYTES) return false;
    const json = JSON.parse(readFileSync(summary, 'utf8')) as { package?: { name?: unknown } };
    return json?.package?.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * Throw ReportPathError when `<outDir>/<name>` exists and is not a report of this tool, or when
 * `outDir` cannot hold reports (a file, or under a file). Creates nothing.
 */
export function checkReplaceable(outDir: string, name: string): void {
  checkOutDir(outDir);
  const target = join(outDir, name);
  let st;
  try {
    st = lstatSync(target);
  } catch {
    return;
  }
  if (!st.isDirectory() || !isOurReport(target)) {
    const what = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'a file';
    throw new ReportPathError(`${target} is ${what} that is not a report written by rnn-dynamics; refusing to replace it (move it away or choose another --out)`);
  }
}

/** `outDir` exists as a directory, or can be made: its nearest existing ancestor is a directory. */
export function checkOutDir(outDir: string): void {
  let p = resolve(outDir);
  let first = true;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ReportPathError(`--out ${outDir}: cannot use ${p} (${code})`);
      const up = dirname(p);
      if (up === p) return;
      p = up;
      first = false;
      continue;
    }
    if (!st.isDirectory()) {
      throw new ReportPathError(`--out ${outDir}: expected a directory, found a file${first ? '' : ` at ${p}`}`);
    }
    return;
  }
}

/**
 * True while process `pid` runs: it answers signal 0 (or exists under another user) and is not a
 * zombie, an ended process that its parent has not reaped yet (/proc/<pid>/stat state Z or X).
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (ended, not yet reaped: an orphan whose new parent does not wait) answers signal 0
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: signal 0 is all there is
  }
}

/**
 * The supervisor of this process when `run` computes under src/cli/supervise.mjs, else 0. It is
 * written into each lock beside the pid: a lock whose holder is alive but whose supervisor is dead
 * belongs to the orphaned child of a killed run, which ends at its next progress tick or journal
 * append (exitIfOrphaned below), so a new run (a `--resume` right after a SIGKILL) waits for it.
 */
export const SUPERVISOR = Number(process.env.RNN_DYNAMICS_SUPERVISED) > 0 ? Number(process.env.RNN_DYNAMICS_SUPERVISED) : 0;

/** How long a new run waits for the orphaned child of a killed run to end and free its lock. */
export const ORPHAN_WAIT_MS = 30_000;

/** Block this thread for `ms` milliseconds (a lock wait before any work, a read of stdin that would block; nothing else runs). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Wait until `pid` has ended, at most `ms`; true when it did. */
function waitForExit(pid: number, ms: number): boolean {
  const end = Date.now() + ms;
  while (processAlive(pid)) {
    if (Date.now() >= end) return false;
    sleepSync(50);
  }
  return true;
}

/** A held lock on one report name; release() is idempotent. */
export interface ReportLock {
  readonly path: string;
  release(): void;
}

const held = new Set<string>();

/**
 * Take the lock of `<outDir>/<name>` (creating outDir). A lock held by a live process is an error
 * (ReportPathError, exit 2); one left by a dead process is taken over.
 */
export function lockReport(outDir: string, name: string): ReportLock {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `.lock-${name}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
      writeSync(fd, `${process.pid} ${SUPERVISOR}\n`);
      closeSync(fd);
      held.add(path);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          held.delete(path);
          rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ReportPathError(`cannot lock ${join(outDir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      let pid = NaN;
      let supervisor = 0;
      try {
        [pid, supervisor = 0] = readFileSync(path, 'utf8').trim().split(/\s+/).map((w) => Number.parseInt(w, 10));
      } catch {
        /* vanished meanwhile: try again */
      }
      if (processAlive(pid) && !held.has(path) && supervisor > 0 && !processAlive(supervisor)) {
        // the orphaned child of a killed run: it stops at its next tick
        if (waitForExit(pid, ORPHAN_WAIT_MS)) {
          attempt--;
          continue;
        }
        throw new ReportPathError(
          `${join(outDir, name)} is held by pid ${pid}, left running by a killed rnn-dynamics run (its supervisor ${supervisor} is gone), which did not stop within ${ORPHAN_WAIT_MS / 1000} s; end it (kill ${pid}) and run again`,
        );
      }
      if (processAlive(pid) && !held.has(path)) {
        throw new ReportPathError(`${join(outDir, name)} is being written by another rnn-dynamics process (pid ${pid}); wait for it or remove ${path} if that process is gone`);
      }
      if (held.has(path)) throw new ReportPathError(`${join(outDir, name)} is written twice in one run`);
      rmSync(path, { force: true });
    }
  }
  throw new ReportPathError(`cannot lock ${join(outDir, name)}: the lock keeps changing hands`);
}

/** Release every lock this process holds (on a signal or at exit). */
export function releaseAllLocks(): void {
  for (const path of held) rmSync(path, { force: true });
  held.clear();
}

const LEFTOVER = /^\.(tmp|old)-(.+)-(\d+)-[0-9a-f]{8}$/;

/**
 * Remove `.tmp-<name>-*` and `.old-<name>-*` of processes that are gone, after putting back an old
 * report that a killed swap left aside (no `<name>` but an `.old-<name>-*`).
 */
export function cleanLeftovers(outDir: string, name: string): void {
  let entries: string[];
  try {
    entries = readdirSync(outDir);
  } catch {
    return;
  }
  const target = join(outDir, name);
  let targetExists = true;
  try {
    lstatSync(target);
  } catch {
    targetExists = false;
  }
  for (const e of entries) {
    const m = LEFTOVER.exec(e);
    if (!m || m[2] !== name || processAlive(Number(m[3]))) continue;
    const path = join(outDir, e);
    if (m[1] === 'old' && !targetExists) {
      renameSync(path, target);
      targetExists = true;
      continue;
    }
    rmSync(path, { recursive: true, force: true });
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurably(path: string, contents: string | Buffer): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
  try {
    const buf = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const EXCHANGE_PY = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
f = getattr(libc, 'renameat2', None)
if f is None: sys.exit(3)
if f(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2) != 0:
    sys.stderr.write(os.strerror(ctypes.get_errno())); sys.exit(4)
`;
let exchangeWorks: boolean | undefined;
/** The system's python3 (Debian's /usr/bin/python3 starts in 40 ms; a pyenv shim takes 0.4 s). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Exchange two paths atomically with renameat2(RENAME_EXCHANGE). False when the system cannot
 * (no python3, no renameat2, a filesystem without it); then the caller falls back.
 */
export function exchangePaths(a: string, b: string): boolean {
  if (exchangeWorks === false || process.platform !== 'linux') return false;
  const r = spawnSync(PYTHON, ['-c', EXCHANGE_PY, a, b], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  const ok = r.status === 0;
  if (!ok && (r.error || r.status === 3 || exchangeWorks === undefined)) exchangeWorks = false;
  else if (ok) exchangeWorks = true;
  return ok;
}

/** Directories of writes in progress in this process, removed on a signal. */
const inProgress = new Set<string>();

/** Remove the temporary directories of writes in progress (a signal handler calls it). */
export function removeTemporaryDirectories(): void {
  for (const d of inProgress) rmSync(d, { recursive: true, force: true });
  inProgress.clear();
}

/**
 * Called by a supervised run (src/cli/child.ts) before it takes its locks, on progress ticks and
 * before each journal line (src/sweeps/journal.ts): when the supervisor is no longer this process's
 * parent (it was killed, even before this process had started), remove the temporary directories,
 * release the locks and end (exit 143), so that no orphan writes a report after its parent died.
 */
export function exitIfOrphaned(): void {
  if (SUPERVISOR === 0 || process.ppid === SUPERVISOR) return;
  removeTemporaryDirectories();
  releaseAllLocks();
  process.exit(143);
}

/**
 * Write `files` as `<outDir>/<name>/`. `produce` may add files asynchronously (rendering); if it
 * throws, nothing is replaced. Takes the report's lock unless the caller holds it already.
 */
export async function writeReportAtomically(outDir: string, name: string, produce: (files: ReportFiles) => Promise<void>): Promise<string> {
  checkReplaceable(outDir, name);
  const lockPath = join(outDir, `.lock-${name}`);
  const lock = held.has(lockPath) ? undefined : lockReport(outDir, name);
  const target = join(outDir, name);
  const tmp = join(outDir, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    cleanLeftovers(outDir, name);
    mkdirSync(tmp, { mode: 0o777 });
    inProgress.add(tmp);
    const files: ReportFiles = new Map();
    await produce(files);
    const subdirs = new Set<string>();
    for (const [file, contents] of files) {
      // a sweep's report holds each point's report in points/<point>/
      if (file.includes('/')) {
        const sub = dirname(join(tmp, file));
        if (!subdirs.has(sub)) mkdirSync(sub, { recursive: true, mode: 0o777 });
        for (let d = sub; d !== tmp && !subdirs.has(d); d = dirname(d)) subdirs.add(d);
      }
      writeDurably(join(tmp, file), contents);
    }
    for (const sub of [...subdirs].sort().reverse()) fsyncPath(sub);
    fsyncPath(tmp);
    checkReplaceable(outDir, name);
    let exists = true;
    try {
      lstatSync(target);
    } catch {
      exists = false;
    }
    if (!exists) {
      renameSync(tmp, target);
    } else if (exchangePaths(tmp, target)) {
      rmSync(tmp, { recursive: true, force: true }); // the old report, now under the temporary name
    } else {
      const old = join(outDir, `.old-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    }
    inProgress.delete(tmp);
    fsyncPath(outDir);
    return target;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    inProgress.delete(tmp);
    throw e;
  } finally {
    lock?.release();
  }
}
