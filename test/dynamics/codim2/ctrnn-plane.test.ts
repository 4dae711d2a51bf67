/**
 * The two-parameter diagram of a 2-neuron CTRNN in the plane of the biases (theta1, theta2)
 * (src/dynamics/codim2/two-parameter-diagram.ts) against routes that use neither continuation nor
 * Newton: the nullcline residual r(t) of src/dynamics/brute-force.ts, whose double roots are
 * folds and triple roots cusps; trace J = 0 at equilibria found by root counting (Hopf); and the
 * equilibrium counts of brute-force root finding along horizontal lines, which change exactly
 * where the fold curves cross them, while the number of stable equilibria changes where a Hopf
 * curve does. The Bogdanov-Takens points found from the fold curves (w . v = 0) and from the Hopf
 * curve (omega = 0) are the same Newton solution, with trace J = det J = 0.
 */
import test from 'ava';
import { nullclineResidual, planarCtrnnEquilibria } from '../../../src/dynamics/brute-force.ts';
import { locateRealEigenvalue } from '../../../src/dynamics/codim1/fold.ts';
import { locateComplexPair } from '../../../src/dynamics/codim1/hopf.ts';
import { complexEigenvector, realEigenvector } from '../../../src/dynamics/eigenvectors.ts';
import { twoParameterDiagram, type TwoParameterDiagram } from '../../../src/dynamics/codim2/two-parameter-diagram.ts';
import { Ctrnn } from '../../../src/models/ctrnn.ts';
import { TOL } from '../../helpers/tolerance.ts';

const net = new Ctrnn(2);
const W = [
  [5.5, -2],
  [2, 5.5],
];
const base = net.pack({ W });
const BOX = [
  [-10, 4],
  [-10, 4],
] as const;
const diagram: TwoParameterDiagram = twoParameterDiagram(net, base, {
  parameters: [4, 5],
  box: BOX,
  scanLines: 9,
  equilibriaAt: (q) => planarCtrnnEquilibria(net, q).map((e) => e.y),
});

function at(theta1: number, theta2: number): Float64Array {
  const p = Float64Array.from(base);
  p[4] = theta1;
  p[5] = theta2;
  return p;
}

/** Golden-section extremum of r on [lo, hi] (a max when sign = 1, min when -1): its value. */
function extremum(r: (t: number) => number, lo: number, hi: number, sign: number): { t: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  for (let i = 0; i < 200 && b - a > 1e-14; i++) {
    const m1 = b - g * (b - a);
    const m2 = a + g * (b - a);
    if (sign * r(m1) > sign * r(m2)) b = m2;
    else a = m1;
  }
  const t = 0.5 * (a + b);
  return { t, value: r(t) };
}

test('the diagram: fold curves with cusps, a Hopf curve between two Bogdanov-Takens points', (t) => {
  const folds = diagram.curves.filter((c) => c.kind === 'fold');
  const hopfs = diagram.curves.filter((c) => c.kind === 'hopf');
  // W is symmetric under the half-turn (theta1, theta2) -> (-3.5 - theta1, -7.5 - theta2) of the plane
  t.is(folds.length, 4);
  t.is(hopfs.length, 4, 'one Hopf curve between each pair of BT points');
  for (const h of hopfs) t.deepEqual(h.ends, ['bogdanov-takens', 'bogdanov-takens']);
  const count = (type: string): number => diagram.special.filter((s) => s.type === type).length;
  t.is(count('cusp'), 4);
  t.is(count('bogdanov-takens'), 8);
  t.is(count('bautin'), 0);
});

test('fold curve points are double roots of the nullcline residual: theta1 by bisection agrees to 1e-8', (t) => {
  let checked = 0;
  for (const c of diagram.curves.filter((c) => c.kind === 'fold')) {
    for (let i = 1; i < c.points.length - 1; i += 7) {
      const pt = c.points[i]!;
      const nc0 = nullclineResidual(net, at(pt.a, pt.b));
      const tf = pt.x[0]! + pt.a; // t = y1 + theta1
      // r has a max or a min at the double root: which one, from the second difference
      const sign = nc0.r(tf + 1e-3) + nc0.r(tf - 1e-3) < 2 * nc0.r(tf) ? 1 : -1;
      const e = (theta1: number): number => extremum(nullclineResidual(net, at(theta1, pt.b)).r, tf - 0.05 + theta1 - pt.a, tf + 0.05 + theta1 - pt.a, sign).value;
      let lo = pt.a - 1e-3;
      let hi = pt.a + 1e-3;
      const slo = Math.sign(e(lo));
      if (slo === Math.sign(e(hi))) continue; // too close to a cusp for the bracket
      while (hi - lo > 1e-13) {
        const m = 0.5 * (lo + hi);
        if (Math.sign(e(m)) === slo) lo = m;
        else hi = m;
      }
      t.true(Math.abs(0.5 * (lo + hi) - pt.a) < TOL.bifurcationLocation, `fold at theta2 = ${pt.b}: ${pt.a} vs ${0.5 * (lo + hi)}`);
      checked++;
    }
  }
  t.true(checked >= 20, `${checked} points checked`);
});

test('cusps are triple roots of the nullcline residual (r ~ delta^3), fold points only double (r ~ delta^2)', (t) => {
  for (const s of diagram.special.filter((x) => x.type === 'cusp')) {
    const nc = nullclineResidual(net, at(s.a, s.b));
    const tc = s.x[0]! + s.a;
    const d = 1e-2;
    const ratio = nc.r(tc + 2 * d) / nc.r(tc + d);
    t.true(Math.abs(ratio - 8) < 0.3, `cusp at (${s.a}, ${s.b}): ratio ${ratio}`);
    t.true(Math.abs(nc.r(tc - d) / nc.r(tc + d) + 1) < 0.1, 'odd around the triple root');
    t.true(s.located, `cusp at (${s.a}, ${s.b}) located by Newton on the cusp system`);
  }
  const c = diagram.curves.find((x) => x.kind === 'fold')!;
  const pt = c.points[Math.floor(c.points.length / 4)]!;
  const nc = nullclineResidual(net, at(pt.a, pt.b));
  const ratio = nc.r(pt.x[0]! + pt.a + 2e-2) / nc.r(pt.x[0]! + pt.a + 1e-2);
  t.true(Math.abs(ratio - 4) < 0.5, `fold point: ratio ${ratio}`);
});

test('Hopf curve points: trace J = 0, det J > 0 at the brute-force equilibrium; BT points from both curves agree with trace = det = 0', (t) => {
  const h = diagram.curves.find((c) => c.kind === 'hopf')!;
  for (let i = 1; i < h.points.length - 1; i += 3) {
    const pt = h.points[i]!;
    const eq = planarCtrnnEquilibria(net, at(pt.a, pt.b));
    const near = eq.reduce((a, e) => (Math.hypot(e.y[0]! - pt.x[0]!, e.y[1]! - pt.x[1]!) < Math.hypot(a.y[0]! - pt.x[0]!, a.y[1]! - pt.x[1]!) ? e : a));
    const J = net.jacobian(near.y, at(pt.a, pt.b), new Float64Array(4));
    t.true(Math.abs(J[0]! + J[3]!) < TOL.bifurcationLocation, `trace ${J[0]! + J[3]!}`);
    t.true(J[0]! * J[3]! - J[1]! * J[2]! > 0);
  }
  const bts = diagram.special.filter((s) => s.type === 'bogdanov-takens');
  const hopfIndex = diagram.curves.indexOf(h);
  const onHopf = bts.filter((s) => s.curves.includes(hopfIndex));
  t.is(onHopf.length, 2, 'a Hopf curve ends on two BT points');
  for (const s of onHopf) t.true(s.curves.length >= 2, 'each also found on a fold curve (merged within 1e-6)');
  for (const c of diagram.curves) {
    for (const s of c.special.filter((x) => x.type === 'bogdanov-takens')) {
      t.true(s.located);
      const J = net.jacobian(s.x, at(s.a, s.b), new Float64Array(4));
      t.true(Math.abs(J[0]! + J[3]!) < TOL.bifurcationLocation && Math.abs(J[0]! * J[3]! - J[1]! * J[2]!) < TOL.bifurcationLocation);
      const same = diagram.special.find((x) => x.type === 'bogdanov-takens' && Math.hypot(x.a - s.a, x.b - s.b) < 1e-6)!;
      t.true(Math.hypot(same.a - s.a, same.b - s.b) < TOL.bifurcationLocation);
    }
  }
});

test('brute-force counts along horizontal lines change exactly across the curves', (t) => {
  // where a curve's polyline crosses the line, refined onto the exact curve by Newton on its
  // augmented system with theta2 fixed (the polyline's chords are up to 1/60 of the box long)
  const crossingsOf = (kind: string, theta2: number): number[] => {
    const out: number[] = [];
    for (const c of diagram.curves.filter((x) => x.kind === kind)) {
      for (let i = 0; i + 1 < c.points.length; i++) {
        const a = c.points[i]!;
        const b = c.points[i + 1]!;
        // half-open test: a vertex exactly on the line (a seed) counts once
        if (a.b < theta2 === b.b < theta2) continue;
        const f = (theta2 - a.b) / (b.b - a.b);
        const x = a.x.map((v, j) => v + f * (b.x[j]! - v));
        const p = at(a.a + f * (b.a - a.a), theta2);
        const A = net.jacobian(x, p, new Float64Array(4));
        let theta1 = NaN;
        if (kind === 'fold') {
          theta1 = locateRealEigenvalue(net, x, p, 4, realEigenvector(2, A, 0), 0).p[4]!;
        } else {
          const omega = Math.sqrt(Math.max(1e-12, A[0]! * A[3]! - A[1]! * A[2]!));
          const q = complexEigenvector(2, A, 0, omega);
          theta1 = locateComplexPair(net, x, p, 4, q.re, q.im, omega).p[4]!;
        }
        t.true(Math.abs(theta1 - p[4]!) < 0.05, 'the refined crossing belongs to the same curve');
        out.push(theta1);
      }
    }
    return out;
  };
  let changes = 0;
  for (const theta2 of [-4.4, -3.7, -3.3, -3.0, -2.6]) {
    const folds = crossingsOf('fold', theta2);
    const hopfs = crossingsOf('hopf', theta2);
    const N = 600;
    let prev = planarCtrnnEquilibria(net, at(-6, theta2));
    for (let i = 1; i <= N; i++) {
      const a = -6 + (6 * (i - 1)) / N;
      const b = -6 + (6 * i) / N;
      const cur = planarCtrnnEquilibria(net, at(b, theta2));
      const nf = folds.filter((x) => x > a && x <= b).length;
      const nh = hopfs.filter((x) => x > a && x <= b).length;
      const stable = (eq: typeof cur): number => eq.filter((e) => e.stability.stability === 'stable').length;
      if (nf + nh <= 1) {
        t.is(Math.abs(cur.length - prev.length), 2 * nf, `theta2 = ${theta2}, theta1 in (${a}, ${b}]: count ${prev.length} -> ${cur.length}, ${nf} fold crossings`);
        if (nf === 0) t.is(Math.abs(stable(cur) - stable(prev)), nh, `theta2 = ${theta2}, theta1 in (${a}, ${b}]: stable ${stable(prev)} -> ${stable(cur)}, ${nh} Hopf crossings`);
        changes += nf + nh;
      }
      prev = cur;
    }
  }
  t.true(changes >= 10, `${changes} crossings checked`);
});
