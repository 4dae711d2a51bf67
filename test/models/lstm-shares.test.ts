/**
 * LSTM batches of 8 rows or more run the forward pass and BPTT as two shares of rows in whole-run
 * WebAssembly kernels (kernels.ts lstm_forward, lstm_backward), the second share on the worker
 * thread when the work is large. Checked: every cell variant against the one-row route (batch rows
 * are independent, so the batch's states are the rows' states and its gradient the mean of the
 * rows' gradients) and against the TypeScript loop (inputs outside the kernel heap), the shares'
 * gradient against central differences, and the same bits on one thread and on two.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { backward, createGradients, createLstm, createTape, forward, lossValue, type Lstm, type LstmLoss } from '../../src/models/lstm.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
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

const LOSSES = [
  { kind: 'squared-error' as const, steps: 'last' as const },
  { kind: 'cross-entropy' as const, steps: 'all' as const },
];

for (const v of VARIANTS) {
  for (const lc of LOSSES) {
    test(`two-share BPTT (B = 9) matches central differences and the TypeScript loop: forget gate ${v.forgetGate}, peepholes ${v.peepholes}, ${v.squash}, ${lc.kind} on ${lc.steps}`, (t) => {
      const n = 5;
      const m = 2;
      const B = 9;
      const T = 7;
      const lstm = make(v, n, m, 41);
      const rng = new Rng(42);
      const xPlain = rng.fillNormal(new Float64Array(T * B * m));
      const x = allocF64(T * B * m);
      x.set(xPlain);
      const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
      const c0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
      const nS = lc.steps === 'last' ? 1 : T;
      const loss: LstmLoss = lc.kind === 'squared-error'
        ? { ...lc, targets: rng.fillNormal(new Float64Array(nS * B * 2)) }
        : { ...lc, labels: Int32Array.from({ length: nS * B }, () => rng.int(2)) };
      const pass = (xs: Float64Array) => {
        const tape = createTape(lstm, B, T);
        const grads = createGradients(lstm, B, T);
        forward(lstm, xs, tape, { h0, c0 });
        const L = backward(lstm, tape, xs, loss, grads);
        return { tape, grads, L };
      };
      const shares = pass(x);
      const loop = pass(xPlain);
      t.true(Math.abs(shares.L - loop.L) < TOL.roundoff * Math.abs(loop.L), 'loss');
      for (const f of ['theta', 'dh', 'dc', 'hNorms', 'cNorms'] as const) {
        t.true(maxRelativeError(shares.grads[f], loop.grads[f], 1e-12) < TOL.roundoff, `${f} against the loop: ${maxRelativeError(shares.grads[f], loop.grads[f], 1e-12)}`);
      }
      const f = (): number => {
        const tape = createTape(lstm, B, T);
        forward(lstm, x, tape, { h0, c0 });
        return lossValue(lstm, tape, loss);
      };
      const err = gradientError(shares.grads.theta, fivePointGradient(lstm.theta, f));
      t.true(err < TOL.finiteDifference, `dL/dtheta: relative error ${err}`);
    });
  }
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
