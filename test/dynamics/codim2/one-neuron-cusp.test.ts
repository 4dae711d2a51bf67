/**
 * Two-parameter continuation of folds (src/dynamics/codim2/fold-curve.ts) on the one-neuron Doya
 * network as a special case: the fold curves in the (w, b) plane against the closed form
 * b = logit(x) - w x, w x (1 - x) = 1, and the cusp at (w, b) = (4, -2) against its closed form.
 */
import test from 'ava';
import { continueEquilibria } from '../../../src/dynamics/continuation/equilibrium-branch.ts';
import { foldCurve } from '../../../src/dynamics/codim2/fold-curve.ts';
import { cusp } from '../../../src/dynamics/folds.ts';
import { oneNeuronField } from '../../../src/models/one-neuron.ts';
import { TOL } from '../../helpers/tolerance.ts';

test('one-neuron fold curves in (w, b): every point on the closed form, the cusp at (4, -2)', (t) => {
  const br = continueEquilibria(oneNeuronField, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-3, -2] });
  const fold = br.bifurcations.find((b) => b.type === 'fold')!;
  const curve = foldCurve(oneNeuronField, fold.p, 1, 0, fold.x, fold.v!, { box: [[-6, 0], [2, 8]] });
  t.deepEqual(curve.parameters, ['b', 'w']);
  t.deepEqual(curve.ends, ['box', 'box']);
  t.true(curve.points.length > 30);
  for (const pt of curve.points.slice(1, -1)) {
    const x = pt.x[0]!;
    const w = pt.b;
    t.true(Math.abs(w * x * (1 - x) - 1) < TOL.bifurcationLocation, `w = ${w}`);
    t.true(Math.abs(Math.log(x / (1 - x)) - w * x - pt.a) < TOL.bifurcationLocation);
  }
  // both branches b_lower(w) < b_upper(w) are traced: x runs through (0, 1) across the cusp
  const xs = curve.points.map((pt) => pt.x[0]!);
  t.true(Math.min(...xs) < 0.2 && Math.max(...xs) > 0.8);
  t.is(curve.special.length, 1);
  const c = curve.special[0]!;
  t.is(c.type, 'cusp');
  t.true(Math.abs(c.b - cusp.w) < TOL.bifurcationLocation && Math.abs(c.a - cusp.b) < TOL.bifurcationLocation, `(${c.b}, ${c.a})`);
  t.true(Math.abs(c.x[0]! - cusp.x) < TOL.bifurcationLocation);
  // located by Newton on the cusp system (src/dynamics/codim2/cusp.ts), not only by the test function
  t.true(c.located);
  t.true(Math.abs(c.b - cusp.w) <= TOL.rootSolve && Math.abs(c.a - cusp.b) <= TOL.rootSolve && Math.abs(c.x[0]! - cusp.x) <= TOL.rootSolve, `(${c.b - 4}, ${c.a + 2}, ${c.x[0]! - 0.5})`);
});
