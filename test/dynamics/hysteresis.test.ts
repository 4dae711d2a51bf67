/**
 * Hysteresis under a slow bias ramp (src/dynamics/hysteresis.ts). Claims: for w = 5 the up-ramp
 * jump lands past the fold b = -2.34439 and the down-ramp jump past b = -2.65561, each by the
 * slow-passage lag Omega0 (sqrt(1 - 4/w)/2)^{-1/3} r^{2/3} (Haberman 1979); slower ramps lag less,
 * like r^{2/3}; before the jump the state follows the stable branch.
 */
import test from 'ava';
import { equilibria } from '../../src/dynamics/equilibria.ts';
import { foldPoints, type FoldPoint } from '../../src/dynamics/folds.ts';
import { hysteresisLoop, predictedJumpLag } from '../../src/dynamics/hysteresis.ts';
import { TOL } from '../helpers/tolerance.ts';


const [lower, upper] = foldPoints(5) as [FoldPoint, FoldPoint];
const loops = new Map([1e-3, 1e-4].map((r) => [r, hysteresisLoop({ w: 5, bMin: -3, bMax: -2, rate: r, dt: 0.1 })]));

for (const [rate, loop] of loops) {
  test(`rate ${rate}: jumps land past the folds by the slow-passage lag`, (t) => {
    const predicted = predictedJumpLag(5, rate);
    const upLag = loop.up.jumpB - upper.b;
    const downLag = lower.b - loop.down.jumpB;
    t.true(upLag > 0, `up jump at ${loop.up.jumpB} must come after the fold ${upper.b}`);
    t.true(downLag > 0, `down jump at ${loop.down.jumpB} must come after the fold ${lower.b}`);
    t.true(Math.abs(upLag / predicted - 1) < TOL.lagLawRelative, `up lag ${upLag} vs ${predicted}`);
    t.true(Math.abs(downLag / predicted - 1) < TOL.lagLawRelative, `down lag ${downLag} vs ${predicted}`);
    // the system is symmetric under x -> 1 - x, b -> -w - b and the window [-3, -2] is mapped to itself
    t.true(Math.abs(upLag - downLag) < 1e-9);
  });

  test(`rate ${rate}: the state follows the stable branch it started on until the fold`, (t) => {
    // at b = -2.5 (inside the bistable range) the up path is on the lower attractor, the down path on the upper
    const k = Math.round(((-2.5 - -3) / 1) * (loop.up.b.length - 1));
    const e = equilibria(5, loop.up.b[k]!);
    // quasi-static lag of a tracked attractor: x - x* ~ r (dx*/db) / |lambda| ~ 1e-3 at most here
    t.true(Math.abs(loop.up.x[k]! - e[0]!.x) < 10 * rate, `up path ${loop.up.x[k]} vs ${e[0]!.x}`);
    // both ramps use the same number of steps, so index k of the down ramp is b = -2 - 0.5 as well
    t.true(Math.abs(loop.down.b[k]! - -2.5) < 1e-9);
    const ed = equilibria(5, loop.down.b[k]!);
    t.true(Math.abs(loop.down.x[k]! - ed[2]!.x) < 10 * rate, `down path ${loop.down.x[k]} at b=${loop.down.b[k]}`);
    // after both ramps the state is back on the lower attractor
    t.true(Math.abs(loop.down.x[loop.down.x.length - 1]! - equilibria(5, -3)[0]!.x) < 10 * rate);
  });
}

test('a slower ramp lags less, like r^{2/3}', (t) => {
  const lag = (r: number): number => loops.get(r)!.up.jumpB - upper.b;
  t.true(lag(1e-4) < lag(1e-3));
  const ratio = lag(1e-3) / lag(1e-4);
  const law = Math.pow(10, 2 / 3);
  t.true(Math.abs(ratio / law - 1) < TOL.lagLawRelative, `ratio ${ratio} vs 10^(2/3) = ${law}`);
});

test('no fold in the window: the path is smooth and the ramp ends where the branch is', (t) => {
  const loop = hysteresisLoop({ w: 3, bMin: -3, bMax: 0, rate: 1e-3, dt: 0.1 });
  // w = 3 is monostable: up and down paths differ only by the quasi-static lag
  const n = loop.up.x.length;
  for (let k = 0; k < n; k += 100) t.true(Math.abs(loop.up.x[k]! - loop.down.x[n - 1 - k]!) < 20 * 1e-3);
  t.true(loop.up.maxSlope < 1, `largest |dx/db| ${loop.up.maxSlope} is bounded: no jump`);
  t.throws(() => hysteresisLoop({ w: 5, bMin: -2, bMax: -3, rate: 1e-3, dt: 0.1 }), { message: /bMin/ });
});
