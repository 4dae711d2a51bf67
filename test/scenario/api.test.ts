/**
 * The library API: a script runs a scenario object and gets the summary back without the CLI.
 */
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, ScenarioError, scenarioSchema, STUDIES, STUDY_KINDS, type ScenarioInput } from '../../src/index.ts';

const fold = { name: 'api-fold', kind: 'doya-bifurcation' as const, description: 'Folds at w = 5.', seed: 1, params: { w: 5, bMin: -3, bMax: -2 } };

test('runScenario returns the summary with the headline numbers and writes nothing without outDir', async (t) => {
  const { summary, reportDir } = await runScenario(fold);
  t.is(reportDir, undefined);
  const folds = summary.foldPoints;
  t.true(Math.abs(folds[0]!.b! - -2.65561) < 1e-5);
  t.true(Math.abs(folds[1]!.b! - -2.34439) < 1e-5);
  t.is(summary.scenario.name, 'api-fold');
  t.is(summary.package.name, 'rnn-dynamics');
});

test('runScenario with outDir writes the report', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'api-'));
  const { reportDir } = await runScenario(fold, { outDir: out });
  t.is(reportDir, join(out, 'api-fold'));
  t.true(existsSync(join(out, 'api-fold', 'summary.json')));
});

test('an invalid scenario object throws a ScenarioError with field messages', async (t) => {
  const err = await t.throwsAsync(runScenario({ ...fold, params: { w: 'x' } } as unknown as ScenarioInput<'doya-bifurcation'>), { instanceOf: ScenarioError });
  t.deepEqual(err.problems, ['params.w: expected number, found string "x"']);
});

test('the JSON Schema has one branch per registered study', (t) => {
  const text = JSON.stringify(scenarioSchema());
  for (const s of STUDIES) t.true(text.includes(JSON.stringify(s.kind)), s.kind);
});

test('the typed kinds list every registered study, in registry order', (t) => {
  t.deepEqual([...STUDY_KINDS], STUDIES.map((s) => s.kind));
});
