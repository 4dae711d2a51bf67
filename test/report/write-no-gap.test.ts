/**
 * The atomic write without a gap: `<out>/<name>` always holds a complete report, a file that is
 * not a report of this tool is never replaced, leftovers of killed runs are cleaned, one writer
 * per report name, modes from the umask.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkReplaceable, cleanLeftovers, exchangePaths, lockReport, ORPHAN_WAIT_MS, processAlive, ReportPathError, writeReportAtomically,
} from '../../src/report/write.ts';

const summary = (v: unknown): string => JSON.stringify({ package: { name: 'rnn-dynamics' }, v });
const write = (out: string, v: unknown, name = 'r'): Promise<string> => writeReportAtomically(out, name, async (f) => void f.set('summary.json', summary(v)));
/** A pid that no process has (Linux pids stay below 2^22). */
const DEAD = 4_194_999;

test("a user's file, directory or symbolic link at <out>/<name> is refused and left as it was", async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  writeFileSync(join(out, 'file'), 'my notes');
  mkdirSync(join(out, 'dir'));
  writeFileSync(join(out, 'dir', 'thesis.tex'), 'chapter 1');
  mkdirSync(join(out, 'elsewhere'));
  symlinkSync(join(out, 'elsewhere'), join(out, 'link'));
  mkdirSync(join(out, 'fake'));
  writeFileSync(join(out, 'fake', 'summary.json'), JSON.stringify({ package: { name: 'other-tool' } }));
  for (const name of ['file', 'dir', 'link', 'fake']) {
    await t.throwsAsync(write(out, 1, name), { instanceOf: ReportPathError, message: /is not a report written by rnn-dynamics; refusing to replace it/ }, name);
  }
  t.is(readFileSync(join(out, 'file'), 'utf8'), 'my notes');
  t.is(readFileSync(join(out, 'dir', 'thesis.tex'), 'utf8'), 'chapter 1');
  t.true(lstatSync(join(out, 'link')).isSymbolicLink());
  t.deepEqual(readdirSync(out).sort(), ['dir', 'elsewhere', 'fake', 'file', 'link']);
});

test('an empty directory and an earlier report are replaced', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  mkdirSync(join(out, 'r'));
  await write(out, 1);
  await write(out, 2);
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary(2));
});

test('--out that is a file, or lies under a file, is refused before any work', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  writeFileSync(join(out, 'f'), 'x');
  t.throws(() => checkReplaceable(join(out, 'f'), 'r'), { instanceOf: ReportPathError, message: /expected a directory, found a file/ });
  t.throws(() => checkReplaceable(join(out, 'f', 'sub'), 'r'), { instanceOf: ReportPathError, message: /found a file at/ });
  t.notThrows(() => checkReplaceable(join(out, 'new', 'deeper'), 'r'));
  t.false(existsSync(join(out, 'new')));
});

test('leftovers of dead processes are removed; an old report a killed swap left aside is put back', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  mkdirSync(join(out, `.tmp-r-${DEAD}-0123abcd`));
  mkdirSync(join(out, `.old-r-${DEAD}-89abcdef`));
  writeFileSync(join(out, `.old-r-${DEAD}-89abcdef`, 'summary.json'), summary('old'));
  mkdirSync(join(out, `.tmp-r-${process.pid}-00000000`)); // a live writer's: kept
  mkdirSync(join(out, `.tmp-other-${DEAD}-00000000`)); // another report's: not this name's business
  cleanLeftovers(out, 'r');
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary('old'));
  t.deepEqual(readdirSync(out).sort(), [`.tmp-other-${DEAD}-00000000`, `.tmp-r-${process.pid}-00000000`, 'r']);
});

test('one writer per report name: a live lock is refused, a dead one taken over', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  writeFileSync(join(out, '.lock-r'), `${process.ppid}\n`);
  await t.throwsAsync(write(out, 1), { instanceOf: ReportPathError, message: /is being written by another rnn-dynamics process/ });
  t.false(existsSync(join(out, 'r')));
  writeFileSync(join(out, '.lock-r'), `${DEAD}\n`);
  await write(out, 1);
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary(1));
  t.deepEqual(readdirSync(out), ['r']);
  const lock = lockReport(out, 'q');
  t.throws(() => lockReport(out, 'q'), { instanceOf: ReportPathError, message: /written twice in one run/ });
  lock.release();
  t.notThrows(() => lockReport(out, 'q').release());
});

test('a lock left by the orphaned child of a killed run (its supervisor gone) is waited for; a supervised live one is refused', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const ready = join(out, 'ready');
  const go = join(out, 'go');
  // the orphan: runs until it sees \`go\`, then ends 1 s later (as an orphaned child ends at its next tick)
  const orphan = spawn(
    process.execPath,
    ['-e', `const fs = require('fs'); fs.writeFileSync(process.argv[1], ''); const iv = setInterval(() => { if (fs.existsSync(process.argv[2])) { clearInterval(iv); setTimeout(() => process.exit(0), 1000); } }, 20);`, ready, go],
    { stdio: 'ignore' },
  );
  const supervisor = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => supervisor.on('exit', r));
  while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
  writeFileSync(join(out, '.lock-r'), `${orphan.pid} ${supervisor.pid}\n`);
  writeFileSync(go, '');
  const lock = lockReport(out, 'r'); // blocks until the orphan has ended
  t.false(processAlive(orphan.pid!), 'the orphan was still running (not gone, not a zombie) when the lock was taken');
  t.regex(readFileSync(join(out, '.lock-r'), 'utf8'), new RegExp(`^${process.pid} \\d+\n$`));
  lock.release();
  // the same holder with a live supervisor (this test process) is another run at work: refused at once
  const worker = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.teardown(() => worker.kill());
  writeFileSync(join(out, '.lock-r'), `${worker.pid} ${process.pid}\n`);
  const t0 = Date.now();
  t.throws(() => lockReport(out, 'r'), { instanceOf: ReportPathError, message: new RegExp(`another rnn-dynamics process \\(pid ${worker.pid}\\)`) });
  t.true(Date.now() - t0 < ORPHAN_WAIT_MS / 2, 'refused without waiting for the orphan timeout');
});

test('modes come from the umask (the report is as readable as any file the user makes)', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const mask = process.umask();
  await write(out, 1);
  t.is(statSync(join(out, 'r')).mode & 0o777, 0o777 & ~mask);
  t.is(statSync(join(out, 'r', 'summary.json')).mode & 0o777, 0o666 & ~mask);
});

test('a reader polling <out>/<name> during 15 replacements always finds a complete report', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  await write(out, 0);
  const probeA = join(out, 'probe-a');
  mkdirSync(probeA);
  mkdirSync(join(out, 'probe-b'));
  const exchange = exchangePaths(probeA, join(out, 'probe-b'));
  const reader = spawn(
    process.execPath,
    ['-e', `
      const fs = require('fs'); let reads = 0, misses = 0;
      const stop = () => { process.stdout.write(JSON.stringify({ reads, misses })); process.exit(0); };
      process.on('SIGTERM', stop);
      (function loop() {
        for (let i = 0; i < 200; i++) {
          try { JSON.parse(fs.readFileSync(${JSON.stringify(join(out, 'r', 'summary.json'))}, 'utf8')).v; reads++; } catch { misses++; }
        }
        setImmediate(loop);
      })();
      process.stdout.write('ready\\n');
    `],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  reader.stdout.on('data', (d: Buffer) => (text += d.toString()));
  await new Promise<void>((res) => reader.stdout.once('data', () => res()));
  for (let v = 1; v <= 15; v++) await write(out, v);
  // 'close', not 'exit': the reader's last stdout data can arrive after its exit event
  const done = new Promise<void>((res) => reader.on('close', () => res()));
  reader.kill('SIGTERM');
  await done;
  const { reads, misses } = JSON.parse(text.replace('ready\n', '')) as { reads: number; misses: number };
  t.true(reads > 0);
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary(15));
  if (exchange) t.is(misses, 0, `${misses} of ${reads + misses} reads found no report`);
  else t.log(`renameat2(RENAME_EXCHANGE) is not reachable here: ${misses} reads fell into the two-rename gap`);
  t.deepEqual(readdirSync(out).filter((e) => e.startsWith('.')), []);
});
