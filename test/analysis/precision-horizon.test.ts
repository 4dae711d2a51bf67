/**
 * The precision horizon (src/analysis/precision-horizon.ts): the lag decomposition of dL/dW against
 * BPTT, an exactly known horizon (contributions 2^-k), and the theory's bracket on the horizon as a
 * property over random networks and gains, in float32 and float64.
 */
import test from 'ava';
import fc from 'fast-check';
import { activation } from '../../src/activations/index.ts';
import { absorptionRatios, horizonBracket, lagContribution, lagSum, normwiseHorizon, relativeDifference } from '../../src/analysis/precision-horizon.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { UNIT_ROUNDOFF, type Real } from '../../src/linalg/precision.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import { createRnn, type Rnn } from '../../src/models/rnn.ts';
import { TOL } from '../helpers/tolerance.ts';

const TANH = activation('tanh');
const IDENTITY = activation('identity');

function f32(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/** Both precisions of one tanh RNN (float32-valued weights), loss on h_T, dL/dh_t kept. */
function runs(seed: number, gain: number, n: number, m: number, B: number, T: number) {
  const rng = new Rng(seed);
  const W = f32(initWeights('orthogonal', n, n, new Rng(seed + 1), gain));
  const U = f32(rng.fillNormal(new Float64Array(n * m), 0, 1 / Math.sqrt(m)));
  const b = f32(rng.fillNormal(new Float64Array(n), 0, 0.1));
  const x = f32(rng.fillNormal(new Float64Array(T * B * m), 0, 0.3));
  const h0 = f32(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets: rng.fillNormal(new Float64Array(B * n)) };
  const one = (rnn: Rnn<Real>) => {
    const xs = rnn.precision === 'float32' ? Float32Array.from(x) : x;
    const tape = createTape(rnn, B, T);
    forward(rnn, xs, tape, { s0: { h: h0 } });
    const grads = createGradients(rnn, B, T, null, { stateGradients: true });
    backward(rnn, tape, xs, loss, null, grads);
    return { tape, grads };
  };
  return { r64: one(createRnn({ n, m, W, U, b, activation: TANH })), r32: one(createRnn({ n, m, W, U, b, activation: TANH, precision: 'float32' })) };
}

test('the lag contributions sum to the BPTT gradient dL/dW (float64 exactly up to round-off, float32 within the float32 tolerance)', (t) => {
  const n = 8, m = 3, B = 3, T = 40;
  const { r64, r32 } = runs(3, 0.9, n, m, B, T);
  const s64 = lagSum(TANH, n, B, T, r64.tape.states.h, r64.grads.perStep!.h, new Float64Array(n * n));
  t.true(relativeDifference(s64.total, r64.grads.theta.subarray(0, n * n)) <= TOL.roundoff);
  const s32 = lagSum(TANH, n, B, T, r32.tape.states.h, r32.grads.perStep!.h, new Float32Array(n * n));
  t.true(relativeDifference(s32.total, r64.grads.theta.subarray(0, n * n)) <= TOL.float32Rnn);
  t.true(s32.total instanceof Float32Array);
});

test('lagContribution: n = 1, tanh, C_0 = dL/dh_T (1 - h_T^2) h_{T-1}', (t) => {
  const h = new Float64Array([0.25, 0.5]);
  const deltas = new Float64Array([0, 2]);
  const out = lagContribution(TANH, 1, 1, 1, h, deltas, 0, new Float64Array(1), new Float64Array(1));
  t.is(out[0], 2 * (1 - 0.25) * 0.25);
});

/**
 * Contributions c_k = 2^-k (identity activation, h = 1): the float32 sum 1 + 1/2 + ... holds every
 * bit up to 2 - 2^-23 (24 significant bits) at k = 23; 2^-24 is then half an ulp, a tie that
 * rounds to even: 2, a change; from k = 25 on, 2^-k is below half of ulp(2) = 2^-22: no change.
 * So the horizon is 25 (the last changing lag is 24); in float64 by the same count it is 54.
 * The ratios are rho_k = 2^-k / 2: the bracket is [22, 25] in float32 and [51, 54] in float64.
 */
test('an exactly known horizon: contributions 2^-k stop changing the float32 sum after lag 24, the float64 sum after lag 53', (t) => {
  for (const [T, total, horizon, bracket, u] of [
    [40, new Float32Array(1), 25, { lower: 22, upper: 25 }, UNIT_ROUNDOFF.float32],
    [70, new Float64Array(1), 54, { lower: 51, upper: 54 }, UNIT_ROUNDOFF.float64],
  ] as const) {
    const h = new Float64Array(T + 1).fill(1);
    const deltas = new Float64Array(T + 1);
    for (let k = 0; k < T; k++) deltas[T - k] = 2 ** -k;
    const s = lagSum(IDENTITY, 1, 1, T, h, deltas, total);
    t.is(s.horizon, horizon);
    t.is(s.changedEntries[horizon - 1], 1);
    t.true(s.changedEntries.subarray(horizon).every((c) => c === 0));
    t.is(s.retained[horizon], 0);
    t.is(s.retained[3], 1);
    const s64 = lagSum(IDENTITY, 1, 1, T, h, deltas, new Float64Array(1));
    const rho = absorptionRatios(IDENTITY, 1, 1, T, h, deltas, s64.total);
    t.deepEqual(horizonBracket(rho, u), bracket);
  }
});

test('horizonBracket and normwiseHorizon on their documented examples', (t) => {
  t.deepEqual(horizonBracket([1, 1e-3, 1e-7, 1e-9], 2 ** -24), { lower: 2, upper: 3 });
  t.is(normwiseHorizon(1, 1, 0.5, 2 ** -24), 24);
  t.is(normwiseHorizon(1, 1, 1.2, 2 ** -24), Infinity);
});

test('property: the measured horizon lies in the bracket of the unit roundoff, in float32 and float64, for random networks and gains', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.3, max: 1.05, noNaN: true }), fc.integer({ min: 1, max: 2 }), (seed, gain, B) => {
      const n = 6, m = 2, T = 150;
      const { r64, r32 } = runs(seed, gain, n, m, B, T);
      const s64 = lagSum(TANH, n, B, T, r64.tape.states.h, r64.grads.perStep!.h, new Float64Array(n * n));
      const s32 = lagSum(TANH, n, B, T, r32.tape.states.h, r32.grads.perStep!.h, new Float32Array(n * n));
      const rho = absorptionRatios(TANH, n, B, T, r64.tape.states.h as Float64Array, r64.grads.perStep!.h as Float64Array, s64.total);
      const b32 = horizonBracket(rho, UNIT_ROUNDOFF.float32);
      const b64 = horizonBracket(rho, UNIT_ROUNDOFF.float64);
      return b32.lower <= s32.horizon && s32.horizon <= b32.upper && b64.lower <= s64.horizon && s64.horizon <= b64.upper && s32.horizon <= s64.horizon;
    }),
    { seed: 16, numRuns: 40 },
  );
  t.pass();
});
