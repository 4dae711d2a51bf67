/**
 * Discoverability: `describe` and `new` for every study kind, generated from the declarations
 * (so every parameter and every summary path appears), `new` files that validate to exactly the
 * defaults, and the JSON Schema: discriminated by kind, compiling under ajv's strict mode,
 * accepting every default scenario and `new` file, and giving one error for one mistake.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { parameterInfo } from '../../src/cli/describe.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { scenarioJsonSchema } from '../../src/scenario/schema.ts';
import { fullSummarySchema, summaryPaths } from '../../src/scenario/summary-schema.ts';
import { STUDIES, STUDIES_BY_KIND } from '../../src/studies/index.ts';
import { cliInProcess } from '../helpers/cli.ts';

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;

for (const study of STUDIES) {
  test.serial(`describe ${study.kind}: every parameter, chart and summary path with its meaning`, async (t) => {
    const r = await cliInProcess(['describe', study.kind]);
    t.is(r.code, 0, r.stderr);
    const params = parameterInfo(study);
    t.true(params.length > 0);
    for (const p of params) t.true(r.stdout.includes(`  ${p.path} `) || r.stdout.includes(`  ${p.path}\n`), `parameter ${p.path}`);
    for (const c of study.chartIds) t.true(r.stdout.includes(c), `chart ${c}`);
    const paths = summaryPaths(fullSummarySchema(study.summarySchema));
    for (const p of paths) {
      t.true(r.stdout.includes(p.path), `summary path ${p.path}`);
      if (!p.path.endsWith('[i]')) t.not(p.meaning, '', `summary path ${p.path} has a meaning`);
    }
  });

  test.serial(`new ${study.kind}: a commented scenario with the schema line that validates to the defaults`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'new-'));
    const r = await cliInProcess(['new', study.kind, 'my-scenario', '--out', dir]);
    t.is(r.code, 0, r.stderr);
    const file = join(dir, 'my-scenario.yaml');
    const text = readFileSync(file, 'utf8');
    t.regex(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\S*scenario\.schema\.json$/);
    t.true(text.includes(`kind: ${study.kind}`));
    const loaded = loadScenarioFile(file, STUDIES_BY_KIND);
    t.is(loaded.scenario.name, 'my-scenario');
    t.deepEqual(loaded.scenario.params, study.params.parse({}), 'the written values are the defaults');
    // every top-level parameter is written or named in a comment
    for (const p of parameterInfo(study).filter((p) => !p.path.includes('.') && !p.path.includes('['))) t.regex(text, new RegExp(`^\\s*(# )?${p.path}:`, 'm'), p.path);
    // and an existing file is not replaced
    const again = await cliInProcess(['new', study.kind, 'my-scenario', '--out', dir]);
    t.is(again.code, 2);
    t.regex(again.stderr, /exists/);
  });
}

test.serial('describe and new name the nearest kind for a misspelt one, exit 2', async (t) => {
  for (const cmd of ['describe', 'new']) {
    const r = await cliInProcess([cmd, 'doya-bifurcaton']);
    t.is(r.code, 2);
    t.regex(r.stderr, /unknown study kind "doya-bifurcaton"; did you mean "doya-bifurcation"\?/);
  }
  const s = await cliInProcess(['schema', '--kind', 'latch-swep']);
  t.is(s.code, 2);
  t.regex(s.stderr, /did you mean "latch-sweep"/);
});

test('the JSON Schema compiles under ajv strict mode, accepts every default scenario, and gives one error per mistake', (t) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(scenarioJsonSchema(STUDIES));
  for (const f of readdirSync('scenarios').filter((f) => f.endsWith('.yaml'))) {
    const doc = YAML.parse(readFileSync(join('scenarios', f), 'utf8')) as Record<string, unknown>;
    t.true(validate(doc), `${f}: ${JSON.stringify(validate.errors)}`);
  }
  const doc = YAML.parse(readFileSync('scenarios/doya-bifurcation.yaml', 'utf8')) as Record<string, unknown>;
  t.true(validate({ ...doc, params: undefined }), 'params is optional, as in the CLI');
  t.false(validate({ ...doc, charts: ['hysteresys'] }));
  t.is(validate.errors!.filter((e) => e.keyword !== 'if').length, 1, JSON.stringify(validate.errors));
  t.is(validate.errors!.find((e) => e.keyword === 'enum')!.instancePath, '/charts/0');
  t.false(validate({ ...doc, params: { w: 'five' } }));
  t.is(validate.errors!.filter((e) => e.keyword !== 'if').length, 1, JSON.stringify(validate.errors));
  // a chart id of another kind is refused for this kind
  t.false(validate({ ...doc, charts: ['product-norms'] }));
});

test('schema --kind K is the schema of K alone, also strict-valid', async (t) => {
  const ajv = new Ajv2020({ strict: true });
  for (const study of STUDIES) {
    const schema = scenarioJsonSchema(STUDIES, { kind: study.kind });
    const validate = ajv.compile(schema);
    t.true(validate({ name: 'x', kind: study.kind, description: 'd', seed: 1 }), study.kind);
    const other = STUDIES.find((s) => s.kind !== study.kind)!;
    t.false(validate({ name: 'x', kind: other.kind, description: 'd', seed: 1 }), `${study.kind} refuses ${other.kind}`);
  }
});
