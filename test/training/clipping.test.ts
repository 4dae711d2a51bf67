/** Global-norm clipping (Pascanu, Mikolov and Bengio 2013): the norm after is the threshold, the direction is kept. */
import test from 'ava';
import fc from 'fast-check';
import { clipGlobalNorm, globalNorm } from '../../src/training/clipping.ts';
import { dnrm2 } from '../../src/linalg/blas.ts';
import { TOL } from '../helpers/tolerance.ts';

test('globalNorm of [3, 4] and [12] is 13', (t) => {
  t.is(globalNorm([Float64Array.of(3, 4), Float64Array.of(12)]), 13);
});

test('globalNorm does not overflow on huge entries', (t) => {
  t.true(Math.abs(globalNorm([Float64Array.of(3e300, 4e300)]) / 5e300 - 1) < TOL.roundoff);
});

test('clipping: above the threshold the norm becomes the threshold and the direction is kept', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
      fc.double({ min: 1e-3, max: 10, noNaN: true }),
      (blocks, threshold) => {
        const grads = blocks.map((b) => Float64Array.from(b));
        const before = grads.map((g) => Float64Array.from(g));
        const n0 = globalNorm(grads);
        const returned = clipGlobalNorm(grads, threshold);
        const n1 = globalNorm(grads);
        if (returned !== n0) return false;
        if (n0 <= threshold) return grads.every((g, k) => g.every((v, i) => v === before[k]![i]));
        if (Math.abs(n1 - threshold) > TOL.roundoff * threshold) return false;
        // same direction: g_after = (threshold / n0) g_before entry by entry
        return grads.every((g, k) => g.every((v, i) => Math.abs(v - (threshold / n0) * before[k]![i]!) <= TOL.roundoff * threshold));
      },
    ),
    { seed: 42, numRuns: 300 },
  );
  t.pass();
});

test('clipping a single block agrees with dnrm2', (t) => {
  const g = Float64Array.of(1, -2, 2);
  t.is(clipGlobalNorm([g], 1.5), 3);
  t.true(Math.abs(dnrm2(3, g) - 1.5) < TOL.roundoff);
  t.deepEqual(Array.from(g), [0.5, -1, 1]);
});
