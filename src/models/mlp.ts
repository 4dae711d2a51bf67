/**
 * Multilayer perceptron (feed-forward network) with L hidden layers of width N, for the
 * vanishing-gradient problem seen along depth instead of time.
 *
 * For a batch of m inputs (rows of X, m x d, row-major), hidden layer l = 1..L computes
 *
 *   a_l = h_{l-1} W_l^T + b_l                                  (affine)
 *   z_l = gamma_l * (a_l - mu_l) / sqrt(var_l + eps) + beta_l  (batch norm, optional; else z_l = a_l)
 *   h_l = f(z_l)                  or  h_l = h_{l-1} + f(z_l)   (residual, optional, when widths match)
 *
 * with h_0 = x, and the output layer gives logits y = h_L W_{L+1}^T + b_{L+1} (no activation).
 * Loss: softmax cross-entropy, L = -(1/m) sum_n log softmax(y_n)[c_n], or squared error
 * L = (1/2m) sum_n ||y_n - t_n||^2.
 *
 * Backward, from the top (g = dL/dh_l, a batch matrix):
 *
 *   dL/dz_l = g * f'(z_l)
 *   dL/da_l = (gamma / (m sigma)) (m dz - sum_n dz - u sum_n (dz u))     (batch-norm backward,
 *             u = normalised a, sigma = sqrt(var + eps); Ioffe and Szegedy 2015)
 *   dL/dW_l = (dL/da_l)^T h_{l-1},  dL/db_l = sum_n dL/da_l
 *   dL/dh_{l-1} = dL/da_l W_l  (+ g when the layer is residual: the identity path of He et al. 2016)
 *
 * so that ||dL/dh_{l-1}|| <= ||W_l||_2 sup|f'| ||dL/dh_l||: with the logistic function each layer
 * contributes a factor at most ||W_l||_2 / 4 (Bengio, Simard and Frasconi 1994; Glorot and Bengio 2010).
 *
 * What the forward pass keeps for the backward pass (per hidden layer, per batch size):
 *   - H[l]  the layer outputs h_l (h_0 is the caller's X, referenced, not copied), for dL/dW_{l+1};
 *   - F[l]  f(z_l), from which f' is computed (sigmoid' = F(1 - F), tanh' = 1 - F^2, relu' = [F > 0]);
 *           F[l] is H[l] itself unless the layer is residual;
 *   - Z[l]  z_l, only read when f' is not a function of f(z) (expression activations);
 *   - U[l], invStd[l]  the normalised pre-activations and 1/sqrt(var + eps) of batch norm;
 *   - P     softmax probabilities of the output (cross-entropy) or the logits (squared error).
 * A[l] (the affine pre-activation) is kept too when batch norm is on, because Z[l] overwrites nothing
 * there; without batch norm Z[l] and A[l] are the same buffer.
 *
 * Biases: a batch-normalised layer has no bias b_l, since beta_l plays its role and dL/db_l would be
 * identically zero (Ioffe and Szegedy 2015, sec. 3.2).
 *
 * Batch norm always uses the statistics of the batch it is given (training mode), also when the
 * studies evaluate accuracy on a held-out set; no running averages are kept.
 *
 * Workspaces are allocated once per batch size and reused; forward and backward allocate nothing.
 *
 * @example
 *   const net = new Mlp({ inputSize: 2, width: 16, depth: 10, outputSize: 2, activation: 'sigmoid', init: 'xavier' }, new Rng(1));
 *   net.lossAndGradient(X, labels, m); // fills every layer's dW, db and net.hiddenGradNorm
 */
import { type Activation, IDENTITY, activation as activationFromSpec } from '../activations/index.ts';
import { type InitName, initWeights } from '../init/weights.ts';
import type { Rng } from '../init/rng.ts';
import { dgemm, dnrm2 } from '../linalg/blas.ts';

export type MlpLoss = 'cross-entropy' | 'squared-error';

export interface MlpOptions {
  /** d: input size. */
  inputSize: number;
  /** N: width of every hidden layer. */
  width: number;
  /** L: number of hidden layers (1 to 50 in the studies). */
  depth: number;
  /** K: output size (number of classes for cross-entropy). */
  outputSize: number;
  /** Hidden activation: an Activation, a built-in name or a mathjs expression in x. */
  activation: Activation | string;
  /** Weight initialisation of every layer (biases start at 0). */
  init: InitName;
  /** Gain passed to initWeights (default 1). */
  gain?: number;
  /** h_l = h_{l-1} + f(z_l) on hidden layers whose input and output widths match (He et al. 2016). */
  residual?: boolean;
  /** Batch normalization before the activation, training-mode statistics (Ioffe and Szegedy 2015). */
  batchNorm?: boolean;
  /** Loss (default cross-entropy). */
  loss?: MlpLoss;
  /** epsilon in sqrt(var + eps) of batch norm (default 1e-5, as PyTorch). */
  bnEpsilon?: number;
}

/** One affine layer with its gradients; hidden layers also carry activation, residual and batch norm. */
export interface MlpLayer {
  readonly nIn: number;
  readonly nOut: number;
  /** nOut x nIn, row-major: a = W h. */
  readonly W: Float64Array;
  readonly dW: Float64Array;
  /** Bias, or null for a batch-normalised layer. */
  readonly b: Float64Array | null;
  readonly db: Float64Array | null;
  /** Batch-norm scale and shift (null without batch norm). */
  readonly gamma: Float64Array | null;
  readonly beta: Float64Array | null;
  readonly dgamma: Float64Array | null;
  readonly dbeta: Float64Array | null;
  /** Whether the identity path h_{l-1} is added (only when nIn === nOut). */
  readonly residual: boolean;
  readonly activation: Activation;
}

/** A parameter with its gradient, in the form the optimisers take. */
export interface NamedParameter {
  name: string;
  param: Float64Array;
  grad: Float64Array;
}

interface Workspace {
  m: number;
  /** Per hidden layer (index l-1). */
  A: Float64Array[];
  Z: Float64Array[];
  U: (Float64Array | null)[];
  invStd: (Float64Array | null)[];
  F: Float64Array[];
  H: Float64Array[];
  /** Output logits and probabilities (m x K). */
  Y: Float64Array;
  P: Float64Array;
  /** Backward scratch: gradient w.r.t. the current h, w.r.t. h below, w.r.t. z/a (m x maxW, the widest layer). */
  gH: Float64Array;
  gHBelow: Float64Array;
  gZ: Float64Array;
  /** dL/dx (m x d). */
  gX: Float64Array;
}

export class Mlp {
  readonly inputSize: number;
  readonly width: number;
  readonly depth: number;
  readonly outputSize: number;
  readonly loss: MlpLoss;
  readonly activation: Activation;
  readonly batchNorm: boolean;
  readonly bnEpsilon: number;
  /** depth hidden layers followed by the output layer. */
  readonly layers: MlpLayer[];
  /**
   * ||dL/dh_l||_F over the batch for l = 0..L after a backward pass (index 0 is the input x);
   * a Frobenius norm of the m x N matrix, so it is comparable across layers of equal width.
   */
  readonly hiddenGradNorm: Float64Array;
  private readonly workspaces = new Map<number, Workspace>();
  private ws: Workspace | null = null;
  private X: Float64Array | null = null;

  constructor(opts: MlpOptions, rng: Rng) {
    this.inputSize = opts.inputSize;
    this.width = opts.width;
    this.depth = opts.depth;
    this.outputSize = opts.outputSize;
    this.loss = opts.loss ?? 'cross-entropy';
    this.activation = typeof opts.activation === 'string' ? activationFromSpec(opts.activation) : opts.activation;
    this.batchNorm = opts.batchNorm ?? false;
    this.bnEpsilon = opts.bnEpsilon ?? 1e-5;
    const gain = opts.gain ?? 1;
    this.layers = [];
    for (let l = 0; l <= this.depth; l++) {
      const hidden = l < this.depth;
      const nIn = l === 0 ? this.inputSize : this.width;
      const nOut = hidden ? this.width : this.outputSize;
      const bn = hidden && this.batchNorm;
      this.layers.push({
        nIn,
        nOut,
        W: initWeights(opts.init, nOut, nIn, rng, gain),
        dW: new Float64Array(nOut * nIn),
        b: bn ? null : new Float64Array(nOut),
        db: bn ? null : new Float64Array(nOut),
        gamma: bn ? new Float64Array(nOut).fill(1) : null,
        beta: bn ? new Float64Array(nOut) : null,
        dgamma: bn ? new Float64Array(nOut) : null,
        dbeta: bn ? new Float64Array(nOut) : null,
        residual: hidden && (opts.residual ?? false) && nIn === nOut,
        activation: hidden ? this.activation : IDENTITY,
      });
    }
    this.hiddenGradNorm = new Float64Array(this.depth + 1);
  }

  /** Every parameter with its gradient buffer, layer by layer (W, b or gamma, beta). */
  parameters(): NamedParameter[] {
    const out: NamedParameter[] = [];
    this.layers.forEach((L, i) => {
      const tag = i < this.depth ? `layer${i + 1}` : 'output';
      out.push({ name: `${tag}.W`, param: L.W, grad: L.dW });
      if (L.b && L.db) out.push({ name: `${tag}.b`, param: L.b, grad: L.db });
      if (L.gamma && L.dgamma) out.push({ name: `${tag}.gamma`, param: L.gamma, grad: L.dgamma });
      if (L.beta && L.dbeta) out.push({ name: `${tag}.beta`, param: L.beta, grad: L.dbeta });
    });
    return out;
  }

  private workspace(m: number): Workspace {
    let ws = this.workspaces.get(m);
    if (ws) return ws;
    const N = this.width;
    const hid = (): Float64Array => new Float64Array(m * N);
    const A: Float64Array[] = [];
    const Z: Float64Array[] = [];
    const U: (Float64Array | null)[] = [];
    const invStd: (Float64Array | null)[] = [];
    const F: Float64Array[] = [];
    const H: Float64Array[] = [];
    for (let l = 0; l < this.depth; l++) {
      const a = hid();
      A.push(a);
      Z.push(this.batchNorm ? hid() : a);
      U.push(this.batchNorm ? hid() : null);
      invStd.push(this.batchNorm ? new Float64Array(N) : null);
      const f = hid();
      F.push(f);
      H.push(this.layers[l]!.residual ? hid() : f);
    }
    const maxW = Math.max(N, this.inputSize, this.outputSize);
    ws = {
      m,
      A,
      Z,
      U,
      invStd,
      F,
      H,
      Y: new Float64Array(m * this.outputSize),
      P: new Float64Array(m * this.outputSize),
      gH: new Float64Array(m * maxW),
      gHBelow: new Float64Array(m * maxW),
      gZ: new Float64Array(m * maxW),
      gX: new Float64Array(m * this.inputSize),
    };
    this.workspaces.set(m, ws);
    return ws;
  }

  /**
   * Forward pass on m inputs (X: m x d row-major). Returns the logits (m x K, a view into the
   * workspace, overwritten by the next forward of the same batch size).
   */
  forward(X: Float64Array, m: number): Float64Array {
    const ws = this.workspace(m);
    this.ws = ws;
    this.X = X;
    let hPrev = X;
    for (let l = 0; l < this.depth; l++) {
      const L = this.layers[l]!;
      const n = L.nOut;
      const a = ws.A[l]!;
      // a = h W^T: the transB branch of dgemm reads rows of h and of W contiguously
      dgemm(false, true, m, n, L.nIn, 1, hPrev, 0, L.nIn, L.W, 0, L.nIn, 0, a, 0, n);
      if (L.b) addRowVector(a, L.b, m, n);
      const z = ws.Z[l]!;
      if (L.gamma) batchNormForward(a, z, ws.U[l]!, ws.invStd[l]!, L.gamma, L.beta!, m, n, this.bnEpsilon);
      const f = ws.F[l]!;
      const act = L.activation;
      for (let i = 0; i < m * n; i++) f[i] = act.f(z[i]!);
      const h = ws.H[l]!;
      if (L.residual) for (let i = 0; i < m * n; i++) h[i] = hPrev[i]! + f[i]!;
      hPrev = h;
    }
    const O = this.layers[this.depth]!;
    const K = O.nOut;
    dgemm(false, true, m, K, O.nIn, 1, hPrev, 0, O.nIn, O.W, 0, O.nIn, 0, ws.Y, 0, K);
    addRowVector(ws.Y, O.b!, m, K);
    if (this.loss === 'cross-entropy') softmaxRows(ws.Y, ws.P, m, K);
    else ws.P.set(ws.Y);
    return ws.Y;
  }

  /**
   * Loss of the last forward pass. Targets: class labels (Int32Array, m entries; one-hot targets
   * for squared error) or, for squared error, an m x K Float64Array.
   */
  lossValue(targets: Int32Array | Float64Array): number {
    const ws = this.requireForward();
    const { m, Y, P } = ws;
    const K = this.outputSize;
    let s = 0;
    if (this.loss === 'cross-entropy') {
      if (!(targets instanceof Int32Array)) throw new Error('cross-entropy needs Int32Array class labels');
      // log p_c = y_c - logsumexp(y), recomputed from the logits so tiny probabilities keep their digits
      for (let n = 0; n < m; n++) {
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, Y[n * K + k]!);
        let se = 0;
        for (let k = 0; k < K; k++) se += Math.exp(Y[n * K + k]! - max);
        s += max + Math.log(se) - Y[n * K + targets[n]!]!;
      }
      return s / m;
    }
    for (let n = 0; n < m; n++) {
      for (let k = 0; k < K; k++) {
        const d = P[n * K + k]! - target(targets, n, k, K);
        s += d * d;
      }
    }
    return s / (2 * m);
  }

  /**
   * Backward pass for the last forward pass: fills every layer's dW, db (dgamma, dbeta),
   * hiddenGradNorm and the input gradient. Returns the loss.
   */
  backward(targets: Int32Array | Float64Array): number {
    const ws = this.requireForward();
    const X = this.X!;
    const loss = this.lossValue(targets);
    const { m, P } = ws;
    const K = this.outputSize;
    // dL/dy: (p - onehot)/m for softmax cross-entropy, (y - t)/m for squared error
    let gOut = ws.gZ;
    for (let n = 0; n < m; n++) {
      for (let k = 0; k < K; k++) {
        gOut[n * K + k] = (P[n * K + k]! - target(targets, n, k, K)) / m;
      }
    }
    let gH = ws.gH;
    let gBelow = ws.gHBelow;
    for (let l = this.depth; l >= 0; l--) {
      const L = this.layers[l]!;
      const n = L.nOut;
      const hPrev = l === 0 ? X : ws.H[l - 1]!;
      let gA: Float64Array;
      if (l === this.depth) {
        gA = gOut;
        colSums(gA, L.db!, m, n);
      } else {
        this.hiddenGradNorm[l + 1] = dnrm2(m * n, gH);
        const gZ = ws.gZ;
        const act = L.activation;
        const f = ws.F[l]!;
        if (act.dfFromOutput) {
          const dfo = act.dfFromOutput;
          for (let i = 0; i < m * n; i++) gZ[i] = gH[i]! * dfo(f[i]!);
        } else {
          const z = ws.Z[l]!;
          for (let i = 0; i < m * n; i++) gZ[i] = gH[i]! * act.df(z[i]!);
        }
        if (L.gamma) batchNormBackward(gZ, ws.U[l]!, ws.invStd[l]!, L.gamma, L.dgamma!, L.dbeta!, m, n);
        else colSums(gZ, L.db!, m, n);
        gA = gZ;
      }
      // dW = gA^T h_{l-1}: transA reads gA column-wise, but the inner loop runs along rows of h
      dgemm(true, false, n, L.nIn, m, 1, gA, 0, n, hPrev, 0, L.nIn, 0, L.dW, 0, L.nIn);
      const out = l === 0 ? ws.gX : gBelow;
      if (L.residual) out.set(gH.subarray(0, m * n));
      dgemm(false, false, m, L.nIn, n, 1, gA, 0, n, L.W, 0, L.nIn, L.residual ? 1 : 0, out, 0, L.nIn);
      if (l > 0) {
        const t = gH;
        gH = gBelow;
        gBelow = t;
      }
    }
    this.hiddenGradNorm[0] = dnrm2(m * this.inputSize, ws.gX);
    return loss;
  }

  /** forward + backward in one call; returns the loss. */
  lossAndGradient(X: Float64Array, targets: Int32Array | Float64Array, m: number): number {
    this.forward(X, m);
    return this.backward(targets);
  }

  /** dL/dx of the last backward pass (m x d, a view). */
  inputGradient(): Float64Array {
    return this.requireForward().gX;
  }

  /** The activation's argument z_l of hidden layer l (1-based) in the last forward pass (m x N view). */
  activationInput(l: number): Float64Array {
    return this.requireForward().Z[l - 1]!;
  }

  /** Output h_l of hidden layer l (1-based) in the last forward pass (m x N view). */
  hidden(l: number): Float64Array {
    return this.requireForward().H[l - 1]!;
  }

  /**
   * Per-layer batch-norm statistics of the m inputs X: the mean and the biased variance of each
   * hidden layer's affine output a_l over the batch, as a training-mode forward pass computes them
   * (earlier layers normalised by their own batch statistics). Frozen, they define the network in
   * inference mode: z_l = gamma (a_l - mean) / sqrt(variance + eps) + beta, an affine map per layer.
   * Null entries for layers without batch norm.
   */
  batchNormStatistics(X: Float64Array, m: number): ({ mean: Float64Array; variance: Float64Array } | null)[] {
    this.forward(X, m);
    const ws = this.requireForward();
    return this.layers.slice(0, this.depth).map((L, l) => {
      if (!L.gamma) return null;
      const n = L.nOut;
      const a = ws.A[l]!;
      const mean = new Float64Array(n);
      const variance = new Float64Array(n);
      colSums(a, mean, m, n);
      for (let j = 0; j < n; j++) mean[j]! /= m;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) variance[j]! += (a[i * n + j]! - mean[j]!) ** 2;
      for (let j = 0; j < n; j++) variance[j]! /= m;
      return { mean, variance };
    });
  }

  /** Fraction of the m inputs whose largest logit is the label. */
  accuracy(X: Float64Array, labels: Int32Array, m: number): number {
    const Y = this.forward(X, m);
    const K = this.outputSize;
    let right = 0;
    for (let n = 0; n < m; n++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (Y[n * K + k]! > Y[n * K + best]!) best = k;
      if (best === labels[n]) right++;
    }
    return right / m;
  }

  private requireForward(): Workspace {
    if (!this.ws) throw new Error('Mlp: call forward() before the loss or backward()');
    return this.ws;
  }
}

/** t[n, k]: one-hot of an Int32Array label, or the entry of an m x K target matrix. */
function target(t: Int32Array | Float64Array, n: number, k: number, K: number): number {
  return t instanceof Int32Array ? (t[n] === k ? 1 : 0) : t[n * K + k]!;
}

function addRowVector(A: Float64Array, b: Float64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) A[r + j]! += b[j]!;
  }
}

function colSums(A: Float64Array, out: Float64Array, m: number, n: number): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) out[j]! += A[r + j]!;
  }
}

function softmaxRows(Y: Float64Array, P: Float64Array, m: number, K: number): void {
  for (let n = 0; n < m; n++) {
    const r = n * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, Y[r + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(Y[r + k]! - max);
      P[r + k] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) P[r + k]! /= s;
  }
}

/**
 * Batch normalization, training mode (Ioffe and Szegedy 2015, Alg. 1):
 * u = (a - mu) / sqrt(var + eps) with the biased batch variance, z = gamma u + beta.
 * Keeps u and 1/sqrt(var + eps) for the backward pass.
 */
export function batchNormForward(
  a: Float64Array,
  z: Float64Array,
  u: Float64Array,
  invStd: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  m: number,
  n: number,
  eps: number,
): void {
  // invStd doubles as the mean accumulator, then the variance's, to stay allocation-free
  colSums(a, invStd, m, n);
  for (let j = 0; j < n; j++) invStd[j]! /= m;
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) u[r + j] = a[r + j]! - invStd[j]!;
  }
  invStd.fill(0);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) invStd[j]! += u[r + j]! * u[r + j]!;
  }
  for (let j = 0; j < n; j++) invStd[j] = 1 / Math.sqrt(invStd[j]! / m + eps);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) {
      const v = u[r + j]! * invStd[j]!;
      u[r + j] = v;
      z[r + j] = gamma[j]! * v + beta[j]!;
    }
  }
}

/**
 * Closed-form batch-norm backward, in place on g (dL/dz in, dL/da out):
 * dL/da = (gamma / (m sigma)) (m g - sum_n g - u sum_n (g u)),
 * dL/dgamma = sum_n g u, dL/dbeta = sum_n g (Ioffe and Szegedy 2015, sec. 3).
 */
export function batchNormBackward(
  g: Float64Array,
  u: Float64Array,
  invStd: Float64Array,
  gamma: Float64Array,
  dgamma: Float64Array,
  dbeta: Float64Array,
  m: number,
  n: number,
): void {
  dgamma.fill(0);
  dbeta.fill(0);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) {
      dbeta[j]! += g[r + j]!;
      dgamma[j]! += g[r + j]! * u[r + j]!;
    }
  }
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) {
      const c = (gamma[j]! * invStd[j]!) / m;
      g[r + j] = c * (m * g[r + j]! - dbeta[j]! - u[r + j]! * dgamma[j]!);
    }
  }
}
