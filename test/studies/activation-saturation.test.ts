/**
 * Study `activation-saturation` (Glorot and Bengio 2010, figure 2): the per-layer records are the
 * mean and standard deviation of the hidden activations on the probe set (checked against a direct
 * forward pass of the same network), the summary's derived numbers follow from the records, the run
 * is deterministic, and at a small scale the top sigmoid layer of a standard-initialised network
 * already moves towards 0 while the first layer stays at 1/2.
 */
import test from 'ava';
import { meanAndStd } from '../../src/analysis/statistics.ts';
import { Rng } from '../../src/init/rng.ts';
import { runScenario } from '../../src/index.ts';
import { Mlp } from '../../src/models/mlp.ts';
import { saturationRun, activationSaturationStudy } from '../../src/studies/activation-saturation.ts';
import { teacherTask } from '../../src/tasks/classification.ts';
import { TOL } from '../helpers/tolerance.ts';

const small = {
  task: { inputSize: 8, teacherHidden: 8, classes: 5, teacherSeed: 3 },
  trainSize: 400,
  probeSize: 60,
  width: 24,
  depth: 3,
  learningRate: 0.5,
  steps: 800,
  recordEvery: 100,
  networks: 2,
  saturationThreshold: 0.45,
};

test('the record at step 0 is the mean and standard deviation of each layer on the probe set', (t) => {
  const p = activationSaturationStudy.params.parse(small);
  const topt = { inputSize: 8, hidden: 8, classes: 5, teacherSeed: 3 };
  const train = teacherTask(p.trainSize, new Rng(11), topt);
  const probe = teacherTask(p.probeSize, new Rng(12), topt);
  const r = saturationRun({ ...p, steps: 100, recordEvery: 100 }, train, probe, 77);
  const net = new Mlp({ inputSize: 8, width: p.width, depth: p.depth, outputSize: 5, activation: 'sigmoid', init: 'uniform', gain: 1 }, new Rng(77));
  net.forward(probe.x, probe.n);
  for (let l = 1; l <= p.depth; l++) {
    const s = meanAndStd(net.hidden(l));
    t.is(r.mean[l - 1]![0], s.mean);
    t.is(r.std[l - 1]![0], s.std);
    t.is(r.mean[l - 1]!.length, 2, 'steps 0 and 100');
  }
  t.is(r.accuracy[0], net.accuracy(probe.x, probe.labels, probe.n));
});

test('summary numbers follow from the records; deterministic; the top layer moves towards 0 while layer 1 stays at 1/2', async (t) => {
  const scenario = { name: 'tiny-saturation', kind: 'activation-saturation' as const, description: 'small', seed: 2, params: small };
  const { summary } = await runScenario(scenario);
  const again = await runScenario(scenario);
  t.deepEqual(again.summary, summary);
  const steps = summary.steps as number[];
  t.deepEqual(steps, [0, 100, 200, 300, 400, 500, 600, 700, 800]);
  type Net = { byLayer: Record<string, { mean: number[]; std: number[] }>; topMinMean: number; topMinStep: number; stepToSaturation: number | null; topFinalMean: number; lowerLayersMeanAtTopMin: number };
  const nets = summary.networks as Net[];
  t.is(nets.length, 2);
  let saturated = 0;
  for (const n of nets) {
    t.deepEqual(Object.keys(n.byLayer), ['1', '2', '3']);
    const top = n.byLayer['3']!.mean;
    t.is(n.topMinMean, Math.min(...top));
    t.is(n.topMinStep, steps[top.indexOf(n.topMinMean)]);
    t.is(n.topFinalMean, top[top.length - 1]);
    const k = top.findIndex((m) => m < small.saturationThreshold);
    t.is(n.stepToSaturation, k >= 0 ? steps[k]! : null);
    if (k >= 0) saturated++;
    const at = top.indexOf(n.topMinMean);
    t.is(n.lowerLayersMeanAtTopMin, Math.min(n.byLayer['1']!.mean[at]!, n.byLayer['2']!.mean[at]!));
    for (const l of ['1', '2', '3']) for (const s of n.byLayer[l]!.std) t.true(s >= 0);
    // the claim at this scale: the top layer falls from about 1/2, the first layer stays there
    t.true(top[0]! > 0.5 - TOL.firstLayerDrift && n.topMinMean < top[0]! - 2 * TOL.firstLayerDrift, `top layer ${top[0]} -> ${n.topMinMean}`);
    for (const m of n.byLayer['1']!.mean) t.true(Math.abs(m - 0.5) < TOL.firstLayerDrift, `layer 1 mean ${m}`);
  }
  const rate = summary.saturated as { solved: number; runs: number; lower: number; rate: number; upper: number };
  t.is(rate.solved, saturated);
  t.is(rate.runs, 2);
  t.true(rate.lower <= rate.rate && rate.rate <= rate.upper);
});
