/**
 * Equilibria of dx/dt = -x + sigma(w x + b) and their stability (src/dynamics/equilibria.ts),
 * against a brute-force sign-change count on a fine grid, the residual of the fixed-point equation,
 * the symmetry x -> 1 - x, b -> -w - b, and the eigenvalue as a finite-difference slope of the flow.
 */
import test from 'ava';
import fc from 'fast-check';
import { sigmoid } from '../../src/activations/index.ts';
import { equilibria } from '../../src/dynamics/equilibria.ts';
import { foldPoints, type FoldPoint } from '../../src/dynamics/folds.ts';
import { OneNeuronMap } from '../../src/models/one-neuron.ts';
import { TOL } from '../helpers/tolerance.ts';

/** Roots of sigma(w x + b) - x counted by sign changes on a grid of n cells over [0, 1]. */
function bruteForceCount(w: number, b: number, n = 20000): number {
  // g(0) > 0 and g(1) < 0; a grid point landing exactly on a root (g = 0) is not a sign
  let count = 0;
  let prevSign = Math.sign(sigmoid(b));
  for (let i = 1; i <= n; i++) {
    const x = i / n;
    const sg = Math.sign(sigmoid(w * x + b) - x);
    if (sg === 0) continue;
    if (sg !== prevSign) count++;
    prevSign = sg;
  }
  return count;
}

test('w = 5, b = -2.5: three equilibria 0.1448, 0.5, 0.8552; the middle one unstable with eigenvalue 1/4', (t) => {
  const e = equilibria(5, -2.5);
  t.is(e.length, 3);
  t.true(Math.abs(e[1]!.x - 0.5) < TOL.roundoff);
  t.true(Math.abs(e[1]!.eigenvalue - 0.25) < TOL.roundoff);
  t.deepEqual(
    e.map((q) => q.stable),
    [true, false, true],
  );
  // symmetry: b = -w/2 is mapped to itself by x -> 1 - x
  t.true(Math.abs(e[0]!.x + e[2]!.x - 1) < TOL.roundoff);
  t.true(Math.abs(e[0]!.x - 0.14479) < TOL.quoted5);
});

test('property: roots solve x = sigma(w x + b) to round-off, are sorted, and match a brute-force count', (t) => {
  fc.assert(
    fc.property(fc.double({ min: -10, max: 20, noNaN: true }), fc.double({ min: -12, max: 6, noNaN: true }), (w, b) => {
      const e = equilibria(w, b);
      const f = foldPoints(w);
      // keep away from the folds, where two roots are closer than the brute-force grid
      if (f.some((p) => Math.abs(p.b - b) < 1e-3)) return true;
      if (e.length !== bruteForceCount(w, b)) return false;
      for (let i = 0; i < e.length; i++) {
        if (Math.abs(sigmoid(w * e[i]!.x + b) - e[i]!.x) > 1e-13) return false;
        if (i > 0 && !(e[i]!.x > e[i - 1]!.x)) return false;
      }
      return true;
    }),
    { seed: 3, numRuns: 300 },
  );
  t.pass();
});

test('property: for w <= 4 there is exactly one equilibrium, and it is stable', (t) => {
  fc.assert(
    fc.property(fc.double({ min: -20, max: 4, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (w, b) => {
      const e = equilibria(w, b);
      return e.length === 1 && e[0]!.eigenvalue <= 0;
    }),
    { seed: 4, numRuns: 300 },
  );
  t.pass();
});

test('property: inside the bistable range the outer equilibria are stable and the middle one unstable', (t) => {
  fc.assert(
    fc.property(fc.double({ min: 4.2, max: 30, noNaN: true }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (w, frac) => {
      const [lo, hi] = foldPoints(w) as [FoldPoint, FoldPoint];
      const b = lo.b + frac * (hi.b - lo.b);
      const e = equilibria(w, b);
      return (
        e.length === 3 &&
        bruteForceCount(w, b) === 3 &&
        e[0]!.stable && e[0]!.eigenvalue < 0 &&
        !e[1]!.stable && e[1]!.eigenvalue > 0 &&
        e[2]!.stable && e[2]!.eigenvalue < 0
      );
    }),
    { seed: 5, numRuns: 300 },
  );
  t.pass();
});

test('counts on both sides of each fold for w = 5, 6 and 10', (t) => {
  for (const w of [5, 6, 10]) {
    const [lo, hi] = foldPoints(w) as [FoldPoint, FoldPoint];
    for (const d of [1e-2, 1e-4, 1e-6]) {
      t.is(equilibria(w, lo.b - d).length, 1, `w=${w} below lower fold by ${d}`);
      t.is(equilibria(w, lo.b + d).length, 3, `w=${w} above lower fold by ${d}`);
      t.is(equilibria(w, hi.b - d).length, 3, `w=${w} below upper fold by ${d}`);
      t.is(equilibria(w, hi.b + d).length, 1, `w=${w} above upper fold by ${d}`);
    }
  }
});

test('the eigenvalue is the slope of the vector field at the equilibrium (finite differences)', (t) => {
  for (const [w, b] of [[5, -2.5], [5, -2.6], [8, -4], [-2, 0.5], [3, -1]] as const) {
    for (const e of equilibria(w, b)) {
      const f = (x: number): number => -x + sigmoid(w * x + b);
      const h = 1e-5;
      const slope = (f(e.x + h) - f(e.x - h)) / (2 * h);
      t.true(Math.abs(slope - e.eigenvalue) < TOL.finiteDifference, `w=${w} b=${b} x=${e.x}`);
    }
  }
});

test('the discrete map converges to the stable fixed points and not to the unstable one', (t) => {
  const map = new OneNeuronMap(2000);
  const e = equilibria(5, -2.5);
  t.true(Math.abs(map.forward(5, -2.5, 0.49, 2000) - e[0]!.x) < TOL.roundoff);
  t.true(Math.abs(map.forward(5, -2.5, 0.51, 2000) - e[2]!.x) < TOL.roundoff);
});
