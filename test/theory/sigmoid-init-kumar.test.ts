/**
 * Kumar's (2017) initialisation for the logistic function, in its two published forms. The paper
 * derives v^2 = 1 / (N f'(0)^2 (1 + f(0)^2)) for an activation f differentiable at 0: for the
 * sigmoid (f(0) = 1/2, f'(0) = 1/4) that is 12.8 / N, a standard deviation of about 3.6 / sqrt(N)
 * (init `kumar`, which draws (3.6 / sqrt(N))^2 = 12.96 / N); his published code draws variance
 * 3.6 / N (init `kumar-variance`). The mean-field per-layer factor chi = sigma_w^2 E[f'(z)^2]
 * (the mean squared singular value of one layer's Jacobian) orders them: the paper's form lets
 * the gradient shrink least with depth, Xavier's variance 1/N most.
 *
 * Fixed seed; 256 x 256 matrices (65,536 draws: a sample variance's relative standard error is
 * sqrt(2 / 65535) = 0.55 %).
 */
import test from 'ava';
import { SIGMOID } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights, type InitName } from '../../src/init/weights.ts';
import { meanFieldChi } from '../../src/analysis/mean-field.ts';
import { weightVarianceScale } from '../../src/init/weights.ts';
import { TOL } from '../helpers/tolerance.ts';

const N = 256;

function sampleVariance(init: InitName): { mean: number; variance: number } {
  const W = initWeights(init, N, N, new Rng(2017));
  let s = 0;
  for (const v of W) s += v;
  const mean = s / W.length;
  let ss = 0;
  for (const v of W) ss += (v - mean) ** 2;
  return { mean, variance: ss / (W.length - 1) };
}

test("Kumar's formula for the sigmoid: v^2 N = 1 / (f'(0)^2 (1 + f(0)^2)) = 12.8, a standard deviation of 3.6 / sqrt(N) to 2 digits", (t) => {
  const f0 = SIGMOID.f(0);
  const df0 = SIGMOID.df(0);
  const v2N = 1 / (df0 * df0 * (1 + f0 * f0));
  t.true(Math.abs(v2N - 12.8) < TOL.roundoff, `v^2 N = ${v2N}`);
  t.is(Math.sqrt(v2N).toFixed(1), '3.6');
});

for (const [init, sigmaW2] of [['kumar', 3.6 * 3.6], ['kumar-variance', 3.6]] as const) {
  test(`${init} draws zero-mean weights of variance ${sigmaW2.toFixed(2)} / N, and weightVarianceScale says so`, (t) => {
    const { mean, variance } = sampleVariance(init);
    const expected = sigmaW2 / N;
    const se = expected * Math.sqrt(2 / (N * N - 1));
    t.true(Math.abs(variance - expected) < TOL.statisticalSigmas * se, `variance ${variance} vs ${expected} (standard error ${se})`);
    t.true(Math.abs(mean) < TOL.statisticalSigmas * Math.sqrt(expected / (N * N)), `mean ${mean}`);
    t.is(weightVarianceScale(init, N, 1), sigmaW2);
  });
}

test("mean field: per-layer factor chi of the sigmoid is largest for Kumar's paper form, then his code's, then Xavier's, all below 1", (t) => {
  const chi = (init: InitName) => meanFieldChi(SIGMOID, weightVarianceScale(init, N, 1)!).chi;
  const [paper, code, xavier] = [chi('kumar'), chi('kumar-variance'), chi('xavier')];
  t.true(paper > code && code > xavier, `chi: kumar ${paper}, kumar-variance ${code}, xavier ${xavier}`);
  t.true(paper < 1, 'even the paper form lets the mean squared gradient shrink per layer');
});
