/**
 * The results journal: a run stopped after any number of jobs resumes with only the unfinished
 * ones; a torn or corrupt line is detected and only the jobs it (and what follows it) held run
 * again; results come back bit for bit (NaN, -0, Infinity, typed arrays); a journal of another
 * scenario, version or shard, or an existing journal without --resume, is refused with a message
 * that says why.
 */
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeExact, encodeExact } from '../../src/sweeps/codec.ts';
import { JobsFailedError, localRunner } from '../../src/sweeps/jobs.ts';
import { formatLine, Journal, readJournal, SweepInputError, type HeaderLine } from '../../src/sweeps/journal.ts';
import { journalRunner } from '../../src/sweeps/shards.ts';
import { bits, identity, SCENARIO, squares } from '../helpers/synthetic-jobs.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'journal-')), 'toy.journal.jsonl');

async function reference(n: number): Promise<string> {
  return bits(await localRunner.run(squares(n, []), undefined));
}

test('the exact encoding brings back NaN, -0, +-Infinity, undefined and typed arrays bit for bit', (t) => {
  fc.assert(
    fc.property(fc.array(fc.double()), fc.array(fc.float()), fc.oneof(fc.double(), fc.constant(undefined)), (d, f, u) => {
      const v = { d, a: new Float64Array(d), f: new Float32Array(f), u, nested: [{ n: -0 }, null, 'text', true] };
      const back = decodeExact(JSON.parse(JSON.stringify(encodeExact(v))));
      return bits(back) === bits(v) && (back as { a: Float64Array }).a instanceof Float64Array && 'u' in (back as object);
    }),
    { seed: 14, numRuns: 200 },
  );
  t.throws(() => encodeExact({ $num: 1 }), { message: /keys starting with \$/ });
  t.throws(() => encodeExact({ m: new Map() }), { message: /cannot encode a Map at \(result\)\.m/ });
});

test('stopped after any number of jobs, a resumed run runs exactly the unfinished jobs and returns the same results', async (t) => {
  const n = 12;
  const ref = await reference(n);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }), async (k1, k2) => {
      const path = tmp();
      const ran: string[] = [];
      // first attempt stops after k1 jobs, the second after k2 more, the third finishes
      for (const stopAfter of [k1, k2]) {
        const j = Journal.open(path, identity(), null, true);
        const before = new Set(j.done.keys());
        const mine: string[] = [];
        await journalRunner(j)
          .run(squares(n, mine, { stopAfter }))
          .catch(() => {});
        j.close();
        for (const id of mine) t.false(before.has(Journal.key('square', id)), `${id} was finished and ran again`);
        ran.push(...mine);
      }
      const j = Journal.open(path, identity(), null, true);
      const last: string[] = [];
      const results = await journalRunner(j).run(squares(n, last));
      j.close();
      ran.push(...last);
      t.is(j.resumed, n - last.length);
      // every job ran exactly once over the three attempts
      t.deepEqual([...ran].sort(), squares(n, []).jobs.map((x) => x.id).sort());
      return bits(results) === ref;
    }),
    { seed: 14, numRuns: 25 },
  );
});

test('a torn or corrupt last line is detected and only its job runs again', async (t) => {
  const n = 6;
  const ref = await reference(n);
  const complete = tmp();
  const j0 = Journal.open(complete, identity(), null, false);
  await journalRunner(j0).run(squares(n, []));
  j0.close();
  const good = readFileSync(complete);
  const lastStart = good.lastIndexOf(0x0a, good.byteLength - 2) + 1;
  const lastId = squares(n, []).jobs[n - 1]!.id;
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.integer({ min: lastStart, max: good.byteLength - 2 }), fc.integer({ min: 0, max: 25 }), async (torn, at, letter) => {
      const path = tmp();
      const damaged = Buffer.from(good);
      if (!torn) damaged[at] = damaged[at] === 0x61 + letter ? 0x7a - letter : 0x61 + letter; // a different letter
      writeFileSync(path, torn ? damaged.subarray(0, at + 1) : damaged);
      t.is(readJournal(path).bad.length, 1);
      const j = Journal.open(path, identity(), null, true);
      t.regex(j.notes.join('\n'), torn ? /line \d+ is torn \(no newline/ : /line \d+ is corrupt \((checksum does not match|not JSON)\)/);
      const ran: string[] = [];
      const results = await journalRunner(j).run(squares(n, ran));
      j.close();
      t.deepEqual(ran, [lastId]);
      t.is(readJournal(path).bad.length, 0);
      return bits(results) === ref;
    }),
    { seed: 14, numRuns: 30 },
  );
});

test('a corrupt line in the middle drops it and every line after it: those jobs run again', async (t) => {
  const path = tmp();
  const j0 = Journal.open(path, identity(), null, false);
  await journalRunner(j0).run(squares(6, []));
  j0.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  // line 1 header, line 2 list, lines 3..8 the six jobs: damage job 3 (line 5)
  lines[4] = lines[4]!.replace('"done"', '"dome"');
  writeFileSync(path, lines.join('\n'));
  const j = Journal.open(path, identity(), null, true);
  t.regex(j.notes[0]!, /line 5 is corrupt \(checksum does not match\)/);
  t.regex(j.notes[1]!, /3 lines after the bad one dropped too/);
  const ran: string[] = [];
  const results = await journalRunner(j).run(squares(6, ran));
  j.close();
  t.deepEqual(ran, ['x=2', 'x=3', 'x=4', 'x=5']);
  t.is(bits(results), await reference(6));
});

test('a failed job is journaled, the others are kept, and resuming runs only it', async (t) => {
  const path = tmp();
  const j = Journal.open(path, identity(), null, false);
  const err = await t.throwsAsync(journalRunner(j).run(squares(5, [], { fail: new Set(['x=1']) })), { instanceOf: JobsFailedError });
  j.close();
  t.regex(err!.message, /1 job failed \(x=1\); the first, x=1: job x=1 failed/);
  const again = Journal.open(path, identity(), null, true);
  t.is(again.resumed, 4);
  t.is(again.failed.size, 1);
  const ran: string[] = [];
  t.is(bits(await journalRunner(again).run(squares(5, ran))), await reference(5));
  again.close();
  t.deepEqual(ran, ['x=1']);
});

test('a journal of another scenario, version or shard, or one found without --resume, is refused with the reason', async (t) => {
  const path = tmp();
  const j = Journal.open(path, identity(), null, false);
  await journalRunner(j).run(squares(3, []));
  j.close();

  const notResumed = t.throws(() => Journal.open(path, identity(), null, false), { instanceOf: SweepInputError });
  t.regex(notResumed!.message, /toy\.journal\.jsonl: a journal of an earlier run of toy is here \(3 finished jobs\); rerun with --resume to continue it, or delete it to start over/);

  const other = { ...SCENARIO, params: { repetitions: 6, lags: [10, 20] } };
  const changed = t.throws(() => Journal.open(path, identity(other), null, true), { instanceOf: SweepInputError });
  t.regex(changed!.message, /written for a different scenario \(params\.repetitions: 5 in the journal, 6 now\)/);
  const lag = t.throws(() => Journal.open(path, identity({ ...SCENARIO, params: { repetitions: 5, lags: [10, 30] } }), null, true));
  t.regex(lag!.message, /params\.lags\[1\]: 20 in the journal, 30 now/);

  t.regex(t.throws(() => Journal.open(path, identity(), { index: 0, count: 2 }, true))!.message, /the journal of an unsharded run, asked to resume shard 0\/2/);

  // the same file with a header from another version (its checksum recomputed, so only the version differs)
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = JSON.parse(lines[0]!.slice(lines[0]!.indexOf(' ') + 1)) as HeaderLine;
  const old = formatLine({ ...header, package: { ...header.package, version: '0.0.1' } });
  writeFileSync(path, [old.trimEnd(), ...lines.slice(1)].join('\n'));
  t.regex(t.throws(() => Journal.open(path, identity(), null, true))!.message, /written by rnn-dynamics 0\.0\.1, this is rnn-dynamics \d+\.\d+\.\d+; its results may differ/);

  writeFileSync(path, 'hello\nworld\n');
  t.regex(t.throws(() => Journal.open(path, identity(), null, true))!.message, /not a results journal \(line 1 is corrupt/);
});

test('a journal killed while writing its header starts again', (t) => {
  const path = tmp();
  writeFileSync(path, 'abc123 {"type":"hea');
  const j = Journal.open(path, identity(), null, true);
  t.is(j.resumed, 0);
  t.regex(j.notes[0]!, /header line was torn/);
});
