/**
 * The GRU in float32 (precision: 'float32'): forward states, loss, gradients, per-step gradient
 * norms and the Jacobian products (jvp, vjp) against the float64 GRU on the same weights and inputs
 * (rounded to float32 first, so both compute the same function and differ only by the float32
 * arithmetic), within the stated float32 tolerance; the float32 gradient against central
 * differences in float64 of that function; and the option's checks.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { views } from '../../src/models/cell.ts';
import { createGru, gruFromParameters, gruFromTorch } from '../../src/models/gru.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { expectCloseToFloat64, expectDifferencesMatchFloat32Gradient, expectJacobianProductsClose, f32Values, runBothPrecisions } from '../helpers/float32.ts';
import { TOL } from '../helpers/tolerance.ts';

/**
 * Float32-exact parameters of a freshly initialised GRU (orthogonal Wh, xavier Wx) with random
 * biases, so every term of the step is exercised; inputs and initial states likewise.
 */
function setup(seed: number, n: number, m: number, B: number, T: number, updateBias = 0) {
  const rng = new Rng(seed);
  const init = createGru({ n, m, updateBias }, rng);
  for (const b of [init.bx, init.bh]) rng.fillNormal(b, updateBias / 2, 0.5);
  const theta = f32Values(init.theta);
  const x = f32Values(rng.fillNormal(new Float64Array(T * B * m)));
  const h0 = f32Values(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  return { rng, n, m, theta, x, h0, B, T };
}

function runBoth(seed: number, n: number, m: number, B: number, T: number, steps: SequenceLoss['steps'], p?: number, updateBias = 0) {
  const s = setup(seed, n, m, B, T, updateBias);
  const readout: Readout | null = randomReadout(n, p, s.rng);
  const loss = randomLoss('squared-error', steps, p ?? n, B, T, s.rng);
  const r = runBothPrecisions(gruFromParameters(n, m, s.theta), gruFromParameters(n, m, s.theta, { precision: 'float32' }), B, T, s.x, { h: s.h0 }, loss, readout);
  return { s, ...r };
}

test('a float32 GRU keeps every array in float32; the default stays float64; the option is checked', (t) => {
  const { c64, c32, tape32, g32, tape64, g64 } = runBoth(1, 6, 2, 3, 5, 'last');
  t.is(c64.precision, 'float64');
  t.is(c32.precision, 'float32');
  t.truthy(c64.kernels);
  t.truthy(c32.kernels, "the float32 whole-run kernels (sgru_forward, sgru_backward)");
  for (const a of [c32.theta, c32.Wh, c32.bh, tape32.states.h, tape32.records.gates, tape32.records.hn, tape32.records.ah, g32.theta, g32.s0.h, g32.work.ds.h, g32.work.dA]) {
    t.true(a instanceof Float32Array);
  }
  for (const a of [c64.theta, tape64.states.h, g64.theta, g32.norms.h]) t.true(a instanceof Float64Array);
  t.throws(() => gruFromParameters(2, 1, undefined, { precision: 'float16' as 'float32' }), { message: /gru: precision must be 'float64' or 'float32', got float16/ });
  const big = new Float64Array(c64.theta.length);
  big[7] = -1e39;
  t.throws(() => gruFromParameters(6, 2, big, { precision: 'float32' }), { message: /gru: theta\[7\] = -1e\+39 is outside the float32 range/ });
  // createGru draws the same values in both precisions; gruFromTorch rounds PyTorch's tensors once
  const a = createGru({ n: 5, m: 2, updateBias: 1 }, new Rng(9));
  const b = createGru({ n: 5, m: 2, updateBias: 1, precision: 'float32' }, new Rng(9));
  t.deepEqual(Array.from(b.theta), Array.from(Float32Array.from(a.theta)));
  const v = views(a, a.theta);
  const torch = gruFromTorch(5, 2, { weight_ih: v.Wx!, weight_hh: v.Wh!, bias_ih: v.bx!, bias_hh: v.bh! }, { precision: 'float32' });
  t.is(torch.precision, 'float32');
  t.deepEqual(Array.from(torch.theta), Array.from(b.theta));
});

for (const [label, n, m, B, T, steps, p, updateBias] of [
  ['n = 16, B = 3, loss at every step with a readout', 16, 3, 3, 30, 'all', 2, 0],
  ['n = 16, B = 3, update bias 2 (z near 1: the copying path)', 16, 3, 3, 30, 'all', 2, 2],
  ['n = 16, B = 8 (the share-kernel threshold: float64 and float32 run their kernels)', 16, 3, 8, 30, 'last', undefined, 0],
  ['n = 64, B = 32 (products through the f32x4 GEMM)', 64, 4, 32, 20, 'all', 3, 0],
] as const) {
  test(`float32 forward, loss, gradients and norms equal float64 within the float32 tolerance: ${label}`, (t) => {
    const r = runBoth(7 + n + B + updateBias, n, m, B, T, steps, p, updateBias);
    const errors = expectCloseToFloat64(t, r, TOL.float32Gated);
    // and it really ran in float32 (a float64 run would agree to ~1e-15)
    t.true(errors['h']! > 1e-9 && errors['Wh']! > 1e-9, JSON.stringify(errors));
  });
}

test('float32 gradients against central differences in float64 of the same function (weights and inputs exactly float32)', (t) => {
  const n = 5, m = 2, B = 2, T = 10;
  const s = setup(31, n, m, B, T);
  const readout = randomReadout(n, 2, s.rng);
  const loss = randomLoss('squared-error', 'all', 2, B, T, s.rng);
  const c64 = gruFromParameters(n, m, s.theta);
  const c32 = gruFromParameters(n, m, s.theta, { precision: 'float32' });
  expectDifferencesMatchFloat32Gradient(t, c64, c32, B, T, s.x, Float32Array.from(s.x), { h: s.h0 }, loss, readout, TOL.float32Gated);
});

test('float32 Jacobian products (jvp, vjp) equal float64 within the float32 tolerance, and vjp is jvp\'s transpose', (t) => {
  const r = runBoth(80, 12, 2, 3, 15, 'last');
  expectJacobianProductsClose(t, r, r.s.rng, 5, TOL.float32Gated);
});
