/**
 * Shards: the i-th of N subsets is deterministic and the N subsets partition the sweep; the report
 * merged from N shards has the unsharded run's summary.json bit for bit for N = 1, 2, 3, 7 (and
 * whatever order the shards ran in); a merge with a shard missing, or with shards of two scenarios,
 * is refused with what to do; and the same through the command line (run --shard, status, merge).
 */
import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/index.ts';
import { runLoaded } from '../../src/scenario/run.ts';
import { SweepInputError } from '../../src/sweeps/journal.ts';
import { mergeShards, parseShard, runJournaled, shardJobs, shardsDir } from '../../src/sweeps/shards.ts';
import { trainingJobList } from '../../src/training/sweep.ts';
import { smallAddingSweep, smallLatchSweep, summaryText, writeScenario } from '../helpers/small-sweep.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the N shards partition the job list: disjoint, complete, deterministic, sizes within one', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (L, N) => {
      const jobs = Array.from({ length: L }, (_, i) => ({ id: `j=${i}`, seed: i, input: i }));
      const parts = Array.from({ length: N }, (_, i) => shardJobs(jobs, { index: i, count: N }));
      const all = parts.flat().map((j) => j.id);
      const sizes = parts.map((p) => p.length);
      return (
        all.length === L &&
        new Set(all).size === L &&
        Math.max(...sizes) - Math.min(...sizes) <= 1 &&
        parts.every((p, i) => JSON.stringify(p) === JSON.stringify(shardJobs(jobs, { index: i, count: N })))
      );
    }),
    { seed: 14 },
  );
  t.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '1', '1/2/3']) t.throws(() => parseShard(bad), { instanceOf: SweepInputError, message: /expected i\/N/ });
});

test("a training job's id and seed come from its coordinates, not from its position", (t) => {
  const spec = { task: { name: 'adding-le2015' as const }, lags: [6, 10], models: [{ kind: 'rnn-tanh' as const, n: 2 }, { kind: 'lstm-forget' as const, n: 2 }], repetitions: 2, training: {}, seed: 9 };
  const a = trainingJobList(spec).jobs;
  const b = trainingJobList({ ...spec, models: [...spec.models].reverse(), lags: [10, 6] }).jobs;
  t.is(a[0]!.id, 'model=rnn-tanh,T=6,repetition=0');
  for (const j of a) {
    const k = b.find((x) => x.id === j.id)!;
    t.is(k.seed, j.seed);
    t.deepEqual(k.input.model, j.input.model);
  }
  t.is(new Set(a.map((j) => j.id)).size, a.length);
});

test('the report merged from N shards has the unsharded summary bit for bit, N = 1, 2, 3, 7', async (t) => {
  const loaded = loadScenario(smallAddingSweep());
  const reference = summaryText((await runLoaded(loaded)).summary);
  for (const N of [1, 2, 3, 7]) {
    const out = mkdtempSync(join(tmpdir(), `shards-${N}-`));
    // shards in reverse order: the order in which they ran must not matter
    for (let i = N - 1; i >= 0; i--) {
      const r = await runJournaled(loaded, { outDir: out, shard: { index: i, count: N } });
      t.is(r.kind, 'shard');
      if (r.kind === 'shard') t.is(r.assigned, Math.ceil((12 - i) / N), `shard ${i}/${N}`);
    }
    const merged = await mergeShards([shardsDir(out, 'small-adding-sweep')]);
    t.is(merged.shards, N);
    t.is(summaryText(merged.outcome.summary), reference, `N = ${N}`);
  }
});

test('the feed-forward training grid shards too: 3 shards merge to the unsharded summary', async (t) => {
  const loaded = loadScenario({
    name: 'small-ff-training', kind: 'feedforward-training-by-depth', description: 'A small grid.', seed: 2,
    params: { task: { inputSize: 4, teacherHidden: 4, classes: 2, teacherSeed: 7 }, trainSize: 64, testSize: 64, width: 4, depths: [2, 3], referenceDepth: 2, steps: 20, evalEvery: 10 },
    charts: ['accuracy-by-depth'],
  });
  const reference = summaryText((await runLoaded(loaded)).summary);
  const out = mkdtempSync(join(tmpdir(), 'shards-ff-'));
  for (let i = 0; i < 3; i++) t.is((await runJournaled(loaded, { outDir: out, shard: { index: i, count: 3 } })).kind, 'shard');
  t.is(summaryText((await mergeShards([shardsDir(out, 'small-ff-training')])).outcome.summary), reference);
});

test('merge refuses a missing shard (naming it) and shards of two scenarios', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'shards-missing-'));
  const a = loadScenario(smallLatchSweep({ lags: [5, 10], repetitions: 3 }));
  for (const i of [0, 2]) await runJournaled(a, { outDir: out, shard: { index: i, count: 3 } });
  const dir = shardsDir(out, 'small-latch-sweep');
  const missing = await t.throwsAsync(mergeShards([dir]), { instanceOf: SweepInputError });
  t.regex(missing!.message, /2 of 6 training jobs have no result in .* \(shard 1\/3: 2\); run the missing shards/);

  const other = mkdtempSync(join(tmpdir(), 'shards-other-'));
  await runJournaled(loadScenario(smallLatchSweep({ lags: [5, 10], repetitions: 4 })), { outDir: other, shard: { index: 1, count: 3 } });
  const mixed = await t.throwsAsync(mergeShards([dir, shardsDir(other, 'small-latch-sweep')]), { instanceOf: SweepInputError });
  t.regex(mixed!.message, /a shard of another scenario than/);
  await t.throwsAsync(mergeShards([join(out, 'nothing-here')]), { message: /no such file or directory/ });
});

test('command line: run --shard i/N, status, merge: the same summary.json as run, and bad input exits 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shards-cli-'));
  const scenario = smallLatchSweep({ threads: 2, lags: [5, 10, 20], repetitions: 2 });
  const file = writeScenario(dir, scenario);
  const reference = summaryText((await runLoaded(loadScenario(scenario))).summary);

  const out = join(dir, 'sharded');
  const s0 = cli(['run', file, '--out', out, '--shard', '0/2']);
  t.is(s0.code, 0, s0.stderr);
  t.regex(s0.stdout, /small-latch-sweep: shard 0\/2 done: 3 of 6 training jobs in .*shard-0-of-2\.jsonl/);
  const half = cli(['status', out]);
  t.is(half.code, 0, half.stderr);
  t.regex(half.stdout, /small-latch-sweep: 3 of 6 jobs done, 0 failed; 1 of 2 shards started; about \d+ s left\n {2}shard 0\/2: 3 of 3 done\n {2}shard 1\/2: not started\n/);
  t.is(cli(['run', file, '--out', out, '--shard', '1/2']).code, 0);
  const badFormat = cli(['merge', shardsDir(out, 'small-latch-sweep'), '--format', 'gif']);
  t.is(badFormat.code, 2);
  t.regex(badFormat.stderr, /--format: expected a comma-separated list of png, svg, pdf, html, found "gif"/);
  const m = cli(['merge', shardsDir(out, 'small-latch-sweep'), '--format', 'png,svg']);
  t.is(m.code, 0, m.stderr);
  t.regex(m.stdout, /small-latch-sweep: merged 2 of 2 shards into .*sharded\/small-latch-sweep\/ \(checks: 0 of 0 passed\)/);
  t.is(readFileSync(join(out, 'small-latch-sweep', 'summary.json'), 'utf8'), reference);
  t.true(existsSync(join(out, 'small-latch-sweep', 'success-probability.png')));
  t.true(existsSync(join(out, 'small-latch-sweep', 'success-probability.svg')));
  t.false(existsSync(join(out, 'small-latch-sweep', 'report.html')));

  // a shard run again without --resume would throw away finished work: refused
  const again = cli(['run', file, '--out', out, '--shard', '1/2']);
  t.is(again.code, 2);
  t.regex(again.stderr, /shard-1-of-2\.jsonl: a journal of an earlier run of small-latch-sweep is here \(3 finished jobs\); rerun with --resume/);

  const bad = cli(['run', file, '--shard', '2/2']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--shard: expected i\/N with N >= 1 and 0 <= i < N/);
  const doya = writeScenario(dir, { name: 'folds', kind: 'doya-bifurcation', description: 'Folds.', seed: 1, params: { w: 5 }, charts: ['bifurcation-diagram'] });
  const none = cli(['run', doya, '--out', join(dir, 'doya'), '--shard', '0/2']);
  t.is(none.code, 2);
  t.regex(none.stderr, /folds\.yaml: the doya-bifurcation study runs no sweep of jobs, so there is nothing to shard; run it without --shard/);
});

// Two Slurm array tasks of one sweep share --out on one node and overlap in time: a shard locks
// its own journal, not the report (CI once failed here: the second shard found the report locked).
test('shards of one sweep run side by side: a shard locks only itself, so a second copy of one shard is refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shards-lock-'));
  const file = writeScenario(dir, smallLatchSweep({ threads: 1, lags: [5, 10], repetitions: 1 }));
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  // a live process (this test) holds shard 1/2 and, as a full run would, the report itself
  writeFileSync(join(out, '.lock-small-latch-sweep.shard-1-of-2'), `${process.pid}\n`);
  writeFileSync(join(out, '.lock-small-latch-sweep'), `${process.pid}\n`);
  const s0 = cli(['run', file, '--out', out, '--shard', '0/2']);
  t.is(s0.code, 0, s0.stderr);
  const s1 = cli(['run', file, '--out', out, '--shard', '1/2']);
  t.is(s1.code, 2);
  t.regex(s1.stderr, new RegExp(`small-latch-sweep\\.shard-1-of-2 is being written by another rnn-dynamics process \\(pid ${process.pid}\\)`));
  t.false(existsSync(join(shardsDir(out, 'small-latch-sweep'), 'shard-1-of-2.jsonl')));
});
