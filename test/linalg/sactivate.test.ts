/**
 * The float32 activations of the kernels (kernels.ts `sactivate`, wasm.ts front): four f32 lanes
 * promoted to float64, the float64 formula (tanh2: a few float64 ulp from Math.tanh; sigmoid from
 * expm1(|x|), accurate relative to sigma for every x), rounded once to float32. Against Math.tanh and the logistic function in
 * float64 rounded to float32 (Math.fround): the two float64 values differ by a few float64 ulp, so
 * they round to the same float32 or, when they straddle a rounding boundary (about 1e-8 of the
 * inputs), to adjacent ones: at most one float32 ulp apart. ReLU and the identity are exact. Every
 * position of the vector loop and of the scalar tail gives the same bits.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { allocF32, sactivate } from '../../src/linalg/wasm.ts';

const CODES = { identity: 0, tanh: 1, sigmoid: 2, relu: 3 } as const;

const logistic = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const REFERENCE: Record<keyof typeof CODES, (v: number) => number> = {
  identity: (v) => v,
  tanh: Math.tanh,
  sigmoid: logistic,
  relu: (v) => (v > 0 ? v : 0),
};

/** Float32 ulps between two float32 values of the same sign (0 when equal). */
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  return Math.abs(bits[0]! - bits[1]!);
}

function inputs(): Float32Array {
  const rng = new Rng(16);
  const N = 1 << 16;
  const x = allocF32(N + 11);
  // magnitudes from 1e-30 to 30: the polynomial's small arguments, the middle, saturation
  for (let i = 0; i < N; i++) x[i] = (rng.uniform() < 0.5 ? -1 : 1) * 10 ** (-30 + 31.5 * rng.uniform());
  x.set([0, -0, Infinity, -Infinity, NaN, 1e-45, -3.4e38, -88, -103, -200, 100], N);
  return x;
}

for (const name of Object.keys(CODES) as (keyof typeof CODES)[]) {
  test(`sactivate ${name}: within one float32 ulp of the float64 formula rounded once (exact for ReLU and the identity)`, (t) => {
    const x = inputs();
    const y = allocF32(x.length);
    sactivate(CODES[name], x.length, x, 0, y, 0);
    const f = REFERENCE[name];
    const exact = name === 'identity' || name === 'relu';
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const r = Math.fround(f(x[i]!));
      if (Number.isNaN(r)) {
        t.true(Number.isNaN(y[i]!), `${name}(${x[i]}) is NaN`);
        continue;
      }
      const u = Object.is(r, y[i]) ? 0 : ulps(r, y[i]!);
      worst = Math.max(worst, u);
      if (exact || r === 0 || Math.abs(r) === 1) t.true(Object.is(r, y[i]), `${name}(${x[i]}) = ${y[i]}, expected ${r}`);
    }
    t.true(worst <= 1, `${name}: ${worst} ulps`);
    // the same value at every position: the vector loop (8 and 4 lanes) and the scalar tail
    for (const len of [1, 3, 5, 11]) {
      const z = allocF32(len);
      for (const start of [0, 1, 2, 3]) {
        sactivate(CODES[name], len, x, start, z, 0);
        for (let i = 0; i < len; i++) t.true(Object.is(z[i], y[start + i]) || (Number.isNaN(z[i]!) && Number.isNaN(y[start + i]!)), `${name}: position ${i} of ${len}`);
      }
    }
  });
}
