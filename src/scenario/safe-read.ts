/**
 * Reading a file named by a user, safely: regular files only (a FIFO would block forever,
 * /dev/zero would grow without bound), at most `maxBytes` (read to one byte past the limit, so a
 * file whose stat size lies, as in /proc, is caught as well), opened non-blocking so that opening
 * a FIFO with no writer returns at once. `readBounded` is the bounded read itself, for standard
 * input as well.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A file that cannot be used: the message says why, without the path (the caller names it). */
export class FileReadError extends Error {
  override name = 'FileReadError';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory, not a file',
};

function kind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Human size: 1048576 -> "1 MiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : Number(n.toPrecision(3))} ${units[i]}`;
}

/**
 * The bytes of fd from where it stands to its end, or null when there are more than `maxBytes`:
 * read to one byte past the limit (into a buffer of `sizeHint` + 1 bytes, at least 4 KiB, doubled
 * up to maxBytes + 1), so that a source whose stated size lies (/proc, a pipe) is caught without
 * being held in memory. A read that would block (EAGAIN: a non-blocking stdin with no data yet)
 * calls `wait` and is tried again; without `wait` it throws, as any other read error does (the
 * node error with its code). An EOF error (a closed pipe on some systems) is the end.
 *
 * @example readBounded(openSync('x.yaml', 'r'), 1 << 20) // the file's bytes (up to 1 MiB), else null
 */
export function readBounded(fd: number, maxBytes: number, opts: { sizeHint?: number; wait?: () => void } = {}): Buffer | null {
  // sizeHint + 1 so that a file at its stated size is read in one buffer and its end is seen
  let chunk = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max((opts.sizeHint ?? 0) + 1, 4096)));
  let got = 0;
  for (;;) {
    if (got === chunk.length) {
      if (chunk.length > maxBytes) return null;
      const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, chunk.length * 2));
      chunk.copy(bigger, 0, 0, got);
      chunk = bigger;
    }
    let n: number;
    try {
      n = readSync(fd, chunk, got, chunk.length - got, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && opts.wait) {
        opts.wait();
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    got += n;
  }
  return got > maxBytes ? null : chunk.subarray(0, got);
}

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them.
 * @throws FileReadError saying what is wrong (missing, a directory, a FIFO, too large, ...).
 */
export function readFileSafely(path: string, maxBytes: number, limitHint = ''): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new FileReadError(REASONS[code] ?? `cannot open it (${code || (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(`expected a regular file, found ${kind(st)}`);
    const tooBig = (): FileReadError =>
      new FileReadError(`the file is larger than the limit of ${formatBytes(maxBytes)}${limitHint ? ` (${limitHint})` : ''}`);
    if (st.size > maxBytes) throw tooBig();
    let bytes: Buffer | null;
    try {
      bytes = readBounded(fd, maxBytes, { sizeHint: st.size });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      throw new FileReadError(REASONS[code] ?? `cannot read it (${code || (e as Error).message})`);
    }
    if (bytes === null) throw tooBig();
    return bytes;
  } finally {
    closeSync(fd);
  }
}
