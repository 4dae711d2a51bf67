/**
 * Fold (saddle-node) points of dx/dt = -x + sigma(w x + b) (src/dynamics/folds.ts): the closed form
 * x = (1 +- sqrt(1 - 4/w))/2, b = logit(x) - w x against Doya's quoted values and against two
 * independent routes (db/dx = 0 by finite differences; the change in the number of equilibria).
 */
import test from 'ava';
import fc from 'fast-check';
import { sigmoid } from '../../src/activations/index.ts';
import { equilibriumCount } from '../../src/dynamics/equilibria.ts';
import { biasAtEquilibrium, cusp, defaultBiasWindow, foldCurves, foldPoints, tableBiases, type FoldPoint } from '../../src/dynamics/folds.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

test('w = 5: folds at b = -2.65561 (x = 0.72361) then b = -2.34439 (x = 0.27639), sorted by b', (t) => {
  const f = foldPoints(5);
  t.is(f.length, 2);
  t.true(Math.abs(f[0]!.b - -2.65561) < TOL.quoted5);
  t.true(Math.abs(f[1]!.b - -2.34439) < TOL.quoted5);
  t.true(Math.abs(f[0]!.x - (1 + Math.sqrt(0.2)) / 2) < TOL.roundoff);
  t.true(Math.abs(f[1]!.x - (1 - Math.sqrt(0.2)) / 2) < TOL.roundoff);
  t.is(f[0]!.w, 5);
});

test('no folds for w <= 4 (w = 4 is the cusp itself)', (t) => {
  for (const w of [-3, 0, 1, 3.99, 4]) t.deepEqual(foldPoints(w), []);
  t.deepEqual({ ...cusp }, { w: 4, b: -2, x: 0.5 });
  // just above 4 the two folds exist and both sit next to the cusp
  const f = foldPoints(4 + 1e-8);
  t.is(f.length, 2);
  for (const p of f) {
    t.true(Math.abs(p.b - cusp.b) < 1e-6);
    t.true(Math.abs(p.x - cusp.x) < 1e-3);
  }
});

test('property: at each fold the equilibrium is real, b(x) turns (db/dx = 0) and the eigenvalue is 0', (t) => {
  fc.assert(
    fc.property(fc.double({ min: 4.05, max: 40, noNaN: true }), (w) => {
      const f = foldPoints(w);
      if (f.length !== 2 || !(f[0]!.b < f[1]!.b) || !(f[0]!.x > f[1]!.x)) return false;
      for (const p of f) {
        if (Math.abs(sigmoid(w * p.x + p.b) - p.x) > TOL.roundoff) return false;
        const h = 1e-6;
        const slope = (biasAtEquilibrium(w, p.x + h) - biasAtEquilibrium(w, p.x - h)) / (2 * h);
        // central difference of a smooth function at a critical point: O(h^2) plus round-off eps/h
        if (Math.abs(slope) > 1e-7) return false;
        if (Math.abs(-1 + w * p.x * (1 - p.x)) > TOL.roundoff) return false;
      }
      return true;
    }),
    { seed: 42, numRuns: 200 },
  );
  t.pass();
});

test('property: the number of equilibria changes from 1 to 3 exactly at the folds', (t) => {
  fc.assert(
    fc.property(fc.double({ min: 4.2, max: 30, noNaN: true }), fc.double({ min: 1e-3, max: 0.3, noNaN: true }), (w, frac) => {
      const [lo, hi] = foldPoints(w) as [FoldPoint, FoldPoint];
      const d = frac * (hi.b - lo.b);
      return (
        equilibriumCount(w, lo.b - d) === 1 &&
        equilibriumCount(w, lo.b + d) === 3 &&
        equilibriumCount(w, hi.b - d) === 3 &&
        equilibriumCount(w, hi.b + d) === 1
      );
    }),
    { seed: 7, numRuns: 200 },
  );
  t.pass();
});

test('fold curves meet at the cusp and open like (w - 4)^{3/2} / 3', (t) => {
  const c = foldCurves(2, 8, 100);
  t.is(c.w[0], 4);
  t.true(Math.abs(c.lowerB[0]! - cusp.b) < TOL.roundoff && Math.abs(c.upperB[0]! - cusp.b) < TOL.roundoff);
  for (let i = 1; i < c.w.length; i++) t.true(c.lowerB[i]! < c.upperB[i]!, `bistable wedge at w = ${c.w[i]}`);
  // the curves agree with foldPoints at the sampled w
  const f = foldPoints(c.w[60]!);
  t.true(Math.abs(f[0]!.b - c.lowerB[60]!) < TOL.roundoff && Math.abs(f[1]!.b - c.upperB[60]!) < TOL.roundoff);
  const opening = (w: number): number => {
    const [lo, hi] = foldPoints(w) as [FoldPoint, FoldPoint];
    return (hi.b - lo.b) / (Math.pow(w - 4, 1.5) / 3);
  };
  // the next term is relative O(w - 4): the ratio approaches 1 as w -> 4
  t.true(Math.abs(opening(4.01) - 1) < 0.01, `ratio at 4.01: ${opening(4.01)}`);
  t.true(Math.abs(opening(4.01) - 1) < Math.abs(opening(4.1) - 1));
  t.true(relativeError(opening(4.0001), 1) < 1e-3);
  t.throws(() => foldCurves(5, 4.5, 10), { message: /wMax/ });
});

test('the default bias window holds both folds with room for the jumps, and is [-3, -2] at w = 5', (t) => {
  t.deepEqual(defaultBiasWindow(5), { bMin: -3, bMax: -2 });
  t.deepEqual(tableBiases(-3, -2), [-3, -2.7, -2.6, -2.5, -2.4, -2.3, -2]);
  for (const w of [4.2, 5, 6.2, 7, 10, 20, 50]) {
    const [lower, upper] = foldPoints(w);
    const { bMin, bMax } = defaultBiasWindow(w);
    const margin = Math.max(0.5, 1.5 * ((upper!.b - lower!.b) / 2)) - (upper!.b - lower!.b) / 2;
    t.true(bMin < lower!.b && upper!.b < bMax, `w = ${w}`);
    t.true(lower!.b - bMin >= margin - 1e-9 && bMax - upper!.b >= margin - 1e-9, `w = ${w}: margin`);
  }
});
