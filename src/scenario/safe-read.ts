/**
 * Reading a file named by a user, safely: regular files only (a FIFO would block forever,
 * /dev/zero would grow without bound), at most `maxBytes` (read to one byte past the limit, so a
 * file whose stat size lies, as in /proc, is caught as well), opened non-blocking so that opening
 * a FIFO with no writer returns at once.
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
    // st.size + 1 so that a file at its stated size is read in one buffer and its end is seen
    let chunk = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size + 1, 4096)));
    let got = 0;
    for (;;) {
      if (got === chunk.length) {
        if (chunk.length > maxBytes) throw tooBig();
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, got);
        chunk = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, chunk, got, chunk.length - got, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        throw new FileReadError(REASONS[code] ?? `cannot read it (${code || (e as Error).message})`);
      }
      if (n === 0) break;
      got += n;
    }
    if (got > maxBytes) throw tooBig();
    return chunk.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
