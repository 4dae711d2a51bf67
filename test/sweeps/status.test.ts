/**
 * Progress across shards: done, total and failed jobs from the journals, the shards not started,
 * and the time left from the rate of results so far.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/sweeps/journal.ts';
import { journalPath, journalRunner } from '../../src/sweeps/shards.ts';
import { formatDuration, formatStatus, sweepStatus } from '../../src/sweeps/status.ts';
import { identity, squares } from '../helpers/synthetic-jobs.ts';

test('status counts done, failed and missing shards and estimates the time left', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'status-'));
  const run = async (index: number, opts: Parameters<typeof squares>[2] = {}) => {
    const j = Journal.open(journalPath(out, 'toy', { index, count: 4 }), identity(), { index, count: 4 }, false);
    await journalRunner(j).run(squares(10, [], opts)).catch(() => {});
    j.close();
  };
  // 10 jobs in 4 shards of 3, 3, 2, 2: shard 0 whole, shard 1 with a failure, shard 2 stopped after one, shard 3 not started
  const t0 = Date.now();
  await run(0);
  await run(1, { fail: new Set(['x=5']) });
  await run(2, { stopAfter: 1 });
  const now = t0 + 60_000;
  const [s] = sweepStatus([out], now);
  t.is(s!.scenario, 'toy');
  t.is(s!.total, 10);
  t.is(s!.done, 3 + 2 + 1);
  t.is(s!.failed, 1);
  t.is(s!.shardCount, 4);
  t.false(s!.complete);
  // 6 results in about 60 s: 4 more take about 40 s
  t.true(Math.abs(s!.etaSeconds! - 40) < 2, String(s!.etaSeconds));
  const text = formatStatus([s!], now);
  t.regex(text, /^toy: 6 of 10 jobs done, 1 failed; 3 of 4 shards started; about 4\d s left\n/);
  t.regex(text, /\n {2}shard 0\/4: 3 of 3 done\n {2}shard 1\/4: 2 of 3 done, last result (59 s|1 min 0 s) ago, 1 failed\n {2}shard 2\/4: 1 of 2 done, last result (59 s|1 min 0 s) ago\n {2}shard 3\/4: not started\n$/);

  await run(3);
  const j = Journal.open(journalPath(out, 'toy', { index: 1, count: 4 }), identity(), { index: 1, count: 4 }, true);
  await journalRunner(j).run(squares(10, [])).catch(() => {});
  j.close();
  const j2 = Journal.open(journalPath(out, 'toy', { index: 2, count: 4 }), identity(), { index: 2, count: 4 }, true);
  await journalRunner(j2).run(squares(10, [])).catch(() => {});
  j2.close();
  const [done] = sweepStatus([join(out, 'toy.shards')]);
  t.true(done!.complete);
  t.is(done!.failed, 0);
  t.is(done!.etaSeconds, 0);
  t.regex(formatStatus([done!]), /^toy: 10 of 10 jobs done, 0 failed; 4 of 4 shards started; complete\n/);
  t.is(formatDuration(3725), '1 h 2 min');
  t.is(formatDuration(75), '1 min 15 s');
});
