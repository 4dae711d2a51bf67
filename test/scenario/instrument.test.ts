/**
 * The command line as a research instrument: no silent disagreement (warnings on stderr and in
 * report.md, --strict exits 1), compare, scenario arguments (directories, quoted globs, stdin),
 * check paths refused before running, the plain progress line when piped, and the exit codes.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess } from '../helpers/cli.ts';

const cheap = (name: string, params: string): string => `name: ${name}
kind: doya-bifurcation
description: Folds of the one-neuron network.
seed: 1
params: { branchPoints: 20, ramp: { rate: 0.01 }, twoParameter: { points: 20 }, ${params} }
charts: [bifurcation-diagram, hysteresis]
`;

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'instrument-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test.serial('a set-up the study finds invalid warns on stderr and in report.md; --strict exits 1', async (t) => {
  // w = 7 with the old fixed window: the lower fold (b = -4.22) lies outside [-3, -2]
  const dir = dirWith({ 'w7.yaml': cheap('w7', 'w: 7, bMin: -3, bMax: -2') });
  const file = join(dir, 'w7.yaml');
  const r = await cliInProcess(['run', file, '--out', join(dir, 'out')]);
  t.is(r.code, 0, 'without --strict warnings do not fail the run');
  t.true(r.stderr.includes(`${file}: warning: the bias window [-3, -2] does not contain both folds`), r.stderr);
  t.regex(r.stderr, /warning: theory disagrees: down-ramp jump b .*\(tolerance: relative 15 % on the lag \(leading-order law\), fold inside the window\)/);
  const md = readFileSync(join(dir, 'out', 'w7', 'report.md'), 'utf8');
  t.regex(md, /## ⚠️ Warnings \(2\)/);
  t.regex(md, /\| Quantity \| Theory \| Measured \| Agrees \| Tolerance \| Source \|/);
  t.notRegex(md, /only jumps once that branch has disappeared/, 'the prose does not narrate a jump that was not measured');
  const summary = JSON.parse(readFileSync(join(dir, 'out', 'w7', 'summary.json'), 'utf8'));
  t.is(summary.warnings.length, 2);

  const strict = await cliInProcess(['run', file, '--strict', '--json', '--out', join(dir, 'strict')]);
  t.is(strict.code, 1);
  t.is(JSON.parse(strict.stdout.trim()).status, 1);
  t.regex(strict.stderr, /--strict: the run has warnings/);

  // the window derived from w holds both folds: no warning, --strict passes
  const derived = dirWith({ 'w7.yaml': cheap('w7', 'w: 7') });
  const ok = await cliInProcess(['run', join(derived, 'w7.yaml'), '--strict', '--out', join(derived, 'out')]);
  t.is(ok.code, 0, ok.stderr);
  t.notRegex(ok.stderr, /warning/);
  t.deepEqual(JSON.parse(readFileSync(join(derived, 'out', 'w7', 'summary.json'), 'utf8')).window, { bMin: -4.58673291576, bMax: -2.41326708424 });
});

test.serial('compare writes changed parameters, numbers side by side with relative change, and overlaid charts', async (t) => {
  const dir = dirWith({ 'a.yaml': cheap('fold-a', 'w: 5'), 'b.yaml': cheap('fold-b', 'w: 6') });
  const out = join(dir, 'out');
  t.is((await cliInProcess(['run', dir, '--out', out])).code, 0, 'a directory argument runs its *.yaml');
  const r = await cliInProcess(['compare', join(out, 'fold-a'), join(out, 'fold-b'), '--out', out]);
  t.is(r.code, 0, r.stderr);
  const cmp = join(out, 'compare-fold-a-vs-fold-b');
  const md = readFileSync(join(cmp, 'report.md'), 'utf8');
  t.regex(md, /\| params\.w \| 5 \| 6 \|/);
  t.regex(md, /\| bistableInterval\.width \| 0\.311221 \| 0\.830186 \| \+167% \|/);
  t.true(existsSync(join(cmp, 'compare-bifurcation-diagram.png')));
  t.true(existsSync(join(cmp, 'compare-hysteresis.png')));
  const s = JSON.parse(readFileSync(join(cmp, 'summary.json'), 'utf8'));
  t.deepEqual(s.charts, ['compare-bifurcation-diagram', 'compare-hysteresis']);
  const missing = await cliInProcess(['compare', join(out, 'fold-a'), join(dir, 'nothing'), '--out', out]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /nothing: expected a report directory with summary\.json/);
});

test.serial('quoted globs expand; a glob that matches nothing, a missing file and a bad check path exit 2 before any work', async (t) => {
  const dir = dirWith({ 'a.yaml': cheap('glob-a', 'w: 5'), 'b.yaml': cheap('glob-b', 'w: 5.5') });
  const v = await cliInProcess(['validate', join(dir, '*.yaml')]);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, /a\.yaml: valid doya-bifurcation scenario "glob-a" \(estimate: [^\n]*\)\n.*b\.yaml: valid/);
  const none = await cliInProcess(['validate', join(dir, '*.yml')]);
  t.is(none.code, 2);
  t.regex(none.stderr, /expected the pattern to match scenario files, found none/);
  const empty = mkdtempSync(join(tmpdir(), 'empty-'));
  mkdirSync(join(empty, 'sub'));
  t.is((await cliInProcess(['validate', join(empty, 'sub')])).code, 2);
  const gone = await cliInProcess(['run', join(dir, 'gone.yaml'), '--out', join(dir, 'out')]);
  t.is(gone.code, 2);
  t.regex(gone.stderr, /gone\.yaml: cannot read the scenario: no such file/);
  writeFileSync(join(dir, 'c.yaml'), `${cheap('glob-c', 'w: 5')}checks:\n  - path: foldPoint[0].b\n    max: 0\n  - path: hysteresis.foldsInWindow\n    min: 1\n`);
  const paths = await cliInProcess(['run', join(dir, 'c.yaml'), '--out', join(dir, 'out')]);
  t.is(paths.code, 2);
  t.regex(paths.stderr, /checks\[0\]\.path: no summary path foldPoint\[0\]\.b: the summary has no field "foldPoint"; did you mean foldPoints\[0\]\.b\?/);
  t.regex(paths.stderr, /checks\[1\]\.path: summary path hysteresis\.foldsInWindow is a boolean; expected\/min\/max need a number/);
  t.false(existsSync(join(dir, 'out')));
  const badOption = await cliInProcess(['run', join(dir, 'a.yaml'), '--threads', 'zero']);
  t.is(badOption.code, 2);
});

test.serial('piped or under CI, a plain progress line (percent, item, elapsed, ETA) on stderr; stdout keeps one line per report', async (t) => {
  const dir = dirWith({ 'p.yaml': cheap('progress', 'w: 5') });
  process.env.RNN_DYNAMICS_PROGRESS_SECONDS = '0';
  try {
    const r = await cliInProcess(['run', join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
    t.is(r.code, 0);
    t.regex(r.stderr, /^rnn-dynamics: progress \d+% \([a-z]+\) \d+s elapsed, ETA (\d+[ms]|\d+m\d+s|\?)/m);
    t.is(r.stdout, `progress: wrote ${join(dir, 'out', 'progress')}/ (checks: 0 of 0 passed)\n`);
    const quiet = await cliInProcess(['run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--no-progress']);
    t.is(quiet.stderr, '');
  } finally {
    delete process.env.RNN_DYNAMICS_PROGRESS_SECONDS;
  }
});

test('- reads a scenario from standard input', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stdin-'));
  const r = spawnSync(process.execPath, [join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs'), 'validate', '-'], { input: cheap('from-stdin', 'w: 5'), encoding: 'utf8', cwd: dir });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^<stdin>: valid doya-bifurcation scenario "from-stdin" \(estimate: \d+ MiB, [^\n]*\)\n$/);
  const bad = spawnSync(process.execPath, [join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs'), 'validate', '-'], { input: 'name: [', encoding: 'utf8', cwd: dir });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /^<stdin>: malformed YAML at line 1/);
  // standard input has the scenario file's size limit, checked while reading
  const big = spawnSync(process.execPath, [join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs'), 'validate', '-'], {
    input: cheap('too-big', 'w: 5') + '#'.repeat(3000) + '\n',
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, RNN_DYNAMICS_MAX_SCENARIO_BYTES: '2048' },
  });
  t.is(big.status, 2);
  t.regex(big.stderr, /^<stdin>: the scenario is larger than the limit of 2(\.0)? KiB \(RNN_DYNAMICS_MAX_SCENARIO_BYTES changes it\)/);
  t.notRegex(big.stderr, /\n\s+at /);
});
