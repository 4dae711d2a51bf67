/**
 * The recurrent-cell contract (src/models/cell.ts) for every cell: the dense step Jacobian against
 * central differences of the cell's own step, and the two products with vectors (jvp: V J^T, vjp:
 * U J) against the dense matrix, over the whole state (h, or h and c) of a batch row.
 */
import test from 'ava';
import { activation } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { jacobian, stateSize, type RecurrentCell } from '../../src/models/cell.ts';
import { gruFromParameters } from '../../src/models/gru.ts';
import { lstmFromParameters } from '../../src/models/lstm.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { maxRelativeError, TOL } from '../helpers/tolerance.ts';

const n = 4;
const m = 2;
const B = 3;
const T = 5;

function random(cell: RecurrentCell, seed: number, std: number): RecurrentCell {
  new Rng(seed).fillNormal(cell.theta, 0, std);
  return cell;
}

const CELLS: [string, () => RecurrentCell][] = [
  ['rnn, tanh', () => random(createRnn({ n, m, W: new Float64Array(n * n), U: new Float64Array(n * m), b: new Float64Array(n), activation: activation('tanh') }), 1, 0.8)],
  ['rnn, x / (1 + abs(x))', () => random(createRnn({ n, m, W: new Float64Array(n * n), U: new Float64Array(n * m), b: new Float64Array(n), activation: activation('x / (1 + abs(x))') }), 2, 0.8)],
  ['lstm 1997 + peepholes', () => random(lstmFromParameters({ n, m, forgetGate: false, peepholes: true }), 3, 0.5)],
  ['lstm forget gate', () => random(lstmFromParameters({ n, m, forgetGate: true }), 4, 0.5)],
  ['lstm forget gate + peepholes, scaled sigmoids', () => random(lstmFromParameters({ n, m, forgetGate: true, peepholes: true, squash: 'scaled-sigmoid' }), 5, 0.5)],
  ['gru', () => random(gruFromParameters(n, m), 6, 0.6)],
];

/** Multiply rows: out (k x S) = V (k x S) A^T (S x S). */
function timesTransposed(V: Float64Array, A: Float64Array, k: number, S: number): Float64Array {
  const out = new Float64Array(k * S);
  for (let q = 0; q < k; q++) for (let i = 0; i < S; i++) {
    let s = 0;
    for (let j = 0; j < S; j++) s += V[q * S + j]! * A[i * S + j]!;
    out[q * S + i] = s;
  }
  return out;
}

function times(U: Float64Array, A: Float64Array, k: number, S: number): Float64Array {
  const out = new Float64Array(k * S);
  for (let q = 0; q < k; q++) for (let j = 0; j < S; j++) {
    let s = 0;
    for (let i = 0; i < S; i++) s += U[q * S + i]! * A[i * S + j]!;
    out[q * S + j] = s;
  }
  return out;
}

for (const [label, make] of CELLS) {
  test(`${label}: the step Jacobian matches central differences of the step, and jvp, vjp equal products with it`, (t) => {
    const cell = make();
    const S = stateSize(cell);
    const rng = new Rng(9);
    const x = rng.fillNormal(new Float64Array(T * B * m));
    const s0 = { h: rng.fillNormal(new Float64Array(B * n), 0, 0.5), c: rng.fillNormal(new Float64Array(B * n), 0, 0.5) };
    const tape = createTape(cell, B, T);
    forward(cell, x, tape, { s0 });
    const one = createTape(cell, 1, 1);
    for (const [step, r] of [[1, 0], [T, 2]] as const) {
      const J = jacobian(cell, tape, step, r);
      // central differences of s_t (whole state) with respect to s_{t-1}, through one step of the cell
      const prev = new Float64Array(S);
      cell.state.forEach((part, k) => prev.set(tape.states[part]!.subarray(((step - 1) * B + r) * n, ((step - 1) * B + r + 1) * n), k * n));
      const xs = x.slice(((step - 1) * B + r) * m, ((step - 1) * B + r + 1) * m);
      const fd = new Float64Array(S * S);
      for (let i = 0; i < S; i++) {
        const col = fivePointGradient(prev, () => {
          forward(cell, xs, one, { s0: { h: prev.subarray(0, n), c: prev.subarray(n, 2 * n) } });
          const k = Math.floor(i / n);
          return one.states[cell.state[k]!]![n + (i % n)]!;
        });
        for (let j = 0; j < S; j++) fd[i * S + j] = col[j]!;
      }
      const err = gradientError(J, fd);
      t.true(err < TOL.finiteDifference, `t = ${step}, row ${r}: dense Jacobian against differences ${err}`);
      // three vectors at once, in and out of the kernel heap
      const k = 3;
      const V = rng.fillNormal(allocF64(k * S));
      const work = cell.createWork(k);
      const out = allocF64(k * S);
      cell.jvp(tape, step, r, k, V, out, work);
      t.true(maxRelativeError(out, timesTransposed(V, J, k, S), 1e-12) < TOL.roundoff, 'jvp = V J^T');
      cell.vjp(tape, step, r, k, V, out, work);
      t.true(maxRelativeError(out, times(V, J, k, S), 1e-12) < TOL.roundoff, 'vjp = V J');
      cell.freeWork(work);
    }
  });
}
