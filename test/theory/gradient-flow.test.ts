/**
 * Gradient flow backwards in time for a loss on h_T: dL/dh_{T-k} = P_k^T dL/dh_T, hence
 *
 *     ||dL/dh_{T-k}|| <= ||P_k|| ||dL/dh_T|| <= (gamma sigma_max(W))^k ||dL/dh_T||,
 *
 * and under gamma sigma_max < 1 the reach (lag where the norm has fallen by 1e-6) is at most
 * ceil(ln 1e-6 / ln(gamma sigma_max)). Property tests over random networks, fixed seeds.
 */
import test from 'ava';
import fc from 'fast-check';
import { activation } from '../../src/activations/index.ts';
import { gradientFlow, reach } from '../../src/analysis/gradient-flow.ts';
import { productNorms } from '../../src/analysis/jacobian-products.ts';
import { sigmaMax } from '../../src/analysis/spectral-norm.ts';
import { reachBound } from '../../src/analysis/theory-bounds.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import type { SequenceLoss } from '../../src/models/readout.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { TOL } from '../helpers/tolerance.ts';

const caseArb = fc.record({
  act: fc.constantFrom('sigmoid', 'tanh', 'relu', 'x / (1 + abs(x))'),
  gain: fc.double({ min: 0.2, max: 5, noNaN: true }),
  n: fc.integer({ min: 2, max: 10 }),
  T: fc.integer({ min: 5, max: 60 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

function setup(c: { act: string; gain: number; n: number; T: number; seed: number }) {
  const rng = new Rng(c.seed);
  const m = 2;
  const f = activation(c.act);
  const W = initWeights('orthogonal', c.n, c.n, rng, c.gain);
  const rnn = createRnn({ n: c.n, m, W, U: initWeights('gaussian', c.n, m, rng), b: rng.fillNormal(new Float64Array(c.n), 0, 0.3), activation: f });
  const x = rng.fillNormal(new Float64Array(c.T * m));
  const h0 = rng.fillNormal(new Float64Array(c.n));
  const loss: SequenceLoss = { kind: 'squared-error', steps: 'last', targets: rng.fillNormal(new Float64Array(c.n)) };
  return { rnn, x, h0, loss, s: sigmaMax(W, c.n) };
}

test('||dL/dh_{T-k}|| <= ||P_k|| ||dL/dh_T|| <= (gamma sigma_max)^k ||dL/dh_T|| for every lag', (t) => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const { rnn, x, h0, loss, s } = setup(c);
      const flow = gradientFlow(rnn, x, { h: h0 }, 1, c.T, loss);
      const tape = createTape(rnn, 1, c.T);
      forward(rnn, x, tape, { s0: { h: h0 } });
      const pn = productNorms(rnn, tape);
      const g0 = flow.normsByLag[0]!;
      const lg = Math.log(rnn.activation.gamma * s);
      for (let k = 1; k <= c.T; k++) {
        const lhs = Math.log(flow.normsByLag[k]!);
        // the power-iteration ||P_k|| is a lower estimate converged to 1e-13 (see spectral-norm.test.ts)
        if (!(lhs <= pn.logNorms[k - 1]! + Math.log(g0) + TOL.roundoff * k)) return false;
        if (!(lhs <= k * lg + Math.log(g0) + TOL.roundoff * k)) return false;
      }
      return true;
    }),
    { seed: 1991, numRuns: 100 },
  );
  t.pass();
});

test('under gamma sigma_max < 1 the reach is at most ceil(ln 1e-6 / ln(gamma sigma_max))', (t) => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0.2, max: 0.95, noNaN: true }), (c, gs) => {
      // orthogonal W: sigma_max = gain, so gain = gs / gamma puts gamma sigma_max at gs
      const f = activation(c.act);
      const cc = { ...c, gain: gs / f.gamma, T: 150 };
      const { rnn, x, h0, loss, s } = setup(cc);
      const flow = gradientFlow(rnn, x, { h: h0 }, 1, cc.T, loss);
      return flow.reach <= reachBound(f.gamma, s, 1e-6, cc.T);
    }),
    { seed: 1994, numRuns: 60 },
  );
  t.pass();
});

test('reach: first lag at or below factor times the last-step norm, T when never', (t) => {
  t.is(reach([1, 1e-3, 1e-7, 1e-9]), 2);
  t.is(reach([2, 1, 2e-6, 1]), 2);
  t.is(reach([1, 0.5, 0.25, 0.2], 0.1), 3, 'never falls by 0.1: T');
  t.is(reach([1, 0.5, 0.01, 0.2], 0.1), 2);
  t.is(reachBound(1, 0.5, 1e-6, 100), 20);
  t.is(reachBound(0.25, 5, 1e-6, 100), 100);
});

test('a linear network with W = g Q (orthogonal) has ||dL/dh_{T-k}|| = g^k ||dL/dh_T|| and reach = ceil(6 ln 10 / -ln g)', (t) => {
  for (const g of [0.5, 0.8, 0.95]) {
    const n = 5;
    const T = 400;
    const rng = new Rng(3);
    const rnn = createRnn({ n, m: 1, W: initWeights('orthogonal', n, n, rng, g), U: rng.fillNormal(new Float64Array(n)), b: new Float64Array(n), activation: activation('identity') });
    const flow = gradientFlow(rnn, rng.fillNormal(new Float64Array(T)), { h: rng.fillNormal(new Float64Array(n)) }, 1, T, { kind: 'squared-error', steps: 'last', targets: new Float64Array(n) });
    for (let k = 1; k <= T; k++) t.true(Math.abs(Math.log(flow.relative[k]!) - k * Math.log(g)) <= TOL.roundoff * k);
    t.is(flow.reach, Math.ceil(Math.log(1e-6) / Math.log(g)));
  }
});
