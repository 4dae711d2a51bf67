/**
 * A run killed with SIGKILL at random moments of its work and rerun with --resume ends with the
 * uninterrupted run's summary.json, bit for bit; no finished job is lost or run twice. A property
 * over kill times (fast-check, fixed seed), unsharded and as a shard, on one and two worker
 * threads. A kill comes a random time (up to 1.5 jobs' worth) after a random number of further
 * jobs has finished, so that the start-up time on a busy machine does not decide where it lands.
 */
import test from 'ava';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/index.ts';
import { runLoaded } from '../../src/scenario/run.ts';
import { readJournal } from '../../src/sweeps/journal.ts';
import { journalPath, shardsDir } from '../../src/sweeps/shards.ts';
import { smallLatchSweep, summaryText, writeScenario } from '../helpers/small-sweep.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');
const JOBS = 24;
const SCENARIO = smallLatchSweep({ name: 'kill-me', lags: [5, 10, 20, 40], repetitions: 6, steps: 200, stopAtSuccess: false, threads: null });

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
  /** ms from start until the first finished job was in the journal (null if never seen). */
  firstJobMs: number | null;
}

const doneCount = (path: string) => (existsSync(path) ? readFileSync(path, 'latin1').split(' {"type":"done"').length - 1 : 0);

/**
 * Run the CLI. With `kill`, SIGKILL it `afterMs` after its journal holds `jobs` more finished jobs
 * than at its start: kills land at a random point of the work (between jobs, in a job, just after
 * a line was written) whatever the start-up costs on a busy machine.
 */
function cli(args: string[], threads: number, journal: string, kill?: { jobs: number; afterMs: number }): Promise<Ended> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true', RNN_DYNAMICS_THREADS: String(threads) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const before = doneCount(journal);
    let firstJobMs: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      const done = doneCount(journal) - before;
      if (firstJobMs === null && done > 0) firstJobMs = Date.now() - t0;
      if (kill && timer === undefined && done >= kill.jobs) timer = setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - t0, firstJobMs });
    });
  });
}

/** The journal's intact `done` lines, verbatim. */
function doneLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const p = readJournal(path);
  return readFileSync(path)
    .subarray(0, p.intactBytes)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.includes(' {"type":"done"'));
}
const idOf = (line: string) => (JSON.parse(line.slice(line.indexOf(' ') + 1)) as { id: string }).id;

test('SIGKILL at random moments, then --resume: the reference summary, nothing finished lost or redone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kill-'));
  const file = writeScenario(dir, SCENARIO);
  const reference = summaryText((await runLoaded(loadScenario(SCENARIO))).summary);

  // an uninterrupted run: how long a job takes (the kills' offsets are drawn within one)
  const probe = join(dir, 'probe');
  const whole = await cli(['run', file, '--out', probe], 1, journalPath(probe, 'kill-me', null));
  t.is(whole.code, 0, whole.stderr);
  t.is(readFileSync(join(probe, 'kill-me', 'summary.json'), 'utf8'), reference);
  const jobMs = (whole.ms - (whole.firstJobMs ?? 0)) / (JOBS - 1);
  t.log(`uninterrupted run: ${whole.ms} ms, first job done at ${whole.firstJobMs} ms, then about ${Math.round(jobMs)} ms per job`);

  let run = 0;
  const kill = fc.record({ percentOfLeft: fc.noBias(fc.integer({ min: 0, max: 99 })), percentOfJob: fc.noBias(fc.integer({ min: 0, max: 150 })) });
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.constantFrom(1, 2), fc.array(kill, { minLength: 1, maxLength: 3 }), async (sharded, threads, kills) => {
      const out = join(dir, `run-${run++}`);
      const shardArgs = sharded ? ['--shard', '0/1'] : [];
      const journal = journalPath(out, 'kill-me', sharded ? { index: 0, count: 1 } : null);
      let kept: string[] = [];
      const seen: string[] = [];
      for (const { percentOfLeft, percentOfJob } of kills) {
        const when = { jobs: Math.floor(((JOBS - kept.length) * percentOfLeft) / 100), afterMs: Math.round((jobMs * percentOfJob) / 100) };
        const r = await cli(['run', file, '--out', out, '--resume', ...shardArgs], threads, journal, when);
        if (r.signal !== 'SIGKILL') {
          t.is(r.code, 0, r.stderr); // it finished before the kill
          seen.push(`finished before the kill (${when.jobs} more jobs + ${when.afterMs} ms)`);
          break;
        }
        const now = doneLines(journal);
        for (const line of kept) t.true(now.includes(line), `a finished job was lost: ${idOf(line)}`);
        t.is(new Set(now.map(idOf)).size, now.length, 'a finished job ran twice');
        kept = now;
        seen.push(`killed ${when.afterMs} ms after ${when.jobs} more jobs: ${now.length} journaled`);
      }
      t.log(`${sharded ? 'shard 0/1' : 'unsharded'}, ${threads} thread${threads === 1 ? '' : 's'}: ${seen.join('; ')}`);
      const last = await cli(['run', file, '--out', out, '--resume', ...shardArgs], threads, journal);
      t.is(last.code, 0, last.stderr);
      if (kept.length > 0 && kept.length < JOBS) t.regex(last.stderr, new RegExp(`resuming: ${kept.length} finished jobs? from the journal`));
      if (sharded) {
        const final = doneLines(journal);
        t.is(final.length, JOBS);
        t.is(new Set(final.map(idOf)).size, JOBS, 'a finished job ran twice');
        for (const line of kept) t.true(final.includes(line), `a finished job was lost or redone: ${idOf(line)}`);
        const m = await cli(['merge', shardsDir(out, 'kill-me')], 1, journal);
        t.is(m.code, 0, m.stderr);
      } else t.false(existsSync(journal), 'the journal is removed once the report is written');
      return readFileSync(join(out, 'kill-me', 'summary.json'), 'utf8') === reference;
    }),
    { seed: 14, numRuns: 4, endOnFailure: true },
  );
});
