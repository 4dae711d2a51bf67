/**
 * One-parameter continuation with bifurcation detection (src/dynamics/continuation) against
 * closed forms and independent routes:
 * - the one-neuron Doya network as a special case: folds at b = -2.65561, -2.34439 (w = 5) from
 *   b = logit(x) - w x at x = (1 +- sqrt(1 - 4/w))/2, stability from -1 + w x (1 - x), the equilibrium
 *   count of src/dynamics/equilibria.ts, and the fold's sensitivity coefficient against
 *   1/sqrt(2 |b''(x_f)|);
 * - maps: the same folds for x -> sigma(w x + b), the flip at w s (1 - s) = -1, a Neimark-Sacker point
 *   and a flip of h -> tanh(g W h) at g = 1, and a pitchfork branch point with branch switching
 *   onto g = atanh(h) / h;
 * - a Hopf point of a 2-neuron CTRNN against bisection on the trace of the Jacobian at equilibria
 *   found by brute-force root counting;
 * - the finite-difference fallbacks for second, third and mixed derivatives give the same points.
 */
import test from 'ava';
import { logit, sigmoid } from '../../src/activations/index.ts';
import { planarCtrnnEquilibria } from '../../src/dynamics/brute-force.ts';
import { branchesFrom } from '../../src/dynamics/continuation/branch-switching.ts';
import { continueEquilibria, type EquilibriumBranch } from '../../src/dynamics/continuation/equilibrium-branch.ts';
import { equilibria } from '../../src/dynamics/equilibria.ts';
import { foldPoints } from '../../src/dynamics/folds.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import type { Flow } from '../../src/models/flow.ts';
import { oneNeuronField, oneNeuronMapSystem } from '../../src/models/one-neuron.ts';
import { RecurrentMap } from '../../src/models/recurrent-map.ts';
import { TOL } from '../helpers/tolerance.ts';

function ofType(br: EquilibriumBranch, type: string): EquilibriumBranch['bifurcations'] {
  return br.bifurcations.filter((b) => b.type === type);
}

test('one-neuron flow: both folds at the closed forms, located by Newton, with their normal forms', (t) => {
  for (const w of [5, 4.5, 8]) {
    const br = continueEquilibria(oneNeuronField, Float64Array.of(w, -w - 3), [0.01], { parameter: 'b', range: [-w - 3, 3] });
    t.is(br.end, 'parameter-range');
    const folds = ofType(br, 'fold');
    t.is(folds.length, 2, `w = ${w}`);
    // met in the order of the S-curve: first the upper-b fold (x < 1/2), then the lower-b one
    const closed = foldPoints(w);
    const expected = [closed[1]!, closed[0]!];
    folds.forEach((f, i) => {
      const e = expected[i]!;
      t.true(f.located);
      t.true(Math.abs(f.parameter - e.b) < TOL.bifurcationLocation, `w = ${w}: fold b ${f.parameter} vs ${e.b}`);
      t.true(Math.abs(f.x[0]! - e.x) < TOL.bifurcationLocation);
      t.true(Math.abs(f.testFunctionEstimate - e.b) < TOL.bifurcationLocation, 'the test function alone agrees');
      t.true(Math.abs(f.eigenvalues[0]!.re) < TOL.bifurcationLocation);
      // normal form: |dx*/db| ~ 1/sqrt(2 |b''(x_f)|) / sqrt(|b - b_f|), b''(x) = (2x - 1) / (x (1 - x))^2
      const x = e.x;
      const bpp = (2 * x - 1) / (x * (1 - x)) ** 2;
      t.true(Math.abs(f.fold!.sensitivityCoefficient - 1 / Math.sqrt(2 * Math.abs(bpp))) < TOL.rootSolve);
      // the two equilibria exist on the bistable side: b > b_lower, b < b_upper
      t.is(f.fold!.side, i === 0 ? -1 : 1);
      t.is(f.unstableBefore + f.unstableAfter, 1);
    });
  }
  t.is(foldPoints(5)[0]!.b.toFixed(5), '-2.65561');
});

test('one-neuron flow: every branch point is an equilibrium with the closed-form stability, crossing each b as often as there are equilibria', (t) => {
  const w = 5;
  const br = continueEquilibria(oneNeuronField, Float64Array.of(w, -3), [0.05], { parameter: 'b', range: [-3, -2] });
  t.is(br.points[0]!.parameter, -3);
  t.true(Math.abs(br.points[br.points.length - 1]!.parameter - -2) < TOL.roundoff);
  for (const pt of br.points) {
    const x = pt.x[0]!;
    t.true(Math.abs(sigmoid(w * x + pt.parameter) - x) <= TOL.continuationResidual);
    const s = sigmoid(w * x + pt.parameter);
    const lambda = -1 + w * s * (1 - s);
    t.true(Math.abs(pt.eigenvalues[0]!.re - lambda) < TOL.roundoff);
    t.is(pt.stability.stability, lambda < 0 ? 'stable' : 'unstable');
  }
  for (let i = 0; i < 40; i++) {
    const b = -3 + (i + 0.5) / 40;
    let crossings = 0;
    for (let k = 0; k + 1 < br.points.length; k++) if ((br.points[k]!.parameter - b) * (br.points[k + 1]!.parameter - b) < 0) crossings++;
    t.is(crossings, equilibria(w, b).length, `b = ${b}`);
  }
});

test('one-neuron map: the same folds at multiplier +1, and flips at multiplier -1 for w = -6', (t) => {
  const br = continueEquilibria(oneNeuronMapSystem, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-3, -2] });
  const folds = ofType(br, 'fold');
  t.deepEqual(
    folds.map((f) => Math.abs(f.parameter - foldPoints(5)[1 - folds.indexOf(f)]!.b) < TOL.bifurcationLocation),
    [true, true],
  );
  for (const f of folds) t.true(Math.abs(f.eigenvalues[0]!.re - 1) < TOL.bifurcationLocation);
  // w s (1 - s) = -1 at s = (1 +- sqrt(1 + 4/w))/2, b = logit(s) - w s
  const w = -6;
  const fl = continueEquilibria(oneNeuronMapSystem, Float64Array.of(w, -1), [0.5], { parameter: 'b', range: [-1, 7] });
  const flips = ofType(fl, 'flip');
  t.is(flips.length, 2);
  const r = Math.sqrt(1 + 4 / w);
  const closed = [(1 - r) / 2, (1 + r) / 2].map((s) => logit(s) - w * s);
  flips.forEach((f, i) => {
    t.true(f.located);
    t.true(Math.abs(f.parameter - closed[i]!) < TOL.bifurcationLocation, `${f.parameter} vs ${closed[i]}`);
    t.true(Math.abs(f.eigenvalues[0]!.re + 1) < TOL.bifurcationLocation);
  });
  // between the flips the fixed point is unstable (|mu| > 1)
  t.deepEqual(
    flips.map((f) => [f.unstableBefore, f.unstableAfter]),
    [
      [0, 1],
      [1, 0],
    ],
  );
});

test('discrete network h -> tanh(g W h): Neimark-Sacker and flip at g = 1, and a pitchfork branch point with branch switching', (t) => {
  const net = new RecurrentMap(2, 'tanh');
  const phi = 0.7;
  const rot = [
    [Math.cos(phi), -Math.sin(phi)],
    [Math.sin(phi), Math.cos(phi)],
  ];
  const ns = ofType(continueEquilibria(net, net.pack({ gain: 0.5, W: rot }), [0, 0], { parameter: 'g', range: [0.5, 2] }), 'neimark-sacker');
  t.is(ns.length, 1);
  t.true(ns[0]!.located);
  t.true(Math.abs(ns[0]!.parameter - 1) < TOL.bifurcationLocation);
  t.true(Math.abs(ns[0]!.omega! - phi) < TOL.bifurcationLocation, 'rotation angle of the multipliers e^{+-i phi}');
  const flip = ofType(continueEquilibria(net, net.pack({ gain: 0.5, W: [[-1, 0.3], [0, 0.5]] }), [0, 0], { parameter: 'g', range: [0.5, 2] }), 'flip');
  t.is(flip.length, 1);
  t.true(Math.abs(flip[0]!.parameter - 1) < TOL.bifurcationLocation);
  // 1-D: h = tanh(g h) has h = 0 for all g, and h = +-h* with g = atanh(h*)/h* for g > 1
  const one = new RecurrentMap(1, 'tanh');
  const br = continueEquilibria(one, one.pack({ gain: 0.5, W: [[1]] }), [0], { parameter: 'g', range: [0.5, 2] });
  const bps = ofType(br, 'branch-point');
  t.is(bps.length, 1);
  t.true(Math.abs(bps[0]!.parameter - 1) < TOL.bifurcationLocation);
  t.is(ofType(br, 'fold').length, 0, 'the trivial branch does not turn: a branch point, not a fold');
  const halves = branchesFrom(br, bps[0]!, { range: [0.5, 2] });
  t.is(halves.length, 2);
  const signs = halves.map((h) => Math.sign(h.points[h.points.length - 1]!.x[0]!));
  t.deepEqual(signs.sort(), [-1, 1]);
  for (const h of halves) {
    t.is(h.end, 'parameter-range');
    for (const pt of h.points.slice(1)) {
      const x = pt.x[0]!;
      t.true(Math.abs(Math.atanh(x) / x - pt.parameter) < 1e-9, `g = ${pt.parameter}, h = ${x}`);
      t.is(pt.stability.stability, 'stable', 'supercritical pitchfork: the new branches are stable');
    }
  }
});

test('branch switching at a fold: the two halves leave the fold on its bistable side, one attracting, one repelling', (t) => {
  const br = continueEquilibria(oneNeuronField, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-3, -2] });
  const fold = ofType(br, 'fold')[0]!; // the upper-b fold, b = -2.34439
  const halves = branchesFrom(br, fold, { range: [-3, -2] });
  t.is(halves.length, 2);
  const classes = halves.map((h) => h.points[3]!.stability.stability).sort();
  t.deepEqual(classes, ['stable', 'unstable']);
  for (const h of halves) {
    t.true(Math.abs(h.points[0]!.parameter - fold.parameter) < TOL.bifurcationLocation);
    t.true(h.points[3]!.parameter < fold.parameter, 'both halves exist for b < b_fold');
  }
});

test('2-neuron CTRNN: the Hopf points agree with bisection on trace J at brute-force equilibria; l1 < 0', (t) => {
  const net = new Ctrnn(2);
  const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-10, -1.75] });
  const br = continueEquilibria(net, p, [0, 0], { parameter: 'theta1', range: [-10, 10] });
  const hopf = ofType(br, 'hopf');
  t.is(hopf.length, 2);
  for (const h of hopf) {
    t.true(h.located);
    t.true(h.residual < 1e-12);
    // independent: equilibria by root counting, the one nearest the Hopf state, trace of its Jacobian
    const traceAt = (theta1: number): number => {
      const q = Float64Array.from(p);
      q[4] = theta1;
      const eq = planarCtrnnEquilibria(net, q);
      let best = eq[0]!;
      for (const e of eq) if (Math.hypot(e.y[0]! - h.x[0]!, e.y[1]! - h.x[1]!) < Math.hypot(best.y[0]! - h.x[0]!, best.y[1]! - h.x[1]!)) best = e;
      return best.eigenvalues[0]!.re;
    };
    let lo = h.parameter - 0.01;
    let hi = h.parameter + 0.01;
    const slo = Math.sign(traceAt(lo));
    t.not(slo, Math.sign(traceAt(hi)));
    while (hi - lo > 1e-12) {
      const m = 0.5 * (lo + hi);
      if (Math.sign(traceAt(m)) === slo) lo = m;
      else hi = m;
    }
    t.true(Math.abs(0.5 * (lo + hi) - h.parameter) < TOL.bifurcationLocation, `${h.parameter} vs ${0.5 * (lo + hi)}`);
    t.true(Math.abs(h.eigenvalues[0]!.re) < TOL.bifurcationLocation && Math.abs(h.eigenvalues[0]!.im - h.omega!) < TOL.bifurcationLocation);
    t.is(h.hopf!.criticality, 'supercritical');
  }
  t.deepEqual(
    hopf.map((h) => [h.unstableBefore, h.unstableAfter]),
    [
      [0, 2],
      [2, 0],
    ],
  );
});

test('the finite-difference fallbacks for B, C and d/dp (A v) locate the same points and l1', (t) => {
  const net = new Ctrnn(2);
  const bare: Flow = {
    time: 'continuous',
    dimension: 2,
    parameterNames: net.parameterNames,
    field: (x, p, o) => net.field(x, p, o),
    jacobian: (x, p, o) => net.jacobian(x, p, o),
    parameterDerivative: (x, p, k, o) => net.parameterDerivative(x, p, k, o),
    vectorJacobianProduct: (x, p, g, gx, gp) => net.vectorJacobianProduct(x, p, g, gx, gp),
  };
  const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-10, -1.75], tau: [1, 2] });
  const a = continueEquilibria(net, p, [0, 0], { parameter: 'theta1', range: [-10, 10] });
  const b = continueEquilibria(bare, p, [0, 0], { parameter: 'theta1', range: [-10, 10] });
  t.is(a.bifurcations.length, b.bifurcations.length);
  t.true(a.bifurcations.length > 0);
  a.bifurcations.forEach((x, i) => {
    const y = b.bifurcations[i]!;
    t.is(x.type, y.type);
    t.true(y.located);
    t.true(Math.abs(x.parameter - y.parameter) < TOL.bifurcationLocation);
    if (x.hopf) t.true(Math.abs(x.hopf.firstLyapunovCoefficient / y.hopf!.firstLyapunovCoefficient - 1) < 1e-5);
  });
});

test('bad input: an unknown parameter, an empty range, no equilibrium near the start', (t) => {
  t.throws(() => continueEquilibria(oneNeuronField, Float64Array.of(5, -3), [0.05], { parameter: 'c', range: [-3, -2] }), { message: /unknown parameter "c".*w, b/ });
  t.throws(() => continueEquilibria(oneNeuronField, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-2, -3] }), { message: /min < max/ });
  const bad: Flow = { ...oneNeuronField, field: (_x, _p, o) => ((o[0] = 1), o) };
  t.throws(() => continueEquilibria(bad, Float64Array.of(5, -3), [0.05], { parameter: 'b', range: [-3, -2] }), { message: /no equilibrium near the starting state at b = -3/ });
});
