/**
 * Fuzzing the edges (fast-check, fixed seeds): scenario objects, activation expressions and file
 * bytes, through the CLI in-process. Every input must end in exit 0, 1 or 2 (or 3 for a named
 * numerical fault) with a message and no stack trace, within a time and memory bound, and with
 * nothing outside --out touched. The counts are logged (t.log) for the note.
 */
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { activation } from '../../src/activations/index.ts';
import { STUDIES } from '../../src/studies/index.ts';
import { npy, weightsScenario } from '../fixtures/bad-input/cases.ts';
import { cliInProcess, snapshot, STACK, type CliResult } from '../helpers/cli-in-process.ts';
import { TOL } from '../helpers/tolerance.ts';

/** Hang and growth guards: far above what any input takes, far below "forever" and "all memory". */
const MAX_SECONDS = 60;
const MAX_RSS_GROWTH = 1 << 30;

interface Tally {
  tried: number;
  byCode: Record<number, number>;
}
const tally = (): Tally => ({ tried: 0, byCode: {} });

/** One CLI call on files in a fresh directory: checks the contract, returns the result. */
async function check(files: Record<string, string | Uint8Array>, args: (dir: string, out: string) => string[], counts: Tally): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  const out = join(dir, 'out');
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  const before = snapshot(dir);
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await cliInProcess(args(dir, out));
  const seconds = (performance.now() - t0) / 1000;
  const grown = process.memoryUsage().rss - rss;
  const after = snapshot(dir, [out]);
  rmSync(dir, { recursive: true, force: true });
  counts.tried++;
  counts.byCode[r.code] = (counts.byCode[r.code] ?? 0) + 1;
  const what = `${args(dir, out).join(' ')}\n${r.stderr.slice(0, 2000)}`;
  if (!(r.code === 0 || r.code === 1 || r.code === 2 || (r.code === 3 && /numerical fault/.test(r.stderr)))) throw new Error(`exit ${r.code}: ${what}`);
  if (r.code !== 0 && r.stderr.trim() === '') throw new Error(`exit ${r.code} without a message: ${what}`);
  if (STACK.test(r.stderr + r.stdout)) throw new Error(`a stack trace: ${what}`);
  if (seconds > MAX_SECONDS) throw new Error(`${seconds.toFixed(1)} s: ${what}`);
  if (grown > MAX_RSS_GROWTH) throw new Error(`the process grew by ${(grown / 2 ** 20).toFixed(0)} MiB: ${what}`);
  if (JSON.stringify([...after]) !== JSON.stringify([...before])) throw new Error(`files outside --out changed: ${what}`);
  return r;
}

// --- scenario objects: a study's kind with fields and params from defaults, perturbed at random
const json: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(0, -1, 1e308, -1e308, 1e-320, 1e9, 2 ** 31, 0.5, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: -10, max: 5000 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);
const kinds = STUDIES.map((s) => s.kind);
const scenarioObject = fc.record({
  name: fc.oneof(fc.constant('fuzz'), fc.string({ maxLength: 300 }), fc.constant('../../x'), fc.constant('a'.repeat(244))),
  kind: fc.oneof(fc.constantFrom(...kinds), fc.string({ maxLength: 20 })),
  description: fc.oneof(fc.constant('fuzzed'), json),
  seed: fc.oneof(fc.nat(1000), json),
  params: fc.dictionary(
    fc.constantFrom('n', 'm', 'T', 'B', 'w', 'steps', 'lags', 'repetitions', 'batchSize', 'width', 'depth', 'gains', 'activation', 'task', 'training', 'runs', 'models', 'bMin', 'bMax', 'dt', 'horizons', 'gainStep', 'samples', 'configurations', 'threads', 'lyapunovSteps', 'spectrumExponents'),
    json,
    { maxKeys: 4 },
  ),
  checks: fc.oneof(fc.constant(undefined), fc.array(fc.record({ path: fc.string({ maxLength: 20 }), min: fc.double({ noNaN: true }) }), { maxLength: 2 })),
});

test.serial('random scenario objects: validate ends in exit 0 or 2 with a message, nothing written', async (t) => {
  const counts = tally();
  await fc.assert(
    fc.asyncProperty(scenarioObject, async (s) => {
      await check({ 's.yaml': YAML.stringify(JSON.parse(JSON.stringify(s))) }, (dir) => ['validate', join(dir, 's.yaml')], counts);
    }),
    { numRuns: 150, seed: 17 },
  );
  t.log(`scenario objects: ${counts.tried} tried, exit codes ${JSON.stringify(counts.byCode)}`);
  t.is(counts.tried, 150);
});

test.serial('random small scenarios of every kind run under --max-time: exit 0, 1, 2 or a named fault', async (t) => {
  const counts = tally();
  const small = fc.record({
    kind: fc.constantFrom(...kinds),
    params: fc.dictionary(fc.constantFrom('n', 'T', 'B', 'w', 'steps', 'repetitions', 'batchSize', 'width', 'depth', 'gainStep', 'samples', 'lyapunovSteps'), fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constantFrom(0.5, 1e9, 1e308)), { maxKeys: 3 }),
  });
  await fc.assert(
    fc.asyncProperty(small, async (s) => {
      const text = YAML.stringify({ name: 'fuzz', kind: s.kind, description: 'fuzzed', seed: 1, params: { ...s.params, threads: s.kind.endsWith('sweep') ? 1 : undefined } });
      await check({ 's.yaml': text }, (dir, out) => ['run', join(dir, 's.yaml'), '--out', out, '--max-time', '1s', '--max-memory', '2G', '--no-progress'], counts);
    }),
    { numRuns: 20, seed: 17 },
  );
  t.log(`small runs: ${counts.tried} tried, exit codes ${JSON.stringify(counts.byCode)}`);
  t.is(counts.tried, 20);
});

// --- expressions: text over the language's alphabet and beyond
const token = fc.constantFrom('x', 'x', '1', '2.5', 'e', 'pi', '+', '-', '*', '/', '^', '(', ')', 'sin(', 'exp(', 'log(', 'abs(', 'tanh(', 'sqrt(', 'sum(', 'ones(', 'evaluate(', '"', ',', '[', ']', '=', '?', ':', '!', 'y', ' ', 'import(', 'createUnit(', '1e400', '.', ';');
test.serial('random expressions: accepted as a finite function or refused with a message, never a hang', (t) => {
  let tried = 0;
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }).map((a) => a.join('')), (expr) => {
      tried++;
      const t0 = performance.now();
      try {
        const a = activation(expr);
        accepted++;
        if (!Number.isFinite(a.f(0)) || !Number.isFinite(a.df(0))) throw new Error(`accepted but not finite at 0: ${expr}`);
      } catch (e) {
        if (!(e instanceof Error) || !/^activation expression "/.test(e.message)) throw new Error(`unclear refusal of ${JSON.stringify(expr)}: ${String(e)}`);
      }
      if (performance.now() - t0 > MAX_SECONDS * 1000) throw new Error(`slow: ${expr}`);
    }),
    { numRuns: 400, seed: 17 },
  );
  t.log(`expressions: ${tried} tried, ${accepted} accepted, ${tried - accepted} refused with a message`);
  t.is(tried, 400);
});

test.serial('random expressions in the language: f and its derivative agree with central differences where both are finite', (t) => {
  const { expr } = fc.letrec((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('x', 'x', '0.5', '2', 'pi'),
      fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '^'), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(fc.constantFrom('sin', 'cos', 'tanh', 'exp', 'abs', 'atan', 'sech', 'log', 'sqrt'), tie('expr')).map(([f, a]) => `${f}(${a})`),
    ),
  }));
  let tried = 0;
  let checked = 0;
  fc.assert(
    fc.property(expr as fc.Arbitrary<string>, (text) => {
      tried++;
      let a;
      try {
        a = activation(text);
      } catch (e) {
        if (!/^activation expression "/.test((e as Error).message)) throw e;
        return;
      }
      const x = 0.3;
      const h = 1e-6;
      const fd = (a.f(x + h) - a.f(x - h)) / (2 * h);
      const df = a.df(x);
      if (!Number.isFinite(fd) || !Number.isFinite(df) || Math.abs(fd) > 1e6) return;
      checked++;
      if (Math.abs(df - fd) > TOL.fuzzDerivative * Math.max(1, Math.abs(fd))) throw new Error(`${text}: f' = ${df}, central difference ${fd}`);
    }),
    { numRuns: 200, seed: 17 },
  );
  t.log(`expressions in the language: ${tried} tried, ${checked} derivatives checked`);
  t.true(checked > 50);
});

// --- file bytes: scenario files, .npy and CSV weights
test.serial('random bytes as a scenario file, a .npy and a CSV weights file: exit 0 or 2 with the file named', async (t) => {
  const counts = tally();
  const npyHeader = fc.tuple(fc.constantFrom("'<f8'", "'<f4'", "'>f8'", "'<i4'", "'|b1'", "'<c16'"), fc.constantFrom('True', 'False', 'maybe'), fc.constantFrom('(2, 2)', '(2,)', '(4,)', '(1, 2, 2)', '()', '(2, 3)', '(-1, 2)', '(2L, 2L)', '(99999999999, 2)', '(2, 2'));
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 3000 }).map((b) => ({ kind: 'scenario' as const, b })),
        fc.tuple(npyHeader, fc.uint8Array({ maxLength: 64 })).map(([[d, f, s], data]) => ({ kind: 'npy' as const, b: npy(`{'descr': ${d}, 'fortran_order': ${f}, 'shape': ${s}, }`, data) })),
        fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'npy' as const, b: Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, ...b]) })),
        fc.array(fc.constantFrom('1', '0', '-2.5', '1e3', '0x1', 'nan', 'inf', ',', ',', '\n', ' ', '#', '"', 'abc', '1_0', '.5', '-'), { maxLength: 40 }).map((a) => ({ kind: 'csv' as const, b: new TextEncoder().encode(a.join('')) })),
      ),
      async ({ kind, b }) => {
        const files: Record<string, string | Uint8Array> = kind === 'scenario' ? { 's.yaml': b } : { 's.yaml': weightsScenario(`w.${kind}`), [`w.${kind}`]: b };
        const r = await check(files, (dir) => ['validate', join(dir, 's.yaml')], counts);
        if (r.code === 2 && !r.stderr.includes('s.yaml: ')) throw new Error(`the file is not named: ${r.stderr}`);
        if (kind !== 'scenario' && r.code === 2 && !/params\.runs\[0\]\.W\.file: /.test(r.stderr)) throw new Error(`the field is not named: ${r.stderr}`);
      },
    ),
    { numRuns: 250, seed: 17 },
  );
  t.log(`file bytes: ${counts.tried} tried, exit codes ${JSON.stringify(counts.byCode)}`);
  t.is(counts.tried, 250);
});
