/**
 * GRU batches of 8 rows or more run forward and BPTT as two shares of rows in whole-run
 * WebAssembly kernels (kernels.ts gru_forward, gru_backward), the second share on the worker thread
 * when the work is large. Checked: against the TypeScript steps (inputs outside the kernel heap)
 * and against central differences, over several deferred runs, for each row run on its own (rows
 * are independent: the batch gradient is the mean of the rows'), and the same bits on one thread
 * and on two.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { createGru, type Gru } from '../../src/models/gru.ts';
import { createReadout, type Readout, type SequenceLoss } from '../../src/models/readout.ts';
import { heap, lossOf, randomLoss, runCell } from '../helpers/cells.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

function make(n: number, m: number, seed: number): { gru: Gru; ro: Readout } {
  const rng = new Rng(seed);
  const gru = createGru({ n, m, gain: 1.2, updateBias: 0.5 }, rng);
  // non-zero biases, so that every bias term is exercised
  new Rng(seed + 1).fillNormal(gru.bh, 0, 0.3);
  return { gru, ro: createReadout(n, 2, initWeights('xavier-uniform', 2, n, rng)) };
}

for (const [kind, steps] of [['squared-error', 'last'], ['cross-entropy', 'all']] as const) {
  test(`two-share BPTT (B = 9) matches the TypeScript steps and central differences: ${kind} on ${steps}`, (t) => {
    const n = 5;
    const m = 2;
    const B = 9;
    const T = 7;
    const { gru, ro } = make(n, m, 41);
    const rng = new Rng(42);
    const xPlain = rng.fillNormal(new Float64Array(T * B * m));
    const x = heap(xPlain);
    const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
    const loss = randomLoss(kind, steps, 2, B, T, rng);
    const shares = runCell(gru, B, T, x, { h: h0 }, loss, ro);
    const loop = runCell(gru, B, T, xPlain, { h: h0 }, loss, ro);
    t.true(gru.kernels!.applies(shares.tape, x) && !gru.kernels!.applies(loop.tape, xPlain), 'one run on each route');
    t.true(Math.abs(shares.L - loop.L) < TOL.roundoff * Math.abs(loop.L), 'loss');
    t.true(maxRelativeError(shares.tape.states.h, loop.tape.states.h, 1e-12) < TOL.roundoff, 'states');
    for (const [f, a, b] of [['theta', shares.grads.theta, loop.grads.theta], ['readout', shares.grads.readout!, loop.grads.readout!], ['h0', shares.grads.s0.h, loop.grads.s0.h], ['norms', shares.grads.norms.h, loop.grads.norms.h]] as const) {
      t.true(maxRelativeError(a, b, 1e-12) < TOL.roundoff, `${f} against the steps: ${maxRelativeError(a, b, 1e-12)}`);
    }
    const f = (): number => lossOf(gru, B, T, x, { h: h0 }, loss, ro);
    const err = gradientError(shares.grads.theta, fivePointGradient(gru.theta, f));
    t.true(err < TOL.finiteDifference, `dL/dtheta: relative error ${err}`);
  });
}

test('two shares over several deferred runs (B = 100, T = 37) equal the rows run one at a time', (t) => {
  const n = 4;
  const m = 2;
  const B = 100;
  const T = 37;
  const { gru, ro } = make(n, m, 3);
  const rng = new Rng(4);
  const x = rng.fillNormal(allocF64(T * B * m));
  const targets = rng.fillNormal(allocF64(T * B * 2));
  const loss: SequenceLoss = { kind: 'squared-error', steps: 'all', targets };
  const batch = runCell(gru, B, T, x, {}, loss, ro);
  t.true(batch.grads.work.dA.length < T * B * 6 * n, 'the runs are shorter than the sequence');
  const mean = new Float64Array(gru.theta.length);
  let worst = 0;
  for (let r = 0; r < B; r++) {
    const xr = allocF64(T * m);
    const yr = allocF64(T * 2);
    for (let s = 0; s < T; s++) {
      for (let k = 0; k < m; k++) xr[s * m + k] = x[(s * B + r) * m + k]!;
      for (let k = 0; k < 2; k++) yr[s * 2 + k] = targets[(s * B + r) * 2 + k]!;
    }
    const one = runCell(gru, 1, T, xr, {}, { kind: 'squared-error', steps: 'all', targets: yr }, ro);
    for (let s = 0; s <= T; s++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(batch.tape.states.h[(s * B + r) * n + j]! - one.tape.states.h[s * n + j]!));
    for (let i = 0; i < mean.length; i++) mean[i]! += one.grads.theta[i]! / B;
  }
  t.true(worst < TOL.roundoff, `states differ by ${worst}`);
  // sums of T B terms in another order: round-off grows with the count
  t.true(maxRelativeError(batch.grads.theta, mean, 1e-9) < TOL.roundoff * T * B, 'the batch gradient is the mean of the rows\' gradients');
});

test('GRU two shares give the same bits on one thread and on two', async (t) => {
  const n = 48;
  const B = 16;
  const T = 40;
  const { gru, ro } = make(n, 1, 8);
  const rng = new Rng(9);
  const x = rng.fillNormal(allocF64(T * B));
  const loss: SequenceLoss = { kind: 'squared-error', steps: 'all', targets: rng.fillNormal(allocF64(T * B * 2)) };
  setGemmThreads(1);
  const one = runCell(gru, B, T, x, {}, loss, ro);
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
  const two = runCell(gru, B, T, x, {}, loss, ro);
  setGemmThreads('auto');
  for (const [f, a, b] of [['h', two.tape.states.h, one.tape.states.h], ['gates', two.tape.records.gates, one.tape.records.gates], ['theta', two.grads.theta, one.grads.theta], ['norms', two.grads.norms.h, one.grads.norms.h]] as const) {
    t.deepEqual(Array.from(a), Array.from(b), f);
  }
  t.is(two.L, one.L);
});

test('two-share BPTT (B = 9) with dL/dh_t kept per step: every step as the TypeScript steps', (t) => {
  const n = 5;
  const m = 2;
  const B = 9;
  const T = 8;
  const { gru, ro } = make(n, m, 51);
  const rng = new Rng(52);
  const xPlain = rng.fillNormal(new Float64Array(T * B * m));
  const x = heap(xPlain);
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  const loss = randomLoss('cross-entropy', 'all', 2, B, T, rng);
  const shares = runCell(gru, B, T, x, { h: h0 }, loss, ro, { stateGradients: true });
  const loop = runCell(gru, B, T, xPlain, { h: h0 }, loss, ro, { stateGradients: true });
  const bn = B * n;
  for (let s = 0; s <= T; s++) {
    const a = shares.grads.perStep!.h.subarray(s * bn, (s + 1) * bn);
    const b = loop.grads.perStep!.h.subarray(s * bn, (s + 1) * bn);
    t.true(b.some((v) => v !== 0), `step ${s}: the steps' dL/dh_t is not zero`);
    t.true(maxRelativeError(a, b, 1e-12) < TOL.roundoff, `step ${s}: dL/dh_t against the steps`);
  }
});
