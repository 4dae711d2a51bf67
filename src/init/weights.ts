/**
 * Named weight initialisations, each drawing from a seeded `Rng`. Matrices are row-major
 * Float64Array of rows x cols; fanIn = cols, fanOut = rows (W maps a cols-vector to a rows-vector).
 *
 * - gaussian:   N(0, gain^2 / fanIn) (the random-network scaling of Sompolinsky et al. 1988)
 * - standard-normal: N(0, gain^2)
 * - xavier:     N(0, gain^2 * 2 / (fanIn + fanOut)) (Glorot and Bengio 2010)
 * - xavier-uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut))
 * - he:         N(0, gain^2 * 2 / fanIn) (He et al. 2015)
 * - orthogonal: gain * Q, Q from the QR of a Gaussian matrix with sign fix (Saxe et al. 2013)
 * - identity:   gain * I (IRNN, Le, Jaitly and Hinton 2015)
 * - uniform:    U(-gain / sqrt(fanIn), gain / sqrt(fanIn))
 * - uniform-fixed: U(-gain, gain) whatever the fan-in (Hochreiter and Schmidhuber 1997: "weights
 *               initialized in [-0.2, 0.2]" is uniform-fixed with gain 0.2)
 * - kumar:      N(0, (gain * 3.6 / sqrt(fanIn))^2) for the logistic function (Kumar 2017): the
 *               paper's formula v^2 = 1 / (N f'(0)^2 (1 + f(0)^2)) gives 12.8 / N for the sigmoid
 *               (f(0) = 1/2, f'(0) = 1/4), a standard deviation of about 3.6 / sqrt(N)
 * - kumar-variance: N(0, gain^2 * 3.6 / fanIn): variance 3.6 / N, what Kumar's published code
 *               draws (a 3.6 that the paper gives as the standard deviation's factor)
 * - yilmaz-poli: N(max(-1, -8 / fanIn), gain^2 / fanIn) for the logistic function: a negative
 *                mean keeps sigmoid units out of saturation (Yilmaz and Poli 2022)
 * - zeros
 */
import { Matrix, QrDecomposition } from 'ml-matrix';
import type { Rng } from './rng.ts';

export const INITIALISATIONS = [
  'gaussian',
  'standard-normal',
  'xavier',
  'xavier-uniform',
  'he',
  'orthogonal',
  'identity',
  'uniform',
  'uniform-fixed',
  'kumar',
  'kumar-variance',
  'yilmaz-poli',
  'zeros',
] as const;
export type InitName = (typeof INITIALISATIONS)[number];

export function initWeights(name: InitName, rows: number, cols: number, rng: Rng, gain = 1): Float64Array {
  const out = new Float64Array(rows * cols);
  const fanIn = cols;
  const fanOut = rows;
  switch (name) {
    case 'gaussian':
      return rng.fillNormal(out, 0, gain / Math.sqrt(fanIn));
    case 'standard-normal':
      return rng.fillNormal(out, 0, gain);
    case 'xavier':
      return rng.fillNormal(out, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'xavier-uniform': {
      const a = gain * Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-a, a);
      return out;
    }
    case 'he':
      return rng.fillNormal(out, 0, gain * Math.sqrt(2 / fanIn));
    case 'orthogonal':
      return orthogonal(rows, cols, rng, gain);
    case 'identity':
      for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = gain;
      return out;
    case 'uniform': {
      const a = gain / Math.sqrt(fanIn);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-a, a);
      return out;
    }
    case 'uniform-fixed':
      for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-gain, gain);
      return out;
    case 'kumar':
      return rng.fillNormal(out, 0, (gain * 3.6) / Math.sqrt(fanIn));
    case 'kumar-variance':
      return rng.fillNormal(out, 0, gain * Math.sqrt(3.6 / fanIn));
    case 'yilmaz-poli':
      return rng.fillNormal(out, Math.max(-1, -8 / fanIn), gain / Math.sqrt(fanIn));
    case 'zeros':
      return out;
  }
}

/**
 * gain * Q with orthonormal rows or columns (whichever is fewer), Q from the QR decomposition of a
 * standard Gaussian matrix with the signs of R's diagonal absorbed, so Q is Haar-distributed
 * (Mezzadri 2007).
 */
export function orthogonal(rows: number, cols: number, rng: Rng, gain = 1): Float64Array {
  const tall = rows >= cols;
  const r = tall ? rows : cols;
  const c = tall ? cols : rows;
  const g = new Matrix(r, c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) g.set(i, j, rng.normal());
  const qr = new QrDecomposition(g);
  const Q = qr.orthogonalMatrix; // r x r
  const R = qr.upperTriangularMatrix;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const s = R.get(j, j) < 0 ? -1 : 1;
      const v = gain * s * Q.get(i, j);
      if (tall) out[i * cols + j] = v;
      else out[j * cols + i] = v;
    }
  }
  return out;
}

/**
 * sigma_w^2 = fanIn Var(W) of a square layer of the given width, for the zero-mean i.i.d.
 * initialisations (orthogonal counts as its entries' variance); null for the others. The mean-field
 * theory's weight scale (src/analysis/mean-field.ts meanFieldChi).
 *
 * @example weightVarianceScale('he', 100, 1) // 2
 */
export function weightVarianceScale(init: InitName, width: number, gain: number): number | null {
  const g2 = gain * gain;
  switch (init) {
    case 'gaussian':
      return g2;
    case 'standard-normal':
      return g2 * width;
    case 'xavier':
    case 'xavier-uniform':
    case 'orthogonal':
      return g2;
    case 'he':
      return 2 * g2;
    case 'uniform':
      return g2 / 3;
    case 'uniform-fixed':
      return (g2 * width) / 3;
    case 'kumar':
      return g2 * 3.6 * 3.6;
    case 'kumar-variance':
      return g2 * 3.6;
    default:
      return null;
  }
}
