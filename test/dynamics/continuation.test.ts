/**
 * Equilibrium branches against b (src/dynamics/continuation.ts): every sample is an equilibrium,
 * segments end on the folds and the window's edges, and the branches cross each vertical line b
 * as many times as equilibria() finds roots.
 */
import test from 'ava';
import { sigmoid } from '../../src/activations/index.ts';
import { equilibriumBranches } from '../../src/dynamics/continuation.ts';
import { equilibria } from '../../src/dynamics/equilibria.ts';
import { foldPoints, type FoldPoint } from '../../src/dynamics/folds.ts';
import { TOL } from '../helpers/tolerance.ts';

test('w = 5 on [-3, -2]: stable, unstable, stable segments joined at the folds', (t) => {
  const segs = equilibriumBranches(5, -3, -2, 200);
  t.deepEqual(
    segs.map((s) => s.stable),
    [true, false, true],
  );
  const [lo, hi] = foldPoints(5) as [FoldPoint, FoldPoint];
  const end = (a: Float64Array): number => a[a.length - 1]!;
  t.true(Math.abs(segs[0]!.b[0]! - -3) < TOL.rootSolve, 'lower branch starts at bMin');
  t.true(Math.abs(end(segs[0]!.x) - hi.x) < TOL.roundoff && Math.abs(end(segs[0]!.b) - hi.b) < TOL.roundoff);
  t.true(Math.abs(segs[1]!.x[0]! - hi.x) < TOL.roundoff && Math.abs(end(segs[1]!.x) - lo.x) < TOL.roundoff);
  t.true(Math.abs(segs[2]!.x[0]! - lo.x) < TOL.roundoff && Math.abs(end(segs[2]!.b) - -2) < TOL.rootSolve);
  for (const s of segs) {
    for (let k = 0; k < s.x.length; k++) {
      t.true(Math.abs(sigmoid(5 * s.x[k]! + s.b[k]!) - s.x[k]!) < TOL.roundoff);
      const lambda = -1 + 5 * s.x[k]! * (1 - s.x[k]!);
      // the fold end points have eigenvalue 0 (up to round-off)
      t.true(s.stable ? lambda < TOL.roundoff : lambda > -TOL.roundoff);
    }
  }
});

test('the branches cross each b as often as there are equilibria', (t) => {
  const segs = equilibriumBranches(5, -3, -2, 400);
  for (let i = 0; i < 50; i++) {
    const b = -3 + (i + 0.5) / 50; // strictly inside the window, off the folds
    let crossings = 0;
    for (const s of segs) {
      for (let k = 0; k + 1 < s.b.length; k++) if ((s.b[k]! - b) * (s.b[k + 1]! - b) < 0) crossings++;
    }
    t.is(crossings, equilibria(5, b).length, `b = ${b}`);
  }
});

test('w <= 4 gives one stable branch; a window off the bistable range gives only stable pieces', (t) => {
  const one = equilibriumBranches(3, -3, 0, 50);
  t.is(one.length, 1);
  t.true(one[0]!.stable);
  const right = equilibriumBranches(5, -2.2, -1, 50);
  t.deepEqual(
    right.map((s) => s.stable),
    [true],
  );
  t.throws(() => equilibriumBranches(5, -2, -3, 50), { message: /bMin/ });
});
