/**
 * The float32 LSTM's whole-run kernels (kernels.ts slstm_forward, slstm_backward; one share below
 * shareMinRows rows, two above; one share with peepholes) against the TypeScript step of the same
 * float32 cell (the cell without its kernels, on the same heap arrays): the same bits in h and c,
 * the records, the loss, every gradient (peepholes included), dL/ds_0 and the kept dL/dh_t, dL/dc_t,
 * for both cells (the 1997 cell with its carousel and scaled sigmoids, the forget-gate cell), with
 * and without peepholes, losses on the last and on every step, odd and even n, batches of one and
 * two shares, and products on every route blas.ts sgemm takes (the plain loops, the blocked kernel,
 * sums longer than KC = 256). The per-step norms are the same bits with one share and agree to
 * float64 round-off with two. And the same bits on one thread and on two.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { ABI } from '../../src/linalg/wasm.ts';
import { createLstm, lstmFromParameters, type Lstm } from '../../src/models/lstm.ts';
import type { LstmConfig } from '../../src/models/lstm-layout.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { expectSameBits, expectThreadIndependent, randomRunData, runKept, stepOnly } from '../helpers/float32.ts';

const VARIANTS: Array<{ label: string; cfg: Partial<LstmConfig> }> = [
  { label: '1997 cell (CEC)', cfg: { forgetGate: false, peepholes: false } },
  { label: '1997 cell, scaled sigmoids, peepholes', cfg: { forgetGate: false, peepholes: true, squash: 'scaled-sigmoid' } },
  { label: 'forget-gate cell', cfg: { forgetGate: true, peepholes: false } },
  { label: 'forget-gate cell + peepholes', cfg: { forgetGate: true, peepholes: true } },
];

function model(cfg: Partial<LstmConfig>, n: number, m: number, seed: number): Lstm<Float32Array> {
  const rng = new Rng(seed);
  const init = createLstm({ n, m, ...cfg, inputBias: -0.5, outputBias: -0.5 }, rng);
  rng.fillNormal(init.b, 0, 0.5);
  for (const p of [init.pi, init.pf, init.po]) rng.fillNormal(p, 0, 0.3);
  return lstmFromParameters({ n, m, ...cfg, precision: 'float32' }, init.theta);
}

const CASES: [n: number, m: number, B: number, T: number, what: string][] = [
  [1, 1, 1, 9, 'n = 1, B = 1: one lane'],
  [5, 2, 1, 20, 'n = 5, B = 1: one share, plain loops, odd n'],
  [13, 3, 3, 15, 'n = 13, B = 3: one share'],
  [5, 2, 9, 20, 'n = 5, B = 9: two shares of 4 and 5 rows (one with peepholes)'],
  [32, 4, 32, 8, 'n = 32, B = 32: two shares, products through the blocked kernel'],
  [75, 2, 1, 4, 'n = 75, B = 1: the backward sum over 3n or 4n = 225, 300 terms in one (the plain loops)'],
  [75, 0, 8, 3, 'n = 75, m = 0, B = 8: sums over 300 terms in blocks of 256 (the blocked kernel)'],
];

for (const { label, cfg } of VARIANTS) {
  for (const [kind, steps, p] of [['squared-error', 'last', undefined], ['cross-entropy', 'all', 3]] as const) {
    test(`float32 LSTM kernels give the TypeScript step's bits: ${label}, ${kind} on ${steps}`, (t) => {
      for (const [n, m, B, T, what] of CASES) {
        const lstm = model(cfg, n, m, 11 + n + B);
        const rng = new Rng(12 + n);
        const { x, s0 } = randomRunData(lstm, B, T, rng);
        const readout = randomReadout(n, p, rng);
        const loss = randomLoss(kind, steps, p ?? n, B, T, rng);
        const k = runKept(lstm, B, T, x, s0, loss, readout);
        const s = runKept(stepOnly(lstm), B, T, x, s0, loss, readout);
        expectSameBits(t, k, s, what, B < ABI.routes.shareMinRows || lstm.peepholes, ['gates', 'hc']);
      }
    });
  }
}

test('float32 LSTM kernels give the same bits on one thread and on two', async (t) => {
  const n = 64, m = 1, B = 16, T = 40;
  const lstm = model({ forgetGate: true, peepholes: false }, n, m, 5);
  const rng = new Rng(6);
  const { x, s0 } = randomRunData(lstm, B, T, rng);
  for (const [loss, readout] of [[randomLoss('squared-error', 'last', n, B, T, rng), null], [randomLoss('cross-entropy', 'all', 4, B, T, rng), randomReadout(n, 4, rng)]] as const) {
    await expectThreadIndependent(t, () => runKept(lstm, B, T, x, s0, loss, readout));
  }
});
