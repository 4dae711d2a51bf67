/**
 * Fixed and slow points of any recurrent network (Sussillo and Barak 2013, Opening the black box:
 * low-dimensional dynamics in high-dimensional recurrent neural networks; the procedure of Golub and
 * Sussillo 2018, FixedPointFinder):
 *
 * 1. minimise the speed q(h) = 1/2 ||r(h)||^2 (speed.ts: r = F(h, x*) - h for a cell or map, f(h)
 *    for a flow) from many starting states, e.g. states visited on trajectories, by L-BFGS with the
 *    exact gradient (lbfgs.ts);
 * 2. polish each end state with q <= polishBelow by Newton's method on r(h) = 0 (newton.ts;
 *    Jacobian J - I or A): a fixed point when it converges to ||r||_inf <= tolerance;
 * 3. keep the other local minima with q <= slowBelow as slow points;
 * 4. deduplicate (states within uniqueTolerance (1 + ||h||_inf) in the max norm are one point);
 *    optionally (`between`) start a second pass from points on the segments between the stable
 *    fixed points, where the saddles that separate their basins lie;
 * 5. for each point: the eigenvalues of J (maps) or A (flows), the class from them (stable, saddle
 *    with its number of unstable directions, unstable: |lambda| against 1 for maps, Re lambda
 *    against 0 for flows; src/dynamics/stability.ts) and the slowest modes (closest to the
 *    boundary: what the network keeps longest).
 *
 * Points are listed fixed points first, then by number of unstable directions, then by their
 * coordinates, so that the list does not depend on the order of the starts.
 *
 * @example
 *   const sp = cellSpeed(rnn, new Float64Array(rnn.m), 256);
 *   const res = findFixedPoints(sp, starts, 1000);
 *   res.points.filter((p) => p.kind === 'fixed' && p.stability.stability === 'stable').length
 *   sp.dispose();
 */
import { newton } from '../newton.ts';
import { classify, eigenvalues, slowestModes, type Eigenvalue, type Stability } from '../stability.ts';
import { minimiseSpeed, type MinimiseOptions } from './lbfgs.ts';
import type { SpeedProblem } from './speed.ts';

export interface FixedPointOptions extends MinimiseOptions {
  /** Newton-polish the minima with q at most this (default 1e-6). */
  polishBelow?: number;
  /** A polished point is a fixed point when ||r||_inf <= this (default 1e-10). */
  tolerance?: number;
  /** Unpolished minima with q at most this are slow points (default 1e-4); above: discarded. */
  slowBelow?: number;
  /** Two points are one when their max-norm distance is at most this times (1 + ||h||_inf) (default 1e-6). */
  uniqueTolerance?: number;
  /**
   * A minimum with q <= qTolerance (1e-14 by default, so ||r||_2 <= 1.5e-7) within this max-norm
   * distance times (1 + ||h||_inf) of a fixed point already found is counted as that point without
   * its own Newton solve (default 1e-4: the point is within ||r|| / sigma_min(J - I) of a root, so
   * this holds whenever sigma_min >= 1.5e-3); 0 polishes every start.
   */
  mergeRadius?: number;
  /** Slowest modes reported per point (default 3). */
  modes?: number;
  /**
   * Second pass (default 0: none): start again from this many evenly spaced points on each segment
   * between two stable fixed points of the first pass, nearest pairs first. A saddle between two
   * attractors sits on the separatrix that the segment crosses, where trajectories rarely go.
   */
  between?: number;
  /** Pairs of stable points the second pass uses at most (default 256). */
  maxPairs?: number;
}

export interface FixedPoint {
  /** 'fixed': r(h) = 0 to the tolerance (Newton converged); 'slow': a local minimum of q with q > 0. */
  kind: 'fixed' | 'slow';
  /** The state (S entries). */
  h: Float64Array;
  /** q(h) = 1/2 ||r(h)||^2. */
  q: number;
  /** ||r(h)||_inf. */
  residual: number;
  /** Eigenvalues of J (maps) or A (flows), by decreasing real part. */
  eigenvalues: Eigenvalue[];
  stability: Stability;
  /** The modes closest to the stability boundary, closest first. */
  slowestModes: Eigenvalue[];
  /** Number of starts that ended at this point. */
  starts: number;
}

export interface FixedPointSearch {
  points: FixedPoint[];
  /** Starts searched (both passes). */
  starts: number;
  /** Starts that ended at a fixed point. */
  toFixed: number;
  /** Starts that ended at a slow point. */
  toSlow: number;
  /** Largest ||r||_inf over the fixed points (0 when there are none). */
  maxResidual: number;
  /** Median accepted L-BFGS steps per start. */
  medianIterations: number;
  /** Batched evaluations of the minimisation. */
  rounds: number;
}

/**
 * Find the fixed and slow points of a speed problem from the `count` rows of starts (count x S).
 *
 * @throws Error when starts has fewer than count x S entries.
 */
export function findFixedPoints(problem: SpeedProblem, starts: Float64Array, count: number, opts: FixedPointOptions = {}): FixedPointSearch {
  const S = problem.size;
  if (!Number.isInteger(count) || count < 1) throw new Error(`fixed points: the number of starts must be a positive integer, got ${count}`);
  if (starts.length < count * S) throw new Error(`fixed points: starts must hold count x S = ${count} x ${S} = ${count * S} entries, got ${starts.length}`);
  const polishBelow = opts.polishBelow ?? 1e-6;
  const tol = opts.tolerance ?? 1e-10;
  const slowBelow = opts.slowBelow ?? 1e-4;
  const uniq = opts.uniqueTolerance ?? 1e-6;
  const modes = opts.modes ?? 3;
  const qTol = opts.qTolerance ?? 1e-14;
  const merge = opts.mergeRadius ?? 1e-4;
  const min = minimiseSpeed(problem, starts, count, opts);
  const r = new Float64Array(S);
  const sys = {
    size: S,
    residual: (z: Float64Array, out: Float64Array) => problem.residual(z, out),
    jacobian: (z: Float64Array, out: Float64Array) => {
      problem.jacobian(z, out);
      if (problem.time === 'discrete') for (let i = 0; i < S; i++) out[i * S + i] = out[i * S + i]! - 1;
    },
  };
  const found: { kind: 'fixed' | 'slow'; h: Float64Array; q: number; residual: number; starts: number }[] = [];
  let toFixed = 0;
  let toSlow = 0;
  const add = (kind: 'fixed' | 'slow', h: Float64Array, q: number, residual: number): void => {
    let hn = 0;
    for (let j = 0; j < S; j++) hn = Math.max(hn, Math.abs(h[j]!));
    const tolH = uniq * (1 + hn);
    for (const p of found) {
      if (p.kind !== kind) continue;
      let dist = 0;
      for (let j = 0; j < S && dist <= tolH; j++) dist = Math.max(dist, Math.abs(p.h[j]! - h[j]!));
      if (dist <= tolH) {
        p.starts++;
        return;
      }
    }
    found.push({ kind, h, q, residual, starts: 1 });
  };
  const settle = (H: Float64Array, q: Float64Array, i: number): void => {
    const h = H.slice(i * S, (i + 1) * S);
    const qi = q[i]!;
    if (!Number.isFinite(qi)) return;
    if (qi <= qTol && merge > 0) {
      let hn = 0;
      for (let j = 0; j < S; j++) hn = Math.max(hn, Math.abs(h[j]!));
      const near = found.find((p) => {
        if (p.kind !== 'fixed') return false;
        let dist = 0;
        for (let j = 0; j < S && dist <= merge * (1 + hn); j++) dist = Math.max(dist, Math.abs(p.h[j]! - h[j]!));
        return dist <= merge * (1 + hn);
      });
      if (near) {
        near.starts++;
        toFixed++;
        return;
      }
    }
    if (qi <= polishBelow) {
      const nr = newton(sys, h, { tolerance: tol, stepTolerance: 1e-9, maxIterations: 30 });
      if (nr.converged || nr.residual <= tol) {
        problem.residual(nr.z, r);
        let s = 0;
        let ri = 0;
        for (let j = 0; j < S; j++) {
          s += r[j]! * r[j]!;
          ri = Math.max(ri, Math.abs(r[j]!));
        }
        if (ri <= tol) {
          add('fixed', nr.z, 0.5 * s, ri);
          toFixed++;
          return;
        }
      }
    }
    if (qi <= slowBelow) {
      problem.residual(h, r);
      let ri = 0;
      for (let j = 0; j < S; j++) ri = Math.max(ri, Math.abs(r[j]!));
      add('slow', h, qi, ri);
      toSlow++;
    }
  };
  for (let i = 0; i < count; i++) settle(min.H, min.q, i);
  const J = new Float64Array(S * S);
  let rounds = min.rounds;
  const iterations = Array.from(min.iterations);
  let total = count;
  const between = opts.between ?? 0;
  if (between > 0) {
    const stable = found.filter((p) => {
      if (p.kind !== 'fixed') return false;
      problem.jacobian(p.h, J);
      return classify(eigenvalues(S, J), problem.time).stability === 'stable';
    });
    const pairs: { a: number; b: number; d: number }[] = [];
    for (let a = 0; a < stable.length; a++) {
      for (let b = a + 1; b < stable.length; b++) {
        let d = 0;
        for (let j = 0; j < S; j++) d += (stable[a]!.h[j]! - stable[b]!.h[j]!) ** 2;
        pairs.push({ a, b, d });
      }
    }
    pairs.sort((x, y) => x.d - y.d || x.a - y.a || x.b - y.b);
    const use = pairs.slice(0, opts.maxPairs ?? 256);
    const N2 = use.length * between;
    if (N2 > 0) {
      const H2 = new Float64Array(N2 * S);
      use.forEach((pr, k) => {
        for (let f = 1; f <= between; f++) {
          const w = f / (between + 1);
          const o = (k * between + f - 1) * S;
          for (let j = 0; j < S; j++) H2[o + j] = (1 - w) * stable[pr.a]!.h[j]! + w * stable[pr.b]!.h[j]!;
        }
      });
      const min2 = minimiseSpeed(problem, H2, N2, opts);
      for (let i = 0; i < N2; i++) settle(min2.H, min2.q, i);
      rounds += min2.rounds;
      iterations.push(...min2.iterations);
      total += N2;
    }
  }
  const points: FixedPoint[] = found.map((p) => {
    problem.jacobian(p.h, J);
    const eigs = eigenvalues(S, J);
    return {
      kind: p.kind,
      h: p.h,
      q: p.q,
      residual: p.residual,
      eigenvalues: eigs,
      stability: classify(eigs, problem.time),
      slowestModes: slowestModes(eigs, problem.time, Math.min(modes, S)),
      starts: p.starts,
    };
  });
  points.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'fixed' ? -1 : 1;
    const du = a.stability.unstableDimension - b.stability.unstableDimension;
    if (du !== 0) return du;
    // coordinates that agree to the uniqueness tolerance count as equal (round-off must not decide)
    for (let j = 0; j < S; j++) if (Math.abs(a.h[j]! - b.h[j]!) > uniq) return a.h[j]! - b.h[j]!;
    return 0;
  });
  const its = iterations.sort((x, y) => x - y);
  return {
    points,
    starts: total,
    toFixed,
    toSlow,
    maxResidual: points.filter((p) => p.kind === 'fixed').reduce((m, p) => Math.max(m, p.residual), 0),
    medianIterations: its[Math.floor((its.length - 1) / 2)]!,
    rounds,
  };
}
