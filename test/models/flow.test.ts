/**
 * The flow contract (src/models/flow.ts) and its models: every hand-written derivative of the
 * one-neuron field and map, the CTRNN and the discrete network against finite differences; the
 * general RK4 integrator's discrete adjoint against finite differences; the one-neuron network run
 * through the general integrator gives OneNeuronFlow's bits; the CTRNN with N = 1 is Doya's
 * network after y = w x + b.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import { FlowIntegrator, parameterIndex, type DynamicalSystem } from '../../src/models/flow.ts';
import { OneNeuronFlow, oneNeuronField, oneNeuronMapSystem } from '../../src/models/one-neuron.ts';
import { RecurrentMap } from '../../src/models/recurrent-map.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { derivativeErrors } from '../helpers/system-derivatives.ts';
import { TOL } from '../helpers/tolerance.ts';

function randomVector(rng: Rng, n: number, scale = 1): Float64Array {
  return rng.fillNormal(new Float64Array(n), 0, scale);
}

function checkSystem(t: import('ava').ExecutionContext, name: string, sys: DynamicalSystem, x: Float64Array, p: Float64Array, rng: Rng): void {
  const n = sys.dimension;
  const errs = derivativeErrors(sys, x, p, randomVector(rng, n), randomVector(rng, n), randomVector(rng, n), randomVector(rng, n));
  for (const [k, e] of Object.entries(errs)) {
    const tol = k === 'vectorJacobianProduct' ? TOL.roundoff : TOL.finiteDifference;
    t.true(e < tol, `${name}: ${k} error ${e}`);
  }
  t.is(Object.keys(errs).length, 6, `${name}: all six derivatives present`);
}

test('one-neuron field and map: derivatives against finite differences', (t) => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 5; trial++) {
    const p = Float64Array.of(rng.uniformIn(-6, 8), rng.uniformIn(-4, 2));
    const x = Float64Array.of(rng.uniformIn(0.05, 0.95));
    checkSystem(t, 'oneNeuronField', oneNeuronField, x, p, rng);
    checkSystem(t, 'oneNeuronMapSystem', oneNeuronMapSystem, x, p, rng);
  }
});

test('CTRNN: derivatives against finite differences for N = 1, 2, 3 with time constants', (t) => {
  const rng = new Rng(12);
  for (const n of [1, 2, 3]) {
    const net = new Ctrnn(n);
    for (let trial = 0; trial < 3; trial++) {
      const W = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.uniformIn(-6, 6)));
      const p = net.pack({
        W,
        theta: Array.from({ length: n }, () => rng.uniformIn(-3, 3)),
        I: Array.from({ length: n }, () => rng.uniformIn(-1, 1)),
        tau: Array.from({ length: n }, () => rng.uniformIn(0.5, 2)),
      });
      checkSystem(t, `ctrnn n=${n}`, net, randomVector(rng, n, 2), p, rng);
    }
  }
  const net = new Ctrnn(2);
  t.deepEqual([...net.parameterNames], ['w11', 'w12', 'w21', 'w22', 'theta1', 'theta2', 'I1', 'I2', 'tau1', 'tau2']);
  t.is(parameterIndex(net, 'theta2'), 5);
  t.throws(() => parameterIndex(net, 'theta3'), { message: /theta3.*expected one of w11/ });
  t.throws(() => net.pack({ W: [[1, 2]] }), { message: /2 x 2/ });
  t.throws(() => net.pack({ W: [[1, 2], [3, 4]], tau: [1, 0] }), { message: /tau2 must be positive/ });
  t.is(new Ctrnn(10).parameterNames[9], 'w1,10');
});

test('discrete network h -> f(g W h + b): derivatives against finite differences (tanh and sigmoid)', (t) => {
  const rng = new Rng(13);
  for (const f of ['tanh', 'sigmoid'] as const) {
    for (const n of [1, 3]) {
      const net = new RecurrentMap(n, f);
      const p = net.pack({
        gain: rng.uniformIn(0.5, 2),
        W: Array.from({ length: n }, () => Array.from({ length: n }, () => rng.uniformIn(-2, 2))),
        b: Array.from({ length: n }, () => rng.uniformIn(-1, 1)),
      });
      checkSystem(t, `map ${f} n=${n}`, net, randomVector(rng, n, 0.7), p, rng);
    }
  }
});

test('FlowIntegrator on the one-neuron field gives OneNeuronFlow bit for bit (forward and adjoint)', (t) => {
  const rng = new Rng(14);
  const steps = 300;
  const ref = new OneNeuronFlow(steps);
  const gen = new FlowIntegrator(oneNeuronField, steps);
  for (let trial = 0; trial < 10; trial++) {
    const w = rng.uniformIn(-3, 8);
    const b = rng.uniformIn(-5, 1);
    const x0 = rng.uniformIn(0, 1);
    const xT = ref.forward({ w, b, x0, dt: 0.05, steps, method: 'rk4' });
    const yT = gen.forward([x0], Float64Array.of(w, b), 0.05, steps)[0]!;
    t.is(yT, xT);
    for (let k = 0; k <= steps; k++) if (gen.state(k)[0] !== ref.states[k]) t.fail(`state ${k} differs`);
    const g = ref.backward(0.7);
    const gx0 = new Float64Array(1);
    const gp = new Float64Array(2);
    gen.backward(Float64Array.of(0.7), gx0, gp);
    t.is(gx0[0], g.dx0);
    t.is(gp[0], g.dw);
    t.is(gp[1], g.db);
  }
});

test('FlowIntegrator adjoint of a CTRNN against finite differences (final-state and every-step losses)', (t) => {
  const rng = new Rng(15);
  const net = new Ctrnn(3);
  const steps = 200;
  const dt = 0.05;
  const run = new FlowIntegrator(net, steps);
  const W = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => rng.uniformIn(-5, 5)));
  const p = net.pack({ W, theta: [-1, 0.5, 2], I: [0.3, -0.2, 0.1], tau: [1, 0.7, 1.6] });
  const y0 = randomVector(rng, 3);
  const target = randomVector(rng, 3);
  // L1 = 1/2 |y(T) - target|^2 ; L2 = 1/2 sum_k |y_k|^2 dt
  const L1 = (): number => {
    const yT = run.forward(y0, p, dt, steps);
    let s = 0;
    for (let i = 0; i < 3; i++) s += 0.5 * (yT[i]! - target[i]!) ** 2;
    return s;
  };
  const L2 = (): number => {
    run.forward(y0, p, dt, steps);
    let s = 0;
    for (let k = 0; k <= steps; k++) for (const v of run.state(k)) s += 0.5 * v * v * dt;
    return s;
  };
  const gx0 = new Float64Array(3);
  const gp = new Float64Array(p.length);
  L1();
  const yT = run.state(steps);
  run.backward(Float64Array.from(yT, (v, i) => v - target[i]!), gx0, gp);
  t.true(gradientError(gp, fivePointGradient(p, L1)) < TOL.finiteDifference, 'dL1/dp');
  t.true(gradientError(gx0, fivePointGradient(y0, L1)) < TOL.finiteDifference, 'dL1/dy0');
  L2();
  const seed = new Float64Array((steps + 1) * 3);
  for (let k = 0; k <= steps; k++) for (let i = 0; i < 3; i++) seed[k * 3 + i] = run.state(k)[i]! * dt;
  run.backward(seed, gx0, gp);
  t.true(gradientError(gp, fivePointGradient(p, L2)) < TOL.finiteDifference, 'dL2/dp');
  t.true(gradientError(gx0, fivePointGradient(y0, L2)) < TOL.finiteDifference, 'dL2/dy0');
  t.throws(() => run.backward(new Float64Array(5), gx0, gp), { message: /3 or 603 entries/ });
});

test('the CTRNN with N = 1, theta = 0, I = b is the one-neuron network in y = w x + b', (t) => {
  const net = new Ctrnn(1);
  const w = 5;
  const b = -2.4;
  const p = net.pack({ W: [[w]], I: [b] });
  const steps = 400;
  const run = new FlowIntegrator(net, steps);
  const ref = new OneNeuronFlow(steps);
  const x0 = 0.3;
  const xT = ref.forward({ w, b, x0, dt: 0.05, steps, method: 'rk4' });
  const yT = run.forward([w * x0 + b], p, 0.05, steps)[0]!;
  // RK4 is affine-covariant: the same steps up to rounding
  t.true(Math.abs((yT - b) / w - xT) < TOL.roundoff, `${(yT - b) / w} vs ${xT}`);
});
