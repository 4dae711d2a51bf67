/**
 * The GRU in float32 (precision: 'float32'): forward states, loss, gradients, per-step gradient
 * norms and the Jacobian products (jvp, vjp) against the float64 GRU on the same weights and inputs
 * (rounded to float32 first, so both compute the same function and differ only by the float32
 * arithmetic), within the stated float32 tolerance; the float32 gradient against central
 * differences in float64 of that function; and the option's checks.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { backward, createGradients, createTape, forward, lossValue } from '../../src/models/bptt.ts';
import { views } from '../../src/models/cell.ts';
import { createGru, gruFromParameters, gruFromTorch } from '../../src/models/gru.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { f32Values, heapF32, scaledError } from '../helpers/float32.ts';
import { fivePointGradient } from '../helpers/finite-differences.ts';
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
  const g64cell = gruFromParameters(n, m, s.theta);
  const g32cell = gruFromParameters(n, m, s.theta, { precision: 'float32' });
  const tape64 = createTape(g64cell, B, T);
  const tape32 = createTape(g32cell, B, T);
  const x32 = heapF32(s.x);
  forward(g64cell, s.x, tape64, { s0: { h: s.h0 } });
  forward(g32cell, x32, tape32, { s0: { h: Float32Array.from(s.h0) } });
  const g64 = createGradients(g64cell, B, T, readout);
  const g32 = createGradients(g32cell, B, T, readout);
  const L64 = backward(g64cell, tape64, s.x, loss, readout, g64);
  const L32 = backward(g32cell, tape32, x32, loss, readout, g32);
  return { s, c64: g64cell, c32: g32cell, tape64, tape32, g64, g32, L64, L32, loss, readout };
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
    const errors: Record<string, number> = {
      h: scaledError(r.tape32.states.h, r.tape64.states.h),
      L: Math.abs(r.L32 - r.L64) / Math.abs(r.L64),
      h0: scaledError(r.g32.s0.h, r.g64.s0.h),
      norms: scaledError(r.g32.norms.h, r.g64.norms.h),
    };
    const v32 = views(r.c32, r.g32.theta);
    const v64 = views(r.c64, r.g64.theta);
    for (const b of r.c64.blocks) errors[b.name] = scaledError(v32[b.name]!, v64[b.name]!);
    if (r.readout) errors['readout'] = scaledError(r.g32.readout!, r.g64.readout!);
    for (const [k, e] of Object.entries(errors)) t.true(e <= TOL.float32Gated, `${k}: ${e}`);
    // and it really ran in float32 (a float64 run would agree to ~1e-15)
    t.true(errors['h']! > 1e-9 && errors['Wh']! > 1e-9, JSON.stringify(errors));
    // the loss is summed in float64 from the float32 states
    t.true(Math.abs(lossValue(r.c32, r.tape32, r.loss, r.readout) - r.L32) <= TOL.roundoff * Math.abs(r.L32));
    t.log(JSON.stringify(Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, Number(e.toPrecision(2))]))));
  });
}

test('float32 gradients against central differences in float64 of the same function (weights and inputs exactly float32)', (t) => {
  const n = 5, m = 2, B = 2, T = 10;
  const s = setup(31, n, m, B, T);
  const readout = randomReadout(n, 2, s.rng);
  const loss = randomLoss('squared-error', 'all', 2, B, T, s.rng);
  const c64 = gruFromParameters(n, m, s.theta);
  const c32 = gruFromParameters(n, m, s.theta, { precision: 'float32' });
  const tape64 = createTape(c64, B, T);
  const L = (): number => {
    forward(c64, s.x, tape64, { s0: { h: s.h0 } });
    return lossValue(c64, tape64, loss, readout);
  };
  const fd = fivePointGradient(c64.theta, L);
  const tape32 = createTape(c32, B, T);
  const x32 = Float32Array.from(s.x);
  forward(c32, x32, tape32, { s0: { h: Float32Array.from(s.h0) } });
  const g32 = createGradients(c32, B, T, readout);
  backward(c32, tape32, x32, loss, readout, g32);
  const v = views(c32, g32.theta);
  const f = views(c64, fd);
  const errors: string[] = [];
  for (const b of c64.blocks) {
    // float32 errors are absolute at the scale of the block, so relative to its largest entry; the
    // float64 five-point difference is ~1e-11 accurate
    const e = scaledError(v[b.name]!, f[b.name]!);
    t.true(e <= TOL.float32Gated && e > 1e-10, `${b.name}: ${e}`);
    errors.push(`${b.name} ${e.toPrecision(2)}`);
  }
  t.log(errors.join(', '));
});

test('float32 Jacobian products (jvp, vjp) equal float64 within the float32 tolerance, and vjp is jvp\'s transpose', (t) => {
  const n = 12, m = 2, B = 3, T = 15, k = 5;
  const r = runBoth(80, n, m, B, T, 'last');
  const V = f32Values(r.s.rng.fillNormal(new Float64Array(k * n)));
  const U = f32Values(r.s.rng.fillNormal(new Float64Array(k * n)));
  const w64 = r.c64.createWork(k);
  const w32 = r.c32.createWork(k);
  let worst = 0;
  for (const [step, row] of [[1, 0], [8, 2], [T, 1]] as const) {
    const jv64 = new Float64Array(k * n);
    const uj64 = new Float64Array(k * n);
    const jv32 = new Float32Array(k * n);
    const uj32 = new Float32Array(k * n);
    r.c64.jvp(r.tape64, step, row, k, V, jv64, w64);
    r.c64.vjp(r.tape64, step, row, k, U, uj64, w64);
    r.c32.jvp(r.tape32, step, row, k, Float32Array.from(V), jv32, w32);
    r.c32.vjp(r.tape32, step, row, k, Float32Array.from(U), uj32, w32);
    const e = Math.max(scaledError(jv32, jv64), scaledError(uj32, uj64));
    t.true(e <= TOL.float32Gated && e > 1e-10, `t = ${step}, r = ${row}: ${e}`);
    worst = Math.max(worst, e);
    // u_i^T (J v_i) = (u_i^T J) v_i, both in float32 (the sums of n terms in float64)
    for (let q = 0; q < k; q++) {
      let a = 0, b = 0, scale = 0;
      for (let j = 0; j < n; j++) {
        a += U[q * n + j]! * jv32[q * n + j]!;
        b += uj32[q * n + j]! * V[q * n + j]!;
        scale += Math.abs(U[q * n + j]! * jv32[q * n + j]!) + Math.abs(uj32[q * n + j]! * V[q * n + j]!);
      }
      t.true(Math.abs(a - b) <= TOL.float32Gated * scale, `t = ${step}, q = ${q}: ${a} vs ${b}`);
    }
  }
  t.log(`largest scaled error ${worst.toPrecision(2)}`);
  r.c64.freeWork(w64);
  r.c32.freeWork(w32);
});
