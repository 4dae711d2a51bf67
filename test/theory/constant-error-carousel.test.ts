/**
 * The constant error carousel (Hochreiter and Schmidhuber 1997, section 3.2): the memory cell's
 * self-connection has weight 1 and the identity as activation, so the error carried back along the
 * cell state from step T to step t is not scaled,
 *
 *     dc_T/dc_t |_carousel = prod_{s=t+1..T} dc_s/dc_{s-1} |_{h_{s-1} fixed} = I     for every k = T - t,
 *
 * where the partial derivative through c only holds the gates' dependence on h fixed (no peepholes,
 * so the gates see c through h alone). With a forget gate (Gers, Schmidhuber and Cummins 2000) the
 * same path carries prod_s diag(f_s). A vanilla RNN's error is multiplied by diag(f'(a_s)) W at
 * every step, so ||prod|| <= (gamma sigma_max(W))^k (Bengio, Simard and Frasconi 1994; Pascanu,
 * Mikolov and Bengio 2013), which vanishes geometrically when gamma sigma_max < 1.
 *
 * Checked three ways: products of the c-c blocks of the step Jacobian (exactly), the error the real
 * backward pass carries along c when the carousel is the only path (Wh = 0, exactly), and central
 * differences of c_T with respect to c_0 through the real forward pass.
 */
import test from 'ava';
import fc from 'fast-check';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Rng } from '../../src/init/rng.ts';
import { backward, createGradients, createTape, forward } from '../../src/models/bptt.ts';
import { jacobian, type Tape } from '../../src/models/cell.ts';
import { carouselFactor, lstmFromParameters, type Lstm, type LstmRecords } from '../../src/models/lstm.ts';
import { createReadout, type Readout } from '../../src/models/readout.ts';

type LstmTape = Tape<LstmRecords>;
import { relativeError, TOL } from '../helpers/tolerance.ts';

const n = 4;
const m = 3;
const B = 2;

function randomRun(forgetGate: boolean, seed: number, T: number, opts: { zeroWh?: boolean; forgetBias?: number } = {}): { lstm: Lstm; ro: Readout; tape: LstmTape; x: Float64Array } {
  const lstm = lstmFromParameters({ n, m, forgetGate, peepholes: false, squash: 'tanh' });
  const ro = createReadout(n, 2);
  const rng = new Rng(seed);
  rng.fillNormal(lstm.theta, 0, 0.7);
  rng.fillNormal(ro.theta, 0, 0.7);
  if (opts.zeroWh) lstm.Wh.fill(0);
  if (forgetGate && opts.forgetBias !== undefined) lstm.b.fill(opts.forgetBias, lstm.offsets.f, lstm.offsets.f + n);
  const x = rng.fillNormal(new Float64Array(T * B * m));
  const tape = createTape(lstm, B, T);
  forward(lstm, x, tape, { s0: { h: rng.fillNormal(new Float64Array(B * n)), c: rng.fillNormal(new Float64Array(B * n)) } });
  return { lstm, ro, tape, x };
}

/** The c-c block (n x n) of the step Jacobian at step s, row r: dc_s/dc_{s-1} with h_{s-1} held. */
function carouselBlock(lstm: Lstm, tape: LstmTape, s: number, r: number): Float64Array {
  const N = 2 * n;
  const J = jacobian(lstm, tape, s, r);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = J[(n + i) * N + n + j]!;
  return out;
}

/** P <- P A (n x n), plain triple loop. */
function rightMultiply(P: Float64Array, A: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let l = 0; l < k; l++) s += P[i * k + l]! * A[l * k + j]!;
    out[i * k + j] = s;
  }
  return out;
}

function identity(k: number): Float64Array {
  const I = new Float64Array(k * k);
  for (let i = 0; i < k; i++) I[i * k + i] = 1;
  return I;
}

/** dc_T/dc_t along the carousel: J_T J_{T-1} ... J_{t+1} of the c-c blocks, multiplied from the left end as BPTT does. */
function carouselProduct(lstm: Lstm, tape: LstmTape, r: number, t: number, T: number): Float64Array {
  let P = identity(n);
  for (let s = T; s > t; s--) P = rightMultiply(P, carouselBlock(lstm, tape, s, r), n);
  return P;
}

test('1997 cell: the carousel Jacobian dc_T/dc_t (h held) is exactly the identity for every lag k', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 60 }), (seed, k) => {
      const T = k + 3;
      const { lstm, tape } = randomRun(false, seed, T);
      // the recurrent weights are generic, so the total derivative through h is not the identity
      if (!lstm.Wh.some((v) => v !== 0)) return false;
      for (let r = 0; r < B; r++) {
        const P = carouselProduct(lstm, tape, r, T - k, T);
        const I = identity(n);
        for (let i = 0; i < n * n; i++) if (P[i] !== I[i]) return false;
        const f = carouselFactor(lstm, tape, r, T - k, T, new Float64Array(n));
        if (!f.every((v) => v === 1)) return false;
      }
      return true;
    }),
    { numRuns: 40, seed: 1997 },
  );
  t.pass();
});

test('forget-gate cell: the carousel Jacobian is exactly diag(prod of the forget-gate activations)', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 60 }), (seed, k) => {
      const T = k + 3;
      const { lstm, tape } = randomRun(true, seed, T);
      for (let r = 0; r < B; r++) {
        const P = carouselProduct(lstm, tape, r, T - k, T);
        const f = carouselFactor(lstm, tape, r, T - k, T, new Float64Array(n));
        for (let i = 0; i < n; i++) {
          // the same product, read straight off the tape's forget gates in BPTT order
          let prod = 1;
          for (let s = T; s > T - k; s--) prod *= tape.records.gates[(s - 1) * B * 4 * n + r * 4 * n + lstm.offsets.f + i]!;
          if (f[i] !== prod || P[i * n + i] !== prod) return false;
          if (!(prod > 0 && prod < 1)) return false;
          for (let j = 0; j < n; j++) if (i !== j && P[i * n + j] !== 0) return false;
        }
      }
      return true;
    }),
    { numRuns: 40, seed: 2000 },
  );
  t.pass();
});

test('the real backward pass carries dL/dc_t unscaled along the carousel (1997) and scaled by f_t (forget gate), exactly', (t) => {
  const T = 50;
  for (const forgetGate of [false, true]) {
    // Wh = 0 and no peepholes: c_t reaches the loss at T only through the carousel
    const { lstm, ro, tape, x } = randomRun(forgetGate, 77, T, { zeroWh: true, forgetBias: 3 });
    const rng = new Rng(5);
    const g = createGradients(lstm, B, T, ro);
    backward(lstm, tape, x, { kind: 'squared-error', steps: 'last', targets: rng.fillNormal(new Float64Array(B * ro.p)) }, ro, g);
    const grads = { dc: g.perStep!.c!, cNorms: g.norms.c! };
    const bn = B * n;
    t.true(grads.cNorms[T]! > 1e-3, 'the loss reaches c_T');
    const expected = grads.dc.slice(T * bn, (T + 1) * bn);
    for (let s = T; s >= 1; s--) {
      for (let k = 0; k < bn; k++) {
        t.is(grads.dc[s * bn + k], expected[k], `dL/dc_${s}[${k}]`);
        if (forgetGate) {
          const r = Math.floor(k / n);
          expected[k]! *= tape.records.gates[(s - 1) * B * 4 * n + r * 4 * n + lstm.offsets.f + (k % n)]!;
        }
      }
    }
    for (let k = 0; k < bn; k++) t.is(grads.dc[k], expected[k], `dL/dc_0[${k}]`);
    if (!forgetGate) t.is(grads.cNorms[0], grads.cNorms[T]);
    else t.true(grads.cNorms[0]! < grads.cNorms[T]!);
  }
});

test('central differences through the forward pass: dc_T/dc_0 equals the carousel factor when the carousel is the only path', (t) => {
  const T = 40;
  const h = 1e-5;
  for (const forgetGate of [false, true]) {
    const { lstm, x } = randomRun(forgetGate, 31, T, { zeroWh: true, forgetBias: 3 });
    const tape = createTape(lstm, B, T);
    forward(lstm, x, tape);
    const f = carouselFactor(lstm, tape, 0, 0, T, new Float64Array(n));
    const c0 = new Float64Array(B * n);
    for (let j = 0; j < n; j++) {
      c0[j] = h;
      forward(lstm, x, tape, { s0: { c: c0 } });
      const plus = tape.states.c!.slice(T * B * n, T * B * n + n);
      c0[j] = -h;
      forward(lstm, x, tape, { s0: { c: c0 } });
      const minus = tape.states.c!.slice(T * B * n, T * B * n + n);
      c0[j] = 0;
      for (let i = 0; i < n; i++) {
        const fd = (plus[i]! - minus[i]!) / (2 * h);
        if (i === j) t.true(relativeError(fd, f[i]!) < TOL.finiteDifference, `d c_T[${i}] / d c_0[${j}] = ${fd}, carousel ${f[i]}`);
        else t.true(Math.abs(fd) < TOL.finiteDifference, `off-diagonal ${fd}`);
      }
    }
  }
});

test('with recurrent weights the total dc_T/dc_0 leaves the carousel: the restriction to the c path matters', (t) => {
  const T = 20;
  const { lstm, x } = randomRun(false, 31, T);
  const tape = createTape(lstm, B, T);
  const c0 = new Float64Array(B * n);
  const h = 1e-5;
  let deviation = 0;
  for (let j = 0; j < n; j++) {
    c0[j] = h;
    forward(lstm, x, tape, { s0: { c: c0 } });
    const plus = tape.states.c!.slice(T * B * n, T * B * n + n);
    c0[j] = -h;
    forward(lstm, x, tape, { s0: { c: c0 } });
    const minus = tape.states.c!.slice(T * B * n, T * B * n + n);
    c0[j] = 0;
    for (let i = 0; i < n; i++) deviation = Math.max(deviation, Math.abs((plus[i]! - minus[i]!) / (2 * h) - (i === j ? 1 : 0)));
  }
  t.true(deviation > 1e-2, `largest |dc_T/dc_0 - I| entry ${deviation}`);
});

test('a vanilla RNN scales the same error by prod diag(f\'(a_s)) W, bounded by (gamma sigma_max)^k, while the carousel keeps 1', (t) => {
  // tanh RNN h_s = tanh(W h_{s-1} + U x_s), W scaled to sigma_max = 0.9, gamma = sup tanh' = 1
  const nr = 6;
  const K = 60;
  const rng = new Rng(11);
  const W = rng.fillNormal(new Float64Array(nr * nr));
  const sigmaOf = (A: Float64Array, k: number): number =>
    new SingularValueDecomposition(new Matrix(Array.from({ length: k }, (_, i) => Array.from(A.subarray(i * k, (i + 1) * k))))).diagonal[0]!;
  const s0 = sigmaOf(W, nr);
  for (let i = 0; i < W.length; i++) W[i]! *= 0.9 / s0;
  const gammaSigma = 1 * sigmaOf(W, nr);
  t.true(relativeError(gammaSigma, 0.9) < TOL.roundoff);
  let hState = rng.fillNormal(new Float64Array(nr));
  let P = identity(nr);
  const norms: number[] = [];
  for (let k = 1; k <= K; k++) {
    const next = new Float64Array(nr);
    const J = new Float64Array(nr * nr);
    for (let i = 0; i < nr; i++) {
      let a = rng.normal();
      for (let j = 0; j < nr; j++) a += W[i * nr + j]! * hState[j]!;
      next[i] = Math.tanh(a);
      const d = 1 - next[i]! * next[i]!;
      for (let j = 0; j < nr; j++) J[i * nr + j] = d * W[i * nr + j]!;
    }
    hState = next;
    // dh_K/dh_0 = J_K ... J_1: new factors enter on the left
    P = rightMultiply(J, P, nr);
    norms.push(sigmaOf(P, nr));
    t.true(norms[k - 1]! <= gammaSigma ** k * (1 + TOL.roundoff), `k = ${k}: ||P|| = ${norms[k - 1]} > ${gammaSigma ** k}`);
  }
  t.true(norms[K - 1]! < 1e-2, `vanilla factor after ${K} steps: ${norms[K - 1]}`);
  // the 1997 cell over the same lag: exactly 1
  const { lstm, tape } = randomRun(false, 11, K);
  const f = carouselFactor(lstm, tape, 0, 0, K, new Float64Array(n));
  t.true(f.every((v) => v === 1));
  const P1997 = carouselProduct(lstm, tape, 0, 0, K);
  t.deepEqual(Array.from(P1997), Array.from(identity(n)));
});
