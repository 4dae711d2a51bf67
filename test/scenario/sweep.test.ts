/**
 * Overrides and sweeps: `--set`, `--sweep` over a line and a grid (points in parallel in child
 * processes), the combined summary against the per-point `--set` runs bit for bit, a `sweep:`
 * block, `--json` lines, and the errors before any work (exit 2, nothing written).
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, parseSet, parseSweep, rangeValues, sweepPoints } from '../../src/scenario/overrides.ts';
import { cliInProcess } from '../helpers/cli.ts';

/** A doya-bifurcation scenario cheap enough to run many times (a fast ramp, coarse branches). */
const BASE = `name: folds
kind: doya-bifurcation
description: Folds of the one-neuron network.
seed: 1
params:
  w: 5
  branchPoints: 20
  ramp: { rate: 0.01, dt: 0.1 }
  twoParameter: { points: 20 }
charts: [bifurcation-diagram]
checks:
  - name: lower fold
    path: foldPoints[0].b
    max: -2
`;

function scenario(text = BASE): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
  const file = join(dir, 'folds.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

test('ranges include the stop and round to 12 digits; lists and YAML values parse', (t) => {
  t.deepEqual(rangeValues(4.5, 8, 0.5), [4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8]);
  t.deepEqual(rangeValues(0.1, 0.3, 0.1), [0.1, 0.2, 0.3]);
  t.deepEqual(parseSweep('params.w=4.5:6:0.5'), { path: 'params.w', values: [4.5, 5, 5.5, 6] });
  t.deepEqual(parseSweep('params.activation=tanh,sigmoid'), { path: 'params.activation', values: ['tanh', 'sigmoid'] });
  t.deepEqual(parseSweep('params.tableB=[-3,-2],[-2.5]'), { path: 'params.tableB', values: [[-3, -2], [-2.5]] });
  t.deepEqual(parseSet('seed=3'), { path: 'seed', value: 3 });
  t.deepEqual(parseSet('params.ramp.rate=1e-3'), { path: 'params.ramp.rate', value: 1e-3 });
  t.deepEqual(parseSet('params.runs[1].gain=2'), { path: 'params.runs[1].gain', value: 2 });
  t.throws(() => parseSet('params.w'), { message: /expected path=value/ });
  t.throws(() => parseSweep('params.w=8:4:1'), { message: /start <= stop/ });
  t.throws(() => parseSweep('params.w=1:2:0'), { message: /positive step/ });
});

test('overrides create missing objects and leave the input untouched', (t) => {
  const raw = { name: 'x', params: { w: 5 } };
  const out = applyOverrides(raw, [parseSet('params.ramp.rate=0.01'), parseSet('params.w=6'), parseSet('seed=2')]);
  t.deepEqual(out, { name: 'x', params: { w: 6, ramp: { rate: 0.01 } }, seed: 2 });
  t.deepEqual(raw, { name: 'x', params: { w: 5 } });
});

test('a grid lists the first parameter outermost, with ordered point directories', (t) => {
  const points = sweepPoints([parseSweep('params.w=5,6'), parseSweep('params.ramp.rate=0.01,0.02,0.04')]);
  t.is(points.length, 6);
  t.deepEqual(points.map((p) => p.values['params.w']), [5, 5, 5, 6, 6, 6]);
  t.deepEqual(points.map((p) => p.values['params.ramp.rate']), [0.01, 0.02, 0.04, 0.01, 0.02, 0.04]);
  t.is(points[4]!.dir, '5-w=6,ramp.rate=0.02');
});

test.serial('--set changes a parameter and the seed before validation', async (t) => {
  const { dir, file } = scenario();
  const r = await cliInProcess(['run', file, '--set', 'params.w=6', '--set', 'seed=3', '--out', join(dir, 'out')]);
  t.is(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out', 'folds', 'summary.json'), 'utf8'));
  t.is(s.w, 6);
  t.is(s.scenario.seed, 3);
  t.is(s.window.bMin, -3.62263936597, 'the window is derived from the overridden w');
  const bad = await cliInProcess(['run', file, '--set', 'params.w=three', '--out', join(dir, 'bad')]);
  t.is(bad.code, 2);
  t.true(bad.stderr.includes(`${file}: params.w: expected number, found string "three"`));
  t.false(existsSync(join(dir, 'bad')));
});

test.serial('a 1-D sweep in parallel: one combined report whose point summaries equal the --set runs bit for bit; --json lines', async (t) => {
  const { dir, file } = scenario();
  const out = join(dir, 'out');
  const r = await cliInProcess(['run', file, '--sweep', 'params.w=5:6:0.5', '--plot', 'bistableInterval.width', '--threads', '2', '--json', '--out', out]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(lines.length, 4, 'three points and the combined report');
  t.deepEqual(lines.slice(0, 3).map((l) => (l.point as Record<string, number>)['params.w']).sort(), [5, 5.5, 6]);
  const last = lines[3]!;
  t.is(last.name, 'folds');
  t.is(last.dir, join(out, 'folds'));
  t.is(last.status, 0);
  t.deepEqual(last.checks, { passed: 3, total: 3, failed: [] });

  const combined = JSON.parse(readFileSync(join(out, 'folds', 'summary.json'), 'utf8'));
  t.deepEqual(combined.sweep, { over: [{ path: 'params.w', values: [5, 5.5, 6] }], plot: ['bistableInterval.width'] });
  t.is(combined.points.length, 3);
  for (const point of combined.points) {
    const w = point.values['params.w'];
    const single = await cliInProcess(['run', file, '--set', `params.w=${w}`, '--out', join(dir, `single-${w}`)]);
    t.is(single.code, 0, single.stderr);
    const text = readFileSync(join(dir, `single-${w}`, 'folds', 'summary.json'), 'utf8');
    t.is(JSON.stringify(point.summary, null, 2) + '\n', text, `point w = ${w} inside the combined summary`);
    t.is(readFileSync(join(out, 'folds', point.dir, 'summary.json'), 'utf8'), text, `point w = ${w} in its own directory`);
  }
  const md = readFileSync(join(out, 'folds', 'report.md'), 'utf8');
  t.regex(md, /\| \[1-w=5\]\(points\/1-w=5\/report\.md\) \| 5 \| ✅ 1 of 1 \| — \| 0\.311221 \|/);
  t.true(existsSync(join(out, 'folds', 'sweep-bistableinterval-width.png')));
  t.true(existsSync(join(out, 'folds', 'points', '2-w=5.5', 'bifurcation-diagram.png')));
});

test.serial('a 2-D sweep from a sweep: block: a grid of points, a series per value of the second parameter, the same summaries as the --set runs', async (t) => {
  const { dir, file } = scenario(`${BASE}sweep:\n  over:\n    params.w: [5, 6]\n    params.ramp.rate: 0.01:0.02:0.01\n  plot: [hysteresis.upLag]\n  threads: 1\n`);
  const out = join(dir, 'out');
  const r = await cliInProcess(['run', file, '--out', out]);
  t.is(r.code, 0, r.stderr);
  const combined = JSON.parse(readFileSync(join(out, 'folds', 'summary.json'), 'utf8'));
  t.is(combined.points.length, 4);
  t.truthy(combined.scenario.sweep, 'the combined summary echoes the sweep block');
  const csv = readFileSync(join(out, 'folds', 'sweep-hysteresis-uplag.csv'), 'utf8');
  t.regex(csv, /^series,params\.w,hysteresis\.upLag\nparams\.ramp\.rate = 0\.01,5,/);
  t.regex(csv, /\nparams\.ramp\.rate = 0\.02,6,/);
  // the point (w = 6, rate = 0.02) is the scenario without its sweep block with those values set
  const plain = scenario();
  const single = await cliInProcess(['run', plain.file, '--set', 'params.w=6', '--set', 'params.ramp.rate=0.02', '--out', join(plain.dir, 'out')]);
  t.is(single.code, 0, single.stderr);
  t.is(JSON.stringify(combined.points[3].summary, null, 2) + '\n', readFileSync(join(plain.dir, 'out', 'folds', 'summary.json'), 'utf8'));
});

test.serial('sweep errors come before any work: a bad point value, a misspelt plot path, three parameters', async (t) => {
  const { dir, file } = scenario();
  const out = join(dir, 'out');
  const bad = await cliInProcess(['run', file, '--sweep', 'params.w=3:5:1', '--out', out]);
  t.is(bad.code, 2);
  t.true(bad.stderr.includes(`${file}: sweep point 1-w=3: params.w: expected a number > 4, found number 3`), bad.stderr);
  const plot = await cliInProcess(['run', file, '--sweep', 'params.w=5,6', '--plot', 'bistableInterval.widht', '--out', out]);
  t.is(plot.code, 2);
  t.regex(plot.stderr, /did you mean bistableInterval\.width\?/);
  const three = await cliInProcess(['run', file, '--sweep', 'params.w=5,6', '--sweep', 'seed=1,2', '--sweep', 'params.branchPoints=20,30', '--out', out]);
  t.is(three.code, 2);
  t.regex(three.stderr, /one parameter \(a line\) or two \(a grid\), found 3/);
  const syntax = await cliInProcess(['run', file, '--sweep', 'params.w', '--out', out]);
  t.is(syntax.code, 2);
  t.false(existsSync(out));
});
