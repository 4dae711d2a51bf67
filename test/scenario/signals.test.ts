/**
 * Signals through the real entry point (src/cli/rnn-dynamics.mjs and its supervisor): SIGINT and
 * SIGTERM end a run with one line and exit 130 / 143, leaving no temporary directory, no lock and
 * no report; when the supervisor itself is killed, the computing process ends instead of writing
 * its report later as an orphan.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../src/report/write.ts';
import { STACK } from '../helpers/cli-in-process.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');

/** A run that takes minutes, with a progress tick every fraction of a second. */
const SLOW = `name: slow
kind: rnn-lyapunov-vs-gain
description: a long run to interrupt
seed: 1
params:
  n: 100
  steps: 20000
  transient: 0
  gainMin: 0.5
  gainMax: 2
  gainStep: 0.01
  spectrumGains: []
  spectrumExponents: 10
  productGains: []
`;

interface Started {
  proc: ChildProcess;
  out: string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

async function startSlow(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'sig-'));
  const file = join(dir, 'slow.yaml');
  writeFileSync(file, SLOW);
  const out = join(dir, 'out');
  const proc = spawn(process.execPath, [BIN, 'run', file, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => proc.on('exit', (code, signal) => res({ code, signal, stderr })));
  // the lock appears when the scenario is valid and the study is about to compute
  let exited = false;
  void done.then(() => (exited = true));
  for (let i = 0; i < 1200 && !exited && !existsSync(join(out, '.lock-slow')); i++) await new Promise((r) => setTimeout(r, 100));
  if (exited) throw new Error(`the slow run ended before it was interrupted: ${(await done).stderr}`);
  await new Promise((r) => setTimeout(r, 500));
  return { proc, out, done };
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test.serial(`${signal} ends a run with one line, exit ${code}, and nothing left in --out`, async (t) => {
    const { proc, out, done } = await startSlow();
    t.true(existsSync(join(out, '.lock-slow')), 'the run started');
    proc.kill(signal);
    const r = await done;
    t.is(r.code, code);
    t.regex(r.stderr, new RegExp(`^rnn-dynamics: interrupted by ${signal} while running slow; reports already written are kept`, 'm'));
    t.notRegex(r.stderr, STACK);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.deepEqual(readdirSync(out), []);
  });
}

test.serial('a killed supervisor takes its computing process with it (no orphan writes a report later)', async (t) => {
  const { proc, out, done } = await startSlow();
  const ps = spawn('pgrep', ['-P', String(proc.pid)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let pids = '';
  ps.stdout.on('data', (d: Buffer) => (pids += d.toString()));
  await new Promise((r) => ps.on('exit', r));
  const child = Number.parseInt(pids, 10);
  t.true(Number.isInteger(child), 'the supervisor has a computing child');
  proc.kill('SIGKILL');
  await done;
  let alive = true;
  for (let i = 0; i < 300 && alive; i++) {
    await new Promise((r) => setTimeout(r, 100));
    // gone, or a zombie waiting for whichever process adopted it to reap it
    alive = processAlive(child);
  }
  t.false(alive, 'the orphaned computing process ended');
  t.false(existsSync(join(out, 'slow')));
  t.deepEqual(readdirSync(out), []);
});

test('a computing process whose supervisor was killed before it started does no work: no lock, no report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sig-'));
  const file = join(dir, 'quick.yaml');
  writeFileSync(file, 'name: quick\nkind: doya-bifurcation\ndescription: a quick run\nseed: 1\nparams:\n  w: 5\n');
  const out = join(dir, 'out');
  // a supervisor that has already ended: its pid is in the environment, but it is not our parent
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => gone.on('exit', r));
  const proc = spawn(process.execPath, [BIN, 'run', file, '--out', out], {
    env: { ...process.env, CI: 'true', RNN_DYNAMICS_SUPERVISED: String(gone.pid) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((r) => proc.on('exit', r));
  t.is(code, 143, stderr);
  t.false(existsSync(join(out, 'quick')));
  t.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
});
