/**
 * The analysis in float32 (precision: 'float32' cells): Jacobian-product norms, gradient flow and
 * Lyapunov spectra of a float32 RNN against the float64 run of the same function (weights, inputs
 * and initial state rounded to float32 first, so the two differ only by the float32 arithmetic),
 * within the stated float32 tolerances; each float32 result must also differ from the float64 one
 * (the float32 route really ran). The same for the forget-gate LSTM (over (h, c)) and the GRU
 * (issue16-cells' float32 cells). The float32 Gram-Schmidt kernel against its TypeScript reference.
 */
import test from 'ava';
import { activation } from '../../src/activations/index.ts';
import { gradientFlow } from '../../src/analysis/gradient-flow.ts';
import { productNorms } from '../../src/analysis/jacobian-products.ts';
import { lyapunovSpectrum, mgsKernel } from '../../src/analysis/lyapunov.ts';
import { Rng } from '../../src/init/rng.ts';
import { allocF32, allocF64 } from '../../src/linalg/wasm.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import type { SequenceLoss } from '../../src/models/readout.ts';
import { createRnn } from '../../src/models/rnn.ts';
import type { RecurrentCell } from '../../src/models/cell.ts';
import { createGru, gruFromParameters } from '../../src/models/gru.ts';
import { createLstm, lstmFromParameters } from '../../src/models/lstm.ts';
import type { Real } from '../../src/linalg/precision.ts';
import { TOL } from '../helpers/tolerance.ts';

const TANH = activation('tanh');

/** Float64 values that are exactly float32 numbers. */
function f32Values(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/** (n, gain, T): a contracting, a driven gain-1.5 and a wider network. */
const CONFIGS = [
  [16, 0.9, 60],
  [32, 1.5, 100],
  [64, 1.0, 80],
] as const;

function pair(seed: number, n: number, gain: number, T: number) {
  const rng = new Rng(seed);
  const m = 2;
  const W = f32Values(rng.fillNormal(new Float64Array(n * n), 0, gain / Math.sqrt(n)));
  const U = f32Values(rng.fillNormal(new Float64Array(n * m), 0, 1 / Math.sqrt(m)));
  const b = f32Values(rng.fillNormal(new Float64Array(n), 0, 0.1));
  const x = f32Values(rng.fillNormal(new Float64Array(T * m)));
  const h0 = f32Values(rng.fillNormal(new Float64Array(n), 0, 0.5));
  const r64 = createRnn({ n, m, W, U, b, activation: TANH });
  const r32 = createRnn({ n, m, W, U, b, activation: TANH, precision: 'float32' });
  return { n, m, T, x, h0, r64, r32 };
}

for (const [n, gain, T] of CONFIGS) {
  test(`productNorms of a float32 RNN (n = ${n}, gain ${gain}, T = ${T}): ln ||P_k|| and the step norms within the float32 tolerance of float64`, (t) => {
    const { x, h0, r64, r32 } = pair(7 + n, n, gain, T);
    const t64 = createTape(r64, 1, T);
    forward(r64, x, t64, { s0: { h: h0 } });
    const t32 = createTape(r32, 1, T);
    forward(r32, Float32Array.from(x), t32, { s0: { h: h0 } });
    const p64 = productNorms(r64, t64);
    const p32 = productNorms(r32, t32);
    t.deepEqual(p32.unconvergedLags, []);
    let e = 0;
    for (let k = 0; k < T; k++) {
      e = Math.max(e, Math.abs(p32.logNorms[k]! - p64.logNorms[k]!), Math.abs(p32.logStepNormProducts[k]! - p64.logStepNormProducts[k]!));
    }
    t.log(`max |ln ||P_k||_32 - ln ||P_k||_64| = ${e.toExponential(2)}`);
    t.true(e <= TOL.float32LogNorm, `${e}`);
    t.true(e > 1e-12, 'the float32 route ran');
  });

  test(`gradientFlow of a float32 RNN (n = ${n}, gain ${gain}, T = ${T}): ||dL/dh_{T-k}|| within the float32 tolerance of float64, same reach`, (t) => {
    const { x, h0, r64, r32 } = pair(7 + n, n, gain, T);
    const loss: SequenceLoss = { kind: 'squared-error', steps: 'last', targets: new Float64Array(n).fill(0.1) };
    const g64 = gradientFlow(r64, x, { h: h0 }, 1, T, loss);
    const g32 = gradientFlow(r32, Float32Array.from(x), { h: h0 }, 1, T, loss);
    let e = 0;
    for (let k = 0; k <= T; k++) e = Math.max(e, Math.abs(Math.log(g32.normsByLag[k]!) - Math.log(g64.normsByLag[k]!)));
    t.log(`max |ln ||dL/dh||_32 - ln ||dL/dh||_64| = ${e.toExponential(2)}`);
    t.true(e <= TOL.float32LogNorm, `${e}`);
    t.true(e > 1e-12, 'the float32 route ran');
    t.is(g32.reach, g64.reach);
    t.true(Math.abs(g32.loss - g64.loss) <= TOL.float32LogNorm * g64.loss);
  });

  test(`lyapunovSpectrum of a float32 RNN (n = ${n}, gain ${gain}): every exponent within the float32 tolerance of float64, the sum against ln |det J_t|`, (t) => {
    const { h0, r64, r32 } = pair(7 + n, n, gain, 10);
    const input = (s: number, xt: Float64Array) => {
      xt[0] = Math.sin(s);
      xt[1] = 0.5;
    };
    const l64 = lyapunovSpectrum(r64, { k: n, steps: 400, s0: { h: h0 }, logDet: true, input });
    const l32 = lyapunovSpectrum(r32, { k: n, steps: 400, s0: { h: h0 }, logDet: true, input });
    t.true(l64.exponents[0]! < 0, 'not chaotic: the two trajectories converge');
    let e = 0;
    for (let i = 0; i < n; i++) e = Math.max(e, Math.abs(l32.exponents[i]! - l64.exponents[i]!));
    t.log(`max |lambda_32 - lambda_64| = ${e.toExponential(2)}`);
    t.true(e <= TOL.float32Lyapunov, `${e}`);
    t.true(e > 1e-12, 'the float32 route ran');
    t.true(Math.abs(l32.meanLogAbsDet - l64.meanLogAbsDet) <= TOL.float32Lyapunov * Math.abs(l64.meanLogAbsDet));
    let sum = 0;
    for (const v of l32.exponents) sum += v;
    t.true(Math.abs(sum - l32.meanLogAbsDet) <= TOL.float32Lyapunov * Math.abs(sum));
    t.true(l32.s.h instanceof Float64Array);
  });
}

test('the float32 Gram-Schmidt kernel (kernels.ts smgs) against its TypeScript reference: Q and r within the stated tolerance, rows orthonormal in float32', (t) => {
  for (const [k, n] of [
    [7, 13],
    [16, 64],
    [33, 101],
  ] as const) {
    const src = new Rng(k).fillNormal(new Float64Array(k * n));
    const a = allocF32(k * n);
    a.set(src);
    const ra = allocF64(k);
    const b = Float32Array.from(src);
    const rb = new Float64Array(k);
    mgsKernel(a, k, n, ra); // the kernel (heap arrays)
    mgsKernel(b, k, n, rb); // the reference (plain arrays)
    let eq = 0;
    let er = 0;
    let orth = 0;
    for (let i = 0; i < k * n; i++) eq = Math.max(eq, Math.abs(a[i]! - b[i]!));
    for (let i = 0; i < k; i++) er = Math.max(er, Math.abs(ra[i]! - rb[i]!) / rb[i]!);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let d = 0;
        for (let l = 0; l < n; l++) d += a[i * n + l]! * a[j * n + l]!;
        orth = Math.max(orth, Math.abs(d - (i === j ? 1 : 0)));
      }
    }
    t.true(eq <= TOL.float32Gramschmidt && er <= TOL.float32Gramschmidt, `k = ${k}, n = ${n}: Q ${eq}, r ${er}`);
    t.true(orth <= TOL.float32Gramschmidt, `orthonormal to ${orth}`);
    t.true(orth > 1e-12, 'float32 arithmetic');
  }
});

test('a zero row stays zero with r = 0 in the float32 kernel and reference', (t) => {
  const n = 9;
  for (const heap of [true, false]) {
    const V = heap ? allocF32(3 * n) : new Float32Array(3 * n);
    const r = heap ? allocF64(3) : new Float64Array(3);
    for (let l = 0; l < n; l++) {
      V[l] = l + 1;
      V[n + l] = (l % 3) - 1;
      V[2 * n + l] = 0;
    }
    mgsKernel(V, 3, n, r);
    t.is(r[2], 0);
    for (let l = 0; l < n; l++) t.is(V[2 * n + l], 0);
  }
});

/** A gated cell in float64 and float32 on the same float32-exact parameters (recurrent gain g). */
function gatedPair(kind: 'lstm' | 'gru', n: number, m: number, g: number): { c64: RecurrentCell<unknown, unknown, Real>; c32: RecurrentCell<unknown, unknown, Real> } {
  const rng = new Rng(kind === 'lstm' ? 11 : 12);
  if (kind === 'lstm') {
    const base = createLstm({ n, m, forgetGate: true, gain: g, forgetBias: 1 }, rng);
    const theta = Float64Array.from(Float32Array.from(base.theta));
    return { c64: lstmFromParameters({ n, m, forgetGate: true }, theta), c32: lstmFromParameters({ n, m, forgetGate: true, precision: 'float32' }, theta) };
  }
  const base = createGru({ n, m, gain: g }, rng);
  const theta = Float64Array.from(Float32Array.from(base.theta));
  return { c64: gruFromParameters(n, m, theta), c32: gruFromParameters(n, m, theta, { precision: 'float32' }) };
}

for (const kind of ['lstm', 'gru'] as const) {
  test(`float32 ${kind} (n = 16): Jacobian-product norms over the whole state, gradient flow (h and, for the LSTM, c) and the Lyapunov spectrum within the float32 tolerances of float64`, (t) => {
    const n = 16;
    const m = 2;
    const T = 60;
    const { c64, c32 } = gatedPair(kind, n, m, 1.2);
    const rng = new Rng(5);
    const x = Float64Array.from(Float32Array.from(rng.fillNormal(new Float64Array(T * m))));
    const h0 = Float64Array.from(Float32Array.from(rng.fillNormal(new Float64Array(n), 0, 0.5)));
    const s0 = { h: h0, c: h0 };
    // Jacobian products
    const t64 = createTape(c64, 1, T);
    forward(c64, x, t64, { s0 });
    const t32 = createTape(c32, 1, T);
    forward(c32, Float32Array.from(x), t32, { s0 });
    const p64 = productNorms(c64, t64);
    const p32 = productNorms(c32, t32);
    let e = 0;
    for (let k = 0; k < T; k++) e = Math.max(e, Math.abs(p32.logNorms[k]! - p64.logNorms[k]!), Math.abs(p32.logStepNormProducts[k]! - p64.logStepNormProducts[k]!));
    t.log(`products: ${e.toExponential(2)}`);
    t.true(e <= TOL.float32LogNorm && e > 1e-12, `products ${e}`);
    // gradient flow
    const loss: SequenceLoss = { kind: 'squared-error', steps: 'last', targets: new Float64Array(n).fill(0.1) };
    const g64 = gradientFlow(c64, x, s0, 1, T, loss);
    const g32 = gradientFlow(c32, Float32Array.from(x), s0, 1, T, loss);
    e = 0;
    for (let k = 0; k <= T; k++) {
      e = Math.max(e, Math.abs(Math.log(g32.normsByLag[k]!) - Math.log(g64.normsByLag[k]!)));
      if (g64.cell) e = Math.max(e, Math.abs(Math.log(g32.cell!.normsByLag[k]!) - Math.log(g64.cell.normsByLag[k]!)));
    }
    t.log(`gradient flow: ${e.toExponential(2)}`);
    t.true(e <= TOL.float32LogNorm && e > 1e-12, `gradient flow ${e}`);
    t.is(g32.cell === null, kind === 'gru');
    // Lyapunov spectrum over the whole state
    const S = kind === 'lstm' ? 2 * n : n;
    const input = (s: number, xt: Float64Array) => {
      xt[0] = Math.sin(s);
      xt[1] = 0.5;
    };
    const l64 = lyapunovSpectrum(c64, { k: S, steps: 300, s0, input });
    const l32 = lyapunovSpectrum(c32, { k: S, steps: 300, s0, input });
    t.true(l64.exponents[0]! < 0, 'not chaotic');
    e = 0;
    for (let i = 0; i < S; i++) e = Math.max(e, Math.abs(l32.exponents[i]! - l64.exponents[i]!));
    t.log(`Lyapunov: ${e.toExponential(2)} (lambda_1 = ${l64.exponents[0]!.toFixed(4)}, lambda_S = ${l64.exponents[S - 1]!.toFixed(4)})`);
    t.true(e <= TOL.float32Lyapunov && e > 1e-12, `Lyapunov ${e}`);
  });
}
