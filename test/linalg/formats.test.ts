/**
 * Correct rounding to the emulated formats (src/linalg/formats.ts): hand-computed edges (ties to
 * even, subnormals, overflow, NaN, signed zeros), the reference roundings of NumPy (float16, from
 * float64) and PyTorch (bfloat16, from float32) in test/fixtures/formats/roundings.json (made by
 * make_fixture.py beside it), and float32 against Math.fround. Every comparison is exact.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { FORMATS, roundTo, roundToFormat } from '../../src/linalg/formats.ts';

const H = FORMATS.float16;
const BF = FORMATS.bfloat16;

/** The value of IEEE binary16 bits (sign, 5-bit biased exponent, 10-bit fraction). */
function halfValue(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0x1f) return f === 0 ? s * Infinity : NaN;
  return e === 0 ? s * f * 2 ** -24 : s * (1024 + f) * 2 ** (e - 25);
}

/** The value of bfloat16 bits: the upper half of a float32. */
function bfloatValue(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits << 16 >>> 0);
  return dv.getFloat32(0);
}

function fromHex(hex: string): number {
  const dv = new DataView(new ArrayBuffer(8));
  if (hex.length === 16) {
    dv.setBigUint64(0, BigInt(`0x${hex}`));
    return dv.getFloat64(0);
  }
  dv.setUint32(0, Number.parseInt(hex, 16));
  return dv.getFloat32(0);
}

test('the formats: p, u, the largest and the smallest numbers', (t) => {
  t.is(H.u, 2 ** -11);
  t.is(H.max, 65504);
  t.is(H.minSubnormal, 2 ** -24);
  t.is(BF.u, 2 ** -8);
  t.is(BF.max, 3.3895313892515355e38);
  t.is(BF.minSubnormal, 2 ** -133);
  t.is(FORMATS.float32.max, 3.4028234663852886e38);
  t.is(FORMATS.float32.minSubnormal, 2 ** -149);
});

test('ties go to the even significand', (t) => {
  t.is(roundToFormat(H, 1 + 2 ** -11), 1);
  t.is(roundToFormat(H, 1 + 3 * 2 ** -11), 1 + 2 * 2 ** -10);
  t.is(roundToFormat(H, -(1 + 3 * 2 ** -11)), -(1 + 2 * 2 ** -10));
  t.is(roundToFormat(H, 2049), 2048);
  t.is(roundToFormat(H, 2051), 2052);
  t.is(roundToFormat(BF, 1 + 2 ** -8), 1);
  t.is(roundToFormat(BF, 1 + 3 * 2 ** -8), 1 + 2 ** -6);
  t.is(roundToFormat(BF, 257), 256);
  t.is(roundToFormat(BF, 259), 260);
  // just either side of a tie: to the nearer neighbour
  t.is(roundToFormat(H, 1 + 2 ** -11 + 2 ** -52), 1 + 2 ** -10);
  t.is(roundToFormat(H, 1 + 2 ** -11 - 2 ** -52), 1);
  // a tie of float32 but not of float64: rounding through float32 first would give 1 (double rounding)
  t.is(roundToFormat(H, 1 + 2 ** -11 + 2 ** -40), 1 + 2 ** -10);
  t.is(roundToFormat(BF, 1 + 2 ** -8 + 2 ** -40), 1 + 2 ** -7);
});

test('subnormals: a fixed spacing below 2^emin, ties to even down to a signed zero', (t) => {
  t.is(roundToFormat(H, 2 ** -14), 2 ** -14);
  t.is(roundToFormat(H, 2 ** -14 - 2 ** -24), 2 ** -14 - 2 ** -24); // the largest subnormal
  t.is(roundToFormat(H, 2 ** -14 - 2 ** -25), 2 ** -14); // a tie: 1023 2^-24 (odd) or 1024 2^-24 (even)
  t.is(roundToFormat(H, 3 * 2 ** -26), 2 ** -24);
  t.is(roundToFormat(H, 2 ** -25), 0); // half the smallest subnormal: a tie with 0
  t.is(roundToFormat(H, 2 ** -25 * (1 + 2 ** -30)), 2 ** -24);
  t.is(roundToFormat(H, 3 * 2 ** -25), 2 * 2 ** -24); // 1.5 spacings: to the even 2
  t.true(Object.is(roundToFormat(H, -(2 ** -26)), -0));
  t.true(Object.is(roundToFormat(H, 5e-324), 0));
  t.is(roundToFormat(BF, 2 ** -133), 2 ** -133);
  t.is(roundToFormat(BF, 2 ** -134), 0);
  t.is(roundToFormat(BF, 3 * 2 ** -135), 2 ** -133);
  t.true(Object.is(roundToFormat(BF, -(2 ** -140)), -0));
});

test('overflow: to infinity from the halfway point above the largest number, ties included', (t) => {
  t.is(roundToFormat(H, 65504), 65504);
  t.is(roundToFormat(H, 65519.99), 65504);
  t.is(roundToFormat(H, 65520), Infinity); // halfway to 2^16: the tie goes to the even 2^16, beyond the range
  t.is(roundToFormat(H, -65520), -Infinity);
  t.is(roundToFormat(H, 1e300), Infinity);
  t.is(roundToFormat(BF, BF.max), BF.max);
  // halfway between the largest bfloat16 (2 - 2^-7) 2^127 and 2^128 is 2^128 - 2^119
  t.is(roundToFormat(BF, 2 ** 128 - 2 ** 119 - 2 ** 80), BF.max);
  t.is(roundToFormat(BF, 2 ** 128 - 2 ** 119), Infinity);
  t.is(roundToFormat(BF, Number.MAX_VALUE), Infinity);
});

test('NaN, infinities and signed zeros pass through', (t) => {
  for (const f of [H, BF]) {
    t.true(Number.isNaN(roundToFormat(f, NaN)));
    t.is(roundToFormat(f, Infinity), Infinity);
    t.is(roundToFormat(f, -Infinity), -Infinity);
    t.true(Object.is(roundToFormat(f, 0), 0));
    t.true(Object.is(roundToFormat(f, -0), -0));
  }
});

const fixture = JSON.parse(readFileSync('test/fixtures/formats/roundings.json', 'utf8')) as { float16: [string, string][]; bfloat16: [string, string][] };

test('float16 equals NumPy (float64 -> numpy.float16) on every fixture value', (t) => {
  t.true(fixture.float16.length > 3000);
  let bad = 0;
  for (const [x, b] of fixture.float16) {
    const want = halfValue(Number.parseInt(b, 16));
    const got = roundToFormat(H, fromHex(x));
    if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) {
      if (bad++ < 5) t.log(`float16(${fromHex(x)}): ${got}, NumPy ${want}`);
    }
  }
  t.is(bad, 0);
});

test('bfloat16 equals PyTorch (float32 -> torch.bfloat16) on every fixture value', (t) => {
  t.true(fixture.bfloat16.length > 3000);
  let bad = 0;
  for (const [x, b] of fixture.bfloat16) {
    const want = bfloatValue(Number.parseInt(b, 16));
    const got = roundToFormat(BF, fromHex(x));
    if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) {
      if (bad++ < 5) t.log(`bfloat16(${fromHex(x)}): ${got}, PyTorch ${want}`);
    }
  }
  t.is(bad, 0);
});

test('property: the float32 format rounds as Math.fround, and every result is a fixed point of its format', (t) => {
  fc.assert(
    fc.property(fc.double({ noNaN: true }), (x) => {
      const r16 = roundToFormat(H, x);
      const rb = roundToFormat(BF, x);
      return Object.is(roundToFormat(FORMATS.float32, x), Math.fround(x)) && Object.is(roundToFormat(H, r16), r16) && Object.is(roundToFormat(BF, rb), rb) && Object.is(roundTo(H)(x), r16);
    }),
    { seed: 16, numRuns: 20000 },
  );
  t.pass();
});
