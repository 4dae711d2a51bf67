/**
 * The vanilla RNN in float32 (precision: 'float32'): forward states, loss, gradients and per-step
 * gradient norms against the float64 cell on the same weights and inputs (rounded to float32 first,
 * so both compute the same function and differ only by the float32 arithmetic), within the stated
 * float32 tolerance; the float32 gradient against central differences in float64 of that function;
 * on both routes: the whole-run kernels (inputs on the kernel heap; one share below the share
 * threshold, two above, products through the f32x4 GEMM) and the TypeScript step (inputs off it).
 */
import test from 'ava';
import { activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { TOL } from '../helpers/tolerance.ts';
import { expectCloseToFloat64, expectDifferencesMatchFloat32Gradient, f32Values, heapF32, runBothPrecisions } from '../helpers/float32.ts';

const TANH = activation('tanh');

function setup(seed: number, n: number, m: number, B: number, T: number, gain = 0.9) {
  const rng = new Rng(seed);
  const W = f32Values(rng.fillNormal(new Float64Array(n * n), 0, gain / Math.sqrt(n)));
  const U = f32Values(rng.fillNormal(new Float64Array(n * m), 0, 0.8 / Math.sqrt(m)));
  const b = f32Values(rng.fillNormal(new Float64Array(n), 0, 0.3));
  const x = f32Values(rng.fillNormal(new Float64Array(T * B * m)));
  const h0 = f32Values(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  return { rng, p: { n, m, W, U, b, activation: TANH }, x, h0, B, T };
}

function runBoth(seed: number, n: number, m: number, B: number, T: number, steps: SequenceLoss['steps'], p?: number) {
  const s = setup(seed, n, m, B, T);
  const readout: Readout | null = randomReadout(n, p, s.rng);
  const loss = randomLoss('squared-error', steps, p ?? n, B, T, s.rng);
  const r = runBothPrecisions(createRnn(s.p), createRnn({ ...s.p, precision: 'float32' }), B, T, s.x, { h: s.h0 }, loss, readout);
  return { s, ...r };
}

test('a float32 cell keeps every array in float32; the default stays float64', (t) => {
  const { c64: r64, c32: r32, tape32, g32, tape64, g64 } = runBoth(1, 6, 2, 3, 5, 'last');
  t.is(r64.precision, 'float64');
  t.is(r32.precision, 'float32');
  for (const a of [r32.theta, r32.W, tape32.states.h, g32.theta, g32.s0.h, g32.work.ds.h, g32.work.dA]) t.true(a instanceof Float32Array);
  for (const a of [r64.theta, tape64.states.h, g64.theta, g32.norms.h]) t.true(a instanceof Float64Array);
  t.throws(() => createRnn({ ...setup(1, 2, 1, 1, 1).p, precision: 'float16' as 'float32' }), { message: /precision must be 'float64' or 'float32', got float16/ });
});

for (const [label, n, m, B, T, steps, p] of [
  ['n = 16, B = 3, loss at every step with a readout', 16, 3, 3, 30, 'all', 2],
  ['n = 16, B = 8 (the share-kernel threshold: two shares in both precisions)', 16, 3, 8, 30, 'last', undefined],
  ['n = 64, B = 32 (products through the f32x4 GEMM)', 64, 4, 32, 20, 'all', 3],
  ['n = 300, B = 1 (one share; sums of 300 terms, past the GEMM block of 256)', 300, 2, 1, 20, 'last', undefined],
] as const) {
  test(`float32 forward, loss, gradients and norms equal float64 within the float32 tolerance: ${label}`, (t) => {
    const r = runBoth(7 + n + B, n, m, B, T, steps, p);
    t.true(r.c32.kernels!.applies(r.tape32, r.x32), 'the float32 run took the whole-run kernels');
    const errors = expectCloseToFloat64(t, r, TOL.float32Rnn, 'theta');
    // and it really ran in float32 (a float64 run would agree to ~1e-15)
    t.true(errors['h']! > 1e-9 && errors['theta']! > 1e-9, JSON.stringify(errors));
  });
}

for (const [route, B] of [['the TypeScript step', 2], ['the kernels, one share', 2], ['the kernels, two shares', 8]] as const) {
test(`float32 gradients against central differences in float64 of the same function (weights and inputs exactly float32): ${route}, B = ${B}`, (t) => {
  const n = 6, m = 2, T = 12;
  const s = setup(31, n, m, B, T);
  const readout = randomReadout(n, 2, s.rng);
  const loss = randomLoss('squared-error', 'all', 2, B, T, s.rng);
  const r64 = createRnn(s.p);
  const r32 = createRnn({ ...s.p, precision: 'float32' });
  // inputs on the kernel heap take the whole-run kernels; off it, the TypeScript step
  const onHeap = route !== 'the TypeScript step';
  const x32 = onHeap ? heapF32(s.x) : Float32Array.from(s.x);
  const tape32 = expectDifferencesMatchFloat32Gradient(t, r64, r32, B, T, s.x, x32, { h: s.h0 }, loss, readout, TOL.float32Rnn);
  t.is(r32.kernels!.applies(tape32, x32), onHeap);
});
}
