/**
 * The Wilson score interval against published values and against its definition: its ends are
 * the two roots p of (p_hat - p)^2 = z^2 p (1 - p) / m.
 */
import test from 'ava';
import fc from 'fast-check';
import { meanAndStd, wilsonInterval, Z95 } from '../../src/analysis/statistics.ts';
import { TOL } from '../helpers/tolerance.ts';

test('published values: 5 of 10, 0 of 10, 10 of 10, 81 of 263 (Wilson 95 %)', (t) => {
  // Brown, Cai and DasGupta 2001 and statsmodels' proportion_confint(method="wilson"), 4 decimals.
  const cases: [number, number, number, number][] = [
    [5, 10, 0.2366, 0.7634],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [81, 263, 0.2553, 0.3662],
  ];
  for (const [k, m, lo, hi] of cases) {
    const r = wilsonInterval(k, m);
    t.true(Math.abs(r.lower - lo) < TOL.quoted4, `${k}/${m} lower ${r.lower}`);
    t.true(Math.abs(r.upper - hi) < TOL.quoted4, `${k}/${m} upper ${r.upper}`);
    t.is(r.rate, k / m);
  }
});

test('each finite end solves the score equation (p_hat - p)^2 = z^2 p (1 - p) / m', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }).chain((m) => fc.tuple(fc.integer({ min: 0, max: m }), fc.constant(m))), ([k, m]) => {
      const r = wilsonInterval(k, m);
      const p = k / m;
      for (const end of [r.lower, r.upper]) {
        const residual = (p - end) ** 2 - (Z95 * Z95 * end * (1 - end)) / m;
        if (Math.abs(residual) > TOL.roundoff) return false;
      }
      return r.lower <= p && p <= r.upper && r.lower >= 0 && r.upper <= 1;
    }),
    { seed: 1, numRuns: 500 },
  );
  t.pass();
});

test('bad counts are refused', (t) => {
  t.throws(() => wilsonInterval(3, 2), { instanceOf: RangeError });
  t.throws(() => wilsonInterval(0, 0), { instanceOf: RangeError });
  t.throws(() => wilsonInterval(1.5, 4), { instanceOf: RangeError });
});

test('meanAndStd: known values, and the population variance equals mean(x^2) - mean(x)^2 on random data', (t) => {
  const a = meanAndStd([0, 1, 2, 3]);
  t.is(a.mean, 1.5);
  t.true(Math.abs(a.std - Math.sqrt(5 / 4)) < TOL.roundoff);
  t.deepEqual(meanAndStd([0.25, 0.25, 0.25]), { mean: 0.25, std: 0 });
  t.throws(() => meanAndStd([]), { message: /at least one value/ });
  fc.assert(
    fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 }), (x) => {
      const { mean, std } = meanAndStd(x);
      const m2 = x.reduce((s, v) => s + v * v, 0) / x.length;
      // the one-pass formula loses digits to cancellation: compare at the scale of mean(x^2)
      return Math.abs(std * std - (m2 - mean * mean)) <= TOL.varianceCancellation * Math.max(1, m2);
    }),
  );
});
