/**
 * The continuous-time recurrent neural network (CTRNN) of Beer (1995), "On the dynamics of small
 * continuous-time recurrent neural networks" (Adaptive Behavior 3(4)):
 *
 *     tau_i dy_i/dt = -y_i + sum_j w_ij sigma(y_j + theta_j) + I_i,    i = 1..N,
 *
 * with the logistic sigma, w_ij the weight from neuron j to neuron i (row i of W), bias theta_j,
 * external input I_i and time constant tau_i > 0. It is a Flow (src/models/flow.ts) with every
 * derivative the dynamics code uses written by hand (checked against finite differences in
 * test/models/ctrnn.test.ts). With s_j = sigma(y_j + theta_j) and its derivatives s', s'', s''':
 *
 *     A_ij = (w_ij s'_j - delta_ij) / tau_i
 *     B(u, v)_i = sum_j w_ij s''_j u_j v_j / tau_i,   C(u, v, z)_i = sum_j w_ij s'''_j u_j v_j z_j / tau_i
 *
 * Parameter vector p (names for scenarios and continuation, 1-based like Beer's):
 * [w11, w12, ..., wNN (row-major), theta1..thetaN, I1..IN, tau1..tauN]; for N >= 10 the weights
 * are named 'w1,10' etc. The one-neuron network of Doya is the N = 1 case after the change of
 * variables y = w x + b (theta = 0, I = b, tau = 1): then dy/dt = -y + w sigma(y) + b.
 *
 * @example
 * const net = new Ctrnn(2);
 * const p = net.pack({ W: [[4.5, 1], [-1, 4.5]], theta: [-2.75, -1.75] });
 * net.field(y, p, out); // tau dy/dt
 */
import { sigmoid } from '../activations/index.ts';
import type { Flow } from './flow.ts';

export interface CtrnnParameters {
  /** N x N weights, W[i][j] from neuron j to neuron i. */
  W: readonly (readonly number[])[];
  /** Biases theta_j (default 0). */
  theta?: readonly number[];
  /** External inputs I_i (default 0). */
  I?: readonly number[];
  /** Time constants tau_i > 0 (default 1). */
  tau?: readonly number[];
}

/** The parameter names of an N-neuron CTRNN, in the order of the parameter vector. */
export function ctrnnParameterNames(n: number): string[] {
  const names: string[] = [];
  const sep = n >= 10 ? ',' : '';
  for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) names.push(`w${i}${sep}${j}`);
  for (const prefix of ['theta', 'I', 'tau']) for (let i = 1; i <= n; i++) names.push(`${prefix}${i}`);
  return names;
}

export class Ctrnn implements Flow {
  readonly time = 'continuous' as const;
  readonly dimension: number;
  readonly parameterNames: readonly string[];
  /** Offsets of the blocks in p. */
  readonly offsets: { readonly W: number; readonly theta: number; readonly I: number; readonly tau: number };
  // sigma and its derivatives at y + theta, per neuron (work vectors)
  private readonly s0: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly s3: Float64Array;
  private readonly tmp: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Ctrnn: the number of neurons must be a positive integer, got ${n}`);
    this.dimension = n;
    this.parameterNames = ctrnnParameterNames(n);
    this.offsets = { W: 0, theta: n * n, I: n * n + n, tau: n * n + 2 * n };
    this.s0 = new Float64Array(n);
    this.s1 = new Float64Array(n);
    this.s2 = new Float64Array(n);
    this.s3 = new Float64Array(n);
    this.tmp = new Float64Array(n);
  }

  /**
   * The parameter vector from named blocks (theta and I default to 0, tau to 1).
   *
   * @throws Error when a block has the wrong size or a time constant is not positive.
   */
  pack(q: CtrnnParameters): Float64Array {
    const n = this.dimension;
    const p = new Float64Array(n * n + 3 * n);
    if (q.W.length !== n || q.W.some((row) => row.length !== n)) throw new Error(`Ctrnn.pack: W must be ${n} x ${n}`);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i * n + j] = q.W[i]![j]!;
    const block = (name: 'theta' | 'I' | 'tau', fill: number): void => {
      const v = q[name];
      if (v !== undefined && v.length !== n) throw new Error(`Ctrnn.pack: ${name} must have ${n} entries, got ${v.length}`);
      for (let i = 0; i < n; i++) p[this.offsets[name] + i] = v === undefined ? fill : v[i]!;
    };
    block('theta', 0);
    block('I', 0);
    block('tau', 1);
    for (let i = 0; i < n; i++) if (!(p[this.offsets.tau + i]! > 0)) throw new Error(`Ctrnn.pack: tau${i + 1} must be positive, got ${p[this.offsets.tau + i]}`);
    return p;
  }

  /** sigma(y_j + theta_j) and as many derivatives as asked (order 0..3) into the work vectors. */
  private activate(y: Float64Array, p: Float64Array, order: number): void {
    const n = this.dimension;
    const th = this.offsets.theta;
    for (let j = 0; j < n; j++) {
      const s = sigmoid(y[j]! + p[th + j]!);
      this.s0[j] = s;
      if (order >= 1) {
        const d1 = s * (1 - s);
        this.s1[j] = d1;
        if (order >= 2) this.s2[j] = d1 * (1 - 2 * s);
        if (order >= 3) this.s3[j] = d1 * (1 - 6 * s + 6 * s * s);
      }
    }
  }

  /** (-y_i + sum_j w_ij s_j + I_i) / tau_i. */
  field(y: Float64Array, p: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const { I, tau } = this.offsets;
    this.activate(y, p, 0);
    const s = this.s0;
    for (let i = 0; i < n; i++) {
      let a = p[I + i]! - y[i]!;
      for (let j = 0; j < n; j++) a += p[i * n + j]! * s[j]!;
      out[i] = a / p[tau + i]!;
    }
    return out;
  }

  jacobian(y: Float64Array, p: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const tau = this.offsets.tau;
    this.activate(y, p, 1);
    const d = this.s1;
    for (let i = 0; i < n; i++) {
      const r = 1 / p[tau + i]!;
      for (let j = 0; j < n; j++) out[i * n + j] = (p[i * n + j]! * d[j]! - (i === j ? 1 : 0)) * r;
    }
    return out;
  }

  parameterDerivative(y: Float64Array, p: Float64Array, k: number, out: Float64Array): Float64Array {
    const n = this.dimension;
    const { theta, I, tau } = this.offsets;
    out.fill(0);
    if (k < theta) {
      // w_ab: row a gets s_b / tau_a
      const a = Math.floor(k / n);
      const b = k - a * n;
      out[a] = sigmoid(y[b]! + p[theta + b]!) / p[tau + a]!;
    } else if (k < I) {
      const b = k - theta;
      const s = sigmoid(y[b]! + p[k]!);
      const d = s * (1 - s);
      for (let i = 0; i < n; i++) out[i] = (p[i * n + b]! * d) / p[tau + i]!;
    } else if (k < tau) {
      const a = k - I;
      out[a] = 1 / p[tau + a]!;
    } else {
      const a = k - tau;
      this.field(y, p, this.tmp);
      out[a] = -this.tmp[a]! / p[k]!;
    }
    return out;
  }

  vectorJacobianProduct(y: Float64Array, p: Float64Array, g: Float64Array, gx: Float64Array, gp: Float64Array): void {
    const n = this.dimension;
    const { theta, I, tau } = this.offsets;
    this.activate(y, p, 1);
    const s = this.s0;
    const d = this.s1;
    const r = this.tmp;
    for (let i = 0; i < n; i++) r[i] = g[i]! / p[tau + i]!;
    for (let j = 0; j < n; j++) {
      let a = 0;
      for (let i = 0; i < n; i++) a += p[i * n + j]! * r[i]!;
      gx[j] = d[j]! * a - r[j]!;
      gp[theta + j] = d[j]! * a;
    }
    for (let i = 0; i < n; i++) {
      let f = p[I + i]! - y[i]!;
      for (let j = 0; j < n; j++) {
        gp[i * n + j] = r[i]! * s[j]!;
        f += p[i * n + j]! * s[j]!;
      }
      gp[I + i] = r[i]!;
      gp[tau + i] = (-r[i]! * f) / p[tau + i]!;
    }
  }

  secondDerivative(y: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const tau = this.offsets.tau;
    this.activate(y, p, 2);
    const d2 = this.s2;
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let j = 0; j < n; j++) a += p[i * n + j]! * d2[j]! * u[j]! * v[j]!;
      out[i] = a / p[tau + i]!;
    }
    return out;
  }

  thirdDerivative(y: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, z: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const tau = this.offsets.tau;
    this.activate(y, p, 3);
    const d3 = this.s3;
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let j = 0; j < n; j++) a += p[i * n + j]! * d3[j]! * u[j]! * v[j]! * z[j]!;
      out[i] = a / p[tau + i]!;
    }
    return out;
  }

  mixedDerivative(y: Float64Array, p: Float64Array, k: number, v: Float64Array, out: Float64Array): Float64Array {
    const n = this.dimension;
    const { theta, I, tau } = this.offsets;
    out.fill(0);
    if (k < theta) {
      const a = Math.floor(k / n);
      const b = k - a * n;
      const s = sigmoid(y[b]! + p[theta + b]!);
      out[a] = (s * (1 - s) * v[b]!) / p[tau + a]!;
    } else if (k < I) {
      const b = k - theta;
      const s = sigmoid(y[b]! + p[k]!);
      const d2 = s * (1 - s) * (1 - 2 * s);
      for (let i = 0; i < n; i++) out[i] = (p[i * n + b]! * d2 * v[b]!) / p[tau + i]!;
    } else if (k >= tau) {
      const a = k - tau;
      this.activate(y, p, 1);
      let av = -v[a]!;
      for (let j = 0; j < n; j++) av += p[a * n + j]! * this.s1[j]! * v[j]!;
      out[a] = -av / (p[k]! * p[k]!);
    }
    return out;
  }

  /** The outputs sigma(y_j + theta_j) of a state. */
  outputs(y: Float64Array, p: Float64Array, out: Float64Array = new Float64Array(this.dimension)): Float64Array {
    const th = this.offsets.theta;
    for (let j = 0; j < this.dimension; j++) out[j] = sigmoid(y[j]! + p[th + j]!);
    return out;
  }
}
