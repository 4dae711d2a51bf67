/**
 * A failing run never leaves a half-written report over an older good one.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReportAtomically } from '../../src/report/write.ts';
import { runLoaded } from '../../src/scenario/run.ts';
import { validateScenario } from '../../src/scenario/load.ts';
import { TOY_STUDIES, toyScenario } from '../helpers/toy-study.ts';

/** A summary.json that marks a report as this tool's, with a payload to tell versions apart. */
const summary = (v: unknown): string => JSON.stringify({ package: { name: 'rnn-dynamics' }, v });

test('a failure while producing leaves the older report and no temporary directory', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  await writeReportAtomically(out, 'r', async (files) => {
    files.set('summary.json', summary('good'));
  });
  await t.throwsAsync(
    writeReportAtomically(out, 'r', async (files) => {
      files.set('summary.json', summary('half'));
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary('good'));
  t.deepEqual(readdirSync(out), ['r']);
});

test('a successful write replaces the old report whole (no stale files)', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  await writeReportAtomically(out, 'r', async (f) => {
    f.set('old.png', 'x');
    f.set('summary.json', summary(1));
  });
  await writeReportAtomically(out, 'r', async (f) => {
    f.set('summary.json', summary(2));
  });
  t.deepEqual(readdirSync(join(out, 'r')), ['summary.json']);
  t.is(readFileSync(join(out, 'r', 'summary.json'), 'utf8'), summary(2));
  t.deepEqual(readdirSync(out), ['r']);
});

test('a study that throws writes nothing over the good report', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const good = validateScenario(toyScenario(), 'toy.yaml', '.', TOY_STUDIES);
  await runLoaded(good, { outDir: out });
  const before = readFileSync(join(out, 'toy', 'summary.json'), 'utf8');
  const bad = validateScenario(toyScenario({ params: { a: 3, fail: true } }), 'toy.yaml', '.', TOY_STUDIES);
  await t.throwsAsync(runLoaded(bad, { outDir: out }), { message: 'deliberate failure' });
  t.is(readFileSync(join(out, 'toy', 'summary.json'), 'utf8'), before);
  t.deepEqual(readdirSync(out), ['toy']);
});

test('a report holds a PNG and CSV per chart, summary.json and report.md', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const l = validateScenario(toyScenario({ checks: [{ name: 'peak is a', path: 'peak', expected: 3, tolerance: 0 }] }), 'toy.yaml', '.', TOY_STUDIES);
  const { summary, reportDir } = await runLoaded(l, { outDir: out });
  t.deepEqual(readdirSync(reportDir!).sort(), ['noise.csv', 'noise.png', 'parabola.csv', 'parabola.png', 'report.html', 'report.md', 'summary.json']);
  const png = readFileSync(join(reportDir!, 'parabola.png'));
  t.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  t.is(png.readUInt32BE(16), 1200);
  t.is(png.readUInt32BE(20), 800);
  const json = JSON.parse(readFileSync(join(reportDir!, 'summary.json'), 'utf8'));
  t.deepEqual(json, JSON.parse(JSON.stringify(summary)));
  t.is(json.package.name, 'rnn-dynamics');
  t.deepEqual(json.scenario.params, { a: 3, points: 11, fail: false });
  t.true(json.checksPassed);
  t.deepEqual(json.values.length, 11);
  const md = readFileSync(join(reportDir!, 'report.md'), 'utf8');
  t.regex(md, /!\[Parabola\]\(parabola\.png\)/);
  t.regex(md, /\| peak is a \| 3 \| 3 ± 0 \| ✓ pass \|/);
  t.regex(readFileSync(join(reportDir!, 'parabola.csv'), 'utf8'), /^series,x,y\na x\^2,-1,3\n/);
  t.false(existsSync(join(out, 'toy', '.tmp')));
});

test('chart selection draws only the charts asked for', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const l = validateScenario(toyScenario({ charts: ['noise'] }), 'toy.yaml', '.', TOY_STUDIES);
  const { reportDir } = await runLoaded(l, { outDir: out });
  t.deepEqual(readdirSync(reportDir!).filter((f) => f.endsWith('.png')), ['noise.png']);
});

test('the same scenario gives the same summary.json bit for bit', async (t) => {
  const a = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const b = mkdtempSync(join(tmpdir(), 'rnnd-'));
  const l = validateScenario(toyScenario(), 'toy.yaml', '.', TOY_STUDIES);
  await runLoaded(l, { outDir: a });
  await runLoaded(l, { outDir: b });
  t.is(readFileSync(join(a, 'toy', 'summary.json'), 'utf8'), readFileSync(join(b, 'toy', 'summary.json'), 'utf8'));
});
