/**
 * The LSTM cells (src/models/lstm.ts) against an independent route: a naive per-sequence reference
 * written from the equations (own gate indexing, sigmoid-based squashing for the 1997 cell), and
 * central finite differences of that reference for every gradient the backward pass returns
 * (parameters, dL/dh_t, dL/dc_t for every t) and for the step Jacobian.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { backward, createGradients, createTape, forward, lossValue } from '../../src/models/bptt.ts';
import { jacobian, parameterList } from '../../src/models/cell.ts';
import { lstmParameterCount, type LstmConfig } from '../../src/models/lstm-layout.ts';
import { carouselFactor, createLstm, lstmFromParameters, type Lstm } from '../../src/models/lstm.ts';
import { createReadout, readoutOutputs, type Readout, type SequenceLoss } from '../../src/models/readout.ts';
import { matchedRnnHiddenSize, rnnParameterCount } from '../../src/models/rnn.ts';
import { relativeError, TOL } from '../helpers/tolerance.ts';

// ---------------------------------------------------------------------------------------------
// Reference: one sequence at a time, straight from the equations
// ---------------------------------------------------------------------------------------------

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

interface Inject {
  t: number;
  kind: 'h' | 'c';
  r: number;
  j: number;
  eps: number;
}

interface RefRun {
  h: number[][][]; // [t][r][j], t = 0..T
  c: number[][][];
  y: number[][][]; // [t][r][k], t = 1..T (index t-1)
}

/** Gate order chosen here independently: [i, f, g, o] with a forget gate, [i, g, o] without. */
function refForward(lstm: Lstm, ro: Readout, x: Float64Array, B: number, T: number, h0: Float64Array, c0: Float64Array, inject?: Inject): RefRun {
  const { n, m, forgetGate, peepholes, squash } = lstm;
  const { p } = ro;
  const blk = forgetGate ? { i: 0, f: 1, g: 2, o: 3 } : { i: 0, f: -1, g: 1, o: 2 };
  const Gin = (a: number): number => (squash === 'tanh' ? Math.tanh(a) : 4 * sig(a) - 2);
  const Hout = (v: number): number => (squash === 'tanh' ? Math.tanh(v) : 2 * sig(v) - 1);
  const pre = (gate: number, r: number, j: number, t: number, hp: number[]): number => {
    const row = gate * n + j;
    let s = lstm.b[row]!;
    for (let k = 0; k < m; k++) s += lstm.Wx[row * m + k]! * x[(t - 1) * B * m + r * m + k]!;
    for (let k = 0; k < n; k++) s += lstm.Wh[row * n + k]! * hp[k]!;
    return s;
  };
  const run: RefRun = { h: [], c: [], y: [] };
  const H0: number[][] = [];
  const C0: number[][] = [];
  for (let r = 0; r < B; r++) {
    H0.push(Array.from(h0.subarray(r * n, (r + 1) * n)));
    C0.push(Array.from(c0.subarray(r * n, (r + 1) * n)));
  }
  const bump = (t: number, kind: 'h' | 'c', S: number[][]): void => {
    if (inject && inject.t === t && inject.kind === kind) S[inject.r]![inject.j]! += inject.eps;
  };
  bump(0, 'c', C0);
  bump(0, 'h', H0);
  run.h.push(H0);
  run.c.push(C0);
  for (let t = 1; t <= T; t++) {
    const Ht: number[][] = [];
    const Ct: number[][] = [];
    const Ot: number[][] = [];
    for (let r = 0; r < B; r++) {
      const hp = run.h[t - 1]![r]!;
      const cp = run.c[t - 1]![r]!;
      const crow: number[] = [];
      const orow: number[] = [];
      for (let j = 0; j < n; j++) {
        const i = sig(pre(blk.i, r, j, t, hp) + (peepholes ? lstm.pi[j]! * cp[j]! : 0));
        const g = Gin(pre(blk.g, r, j, t, hp));
        const f = forgetGate ? sig(pre(blk.f, r, j, t, hp) + (peepholes ? lstm.pf[j]! * cp[j]! : 0)) : 1;
        crow.push(f * cp[j]! + i * g);
        orow.push(pre(blk.o, r, j, t, hp));
      }
      Ct.push(crow);
      Ot.push(orow);
    }
    bump(t, 'c', Ct);
    for (let r = 0; r < B; r++) {
      const hrow: number[] = [];
      for (let j = 0; j < n; j++) {
        const o = sig(Ot[r]![j]! + (peepholes ? lstm.po[j]! * Ct[r]![j]! : 0));
        hrow.push(o * Hout(Ct[r]![j]!));
      }
      Ht.push(hrow);
    }
    bump(t, 'h', Ht);
    run.h.push(Ht);
    run.c.push(Ct);
    const Yt: number[][] = [];
    for (let r = 0; r < B; r++) {
      const yrow: number[] = [];
      for (let k = 0; k < p; k++) {
        let s = ro.c[k]!;
        for (let j = 0; j < n; j++) s += ro.V[k * n + j]! * Ht[r]![j]!;
        yrow.push(s);
      }
      Yt.push(yrow);
    }
    run.y.push(Yt);
  }
  return run;
}

function refLoss(run: RefRun, B: number, T: number, loss: SequenceLoss): number {
  const steps = loss.steps === 'last' ? [T] : Array.from({ length: T }, (_, k) => k + 1);
  let L = 0;
  steps.forEach((t, s) => {
    for (let r = 0; r < B; r++) {
      const y = run.y[t - 1]![r]!;
      if (loss.kind === 'squared-error') {
        for (let k = 0; k < p; k++) {
          const e = y[k]! - loss.targets![(s * B + r) * p + k]!;
          L += 0.5 * e * e;
        }
      } else {
        const z = Math.log(y.reduce((a, v) => a + Math.exp(v), 0));
        L -= y[loss.labels![s * B + r]!]! - z;
      }
    }
  });
  return L / B / (loss.meanOverSteps ? steps.length : 1);
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const n = 3;
const m = 2;
const p = 3;
const B = 3;
const T = 5;

const FD_STEP = 1e-5;

function randomLstm(cfg: Partial<LstmConfig>, seed: number): { lstm: Lstm; ro: Readout } {
  const full: LstmConfig = { n, m, forgetGate: true, peepholes: false, squash: 'tanh', ...cfg };
  const lstm = lstmFromParameters(full);
  const ro = createReadout(n, p);
  // O(1) parameters that keep the gates away from saturation, so every path carries gradient
  const rng = new Rng(seed);
  rng.fillNormal(lstm.theta, 0, 0.5);
  rng.fillNormal(ro.theta, 0, 0.5);
  return { lstm, ro };
}

/** The cell's parameters and the readout's as one vector of views, for the finite differences. */
function allParameters(lstm: Lstm, ro: Readout): Float64Array[] {
  return [lstm.theta, ro.theta];
}

function makeLoss(kind: 'se-last' | 'ce-all' | 'se-all-mean' | 'ce-last', rng: Rng): SequenceLoss {
  const nS = kind.endsWith('last') ? 1 : T;
  if (kind.startsWith('se')) {
    return { kind: 'squared-error', steps: nS === 1 ? 'last' : 'all', targets: rng.fillNormal(new Float64Array(nS * B * p)), meanOverSteps: kind === 'se-all-mean' };
  }
  const labels = new Int32Array(nS * B);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(p);
  return { kind: 'cross-entropy', steps: nS === 1 ? 'last' : 'all', labels };
}

const CELLS: Array<{ label: string; cfg: Partial<LstmConfig> }> = [
  { label: '1997 cell', cfg: { forgetGate: false, peepholes: false } },
  { label: '1997 cell + peepholes', cfg: { forgetGate: false, peepholes: true } },
  { label: 'forget-gate cell', cfg: { forgetGate: true, peepholes: false } },
  { label: 'forget-gate cell + peepholes', cfg: { forgetGate: true, peepholes: true } },
  { label: '1997 cell, scaled sigmoids', cfg: { forgetGate: false, peepholes: true, squash: 'scaled-sigmoid' } },
  { label: 'forget-gate cell, scaled sigmoids', cfg: { forgetGate: true, peepholes: true, squash: 'scaled-sigmoid' } },
];

function setup(cfg: Partial<LstmConfig>, seed: number) {
  const { lstm, ro } = randomLstm(cfg, seed);
  const rng = new Rng(seed + 1000);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  const c0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  const tape = createTape(lstm, B, T);
  forward(lstm, x, tape, { s0: { h: h0, c: c0 } });
  return { lstm, ro, rng, x, h0, c0, tape };
}

// ---------------------------------------------------------------------------------------------
// Forward
// ---------------------------------------------------------------------------------------------

for (const [ci, { label, cfg }] of CELLS.entries()) {
  test(`forward matches the per-sequence reference: ${label}`, (t) => {
    const { lstm, ro, x, h0, c0, tape } = setup(cfg, 10 + ci);
    const ref = refForward(lstm, ro, x, B, T, h0, c0);
    const out = readoutOutputs(ro, n, B, T, tape.states.h, 'all', new Float64Array(T * B * p));
    let worst = 0;
    for (let s = 0; s <= T; s++) {
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < n; j++) {
          worst = Math.max(worst, relativeError(tape.states.h[(s * B + r) * n + j]!, ref.h[s]![r]![j]!));
          worst = Math.max(worst, relativeError(tape.states.c![(s * B + r) * n + j]!, ref.c[s]![r]![j]!));
        }
        if (s >= 1) for (let k = 0; k < p; k++) worst = Math.max(worst, relativeError(out[((s - 1) * B + r) * p + k]!, ref.y[s - 1]![r]![k]!));
      }
    }
    t.true(worst < TOL.roundoff, `largest relative difference ${worst}`);
  });
}

// ---------------------------------------------------------------------------------------------
// BPTT against central finite differences
// ---------------------------------------------------------------------------------------------

const LOSSES = ['se-last', 'ce-all', 'se-all-mean', 'ce-last'] as const;

for (const [ci, { label, cfg }] of CELLS.entries()) {
  for (const [li, lossKind] of LOSSES.entries()) {
    // the scaled-sigmoid cells get two losses, the others all four
    if (cfg.squash === 'scaled-sigmoid' && li >= 2) continue;
    test(`BPTT gradients match central differences: ${label}, ${lossKind}`, (t) => {
      const { lstm, ro, rng, x, h0, c0, tape } = setup(cfg, 100 + 10 * ci + li);
      const loss = makeLoss(lossKind, rng);
      const grads = createGradients(lstm, B, T, ro);
      const L = backward(lstm, tape, x, loss, ro, grads);
      t.true(relativeError(L, refLoss(refForward(lstm, ro, x, B, T, h0, c0), B, T, loss)) < TOL.roundoff, 'loss value');
      t.true(relativeError(L, lossValue(lstm, tape, loss, ro)) < TOL.roundoff, 'lossValue agrees with backward');

      // every parameter, the cell's and the readout's
      const analytic = [grads.theta, grads.readout!];
      allParameters(lstm, ro).forEach((theta, which) => {
        const fd = new Float64Array(theta.length);
        for (let k = 0; k < theta.length; k++) {
          const v = theta[k]!;
          theta[k] = v + FD_STEP;
          const Lp = refLoss(refForward(lstm, ro, x, B, T, h0, c0), B, T, loss);
          theta[k] = v - FD_STEP;
          const Lm = refLoss(refForward(lstm, ro, x, B, T, h0, c0), B, T, loss);
          theta[k] = v;
          fd[k] = (Lp - Lm) / (2 * FD_STEP);
        }
        let worst = 0;
        let where = -1;
        for (let k = 0; k < fd.length; k++) {
          const e = relativeError(analytic[which]![k]!, fd[k]!, TOL.lstmAbsoluteFloor);
          if (e > worst) [worst, where] = [e, k];
        }
        t.true(worst < TOL.finiteDifference, `parameter gradient: worst relative error ${worst} at ${which === 0 ? 'theta' : 'readout'}[${where}]`);
        // the test would be empty if the gradient were zero
        t.true(analytic[which]!.some((v) => Math.abs(v) > 1e-3));
      });

      // dL/dh_t and dL/dc_t for every step t = 0..T
      let worstState = 0;
      for (const kind of ['h', 'c'] as const) {
        const analytic = kind === 'h' ? grads.perStep!.h : grads.perStep!.c!;
        for (let s = 0; s <= T; s++) {
          for (let r = 0; r < B; r++) {
            for (let j = 0; j < n; j++) {
              const Lp = refLoss(refForward(lstm, ro, x, B, T, h0, c0, { t: s, kind, r, j, eps: FD_STEP }), B, T, loss);
              const Lm = refLoss(refForward(lstm, ro, x, B, T, h0, c0, { t: s, kind, r, j, eps: -FD_STEP }), B, T, loss);
              const e = relativeError(analytic[(s * B + r) * n + j]!, (Lp - Lm) / (2 * FD_STEP), TOL.lstmAbsoluteFloor);
              worstState = Math.max(worstState, e);
            }
          }
        }
      }
      t.true(worstState < TOL.finiteDifference, `dL/dh_t, dL/dc_t: worst relative error ${worstState}`);

      // the norms are the Frobenius norms of the per-step blocks
      for (let s = 0; s <= T; s++) {
        let sh = 0;
        let sc = 0;
        for (let k = 0; k < B * n; k++) {
          sh += grads.perStep!.h[s * B * n + k]! ** 2;
          sc += grads.perStep!.c![s * B * n + k]! ** 2;
        }
        t.true(relativeError(grads.norms.h[s]!, Math.sqrt(sh)) < TOL.roundoff);
        t.true(relativeError(grads.norms.c![s]!, Math.sqrt(sc)) < TOL.roundoff);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Step Jacobian against finite differences of one reference step
// ---------------------------------------------------------------------------------------------

for (const [ci, { label, cfg }] of CELLS.entries()) {
  test(`step Jacobian d(h_t, c_t)/d(h_{t-1}, c_{t-1}) matches central differences: ${label}`, (t) => {
    const { lstm, ro, x, tape } = setup(cfg, 300 + ci);
    const N = 2 * n;
    for (const step of [1, 3, T]) {
      for (const r of [0, B - 1]) {
        const J = jacobian(lstm, tape, step, r);
        // one reference step from the recorded state (h_{t-1}, c_{t-1}) of row r, with a 1-row batch
        const xs = x.subarray((step - 1) * B * m + r * m, (step - 1) * B * m + (r + 1) * m);
        const hPrev = tape.states.h.slice(((step - 1) * B + r) * n, ((step - 1) * B + r + 1) * n);
        const cPrev = tape.states.c!.slice(((step - 1) * B + r) * n, ((step - 1) * B + r + 1) * n);
        let worst = 0;
        for (let k = 0; k < N; k++) {
          const inj = (eps: number): RefRun => refForward(lstm, ro, xs, 1, 1, hPrev, cPrev, { t: 0, kind: k < n ? 'h' : 'c', r: 0, j: k % n, eps });
          const plus = inj(FD_STEP);
          const minus = inj(-FD_STEP);
          for (let i = 0; i < N; i++) {
            const vp = i < n ? plus.h[1]![0]![i]! : plus.c[1]![0]![i - n]!;
            const vm = i < n ? minus.h[1]![0]![i]! : minus.c[1]![0]![i - n]!;
            worst = Math.max(worst, relativeError(J[i * N + k]!, (vp - vm) / (2 * FD_STEP), TOL.lstmAbsoluteFloor));
          }
        }
        t.true(worst < TOL.finiteDifference, `t = ${step}, row ${r}: worst relative error ${worst}`);
      }
    }
  });
}

test('without peepholes the c-c block of the step Jacobian is diag(f_t), and the identity for the 1997 cell', (t) => {
  for (const forgetGate of [false, true]) {
    const { lstm, tape } = setup({ forgetGate, peepholes: false }, 400);
    const N = 2 * n;
    const J = jacobian(lstm, tape, 2, 1);
    const f = carouselFactor(lstm, tape, 1, 1, 2, new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) t.is(J[(n + i) * N + n + j], i === j ? f[i] : 0);
      if (!forgetGate) t.is(f[i], 1);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// API: parameters, counts, initialisation, validation, shorter runs
// ---------------------------------------------------------------------------------------------

test('parameter list: named views that tile theta and its gradient', (t) => {
  for (const { cfg } of CELLS) {
    const { lstm, ro } = randomLstm(cfg, 5);
    const grads = createGradients(lstm, 2, 3, ro);
    const list = parameterList(lstm.blocks, lstm.theta, grads.theta);
    t.is(list.reduce((s, q) => s + q.param.length, 0), lstm.theta.length);
    let off = 0;
    for (const q of list) {
      t.is(q.param.buffer, lstm.theta.buffer);
      t.is(q.grad.buffer, grads.theta.buffer);
      // theta lives in the kernel heap, so offsets are relative to its own start
      t.is((q.param.byteOffset - lstm.theta.byteOffset) / 8, off);
      t.is((q.grad.byteOffset - grads.theta.byteOffset) / 8, off);
      t.is(q.grad.length, q.param.length);
      off += q.param.length;
    }
    const names = list.map((q) => q.name);
    t.deepEqual(names.filter((s) => s.startsWith('p')), cfg.peepholes ? (cfg.forgetGate ? ['pi', 'pf', 'po'] : ['pi', 'po']) : []);
    t.is(lstm.theta.length + ro.theta.length, lstmParameterCount(n, m, { forgetGate: cfg.forgetGate, peepholes: cfg.peepholes, p }));
  }
});

test('parameter counts: closed forms and the matched RNN size is the nearest by brute force', (t) => {
  t.is(lstmParameterCount(10, 2, { forgetGate: true }), 520);
  t.is(lstmParameterCount(10, 2, { forgetGate: false }), 390);
  t.is(lstmParameterCount(10, 2, { forgetGate: true, peepholes: true, p: 1 }), 520 + 30 + 11);
  t.is(rnnParameterCount(21, 2), 504);
  for (const [nn, mm, opts] of [
    [10, 2, { forgetGate: true }],
    [10, 2, { forgetGate: false, peepholes: true }],
    [128, 1, { forgetGate: true, p: 1 }],
    [1, 10, { forgetGate: true, p: 9 }],
    [50, 8, { forgetGate: false, p: 4 }],
  ] as const) {
    const target = lstmParameterCount(nn, mm, opts);
    let best = 1;
    for (let k = 1; k < 10 * nn + 50; k++) {
      const d = Math.abs(rnnParameterCount(k, mm, opts.p ?? 0) - target);
      if (d < Math.abs(rnnParameterCount(best, mm, opts.p ?? 0) - target)) best = k;
    }
    t.is(matchedRnnHiddenSize(target, mm, opts.p ?? 0), best, `n = ${nn}, m = ${mm}`);
  }
});

test('createLstm: gate biases, zero peepholes, deterministic for a seed, and errors that name the field', (t) => {
  const a = createLstm({ n: 4, m: 2, forgetGate: true, peepholes: true, forgetBias: 2, outputBias: -1 }, new Rng(3));
  const b = createLstm({ n: 4, m: 2, forgetGate: true, peepholes: true, forgetBias: 2, outputBias: -1 }, new Rng(3));
  t.deepEqual(a.theta, b.theta);
  t.deepEqual(Array.from(a.b), [0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0, -1, -1, -1, -1]);
  t.true(a.pi.every((v) => v === 0) && a.po.every((v) => v === 0));
  t.true(a.Wh.some((v) => v !== 0) && a.Wx.some((v) => v !== 0));
  const c1997 = createLstm({ n: 4, m: 2, forgetGate: false }, new Rng(3));
  t.is(c1997.G, 3);
  t.is(c1997.b.length, 12);
  t.throws(() => createLstm({ n: 0, m: 2 }, new Rng(1)), { message: /hidden size n/ });
  t.throws(() => createReadout(2, 0), { message: /readout: size p/ });
  t.throws(() => createLstm({ n: 2, m: 2, forgetBias: Number.NaN }, new Rng(1)), { message: /forgetBias/ });
  t.throws(() => lstmFromParameters({ n: 2, m: 1, forgetGate: true, peepholes: false, squash: 'tanh' }, new Float64Array(3)), { message: /theta must have/ });
});

test('a run shorter than the tape gives the same loss as a tape of exactly that length', (t) => {
  const { lstm, ro } = randomLstm({ forgetGate: true, peepholes: true }, 9);
  const rng = new Rng(9);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const loss = makeLoss('se-last', rng);
  const long = createTape(lstm, B, T + 4);
  forward(lstm, x, long, { T });
  const exact = createTape(lstm, B, T);
  forward(lstm, x, exact);
  t.is(long.length, T);
  const g1 = createGradients(lstm, B, T + 4, ro);
  const g2 = createGradients(lstm, B, T, ro);
  t.is(backward(lstm, long, x, loss, ro, g1), backward(lstm, exact, x, loss, ro, g2));
  t.deepEqual(g1.theta, g2.theta);
  t.throws(() => forward(lstm, x, exact, { T: T + 1 }), { message: /tape\.T/ });
});
