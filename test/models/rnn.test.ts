/**
 * The vanilla RNN: forward against a naive loop, BPTT against central finite differences for
 * every activation (built-in and expression) and both losses with B > 1, the per-step gradient
 * norms against an independent sub-sequence route, and the per-step Jacobian against finite
 * differences.
 */
import test from 'ava';
import { activation, type Activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { jacobian } from '../../src/models/cell.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { createRnn, type Rnn } from '../../src/models/rnn.ts';
import { gradientViews, lossOf, randomLoss, randomReadout, runCell } from '../helpers/cells.ts';
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

interface Case {
  loss: SequenceLoss;
  readout: Readout | null;
}

function makeLoss(kind: SequenceLoss['kind'], steps: SequenceLoss['steps'], s: Setup, rng: Rng, p?: number): Case {
  const readout = randomReadout(s.rnn.n, p, rng);
  return { loss: randomLoss(kind, steps, p ?? s.rnn.n, s.B, s.T, rng), readout };
}

function L(s: Setup, c: Case, h0 = s.h0, x = s.x): number {
  return lossOf(s.rnn, s.B, s.T, x, { h: h0 }, c.loss, c.readout);
}

test('forward matches a naive loop, and pre-activations are kept only for expression activations', (t) => {
  for (const name of ACTIVATIONS) {
    const act = activation(name);
    const s = setup(act, 11);
    const { rnn, B, T, x, h0 } = s;
    const { n, m } = rnn;
    const tape = createTape(rnn, B, T);
    forward(rnn, x, tape, { s0: { h: h0 } });
    t.is(tape.records.a === null, act.dfFromOutput !== undefined, name);
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
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(h[i]! - tape.states.h[step * B * n + r * n + i]!));
      }
    }
    t.true(worst <= TOL.roundoff, `${name}: max |h - naive| = ${worst}`);
  }
});

const LOSSES: { kind: SequenceLoss['kind']; steps: SequenceLoss['steps']; p?: number }[] = [
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
      const run = runCell(s.rnn, s.B, s.T, s.x, { h: s.h0 }, loss.loss, loss.readout);
      const Lb = run.L;
      const grads = gradientViews(s.rnn, run.grads, loss.readout);
      t.true(Math.abs(Lb - L(s, loss)) <= TOL.roundoff * Math.max(1, Math.abs(Lb)), 'backward returns the loss');
      const f = (): number => L(s, loss);
      const checks: [string, Float64Array, Float64Array][] = [
        ['W', grads.W!, s.rnn.W],
        ['U', grads.U!, s.rnn.U],
        ['b', grads.b!, s.rnn.b],
        ['h0', grads.h0!, s.h0],
      ];
      if (loss.readout) {
        checks.push(['V', grads.V!, loss.readout.V], ['c', grads.c!, loss.readout.c]);
      }
      for (const [field, analytic, param] of checks) {
        const err = gradientError(analytic, fivePointGradient(param, f));
        t.true(err < TOL.finiteDifference, `dL/d${field}: relative error ${err}`);
      }
      t.true(Math.abs(run.grads.norms.h[0]! - Math.hypot(...grads.h0!)) <= TOL.roundoff, 'hNorms[0] = ||dL/dh0||');
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
      const { tape, grads } = runCell(rnn, B, T, s.x, { h: s.h0 }, loss.loss);
      for (const tt of [1, 3, T - 1]) {
        const hState = tape.states.h.slice(tt * B * n, (tt + 1) * B * n);
        const rest = T - tt;
        const sub: Setup = { rnn, B, T: rest, x: s.x.slice(tt * B * m), h0: hState };
        const subLoss: Case =
          steps === 'last'
            ? loss
            : { loss: { kind: 'squared-error', steps: 'all', targets: loss.loss.targets!.slice(tt * B * n) }, readout: null };
        // the loss term at step tt itself, on h_tt directly
        const here = (): number => {
          if (steps === 'last') return 0;
          let l = 0;
          for (let i = 0; i < B * n; i++) {
            const e = hState[i]! - loss.loss.targets![(tt - 1) * B * n + i]!;
            l += (0.5 * e * e) / B;
          }
          return l;
        };
        const g = fivePointGradient(hState, () => here() + L(sub, subLoss, hState, sub.x));
        const norm = Math.hypot(...g);
        const err = Math.abs(norm - grads.norms.h[tt]!) / norm;
        t.true(err < TOL.finiteDifference, `${name}, ${steps}, t = ${tt}: ${grads.norms.h[tt]} vs ${norm}`);
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
    forward(rnn, s.x, tape, { s0: { h: s.h0 } });
    const J = new Float64Array(n * n);
    for (const [tt, r] of [[1, 0], [4, 2]] as const) {
      jacobian(rnn, tape, tt, r, J);
      const hPrev = tape.states.h.slice((tt - 1) * B * n + r * n, (tt - 1) * B * n + r * n + n);
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
