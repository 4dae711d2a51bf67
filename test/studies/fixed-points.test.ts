/**
 * The fixed-points study on small flip-flop networks: trained tanh RNNs and forget-gate LSTMs with
 * 2 bits have the 4 memories as stable fixed points, one per output sign pattern, and 4 saddles
 * with one unstable direction and 1 with two (the square of bit patterns), every theory row agrees,
 * the charts are drawn and the summary is the same bit for bit on a second run.
 */
import test from 'ava';
import { toJsonValue } from '../../src/scenario/run.ts';
import { fixedPointsStudy } from '../../src/studies/fixed-points.ts';
import type { StudyContext } from '../../src/studies/study.ts';
import { TOL } from '../helpers/tolerance.ts';

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
