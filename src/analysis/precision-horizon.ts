/**
 * The precision horizon of backpropagation through time: the lag beyond which a gradient summed in
 * finite precision no longer changes when the contributions of longer lags are added.
 *
 * For any recurrent cell (models/cell.ts) with a loss on the last state, the gradient of its
 * recurrent weights W_h (the RNN's W, the LSTM's and the GRU's Wh) is a sum over lags k = T - t of
 * rank-B contributions
 *
 *     dL/dW_h = sum_{k=0}^{T-1} C_k,    C_k = sum_r da_{T-k,r} h_{T-k-1,r}^T,
 *
 * with da_t the gradient of the recurrent pre-activations W_h h_{t-1} of step t, as the cell's
 * backward step writes it (bptt.ts preActivationGradients): the RNN's dL/dh_t * f'(a_t) (n per
 * row), the LSTM's four gate pre-activation gradients [i f g o] (4n per row for the forget-gate
 * cell), the GRU's recurrent part [r z n] (3n, after the input part in its rows). Since da_t
 * carries dL/ds_t = P_k^T dL/ds_T through the Jacobian product P_k = J_T ... J_{T-k+1}, ||C_k||
 * decays like ||P_k|| when the gradient vanishes (Bengio, Simard and Frasconi 1994). Summed in a
 * format with unit roundoff u (2^-53 float64, 2^-24 float32, 2^-11 float16, 2^-8 bfloat16; Higham
 * 2002, sec. 2.1; linalg/formats.ts), an entry s of the running sum absorbs a term c without change
 * when |c| < ulp(s)/2, and changes for certain when |c| >= ulp(s); since u|s| < ulp(s) <= 2u|s|,
 *
 *     rho_k = max_ij |C_k,ij| / |S_ij| < u/2   =>  adding lag k changes nothing,
 *     rho_k >= 2u                               =>  adding lag k changes the sum,
 *
 * with S = dL/dW_h. So the horizon H (1 + the last lag whose addition changed the sum) lies between
 * 1 + the last lag with rho_k >= 2u and 1 + the last lag with rho_k >= u/2: the theory line is
 * the unit roundoff against the decay of the contributions. In float32 a lag whose contribution is
 * below ~6e-8 of the gradient is lost, however long the network's memory.
 *
 * Contributions are summed in lag order (k = 0, 1, ...), the order in which a backward pass meets
 * them, entry by entry in one format: the stored values da_t and h_{t-1} rounded to it, each
 * product evaluated in float64 (exact: at most 2 x 24 significant bits) and rounded, each addition
 * (over the B rows, then into the running sum) evaluated in float64 and rounded (correctly rounded:
 * 53 >= 2p + 2; formats.ts). For float32 and float64 arrays the stored values are already in the
 * format, and the rounding is Math.fround or nothing.
 *
 * @example
 *   // runs of the same cell in both precisions with da_t kept (createGradients(..., { preActivationGradients: true }))
 *   const s64 = lagSum(lagTerms(cell64, tape64, grads64), new Float64Array(R * n));
 *   const s32 = lagSum(lagTerms(cell32, tape32, grads32), new Float32Array(R * n));
 *   const sbf = lagSum(lagTerms(cell64, tape64, grads64), new Float64Array(R * n), FORMATS.bfloat16);
 *   const rho = absorptionRatios(lagTerms(cell64, tape64, grads64), s64.total);
 *   horizonBracket(rho, UNIT_ROUNDOFF.float32) // { lower, upper }, and lower <= s32.horizon <= upper
 */
import { FORMATS, roundTo, type FloatFormat } from '../linalg/formats.ts';
import type { Real } from '../linalg/precision.ts';
import type { Gradients } from '../models/bptt.ts';
import { blockOffset, type RecurrentCell, type Tape } from '../models/cell.ts';

/** The format of an array's own precision (float32 for a Float32Array, float64 for a Float64Array). */
function formatOf(a: Real): FloatFormat {
  return a instanceof Float32Array ? FORMATS.float32 : FORMATS.float64;
}

/**
 * Where a cell keeps its recurrent weights W_h (R x n) and the gradient of their pre-activations:
 * the theta block, R, and the offset of da's R recurrent entries in each gradWidth-wide row of dA
 * (each cell's weightGradients computes dW_h += dA[:, offset : offset + R]^T H from there).
 *
 * @throws Error for a cell kind without a recurrent weight matrix of this form.
 * @example recurrentWeights(createGru({ n: 4, m: 1 }, rng)) // { block: 'Wh', rows: 12, daOffset: 12 }
 */
export function recurrentWeights(cell: Pick<RecurrentCell, 'kind' | 'n' | 'blocks' | 'gradWidth'>): { block: string; rows: number; daOffset: number } {
  const block = cell.kind === 'rnn' ? 'W' : cell.kind === 'lstm' || cell.kind === 'gru' ? 'Wh' : null;
  const b = cell.blocks.find((x) => x.name === block);
  if (block === null || !b || b.cols !== cell.n) throw new Error(`recurrentWeights: no recurrent weight matrix known for a cell of kind '${cell.kind}'`);
  // the GRU's rows of da are [input part (3n), recurrent part (3n)]; the others' hold one part
  return { block, rows: b.rows, daOffset: cell.gradWidth - b.rows };
}

/** What the lag decomposition reads from one BPTT run (see lagTerms). */
export interface LagTerms<A extends Real = Real> {
  readonly n: number;
  readonly B: number;
  readonly T: number;
  /** Rows R of W_h. */
  readonly rows: number;
  /** gradWidth: entries of a row of dA. */
  readonly width: number;
  /** Offset of the R recurrent entries in a row of dA. */
  readonly daOffset: number;
  /** h_0..h_T, (T+1) x B x n. */
  readonly h: A;
  /** da_1..da_T, T x B x width. */
  readonly dA: A;
}

/**
 * The lag terms of a run: the tape's h and the da_t kept by a backward pass with gradients from
 * createGradients(cell, B, T, readout, { preActivationGradients: true }).
 *
 * @throws Error when the gradients did not keep da_t.
 */
export function lagTerms<A extends Real>(cell: RecurrentCell<unknown, unknown, A>, tape: Tape<unknown, A>, grads: Gradients<A>): LagTerms<A> {
  if (!grads.preActivationGradients) throw new Error('lagTerms: the gradients must keep da_t (createGradients with preActivationGradients: true)');
  const { rows, daOffset } = recurrentWeights(cell);
  return { n: cell.n, B: tape.B, T: tape.length, rows, width: cell.gradWidth, daOffset, h: tape.states.h, dA: grads.preActivationGradients };
}

/** The view of dL/dW_h in a gradient laid out like the cell's theta (R x n, row-major). */
export function recurrentGradient<A extends Real>(cell: RecurrentCell<unknown, unknown, A>, dtheta: A): A {
  const { block, rows } = recurrentWeights(cell);
  const off = blockOffset(cell, block);
  return dtheta.subarray(off, off + rows * cell.n) as A;
}

/**
 * C_k = sum_r da_{T-k,r} h_{T-k-1,r}^T (R x n, row-major) into out, computed in the format: the
 * stored values rounded to it, every product and addition rounded (see the module comment).
 *
 * @example for B = 1, n = R = 1: h = [h0, h1], dA = [a1]: C_0 = a1 h0
 */
export function lagContribution(terms: LagTerms, k: number, out: Real, format: FloatFormat = formatOf(out)): Real {
  const { n, B, rows, width, daOffset, h, dA } = terms;
  const r = roundTo(format);
  const t = terms.T - k;
  const hr = new Float64Array(n);
  for (let row = 0; row < B; row++) {
    const hOff = ((t - 1) * B + row) * n;
    const aOff = ((t - 1) * B + row) * width + daOffset;
    for (let j = 0; j < n; j++) hr[j] = r(h[hOff + j]!);
    for (let i = 0; i < rows; i++) {
      const ai = r(dA[aOff + i]!);
      const o = i * n;
      if (row === 0) for (let j = 0; j < n; j++) out[o + j] = r(ai * hr[j]!);
      else for (let j = 0; j < n; j++) out[o + j] = r(out[o + j]! + r(ai * hr[j]!));
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
 * Sum the contributions C_0, C_1, ..., C_{T-1} in a format (default: the precision of `total`;
 * a Float64Array total may hold the values of a narrower emulated format), into `total` (zeroed
 * first, R x n), and record per lag what the addition changed.
 */
export function lagSum<A extends Real>(terms: LagTerms, total: A, format: FloatFormat = formatOf(total)): LagSum<A> {
  const { T } = terms;
  const r = roundTo(format);
  const size = terms.rows * terms.n;
  const C = total instanceof Float32Array ? new Float32Array(size) : new Float64Array(size);
  const contributionNorms = new Float64Array(T);
  const retained = new Float64Array(T);
  const changedEntries = new Int32Array(T);
  total.fill(0);
  let last = -1;
  for (let k = 0; k < T; k++) {
    lagContribution(terms, k, C, format);
    let cc = 0;
    let dd = 0;
    let changed = 0;
    for (let e = 0; e < size; e++) {
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
export function absorptionRatios(terms: LagTerms<Float64Array>, total: Float64Array): Float64Array {
  const { T } = terms;
  const C = new Float64Array(terms.rows * terms.n);
  const rho = new Float64Array(T);
  for (let k = 0; k < T; k++) {
    lagContribution(terms, k, C);
    let mx = 0;
    for (let e = 0; e < C.length; e++) {
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
 * rounded contributions and running sum). No underflow: see formatBracket for narrow formats.
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
 * The bracket of horizonBracket for a format with its exponent range, entry by entry from the
 * float64 contributions C_k and their sum S. The contribution the format meets differs from C_k by
 * |C'_k,ij - C_k,ij| <= s |C_k,ij| + a: s = slack + (B + 2) u for the rounding of the stored da and
 * h, of the product and of the B - 1 additions over rows (relative (1 + u)^(B+2) - 1, with `slack`
 * for the running sum's own error), and a = (B + 1) max(1, max_j |h_{t-1,j}|) 2^(emin-p+1) for the
 * absolute error of rounding in the subnormal range (at most half the smallest subnormal per
 * rounding). So lag k changes the sum for certain when some entry has
 *
 *     |C_k,ij| >= 2u |S_ij| (1 + s) + a,
 *
 * and can change it only while some entry has |C_k,ij| + a >= (u/2) |S_ij| (1 - s) and a product
 * |da_{t,r,i} h_{t-1,r,j}| >= (2^(emin-p+1) / 2)(1 - s): below half the smallest subnormal every
 * product rounds to zero (underflow, which float16's 5-bit exponent meets at 2^-25 ~ 3e-8, long
 * before bfloat16's 2^-134 or float32's 2^-150). For float64 and float32 and O(1) values the terms
 * of the exponent range are negligible and the bracket is horizonBracket's (with s).
 *
 * @example formatBracket(contributions 2^-k, n = R = B = 1, their sum, FORMATS.float16) // { lower: 9, upper: 12 }
 */
export function formatBracket(terms: LagTerms<Float64Array>, total: Real, format: FloatFormat, slack = 0.01): { lower: number; upper: number } {
  return formatBrackets(terms, [{ format, total }], slack)[0]!;
}

/** formatBracket for several formats and their sums at once (the contributions computed once). */
export function formatBrackets(terms: LagTerms<Float64Array>, sums: readonly { format: FloatFormat; total: Real }[], slack = 0.01): { lower: number; upper: number }[] {
  const { n, B, T, rows, width, daOffset, h, dA } = terms;
  const C = new Float64Array(rows * n);
  const peak = new Float64Array(rows * n);
  const out = sums.map(() => ({ lower: 0, upper: 0 }));
  for (let k = 0; k < T; k++) {
    lagContribution(terms, k, C);
    peak.fill(0);
    const t = T - k;
    let hmax = 1;
    for (let row = 0; row < B; row++) {
      const hOff = ((t - 1) * B + row) * n;
      const aOff = ((t - 1) * B + row) * width + daOffset;
      for (let j = 0; j < n; j++) hmax = Math.max(hmax, Math.abs(h[hOff + j]!));
      for (let i = 0; i < rows; i++) {
        const ai = Math.abs(dA[aOff + i]!);
        for (let j = 0; j < n; j++) peak[i * n + j] = Math.max(peak[i * n + j]!, ai * Math.abs(h[hOff + j]!));
      }
    }
    sums.forEach(({ format, total }, f) => {
      const { u } = format;
      const s = slack + (B + 2) * u;
      const flush = (format.minSubnormal / 2) * (1 - s);
      const a = (B + 1) * hmax * format.minSubnormal;
      let changes = false;
      let can = false;
      for (let e = 0; e < C.length && !changes; e++) {
        const c = Math.abs(C[e]!);
        const S = Math.abs(total[e]!);
        if (c >= 2 * u * (1 + s) * S + a) changes = true;
        else if (c + a >= (u / 2) * (1 - s) * S && peak[e]! >= flush) can = true;
      }
      if (changes || can) out[f]!.upper = k + 1;
      if (changes) out[f]!.lower = k + 1;
    });
  }
  return out;
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
