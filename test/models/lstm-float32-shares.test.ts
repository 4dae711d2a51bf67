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
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { ABI } from '../../src/linalg/wasm.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import { createLstm, lstmFromParameters, type Lstm } from '../../src/models/lstm.ts';
import type { LstmConfig } from '../../src/models/lstm-layout.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { randomLoss, randomReadout } from '../helpers/cells.ts';
import { heapF32 } from '../helpers/float32.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

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

/** Forward and BPTT through the driver (dL/dh_t and dL/dc_t of every step kept). */
function run(lstm: Lstm<Float32Array>, B: number, T: number, x: Float32Array, h0: Float32Array, c0: Float32Array, loss: SequenceLoss, readout: Readout | null) {
  const tape = createTape(lstm, B, T);
  forward(lstm, x, tape, { s0: { h: h0, c: c0 } });
  const grads = createGradients(lstm, B, T, readout, { stateGradients: true });
  const L = backward(lstm, tape, x, loss, readout, grads);
  return { tape, grads, L, kernels: lstm.kernels?.applies(tape, x) ?? false };
}

/** The same cell without its whole-run kernels: the driver runs its TypeScript step. */
function stepOnly(lstm: Lstm<Float32Array>): Lstm<Float32Array> {
  return { ...lstm, kernels: undefined };
}

const exact = (a: ArrayLike<number>): number[] => Array.from(a);

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
        const x = heapF32(rng.fillNormal(new Float64Array(T * B * m)));
        const h0 = Float32Array.from(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
        const c0 = Float32Array.from(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
        const readout = randomReadout(n, p, rng);
        const loss = randomLoss(kind, steps, p ?? n, B, T, rng);
        const k = run(lstm, B, T, x, h0, c0, loss, readout);
        const s = run(stepOnly(lstm), B, T, x, h0, c0, loss, readout);
        const oneShare = B < ABI.routes.shareMinRows || lstm.peepholes;
        t.true(k.kernels, `${what}: the kernels ran`);
        t.deepEqual(exact(k.tape.states.h), exact(s.tape.states.h), `${what}: h`);
        t.deepEqual(exact(k.tape.states.c!), exact(s.tape.states.c!), `${what}: c`);
        t.deepEqual(exact(k.tape.records.gates), exact(s.tape.records.gates), `${what}: gates`);
        t.deepEqual(exact(k.tape.records.hc), exact(s.tape.records.hc), `${what}: H(c)`);
        t.is(k.L, s.L, `${what}: loss`);
        t.deepEqual(exact(k.grads.theta), exact(s.grads.theta), `${what}: dL/dtheta`);
        t.deepEqual(exact(k.grads.s0.h), exact(s.grads.s0.h), `${what}: dL/dh_0`);
        t.deepEqual(exact(k.grads.s0.c!), exact(s.grads.s0.c!), `${what}: dL/dc_0`);
        t.deepEqual(exact(k.grads.perStep!.h), exact(s.grads.perStep!.h), `${what}: dL/dh_t kept per step`);
        t.deepEqual(exact(k.grads.perStep!.c!), exact(s.grads.perStep!.c!), `${what}: dL/dc_t kept per step`);
        if (readout) t.deepEqual(exact(k.grads.readout!), exact(s.grads.readout!), `${what}: readout gradient`);
        for (const part of ['h', 'c'] as const) {
          if (oneShare) t.deepEqual(exact(k.grads.norms[part]!), exact(s.grads.norms[part]!), `${what}: norms of ${part}`);
          else t.true(maxRelativeError(k.grads.norms[part]!, s.grads.norms[part]!, 0) < TOL.roundoff, `${what}: norms of ${part}`);
        }
      }
    });
  }
}

test('float32 LSTM kernels give the same bits on one thread and on two', async (t) => {
  const n = 64, m = 1, B = 16, T = 40;
  const lstm = model({ forgetGate: true, peepholes: false }, n, m, 5);
  const rng = new Rng(6);
  const x = heapF32(rng.fillNormal(new Float64Array(T * B * m)));
  const h0 = Float32Array.from(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  const c0 = Float32Array.from(rng.fillNormal(new Float64Array(B * n), 0, 0.5));
  for (const [loss, readout] of [[randomLoss('squared-error', 'last', n, B, T, rng), null], [randomLoss('cross-entropy', 'all', 4, B, T, rng), randomReadout(n, 4, rng)]] as const) {
    setGemmThreads(1);
    const one = run(lstm, B, T, x, h0, c0, loss, readout);
    setGemmThreads(2);
    for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
    t.is(gemmThreads(), 2, 'the worker thread is running');
    const two = run(lstm, B, T, x, h0, c0, loss, readout);
    setGemmThreads('auto');
    t.true(one.kernels && two.kernels);
    t.deepEqual(exact(two.tape.states.h), exact(one.tape.states.h), 'states');
    t.deepEqual(exact(two.grads.theta), exact(one.grads.theta), 'dL/dtheta');
    t.deepEqual(exact(two.grads.s0.c!), exact(one.grads.s0.c!), 'dL/dc_0');
    t.deepEqual(exact(two.grads.norms.c!), exact(one.grads.norms.c!), 'norms');
    t.is(two.L, one.L);
  }
});
