/**
 * LSTM batches of 8 rows or more run the forward pass as two shares of rows in a whole-run
 * WebAssembly kernel (kernels.ts lstm_forward), the second share on the worker thread when the work
 * is large. Checked: every cell variant against the one-row route (batch rows are independent, so
 * the batch's states are the rows' states and its gradient the mean of the rows' gradients), and
 * the same bits on one thread and on two.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { backward, createGradients, createLstm, createTape, forward, type Lstm, type LstmLoss } from '../../src/models/lstm.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

const VARIANTS = [
  { forgetGate: true, peepholes: false, squash: 'tanh' as const },
  { forgetGate: false, peepholes: false, squash: 'tanh' as const },
  { forgetGate: true, peepholes: true, squash: 'tanh' as const },
  { forgetGate: false, peepholes: true, squash: 'scaled-sigmoid' as const },
];

function make(v: (typeof VARIANTS)[number], n: number, m: number, seed: number): Lstm {
  const lstm = createLstm({ n, m, p: 2, ...v, gain: 1.2 }, new Rng(seed));
  // peepholes start at 0: give them values so that their terms are exercised
  const rng = new Rng(seed + 1);
  for (const w of [lstm.pi, lstm.pf, lstm.po]) for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.5;
  return lstm;
}

function run(lstm: Lstm, B: number, T: number, x: Float64Array, targets: Float64Array) {
  const tape = createTape(lstm, B, T);
  const grads = createGradients(lstm, B, T);
  forward(lstm, x, tape);
  const loss: LstmLoss = { kind: 'squared-error', steps: 'all', targets };
  const L = backward(lstm, tape, x, loss, grads);
  return { tape, grads, L };
}

for (const v of VARIANTS) {
  test(`two shares (B = 9) equal the rows run one at a time: forget gate ${v.forgetGate}, peepholes ${v.peepholes}, ${v.squash}`, (t) => {
    const n = 7;
    const m = 2;
    const B = 9;
    const T = 12;
    const lstm = make(v, n, m, 3);
    const rng = new Rng(4);
    const x = rng.fillNormal(allocF64(T * B * m));
    const targets = rng.fillNormal(allocF64(T * B * 2));
    const batch = run(lstm, B, T, x, targets);
    const mean = new Float64Array(lstm.theta.length);
    for (let r = 0; r < B; r++) {
      const xr = allocF64(T * m);
      const yr = allocF64(T * 2);
      for (let s = 0; s < T; s++) {
        for (let k = 0; k < m; k++) xr[s * m + k] = x[(s * B + r) * m + k]!;
        for (let k = 0; k < 2; k++) yr[s * 2 + k] = targets[(s * B + r) * 2 + k]!;
      }
      const one = run(lstm, 1, T, xr, yr);
      let worst = 0;
      for (let s = 0; s <= T; s++) {
        for (let j = 0; j < n; j++) {
          const hb = batch.tape.h[(s * B + r) * n + j]!;
          const cb = batch.tape.c[(s * B + r) * n + j]!;
          worst = Math.max(worst, Math.abs(hb - one.tape.h[s * n + j]!), Math.abs(cb - one.tape.c[s * n + j]!) / Math.max(1, Math.abs(cb)));
        }
      }
      t.true(worst < TOL.roundoff, `row ${r}: states differ by ${worst}`);
      for (let i = 0; i < mean.length; i++) mean[i]! += one.grads.theta[i]! / B;
    }
    t.true(maxRelativeError(batch.grads.theta, mean, 1e-12) < TOL.roundoff, 'the batch gradient is the mean of the rows\' gradients');
  });
}

test('LSTM two shares give the same bits on one thread and on two', async (t) => {
  const n = 48;
  const B = 16;
  const T = 40;
  const lstm = make(VARIANTS[0]!, n, 1, 8);
  const rng = new Rng(9);
  const x = rng.fillNormal(allocF64(T * B));
  const targets = rng.fillNormal(allocF64(T * B * 2));
  setGemmThreads(1);
  const one = run(lstm, B, T, x, targets);
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
  const two = run(lstm, B, T, x, targets);
  setGemmThreads('auto');
  for (const f of ['h', 'c', 'gates', 'hc'] as const) t.deepEqual(Array.from(two.tape[f]), Array.from(one.tape[f]), f);
  t.deepEqual(Array.from(two.grads.theta), Array.from(one.grads.theta), 'gradients');
  t.is(two.L, one.L);
});
