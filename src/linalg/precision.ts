/**
 * The two working precisions. 'float64' (IEEE binary64, the default everywhere, so every existing
 * result stays as it was) and 'float32' (binary32, PyTorch's default dtype): a float32 run keeps
 * every stored value (weights, states, records, gradients) in a Float32Array and accumulates its
 * products in float32 (kernels.ts `sgemm`, f32x4 lanes). Elementwise formulas (tanh, f'(a)) are
 * evaluated in float64 and rounded once when stored, at least as accurate as float32 arithmetic.
 *
 * Unit roundoff u = 2^-p for p significand bits (Higham 2002, "Accuracy and Stability of Numerical
 * Algorithms", sec. 2.1): fl(x) = x (1 + d), |d| <= u.
 *
 * @example UNIT_ROUNDOFF.float32 // 5.960464477539063e-8
 */
export type Precision = 'float64' | 'float32';

/** A vector in either precision. */
export type Real = Float64Array | Float32Array;

/** u = 2^-53 (float64), 2^-24 (float32). */
export const UNIT_ROUNDOFF: Readonly<Record<Precision, number>> = { float64: 2 ** -53, float32: 2 ** -24 };

/** The precision of a vector. */
export function precisionOf(a: Real): Precision {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

/** A plain (off-heap) zero vector of n entries in the given precision. */
export function realArray(precision: Precision, n: number): Real {
  return precision === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/**
 * A float64 vector in the given precision: v itself for float64, rounded once to float32 (a new
 * plain array) for float32.
 *
 * @example inPrecision('float32', new Float64Array([0.1]))[0] // 0.10000000149011612
 */
export function inPrecision(precision: Precision, v: Float64Array): Real {
  return precision === 'float32' ? Float32Array.from(v) : v;
}
