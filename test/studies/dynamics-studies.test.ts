/**
 * The dynamics studies (equilibrium-continuation, ctrnn-bifurcation, learning-through-bifurcation)
 * run on their default scenarios: every declared check passes, no theory row disagrees, the charts
 * are drawn, runs are deterministic, and bad parameters are rejected with the field named.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import YAML from 'yaml';
import { evaluateCheck } from '../../src/scenario/checks.ts';
import { toJsonValue } from '../../src/scenario/run.ts';
import type { Check } from '../../src/scenario/schema.ts';
import { ctrnnBifurcationStudy } from '../../src/studies/ctrnn-bifurcation.ts';
import { equilibriumContinuationStudy } from '../../src/studies/equilibrium-continuation.ts';
import { learningThroughBifurcationStudy } from '../../src/studies/learning-through-bifurcation.ts';
import type { Study, StudyContext } from '../../src/studies/study.ts';

const ctx: StudyContext = { seed: 1, scenarioDir: new URL('../../scenarios/', import.meta.url).pathname, progress: () => {} };

function scenario(file: string): { params: unknown; checks: Check[] } {
  return YAML.parse(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8')) as { params: unknown; checks: Check[] };
}

const cases: [string, Study, string[]][] = [
  ['one-neuron-continuation.yaml', equilibriumContinuationStudy as Study, ['bifurcation-diagram', 'leading-eigenvalue', 'fold-sensitivity']],
  ['ctrnn-continuation.yaml', equilibriumContinuationStudy as Study, ['bifurcation-diagram', 'leading-eigenvalue', 'fold-sensitivity', 'cycle-amplitude']],
  ['map-continuation.yaml', equilibriumContinuationStudy as Study, ['bifurcation-diagram', 'leading-eigenvalue', 'cycle-amplitude']],
  ['ctrnn-bifurcation.yaml', ctrnnBifurcationStudy as Study, ['two-parameter-diagram', 'regions']],
  ['learning-one-neuron.yaml', learningThroughBifurcationStudy as Study, ['path-on-diagram', 'loss-and-gradient', 'state-along-path', 'sensitivity-vs-distance']],
  ['learning-ctrnn-equilibrium.yaml', learningThroughBifurcationStudy as Study, ['path-on-diagram', 'loss-and-gradient', 'state-along-path', 'sensitivity-vs-distance']],
  ['learning-ctrnn-oscillation.yaml', learningThroughBifurcationStudy as Study, ['path-on-diagram', 'loss-and-gradient', 'trajectories']],
];

for (const [file, study, charts] of cases) {
  test(`${file}: every check passes, the theory agrees, the charts are drawn`, async (t) => {
    const sc = scenario(file);
    const r = await study.run(study.params.parse(sc.params), ctx);
    const summary = toJsonValue(r.summary);
    t.true(sc.checks.length >= 2);
    for (const c of sc.checks) {
      const res = evaluateCheck(c, summary);
      t.true(res.pass, `${c.name}: ${res.reason ?? ''} (measured ${JSON.stringify(res.measured)})`);
    }
    const bad = r.theory.filter((row) => row.agrees === false);
    t.deepEqual(bad, [], JSON.stringify(bad));
    t.true(r.theory.some((row) => row.agrees === true));
    t.deepEqual(
      r.charts.map((c) => c.id),
      charts,
    );
    t.true(r.discussion.length > 200);
  });
}

test('equilibrium-continuation is deterministic and honours a chart subset', async (t) => {
  const p = equilibriumContinuationStudy.params.parse(scenario('map-continuation.yaml').params);
  const a = await equilibriumContinuationStudy.run(p, ctx);
  const b = await equilibriumContinuationStudy.run(p, { ...ctx, charts: ['leading-eigenvalue'] });
  t.is(JSON.stringify(toJsonValue(a.summary)), JSON.stringify(toJsonValue(b.summary)));
  t.deepEqual(
    b.charts.map((c) => c.id),
    ['leading-eigenvalue'],
  );
});

test('the parameter schemas name what is wrong', (t) => {
  const msg = (study: Study, params: unknown): string => {
    const r = study.params.safeParse(params);
    return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  t.regex(msg(equilibriumContinuationStudy as Study, { parameter: 'theta1' }), /parameter: expected one of w, b \(the parameters of one-neuron\), found "theta1"/);
  t.regex(msg(equilibriumContinuationStudy as Study, { range: [1, 0] }), /range: range must be \[min, max\]/);
  t.regex(msg(equilibriumContinuationStudy as Study, { system: { model: 'ctrnn', W: [[1, 2]] }, parameter: 'theta1' }), /square matrix/);
  t.regex(msg(ctrnnBifurcationStudy as Study, { parameters: ['theta1', 'theta3'] }), /parameters.1: expected one of/);
  t.regex(msg(learningThroughBifurcationStudy as Study, { system: { model: 'one-neuron-map', w: 5, b: -3 } }), /system.model: expected a flow/);
  t.regex(msg(learningThroughBifurcationStudy as Study, { target: { kind: 'equilibrium', indices: [0, 1], values: [1, 2] } }), /target.indices: expected state indices below 1/);
  t.is(msg(learningThroughBifurcationStudy as Study, {}), '');
});
