/**
 * Normal forms at located points (src/dynamics/codim1/normal-forms.ts) against closed forms and
 * direct simulation (src/dynamics/attractors.ts):
 * - the first Lyapunov coefficient of a planar system with quadratic and cubic terms against the
 *   formula of Guckenheimer and Holmes (1983, eq. 3.4.11), which uses only the Taylor coefficients;
 * - the limit cycle past the supercritical Hopf point of a 2-neuron CTRNN: its half-amplitude per
 *   neuron against 2 |q_i| sqrt(mu' d / (omega |l1|)), growing like sqrt(d), and its period 2 pi / omega;
 * - past the flip of h -> tanh(-g h) the period-2 orbit +-h* with h* = tanh(g h*); past the
 *   Neimark-Sacker point of h -> tanh(g R h) an invariant circle whose radius grows like sqrt(g - 1).
 */
import test from 'ava';
import { simulateAttractor } from '../../src/dynamics/attractors.ts';
import { continueEquilibria } from '../../src/dynamics/continuation/equilibrium-branch.ts';
import { hopfNormalForm } from '../../src/dynamics/codim1/normal-forms.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import type { Flow } from '../../src/models/flow.ts';
import { RecurrentMap } from '../../src/models/recurrent-map.ts';
import { TOL } from '../helpers/tolerance.ts';

// dx/dt = mu x - omega y + F(x, y), dy/dt = omega x + mu y + G(x, y)
const OMEGA = 1.3;
const F = { xx: 2, xy: -1, yy: 1, xxx: 1.8, xyy: -0.4 }; // F = x^2 - xy + y^2/2 + 0.3 x^3 - 0.2 x y^2
const G = { xx: 0.8, xy: 1, yy: -2, xxy: 0.2, yyy: 1.5 }; // G = 0.4 x^2 + xy - y^2 + 0.1 x^2 y + 0.25 y^3
const planar: Flow = {
  time: 'continuous',
  dimension: 2,
  parameterNames: ['mu'],
  field(z, p, o) {
    const [x, y] = [z[0]!, z[1]!];
    o[0] = p[0]! * x - OMEGA * y + x * x - x * y + 0.5 * y * y + 0.3 * x ** 3 - 0.2 * x * y * y;
    o[1] = OMEGA * x + p[0]! * y + 0.4 * x * x + x * y - y * y + 0.1 * x * x * y + 0.25 * y ** 3;
    return o;
  },
  jacobian(z, p, o) {
    const [x, y] = [z[0]!, z[1]!];
    o[0] = p[0]! + 2 * x - y + 0.9 * x * x - 0.2 * y * y;
    o[1] = -OMEGA - x + y - 0.4 * x * y;
    o[2] = OMEGA + 0.8 * x + y + 0.2 * x * y;
    o[3] = p[0]! + x - 2 * y + 0.1 * x * x + 0.75 * y * y;
    return o;
  },
  parameterDerivative(z, _p, _k, o) {
    o[0] = z[0]!;
    o[1] = z[1]!;
    return o;
  },
  vectorJacobianProduct() {
    throw new Error('not used');
  },
  secondDerivative(z, _p, u, v, o) {
    const [x, y] = [z[0]!, z[1]!];
    // Hessians of each component at (x, y)
    const f = [2 + 1.8 * x, -1 - 0.4 * y, -1 - 0.4 * y, 1 - 0.4 * x];
    const g = [0.8 + 0.2 * y, 1 + 0.2 * x, 1 + 0.2 * x, -2 + 1.5 * y];
    o[0] = f[0]! * u[0]! * v[0]! + f[1]! * u[0]! * v[1]! + f[2]! * u[1]! * v[0]! + f[3]! * u[1]! * v[1]!;
    o[1] = g[0]! * u[0]! * v[0]! + g[1]! * u[0]! * v[1]! + g[2]! * u[1]! * v[0]! + g[3]! * u[1]! * v[1]!;
    return o;
  },
};

test('first Lyapunov coefficient against Guckenheimer and Holmes (1983) eq. 3.4.11 for a planar system', (t) => {
  const a =
    (F.xxx + F.xyy + G.xxy + G.yyy) / 16 + (F.xy * (F.xx + F.yy) - G.xy * (G.xx + G.yy) - F.xx * G.xx + F.yy * G.yy) / (16 * OMEGA);
  // GH's a is Re c1 in the coordinate x + i y; with <q, q> = 1, q = (1, -i)/sqrt(2), Re c1 doubles: l1 = 2 a / omega
  const nf = hopfNormalForm(planar, Float64Array.of(0, 0), Float64Array.of(0), 0, OMEGA);
  t.true(Math.abs(nf.firstLyapunovCoefficient - (2 * a) / OMEGA) < 1e-9, `${nf.firstLyapunovCoefficient} vs ${(2 * a) / OMEGA}`);
  t.is(nf.criticality, a < 0 ? 'supercritical' : 'subcritical');
  t.true(Math.abs(nf.realPartDerivative - 1) < 1e-9, 'd Re lambda / d mu = 1');
  t.true(Math.abs(nf.imagPartDerivative) < 1e-9);
  // the continuation finds the same point and coefficient
  const br = continueEquilibria(planar, Float64Array.of(-0.5), [0, 0], { parameter: 'mu', range: [-0.5, 0.5] });
  const h = br.bifurcations.find((b) => b.type === 'hopf')!;
  t.true(Math.abs(h.parameter) < TOL.bifurcationLocation);
  t.true(Math.abs(h.omega! - OMEGA) < TOL.bifurcationLocation);
  t.true(Math.abs(h.hopf!.firstLyapunovCoefficient - (2 * a) / OMEGA) < 1e-9);
});

test('2-neuron CTRNN: the limit cycle past the supercritical Hopf point has the normal form amplitude and period', (t) => {
  const net = new Ctrnn(2);
  const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-10, -1.75] });
  const br = continueEquilibria(net, p, [0, 0], { parameter: 'theta1', range: [-10, 10] });
  const h = br.bifurcations.find((b) => b.type === 'hopf')!;
  const nf = h.hopf!;
  t.is(nf.criticality, 'supercritical');
  const measure = (d: number): { ratio: number[]; amplitude: Float64Array; period: number; kind: string } => {
    const q = Float64Array.from(h.p);
    q[4] = h.parameter + nf.cycleSide * d;
    const x0 = Float64Array.from(h.x);
    x0[0]! += nf.amplitudeCoefficients[0]! * Math.sqrt(d);
    const a = simulateAttractor(net, q, x0, { dt: 0.05, transient: 3000, window: 200 });
    return { ratio: Array.from(a.amplitude, (v, i) => v / (nf.amplitudeCoefficients[i]! * Math.sqrt(d))), amplitude: a.amplitude, period: a.period, kind: a.kind };
  };
  const near = measure(1e-3);
  const far = measure(4e-3);
  t.is(near.kind, 'oscillation');
  for (const r of near.ratio) t.true(Math.abs(r - 1) < TOL.normalFormRelative, `amplitude / prediction = ${r}`);
  // square-root law: quadrupling the distance doubles the amplitude (log-log slope 1/2)
  for (let i = 0; i < 2; i++) {
    const slope = Math.log(far.amplitude[i]! / near.amplitude[i]!) / Math.log(4);
    t.true(Math.abs(slope - 0.5) < 0.02, `slope ${slope}`);
  }
  t.true(Math.abs(near.period / ((2 * Math.PI) / nf.omega) - 1) < TOL.normalFormRelative);
  // on the other side the equilibrium is stable: no cycle (supercritical)
  const q = Float64Array.from(h.p);
  q[4] = h.parameter - nf.cycleSide * 1e-2;
  t.is(simulateAttractor(net, q, Float64Array.from(h.x, (v) => v + 0.05), { dt: 0.05, transient: 4000, window: 100 }).kind, 'equilibrium');
});

test('maps: the period-2 orbit past a flip and the invariant circle past a Neimark-Sacker point', (t) => {
  // h -> tanh(-g h): flip at g = 1, then the orbit +-h* with h* = tanh(g h*)
  const one = new RecurrentMap(1, 'tanh');
  for (const g of [1.01, 1.05, 1.2]) {
    const a = simulateAttractor(one, one.pack({ gain: g, W: [[-1]] }), [0.1], { transient: 20000, window: 100 });
    // h* > 0 solves tanh(g h) = h: bisection (tanh(g h) - h > 0 on (0, h*), < 0 above)
    let lo = 1e-3;
    let hi = 1;
    for (let i = 0; i < 100; i++) {
      const m = 0.5 * (lo + hi);
      if (Math.tanh(g * m) > m) lo = m;
      else hi = m;
    }
    const h = 0.5 * (lo + hi);
    t.is(a.kind, 'oscillation');
    t.true(Math.abs(a.amplitude[0]! - h) < 1e-9, `g = ${g}: ${a.amplitude[0]} vs ${h}`);
    t.true(Math.abs(a.period - 2) < 1e-9);
  }
  // h -> tanh(g R(phi) h): the fixed point 0 loses stability at g = 1; the circle's radius ~ sqrt(g - 1)
  const net = new RecurrentMap(2, 'tanh');
  const phi = 0.7;
  const W = [
    [Math.cos(phi), -Math.sin(phi)],
    [Math.sin(phi), Math.cos(phi)],
  ];
  const radius = (d: number): number => {
    const a = simulateAttractor(net, net.pack({ gain: 1 + d, W }), [0.1, 0], { transient: 40000, window: 2000 });
    t.is(a.kind, 'oscillation');
    return Math.max(a.amplitude[0]!, a.amplitude[1]!);
  };
  const slope = Math.log(radius(4e-3) / radius(1e-3)) / Math.log(4);
  t.true(Math.abs(slope - 0.5) < 0.02, `slope ${slope}`);
  t.is(simulateAttractor(net, net.pack({ gain: 0.99, W }), [0.1, 0], { transient: 5000, window: 100 }).kind, 'equilibrium');
});
