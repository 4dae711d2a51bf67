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
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { backward, createGradients, createRnn, createTape, forward, lossValue, type Rnn, type RnnLoss } from '../../src/models/rnn.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';

function heap(v: Float64Array): Float64Array {
  const out = allocF64(v.length);
  out.set(v);
  return out;
}

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

function lossOf(kind: RnnLoss['kind'], steps: RnnLoss['steps'], n: number, B: number, T: number, rng: Rng, p?: number): RnnLoss {
  const readout = p ? { p, V: rng.fillNormal(new Float64Array(p * n), 0, 0.7), c: rng.fillNormal(new Float64Array(p), 0, 0.2) } : undefined;
  const q = p ?? n;
  const S = steps === 'last' ? 1 : T;
  if (kind === 'squared-error') return { kind, steps, targets: rng.fillNormal(new Float64Array(S * B * q)), readout };
  const labels = new Int32Array(S * B);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(q);
  return { kind, steps, labels, readout };
}

function run(rnn: Rnn, B: number, T: number, x: Float64Array, h0: Float64Array, loss: RnnLoss) {
  const tape = createTape(rnn, B, T);
  const grads = createGradients(rnn, B, T, loss.readout);
  forward(rnn, x, h0, tape);
  const L = backward(rnn, tape, x, loss, grads);
  return { tape, grads, L };
}

const LOSSES: { kind: RnnLoss['kind']; steps: RnnLoss['steps']; p?: number }[] = [
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
      t.true(maxRelativeError(shares.tape.h, loop.tape.h, 1e-12) < TOL.roundoff, 'states');
      for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) {
        t.true(maxRelativeError(shares.grads[f], loop.grads[f], 1e-12) < TOL.roundoff, `dL/d${f} against the loop`);
      }
      const f = (): number => {
        const tape = createTape(rnn, B, T);
        forward(rnn, x, h0, tape);
        return lossValue(rnn, tape, loss);
      };
      for (const [name, analytic, param] of [['W', shares.grads.W, rnn.W], ['U', shares.grads.U, rnn.U], ['b', shares.grads.b, rnn.b]] as const) {
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
  t.true(shares.grads.work.dA.length < T * B * n);
  for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) {
    t.true(maxRelativeError(shares.grads[f], loop.grads[f], 1e-12) < TOL.roundoff, `dL/d${f}`);
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
    t.deepEqual(Array.from(two.tape.h), Array.from(one.tape.h), 'states');
    for (const f of ['W', 'U', 'b', 'h0', 'hNorms'] as const) t.deepEqual(Array.from(two.grads[f]), Array.from(one.grads[f]), f);
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
    const loss: RnnLoss = { kind: 'squared-error', steps: 'last', targets };
    // h_T = w^T h_0 and dL/dh_0 = w^(2T) h_0 / B stay representable (1e200, 1e-200); their squares do not
    const shares = run(rnn, B, T, heap(xPlain), h0, loss);
    const loop = run(rnn, B, T, xPlain, h0, loss);
    for (let s = 0; s <= T; s++) t.true(Number.isFinite(shares.grads.hNorms[s]!) && shares.grads.hNorms[s]! > 0, `t = ${s}`);
    t.true(maxRelativeError(shares.grads.hNorms, loop.grads.hNorms, 0) < TOL.roundoff, `w = ${w}: norms against dnrm2`);
  }
});
