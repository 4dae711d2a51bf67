/**
 * Limited-memory BFGS (Nocedal 1980; Liu and Nocedal 1989; Nocedal and Wright 2006, Alg. 7.4 and
 * 7.5) on the speed q(h) of a network (speed.ts), for many starting states at once: every state
 * keeps its own iterate, gradient, curvature pairs (s_k, y_k) and step length, and all of them
 * advance in lockstep, so that one round is one batched evaluation of the cell (the step of
 * `capacity` states in one product) followed by one vector-Jacobian product per state.
 *
 * Per state and round: the trial point h + alpha d is evaluated; it is accepted when it satisfies
 * the Armijo condition q(h + alpha d) <= q(h) + c1 alpha g^T d (c1 = 1e-4), and then d becomes the
 * two-loop product -H_k g with H_0 = (s^T y / y^T y) I; otherwise alpha is halved (backtracking).
 * A pair with s^T y <= 0 is not stored (keeps H_k positive definite). A state stops when
 * q <= qTolerance, when ||g||_inf <= gradientTolerance (a local minimum: a slow point when q > 0),
 * when the step no longer changes h, or after maxIterations accepted steps.
 *
 * @example
 *   const r = minimiseSpeed(cellSpeed(rnn, x, 256), starts, 1000);
 *   r.H; r.q; r.iterations
 */
import type { SpeedProblem } from './speed.ts';

export interface MinimiseOptions {
  /** Accepted steps per state at most (default 1000). */
  maxIterations?: number;
  /** Curvature pairs kept (default 10). */
  memory?: number;
  /** Stop a state when q <= this (default 1e-14, ||r|| ~ 1e-7: Newton's method finishes from there). */
  qTolerance?: number;
  /** Stop a state when ||dq/dh||_inf <= this (default 1e-12). */
  gradientTolerance?: number;
}

export interface MinimiseResult {
  /** The end states, count x S. */
  H: Float64Array;
  /** q at the end states. */
  q: Float64Array;
  /** ||dq/dh||_inf at the end states. */
  gradientNorm: Float64Array;
  /** Accepted steps per state. */
  iterations: Int32Array;
  /** Batched evaluations (rounds) in total. */
  rounds: number;
}

const C1 = 1e-4;

/**
 * Minimise q from each of the `count` rows of H0 (count x S, not modified), in chunks of the
 * problem's capacity.
 */
export function minimiseSpeed(problem: SpeedProblem, H0: Float64Array, count: number, opts: MinimiseOptions = {}): MinimiseResult {
  const S = problem.size;
  const cap = problem.capacity;
  const maxIt = opts.maxIterations ?? 1000;
  const mem = opts.memory ?? 10;
  const qTol = opts.qTolerance ?? 1e-14;
  const gTol = opts.gradientTolerance ?? 1e-12;
  const H = Float64Array.from(H0.subarray(0, count * S));
  const q = new Float64Array(count);
  const gn = new Float64Array(count);
  const iterations = new Int32Array(count);
  let rounds = 0;

  // per-chunk state, allocated once
  const X = new Float64Array(cap * S); // trial points, the batch evaluated
  const qT = new Float64Array(cap);
  const GT = new Float64Array(cap * S);
  const g = new Float64Array(cap * S);
  const d = new Float64Array(cap * S);
  const qc = new Float64Array(cap);
  const alpha = new Float64Array(cap);
  const sHist = new Float64Array(cap * mem * S);
  const yHist = new Float64Array(cap * mem * S);
  const rho = new Float64Array(cap * mem);
  const stored = new Int32Array(cap);
  const head = new Int32Array(cap);
  const a = new Float64Array(mem);
  const active = new Uint8Array(cap);

  /** d = -H_k g for row r by the two-loop recursion. */
  const direction = (r: number): void => {
    const o = r * S;
    for (let j = 0; j < S; j++) d[o + j] = -g[o + j]!;
    const k = stored[r]!;
    if (k === 0) {
      // first step: a unit step in the largest coordinate at most
      let gi = 0;
      for (let j = 0; j < S; j++) gi = Math.max(gi, Math.abs(g[o + j]!));
      const scale = gi > 1 ? 1 / gi : 1;
      for (let j = 0; j < S; j++) d[o + j]! *= scale;
      return;
    }
    for (let i = 0; i < k; i++) {
      const slot = (head[r]! - 1 - i + mem) % mem;
      const so = (r * mem + slot) * S;
      let s = 0;
      for (let j = 0; j < S; j++) s += sHist[so + j]! * d[o + j]!;
      a[i] = rho[r * mem + slot]! * s;
      for (let j = 0; j < S; j++) d[o + j] = d[o + j]! - a[i]! * yHist[so + j]!;
    }
    const last = ((head[r]! - 1 + mem) % mem) * S + r * mem * S;
    let sy = 0;
    let yy = 0;
    for (let j = 0; j < S; j++) {
      sy += sHist[last + j]! * yHist[last + j]!;
      yy += yHist[last + j]! * yHist[last + j]!;
    }
    const gamma = sy / yy;
    for (let j = 0; j < S; j++) d[o + j]! *= gamma;
    for (let i = k - 1; i >= 0; i--) {
      const slot = (head[r]! - 1 - i + mem) % mem;
      const so = (r * mem + slot) * S;
      let s = 0;
      for (let j = 0; j < S; j++) s += yHist[so + j]! * d[o + j]!;
      const beta = rho[r * mem + slot]! * s;
      for (let j = 0; j < S; j++) d[o + j] = d[o + j]! + (a[i]! - beta) * sHist[so + j]!;
    }
  };
  const gradNorm = (buf: Float64Array, r: number): number => {
    let m = 0;
    for (let j = 0; j < S; j++) m = Math.max(m, Math.abs(buf[r * S + j]!));
    return m;
  };

  for (let lo = 0; lo < count; lo += cap) {
    const rows = Math.min(cap, count - lo);
    // the chunk's iterates live in H (rows lo..lo+rows); padding rows repeat the chunk's first start
    for (let r = 0; r < cap; r++) X.set(H.subarray((lo + Math.min(r, rows - 1)) * S, (lo + Math.min(r, rows - 1) + 1) * S), r * S);
    problem.evaluate(X, qc, g);
    rounds++;
    stored.fill(0);
    head.fill(0);
    active.fill(0);
    let live = 0;
    for (let r = 0; r < rows; r++) {
      const gi = gradNorm(g, r);
      gn[lo + r] = gi;
      if (qc[r]! <= qTol || gi <= gTol || !Number.isFinite(qc[r]!)) continue;
      active[r] = 1;
      live++;
      direction(r);
      alpha[r] = 1;
    }
    while (live > 0) {
      for (let r = 0; r < rows; r++) {
        if (!active[r]) continue;
        const o = r * S;
        const ho = (lo + r) * S;
        for (let j = 0; j < S; j++) X[o + j] = H[ho + j]! + alpha[r]! * d[o + j]!;
      }
      problem.evaluate(X, qT, GT, active);
      rounds++;
      for (let r = 0; r < rows; r++) {
        if (!active[r]) continue;
        const o = r * S;
        const ho = (lo + r) * S;
        let gd = 0;
        for (let j = 0; j < S; j++) gd += g[o + j]! * d[o + j]!;
        if (Number.isFinite(qT[r]!) && qT[r]! <= qc[r]! + C1 * alpha[r]! * gd) {
          // accept; store the pair (s, y) when it has positive curvature
          const slot = head[r]!;
          const so = (r * mem + slot) * S;
          let sy = 0;
          let moved = false;
          for (let j = 0; j < S; j++) {
            const s = X[o + j]! - H[ho + j]!;
            const y = GT[o + j]! - g[o + j]!;
            sHist[so + j] = s;
            yHist[so + j] = y;
            sy += s * y;
            if (X[o + j]! !== H[ho + j]!) moved = true;
          }
          if (sy > 0) {
            rho[r * mem + slot] = 1 / sy;
            head[r] = (slot + 1) % mem;
            stored[r] = Math.min(mem, stored[r]! + 1);
          }
          H.set(X.subarray(o, o + S), ho);
          g.set(GT.subarray(o, o + S), o);
          qc[r] = qT[r]!;
          iterations[lo + r]!++;
          const gi = gradNorm(g, r);
          gn[lo + r] = gi;
          if (qc[r]! <= qTol || gi <= gTol || !moved || iterations[lo + r]! >= maxIt) {
            active[r] = 0;
            live--;
            continue;
          }
          direction(r);
          alpha[r] = 1;
        } else {
          alpha[r]! *= 0.5;
          if (alpha[r]! < 1e-20) {
            if (stored[r]! > 0) {
              // the quasi-Newton direction failed: restart from steepest descent
              stored[r] = 0;
              direction(r);
              alpha[r] = 1;
            } else {
              active[r] = 0;
              live--;
            }
          }
        }
      }
    }
    for (let r = 0; r < rows; r++) q[lo + r] = qc[r]!;
  }
  return { H, q, gradientNorm: gn, iterations, rounds };
}
