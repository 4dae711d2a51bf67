/**
 * Signal propagation at initialisation in a deep ReLU network (He et al. 2015): with
 * Var(W) = 2 / fan_in the second moment q_l = E[a_l^2] of the pre-activations obeys
 * q_l = fan_in Var(W) E[relu(a_{l-1})^2] = 2 * q_{l-1} / 2 = q_{l-1}, so it stays constant with depth;
 * Xavier (Var = 1 / N for square layers) halves it per layer and the standard normal (Var = 1)
 * multiplies it by N / 2.
 *
 * Fixed seed; width 256, 20 layers, 128 Gaussian inputs.
 */
import test from 'ava';
import { Mlp } from '../../src/models/mlp.ts';
import { Rng } from '../../src/init/rng.ts';
import type { InitName } from '../../src/init/weights.ts';

const WIDTH = 256;
const DEPTH = 20;
const BATCH = 128;

function secondMoments(init: InitName): number[] {
  const rng = new Rng(2015);
  const net = new Mlp({ inputSize: WIDTH, width: WIDTH, depth: DEPTH, outputSize: 2, activation: 'relu', init }, rng);
  const X = rng.fillNormal(new Float64Array(BATCH * WIDTH));
  net.forward(X, BATCH);
  const q: number[] = [];
  for (let l = 1; l <= DEPTH; l++) {
    const a = net.activationInput(l);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
    q.push(s / a.length);
  }
  return q;
}

test('He initialisation keeps the second moment of ReLU pre-activations within a factor 2 over 20 layers', (t) => {
  const q = secondMoments('he');
  // q_1 = 2 E[x^2] = 2 in expectation; each later layer is a sum of 256 terms, so its relative
  // sampling error is ~ sqrt(2 / 256) ~ 0.09 and drifts as a random walk: a factor 2 over 20 layers
  // is about 4 standard deviations of that walk
  const max = Math.max(...q);
  const min = Math.min(...q);
  t.true(max / min < 2, `q ranges over [${min}, ${max}]`);
  t.true(Math.abs(q[0]! / 2 - 1) < 0.2, `q_1 = ${q[0]}`);
});

test('Xavier initialisation halves it per layer: q_20 / q_1 near 2^-19', (t) => {
  const q = secondMoments('xavier');
  const ratio = q[DEPTH - 1]! / q[0]!;
  t.true(ratio < 1e-4, `ratio ${ratio}`);
  // the same random-walk spread as above: within a factor 2 of the mean-field value 2^-19
  t.true(ratio > 2 ** -19 / 2 && ratio < 2 ** -19 * 2, `ratio ${ratio} vs ${2 ** -19}`);
});

test('the standard normal multiplies it by N / 2 = 128 per layer: it explodes', (t) => {
  const q = secondMoments('standard-normal');
  const ratio = q[DEPTH - 1]! / q[0]!;
  t.true(ratio > 1e30, `ratio ${ratio}`);
  const perLayer = ratio ** (1 / (DEPTH - 1));
  t.true(perLayer > 64 && perLayer < 256, `per layer ${perLayer}`);
});
