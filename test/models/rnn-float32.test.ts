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
import { backward, createGradients, createTape, forward, lossValue } from '../../src/models/bptt.ts';
import { views } from '../../src/models/cell.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { allocF32 } from '../../src/linalg/wasm.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { fivePointGradient } from '../helpers/finite-differences.ts';
import { TOL } from '../helpers/tolerance.ts';
import { scaledError } from '../helpers/float32.ts';

const TANH = activation('tanh');

/** Float64 values that are exactly float32 numbers. */
function f32Values(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

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
  const r64 = createRnn(s.p);
  const r32 = createRnn({ ...s.p, precision: 'float32' });
  const tape64 = createTape(r64, B, T);
  const tape32 = createTape(r32, B, T);
  forward(r64, s.x, tape64, { s0: { h: s.h0 } });
  const x32 = allocF32(s.x.length);
  x32.set(s.x);
  forward(r32, x32, tape32, { s0: { h: Float32Array.from(s.h0) } });
  const g64 = createGradients(r64, B, T, readout);
  const g32 = createGradients(r32, B, T, readout);
  const L64 = backward(r64, tape64, s.x, loss, readout, g64);
  const L32 = backward(r32, tape32, x32, loss, readout, g32);
  return { s, r64, r32, tape64, tape32, g64, g32, L64, L32, loss, readout, x32 };
}

test('a float32 cell keeps every array in float32; the default stays float64', (t) => {
  const { r64, r32, tape32, g32, tape64, g64 } = runBoth(1, 6, 2, 3, 5, 'last');
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
    const errors: Record<string, number> = {
      h: scaledError(r.tape32.states.h, r.tape64.states.h),
      L: Math.abs(r.L32 - r.L64) / Math.abs(r.L64),
      theta: scaledError(r.g32.theta, r.g64.theta),
      h0: scaledError(r.g32.s0.h, r.g64.s0.h),
      norms: scaledError(r.g32.norms.h, r.g64.norms.h),
    };
    if (r.readout) errors['readout'] = scaledError(r.g32.readout!, r.g64.readout!);
    t.true(r.r32.kernels!.applies(r.tape32, r.x32), 'the float32 run took the whole-run kernels');
    for (const [k, e] of Object.entries(errors)) t.true(e <= TOL.float32Rnn, `${k}: ${e}`);
    // and it really ran in float32 (a float64 run would agree to ~1e-15)
    t.true(errors['h']! > 1e-9 && errors['theta']! > 1e-9, JSON.stringify(errors));
    // the float32 loss is summed in float64 from the float32 states: lossValue (steps summed in the
    // other order) agrees to float64 round-off
    t.true(Math.abs(lossValue(r.r32, r.tape32, r.loss, r.readout) - r.L32) <= TOL.roundoff * Math.abs(r.L32));
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
  const tape64 = createTape(r64, B, T);
  const L = (): number => {
    forward(r64, s.x, tape64, { s0: { h: s.h0 } });
    return lossValue(r64, tape64, loss, readout);
  };
  const fd = fivePointGradient(r64.theta, L);
  const tape32 = createTape(r32, B, T);
  // inputs on the kernel heap take the whole-run kernels; off it, the TypeScript step
  const onHeap = route !== 'the TypeScript step';
  const x32 = onHeap ? allocF32(s.x.length) : new Float32Array(s.x.length);
  x32.set(s.x);
  t.is(r32.kernels!.applies(tape32, x32), onHeap);
  forward(r32, x32, tape32, { s0: { h: Float32Array.from(s.h0) } });
  const g32 = createGradients(r32, B, T, readout);
  backward(r32, tape32, x32, loss, readout, g32);
  const v = views(r32, g32.theta);
  const f = views(r64, fd);
  for (const k of ['W', 'U', 'b']) {
    // float32 errors are absolute at the scale of the block (rounding of sums of its terms), so
    // relative to its largest entry; the float64 five-point difference is ~1e-11 accurate
    const e = scaledError(v[k]!, f[k]!);
    t.true(e <= TOL.float32Rnn && e > 1e-10, `${k}: ${e}`);
  }
});
}
