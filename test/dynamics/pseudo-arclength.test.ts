/**
 * Pseudo-arclength continuation (src/dynamics/continuation/pseudo-arclength.ts) on curves with
 * known shape, and bifurcation detection as a property over random CTRNNs: the unstable dimension
 * changes between consecutive branch points exactly where a bifurcation is reported, and every
 * located point has an eigenvalue on the boundary.
 */
import test from 'ava';
import { settle } from '../../src/dynamics/attractors.ts';
import { continueEquilibria } from '../../src/dynamics/continuation/equilibrium-branch.ts';
import { PseudoArclength, type ContinuationProblem } from '../../src/dynamics/continuation/pseudo-arclength.ts';
import { Rng } from '../../src/init/rng.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import { TOL } from '../helpers/tolerance.ts';

// the unit circle x^2 + p^2 = 1: folds in p at (0, +-1), a closed curve
const circle: ContinuationProblem = {
  equations: 1,
  residual: (z, o) => void (o[0] = z[0]! ** 2 + z[1]! ** 2 - 1),
  jacobian: (z, o) => o.set([2 * z[0]!, 2 * z[1]!]),
};

test('the circle: every point on it, both folds passed, back to the start after 2 pi of arclength', (t) => {
  const palc = new PseudoArclength(circle, [1.01, 0.01], [0, 1], { ds: 0.05, dsMin: 1e-6, dsMax: 0.2 });
  t.true(Math.abs(palc.z[0]! ** 2 + palc.z[1]! ** 2 - 1) < 1e-14, 'the start is corrected onto the curve');
  let minP = Infinity;
  let maxP = -Infinity;
  let turned = Math.atan2(palc.z[1]!, palc.z[0]!);
  while (turned < 2 * Math.PI - 0.5) {
    const s0 = palc.s;
    const pt = palc.step()!;
    turned += Math.asin(palc.s - s0);
    t.true(Math.abs(pt.z[0]! ** 2 + pt.z[1]! ** 2 - 1) < 1e-14);
    // the tangent is the unit vector (-p, x) (counter-clockwise, as started)
    t.true(Math.abs(pt.tangent[0]! + pt.z[1]!) < 1e-12 && Math.abs(pt.tangent[1]! - pt.z[0]!) < 1e-12);
    minP = Math.min(minP, pt.z[1]!);
    maxP = Math.max(maxP, pt.z[1]!);
  }
  t.true(minP < -0.99 && maxP > 0.99, 'through both folds in p');
  // each step's projection on the previous tangent is ds, so on the unit circle it turns by asin(ds)
  const angle = Math.atan2(palc.z[1]!, palc.z[0]!);
  t.true(Math.abs(((angle + 2 * Math.PI) % (2 * Math.PI)) - (turned % (2 * Math.PI))) < 1e-12, `${angle} vs ${turned}`);
  t.true(palc.ds <= 0.2);
});

test('random 4-neuron CTRNNs: the stability changes exactly at the reported bifurcations, each on the boundary', (t) => {
  const rng = new Rng(31);
  let events = 0;
  for (let trial = 0; trial < 6; trial++) {
    const n = 4;
    const net = new Ctrnn(n);
    const W = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? rng.uniformIn(3, 7) : rng.uniformIn(-4, 4))));
    const p = net.pack({ W, theta: Array.from({ length: n }, () => rng.uniformIn(-4, 0)), tau: Array.from({ length: n }, () => rng.uniformIn(0.5, 2)) });
    p[net.offsets.theta] = -12;
    const start = settle(net, p, new Float64Array(n));
    t.true(start.converged);
    const br = continueEquilibria(net, p, start.x, { parameter: 'theta1', range: [-12, 8] });
    t.is(br.end, 'parameter-range');
    for (let k = 1; k < br.points.length; k++) {
      const a = br.points[k - 1]!.stability.unstableDimension;
      const b = br.points[k]!.stability.unstableDimension;
      const here = br.bifurcations.filter((x) => x.index === k);
      if (a !== b) t.true(here.length > 0, `trial ${trial}, step ${k}: ${a} -> ${b} unstable directions without an event`);
      // each fold moves one eigenvalue across, each Hopf point two: the parities agree (events
      // in one step may cancel: a fold next to a Hopf point near a Bogdanov-Takens point)
      const jump = here.reduce((s, x) => s + (x.type === 'hopf' ? 2 : 1), 0);
      t.is(jump % 2, Math.abs(b - a) % 2, `trial ${trial}, step ${k}`);
      t.true(jump >= Math.abs(b - a));
    }
    for (const x of br.bifurcations) {
      events++;
      t.true(x.located, `${x.type} at ${x.parameter}`);
      t.true(x.residual < 1e-10);
      const nearest = Math.min(...x.eigenvalues.map((e) => (x.type === 'hopf' ? Math.abs(e.re) + Math.abs(Math.abs(e.im) - x.omega!) : Math.hypot(e.re, e.im))));
      t.true(nearest < TOL.bifurcationLocation, `${x.type}: eigenvalue ${nearest} off the boundary`);
    }
  }
  t.true(events >= 6, `${events} events`);
});
