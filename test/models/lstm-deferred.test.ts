/**
 * LSTM BPTT forms the weight gradients dWh = sum_t da_t^T h_{t-1}, dWx = sum_t da_t^T x_t and db as
 * one product per run of steps rather than per step (as src/models/rnn.ts). Here B = 100 gives runs
 * of 6 steps over T = 37 (six of 6 and a last one of 1; the test checks that the split is uneven,
 * whatever the run length), on a tape and gradients sized for 40 steps, and the
 * result must match the per-step accumulation written out directly from the tape and the per-step
 * derivatives dL/dh_t, dL/dc_t that backward returns (those are checked against finite differences
 * in lstm.test.ts). Both routes: inputs outside the kernel heap take the TypeScript loop, inputs in
 * the heap the two-share kernel (kernels.ts lstm_backward), whose shares sum their own rows.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import { views } from '../../src/models/cell.ts';
import { lstmFromParameters } from '../../src/models/lstm.ts';
import { createReadout } from '../../src/models/readout.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { TOL, maxRelativeError } from '../helpers/tolerance.ts';

for (const [forgetGate, route] of [[true, 'loop'], [false, 'loop'], [true, 'shares'], [false, 'shares']] as const) {
  test(`deferred weight gradients over uneven runs equal the per-step sums: ${forgetGate ? 'forget-gate' : '1997'} cell, ${route === 'loop' ? 'TypeScript loop' : 'two-share kernel'}`, (t) => {
    const n = 4;
    const m = 2;
    const p = 2;
    const B = 100;
    const T = 37;
    const lstm = lstmFromParameters({ n, m, forgetGate, peepholes: false, squash: 'tanh' });
    const ro = createReadout(n, p);
    const rng = new Rng(23);
    rng.fillNormal(lstm.theta, 0, 0.5);
    rng.fillNormal(ro.theta, 0, 0.5);
    const { G, offsets } = lstm;
    const Gn = G * n;
    const tape = createTape(lstm, B, T + 3);
    const grads = createGradients(lstm, B, T + 3, ro);
    t.true(grads.work.dA.length < T * B * Gn, 'the runs are shorter than the sequence');
    t.not(T % (grads.work.dA.length / (B * Gn)), 0, 'the last run is shorter');
    const x = rng.fillNormal(route === 'loop' ? new Float64Array(T * B * m) : allocF64(T * B * m));
    const targets = rng.fillNormal(new Float64Array(B * p));
    forward(lstm, x, tape, { T, s0: { h: rng.fillNormal(new Float64Array(B * n), 0, 0.5), c: rng.fillNormal(new Float64Array(B * n), 0, 0.5) } });
    backward(lstm, tape, x, { kind: 'squared-error', steps: 'last', targets }, ro, grads);

    // da_t from the saved activations and the total dL/dh_t, dL/dc_t, then the sums step by step
    const { h } = tape.states;
    const c = tape.states.c!;
    const { gates, hc } = tape.records;
    const dh = grads.perStep!.h;
    const dc = grads.perStep!.c!;
    const g = views(lstm, grads.theta);
    const bn = B * n;
    const dWh = new Float64Array(Gn * n);
    const dWx = new Float64Array(Gn * m);
    const db = new Float64Array(Gn);
    const da = new Float64Array(Gn);
    for (let s = T; s >= 1; s--) {
      for (let r = 0; r < B; r++) {
        const gr = (s - 1) * B * Gn + r * Gn;
        for (let j = 0; j < n; j++) {
          const k = r * n + j;
          const i = gates[gr + offsets.i + j]!;
          const g = gates[gr + offsets.g + j]!;
          const o = gates[gr + offsets.o + j]!;
          const dct = dc[s * bn + k]!;
          da[offsets.i + j] = dct * g * i * (1 - i);
          da[offsets.g + j] = dct * i * (1 - g * g);
          da[offsets.o + j] = dh[s * bn + k]! * hc[(s - 1) * bn + k]! * o * (1 - o);
          if (forgetGate) {
            const f = gates[gr + offsets.f + j]!;
            da[offsets.f + j] = dct * c[(s - 1) * bn + k]! * f * (1 - f);
          }
        }
        for (let q = 0; q < Gn; q++) {
          const v = da[q]!;
          db[q]! += v;
          for (let j = 0; j < n; j++) dWh[q * n + j]! += v * h[(s - 1) * bn + r * n + j]!;
          for (let j = 0; j < m; j++) dWx[q * m + j]! += v * x[(s - 1) * B * m + r * m + j]!;
        }
      }
    }
    // sums of T * B = 3700 terms in a different order: round-off grows with the count
    const tol = TOL.roundoff * T * B;
    t.true(maxRelativeError(g.Wh!, dWh, 1e-9) < tol, `dWh ${maxRelativeError(g.Wh!, dWh, 1e-9)}`);
    t.true(maxRelativeError(g.Wx!, dWx, 1e-9) < tol, `dWx ${maxRelativeError(g.Wx!, dWx, 1e-9)}`);
    t.true(maxRelativeError(g.b!, db, 1e-9) < tol, `db ${maxRelativeError(g.b!, db, 1e-9)}`);
    t.true(dWh.some((v) => Math.abs(v) > 1e-3), 'the gradient is not trivially zero');
  });
}
