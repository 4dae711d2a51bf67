/**
 * The scenario `precision` field: float64 (default, absent from summary.json, so every float64
 * report is as before) or float32 for the kinds that declare it; a bad value, float32 on a
 * float64-only kind is refused at validation with the file, the
 * field and what is expected (exit 2); the JSON Schema has the field; a float32 scenario runs end
 * to end and says so in summary.json; its summary is the same bit for bit on one thread and on two.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../src/scenario/errors.ts';
import { validateScenario } from '../../src/scenario/load.ts';
import { computeLoaded } from '../../src/scenario/run.ts';
import { scenarioJsonSchema } from '../../src/scenario/schema.ts';
import { STUDIES, STUDIES_BY_KIND } from '../../src/studies/index.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');

/** A small rnn-gradient-flow scenario (under a second). */
function flow(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'flow32', kind: 'rnn-gradient-flow', description: 'gradient flow in float32', seed: 2, params: { n: 12, m: 2, T: 40, B: 4, gains: [0.8, 1.2] }, ...extra };
}

function problems(input: unknown): string[] {
  try {
    validateScenario(input, 'scenarios/p.yaml', '.', STUDIES_BY_KIND);
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

test('precision: float32 is accepted by the kinds that declare it, float64 by every kind, and absent means float64', (t) => {
  t.is(validateScenario(flow({ precision: 'float32' }), 'a.yaml', '.', STUDIES_BY_KIND).scenario.precision, 'float32');
  t.is(validateScenario(flow(), 'a.yaml', '.', STUDIES_BY_KIND).scenario.precision, undefined);
  const doya = { name: 'd', kind: 'doya-bifurcation', description: 'd', seed: 1, precision: 'float64', params: { w: 5 } };
  t.is(validateScenario(doya, 'd.yaml', '.', STUDIES_BY_KIND).scenario.precision, 'float64');
  const takers = STUDIES.filter((s) => s.float32).map((s) => s.kind);
  t.deepEqual(takers, ['rnn-jacobian-norms', 'rnn-gradient-flow', 'rnn-lyapunov-vs-gain', 'lyapunov-spectrum', 'lstm-vs-rnn-gradient-flow', 'adding-problem-sweep', 'latch-sweep', 'fixed-points']);
  const gru = { name: 'g', kind: 'lyapunov-spectrum', description: 'g', seed: 1, precision: 'float32', params: { cell: { kind: 'gru', n: 4 } } };
  t.is(validateScenario(gru, 'g.yaml', '.', STUDIES_BY_KIND).scenario.precision, 'float32');
});

test('a bad precision and float32 on a float64-only kind are refused with the field and what is expected', (t) => {
  t.deepEqual(problems(flow({ precision: 'float16' })), ['precision: expected one of "float64", "float32", found string "float16"']);
  t.deepEqual(problems(flow({ precision: 32 })), ['precision: expected one of "float64", "float32", found number 32']);
  const doya = { name: 'd', kind: 'doya-bifurcation', description: 'd', seed: 1, precision: 'float32', params: { w: 5 } };
  const [p] = problems(doya);
  t.regex(p!, /^precision: expected float64 for kind doya-bifurcation, which runs in float64 only \(float32 runs: rnn-jacobian-norms, .*\), found "float32"$/);
});

test('the command line exits 2 on a bad precision, naming the file and the field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'precision-'));
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'name: bad\nkind: rnn-gradient-flow\ndescription: x\nseed: 1\nprecision: float16\n');
  const r = spawnSync(process.execPath, [BIN, 'validate', f], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  t.is(r.status, 2);
  t.true(r.stderr.includes(`${f}: precision: expected one of "float64", "float32", found string "float16"`), r.stderr);
});

test('the JSON Schema has precision (float64 or float32) and restricts the float64-only kinds to float64', (t) => {
  const schema = scenarioJsonSchema(STUDIES) as { properties: Record<string, { enum?: string[] }>; allOf: { if: { properties: { kind: { const: string } } }; then: { properties: Record<string, { enum?: string[] }> } }[] };
  t.deepEqual(schema.properties.precision!.enum, ['float64', 'float32']);
  for (const b of schema.allOf) {
    const study = STUDIES_BY_KIND.get(b.if.properties.kind.const)!;
    t.deepEqual(b.then.properties.precision?.enum, study.float32 ? undefined : ['float64'], study.kind);
  }
});

test('a float32 scenario runs end to end: summary.json states the precision, float64 does not, and the numbers differ by float32 round-off only', async (t) => {
  const s32 = (await computeLoaded(validateScenario(flow({ precision: 'float32' }), 'a.yaml', '.', STUDIES_BY_KIND))).summary;
  const s64 = (await computeLoaded(validateScenario(flow(), 'a.yaml', '.', STUDIES_BY_KIND))).summary;
  t.is(s32.precision, 'float32');
  t.is(s32.scenario.precision, 'float32');
  t.false('precision' in s64);
  t.deepEqual(Object.keys(s32).slice(0, 4), ['name', 'kind', 'precision', 'package']);
  t.is(s32.checksPassed, true);
  const runs32 = s32.runs as { reach: number; relativeNorms: number[] }[];
  const runs64 = s64.runs as { reach: number; relativeNorms: number[] }[];
  for (let i = 0; i < runs64.length; i++) {
    t.is(runs32[i]!.reach, runs64[i]!.reach);
    const k = 20;
    const rel = Math.abs(Math.log(runs32[i]!.relativeNorms[k]! / runs64[i]!.relativeNorms[k]!));
    // the inputs and weights are rounded to float32 here (not in float64): a relative change of the
    // function of order 1e-7 per entry, far below 1e-3
    t.true(rel > 0 && rel < 1e-3, `${rel}`);
  }
});

test('a float32 scenario gives the same summary.json bit for bit on one thread and on two (RNN_DYNAMICS_THREADS=1 against the default)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'precision-threads-'));
  // n = 96, k = 96 tangent vectors: the float32 products are large enough for the two-thread GEMM
  const f = join(dir, 'lyap32.yaml');
  writeFileSync(f, 'name: lyap32\nkind: lyapunov-spectrum\ndescription: float32 spectrum\nseed: 4\nprecision: float32\nparams:\n  cell: { kind: rnn, n: 96, m: 1 }\n  inputStd: 0.5\n  steps: 60\n  transient: 20\n');
  const run = (threads: string | undefined, out: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    if (threads) env.RNN_DYNAMICS_THREADS = threads;
    else delete env.RNN_DYNAMICS_THREADS;
    const r = spawnSync(process.execPath, [BIN, 'run', f, '--out', join(dir, out), '--format', 'png'], { encoding: 'utf8', env });
    t.true(r.status === 0 || r.status === 1, r.stderr);
    return readFileSync(join(dir, out, 'lyap32', 'summary.json'), 'utf8');
  };
  const one = run('1', 'one');
  const two = run(undefined, 'two');
  t.is(one, two);
  t.true(one.includes('"precision": "float32"'));
});
