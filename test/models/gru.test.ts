/**
 * The GRU (src/models/gru.ts) against an independent route: a naive per-sequence reference written
 * from PyTorch's equations (own indexing, Math.exp sigmoid), central differences of that reference
 * for every gradient (the four tensors, the readout, h_0) and for the step Jacobian, and the
 * initialisation's and the checks' behaviour. torch.autograd is the other route
 * (torch-fixtures.test.ts).
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { jacobian, views } from '../../src/models/cell.ts';
import { createGru, gruFromParameters, gruParameterCount, type Gru } from '../../src/models/gru.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { gradientViews, lossOf, randomLoss, randomReadout, runCell } from '../helpers/cells.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { maxRelativeError, relativeError, TOL } from '../helpers/tolerance.ts';

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** h_1..h_T of one sequence (x: T x m) from h0, straight from the equations. */
function refRun(gru: Gru, x: ArrayLike<number>, T: number, h0: ArrayLike<number>): number[][] {
  const { n, m } = gru;
  const v = views(gru, gru.theta);
  const lin = (W: Float64Array, cols: number, b: Float64Array, row: number, u: ArrayLike<number>, uOff: number): number => {
    let s = b[row]!;
    for (let k = 0; k < cols; k++) s += W[row * cols + k]! * u[uOff + k]!;
    return s;
  };
  const out: number[][] = [Array.from(h0)];
  for (let t = 1; t <= T; t++) {
    const hp = out[t - 1]!;
    const h: number[] = [];
    for (let j = 0; j < n; j++) {
      const r = sig(lin(v.Wx!, m, v.bx!, j, x, (t - 1) * m) + lin(v.Wh!, n, v.bh!, j, hp, 0));
      const z = sig(lin(v.Wx!, m, v.bx!, n + j, x, (t - 1) * m) + lin(v.Wh!, n, v.bh!, n + j, hp, 0));
      const c = Math.tanh(lin(v.Wx!, m, v.bx!, 2 * n + j, x, (t - 1) * m) + r * lin(v.Wh!, n, v.bh!, 2 * n + j, hp, 0));
      h.push((1 - z) * c + z * hp[j]!);
    }
    out.push(h);
  }
  return out;
}

const n = 4;
const m = 3;
const B = 3;
const T = 6;

function setup(seed: number) {
  const gru = gruFromParameters(n, m);
  const rng = new Rng(seed);
  // O(1) parameters that keep the gates away from saturation, so every path carries gradient
  rng.fillNormal(gru.theta, 0, 0.6);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  return { gru, rng, x, h0 };
}

test('forward matches the per-sequence reference from the equations', (t) => {
  const { gru, x, h0 } = setup(1);
  const tape = createTape(gru, B, T);
  forward(gru, x, tape, { s0: { h: h0 } });
  let worst = 0;
  for (let r = 0; r < B; r++) {
    const xr = new Float64Array(T * m);
    for (let s = 0; s < T; s++) xr.set(x.subarray((s * B + r) * m, (s * B + r + 1) * m), s * m);
    const ref = refRun(gru, xr, T, h0.subarray(r * n, (r + 1) * n));
    for (let s = 1; s <= T; s++) for (let j = 0; j < n; j++) worst = Math.max(worst, relativeError(tape.states.h[(s * B + r) * n + j]!, ref[s]![j]!));
  }
  t.true(worst < TOL.roundoff, `largest relative difference ${worst}`);
});

const LOSSES: { kind: SequenceLoss['kind']; steps: SequenceLoss['steps']; p?: number }[] = [
  { kind: 'squared-error', steps: 'last' },
  { kind: 'squared-error', steps: 'all', p: 2 },
  { kind: 'cross-entropy', steps: 'last', p: 3 },
  { kind: 'cross-entropy', steps: 'all' },
];

for (const lc of LOSSES) {
  test(`BPTT matches central differences: ${lc.kind} on ${lc.steps} step(s)${lc.p ? ' with a readout' : ' on h'}, B = 3`, (t) => {
    const { gru, rng, x, h0 } = setup(7);
    const readout: Readout | null = randomReadout(n, lc.p, rng);
    const loss = randomLoss(lc.kind, lc.steps, lc.p ?? n, B, T, rng);
    const run = runCell(gru, B, T, x, { h: h0 }, loss, readout);
    const f = (): number => lossOf(gru, B, T, x, { h: h0 }, loss, readout);
    t.true(relativeError(run.L, f()) < TOL.roundoff, 'backward returns the loss');
    const g = gradientViews(gru, run.grads, readout);
    const params: [string, Float64Array][] = [...Object.entries(views(gru, gru.theta)), ['h0', h0]];
    if (readout) params.push(['V', readout.V], ['c', readout.c]);
    for (const [name, param] of params) {
      const err = gradientError(g[name]!, fivePointGradient(param, f));
      t.true(err < TOL.finiteDifference, `dL/d${name}: relative error ${err}`);
    }
    t.true(g.Wh!.some((v) => Math.abs(v) > 1e-3), 'the gradient is not trivially zero');
    t.true(Math.abs(run.grads.norms.h[0]! - Math.hypot(...g.h0!)) <= TOL.roundoff, 'norms.h[0] = ||dL/dh_0||');
  });
}

test('the step Jacobian dh_t/dh_{t-1} matches central differences of one reference step', (t) => {
  const { gru, x, h0 } = setup(11);
  const tape = createTape(gru, B, T);
  forward(gru, x, tape, { s0: { h: h0 } });
  for (const [step, r] of [[1, 0], [4, 2]] as const) {
    const J = jacobian(gru, tape, step, r);
    const hPrev = tape.states.h.slice(((step - 1) * B + r) * n, ((step - 1) * B + r + 1) * n);
    const xs = x.slice(((step - 1) * B + r) * m, ((step - 1) * B + r + 1) * m);
    const fd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const col = fivePointGradient(hPrev, () => refRun(gru, xs, 1, hPrev)[1]![i]!);
      for (let j = 0; j < n; j++) fd[i * n + j] = col[j]!;
    }
    const err = gradientError(J, fd);
    t.true(err < TOL.finiteDifference, `t = ${step}, row ${r}: ${err}`);
  }
});

test('with z = 1 the state is copied: the step Jacobian is the identity and the gradient passes back unchanged', (t) => {
  // update-gate bias 40: z = sigma(40) = 1 in float64, so h_t = h_{t-1} exactly
  const gru = createGru({ n, m, updateBias: 40 }, new Rng(3));
  const rng = new Rng(4);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const h0 = rng.fillNormal(new Float64Array(B * n));
  const run = runCell(gru, B, T, x, { h: h0 }, randomLoss('squared-error', 'last', n, B, T, rng));
  for (let s = 0; s <= T; s++) t.is(run.grads.norms.h[s], run.grads.norms.h[T], `||dL/dh_${s}||`);
  t.deepEqual(Array.from(run.tape.states.h.subarray(T * B * n)), Array.from(h0));
  const J = jacobian(gru, run.tape, 3, 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t.is(J[i * n + j], i === j ? 1 : 0);
});

test('createGru: per-block initialisation, deterministic for a seed; the count and the checks', (t) => {
  const a = createGru({ n: 4, m: 2, updateBias: 1 }, new Rng(3));
  const b = createGru({ n: 4, m: 2, updateBias: 1 }, new Rng(3));
  t.deepEqual(a.theta, b.theta);
  t.deepEqual(Array.from(a.bx), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  t.true(a.bh.every((v) => v === 0));
  t.is(a.theta.length, gruParameterCount(4, 2));
  t.is(gruParameterCount(10, 2, 1), 3 * 10 * 14 + 11);
  // the recurrent blocks are orthogonal: W_hr W_hr^T = I
  const Whr = a.Wh.subarray(0, 16);
  let worst = 0;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += Whr[i * 4 + k]! * Whr[j * 4 + k]!;
    worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
  }
  t.true(worst < TOL.roundoff);
  t.throws(() => createGru({ n: 0, m: 2 }, new Rng(1)), { message: /gru: hidden size n/ });
  t.throws(() => createGru({ n: 2, m: 2, gain: NaN }, new Rng(1)), { message: /gru: gain/ });
  t.throws(() => gruFromParameters(2, 1, new Float64Array(5)), { message: /gru: theta must have 30 entries/ });
});

test('a batch is its rows: the states of B rows equal the rows run one at a time', (t) => {
  const { gru, x, h0 } = setup(5);
  const tape = createTape(gru, B, T);
  forward(gru, x, tape, { s0: { h: h0 } });
  for (let r = 0; r < B; r++) {
    const xr = new Float64Array(T * m);
    for (let s = 0; s < T; s++) xr.set(x.subarray((s * B + r) * m, (s * B + r + 1) * m), s * m);
    const one = createTape(gru, 1, T);
    forward(gru, xr, one, { s0: { h: h0.subarray(r * n, (r + 1) * n) } });
    const rows = new Float64Array((T + 1) * n);
    for (let s = 0; s <= T; s++) rows.set(tape.states.h.subarray((s * B + r) * n, (s * B + r + 1) * n), s * n);
    t.true(maxRelativeError(rows, one.states.h, 1e-12) < TOL.roundoff, `row ${r}`);
  }
});
