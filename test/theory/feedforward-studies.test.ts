/**
 * The two feed-forward studies run on their scenario files: the gradient study in full (its checks
 * must hold on the summary it produces), the training study on a reduced budget (its summary must
 * carry the keys the scenario's checks address). Also mean-field closed forms.
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { IDENTITY, RELU, SIGMOID } from '../../src/activations/index.ts';
import { evaluateCheck, resolveSummaryPath } from '../../src/scenario/checks.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import type { Study } from '../../src/studies/study.ts';
import { meanFieldChi } from '../../src/analysis/mean-field.ts';
import { feedforwardGradientByLayer } from '../../src/studies/feedforward-gradient-by-layer.ts';
import { feedforwardTrainingByDepth } from '../../src/studies/feedforward-training-by-depth.ts';

const studies = new Map<string, Study>([
  [feedforwardGradientByLayer.kind, feedforwardGradientByLayer as unknown as Study],
  [feedforwardTrainingByDepth.kind, feedforwardTrainingByDepth as unknown as Study],
]);

/** The scenario file through the shared loader: the YAML is validated as the CLI would. */
function scenario(name: string) {
  const file = fileURLToPath(new URL(`../../scenarios/${name}.yaml`, import.meta.url));
  const loaded = loadScenarioFile(file, studies);
  return { ...loaded.scenario, dir: loaded.dir };
}

const quiet = { progress: () => {} };
const at = resolveSummaryPath;

test('mean field: relu with sigma_w^2 = 2 has chi = 1, the identity has chi = sigma_w^2', (t) => {
  // midpoint rule with a cell boundary at the kink: exact up to the tails beyond 12 sd and round-off
  const quadrature = 1e-10;
  t.true(Math.abs(meanFieldChi(RELU, 2).chi - 1) < quadrature);
  t.true(Math.abs(meanFieldChi(IDENTITY, 0.7).chi - 0.7) < quadrature);
  // sigmoid with Xavier-scale weights: chi below (1/4)^2 = 0.0625 but close to it
  const s = meanFieldChi(SIGMOID, 1).chi;
  t.true(s < 0.0625 && s > 0.05, `chi = ${s}`);
});

test('feedforward-gradient-by-layer: full scenario run, every check holds', async (t) => {
  const sc = scenario('feedforward-gradient-by-layer');
  t.is(sc.kind, feedforwardGradientByLayer.kind);
  const p = sc.params as Parameters<typeof feedforwardGradientByLayer.run>[0];
  const r = await feedforwardGradientByLayer.run(p, { seed: sc.seed, scenarioDir: sc.dir, charts: sc.charts, ...quiet });
  t.deepEqual(
    r.charts.map((c) => c.id),
    ['gradient-by-layer', 'weight-gradient-by-layer', 'saturation-by-layer', 'ratio-by-width'],
  );
  const conf = (r.summary as { configurations: Record<string, Record<string, unknown>> }).configurations;
  for (const name of ['sigmoid-normal', 'sigmoid-xavier', 'tanh-xavier', 'relu-he', 'sigmoid-residual', 'sigmoid-batchnorm', 'sigmoid-kumar', 'sigmoid-yilmaz-poli']) {
    t.is(typeof conf[name]?.gradientRatioFirstToLast, 'number', name);
  }
  t.true((sc.checks ?? []).length >= 8);
  for (const c of sc.checks ?? []) {
    const res = evaluateCheck(c, r.summary);
    t.true(res.pass, `${res.name}: measured ${res.measured} (${res.reason ?? ''})`);
  }
  t.true(r.theory.length > 3);
  t.true(r.discussion.length > 200);
  // deterministic: the same seed gives the same summary bit for bit
  const again = await feedforwardGradientByLayer.run({ ...p, widthSweep: { ...p.widthSweep, widths: [] } }, { seed: sc.seed, scenarioDir: sc.dir, ...quiet });
  t.deepEqual(at(again.summary, 'configurations["sigmoid-xavier"]'), conf['sigmoid-xavier']);
});

test('feedforward-training-by-depth: reduced run of the scenario has every key its checks address', async (t) => {
  const sc = scenario('feedforward-training-by-depth');
  t.is(sc.kind, feedforwardTrainingByDepth.kind);
  const full = sc.params as Parameters<typeof feedforwardTrainingByDepth.run>[0];
  // the full scenario trains 28 networks for ~30 s; keep the depths the checks name, few steps
  const p = { ...full, depths: [2, 10, 20], steps: 60, evalEvery: 20, trainSize: 400, testSize: 200 };
  const progress: number[] = [];
  const r = await feedforwardTrainingByDepth.run(p, { seed: sc.seed, scenarioDir: sc.dir, charts: sc.charts, progress: (d) => progress.push(d) });
  t.deepEqual(
    r.charts.map((c) => c.id),
    ['accuracy-by-depth', 'weight-change-by-layer', 'learning-curves'],
  );
  t.true(progress.length > 0 && progress.every((d, i) => i === 0 || d > progress[i - 1]!));
  const conf = (r.summary as { configurations: Record<string, Record<string, unknown>> }).configurations;
  for (const [name, c] of Object.entries(conf)) {
    for (const key of ['gradientRatioFirstToLast', 'finalAccuracy', 'firstLayerWeightChange', 'lastLayerWeightChange']) {
      t.is(typeof c[key], 'number', `${name}.${key}`);
    }
  }
  for (const c of sc.checks ?? []) t.is(typeof at(r.summary, c.path), 'number', c.path);
  // the symptom is visible even after 60 steps: sigmoid-xavier's first layer has not moved
  const sx = conf['sigmoid-xavier']!;
  t.true((sx.firstLayerWeightChange as number) < 1e-3 * (sx.lastLayerWeightChange as number));
});

test('feedforward-training-by-depth: the same seed gives the same summary bit for bit', async (t) => {
  const sc = scenario('feedforward-training-by-depth');
  const full = sc.params as Parameters<typeof feedforwardTrainingByDepth.run>[0];
  const p = { ...full, depths: [3], referenceDepth: 3, steps: 30, evalEvery: 10, trainSize: 200, testSize: 100 };
  const a = await feedforwardTrainingByDepth.run(p, { seed: 5, scenarioDir: sc.dir, ...quiet });
  const b = await feedforwardTrainingByDepth.run(p, { seed: 5, scenarioDir: sc.dir, ...quiet });
  t.is(JSON.stringify(a.summary), JSON.stringify(b.summary));
  const c = await feedforwardTrainingByDepth.run(p, { seed: 6, scenarioDir: sc.dir, ...quiet });
  t.not(JSON.stringify(a.summary), JSON.stringify(c.summary));
});
