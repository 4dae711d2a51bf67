/**
 * The input-output Jacobian of a deep feed-forward network and its singular values: the
 * quantity whose whole spectrum decides whether gradients vanish or explode along depth (Saxe,
 * McClelland and Ganguli 2014; Pennington, Schoenholz and Ganguli 2017).
 *
 * For the MLP of src/models/mlp.ts at an input x (h_0 = x), hidden layer l maps
 *
 *     a_l = W_l h_{l-1} + b_l,   z_l = s_l * (a_l - mu_l) + beta_l  (batch norm, inference mode),
 *     h_l = f(z_l)   or   h_l = h_{l-1} + f(z_l)  (residual),
 *
 * with s_l = gamma_l / sqrt(var_l + eps) from frozen statistics (no batch norm: s_l = 1, mu_l = 0),
 * so its Jacobian is D_l W_l or I + D_l W_l with D_l = diag(f'(z_l) s_l), and
 *
 *     J = dh_L / dx = prod_{l = L..1} (I? + D_l W_l)      (then W_{L+1} J for the logits).
 *
 * The product is accumulated from the input side, J_l = D_l (W_l J_{l-1}) (+ J_{l-1}), one matrix
 * product per layer on the kernel heap (the WebAssembly dgemm). Singular values come from
 * ml-matrix's SVD.
 *
 * @example
 *   const net = new Mlp({ inputSize: 64, width: 64, depth: 10, outputSize: 2, activation: 'identity', init: 'orthogonal' }, new Rng(1));
 *   singularValues(inputOutputJacobian(net, x).J, 64, 64) // all 1 (to round-off): an orthogonal linear network is an isometry
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { dgemm } from '../linalg/blas.ts';
import { allocF64, freeF64 } from '../linalg/wasm.ts';
import type { Mlp } from '../models/mlp.ts';

export interface JacobianOptions {
  /** 'hidden' (default): dh_L/dx, N x d; 'output': d logits / dx, K x d. */
  through?: 'hidden' | 'output';
  /** Frozen batch-norm statistics per hidden layer (Mlp.batchNormStatistics); required when the net has batch norm. */
  batchNorm?: readonly ({ mean: Float64Array; variance: Float64Array } | null)[];
}

export interface InputOutputJacobian {
  /** rows x cols, row-major. */
  J: Float64Array;
  rows: number;
  cols: number;
  /** Pre-activation variance q^l = ||z_l||^2 / N at each hidden layer l = 1..L (the mean-field length). */
  q: Float64Array;
}

/** J = d h_L / d x (or d logits / d x) of `net` at the input x (d entries). */
export function inputOutputJacobian(net: Mlp, x: Float64Array, opts: JacobianOptions = {}): InputOutputJacobian {
  const d = net.inputSize;
  if (x.length !== d) throw new Error(`inputOutputJacobian: x must have ${d} entries (the input size), got ${x.length}`);
  if (net.batchNorm && !opts.batchNorm) throw new Error('inputOutputJacobian: the network has batch norm; pass its frozen statistics (net.batchNormStatistics(X, m))');
  const through = opts.through ?? 'hidden';
  const maxRows = Math.max(net.width, net.outputSize, d);
  // J_l and W_l J_{l-1}, on the kernel heap so the products run the SIMD kernels
  let J = allocF64(maxRows * d);
  let P = allocF64(maxRows * d);
  const W = allocF64(Math.max(...net.layers.map((L) => L.nOut * L.nIn)));
  const q = new Float64Array(net.depth);
  try {
    for (let i = 0; i < d; i++) J[i * d + i] = 1;
    let h = Float64Array.from(x);
    let rows = d;
    for (let l = 0; l < net.depth; l++) {
      const L = net.layers[l]!;
      const n = L.nOut;
      W.set(L.W);
      dgemm(false, false, n, d, rows, 1, W, 0, L.nIn, J, 0, d, 0, P, 0, d);
      const z = new Float64Array(n);
      const scale = new Float64Array(n).fill(1);
      const stats = opts.batchNorm?.[l] ?? null;
      for (let i = 0; i < n; i++) {
        let a = L.b ? L.b[i]! : 0;
        for (let j = 0; j < L.nIn; j++) a += L.W[i * L.nIn + j]! * h[j]!;
        if (L.gamma && stats) {
          const s = L.gamma[i]! / Math.sqrt(stats.variance[i]! + net.bnEpsilon);
          scale[i] = s;
          z[i] = s * (a - stats.mean[i]!) + L.beta![i]!;
        } else z[i] = a;
      }
      let ss = 0;
      for (let i = 0; i < n; i++) ss += z[i]! * z[i]!;
      q[l] = ss / n;
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const Di = L.activation.df(z[i]!) * scale[i]!;
        const fz = L.activation.f(z[i]!);
        next[i] = L.residual ? h[i]! + fz : fz;
        const r = i * d;
        if (L.residual) for (let j = 0; j < d; j++) P[r + j] = J[r + j]! + Di * P[r + j]!;
        else for (let j = 0; j < d; j++) P[r + j]! *= Di;
      }
      const t = J;
      J = P;
      P = t;
      h = next;
      rows = n;
    }
    if (through === 'output') {
      const O = net.layers[net.depth]!;
      W.set(O.W);
      dgemm(false, false, O.nOut, d, rows, 1, W, 0, O.nIn, J, 0, d, 0, P, 0, d);
      return { J: P.slice(0, O.nOut * d), rows: O.nOut, cols: d, q };
    }
    return { J: J.slice(0, rows * d), rows, cols: d, q };
  } finally {
    freeF64(J);
    freeF64(P);
    freeF64(W);
  }
}

/**
 * Singular values of a rows x cols row-major matrix, in decreasing order (ml-matrix's SVD,
 * Golub-Kahan-Reinsch, without the singular vectors).
 *
 * @example singularValues(new Float64Array([3, 0, 0, 4]), 2, 2) // [4, 3]
 */
export function singularValues(A: Float64Array, rows: number, cols: number): Float64Array {
  const M = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) M.set(i, j, A[i * cols + j]!);
  const svd = new SingularValueDecomposition(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Float64Array.from(svd.diagonal).sort().reverse();
}

/** Moments of the spectrum of J J^T (lambda = s^2) and the extremes of s. */
export interface SpectrumMoments {
  /** Mean of lambda = s^2: the mean squared singular value, chi_1^L in mean field. */
  meanSquared: number;
  /** Variance of lambda over the singular values. */
  varianceSquared: number;
  maxSingular: number;
  minSingular: number;
  /** max s / min s. */
  condition: number;
}

/** Moments of s^2 over a list of singular values. */
export function spectrumMoments(s: ArrayLike<number>): SpectrumMoments {
  let m1 = 0;
  let mx = 0;
  let mn = Infinity;
  for (let i = 0; i < s.length; i++) {
    m1 += s[i]! ** 2;
    mx = Math.max(mx, s[i]!);
    mn = Math.min(mn, s[i]!);
  }
  m1 /= s.length;
  let v = 0;
  for (let i = 0; i < s.length; i++) v += (s[i]! ** 2 - m1) ** 2;
  v /= s.length;
  return { meanSquared: m1, varianceSquared: v, maxSingular: mx, minSingular: mn, condition: mx / mn };
}

/**
 * The large-width variance of the spectrum of J J^T of a depth-L network at criticality
 * (mean squared singular value 1), from free probability (Pennington, Schoenholz and Ganguli 2017):
 * each layer adds the normalised variance of its two free factors,
 *
 *     sigma^2_{JJ^T} = L (mu_2 / mu_1^2 - 1 + v_W),   mu_k = E[f'(sqrt(q*) z)^{2k}],
 *
 * with v_W = 1 for Gaussian weights (the Marchenko-Pastur law at aspect ratio 1) and 0 for
 * orthogonal ones. Linear Gaussian: L (the Fuss-Catalan variance); linear orthogonal: 0 (an
 * isometry); ReLU: 2L Gaussian, L orthogonal (mu_2 / mu_1^2 = 2, so no isometry at any depth).
 *
 * @example jacobianSpectrumVariance(1, 1, 10, 'gaussian') // 10
 */
export function jacobianSpectrumVariance(mu1: number, mu2: number, L: number, weights: 'gaussian' | 'orthogonal'): number {
  // mu_2 / mu_1^2 >= 1 (Jensen); round-off can take a linear network's 1 - 1 below 0
  return L * Math.max(0, mu2 / (mu1 * mu1) - 1 + (weights === 'gaussian' ? 1 : 0));
}
