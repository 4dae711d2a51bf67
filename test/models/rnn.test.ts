/**
 * The vanilla RNN: forward against a naive loop, BPTT against central finite differences for
 * every activation (built-in and expression) and both losses with B > 1, the per-step gradient
 * norms against an independent sub-sequence route, and the per-step Jacobian against finite
 * differences.
 */
import test from 'ava';
import { activation, type Activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import {
  backward,
  createGradients,
  createRnn,
  createTape,
  forward,
  jacobian,
  lossValue,
  type Readout,
  type Rnn,
  type RnnLoss,
} from '../../src/models/rnn.ts';
import { TOL } from '../helpers/tolerance.ts';
import { FD_STEP, fivePointGradient, gradientError } from '../helpers/finite-differences.ts';

const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'identity', 'x / (1 + abs(x))', '1/(1+exp(-x))'];



interface Setup {
  rnn: Rnn;
  B: number;
  T: number;
  x: Float64Array;
  h0: Float64Array;
}

function setup(act: Activation, seed: number, n = 4, m = 3, B = 3, T = 6): Setup {
  const rng = new Rng(seed);
  const W = rng.fillNormal(new Float64Array(n * n), 0, 1.1 / Math.sqrt(n));
  const U = rng.fillNormal(new Float64Array(n * m), 0, 0.8 / Math.sqrt(m));
  const b = rng.fillNormal(new Float64Array(n), 0, 0.3);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const h0 = rng.fillNormal(new Float64Array(B * n), 0, 0.5);
  return { rnn: createRnn({ n, m, W, U, b, activation: act }), B, T, x, h0 };
}

function makeLoss(kind: RnnLoss['kind'], steps: RnnLoss['steps'], s: Setup, rng: Rng, p?: number): RnnLoss {
  const { B, T, rnn } = s;
  const readout: Readout | undefined = p
    ? { p, V: rng.fillNormal(new Float64Array(p * rnn.n), 0, 0.7), c: rng.fillNormal(new Float64Array(p), 0, 0.2) }
    : undefined;
  const q = p ?? rnn.n;
  const S = steps === 'last' ? 1 : T;
  if (kind === 'squared-error') return { kind, steps, targets: rng.fillNormal(new Float64Array(S * B * q)), readout };
  const labels = new Int32Array(S * B);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(q);
  return { kind, steps, labels, readout };
}

function L(s: Setup, loss: RnnLoss, h0 = s.h0, x = s.x): number {
  const tape = createTape(s.rnn, s.B, s.T);
  forward(s.rnn, x, h0, tape);
  return lossValue(s.rnn, tape, loss);
}


test('forward matches a naive loop, and pre-activations are kept only for expression activations', (t) => {
  for (const name of ACTIVATIONS) {
    const act = activation(name);
    const s = setup(act, 11);
    const { rnn, B, T, x, h0 } = s;
    const { n, m } = rnn;
    const tape = createTape(rnn, B, T);
    forward(rnn, x, h0, tape);
    t.is(tape.a === null, act.dfFromOutput !== undefined, name);
    let worst = 0;
    for (let r = 0; r < B; r++) {
      let h = Array.from(h0.subarray(r * n, r * n + n));
      for (let step = 1; step <= T; step++) {
        const next: number[] = [];
        for (let i = 0; i < n; i++) {
          let a = rnn.b[i]!;
          for (let j = 0; j < n; j++) a += rnn.W[i * n + j]! * h[j]!;
          for (let j = 0; j < m; j++) a += rnn.U[i * m + j]! * x[(step - 1) * B * m + r * m + j]!;
          next.push(act.f(a));
        }
        h = next;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(h[i]! - tape.h[step * B * n + r * n + i]!));
      }
    }
    t.true(worst <= TOL.roundoff, `${name}: max |h - naive| = ${worst}`);
  }
});

const LOSSES: { kind: RnnLoss['kind']; steps: RnnLoss['steps']; p?: number }[] = [
  { kind: 'squared-error', steps: 'last' },
  { kind: 'squared-error', steps: 'all', p: 2 },
  { kind: 'cross-entropy', steps: 'last' },
  { kind: 'cross-entropy', steps: 'all', p: 3 },
];

for (const name of ACTIVATIONS) {
  for (const lc of LOSSES) {
    test(`BPTT matches central differences: ${name}, ${lc.kind} on ${lc.steps} step(s)${lc.p ? ' with readout' : ' on h'}, B = 3`, (t) => {
      const s = setup(activation(name), 101);
      const loss = makeLoss(lc.kind, lc.steps, s, new Rng(7), lc.p);
      const tape = createTape(s.rnn, s.B, s.T);
      const grads = createGradients(s.rnn, s.B, s.T, loss.readout);
      forward(s.rnn, s.x, s.h0, tape);
      const Lb = backward(s.rnn, tape, s.x, loss, grads);
      t.true(Math.abs(Lb - L(s, loss)) <= TOL.roundoff * Math.max(1, Math.abs(Lb)), 'backward returns the loss');
      const f = (): number => L(s, loss);
      const checks: [string, Float64Array, Float64Array][] = [
        ['W', grads.W, s.rnn.W],
        ['U', grads.U, s.rnn.U],
        ['b', grads.b, s.rnn.b],
        ['h0', grads.h0, s.h0],
      ];
      if (loss.readout) {
        checks.push(['V', grads.V!, loss.readout.V], ['c', grads.c!, loss.readout.c]);
      }
      for (const [field, analytic, param] of checks) {
        const err = gradientError(analytic, fivePointGradient(param, f));
        t.true(err < TOL.finiteDifference, `dL/d${field}: relative error ${err}`);
      }
      t.true(Math.abs(grads.hNorms[0]! - Math.hypot(...grads.h0)) <= TOL.roundoff, 'hNorms[0] = ||dL/dh0||');
    });
  }
}

test('per-step ||dL/dh_t|| equals the norm of the gradient of the remaining loss with respect to h_t', (t) => {
  // independent route: dL/dh_t by finite differences of the loss of a fresh run started at h_t
  for (const name of ['tanh', 'x / (1 + abs(x))']) {
    for (const steps of ['last', 'all'] as const) {
      const s = setup(activation(name), 202);
      const { rnn, B, T } = s;
      const { n, m } = rnn;
      const loss = makeLoss('squared-error', steps, s, new Rng(3));
      const tape = createTape(rnn, B, T);
      const grads = createGradients(rnn, B, T);
      forward(rnn, s.x, s.h0, tape);
      backward(rnn, tape, s.x, loss, grads);
      for (const tt of [1, 3, T - 1]) {
        const hState = tape.h.slice(tt * B * n, (tt + 1) * B * n);
        const rest = T - tt;
        const sub: Setup = { rnn, B, T: rest, x: s.x.slice(tt * B * m), h0: hState };
        const subLoss: RnnLoss =
          steps === 'last'
            ? loss
            : { kind: 'squared-error', steps: 'all', targets: loss.targets!.slice(tt * B * n) };
        // the loss term at step tt itself, on h_tt directly
        const here = (): number => {
          if (steps === 'last') return 0;
          let l = 0;
          for (let i = 0; i < B * n; i++) {
            const e = hState[i]! - loss.targets![(tt - 1) * B * n + i]!;
            l += (0.5 * e * e) / B;
          }
          return l;
        };
        const g = fivePointGradient(hState, () => here() + L(sub, subLoss, hState, sub.x));
        const norm = Math.hypot(...g);
        const err = Math.abs(norm - grads.hNorms[tt]!) / norm;
        t.true(err < TOL.finiteDifference, `${name}, ${steps}, t = ${tt}: ${grads.hNorms[tt]} vs ${norm}`);
      }
    }
  }
});

test('per-step Jacobian diag(f\'(a_t)) W matches central differences of one step', (t) => {
  for (const name of ACTIVATIONS) {
    const s = setup(activation(name), 303);
    const { rnn, B, T } = s;
    const { n, m } = rnn;
    const tape = createTape(rnn, B, T);
    forward(rnn, s.x, s.h0, tape);
    const J = new Float64Array(n * n);
    for (const [tt, r] of [[1, 0], [4, 2]] as const) {
      jacobian(rnn, tape, tt, r, J);
      const hPrev = tape.h.slice((tt - 1) * B * n + r * n, (tt - 1) * B * n + r * n + n);
      const xt = s.x.slice((tt - 1) * B * m + r * m, (tt - 1) * B * m + r * m + m);
      const fd = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        const old = hPrev[j]!;
        const hOf = (v: number): number[] => {
          hPrev[j] = v;
          const out: number[] = [];
          for (let i = 0; i < n; i++) {
            let a = rnn.b[i]!;
            for (let l = 0; l < n; l++) a += rnn.W[i * n + l]! * hPrev[l]!;
            for (let l = 0; l < m; l++) a += rnn.U[i * m + l]! * xt[l]!;
            out.push(rnn.activation.f(a));
          }
          return out;
        };
        const p1 = hOf(old + FD_STEP);
        const m1 = hOf(old - FD_STEP);
        const p2 = hOf(old + 2 * FD_STEP);
        const m2 = hOf(old - 2 * FD_STEP);
        hPrev[j] = old;
        for (let i = 0; i < n; i++) fd[i * n + j] = (8 * (p1[i]! - m1[i]!) - (p2[i]! - m2[i]!)) / (12 * FD_STEP);
      }
      const err = gradientError(J, fd);
      t.true(err < TOL.finiteDifference, `${name}, t = ${tt}, row ${r}: ${err}`);
    }
  }
});

test('createRnn names the field with a wrong shape or a non-finite entry', (t) => {
  const act = activation('tanh');
  const ok = { n: 2, m: 1, W: new Float64Array(4), U: new Float64Array(2), b: new Float64Array(2), activation: act };
  t.notThrows(() => createRnn(ok));
  t.throws(() => createRnn({ ...ok, W: new Float64Array(3) }), { message: /W must have 4 entries \(2 x 2\)/ });
  t.throws(() => createRnn({ ...ok, U: new Float64Array([0, NaN]) }), { message: /U\[1\] is NaN/ });
});
