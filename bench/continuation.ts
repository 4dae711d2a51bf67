/**
 * continuation: a branch of 1,000 points of equilibria of a 2-neuron CTRNN (W = [[4.5, 1],
 * [-1, 4.5]], theta2 = -1.6) in theta1 by pseudo-arclength continuation with a fixed step
 * ds = 0.005 from theta1 = -4: per point a predictor, the bordered Newton corrector to 1e-11 plus
 * its polishing step, the tangent, and the eigenvalues of the Jacobian. Two lines: the bare branch
 * ("continuation", the same algorithm as bench/continuation_numpy.py, whose last point must agree
 * with ours), and the branch with bifurcation detection and location ("continuation-detect": two
 * folds and the first Hopf point, located by Newton on their augmented systems, its first Lyapunov
 * coefficient). `check` is theta1 at the last point.
 */
import { continueEquilibria } from '../src/dynamics/continuation/equilibrium-branch.ts';
import { Ctrnn } from '../src/models/ctrnn.ts';
import { emit, medianSeconds, QUICK } from './common.ts';

export function continuation(points: number, detect: boolean): void {
  const net = new Ctrnn(2);
  const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-4, -1.6] });
  const y0 = [1.17677090205824, 4.10373185239316];
  let check = 0;
  let found = 0;
  const s = medianSeconds(() => {
    const br = continueEquilibria(net, p, y0, { parameter: 'theta1', range: [-4, 100], ds: 0.005, dsMin: 1e-12, dsMax: 0.005, adapt: false, maxPoints: points + 1, detect });
    if (br.points.length !== points + 1) throw new Error(`continuation: ${br.points.length - 1} points instead of ${points}`);
    check = br.points[points]!.parameter;
    found = br.bifurcations.length;
  }, QUICK ? 3 : 9);
  if (detect && found !== 3) throw new Error(`continuation-detect: ${found} bifurcations instead of 3`);
  emit({ impl: 'rnn-dynamics', workload: detect ? 'continuation-detect' : 'continuation', n: 2, B: 1, T: points, usPerStep: (s / points) * 1e6, gflops: 0, check });
}
