/**
 * The brute-force equilibria of 2-neuron CTRNNs (src/dynamics/brute-force.ts): all of them, with
 * nothing left for Newton from many starts to find, and the 9 equilibria of two uncoupled bistable
 * neurons (Beer 1995).
 */
import test from 'ava';
import { planarCtrnnEquilibria } from '../../src/dynamics/brute-force.ts';
import { newton } from '../../src/dynamics/newton.ts';
import { Rng } from '../../src/init/rng.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import { TOL } from '../helpers/tolerance.ts';

const net = new Ctrnn(2);

test('two uncoupled bistable neurons: 3 x 3 = 9 equilibria, 4 stable, 4 saddles, 1 unstable node', (t) => {
  const eq = planarCtrnnEquilibria(net, net.pack({ W: [[5, 0], [0, 5]], theta: [-2.5, -2.5] }));
  t.is(eq.length, 9);
  const classes = eq.map((e) => e.stability.stability);
  t.deepEqual(
    ['stable', 'saddle', 'unstable'].map((c) => classes.filter((x) => x === c).length),
    [4, 4, 1],
  );
});

test('random networks: every equilibrium Newton finds from 200 starts is in the brute-force list, and each listed one is a root', (t) => {
  const rng = new Rng(41);
  for (let trial = 0; trial < 15; trial++) {
    const W = [
      [rng.uniformIn(2, 8), rng.uniformIn(-5, 5)],
      [rng.uniformIn(-5, 5), rng.uniformIn(2, 8)],
    ];
    const p = net.pack({ W, theta: [rng.uniformIn(-6, 0), rng.uniformIn(-6, 0)], I: [rng.uniformIn(-1, 1), rng.uniformIn(-1, 1)] });
    const eq = planarCtrnnEquilibria(net, p);
    const f = new Float64Array(2);
    for (const e of eq) t.true(Math.hypot(...net.field(e.y, p, f)) < TOL.rootSolve);
    for (let s = 0; s < 200; s++) {
      const r = newton(
        { size: 2, residual: (x, o) => void net.field(x, p, o), jacobian: (x, o) => void net.jacobian(x, p, o) },
        [rng.uniformIn(-12, 12), rng.uniformIn(-12, 12)],
        { maxIterations: 60 },
      );
      if (!r.converged) continue;
      const found = eq.some((e) => Math.hypot(e.y[0]! - r.z[0]!, e.y[1]! - r.z[1]!) < 1e-7);
      t.true(found, `trial ${trial}: Newton's root ${r.z} is missing from ${eq.map((e) => e.y)}`);
    }
  }
});
