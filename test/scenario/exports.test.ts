/**
 * The public API (src/index.ts) reaches the cells, the BPTT driver and the analysis: a GRU from
 * PyTorch-shaped tensors, run and analysed through the package's entry point only.
 */
import test from 'ava';
import { createTape, entropyRate, forward, gruFromTorch, jacobian, kaplanYorkeDimension, lyapunovSpectrum, productNorms, sigmaMax, stateSize } from '../../src/index.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

test('src/index.ts: a GRU with Wh = 0 from tensors, its product norms (prod z) and its exponents (ln z)', (t) => {
  const n = 3;
  const bz = [1, -0.5, 2];
  const zero = (len: number) => new Float64Array(len);
  // b_iz + b_hz = bz: z = sigma(bz) with no input and Wh = 0
  const bias_ih = zero(3 * n);
  bz.forEach((v, j) => (bias_ih[n + j] = v));
  const gru = gruFromTorch(n, 1, { weight_ih: zero(3 * n), weight_hh: zero(3 * n * n), bias_ih, bias_hh: zero(3 * n) });
  t.is(stateSize(gru), n);
  const z = bz.map((v) => 1 / (1 + Math.exp(-v)));
  const tape = createTape(gru, 1, 10);
  forward(gru, zero(10), tape, { s0: { h: Float64Array.from([0.3, -0.2, 0.5]) } });
  t.true(relativeError(sigmaMax(jacobian(gru, tape, 10, 0), n), Math.max(...z)) < TOL.exactCase);
  const pn = productNorms(gru, tape);
  t.true(relativeError(pn.norms[9]!, Math.max(...z) ** 10) < TOL.exactCase);
  const res = lyapunovSpectrum(gru, { k: n, steps: 300, s0: {} });
  const expected = z.map(Math.log).sort((a, b) => b - a);
  for (let i = 0; i < n; i++) t.true(Math.abs(res.exponents[i]! - expected[i]!) <= TOL.exactCase);
  t.is(entropyRate(res.exponents), 0);
  t.is(kaplanYorkeDimension(res.exponents), 0);
});
