/**
 * readBounded, the one bounded read behind scenario and weight files (readFileSafely) and standard
 * input (readStdinBounded): exactly maxBytes is read, one byte more is refused, a stated size that
 * lies does not matter, and a non-blocking pipe with no data yet is waited for when asked.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleepSync } from '../../src/report/write.ts';
import { readBounded } from '../../src/scenario/safe-read.ts';

test('readBounded: up to maxBytes read (whatever the size hint), one byte more gives null', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bounded-'));
  const file = join(dir, 'f');
  const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  writeFileSync(file, bytes);
  for (const sizeHint of [undefined, 0, 10, 10_000, 1 << 20]) {
    for (const [max, whole] of [[10_000, true], [9_999, false], [1 << 20, true]] as const) {
      const fd = openSync(file, 'r');
      try {
        const got = readBounded(fd, max, sizeHint === undefined ? {} : { sizeHint });
        if (whole) t.true(got !== null && got.equals(bytes), `max ${max}, hint ${sizeHint}`);
        else t.is(got, null, `max ${max}, hint ${sizeHint}`);
      } finally {
        closeSync(fd);
      }
    }
  }
});

test('readBounded: a non-blocking FIFO without data yet waits (wait given) or throws EAGAIN', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bounded-'));
  const fifo = join(dir, 'p');
  const mk = spawn('mkfifo', [fifo]);
  await new Promise((r) => mk.on('exit', r));
  // opened for reading, non-blocking; the writer opens it, says so, and writes 300 ms later: reads
  // in between say EAGAIN (a writer, no data), as a terminal's non-blocking stdin does
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = spawn(
    process.execPath,
    ['-e', 'const fs = require("fs"); const fd = fs.openSync(process.argv[1], "w"); process.stdout.write("open"); setTimeout(() => { fs.writeSync(fd, "late text"); fs.closeSync(fd); }, 300)', fifo],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((r) => writer.stdout.once('data', r));
  try {
    t.throws(() => readBounded(fd, 100), { code: 'EAGAIN' });
    let waits = 0;
    const got = readBounded(fd, 100, {
      wait: () => {
        waits++;
        sleepSync(10);
      },
    });
    t.is(got?.toString('utf8'), 'late text');
    t.true(waits > 0);
  } finally {
    closeSync(fd);
    await new Promise((r) => (writer.exitCode !== null ? r(null) : writer.on('exit', r)));
  }
});
