/**
 * All equilibria of a 2-neuron CTRNN (Beer 1995) by one-dimensional root counting, with no Newton
 * step and no continuation: the independent reference against which the continuation's fold and
 * Hopf curves are checked, and the region count of the two-parameter diagram.
 *
 * With o_j = sigma(y_j + theta_j) in (0, 1) the equilibrium equations y = W o + I read
 *
 *     logit(o_1) - theta_1 = w11 o_1 + w12 o_2 + I_1
 *     logit(o_2) - theta_2 = w21 o_1 + w22 o_2 + I_2.
 *
 * For w12 != 0 the first equation gives o_2 as a function of o_1 (the y1-nullcline, Beer's
 * construction), o_2(o_1) = (logit(o_1) - theta_1 - w11 o_1 - I_1) / w12, and the equilibria are
 * the roots of r(o_1) = logit(o_2) - theta_2 - w21 o_1 - w22 o_2 - I_2 where o_2(o_1) is in (0, 1);
 * where o_2 leaves (0, 1) r is continued by its limits -inf (o_2 <= 0) and +inf (o_2 >= 1), so
 * that roots next to the nullcline's ends (saturated neurons) keep their sign change.
 * Every equilibrium has |y_1| <= |w11| + |w12| + |I_1|, so o_1 = sigma(t) with t in
 * theta_1 + [-(|w11| + |w12| + |I_1|), +(...)]: r is sampled on a fine uniform grid of t and each
 * sign change between finite or infinite samples is refined by bisection to 1e-13 in t.
 * For w12 = 0 the neurons swap roles (w21 != 0) or decouple (both 0: two scalar problems).
 * Roots closer than the grid spacing (near a fold, where two roots merge) can be missed: counts are
 * exact away from the fold curves, which is where the tests use them.
 *
 * Stability from the eigenvalues of the Jacobian at each root (src/dynamics/stability.ts).
 */
import { logit, sigmoid } from '../activations/index.ts';
import type { Ctrnn } from '../models/ctrnn.ts';
import { classify, eigenvalues, type Eigenvalue, type Stability } from './stability.ts';

export interface CountedEquilibrium {
  y: Float64Array;
  eigenvalues: Eigenvalue[];
  stability: Stability;
}

/** Roots of g on [lo, hi] by sign changes on `samples` points (g may be +-inf) and bisection. */
function roots1d(g: (t: number) => number, lo: number, hi: number, samples: number): number[] {
  const out: number[] = [];
  let tPrev = lo;
  let gPrev = g(lo);
  for (let i = 1; i <= samples; i++) {
    const t = lo + ((hi - lo) * i) / samples;
    const gt = g(t);
    if (gPrev === 0) {
      out.push(tPrev);
    } else if (Math.sign(gPrev) === -Math.sign(gt)) {
      let a = tPrev;
      let b = t;
      const sa = Math.sign(gPrev);
      while (b - a > 1e-13 * (1 + Math.abs(a))) {
        const m = 0.5 * (a + b);
        const gm = g(m);
        if (gm === 0) {
          a = b = m;
          break;
        }
        if (Math.sign(gm) === sa) a = m;
        else b = m;
      }
      out.push(0.5 * (a + b));
    }
    tPrev = t;
    gPrev = gt;
  }
  return out;
}

/**
 * Every equilibrium of the 2-neuron CTRNN `net` at parameters p, sorted by y_1, with stability.
 *
 * @example planarCtrnnEquilibria(net, net.pack({ W: [[5, 0], [0, 5]], theta: [-2.5, -2.5] })).length // 9
 * @throws Error when the network does not have 2 neurons.
 */
/**
 * The residual r along the nullcline of neuron `a` (0 or 1; its cross weight must be nonzero), as a
 * function of t = y_a + theta_a on [lo, hi], and the state y at t: the equilibria are its roots,
 * a fold is a double root and a cusp a triple root (the tests use this to check continuation
 * without Newton).
 */
export function nullclineResidual(net: Ctrnn, p: Float64Array, a: 0 | 1 = 0): { r: (t: number) => number; lo: number; hi: number; state: (t: number) => [number, number] } {
  const { theta, I } = net.offsets;
  const w = [p[0]!, p[1]!, p[2]!, p[3]!];
  const th = [p[theta]!, p[theta + 1]!];
  const inp = [p[I]!, p[I + 1]!];
  const b = 1 - a;
  const waa = w[a * 3]!;
  const wab = w[a * 2 + b]!; // w[a][b]
  const wba = w[b * 2 + a]!;
  const wbb = w[b * 3]!;
  const R = Math.abs(waa) + Math.abs(wab) + Math.abs(inp[a]!) + 1;
  const ob = (t: number): number => (t - th[a]! - waa * sigmoid(t) - inp[a]!) / wab;
  const r = (t: number): number => {
    const o2 = ob(t);
    // outside (0, 1) the residual continues as its limit at the nullcline's end: logit -> -inf, +inf
    if (!(o2 > 0)) return -Infinity;
    if (!(o2 < 1)) return Infinity;
    return logit(o2) - th[b]! - wba * sigmoid(t) - wbb * o2 - inp[b]!;
  };
  const state = (t: number): [number, number] => {
    const ya = t - th[a]!;
    const yb = logit(ob(t)) - th[b]!;
    return a === 0 ? [ya, yb] : [yb, ya];
  };
  return { r, lo: th[a]! - R, hi: th[a]! + R, state };
}

export function planarCtrnnEquilibria(net: Ctrnn, p: Float64Array, samples = 4000): CountedEquilibrium[] {
  if (net.dimension !== 2) throw new Error(`planarCtrnnEquilibria: the network must have 2 neurons, got ${net.dimension}`);
  const { theta, I } = net.offsets;
  const w = [p[0]!, p[1]!, p[2]!, p[3]!];
  const th = [p[theta]!, p[theta + 1]!];
  const inp = [p[I]!, p[I + 1]!];
  const ys: [number, number][] = [];
  // neuron a parametrises, neuron b follows from a's equation; swap when a's cross weight is 0
  const solve = (a: 0 | 1): void => {
    const nc = nullclineResidual(net, p, a);
    for (const t of roots1d(nc.r, nc.lo, nc.hi, samples)) ys.push(nc.state(t));
  };
  if (w[1] !== 0) solve(0);
  else if (w[2] !== 0) solve(1);
  else {
    // decoupled: y_i = w_ii sigma(y_i + theta_i) + I_i separately
    const one = (i: 0 | 1): number[] => {
      const R = Math.abs(w[i * 3]!) + Math.abs(inp[i]!) + 1;
      return roots1d((y) => -y + w[i * 3]! * sigmoid(y + th[i]!) + inp[i]!, inp[i]! - R, inp[i]! + R, samples);
    };
    for (const y1 of one(0)) for (const y2 of one(1)) ys.push([y1, y2]);
  }
  ys.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const A = new Float64Array(4);
  return ys.map(([y1, y2]) => {
    const y = Float64Array.of(y1, y2);
    const eigs = eigenvalues(2, net.jacobian(y, p, A));
    return { y, eigenvalues: eigs, stability: classify(eigs, 'continuous') };
  });
}
