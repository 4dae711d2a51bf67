/**
 * The precision horizon of backpropagation through time: the lag beyond which a gradient summed in
 * finite precision no longer changes when the contributions of longer lags are added.
 *
 * For a vanilla RNN (rnn.ts) with a loss on the last state, the recurrent weight gradient is a sum
 * over lags k = T - t of rank-B contributions
 *
 *     dL/dW = sum_{k=0}^{T-1} C_k,    C_k = sum_r da_{T-k,r} h_{T-k-1,r}^T,    da_t = dL/dh_t * f'(a_t),
 *
 * and dL/dh_{T-k} = P_k^T dL/dh_T carries the Jacobian product P_k = J_T ... J_{T-k+1}, so ||C_k||
 * decays like ||P_k|| when the gradient vanishes (Bengio, Simard and Frasconi 1994). Summed in a
 * precision with unit roundoff u (2^-24 in float32, 2^-53 in float64; Higham 2002, sec. 2.1), an
 * entry s of the running sum absorbs a term c without change when |c| < ulp(s)/2, and changes for
 * certain when |c| >= ulp(s); since u|s| < ulp(s) <= 2u|s|,
 *
 *     rho_k = max_ij |C_k,ij| / |S_ij| < u/2   =>  adding lag k changes nothing,
 *     rho_k >= 2u                               =>  adding lag k changes the sum,
 *
 * with S = dL/dW. So the horizon H (1 + the last lag whose addition changed the sum) lies between
 * 1 + the last lag with rho_k >= 2u and 1 + the last lag with rho_k >= u/2: the theory line is
 * the unit roundoff against the decay of the contributions. In float32 a lag whose contribution is
 * below ~6e-8 of the gradient is lost, however long the network's memory.
 *
 * Contributions are summed in lag order (k = 0, 1, ...), the order in which a backward pass meets
 * them; the sum is formed entry by entry in the precision of the arrays given (each float32
 * operation rounded with Math.fround, which is correctly rounded: 53 >= 2 x 24 + 2).
 *
 * @example
 *   // runs of the same RNN in both precisions with dL/dh_t kept per step (bptt.ts stateGradients)
 *   const s64 = lagSum(rnn64.activation, n, B, T, tape64.states.h, grads64.perStep.h, new Float64Array(n * n));
 *   const s32 = lagSum(rnn32.activation, n, B, T, tape32.states.h, grads32.perStep.h, new Float32Array(n * n));
 *   const rho = absorptionRatios(rnn64.activation, n, B, T, tape64.states.h, grads64.perStep.h, s64.total);
 *   horizonBracket(rho, UNIT_ROUNDOFF.float32) // { lower, upper }, and lower <= s32.horizon <= upper
 */
import type { Activation } from '../activations/index.ts';
import type { Real } from '../linalg/precision.ts';
import { derivativeKernel } from '../models/rnn.ts';

const identity = (v: number): number => v;

/** Math.fround for a Float32Array (float32 arithmetic), the identity for a Float64Array. */
function rounding(a: Real): (v: number) => number {
  return a instanceof Float32Array ? Math.fround : identity;
}

/**
 * C_k = sum_r da_{T-k,r} h_{T-k-1,r}^T (n x n, row-major) into out, computed in out's precision:
 * f'(a_t) from the stored h_t (built-in activations), da = dL/dh_t * f'(a_t), then the products
 * and the sum over the B rows, every operation rounded to that precision. h and deltas are the
 * tape's states and the per-step dL/dh_t, (T+1) x B x n each; d is scratch of B n entries.
 *
 * @example for B = 1, n = 1: h = [h0, h1], deltas = [., 2], tanh: C_0 = 2 (1 - h1^2) h0
 */
export function lagContribution(f: Activation, n: number, B: number, T: number, h: Real, deltas: Real, k: number, out: Real, d: Real): Real {
  if (!f.dfFromOutput) throw new Error(`lagContribution: activation ${f.kind} has no f'(a) from f(a); use a built-in activation`);
  const r = rounding(out);
  const t = T - k;
  const bn = B * n;
  derivativeKernel(f, bn, h, t * bn, null, 0, d, 0);
  for (let i = 0; i < bn; i++) d[i] = r(deltas[t * bn + i]! * d[i]!);
  out.fill(0);
  for (let row = 0; row < B; row++) {
    const hOff = (t - 1) * bn + row * n;
    const dOff = row * n;
    for (let i = 0; i < n; i++) {
      const di = d[dOff + i]!;
      const o = i * n;
      for (let j = 0; j < n; j++) out[o + j] = r(out[o + j]! + r(di * h[hOff + j]!));
    }
  }
  return out;
}

/** The lag-ordered sum of the contributions in one precision, with what each lag changed. */
export interface LagSum<A extends Real = Real> {
  /** S = sum_k C_k in the precision of A (= dL/dW summed in lag order). */
  readonly total: A;
  /** ||C_k||_F for k = 0..T-1 (of the contribution as computed in that precision, measured in float64). */
  readonly contributionNorms: Float64Array;
  /** ||fl(S_{k-1} + C_k) - S_{k-1}||_F / ||C_k||_F: the part of lag k's contribution the sum kept (0 when C_k = 0). */
  readonly retained: Float64Array;
  /** Entries of the sum that adding lag k changed. */
  readonly changedEntries: Int32Array;
  /** 1 + the last lag whose addition changed the sum (T when the last lag still did: no horizon within the sequence). */
  readonly horizon: number;
}

/**
 * Sum the contributions C_0, C_1, ..., C_{T-1} in the precision of `total` (zeroed first), and
 * record per lag what the addition changed. See lagContribution for h and deltas.
 */
export function lagSum<A extends Real>(f: Activation, n: number, B: number, T: number, h: Real, deltas: Real, total: A): LagSum<A> {
  const r = rounding(total);
  const C = total instanceof Float32Array ? new Float32Array(n * n) : new Float64Array(n * n);
  const d = total instanceof Float32Array ? new Float32Array(B * n) : new Float64Array(B * n);
  const contributionNorms = new Float64Array(T);
  const retained = new Float64Array(T);
  const changedEntries = new Int32Array(T);
  total.fill(0);
  let last = -1;
  for (let k = 0; k < T; k++) {
    lagContribution(f, n, B, T, h, deltas, k, C, d);
    let cc = 0;
    let dd = 0;
    let changed = 0;
    for (let e = 0; e < n * n; e++) {
      const c = C[e]!;
      const s = total[e]!;
      const v = r(s + c);
      if (v !== s) {
        changed++;
        dd += (v - s) * (v - s);
      }
      cc += c * c;
      total[e] = v;
    }
    contributionNorms[k] = Math.sqrt(cc);
    retained[k] = cc > 0 ? Math.sqrt(dd / cc) : 0;
    changedEntries[k] = changed;
    if (changed > 0) last = k;
  }
  return { total, contributionNorms, retained, changedEntries, horizon: last + 1 };
}

/**
 * rho_k = max_ij |C_k,ij| / |S_ij| for k = 0..T-1, the contributions and S in float64 (Infinity
 * where S_ij = 0 and C_k,ij != 0): lag k can change a sum in precision u only if rho_k >= u/2, and
 * does when rho_k >= 2u (see the module comment).
 */
export function absorptionRatios(f: Activation, n: number, B: number, T: number, h: Float64Array, deltas: Float64Array, total: Float64Array): Float64Array {
  const C = new Float64Array(n * n);
  const d = new Float64Array(B * n);
  const rho = new Float64Array(T);
  for (let k = 0; k < T; k++) {
    lagContribution(f, n, B, T, h, deltas, k, C, d);
    let mx = 0;
    for (let e = 0; e < n * n; e++) {
      const c = Math.abs(C[e]!);
      if (c === 0) continue;
      mx = Math.max(mx, c / Math.abs(total[e]!));
    }
    rho[k] = mx;
  }
  return rho;
}

/**
 * The bracket the theory puts on the horizon in a precision with unit roundoff u, from the ratios
 * rho_k: lower = 1 + the last lag with rho_k >= 2u (1 + slack) (that lag changes the sum), upper =
 * 1 + the last lag with rho_k >= (u/2)(1 - slack) (no later lag can). `slack` covers the
 * difference between the float64 ratios and the ones the lower precision actually meets (its own
 * rounded contributions and running sum).
 *
 * @example horizonBracket([1, 1e-3, 1e-7, 1e-9], 2 ** -24) // { lower: 2, upper: 3 }: 1e-7 is between u/2 and 2u
 */
export function horizonBracket(rho: ArrayLike<number>, u: number, slack = 0.01): { lower: number; upper: number } {
  let lower = 0;
  let upper = 0;
  for (let k = 0; k < rho.length; k++) {
    if (rho[k]! >= 2 * u * (1 + slack)) lower = k + 1;
    if (rho[k]! >= (u / 2) * (1 - slack)) upper = k + 1;
  }
  return { lower, upper };
}

/**
 * The horizon the product-norm decay alone predicts: the lag where the contribution norms, decaying
 * geometrically by the factor q per step from ||C_0||, fall to u ||S||: ln(u ||S|| / ||C_0||) / ln q
 * (Infinity when q >= 1: the contributions do not decay and no lag is absorbed for that reason).
 *
 * @example normwiseHorizon(1, 1, 0.5, 2 ** -24) // 24
 */
export function normwiseHorizon(c0: number, total: number, q: number, u: number): number {
  if (!(q < 1) || !(q > 0)) return Infinity;
  return Math.log((u * total) / c0) / Math.log(q);
}

/** ||a - b||_F / ||b||_F for two vectors of any precision (the sums in float64). */
export function relativeDifference(a: Real, b: Real): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const e = a[i]! - b[i]!;
    num += e * e;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num / den);
}
