/**
 * The LSTM cells in float32 (precision: 'float32'), the 1997 cell with its constant error carousel
 * and the forget-gate cell, with and without peepholes and with the 1997 scaled sigmoids: forward
 * states, loss, gradients, per-step gradient norms and the Jacobian products (jvp, vjp) against
 * the float64 cell on the same weights and inputs (rounded to float32 first, so both compute the
 * same function and differ only by the float32 arithmetic), within the stated float32 tolerance;
 * the float32 gradient against central differences in float64 of that function; and a float64
 * cell that is unchanged by the option (the same bits as before, through its whole-run kernels).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import type { LstmConfig } from '../../src/models/lstm-layout.ts';
import { createLstm, lstmFromParameters } from '../../src/models/lstm.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { expectCloseToFloat64, expectDifferencesMatchFloat32Gradient, expectJacobianProductsClose, f32Values, runBothPrecisions } from '../helpers/float32.ts';
import { TOL } from '../helpers/tolerance.ts';

type Variant = Partial<LstmConfig>;

const VARIANTS: Array<{ label: string; cfg: Variant }> = [
  { label: '1997 cell (CEC)', cfg: { forgetGate: false, peepholes: false } },
  { label: '1997 cell + peepholes', cfg: { forgetGate: false, peepholes: true } },
  { label: 'forget-gate cell', cfg: { forgetGate: true, peepholes: false } },
  { label: 'forget-gate cell + peepholes', cfg: { forgetGate: true, peepholes: true } },
  { label: '1997 cell, scaled sigmoids', cfg: { forgetGate: false, peepholes: true, squash: 'scaled-sigmoid' } },
];

/**
 * Float32-exact parameters of a freshly initialised cell (orthogonal Wh, xavier Wx), with random
 * biases and peepholes so every term of the step is exercised; inputs and initial states likewise.
 */
function setup(cfg: Variant, seed: number, n: number, m: number, B: number, T: number) {
  const rng = new Rng(seed);
  const init = createLstm({ n, m, ...cfg, inputBias: -0.5, outputBias: -0.5 }, rng);
  rng.fillNormal(init.b, 0, 0.5);
  for (const p of [init.pi, init.pf, init.po]) rng.fillNormal(p, 0, 0.3);
  const theta = f32Values(init.theta);
  const x = f32Values(rng.fillNormal(new Float64Array(T * B * m)));
  const h0 = f32Values(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  const c0 = f32Values(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  return { rng, cfg: { n, m, ...cfg }, theta, x, h0, c0, B, T };
}

function runBoth(cfg: Variant, seed: number, n: number, m: number, B: number, T: number, steps: SequenceLoss['steps'], p?: number) {
  const s = setup(cfg, seed, n, m, B, T);
  const readout: Readout | null = randomReadout(n, p, s.rng);
  const loss = randomLoss('squared-error', steps, p ?? n, B, T, s.rng);
  const r = runBothPrecisions(lstmFromParameters(s.cfg, s.theta), lstmFromParameters({ ...s.cfg, precision: 'float32' }, s.theta), B, T, s.x, { h: s.h0, c: s.c0 }, loss, readout);
  return { s, ...r };
}

test('a float32 LSTM keeps every array in float32; the default stays float64; the option is checked', (t) => {
  const { c64: l64, c32: l32, tape32, g32, tape64, g64 } = runBoth({ forgetGate: false }, 1, 6, 2, 3, 5, 'last');
  t.is(l64.precision, 'float64');
  t.is(l32.precision, 'float32');
  t.truthy(l64.kernels);
  t.truthy(l32.kernels, "the float32 whole-run kernels (slstm_forward, slstm_backward)");
  for (const a of [l32.theta, l32.Wh, l32.b, tape32.states.h, tape32.states.c, tape32.records.gates, tape32.records.hc, g32.theta, g32.s0.h, g32.s0.c, g32.work.ds.c, g32.work.dA, g32.perStep!.c]) {
    t.true(a instanceof Float32Array);
  }
  for (const a of [l64.theta, tape64.states.c, g64.theta, g32.norms.h, g32.norms.c]) t.true(a instanceof Float64Array);
  t.throws(() => lstmFromParameters({ n: 2, m: 1, precision: 'float16' as 'float32' }), { message: /lstm: precision must be 'float64' or 'float32', got float16/ });
  const big = new Float64Array(l64.theta.length);
  big[3] = 1e39;
  t.throws(() => lstmFromParameters({ n: 6, m: 2, forgetGate: false, precision: 'float32' }, big), { message: /lstm: theta\[3\] = 1e\+39 is outside the float32 range/ });
  // createLstm draws the same values in both precisions
  const a = createLstm({ n: 5, m: 2 }, new Rng(9));
  const b = createLstm({ n: 5, m: 2, precision: 'float32' }, new Rng(9));
  t.deepEqual(Array.from(b.theta), Array.from(Float32Array.from(a.theta)));
});

for (const [vi, { label, cfg }] of VARIANTS.entries()) {
  test(`float32 forward, loss, gradients and norms equal float64 within the float32 tolerance: ${label}, n = 16, B = 3, loss at every step`, (t) => {
    const r = runBoth(cfg, 20 + vi, 16, 3, 3, 30, 'all', 2);
    check(t, r);
  });
}

for (const [label, n, m, B, T, steps] of [
  ['n = 16, B = 8 (the share-kernel threshold: float64 and float32 run their kernels)', 16, 3, 8, 30, 'last'],
  ['n = 64, B = 32 (products through the f32x4 GEMM)', 64, 4, 32, 20, 'all'],
] as const) {
  for (const forgetGate of [false, true]) {
    test(`float32 equals float64 within the float32 tolerance: ${forgetGate ? 'forget-gate' : '1997'} cell, ${label}`, (t) => {
      const r = runBoth({ forgetGate, peepholes: true }, 40 + n + B, n, m, B, T, steps, 3);
      check(t, r);
    });
  }
}

function check(t: import('ava').ExecutionContext, r: ReturnType<typeof runBoth>): void {
  const errors = expectCloseToFloat64(t, r, TOL.float32Gated);
  // and it really ran in float32 (a float64 run would agree to ~1e-15)
  t.true(errors['h']! > 1e-9 && errors['Wh']! > 1e-9, JSON.stringify(errors));
}

for (const [vi, { label, cfg }] of VARIANTS.entries()) {
  test(`float32 gradients against central differences in float64 of the same function: ${label}`, (t) => {
    const n = 5, m = 2, B = 2, T = 10;
    const s = setup(cfg, 60 + vi, n, m, B, T);
    const readout = randomReadout(n, 2, s.rng);
    const loss = randomLoss('squared-error', 'all', 2, B, T, s.rng);
    const l64 = lstmFromParameters(s.cfg, s.theta);
    const l32 = lstmFromParameters({ ...s.cfg, precision: 'float32' }, s.theta);
    expectDifferencesMatchFloat32Gradient(t, l64, l32, B, T, s.x, Float32Array.from(s.x), { h: s.h0, c: s.c0 }, loss, readout, TOL.float32Gated);
  });
}

for (const [vi, { label, cfg }] of VARIANTS.entries()) {
  test(`float32 Jacobian products (jvp, vjp) equal float64 within the float32 tolerance, and vjp is jvp's transpose: ${label}`, (t) => {
    const r = runBoth(cfg, 80 + vi, 12, 2, 3, 15, 'last');
    expectJacobianProductsClose(t, r, r.s.rng, 5, TOL.float32Gated);
  });
}
