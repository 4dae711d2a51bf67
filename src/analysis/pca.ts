/**
 * Principal components of a cloud of states (Pearson 1901; Hotelling 1933): the eigenvectors of the
 * sample covariance C = (1/(N-1)) sum_i (x_i - mean)(x_i - mean)^T with the largest eigenvalues
 * (ml-matrix's symmetric eigendecomposition). Sussillo and Barak (2013) draw a trained network's
 * trajectories and fixed points in the plane (or space) of the first components.
 *
 * Each component's sign is fixed so that its entry of largest magnitude is positive, so the
 * projection does not flip between runs.
 *
 * @example principalComponents(Float64Array.of(0, 0, 2, 0, 4, 0), 3, 2, 1).variance[0] // 4
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface PrincipalComponents {
  /** The mean state (d entries). */
  mean: Float64Array;
  /** k unit components, k x d row-major, by decreasing variance. */
  components: Float64Array;
  /** The variance along each component (eigenvalues of C). */
  variance: Float64Array;
  /** Fraction of the total variance along each component. */
  explained: Float64Array;
}

/**
 * The k leading principal components of the N rows of X (N x d).
 *
 * @throws Error when N < 2 or k is not in 1..d.
 */
export function principalComponents(X: Float64Array, N: number, d: number, k: number): PrincipalComponents {
  if (!Number.isInteger(N) || N < 2) throw new Error(`principalComponents: need at least 2 states, got ${N}`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`principalComponents: k must be in 1..${d}, got ${k}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= N;
  const C = Matrix.zeros(d, d);
  const row = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < d; j++) row[j] = X[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) C.set(a, b, C.get(a, b) + ra * row[b]!);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = C.get(a, b) / (N - 1);
      C.set(a, b, v);
      C.set(b, a, v);
    }
  }
  const evd = new EigenvalueDecomposition(C, { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const order = vals.map((_, i) => i).sort((a, b) => vals[b]! - vals[a]!);
  const total = vals.reduce((s, v) => s + Math.max(v, 0), 0);
  const components = new Float64Array(k * d);
  const variance = new Float64Array(k);
  const explained = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const col = order[c]!;
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(V.get(j, col)) > Math.abs(big)) big = V.get(j, col);
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * V.get(j, col);
    variance[c] = vals[col]!;
    explained[c] = total > 0 ? vals[col]! / total : 0;
  }
  return { mean, components, variance, explained };
}

/** The coordinates of the rows of X (N x d) along the components: N x k row-major. */
export function project(pc: PrincipalComponents, X: Float64Array, N: number, d: number): Float64Array {
  const k = pc.variance.length;
  const out = new Float64Array(N * k);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (X[i * d + j]! - pc.mean[j]!) * pc.components[c * d + j]!;
      out[i * k + c] = s;
    }
  }
  return out;
}
