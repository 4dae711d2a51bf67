/**
 * The precision horizon (src/analysis/precision-horizon.ts): the lag decomposition of dL/dW against
 * BPTT, an exactly known horizon (contributions 2^-k), and the theory's bracket on the horizon as a
 * property over random networks and gains, in float32 and float64.
 */
import test from 'ava';
import fc from 'fast-check';
import { activation } from '../../src/activations/index.ts';
import { absorptionRatios, formatBracket, horizonBracket, lagContribution, lagSum, lagTerms, normwiseHorizon, recurrentGradient, recurrentWeights, relativeDifference, type LagTerms } from '../../src/analysis/precision-horizon.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { FORMATS } from '../../src/linalg/formats.ts';
import { UNIT_ROUNDOFF, type Real } from '../../src/linalg/precision.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import type { RecurrentCell } from '../../src/models/cell.ts';
import { createGru } from '../../src/models/gru.ts';
import { createLstm, lstmFromParameters } from '../../src/models/lstm.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { scaledError } from '../helpers/float32.ts';
import { TOL } from '../helpers/tolerance.ts';

const TANH = activation('tanh');

function f32(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/** A forward and BPTT run of a cell (loss on h_T, da_t kept) on float32-valued inputs and initial state. */
function run<A extends Real>(cell: RecurrentCell<unknown, unknown, A>, seed: number, B: number, T: number) {
  const rng = new Rng(seed);
  const { n, m } = cell;
  const x = f32(rng.fillNormal(new Float64Array(T * B * m), 0, 0.3));
  const h0 = f32(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets: rng.fillNormal(new Float64Array(B * n)) };
  const xs = (cell.precision === 'float32' ? Float32Array.from(x) : x) as A;
  const tape = createTape(cell, B, T);
  forward(cell, xs, tape, { s0: { h: h0 } });
  const grads = createGradients(cell, B, T, null, { preActivationGradients: true });
  backward(cell, tape, xs, loss, null, grads);
  return { tape, grads, terms: lagTerms(cell, tape, grads), dW: recurrentGradient(cell, grads.theta) };
}

/** A tanh RNN with float32-valued orthogonal W of the given gain, in one precision. */
function rnn(seed: number, gain: number, n: number, m: number, precision: 'float64' | 'float32' = 'float64') {
  const rng = new Rng(seed);
  const W = f32(initWeights('orthogonal', n, n, new Rng(seed + 1), gain));
  const U = f32(rng.fillNormal(new Float64Array(n * m), 0, 1 / Math.sqrt(m)));
  const b = f32(rng.fillNormal(new Float64Array(n), 0, 0.1));
  return createRnn({ n, m, W, U, b, activation: TANH, precision });
}

/** A forget-gate LSTM with orthogonal Wh blocks of the given gain (float64). */
function lstm(seed: number, gain: number, n: number, m: number) {
  return createLstm({ n, m, forgetGate: true, recurrentInit: 'orthogonal', gain }, new Rng(seed));
}

/** The same forget-gate LSTM (b_f = 0, float32-valued parameters) in both precisions. */
function lstmPair(seed: number, gain: number, n: number, m: number) {
  const cfg = { n, m, forgetGate: true };
  const theta = f32(createLstm({ ...cfg, recurrentInit: 'orthogonal', gain, forgetBias: 0 }, new Rng(seed)).theta);
  return { float64: lstmFromParameters(cfg, theta), float32: lstmFromParameters({ ...cfg, precision: 'float32' }, theta) };
}

test('recurrentWeights: the block of W_h and where its da sits in a row of dA, for the RNN, the LSTM and the GRU', (t) => {
  t.deepEqual(recurrentWeights(rnn(1, 1, 3, 2)), { block: 'W', rows: 3, daOffset: 0 });
  t.deepEqual(recurrentWeights(lstm(1, 1, 3, 2)), { block: 'Wh', rows: 12, daOffset: 0 });
  t.deepEqual(recurrentWeights(createLstm({ n: 3, m: 2, forgetGate: false }, new Rng(1))), { block: 'Wh', rows: 9, daOffset: 0 });
  t.deepEqual(recurrentWeights(createGru({ n: 3, m: 2 }, new Rng(1))), { block: 'Wh', rows: 9, daOffset: 9 });
});

/**
 * The lag decomposition against the BPTT gradient of W_h. One lag (T = 1, B = 1) is one product
 * per entry on both routes: equal exactly. Over T = 40 lags and B = 3 rows the two routes sum the
 * same products in different orders (lag order here, the blocked GEMM dW_h += dA^T H there): equal
 * to within float64 round-off.
 */
test('the lag contributions sum to the BPTT gradient dL/dW_h: exactly for one lag, within float64 round-off over 40 lags (RNN, LSTM, GRU)', (t) => {
  const cells = (n: number, m: number) => [rnn(3, 0.9, n, m), lstm(3, 0.9, n, m), createGru({ n, m, gain: 0.9 }, new Rng(3))];
  for (const cell of cells(5, 2)) {
    const r = run(cell, 4, 1, 1);
    const s = lagSum(r.terms, new Float64Array(r.dW.length));
    t.deepEqual(Array.from(s.total), Array.from(r.dW), `${cell.kind}, one lag`);
  }
  for (const cell of cells(8, 3)) {
    const r = run(cell, 4, 3, 40);
    const s = lagSum(r.terms, new Float64Array(r.dW.length));
    t.true(s.total.some((v) => v !== 0));
    t.true(relativeDifference(s.total, r.dW) <= TOL.roundoff, `${cell.kind}: ${relativeDifference(s.total, r.dW)}`);
  }
});

test('the float32 lag sum of a float32 RNN is the float32 BPTT gradient within the float32 tolerance', (t) => {
  const n = 8;
  const r64 = run(rnn(3, 0.9, n, 3), 4, 3, 40);
  const r32 = run(rnn(3, 0.9, n, 3, 'float32'), 4, 3, 40);
  const s32 = lagSum(r32.terms, new Float32Array(n * n));
  t.true(s32.total instanceof Float32Array);
  t.true(relativeDifference(s32.total, r64.dW) <= TOL.float32Rnn);
  t.true(relativeDifference(s32.total, r64.dW) > TOL.roundoff);
});

test('the float32 lag sum of a float32 LSTM is the float32 BPTT gradient of Wh within the float32 tolerance of gated cells', (t) => {
  const n = 8;
  const cells = lstmPair(3, 0.9, n, 3);
  const r64 = run(cells.float64, 4, 3, 30);
  const r32 = run(cells.float32, 4, 3, 30);
  t.true(r32.terms.dA instanceof Float32Array);
  const s32 = lagSum(r32.terms, new Float32Array(4 * n * n));
  t.true(scaledError(s32.total, r64.dW) <= TOL.float32Gated);
  t.true(scaledError(s32.total, r64.dW) > TOL.roundoff);
  t.true(scaledError(s32.total, r32.dW) <= TOL.float32Gated);
});

test('lagContribution: n = R = 1, C_0 = da_T h_{T-1}; in bfloat16 the stored values and the product are rounded', (t) => {
  const terms: LagTerms = { n: 1, B: 1, T: 1, rows: 1, width: 1, daOffset: 0, h: new Float64Array([0.25, 0.5]), dA: new Float64Array([0.75]) };
  t.is(lagContribution(terms, 0, new Float64Array(1))[0], 0.75 * 0.25);
  // 1 + 2^-8 rounds to 1 (a tie, to even); (1 + 2^-7)(1 + 2^-7) = 1 + 2^-6 + 2^-14 rounds to 1 + 2^-6
  const bf: LagTerms = { ...terms, h: new Float64Array([1 + 2 ** -7, 0]), dA: new Float64Array([1 + 2 ** -7]) };
  t.is(lagContribution(bf, 0, new Float64Array(1), FORMATS.bfloat16)[0], 1 + 2 ** -6);
  t.is(lagContribution({ ...bf, dA: new Float64Array([1 + 2 ** -8]) }, 0, new Float64Array(1), FORMATS.bfloat16)[0], 1 + 2 ** -7);
});

/** Terms with contributions c_k = 2^-k (n = R = B = 1, h = 1, da_{T-k} = 2^-k). */
function powersOfTwo(T: number): LagTerms<Float64Array> {
  const dA = new Float64Array(T);
  for (let k = 0; k < T; k++) dA[T - k - 1] = 2 ** -k;
  return { n: 1, B: 1, T, rows: 1, width: 1, daOffset: 0, h: new Float64Array(T + 1).fill(1), dA };
}

/**
 * Contributions c_k = 2^-k: a sum with p significand bits, 1 + 1/2 + ..., holds every bit up to
 * 2 - 2^(1-p) at k = p - 1; 2^-p is then half an ulp, a tie that rounds to even: 2, a change; from
 * k = p + 1 on, 2^-k is below half of ulp(2) = 2^(2-p): no change. So the horizon is p + 1 (the last
 * changing lag is p): 25 in float32, 54 in float64, 12 in float16, 9 in bfloat16. The ratios are
 * rho_k = 2^-k / 2: the bracket is [p - 2, p + 1] (the exponent range never binds: 2^-69 is normal in
 * float32 and bfloat16, and float16's subnormals start below 2^-14).
 */
test('an exactly known horizon: contributions 2^-k stop changing a sum with p significand bits after lag p (float64, float32, float16, bfloat16)', (t) => {
  const T = 70;
  const terms = powersOfTwo(T);
  const s64 = lagSum(terms, new Float64Array(1));
  const rho = absorptionRatios(terms, s64.total);
  for (const [format, total] of [
    [FORMATS.float64, new Float64Array(1)],
    [FORMATS.float32, new Float32Array(1)],
    [FORMATS.float16, new Float64Array(1)],
    [FORMATS.bfloat16, new Float64Array(1)],
  ] as const) {
    const { p } = format;
    const s = lagSum(terms, total, format);
    t.is(s.horizon, p + 1, format.name);
    t.is(s.total[0], 2);
    t.is(s.changedEntries[p], 1);
    t.true(s.changedEntries.subarray(p + 1).every((c) => c === 0));
    t.is(s.retained[p + 1], 0);
    t.is(s.retained[3], 1);
    t.deepEqual(horizonBracket(rho, format.u), { lower: p - 2, upper: p + 1 });
    t.deepEqual(formatBracket(terms, s64.total, format), { lower: p - 2, upper: p + 1 });
  }
});

test('horizonBracket and normwiseHorizon on their documented examples', (t) => {
  t.deepEqual(horizonBracket([1, 1e-3, 1e-7, 1e-9], 2 ** -24), { lower: 2, upper: 3 });
  t.is(normwiseHorizon(1, 1, 0.5, 2 ** -24), 24);
  t.is(normwiseHorizon(1, 1, 1.2, 2 ** -24), Infinity);
  const s = lagSum(powersOfTwo(70), new Float64Array(1));
  t.deepEqual(formatBracket(powersOfTwo(70), s.total, FORMATS.float16), { lower: 9, upper: 12 });
});

test('property: the measured horizon lies in the bracket of the unit roundoff, in float32 and float64, for random tanh RNNs and gains', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.3, max: 1.05, noNaN: true }), fc.integer({ min: 1, max: 2 }), (seed, gain, B) => {
      const n = 6, m = 2, T = 150;
      const r64 = run(rnn(seed, gain, n, m), seed + 2, B, T);
      const r32 = run(rnn(seed, gain, n, m, 'float32'), seed + 2, B, T);
      const s64 = lagSum(r64.terms, new Float64Array(n * n));
      const s32 = lagSum(r32.terms, new Float32Array(n * n));
      const rho = absorptionRatios(r64.terms as LagTerms<Float64Array>, s64.total);
      const b32 = horizonBracket(rho, UNIT_ROUNDOFF.float32);
      const b64 = horizonBracket(rho, UNIT_ROUNDOFF.float64);
      return b32.lower <= s32.horizon && s32.horizon <= b32.upper && b64.lower <= s64.horizon && s64.horizon <= b64.upper && s32.horizon <= s64.horizon;
    }),
    { seed: 16, numRuns: 40 },
  );
  t.pass();
});

test('property: the measured horizon lies in the bracket of the unit roundoff, in float32 and float64, for random forget-gate LSTMs and gains', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.3, max: 1.3, noNaN: true }), (seed, gain) => {
      const n = 5, m = 2, T = 120;
      const cells = lstmPair(seed, gain, n, m);
      const r64 = run(cells.float64, seed + 2, 1, T);
      const r32 = run(cells.float32, seed + 2, 1, T);
      const s64 = lagSum(r64.terms, new Float64Array(4 * n * n));
      const s32 = lagSum(r32.terms, new Float32Array(4 * n * n));
      const terms64 = r64.terms as LagTerms<Float64Array>;
      const b32 = formatBracket(terms64, s32.total, FORMATS.float32);
      const b64 = formatBracket(terms64, s64.total, FORMATS.float64);
      return b32.lower <= s32.horizon && s32.horizon <= b32.upper && b64.lower <= s64.horizon && s64.horizon <= b64.upper && s32.horizon < s64.horizon;
    }),
    { seed: 16, numRuns: 30 },
  );
  t.pass();
});

test('property: the emulated float16 and bfloat16 horizons lie in their brackets, for random tanh RNNs and LSTMs and gains', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.3, max: 1.2, noNaN: true }), fc.boolean(), (seed, gain, isLstm) => {
      const n = 6, m = 2, T = 80;
      const cell = isLstm ? lstm(seed, gain, n, m) : rnn(seed, gain, n, m);
      const r = run(cell, seed + 2, 1, T);
      const s64 = lagSum(r.terms, new Float64Array(r.dW.length));
      return [FORMATS.float16, FORMATS.bfloat16].every((f) => {
        const sf = lagSum(r.terms, new Float64Array(r.dW.length), f);
        const h = sf.horizon;
        const b = formatBracket(r.terms as LagTerms<Float64Array>, sf.total, f);
        return b.lower <= h && h <= b.upper && h <= s64.horizon;
      });
    }),
    { seed: 16, numRuns: 60 },
  );
  t.pass();
});
