/**
 * The SIMD tanh kernel (kernels.ts tanh_kernel) against Math.tanh: relative error within a few ulp
 * from 1e-300 to saturation (including the reduction's k = 0 / k = 1 edge near |x| = ln2/4 and the
 * old branch point 0.625), odd symmetry, and the special values.
 */
import test from 'ava';
import { allocF64, freeF64, kernels, ptr } from '../../src/linalg/wasm.ts';
import { Rng } from '../../src/init/rng.ts';

/** E = expm1(2|x|) and E/(E+2) round a handful of times (worst seen: 2 ulp): 4 ulp covers them. */
const TANH_ULPS = 4;

function tanhKernel(a: Float64Array): Float64Array {
  const x = allocF64(a.length);
  x.set(a);
  const y = allocF64(a.length);
  kernels.tanh_kernel(a.length, ptr(x), ptr(y));
  const out = Float64Array.from(y);
  freeF64(x);
  freeF64(y);
  return out;
}

test('tanh kernel is within 4 ulp of Math.tanh from 1e-300 to saturation, both signs, odd length', (t) => {
  const rng = new Rng(21);
  const scales = [1e-300, 1e-8, 0.1, 0.17, 0.18, 0.6, 0.625, 0.7, 2, 5, 20, 30];
  const a = new Float64Array(20001);
  for (let i = 0; i < a.length; i++) a[i] = (rng.uniform() * 2 - 1) * scales[i % scales.length]!;
  const y = tanhKernel(a);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const ref = Math.tanh(a[i]!);
    worst = Math.max(worst, Math.abs(y[i]! - ref) / (Math.abs(ref) * Number.EPSILON));
    if (Math.sign(y[i]!) !== Math.sign(a[i]!)) t.fail(`sign of tanh(${a[i]})`);
  }
  t.true(worst <= TANH_ULPS, `worst error ${worst} ulp`);
  const b = tanhKernel(a.map((v) => -v));
  t.true(b.every((v, i) => v === -y[i]!), 'tanh(-x) = -tanh(x) exactly');
});

test('tanh kernel special values: signed zeros, infinities, NaN, 0.625', (t) => {
  const y = tanhKernel(new Float64Array([0, -0, Infinity, -Infinity, NaN, 0.625, 22, 710, 5e-324]));
  t.true(Object.is(y[0], 0) && Object.is(y[1], -0));
  t.is(y[2], 1);
  t.is(y[3], -1);
  t.true(Number.isNaN(y[4]));
  t.true(Math.abs(y[5]! - Math.tanh(0.625)) <= TANH_ULPS * Number.EPSILON);
  t.is(y[6], 1);
  t.is(y[7], 1);
  t.is(y[8], 5e-324);
});
