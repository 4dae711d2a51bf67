/**
 * Pascanu, Mikolov and Bengio (2013): for P_k = J_T ... J_{T-k+1}, J_t = diag(f'(a_t)) W,
 *
 *     ||P_k|| <= prod_{j<k} ||J_{T-j}|| <= (gamma sigma_max(W))^k   for every k,
 *
 * and when gamma sigma_max(W) < 1 the products vanish geometrically: every window of j further
 * steps shrinks the norm by at least (gamma sigma_max)^j. Property tests over random networks
 * (activation, initialisation, gain, size, length, inputs), with a fixed fast-check seed.
 */
import test from 'ava';
import fc from 'fast-check';
import { activation } from '../../src/activations/index.ts';
import { decayRate, productNorms } from '../../src/analysis/jacobian-products.ts';
import { sigmaMax } from '../../src/analysis/spectral-norm.ts';
import { BOUNDARY, EXPLODING_POSSIBLE, regime, theoryBound, VANISHING } from '../../src/analysis/theory-bounds.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights, type InitName } from '../../src/init/weights.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { derivativeFactors } from '../helpers/cells.ts';
import { TOL } from '../helpers/tolerance.ts';

const ACTS = ['sigmoid', 'tanh', 'relu', 'identity', 'x / (1 + abs(x))'];
const INITS: InitName[] = ['gaussian', 'orthogonal', 'uniform'];

interface Case {
  act: string;
  init: InitName;
  gain: number;
  n: number;
  T: number;
  seed: number;
}

const caseArb = fc.record({
  act: fc.constantFrom(...ACTS),
  init: fc.constantFrom(...INITS),
  gain: fc.double({ min: 0.2, max: 6, noNaN: true }),
  n: fc.integer({ min: 2, max: 10 }),
  T: fc.integer({ min: 3, max: 40 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/** A random network and its product norms; `gammaSigma` rescales W so that gamma sigma_max(W) is exactly that. */
function run(c: Case, gammaSigma?: number) {
  const rng = new Rng(c.seed);
  const m = 2;
  const f = activation(c.act);
  const W = initWeights(c.init, c.n, c.n, rng, c.gain);
  if (gammaSigma !== undefined) {
    const scale = gammaSigma / (f.gamma * sigmaMax(W, c.n));
    for (let i = 0; i < W.length; i++) W[i]! *= scale;
  }
  const rnn = createRnn({ n: c.n, m, W, U: initWeights('gaussian', c.n, m, rng, 1), b: rng.fillNormal(new Float64Array(c.n), 0, 0.5), activation: f });
  const tape = createTape(rnn, 1, c.T);
  const x = rng.fillNormal(new Float64Array(c.T * m));
  forward(rnn, x, tape, { s0: { h: rng.fillNormal(new Float64Array(c.n)) } });
  const D = derivativeFactors(rnn, tape);
  const s = sigmaMax(W, c.n);
  return { f, W, s, D, pn: productNorms(rnn, tape) };
}

/** Stepwise exact norms ||J_t|| by SVD, independent of the power iteration. */
function svdStepNorms(W: Float64Array, n: number, D: Float64Array, T: number): number[] {
  const out: number[] = [];
  const J = new Float64Array(n * n);
  for (let k = 1; k <= T; k++) {
    const off = (T - k) * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) J[i * n + j] = D[off + i]! * W[i * n + j]!;
    out.push(sigmaMax(J, n));
  }
  return out;
}

test('||P_k|| <= (gamma sigma_max(W))^k at every lag k', (t) => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const { f, s, pn } = run(c);
      const logBound = Math.log(f.gamma * s);
      for (let k = 1; k <= c.T; k++) {
        // compared in logs so that 1e-300-sized products are still compared; round-off slack only
        if (!(pn.logNorms[k - 1]! <= k * logBound + TOL.roundoff * k)) return false;
      }
      return true;
    }),
    { seed: 20130101, numRuns: 120 },
  );
  t.pass();
});

test('||P_k|| <= product of the per-step norms ||J_T|| ... ||J_{T-k+1}|| (SVD step norms)', (t) => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const { W, D, pn } = run(c);
      const steps = svdStepNorms(W, c.n, D, c.T);
      let logProd = 0;
      for (let k = 1; k <= c.T; k++) {
        logProd += Math.log(steps[k - 1]!);
        if (!(pn.logNorms[k - 1]! <= logProd + TOL.roundoff * k)) return false;
      }
      return true;
    }),
    { seed: 19940301, numRuns: 80 },
  );
  t.pass();
});

test('under gamma sigma_max < 1 every further j steps shrink ||P|| by at least (gamma sigma_max)^j, so it vanishes geometrically', (t) => {
  const arb = fc.tuple(caseArb, fc.double({ min: 0.2, max: 0.98, noNaN: true }));
  fc.assert(
    fc.property(arb, ([c, gs]) => {
      const { f, s, pn } = run(c, gs);
      const lg = Math.log(f.gamma * s);
      for (let k = 1; k <= c.T; k++) {
        // a relu product that is exactly zero stays zero: nothing left to shrink
        if (pn.logNorms[k - 1] === -Infinity) break;
        for (let j = 1; k + j <= c.T; j += 3) {
          if (!(pn.logNorms[k + j - 1]! - pn.logNorms[k - 1]! <= j * lg + TOL.roundoff * (k + j))) return false;
        }
      }
      // and the fitted rate is a decay
      return !(decayRate(pn.logNorms).rate >= 0);
    }),
    { seed: 1988, numRuns: 80 },
  );
  t.pass();
});

test('theoryBound and regime: values and the three regimes', (t) => {
  t.deepEqual(Array.from(theoryBound(0.25, 2, 3)), [0.5, 0.25, 0.125]);
  t.is(regime(1, 0.9).regime, VANISHING);
  t.is(regime(0.25, 4.4).regime, EXPLODING_POSSIBLE);
  t.is(regime(0.25, 4).regime, BOUNDARY);
  t.is(regime(0.25, 3).threshold, 4);
});

test('decayRate recovers the rate of an exactly geometric sequence', (t) => {
  const logs = Array.from({ length: 50 }, (_, i) => Math.log(3) + (i + 1) * Math.log(0.7));
  const { rate, factor } = decayRate(logs);
  t.true(Math.abs(rate - Math.log(0.7)) <= TOL.roundoff);
  t.true(Math.abs(factor - 0.7) <= TOL.roundoff);
});

test('a linear network with W = g Q (Q orthogonal) has ||P_k|| = g^k exactly: the bound is attained', (t) => {
  for (const g of [0.8, 1, 1.3]) {
    const c: Case = { act: 'identity', init: 'orthogonal', gain: g, n: 6, T: 30, seed: 5 };
    const { pn } = run(c);
    for (let k = 1; k <= c.T; k++) {
      t.true(Math.abs(pn.logNorms[k - 1]! - k * Math.log(g)) <= TOL.roundoff * k, `g = ${g}, k = ${k}`);
    }
  }
});
