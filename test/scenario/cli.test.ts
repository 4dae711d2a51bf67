/**
 * The command line: exit codes (0 ok, 1 failed check, 2 bad input), nothing written for a bad
 * file, reports written for good ones, the JSON Schema, and summary.json bit for bit across runs.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function scenarioFile(dir: string, name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const GOOD = `name: fold-check
kind: doya-bifurcation
description: Folds of the w = 5 network.
seed: 1
params:
  w: 5
  bMin: -3
  bMax: -2
charts: [bifurcation-diagram]
checks:
  - name: lower fold
    path: foldPoints[0].b
    expected: -2.65561
    tolerance: 1.0e-5
`;

test('--help and list exit 0 and name every study', (t) => {
  const h = cli(['--help']);
  t.is(h.code, 0);
  t.regex(h.stdout, /run \[options\] <files\.\.\.>/);
  t.is(cli(['run', '--help']).code, 0);
  const l = cli(['list']);
  t.is(l.code, 0);
  t.regex(l.stdout, /^doya-bifurcation\s+One-neuron/m);
});

test('an unknown command or option exits 2', (t) => {
  t.is(cli(['frobnicate']).code, 2);
  t.is(cli(['run', '--bogus', 'x.yaml']).code, 2);
});

test('schema prints a JSON Schema with a branch per study kind', (t) => {
  const r = cli(['schema']);
  t.is(r.code, 0);
  const schema = JSON.parse(r.stdout);
  const text = JSON.stringify(schema);
  t.true(text.includes('"doya-bifurcation"'));
  t.true(text.includes('"rnn-jacobian-norms"'));
  t.regex(text, /Report directory name/);
});

test('a bad file exits 2, names file and field, and writes nothing (even beside a good file)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const good = scenarioFile(dir, 'good.yaml', GOOD);
  const bad = scenarioFile(dir, 'bad.yaml', GOOD.replace('w: 5', 'w: five').replace('seed: 1', 'seed: -4'));
  const out = join(dir, 'reports');
  const r = cli(['run', good, bad, '--out', out]);
  t.is(r.code, 2);
  t.true(r.stderr.includes(`${bad}: params.w: expected number, found string "five"`));
  t.true(r.stderr.includes(`${bad}: seed: expected a number >= 0, found number -4`));
  t.false(existsSync(out));
  t.is(cli(['validate', bad]).code, 2);
  t.is(cli(['validate', join(dir, 'missing.yaml')]).code, 2);
});

test('malformed YAML exits 2 with the line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const f = scenarioFile(dir, 'broken.yaml', 'name: x\nkind: doya-bifurcation\nparams: {w: 5\n');
  const r = cli(['validate', f]);
  t.is(r.code, 2);
  t.regex(r.stderr, /broken\.yaml: malformed YAML at line \d+, column \d+/);
});

test('validate exits 0 for the default scenarios', (t) => {
  const files = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => join('scenarios', f));
  const r = cli(['validate', ...files]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').length, files.length);
});

test('run writes the report, exits 0, and the same scenario gives the same summary.json bit for bit', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const f = scenarioFile(dir, 'good.yaml', GOOD);
  const a = cli(['run', f, '--out', join(dir, 'a')]);
  t.is(a.code, 0, a.stderr);
  t.is(a.stdout, `fold-check: wrote ${join(dir, 'a', 'fold-check')}/ (checks: 1 of 1 passed)\n`);
  t.is(cli(['run', f, '--out', join(dir, 'b')]).code, 0);
  const sa = readFileSync(join(dir, 'a', 'fold-check', 'summary.json'));
  t.true(sa.equals(readFileSync(join(dir, 'b', 'fold-check', 'summary.json'))));
  const files = readdirSync(join(dir, 'a', 'fold-check'));
  for (const f of ['bifurcation-diagram.png', 'bifurcation-diagram.csv', 'report.md', 'summary.json']) t.true(files.includes(f), f);
  t.deepEqual(files.filter((f) => f.endsWith('.png')), ['bifurcation-diagram.png']);
});

test('a failing declared check exits 1 and still writes the report showing the failure', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const f = scenarioFile(dir, 'wrong.yaml', GOOD.replace('expected: -2.65561', 'expected: -2.5'));
  const r = cli(['run', f, '--out', dir]);
  t.is(r.code, 1);
  t.regex(r.stderr, /check failed: lower fold \(foldPoints\[0\]\.b\)/);
  const summary = JSON.parse(readFileSync(join(dir, 'fold-check', 'summary.json'), 'utf8'));
  t.false(summary.checksPassed);
  t.regex(readFileSync(join(dir, 'fold-check', 'report.md'), 'utf8'), /✗ fail/);
});
