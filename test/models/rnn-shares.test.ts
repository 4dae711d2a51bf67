/**
 * Batches of 8 rows or more with a built-in activation run forward and BPTT as two shares of rows
 * in whole-run WebAssembly kernels (kernels.ts rnn_forward, rnn_backward), on two threads when the
 * work is large. Checked here: gradients against central differences, against the TypeScript loop
 * (which runs when the inputs are not on the kernel heap), over several deferred runs and with
 * odd batches; the same bits on one thread and on two; and per-step norms that stay finite where
 * their squares overflow.
 */
import test from 'ava';
import { activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { createRnn, type Rnn } from '../../src/models/rnn.ts';
import { gradientViews, heap, lossOf as lossValueOf, randomLoss, randomReadout, runCell } from '../helpers/cells.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';

function model(act: string, n: number, m: number, gain: number, seed: number): Rnn {
  const rng = new Rng(seed);
  return createRnn({
    n,
    m,
    W: rng.fillNormal(new Float64Array(n * n), 0, gain / Math.sqrt(n)),
    U: rng.fillNormal(new Float64Array(n * m), 0, 0.8 / Math.sqrt(m)),
    b: rng.fillNormal(new Float64Array(n), 0, 0.3),
    activation: activation(act),
  });
}

interface Case {
  loss: SequenceLoss;
  readout: Readout | null;
}

function lossOf(kind: SequenceLoss['kind'], steps: SequenceLoss['steps'], n: number, B: number, T: number, rng: Rng, p?: number): Case {
  const readout = randomReadout(n, p, rng);
  return { loss: randomLoss(kind, steps, p ?? n, B, T, rng), readout };
}

function run(rnn: Rnn, B: number, T: number, x: Float64Array, h0: Float64Array, c: Case) {
  const r = runCell(rnn, B, T, x, { h: h0 }, c.loss, c.readout);
  const grads: Record<string, Float64Array> = { ...gradientViews(rnn, r.grads), hNorms: r.grads.norms.h };
  return { tape: r.tape, L: r.L, grads, deferred: r.grads.work.dA.length };
}

const LOSSES: { kind: SequenceLoss['kind']; steps: SequenceLoss['steps']; p?: number }[] = [
  { kind: 'squared-error', steps: 'last' },
  { kind: 'cross-entropy', steps: 'all', p: 3 },
];

for (const act of ['tanh', 'sigmoid', 'relu', 'identity']) {
  for (const lc of LOSSES) {
    test(`two shares (B = 9): BPTT matches central differences and the TypeScript loop: ${act}, ${lc.kind} on ${lc.steps}`, (t) => {
      const n = 5;
      const m = 2;
      const B = 9;
      const T = 7;
      const rnn = model(act, n, m, 1.1, 31);
      const rng = new Rng(32);
      const xPlain = rng.fillNormal(new Float64Array(T * B * m));
      const x = heap(xPlain);
      const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
      const loss = lossOf(lc.kind, lc.steps, n, B, T, rng, lc.p);
      const shares = run(rnn, B, T, x, h0, loss);
      const loop = run(rnn, B, T, xPlain, h0, loss);
      // the share kernels' tanh is within a few ulp of Math.tanh: the two routes agree to round-off
      t.true(maxRelativeError(shares.tape.states.h, loop.tape.states.h, 1e-12) < TOL.roundoff, 'states');
      for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) {
        t.true(maxRelativeError(shares.grads[f]!, loop.grads[f]!, 1e-12) < TOL.roundoff, `dL/d${f} against the loop`);
      }
      const f = (): number => lossValueOf(rnn, B, T, x, { h: h0 }, loss.loss, loss.readout);
      for (const [name, analytic, param] of [['W', shares.grads.W!, rnn.W], ['U', shares.grads.U!, rnn.U], ['b', shares.grads.b!, rnn.b]] as const) {
        const err = gradientError(analytic, fivePointGradient(param, f));
        t.true(err < TOL.finiteDifference, `dL/d${name}: relative error ${err}`);
      }
    });
  }
}

test('two shares over several deferred runs (B = 40, T = 60: runs of 26 + 26 + 8 steps) agree with the TypeScript loop', (t) => {
  const n = 8;
  const B = 40;
  const T = 60;
  const rnn = model('tanh', n, 2, 1.2, 17);
  const rng = new Rng(18);
  const xPlain = rng.fillNormal(new Float64Array(T * B * 2));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  const loss = lossOf('squared-error', 'last', n, B, T, rng);
  const shares = run(rnn, B, T, heap(xPlain), h0, loss);
  const loop = run(rnn, B, T, xPlain, h0, loss);
  t.true(shares.deferred < T * B * n);
  for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) {
    t.true(maxRelativeError(shares.grads[f]!, loop.grads[f]!, 1e-12) < TOL.roundoff, `dL/d${f}`);
  }
});

test('two shares give the same bits on one thread and on two', async (t) => {
  const n = 64;
  const B = 16;
  const T = 50;
  const rnn = model('tanh', n, 1, 1.0, 5);
  const rng = new Rng(6);
  const x = heap(rng.fillNormal(new Float64Array(T * B)));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  for (const loss of [lossOf('squared-error', 'last', n, B, T, rng), lossOf('cross-entropy', 'all', n, B, T, rng, 4)]) {
    setGemmThreads(1);
    const one = run(rnn, B, T, x, h0, loss);
    setGemmThreads(2);
    for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
    t.is(gemmThreads(), 2, 'the worker thread is running');
    const two = run(rnn, B, T, x, h0, loss);
    setGemmThreads('auto');
    t.deepEqual(Array.from(two.tape.states.h), Array.from(one.tape.states.h), 'states');
    for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) t.deepEqual(Array.from(two.grads[f]!), Array.from(one.grads[f]!), f);
    t.is(two.L, one.L);
  }
});

test('per-step norms stay finite where their squares overflow or underflow (identity, W = 10 I and 0.1 I)', (t) => {
  const n = 4;
  const B = 8;
  const T = 100;
  for (const w of [10, 0.1]) {
    const W = new Float64Array(n * n);
    for (let i = 0; i < n; i++) W[i * n + i] = w;
    const rnn = createRnn({ n, m: 1, W, U: new Float64Array(n), b: new Float64Array(n), activation: activation('identity') });
    const rng = new Rng(3);
    const xPlain = new Float64Array(T * B);
    const h0 = rng.fillNormal(new Float64Array(B * n));
    const targets = new Float64Array(B * n);
    const loss: Case = { loss: { kind: 'squared-error', steps: 'last', targets }, readout: null };
    // h_T = w^T h_0 and dL/dh_0 = w^(2T) h_0 / B stay representable (1e200, 1e-200); their squares do not
    const shares = run(rnn, B, T, heap(xPlain), h0, loss);
    const loop = run(rnn, B, T, xPlain, h0, loss);
    for (let s = 0; s <= T; s++) t.true(Number.isFinite(shares.grads.hNorms[s]!) && shares.grads.hNorms[s]! > 0, `t = ${s}`);
    t.true(maxRelativeError(shares.grads.hNorms, loop.grads.hNorms, 0) < TOL.roundoff, `w = ${w}: norms against dnrm2`);
  }
});

for (const lc of LOSSES) {
  test(`two shares (B = 9) with dL/dh_t kept per step: every step's dL/dh_t as the TypeScript loop's, ${lc.kind} on ${lc.steps}`, (t) => {
    // the share kernels run many steps per call: each step's state adjoint must be written by the
    // kernel itself (before, only dL/dh_0 reached the per-step array; every other step stayed 0)
    const n = 6;
    const m = 2;
    const B = 9;
    const T = 11;
    const rnn = model('tanh', n, m, 1.2, 41);
    const rng = new Rng(42);
    const xPlain = rng.fillNormal(new Float64Array(T * B * m));
    const x = heap(xPlain);
    const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
    const loss = lossOf(lc.kind, lc.steps, n, B, T, rng, lc.p);
    const shares = runCell(rnn, B, T, x, { h: h0 }, loss.loss, loss.readout, { stateGradients: true });
    const loop = runCell(rnn, B, T, xPlain, { h: h0 }, loss.loss, loss.readout, { stateGradients: true });
    const bn = B * n;
    for (let s = 0; s <= T; s++) {
      const a = shares.grads.perStep!.h.subarray(s * bn, (s + 1) * bn);
      const b = loop.grads.perStep!.h.subarray(s * bn, (s + 1) * bn);
      t.true(b.some((v) => v !== 0), `step ${s}: the loop's dL/dh_t is not zero`);
      t.true(maxRelativeError(a, b, 1e-12) < TOL.roundoff, `step ${s}: dL/dh_t against the loop`);
    }
  });
}
