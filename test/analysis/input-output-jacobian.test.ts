/**
 * The input-output Jacobian of deep MLPs: exact cases (orthogonal linear networks are isometries:
 * every singular value 1), finite differences of an independent forward pass for every layer kind
 * (tanh, ReLU, residual, batch norm in inference mode, through the readout), and the mean squared
 * singular value of Gaussian linear networks (exactly 1 in expectation at any width and depth).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { Mlp } from '../../src/models/mlp.ts';
import { inputOutputJacobian, jacobianSpectrumVariance, singularValues, spectrumMoments } from '../../src/analysis/input-output-jacobian.ts';
import { fivePointGradient } from '../helpers/finite-differences.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

test('an orthogonal linear network of any depth is an isometry: every singular value of J is 1', (t) => {
  for (const [N, L] of [[16, 1], [32, 8], [48, 30]] as const) {
    const net = new Mlp({ inputSize: N, width: N, depth: L, outputSize: 3, activation: 'identity', init: 'orthogonal' }, new Rng(L));
    const x = new Rng(7).fillNormal(new Float64Array(N));
    const s = singularValues(inputOutputJacobian(net, x).J, N, N);
    t.is(s.length, N);
    for (const v of s) t.true(Math.abs(v - 1) < TOL.roundoff * L, `N = ${N}, L = ${L}: s = ${v}`);
  }
  t.deepEqual(Array.from(singularValues(new Float64Array([3, 0, 0, 4]), 2, 2)), [4, 3]);
});

/** h_L (or the logits) of the network at x in inference mode, written independently of the Jacobian code. */
function reference(net: Mlp, x: Float64Array, stats: ReturnType<Mlp['batchNormStatistics']> | null, through: 'hidden' | 'output'): Float64Array {
  let h = Float64Array.from(x);
  for (let l = 0; l <= net.depth; l++) {
    const L = net.layers[l]!;
    const out = new Float64Array(L.nOut);
    for (let i = 0; i < L.nOut; i++) {
      let a = L.b ? L.b[i]! : 0;
      for (let j = 0; j < L.nIn; j++) a += L.W[i * L.nIn + j]! * h[j]!;
      if (l === net.depth) {
        out[i] = a;
        continue;
      }
      const st = stats?.[l];
      const z = L.gamma && st ? (L.gamma[i]! * (a - st.mean[i]!)) / Math.sqrt(st.variance[i]! + net.bnEpsilon) + L.beta![i]! : a;
      out[i] = (L.residual ? h[i]! : 0) + L.activation.f(z);
    }
    if (l === net.depth && through === 'hidden') return h;
    h = out;
  }
  return h;
}

test('J against five-point differences: tanh, ReLU (off its kinks), residual, batch norm, through the readout', (t) => {
  const cases = [
    { activation: 'tanh', init: 'xavier', residual: false, batchNorm: false, through: 'hidden' },
    { activation: 'relu', init: 'he', residual: false, batchNorm: false, through: 'output' },
    { activation: 'tanh', init: 'gaussian', residual: true, batchNorm: false, through: 'hidden' },
    { activation: 'sigmoid', init: 'xavier', residual: false, batchNorm: true, through: 'output' },
    { activation: 'x / (1 + abs(x))', init: 'gaussian', residual: true, batchNorm: true, through: 'hidden' },
  ] as const;
  for (const c of cases) {
    const d = 5;
    const net = new Mlp({ inputSize: d, width: 6, depth: 4, outputSize: 3, activation: c.activation, init: c.init, residual: c.residual, batchNorm: c.batchNorm }, new Rng(3));
    // gamma and beta away from their initial 1 and 0, so batch norm's scale and shift are exercised
    const rng = new Rng(4);
    for (const L of net.layers) {
      if (L.gamma) for (let i = 0; i < L.gamma.length; i++) L.gamma[i] = 0.5 + rng.uniformIn(0, 1);
      if (L.beta) for (let i = 0; i < L.beta.length; i++) L.beta[i] = rng.uniformIn(-0.3, 0.3);
    }
    const batch = rng.fillNormal(new Float64Array(16 * d));
    const stats = c.batchNorm ? net.batchNormStatistics(batch, 16) : null;
    const x = rng.fillNormal(new Float64Array(d));
    const { J, rows, cols } = inputOutputJacobian(net, x, { through: c.through, ...(stats ? { batchNorm: stats } : {}) });
    t.is(cols, d);
    t.is(rows, c.through === 'hidden' ? 6 : 3);
    for (let i = 0; i < rows; i++) {
      const fd = fivePointGradient(x, () => reference(net, x, stats, c.through)[i]!);
      const row = J.subarray(i * d, (i + 1) * d);
      t.true(maxRelativeError(row, fd, TOL.lstmAbsoluteFloor) < TOL.finiteDifference, `${c.activation} row ${i}`);
    }
  }
});

test('Gaussian linear networks: E[mean of s^2] = 1 at every depth (sample mean over 24 networks within 4 standard errors)', (t) => {
  const N = 24;
  for (const L of [4, 16]) {
    const means: number[] = [];
    for (let k = 0; k < 24; k++) {
      const net = new Mlp({ inputSize: N, width: N, depth: L, outputSize: 1, activation: 'identity', init: 'gaussian' }, new Rng(100 + k));
      means.push(spectrumMoments(singularValues(inputOutputJacobian(net, new Float64Array(N).fill(1)).J, N, N)).meanSquared);
    }
    const m = means.reduce((a, b) => a + b, 0) / means.length;
    const sd = Math.sqrt(means.reduce((a, b) => a + (b - m) ** 2, 0) / (means.length - 1));
    t.true(Math.abs(m - 1) < (TOL.statisticalSigmas * sd) / Math.sqrt(means.length), `L = ${L}: mean ${m}, sd ${sd}`);
  }
});

test('the free-probability variance of J J^T: L for linear Gaussian, 0 for linear orthogonal, 2L and L for ReLU', (t) => {
  t.is(jacobianSpectrumVariance(1, 1, 10, 'gaussian'), 10);
  t.is(jacobianSpectrumVariance(1, 1, 10, 'orthogonal'), 0);
  t.is(jacobianSpectrumVariance(0.5, 0.5, 10, 'gaussian'), 20);
  t.is(jacobianSpectrumVariance(0.5, 0.5, 10, 'orthogonal'), 10);
});

test('a wrong input length and a batch-norm network without statistics are refused', (t) => {
  const net = new Mlp({ inputSize: 3, width: 4, depth: 2, outputSize: 2, activation: 'tanh', init: 'xavier', batchNorm: true }, new Rng(1));
  t.throws(() => inputOutputJacobian(net, new Float64Array(2)), { message: /3 entries/ });
  t.throws(() => inputOutputJacobian(net, new Float64Array(3)), { message: /batch norm/ });
});
