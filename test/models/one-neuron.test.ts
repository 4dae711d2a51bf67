/**
 * The one-neuron network's forward pass, discrete adjoint and sensitivity (src/models/one-neuron.ts):
 * every derivative against central finite differences, and against closed forms where they exist
 * (the Euler step's derivative, the integrator's stability function at an equilibrium).
 */
import test from 'ava';
import { sigmoid } from '../../src/activations/index.ts';
import { equilibria } from '../../src/dynamics/equilibria.ts';
import { Rng } from '../../src/init/rng.ts';
import { amplification, OneNeuronFlow, OneNeuronMap, stepEuler, stepRK4, type Integrator } from '../../src/models/one-neuron.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

/** Central difference of f at v with step h. */
function central(f: (v: number) => number, v: number, h: number): number {
  return (f(v + h) - f(v - h)) / (2 * h);
}

/**
 * Central differences at h and h/2 combined by Richardson extrapolation: truncation O(h^4) (~1e-12
 * for h = 1e-3 on these O(1)-scale functions) and round-off ~ eps / h ~ 2e-13, so contracting
 * derivatives down to ~1e-6 are still resolved to 1e-6 relative.
 */
function richardson(f: (v: number) => number, v: number, h = 1e-3): number {
  return (4 * central(f, v, h / 2) - central(f, v, h)) / 3;
}


/**
 * Random (w, b, x0) with x0 at least 0.05 away from any unstable equilibrium (the basin boundary),
 * where x(T) is smooth on scales far above the FD step.
 */
function samplePoints(seed: number, n: number): { w: number; b: number; x0: number }[] {
  const rng = new Rng(seed);
  const out: { w: number; b: number; x0: number }[] = [];
  while (out.length < n) {
    const w = rng.uniformIn(-3, 8);
    const b = rng.uniformIn(-5, 1);
    const x0 = rng.uniformIn(0.05, 0.95);
    if (equilibria(w, b).some((e) => !e.stable && Math.abs(e.x - x0) < 0.05)) continue;
    out.push({ w, b, x0 });
  }
  return out;
}

for (const method of ['rk4', 'euler'] as Integrator[]) {
  test(`${method}: discrete adjoint dx(T)/dx(0), dx(T)/dw, dx(T)/db match central differences`, (t) => {
    const dt = 0.05;
    const steps = 200;
    const flow = new OneNeuronFlow(steps);
    let worst = 0;
    for (const { w, b, x0 } of samplePoints(method === 'rk4' ? 11 : 12, 25)) {
      const xT = (ww: number, bb: number, xx: number): number => flow.forward({ w: ww, b: bb, x0: xx, dt, steps, method });
      xT(w, b, x0);
      const g = flow.backward(1);
      const fd = [richardson((v) => xT(w, b, v), x0), richardson((v) => xT(v, b, x0), w), richardson((v) => xT(w, v, x0), b)];
      const adj = [g.dx0, g.dw, g.db];
      for (let i = 0; i < 3; i++) worst = Math.max(worst, relativeError(adj[i]!, fd[i]!, TOL.adjointAbsoluteFloor));
    }
    t.true(worst < TOL.finiteDifference, `max relative error ${worst}`);
  });

  test(`${method}: gradient of L = (0.855 - x(T))^2 through the adjoint matches central differences`, (t) => {
    const dt = 0.05;
    const steps = 200;
    const flow = new OneNeuronFlow(steps);
    const loss = (b: number, x0: number): number => (0.855 - flow.forward({ w: 5, b, x0, dt, steps, method })) ** 2;
    // b = -2.3 and -2.7 are outside the bistable range; -2.6 and -2.4 inside, far from x0's boundary
    for (const b of [-2.7, -2.6, -2.4, -2.3]) {
      const xT = flow.forward({ w: 5, b, x0: 0.5, dt, steps, method });
      const g = flow.backward(-2 * (0.855 - xT));
      t.true(relativeError(g.db, central((v) => loss(v, 0.5), b, 1e-6)) < TOL.finiteDifference, `dL/db at b = ${b}`);
      t.true(relativeError(g.dx0, central((v) => loss(b, v), 0.5, 1e-6)) < TOL.finiteDifference, `dL/dx0 at b = ${b}`);
    }
  });

  test(`${method}: sensitivity() (product of per-step derivatives) equals the adjoint with dL/dx(T) = 1`, (t) => {
    const flow = new OneNeuronFlow(500);
    for (const { w, b, x0 } of samplePoints(21, 10)) {
      flow.forward({ w, b, x0, dt: 0.1, steps: 300, method });
      const prod = flow.sensitivity();
      const fromSteps = flow.stepDerivatives().reduce((p, v) => p * v, 1);
      t.true(relativeError(prod, flow.backward(1).dx0) < TOL.roundoff * 100, `w=${w} b=${b}`);
      t.true(relativeError(prod, fromSteps) < TOL.roundoff);
    }
  });

  test(`${method}: started on an equilibrium, dx(T)/dx(0) = R(lambda dt)^N and dx(T)/db = s(1-s)(R^N - 1)/lambda`, (t) => {
    const dt = 0.05;
    const steps = 400;
    const flow = new OneNeuronFlow(steps);
    for (const e of equilibria(5, -2.5)) {
      flow.forward({ w: 5, b: -2.5, x0: e.x, dt, steps, method });
      const RN = Math.pow(amplification(method, e.eigenvalue * dt), steps);
      t.true(relativeError(flow.sensitivity(), RN) < 1e-10, `x* = ${e.x}: ${flow.sensitivity()} vs ${RN}`);
      const g = flow.backward(1);
      const expected = ((e.x * (1 - e.x)) / e.eigenvalue) * (RN - 1);
      t.true(relativeError(g.db, expected) < 1e-9, `dx/db at x* = ${e.x}: ${g.db} vs ${expected}`);
    }
  });
}

test('euler: one step has the analytic derivatives 1 + dt(-1 + w s(1-s)), dt s(1-s), dt s(1-s) x', (t) => {
  const flow = new OneNeuronFlow(1);
  const rng = new Rng(5);
  for (let i = 0; i < 50; i++) {
    const w = rng.uniformIn(-8, 8);
    const b = rng.uniformIn(-4, 4);
    const x = rng.uniformIn(-1, 2);
    const dt = rng.uniformIn(0.01, 0.5);
    const u = rng.uniformIn(-1, 1);
    const xNext = flow.forward({ w, b, x0: x, dt, steps: 1, method: 'euler', u: [u] });
    t.is(xNext, stepEuler(x, w, b, u, dt));
    const s = sigmoid(w * x + b + u);
    const g = flow.backward(1);
    t.true(relativeError(g.dx0, 1 + dt * (-1 + w * s * (1 - s))) < TOL.roundoff);
    t.true(relativeError(g.db, dt * s * (1 - s)) < TOL.roundoff);
    t.true(relativeError(g.dw, dt * s * (1 - s) * x) < TOL.roundoff);
  }
});

test('rk4: the taped forward pass takes the same steps as stepRK4, and a function input is sampled at the stage times', (t) => {
  const flow = new OneNeuronFlow(100);
  const u = (time: number): number => 0.3 * Math.sin(time);
  const xT = flow.forward({ w: 3, b: -1, x0: 0.2, dt: 0.1, steps: 100, method: 'rk4', u });
  let x = 0.2;
  for (let k = 0; k < 100; k++) x = stepRK4(x, 3, -1, u(k * 0.1), u(k * 0.1 + 0.05), u(k * 0.1 + 0.1), 0.1);
  t.is(xT, x);
  // a constant input is the same as a shifted bias
  const withInput = flow.forward({ w: 3, b: -1, x0: 0.2, dt: 0.1, steps: 100, method: 'rk4', u: new Float64Array(100).fill(0.4) });
  t.true(Math.abs(withInput - flow.forward({ w: 3, b: -0.6, x0: 0.2, dt: 0.1, steps: 100, method: 'rk4' })) < TOL.roundoff);
});

test('rk4: adjoint with a time-varying input matches central differences', (t) => {
  const flow = new OneNeuronFlow(300);
  const u = (time: number): number => 0.5 * Math.cos(0.7 * time);
  const run = (w: number, b: number, x0: number): number => flow.forward({ w, b, x0, dt: 0.05, steps: 300, method: 'rk4', u });
  run(2, -1, 0.3);
  const g = flow.backward(1);
  t.true(relativeError(g.dx0, central((v) => run(2, -1, v), 0.3, 1e-6)) < TOL.finiteDifference);
  t.true(relativeError(g.dw, central((v) => run(v, -1, 0.3), 2, 1e-6)) < TOL.finiteDifference);
  t.true(relativeError(g.db, central((v) => run(2, v, 0.3), -1, 1e-6)) < TOL.finiteDifference);
});

test('rk4 converges to the exact flow: with w = 0, x(T) = s + (x0 - s) e^{-T}, s = sigmoid(b)', (t) => {
  const flow = new OneNeuronFlow(200);
  const s = sigmoid(0.7);
  const exact = s + (0.1 - s) * Math.exp(-10);
  const err = Math.abs(flow.forward({ w: 0, b: 0.7, x0: 0.1, dt: 0.05, steps: 200, method: 'rk4' }) - exact);
  // global error of RK4 is O(dt^4): (0.05)^4 = 6e-6 times a constant well below 1
  t.true(err < 1e-8, `error ${err}`);
  const euler = Math.abs(flow.forward({ w: 0, b: 0.7, x0: 0.1, dt: 0.05, steps: 200, method: 'euler' }) - exact);
  t.true(euler > 100 * err, 'Euler (first order) is far less accurate at the same step');
});

test('discrete map: backpropagation through time matches central differences and its sensitivity', (t) => {
  const map = new OneNeuronMap(60);
  let worst = 0;
  for (const { w, b, x0 } of samplePoints(31, 20)) {
    const run = (ww: number, bb: number, xx: number): number => map.forward(ww, bb, xx, 60);
    run(w, b, x0);
    const g = map.backward(1);
    t.true(relativeError(map.sensitivity(), g.dx0) < 1e-12 || Math.abs(g.dx0) < 1e-300);
    const fd = [richardson((v) => run(w, b, v), x0), richardson((v) => run(v, b, x0), w), richardson((v) => run(w, v, x0), b)];
    const adj = [g.dx0, g.dw, g.db];
    // dx_N/dx_0 can vanish (|w s(1-s)| < 1 contracts 60 times): below TOL.adjointAbsoluteFloor compare absolutely
    for (let i = 0; i < 3; i++) worst = Math.max(worst, relativeError(adj[i]!, fd[i]!, TOL.adjointAbsoluteFloor));
  }
  t.true(worst < TOL.finiteDifference, `max relative error ${worst}`);
  // the middle fixed point of w = 5, b = -2.5 has multiplier w/4
  map.forward(5, -2.5, 0.5, 50);
  t.true(relativeError(map.sensitivity(), Math.pow(1.25, 50)) < TOL.roundoff);
});

test('the tape is sized once: too many steps or a bad dt are refused', (t) => {
  const flow = new OneNeuronFlow(10);
  t.throws(() => flow.forward({ w: 1, b: 0, x0: 0, dt: 0.1, steps: 11, method: 'rk4' }), { message: /steps/ });
  t.throws(() => flow.forward({ w: 1, b: 0, x0: 0, dt: 0, steps: 5, method: 'rk4' }), { message: /dt/ });
  t.throws(() => new OneNeuronFlow(0), { message: /capacity/ });
  t.throws(() => new OneNeuronMap(5).forward(1, 0, 0, 6), { message: /steps/ });
});
