/**
 * The float32 GRU's whole-run kernels (kernels.ts sgru_forward, sgru_backward; one share below
 * shareMinRows rows, two above) against the TypeScript step of the same float32 cell (the cell
 * without its kernels, on the same heap arrays): the same bits in the states, the records, the
 * loss, every gradient, dL/dh_0 and the kept dL/dh_t, for losses on the last and on every step,
 * odd and even n (the odd last column through lane 0), batches of one and two shares, and products
 * on every route blas.ts sgemm takes (the plain loops, the blocked kernel, and sums longer than
 * KC = 256, 3n = 300 in the backward product). The per-step norms are the same bits with one share
 * and agree to float64 round-off with two (each share's sum of squares, then their hypot). And the
 * same bits on one thread and on two.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { ABI } from '../../src/linalg/wasm.ts';
import { createGru, gruFromParameters, type Gru } from '../../src/models/gru.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { expectOffHeapStepSameBits, expectSameBits, expectThreadIndependent, randomRunData, runKept, stepOnly } from '../helpers/float32.ts';

function model(n: number, m: number, seed: number): Gru<Float32Array> {
  const rng = new Rng(seed);
  const init = createGru({ n, m, updateBias: 0.5 }, rng);
  for (const b of [init.bx, init.bh]) rng.fillNormal(b, 0.25, 0.5);
  return gruFromParameters(n, m, init.theta, { precision: 'float32' });
}

const CASES: [n: number, m: number, B: number, T: number, what: string][] = [
  [1, 1, 1, 9, 'n = 1, B = 1: one lane'],
  [5, 2, 1, 20, 'n = 5, B = 1: one share, plain loops, odd n'],
  [13, 3, 3, 15, 'n = 13, B = 3: one share'],
  [5, 2, 9, 20, 'n = 5, B = 9: two shares of 4 and 5 rows'],
  [32, 4, 32, 12, 'n = 32, B = 32: two shares, products through the blocked kernel'],
  [100, 2, 1, 5, 'n = 100, B = 1: the backward sum over 3n = 300 terms in one (the plain loops)'],
  [100, 0, 8, 4, 'n = 100, m = 0, B = 8: sums over 300 terms in blocks of 256 (the blocked kernel)'],
];

for (const [kind, steps, p] of [['squared-error', 'last', undefined], ['cross-entropy', 'all', 3]] as const) {
  test(`float32 GRU kernels give the TypeScript step's bits: ${kind} on ${steps}`, (t) => {
    for (const [n, m, B, T, what] of CASES) {
      const gru = model(n, m, 11 + n + B);
      const rng = new Rng(12 + n);
      const { x, s0 } = randomRunData(gru, B, T, rng);
      const readout = randomReadout(n, p, rng);
      const loss = randomLoss(kind, steps, p ?? n, B, T, rng);
      const k = runKept(gru, B, T, x, s0, loss, readout);
      const s = runKept(stepOnly(gru), B, T, x, s0, loss, readout);
      expectSameBits(t, k, s, what, B < ABI.routes.shareMinRows, ['gates', 'hn']);
    }
  });
}

test('float32 GRU kernels: inputs off the kernel heap run the TypeScript step, with the same bits', (t) => {
  const n = 16, m = 2, B = 8, T = 10;
  const gru = model(n, m, 3);
  const rng = new Rng(4);
  const { xs, s0 } = randomRunData(gru, B, T, rng);
  const loss = randomLoss('squared-error', 'last', n, B, T, rng);
  expectOffHeapStepSameBits(t, gru, B, T, xs, s0, loss);
});

test('float32 GRU kernels give the same bits on one thread and on two', async (t) => {
  const n = 64, m = 1, B = 16, T = 50;
  const gru = model(n, m, 5);
  const rng = new Rng(6);
  const { x, s0 } = randomRunData(gru, B, T, rng);
  for (const [loss, readout] of [[randomLoss('squared-error', 'last', n, B, T, rng), null], [randomLoss('cross-entropy', 'all', 4, B, T, rng), randomReadout(n, 4, rng)]] as const) {
    await expectThreadIndependent(t, () => runKept(gru, B, T, x, s0, loss, readout));
  }
});
