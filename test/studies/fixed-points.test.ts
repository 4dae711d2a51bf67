/**
 * The fixed-points study on small flip-flop networks: trained tanh RNNs and forget-gate LSTMs with
 * 2 bits have the 4 memories as stable fixed points, one per output sign pattern, and 4 saddles
 * with one unstable direction and 1 with two (the square of bit patterns), every theory row agrees,
 * the charts are drawn and the summary is the same bit for bit on a second run. With the scenario's
 * `precision: float32` the network trains in float32 and its fixed points are found in float64 on
 * its float32 weights (train.ts float64Cell), end to end through the command line; a bad precision
 * exits 2 naming the file and the field.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/init/rng.ts';
import { freeF64 } from '../../src/linalg/wasm.ts';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.ts';
import { computeLoaded, toJsonValue } from '../../src/scenario/run.ts';
import { fixedPointsStudy } from '../../src/studies/fixed-points.ts';
import { STUDIES_BY_KIND } from '../../src/studies/index.ts';
import type { StudyContext } from '../../src/studies/study.ts';
import { createCell, float64Cell, type ModelSpec } from '../../src/training/train.ts';
import { TOL } from '../helpers/tolerance.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');

const ctx: StudyContext = { seed: 1, scenarioDir: '.', progress: () => {} };
const small = (kind: 'rnn-tanh' | 'lstm-forget', n: number) =>
  fixedPointsStudy.params.parse({
    model: { kind, n },
    task: { bits: 2, T: 30, testSize: 128 },
    training: { steps: 600, evalEvery: 100, stopAtSuccess: false },
    seeds: 2,
    search: { starts: 256, trajectories: 32 },
  });

for (const [kind, n] of [
  ['rnn-tanh', 24],
  ['lstm-forget', 16],
] as const) {
  test(`${kind}, 2 bits: 4 stable points with the 4 sign patterns, saddles 4 and 1 (the square), theory agrees`, async (t) => {
    const r = await fixedPointsStudy.run(small(kind, n), ctx);
    const s = r.summary as Record<string, unknown> & { seeds: { byUnstable: number[]; stablePatterns: number; solved: boolean; slow: number }[] };
    t.deepEqual(s.cubeCounts, [4, 4, 1]);
    for (const seed of s.seeds) {
      t.true(seed.solved);
      t.deepEqual(seed.byUnstable, [4, 4, 1]);
      t.is(seed.stablePatterns, 4);
    }
    t.true(s.allSeedsCube as boolean);
    t.true(s.allSeedsConnectEdges as boolean, 'each 1-saddle joins two memories one bit apart, all 4 edges of the square');
    t.true((s.maxResidual as number) <= TOL.fixedPoint);
    for (const row of r.theory) if (row.agrees !== undefined) t.true(row.agrees, row.quantity);
    t.deepEqual(r.charts.map((c) => c.id), ['state-space', 'multipliers', 'training']);
    t.is(r.warnings, undefined);
    if (kind === 'rnn-tanh') {
      const again = await fixedPointsStudy.run(small(kind, n), ctx);
      t.is(JSON.stringify(toJsonValue(again.summary)), JSON.stringify(toJsonValue(r.summary)), 'deterministic');
    }
  });
}

test('bad parameters are refused with the field named', (t) => {
  const bad = fixedPointsStudy.params.safeParse({ search: { starts: 0 } });
  t.false(bad.success);
  t.regex(JSON.stringify(bad.error?.issues), /starts/);
  t.false(fixedPointsStudy.params.safeParse({ task: { bits: 9 } }).success);
});

test(`float64Cell: the float32 cell's parameters, exactly, in a float64 cell of the same spec`, (t) => {
  for (const spec of [{ kind: 'rnn-tanh', n: 5 }, { kind: 'lstm-forget', n: 4 }, { kind: 'gru', n: 3 }] as ModelSpec[]) {
    const c32 = createCell(spec, 2, new Rng(3), 'float32');
    const c64 = float64Cell(spec, c32);
    t.is(c32.precision, 'float32');
    t.is(c64.precision, 'float64');
    t.is(c64.kind, c32.kind);
    t.deepEqual(c64.blocks, c32.blocks);
    t.deepEqual(Array.from(c64.theta), Array.from(c32.theta), spec.kind);
    freeF64(c64.theta);
    freeF64(c32.theta);
  }
});

/** A 2-bit flip-flop scenario small enough for a test (one seed). */
const SMALL_YAML = [
  'kind: fixed-points',
  'description: fixed points of a small flip-flop network',
  'seed: 1',
  'params:',
  '  model: { kind: rnn-tanh, n: 24 }',
  '  task: { bits: 2, T: 30, testSize: 128 }',
  '  training: { steps: 600, evalEvery: 100, stopAtSuccess: false }',
  '  seeds: 1',
  '  search: { starts: 256, trajectories: 32 }',
  'checks:',
  '  - { name: four stable points, path: minStable, expected: 4, tolerance: 0 }',
  '',
].join('\n');

test('precision: float32 trains in float32 and finds the fixed points in float64 on the float32 weights, end to end through the command line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-points-32-'));
  const f = join(dir, 'fp32.yaml');
  writeFileSync(f, `name: fp32\nprecision: float32\n${SMALL_YAML}`);
  const r = spawnSync(process.execPath, [BIN, 'run', f, '--out', dir, '--format', 'png'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  t.is(r.status, 0, r.stderr);
  const s32 = JSON.parse(readFileSync(join(dir, 'fp32', 'summary.json'), 'utf8'));
  t.is(s32.precision, 'float32');
  t.is(s32.scenario.precision, 'float32');
  t.true(s32.checksPassed);
  const seed = s32.seeds[0];
  t.true(seed.solved);
  t.deepEqual(seed.byUnstable, [4, 4, 1]);
  t.is(seed.stablePatterns, 4);
  t.true(s32.allSeedsCube && s32.allSeedsConnectEdges);
  // Newton's residual in float64 on the float32 weights: far below float32's resolution of h
  t.true(s32.maxResidual <= TOL.fixedPoint, `${s32.maxResidual}`);
  const md = readFileSync(join(dir, 'fp32', 'report.md'), 'utf8');
  t.true(md.includes('*Precision:* float32'), 'the report header says float32');
  t.true(md.includes('were trained in float32') && md.includes('found in float64 on their float32 weights'), 'the discussion says which precision trained the network');
  // the same scenario in float64 (the default): no precision in summary.json or the discussion, and the
  // training differs (float32 arithmetic), though both networks store the same 4 memories
  const loaded = validateScenario(parseScenarioText(`name: fp64\n${SMALL_YAML}`, 'fp64.yaml'), 'fp64.yaml', dir, STUDIES_BY_KIND);
  const out64 = await computeLoaded(loaded);
  t.false('precision' in out64.summary);
  t.false(out64.result.discussion!.includes('float32'));
  const seed64 = (out64.summary as unknown as typeof s32).seeds[0];
  t.not(seed64.finalLoss, seed.finalLoss, 'float32 training is not float64 training');
  t.deepEqual(seed64.byUnstable, seed.byUnstable);
});

test('a bad precision for fixed-points exits 2 naming the file and the field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-points-bad-'));
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, `name: bad\nprecision: float16\n${SMALL_YAML}`);
  const r = spawnSync(process.execPath, [BIN, 'validate', f], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  t.is(r.status, 2);
  t.true(r.stderr.includes(`${f}: precision: expected one of "float64", "float32", found string "float16"`), r.stderr);
});
