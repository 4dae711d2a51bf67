/**
 * The float32 RNN's whole-run kernels (kernels.ts srnn_forward, srnn_backward; one share below
 * shareMinRows rows, two above) against the TypeScript step of the same float32 cell (the cell
 * without its kernels, on the same heap arrays): the same bits in the states, the loss, every
 * gradient, dL/dh_0 and the kept dL/dh_t, for the four built-in activations, losses on the last and
 * on every step, batches of one and two shares, and products on every route blas.ts sgemm takes
 * (the plain loops, the blocked kernel, and k = 300 > KC = 256, where the two sum in different
 * orders). The per-step norms are the same bits with one share and agree to float64 round-off with
 * two (each share's sum of squares, then their hypot). And the same bits on one thread and on two.
 */
import test from 'ava';
import { activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { ABI } from '../../src/linalg/wasm.ts';
import { createRnn, type Rnn } from '../../src/models/rnn.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { expectOffHeapStepSameBits, expectSameBits, expectThreadIndependent, randomRunData, runKept, stepOnly } from '../helpers/float32.ts';

function model(act: string, n: number, m: number, seed: number): Rnn<Float32Array> {
  const rng = new Rng(seed);
  return createRnn({
    n,
    m,
    W: rng.fillNormal(new Float64Array(n * n), 0, 1.1 / Math.sqrt(n)),
    U: rng.fillNormal(new Float64Array(n * m), 0, 0.8 / Math.sqrt(m)),
    b: rng.fillNormal(new Float64Array(n), 0, 0.3),
    activation: activation(act),
    precision: 'float32',
  });
}

const CASES: [n: number, m: number, B: number, T: number, what: string][] = [
  [5, 2, 1, 20, 'B = 1: one share, plain loops'],
  [13, 3, 3, 15, 'B = 3: one share'],
  [5, 2, 9, 20, 'B = 9: two shares of 4 and 5 rows'],
  [64, 4, 32, 12, 'B = 32: two shares, products through the blocked kernel'],
  [300, 2, 1, 5, 'n = 300, B = 1: one sum over all 300 terms (the plain loops)'],
  [300, 2, 8, 4, 'n = 300, B = 8: sums in blocks of 256 (the blocked kernel)'],
];

for (const act of ['tanh', 'sigmoid', 'relu', 'identity']) {
  for (const [kind, steps, p] of [['squared-error', 'last', undefined], ['cross-entropy', 'all', 3]] as const) {
    test(`float32 kernels give the TypeScript step's bits: ${act}, ${kind} on ${steps}`, (t) => {
      for (const [n, m, B, T, what] of CASES) {
        const rnn = model(act, n, m, 11 + n + B);
        const rng = new Rng(12 + n);
        const { x, s0 } = randomRunData(rnn, B, T, rng);
        const readout = randomReadout(n, p, rng);
        const loss = randomLoss(kind, steps, p ?? n, B, T, rng);
        const k = runKept(rnn, B, T, x, s0, loss, readout);
        const s = runKept(stepOnly(rnn), B, T, x, s0, loss, readout);
        expectSameBits(t, k, s, what, B < ABI.routes.shareMinRows);
      }
    });
  }
}

test('float32 kernels: inputs off the kernel heap run the TypeScript step, with the same bits', (t) => {
  const n = 16, m = 2, B = 8, T = 10;
  const rnn = model('tanh', n, m, 3);
  const rng = new Rng(4);
  const { xs, s0 } = randomRunData(rnn, B, T, rng);
  const loss = randomLoss('squared-error', 'last', n, B, T, rng);
  expectOffHeapStepSameBits(t, rnn, B, T, xs, s0, loss);
});

test('float32 kernels give the same bits on one thread and on two', async (t) => {
  const n = 64, m = 1, B = 16, T = 50;
  const rnn = model('tanh', n, m, 5);
  const rng = new Rng(6);
  const { x, s0 } = randomRunData(rnn, B, T, rng);
  for (const [loss, readout] of [[randomLoss('squared-error', 'last', n, B, T, rng), null], [randomLoss('cross-entropy', 'all', 4, B, T, rng), randomReadout(n, 4, rng)]] as const) {
    await expectThreadIndependent(t, () => runKept(rnn, B, T, x, s0, loss, readout));
  }
});
