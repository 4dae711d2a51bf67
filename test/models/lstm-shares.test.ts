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
import { initWeights } from '../../src/init/weights.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { backward, createGradients, createTape, forward, lossValue } from '../../src/models/bptt.ts';
import { createLstm, type Lstm } from '../../src/models/lstm.ts';
import { createReadout, type Readout, type SequenceLoss } from '../../src/models/readout.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

const VARIANTS = [
  { forgetGate: true, peepholes: false, squash: 'tanh' as const },
  { forgetGate: false, peepholes: false, squash: 'tanh' as const },
  { forgetGate: true, peepholes: true, squash: 'tanh' as const },
  { forgetGate: false, peepholes: true, squash: 'scaled-sigmoid' as const },
];

/** An LSTM with a readout of 2 outputs, as a model would have. */
function make(v: (typeof VARIANTS)[number], n: number, m: number, seed: number): { lstm: Lstm; ro: Readout } {
  const rng0 = new Rng(seed);
  const lstm = createLstm({ n, m, ...v, gain: 1.2 }, rng0);
  const ro = createReadout(n, 2, initWeights('xavier-uniform', 2, n, rng0));
  // peepholes start at 0: give them values so that their terms are exercised
  const rng = new Rng(seed + 1);
  for (const w of [lstm.pi, lstm.pf, lstm.po]) for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.5;
  return { lstm, ro };
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
      const { lstm, ro } = make(v, n, m, 41);
      const rng = new Rng(42);
      const xPlain = rng.fillNormal(new Float64Array(T * B * m));
      const x = allocF64(T * B * m);
      x.set(xPlain);
      const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
      const c0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
      const nS = lc.steps === 'last' ? 1 : T;
      const loss: SequenceLoss = lc.kind === 'squared-error'
        ? { ...lc, targets: rng.fillNormal(new Float64Array(nS * B * 2)) }
        : { ...lc, labels: Int32Array.from({ length: nS * B }, () => rng.int(2)) };
      const pass = (xs: Float64Array) => {
        const tape = createTape(lstm, B, T);
        const g = createGradients(lstm, B, T, ro);
        forward(lstm, xs, tape, { s0: { h: h0, c: c0 } });
        const L = backward(lstm, tape, xs, loss, ro, g);
        const grads = { theta: g.theta, readout: g.readout!, dh: g.perStep!.h, dc: g.perStep!.c!, hNorms: g.norms.h, cNorms: g.norms.c! };
        return { tape, grads, L };
      };
      const shares = pass(x);
      const loop = pass(xPlain);
      t.true(Math.abs(shares.L - loop.L) < TOL.roundoff * Math.abs(loop.L), 'loss');
      for (const f of ['theta', 'readout', 'dh', 'dc', 'hNorms', 'cNorms'] as const) {
        t.true(maxRelativeError(shares.grads[f], loop.grads[f], 1e-12) < TOL.roundoff, `${f} against the loop: ${maxRelativeError(shares.grads[f], loop.grads[f], 1e-12)}`);
      }
      const f = (): number => {
        const tape = createTape(lstm, B, T);
        forward(lstm, x, tape, { s0: { h: h0, c: c0 } });
        return lossValue(lstm, tape, loss, ro);
      };
      const err = gradientError(shares.grads.theta, fivePointGradient(lstm.theta, f));
      t.true(err < TOL.finiteDifference, `dL/dtheta: relative error ${err}`);
      const errV = gradientError(shares.grads.readout, fivePointGradient(ro.theta, f));
      t.true(errV < TOL.finiteDifference, `dL/d(readout): relative error ${errV}`);
    });
  }
}

function run({ lstm, ro }: { lstm: Lstm; ro: Readout }, B: number, T: number, x: Float64Array, targets: Float64Array) {
  const tape = createTape(lstm, B, T);
  const grads = createGradients(lstm, B, T, ro);
  forward(lstm, x, tape);
  const loss: SequenceLoss = { kind: 'squared-error', steps: 'all', targets };
  const L = backward(lstm, tape, x, loss, ro, grads);
  return { tape, grads, L };
}

for (const v of VARIANTS) {
  test(`two shares (B = 9) equal the rows run one at a time: forget gate ${v.forgetGate}, peepholes ${v.peepholes}, ${v.squash}`, (t) => {
    const n = 7;
    const m = 2;
    const B = 9;
    const T = 12;
    const model = make(v, n, m, 3);
    const { lstm } = model;
    const rng = new Rng(4);
    const x = rng.fillNormal(allocF64(T * B * m));
    const targets = rng.fillNormal(allocF64(T * B * 2));
    const batch = run(model, B, T, x, targets);
    const mean = new Float64Array(lstm.theta.length);
    for (let r = 0; r < B; r++) {
      const xr = allocF64(T * m);
      const yr = allocF64(T * 2);
      for (let s = 0; s < T; s++) {
        for (let k = 0; k < m; k++) xr[s * m + k] = x[(s * B + r) * m + k]!;
        for (let k = 0; k < 2; k++) yr[s * 2 + k] = targets[(s * B + r) * 2 + k]!;
      }
      const one = run(model, 1, T, xr, yr);
      let worst = 0;
      for (let s = 0; s <= T; s++) {
        for (let j = 0; j < n; j++) {
          const hb = batch.tape.states.h[(s * B + r) * n + j]!;
          const cb = batch.tape.states.c![(s * B + r) * n + j]!;
          worst = Math.max(worst, Math.abs(hb - one.tape.states.h[s * n + j]!), Math.abs(cb - one.tape.states.c![s * n + j]!) / Math.max(1, Math.abs(cb)));
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
  for (const [f, a, b] of [['h', two.tape.states.h, one.tape.states.h], ['c', two.tape.states.c!, one.tape.states.c!], ['gates', two.tape.records.gates, one.tape.records.gates], ['hc', two.tape.records.hc, one.tape.records.hc]] as const) t.deepEqual(Array.from(a), Array.from(b), f);
  t.deepEqual(Array.from(two.grads.theta), Array.from(one.grads.theta), 'gradients');
  t.deepEqual(Array.from(two.grads.readout!), Array.from(one.grads.readout!), 'readout gradients');
  t.is(two.L, one.L);
});
