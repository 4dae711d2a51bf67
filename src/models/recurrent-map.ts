/**
 * The autonomous discrete-time network as a map,
 *
 *     h_{t+1} = f(g W h_t + b),
 *
 * with f = tanh or the logistic sigma, an overall gain g, weights W (row i: the weights into unit i)
 * and bias b: the recurrent network without input, whose fixed points, their multipliers and the
 * bifurcations of those (fold at +1, flip or period doubling at -1, Neimark-Sacker at a complex pair
 * on the unit circle) src/dynamics computes. It is a DiscreteMap (src/models/flow.ts) with its
 * derivatives written by hand; with a = g W h + b:
 *
 *     A = diag(f'(a)) g W,   B(u, v)_i = f''(a_i) (g W u)_i (g W v)_i,
 *     C(u, v, z)_i = f'''(a_i) (g W u)_i (g W v)_i (g W z)_i.
 *
 * Parameter vector p: [g, w11, ..., wNN (row-major), b1..bN] (weights 'w1,10' for N >= 10).
 * At h = 0 with b = 0 (a fixed point of the tanh network for every g), A = g W: the multipliers are
 * g times W's eigenvalues, so a W with a complex pair of modulus 1 gives a Neimark-Sacker point at
 * g = 1, and a real eigenvalue -1 a flip at g = 1 (the tests' closed forms).
 *
 * @example
 * const net = new RecurrentMap(2, 'tanh');
 * const p = net.pack({ gain: 0.9, W: [[0, -1], [1, 0]] }); // a rotation by 90 degrees
 * net.field(h, p, out); // tanh(0.9 W h)
 */
import { sigmoid } from '../activations/index.ts';
import type { DiscreteMap } from './flow.ts';

export type MapActivation = 'tanh' | 'sigmoid';

export interface RecurrentMapParameters {
  /** Gain g multiplying W (default 1). */
  gain?: number;
  /** N x N weights. */
  W: readonly (readonly number[])[];
  /** Biases (default 0). */
  b?: readonly number[];
}

/** f(a) and its first three derivatives, from y = f(a). */
function activation(kind: MapActivation, a: number, out: Float64Array, j: number, n: number): void {
  if (kind === 'tanh') {
    const y = Math.tanh(a);
    const d1 = 1 - y * y;
    out[j] = y;
    out[n + j] = d1;
    out[2 * n + j] = -2 * y * d1;
    out[3 * n + j] = d1 * (6 * y * y - 2);
  } else {
    const y = sigmoid(a);
    const d1 = y * (1 - y);
    out[j] = y;
    out[n + j] = d1;
    out[2 * n + j] = d1 * (1 - 2 * y);
    out[3 * n + j] = d1 * (1 - 6 * y + 6 * y * y);
  }
}

export class RecurrentMap implements DiscreteMap {
  readonly time = 'discrete' as const;
  readonly dimension: number;
  readonly parameterNames: readonly string[];
  readonly activation: MapActivation;
  /** Offsets of the blocks in p. */
  readonly offsets: { readonly gain: number; readonly W: number; readonly b: number };
  // f, f', f'', f''' at a (4 blocks of n), and W h, W u, W v, W z
  private readonly fa: Float64Array;
  private readonly wh: Float64Array;
  private readonly wu: Float64Array;
  private readonly wv: Float64Array;
  private readonly wz: Float64Array;

  constructor(n: number, f: MapActivation = 'tanh') {
    if (!Number.isInteger(n) || n < 1) throw new Error(`RecurrentMap: the number of units must be a positive integer, got ${n}`);
    this.dimension = n;
    this.activation = f;
    const sep = n >= 10 ? ',' : '';
    const names = ['g'];
    for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) names.push(`w${i}${sep}${j}`);
    for (let i = 1; i <= n; i++) names.push(`b${i}`);
    this.parameterNames = names;
    this.offsets = { gain: 0, W: 1, b: 1 + n * n };
    this.fa = new Float64Array(4 * n);
    this.wh = new Float64Array(n);
    this.wu = new Float64Array(n);
    this.wv = new Float64Array(n);
    this.wz = new Float64Array(n);
  }

  /** The parameter vector from named blocks (gain defaults to 1, b to 0). */
  pack(q: RecurrentMapParameters): Float64Array {
    const n = this.dimension;
    if (q.W.length !== n || q.W.some((row) => row.length !== n)) throw new Error(`RecurrentMap.pack: W must be ${n} x ${n}`);
    if (q.b !== undefined && q.b.length !== n) throw new Error(`RecurrentMap.pack: b must have ${n} entries, got ${q.b.length}`);
    const p = new Float64Array(1 + n * n + n);
    p[0] = q.gain ?? 1;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[1 + i * n + j] = q.W[i]![j]!;
    for (let i = 0; i < n; i++) p[1 + n * n + i] = q.b?.[i] ?? 0;
    return p;
  }

  /** out = W v (without the gain). */
  private times(p: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let j = 0; j < n; j++) a += p[1 + i * n + j]! * v[j]!;
      out[i] = a;
    }
    return out;
  }

  /** a = g W h + b into the activation table. */
  private activate(h: Float64Array, p: Float64Array): void {
    const n = this.dimension;
    const g = p[0]!;
    this.times(p, h, this.wh);
    for (let i = 0; i < n; i++) activation(this.activation, g * this.wh[i]! + p[1 + n * n + i]!, this.fa, i, n);
  }

  field(h: Float64Array, p: Float64Array, out: Float64Array): Float64Array {
    this.activate(h, p);
    for (let i = 0; i < this.dimension; i++) out[i] = this.fa[i]!;
    return out;
  }

  jacobian(h: Float64Array, p: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const g = p[0]!;
    this.activate(h, p);
    for (let i = 0; i < n; i++) {
      const d = this.fa[n + i]! * g;
      for (let j = 0; j < n; j++) out[i * n + j] = d * p[1 + i * n + j]!;
    }
    return out;
  }

  parameterDerivative(h: Float64Array, p: Float64Array, k: number, out: Float64Array): Float64Array {
    const n = this.dimension;
    this.activate(h, p);
    const d1 = this.fa.subarray(n, 2 * n);
    out.fill(0);
    if (k === 0) {
      for (let i = 0; i < n; i++) out[i] = d1[i]! * this.wh[i]!;
    } else if (k < 1 + n * n) {
      const a = Math.floor((k - 1) / n);
      const b = k - 1 - a * n;
      out[a] = d1[a]! * p[0]! * h[b]!;
    } else {
      const a = k - 1 - n * n;
      out[a] = d1[a]!;
    }
    return out;
  }

  vectorJacobianProduct(h: Float64Array, p: Float64Array, g: Float64Array, gx: Float64Array, gp: Float64Array): void {
    const n = this.dimension;
    const gain = p[0]!;
    this.activate(h, p);
    const ga = this.wu;
    let dg = 0;
    for (let i = 0; i < n; i++) {
      ga[i] = g[i]! * this.fa[n + i]!;
      dg += ga[i]! * this.wh[i]!;
      gp[1 + n * n + i] = ga[i]!;
      for (let j = 0; j < n; j++) gp[1 + i * n + j] = ga[i]! * gain * h[j]!;
    }
    gp[0] = dg;
    for (let j = 0; j < n; j++) {
      let a = 0;
      for (let i = 0; i < n; i++) a += p[1 + i * n + j]! * ga[i]!;
      gx[j] = gain * a;
    }
  }

  secondDerivative(h: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const g = p[0]!;
    this.activate(h, p);
    this.times(p, u, this.wu);
    this.times(p, v, this.wv);
    for (let i = 0; i < n; i++) out[i] = this.fa[2 * n + i]! * g * g * this.wu[i]! * this.wv[i]!;
    return out;
  }

  thirdDerivative(h: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, z: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const g = p[0]!;
    this.activate(h, p);
    this.times(p, u, this.wu);
    this.times(p, v, this.wv);
    this.times(p, z, this.wz);
    for (let i = 0; i < n; i++) out[i] = this.fa[3 * n + i]! * g * g * g * this.wu[i]! * this.wv[i]! * this.wz[i]!;
    return out;
  }

  mixedDerivative(h: Float64Array, p: Float64Array, k: number, v: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const g = p[0]!;
    this.activate(h, p);
    this.times(p, v, this.wv);
    const d1 = this.fa.subarray(n, 2 * n);
    const d2 = this.fa.subarray(2 * n, 3 * n);
    out.fill(0);
    if (k === 0) {
      // (A v)_i = f'(a_i) g (W v)_i with a_i = g (W h)_i + b_i
      for (let i = 0; i < n; i++) out[i] = d2[i]! * this.wh[i]! * g * this.wv[i]! + d1[i]! * this.wv[i]!;
    } else if (k < 1 + n * n) {
      const a = Math.floor((k - 1) / n);
      const b = k - 1 - a * n;
      out[a] = d2[a]! * g * h[b]! * g * this.wv[a]! + d1[a]! * g * v[b]!;
    } else {
      const a = k - 1 - n * n;
      out[a] = d2[a]! * g * this.wv[a]!;
    }
    return out;
  }
}
