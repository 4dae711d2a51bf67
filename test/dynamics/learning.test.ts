/**
 * Learning through a bifurcation (src/dynamics/learning, src/dynamics/sensitivity.ts): the
 * steady-state gradient against finite differences of re-solved equilibria; the line-restricted
 * system's derivatives; the fold-gradient law against the one-neuron closed form
 * |x - t| sqrt(1 + x_f^2) / sqrt(2 |b''(x_f)| d) approached as d -> 0 (so the study's prediction
 * is the true asymptote); the learning path's jump where the closed-form fold curve
 * b = logit(x) - w x, w x (1 - x) = 1 says the lower attractor dies; the gradient peak there; and
 * the trajectory gradient's crossing of a Hopf curve.
 */
import test from 'ava';
import { logit } from '../../src/activations/index.ts';
import { settle } from '../../src/dynamics/attractors.ts';
import { continueEquilibria } from '../../src/dynamics/continuation/equilibrium-branch.ts';
import { equilibriumResidual, equilibriumJacobian } from '../../src/dynamics/equilibrium-equation.ts';
import { pathCrossings, distanceToPolyline } from '../../src/dynamics/learning/crossings.ts';
import { learnFixedPoint, stateLoss } from '../../src/dynamics/learning/fixed-point-learning.ts';
import { foldGradient } from '../../src/dynamics/learning/fold-step.ts';
import { learnTrajectory, sampleTrajectory } from '../../src/dynamics/learning/trajectory-learning.ts';
import { newton } from '../../src/dynamics/newton.ts';
import { alongLine, equilibriumGradient, equilibriumSensitivity } from '../../src/dynamics/sensitivity.ts';
import { Rng } from '../../src/init/rng.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import type { DynamicalSystem } from '../../src/models/flow.ts';
import { oneNeuronField } from '../../src/models/one-neuron.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { derivativeErrors } from '../helpers/system-derivatives.ts';
import { TOL } from '../helpers/tolerance.ts';

/** The equilibrium at p by Newton from x (the same branch for small parameter changes). */
function solve(sys: DynamicalSystem, p: Float64Array, x: Float64Array): Float64Array {
  const r = newton({ size: sys.dimension, residual: (z, o) => void equilibriumResidual(sys, z, p, o), jacobian: (z, o) => void equilibriumJacobian(sys, z, p, o) }, x);
  if (!r.converged) throw new Error('no equilibrium');
  return r.z;
}

test('steady-state gradient and sensitivity (implicit function theorem) against finite differences of re-solved equilibria', (t) => {
  const rng = new Rng(51);
  for (const n of [2, 3]) {
    const net = new Ctrnn(n);
    const W = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? rng.uniformIn(1, 4) : rng.uniformIn(-3, 3))));
    const p = net.pack({ W, theta: Array.from({ length: n }, () => rng.uniformIn(-3, 0)), tau: Array.from({ length: n }, () => rng.uniformIn(0.5, 2)) });
    const x = settle(net, p, new Float64Array(n)).x;
    const target = { indices: [0, n - 1], values: [1, -0.5] };
    const ks = Array.from({ length: p.length }, (_, k) => k);
    const g = equilibriumGradient(net, x, p, stateLoss(x, target, n).gradient, ks)!;
    const fd = fivePointGradient(p, () => stateLoss(solve(net, p, x), target, n).loss);
    t.true(gradientError(g, fd) < TOL.finiteDifference, `n = ${n}: ${gradientError(g, fd)}`);
    const S = equilibriumSensitivity(net, x, p, [n * n, n * n + 1])!;
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < n; i++) {
        const fdi = fivePointGradient(p, () => solve(net, p, x)[i]!)[n * n + j]!;
        t.true(Math.abs(S[i * 2 + j]! - fdi) < TOL.finiteDifference * (1 + Math.abs(fdi)));
      }
    }
  }
});

test('the system along a line p0 + s u: its derivatives, and d/ds = u . d/dp', (t) => {
  const net = new Ctrnn(2);
  const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-2, -1.5], tau: [1, 1.5] });
  const u = [0.6, -0.8];
  const line = alongLine(net, p, [4, 5], u);
  const errs = derivativeErrors(line, Float64Array.of(0.7, -0.3), Float64Array.of(0.2), Float64Array.of(1, 0.5), Float64Array.of(-0.3, 1), Float64Array.of(0.4, 0.4), Float64Array.of(1, -1));
  for (const [k, e] of Object.entries(errs)) t.true(e < (k === 'vectorJacobianProduct' ? TOL.roundoff : TOL.finiteDifference), `${k}: ${e}`);
  const x = Float64Array.of(0.7, -0.3);
  const ps = Float64Array.from(p);
  ps[4] = p[4]! + 0.2 * u[0]!;
  ps[5] = p[5]! + 0.2 * u[1]!;
  const a = line.parameterDerivative(x, Float64Array.of(0.2), 0, new Float64Array(2));
  const d4 = net.parameterDerivative(x, ps, 4, new Float64Array(2));
  const d5 = net.parameterDerivative(x, ps, 5, new Float64Array(2));
  for (let i = 0; i < 2; i++) t.true(Math.abs(a[i]! - (u[0]! * d4[i]! + u[1]! * d5[i]!)) < TOL.roundoff);
});

test('the fold-gradient law is the true asymptote: one-neuron closed form |x - t| sqrt(1 + x_f^2) / sqrt(2 |b\'\'(x_f)| d)', (t) => {
  const w = 6;
  const target = { indices: [0], values: [0.9] };
  const br = continueEquilibria(oneNeuronField, Float64Array.of(w, -3), [0.05], { parameter: 'b', range: [-3, -2] });
  const fold = br.bifurcations.find((b) => b.type === 'fold')!; // where the lower attractor dies
  const xf = fold.x[0]!;
  const bpp = Math.abs((2 * xf - 1) / (xf * (1 - xf)) ** 2);
  let prevErr = Infinity;
  for (const d of [1e-4, 1e-6, 1e-8]) {
    const p = Float64Array.of(w, fold.parameter - d);
    const x = solve(oneNeuronField, p, Float64Array.of(xf - Math.sqrt((2 * d) / bpp)));
    // exact gradient in (b, w) from the implicit function theorem, and the study's leading-order formula
    const g = equilibriumGradient(oneNeuronField, x, p, stateLoss(x, target, 1).gradient, [1, 0])!;
    const predicted = foldGradient(oneNeuronField, fold.x, fold.p, [1, 0], [1, 0], fold.v!, x, target, d);
    const closed = (Math.abs(x[0]! - 0.9) * Math.sqrt(1 + xf * xf)) / Math.sqrt(2 * bpp * d);
    t.true(Math.abs(predicted / closed - 1) < 1e-9, `formula against the closed form at d = ${d}`);
    const err = Math.abs(Math.hypot(...g) / predicted - 1);
    t.true(err < 3 * Math.sqrt(d), `d = ${d}: |exact / predicted - 1| = ${err}`);
    t.true(err < prevErr);
    prevErr = err;
  }
});

test('fixed-point learning of the one-neuron network: the jump where the closed-form fold curve is crossed, the gradient peaking just before', (t) => {
  const w0 = 6;
  const run = learnFixedPoint(oneNeuronField, Float64Array.of(w0, -3), [0.05], { learn: [1, 0], target: { indices: [0], values: [0.9] }, learningRate: 2, steps: 60, maxStep: 0.02 });
  t.is(run.end, 'steps');
  // the lower attractor exists while b < b_upper(w) = logit(x_l) - w x_l, x_l = (1 - sqrt(1 - 4/w))/2
  const bUpper = (w: number): number => {
    const x = (1 - Math.sqrt(1 - 4 / w)) / 2;
    return logit(x) - w * x;
  };
  const jump = run.steps.findIndex((s, k) => k > 0 && Math.abs(s.x[0]! - run.steps[k - 1]!.x[0]!) > 0.5);
  t.true(jump > 0);
  const before = run.steps[jump - 1]!;
  const after = run.steps[jump]!;
  t.true(before.theta[0]! < bUpper(before.theta[1]!), 'before the jump the lower attractor still exists');
  t.true(after.theta[0]! > bUpper(after.theta[1]!), 'after it, it has died');
  t.true(before.x[0]! < 0.5 && after.x[0]! > 0.5);
  t.true(after.loss < before.loss / 10);
  // the gradient grows all the way to the fold and peaks at the last step before it
  let peak = 0;
  run.steps.forEach((s, k) => (peak = s.gradientNorm > run.steps[peak]!.gradientNorm ? k : peak));
  t.is(peak, jump - 1);
  for (let k = 1; k < jump; k++) t.true(run.steps[k]!.gradientNorm > run.steps[k - 1]!.gradientNorm);
  // the path's crossing of a polyline of the closed-form curve agrees with the jump
  const curve = Array.from({ length: 200 }, (_, i) => {
    const w = 5 + i * 0.01;
    return { a: bUpper(w), b: w };
  });
  const crossings = pathCrossings(
    run.steps.map((s) => ({ a: s.theta[0]!, b: s.theta[1]! })),
    [{ kind: 'fold', parameters: ['b', 'w'], points: curve.map((c) => ({ ...c, x: new Float64Array(1) })), values: [], special: [], ends: ['box', 'box'] }],
  );
  t.is(crossings[0]!.step, jump - 1);
  t.true(crossings[0]!.distanceBefore <= 0.02 + 1e-12 && distanceToPolyline(curve, crossings[0]!.a, crossings[0]!.b) < 1e-12);
});

test('trajectory learning of the 2-neuron CTRNN crosses the closed Hopf curve and reaches the teacher', (t) => {
  const net = new Ctrnn(2);
  const W = [
    [4.5, 1],
    [-1, 4.5],
  ];
  const teacher = net.pack({ W, theta: [-2.75, -1.75] });
  const start = net.pack({ W, theta: [-3.3, -1.75] });
  const N = 800;
  const target = { indices: [0, 1], values: sampleTrajectory(net, teacher, [0, 0], 0.05, N, [0, 1]) };
  const steps = learnTrajectory(net, start, { learn: [4, 5], target, x0: [0, 0], dt: 0.05, horizon: N, learningRate: 0.02, steps: 40, maxStep: 0.05 });
  const last = steps[steps.length - 1]!;
  t.true(Math.abs(last.theta[0]! + 2.75) < 1e-6 && Math.abs(last.theta[1]! + 1.75) < 1e-6, `${last.theta}`);
  // along theta2 = -1.75 the Hopf point nearest the start is at theta1 = -3.0016 (continuation)
  const br = continueEquilibria(net, start, settle(net, start, [0, 0]).x, { parameter: 'theta1', range: [-3.3, -2.75] });
  const hopf = br.bifurcations.find((b) => b.type === 'hopf')!;
  t.true(Math.abs(hopf.parameter + 3.0016133) < 1e-6);
  const crossed = steps.findIndex((s, k) => k > 0 && steps[k - 1]!.theta[0]! < hopf.parameter && s.theta[0]! >= hopf.parameter);
  t.true(crossed > 0, 'the path passes the Hopf point in theta1');
  // the gradient is larger inside the oscillating region near the curve than at the start
  const peak = Math.max(...steps.map((s) => s.gradientNorm));
  t.true(peak > 3 * steps[0]!.gradientNorm);
});
