/**
 * The public API's multi-dimensional arrays: scijs `ndarray` views over the Float64Arrays the
 * simulator computes in, so a script passes weight matrices and inputs as ndarrays and receives
 * state trajectories and Jacobians as ndarrays, without copies. Inside the package every array is a
 * flat row-major Float64Array (kernels take stride and offset); this module is the only place that
 * converts, at the edge.
 *
 * @example
 *   import { weightMatrix, rnnTrajectory } from 'rnn-dynamics';
 *   const W = weightMatrix('orthogonal', 8, 8, { seed: 1, gain: 0.9 });  // 8 x 8 ndarray
 *   const h = rnnTrajectory({ W, activation: 'tanh' }, { steps: 50 });  // 51 x 8: h_0 .. h_50
 *   h.get(50, 0);
 */
import ndarray, { type NdArray } from 'ndarray';
import { activation as activationFromSpec } from './activations/index.ts';
import { Rng } from './init/rng.ts';
import { initWeights, type InitName } from './init/weights.ts';
import { createRnn, createTape, forward, freeRnn, freeTape, jacobian, type Rnn } from './models/rnn.ts';

export type { NdArray } from 'ndarray';

/** A rows x cols row-major view of `data` from `offset` (no copy: writes go through). */
export function matrixView(data: Float64Array, rows: number, cols: number, offset = 0): NdArray<Float64Array> {
  if (offset + rows * cols > data.length) throw new RangeError(`matrixView: ${rows} x ${cols} from offset ${offset} needs ${offset + rows * cols} entries, the array has ${data.length}`);
  return ndarray(data, [rows, cols], [cols, 1], offset);
}

/** True when `a` walks its data in row-major order without gaps (so its data can be used as is). */
function isRowMajor(a: NdArray): boolean {
  let expected = 1;
  for (let d = a.shape.length - 1; d >= 0; d--) {
    if (a.shape[d]! !== 1 && a.stride[d] !== expected) return false;
    expected *= a.shape[d]!;
  }
  return true;
}

/**
 * The entries of `a` as a flat row-major Float64Array: its own data (no copy) when `a` is a
 * contiguous row-major view of a Float64Array, a copy otherwise (transposed or strided views,
 * plain arrays).
 */
export function rowMajorData(a: NdArray): Float64Array {
  if (a.data instanceof Float64Array && isRowMajor(a)) {
    return a.offset === 0 && a.size === a.data.length ? a.data : a.data.subarray(a.offset, a.offset + a.size);
  }
  const out = new Float64Array(a.size);
  const idx = new Array<number>(a.dimension).fill(0);
  for (let k = 0; k < a.size; k++) {
    out[k] = Number(a.get(...idx));
    for (let d = a.dimension - 1; d >= 0; d--) {
      if (++idx[d]! < a.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The data of a matrix argument, with its shape checked (the error names the argument). */
function matrixData(name: string, a: NdArray, rows: number, cols: number): Float64Array {
  if (a.dimension !== 2 || a.shape[0] !== rows || a.shape[1] !== cols) {
    throw new RangeError(`${name}: expected a ${rows} x ${cols} ndarray, found shape [${a.shape.join(', ')}]`);
  }
  return rowMajorData(a);
}

/**
 * A rows x cols weight matrix from a named initialisation (src/init/weights.ts: gaussian,
 * orthogonal, identity, xavier, he, ...) scaled by `gain`, drawn from the seeded generator.
 */
export function weightMatrix(init: InitName, rows: number, cols: number, opts: { seed: number; gain?: number }): NdArray<Float64Array> {
  return matrixView(initWeights(init, rows, cols, new Rng(opts.seed), opts.gain ?? 1), rows, cols);
}

/** A vanilla RNN h_t = f(W h_{t-1} + U x_t + b) with ndarray weights. */
export interface RnnWeights {
  /** Recurrent weights, n x n. */
  W: NdArray;
  /** Input weights, n x m (omit for an autonomous network, m = 0). */
  U?: NdArray;
  /** Bias, length n (default 0). */
  b?: NdArray;
  /** 'sigmoid', 'tanh', 'relu', 'identity' or an expression in x, e.g. 'x / (1 + abs(x))'. */
  activation: string;
}

/** Inputs x_1..x_T as a T x m ndarray, or the number of steps of an autonomous run. */
export type RnnInputs = NdArray | { steps: number };

function buildRnn(p: RnnWeights, inputs: RnnInputs): { rnn: Rnn; x: Float64Array; T: number } {
  if (p.W.dimension !== 2 || p.W.shape[0] !== p.W.shape[1]) throw new RangeError(`W: expected a square n x n ndarray, found shape [${p.W.shape.join(', ')}]`);
  const n = p.W.shape[0]!;
  const stepsOnly = !('shape' in inputs);
  const T = stepsOnly ? inputs.steps : inputs.shape[0]!;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`inputs: expected at least one step, found ${T}`);
  const m = p.U ? p.U.shape[1]! : 0;
  if (!stepsOnly && (inputs.dimension !== 2 || inputs.shape[1] !== m)) {
    throw new RangeError(`inputs: expected a T x ${m} ndarray (m = columns of U), found shape [${inputs.shape.join(', ')}]`);
  }
  if (stepsOnly && m > 0) throw new RangeError('inputs: a network with input weights U needs a T x m inputs ndarray, not a step count');
  const b = p.b ? rowMajorData(p.b) : new Float64Array(n);
  if (b.length !== n) throw new RangeError(`b: expected ${n} entries, found ${b.length}`);
  const rnn = createRnn({
    n,
    m,
    W: matrixData('W', p.W, n, n),
    U: p.U ? matrixData('U', p.U, n, m) : new Float64Array(0),
    b,
    activation: activationFromSpec(p.activation),
  });
  return { rnn, x: stepsOnly ? new Float64Array(0) : rowMajorData(inputs), T };
}

function initialState(h0: NdArray | undefined, n: number): Float64Array {
  if (!h0) return new Float64Array(n);
  const v = rowMajorData(h0);
  if (v.length !== n) throw new RangeError(`h0: expected ${n} entries, found ${v.length}`);
  return v;
}

/**
 * The state trajectory h_0, h_1, ..., h_T of the network from h0 (default 0): a (T+1) x n ndarray
 * over a fresh Float64Array (row t is h_t).
 */
export function rnnTrajectory(p: RnnWeights, inputs: RnnInputs, h0?: NdArray): NdArray<Float64Array> {
  const { rnn, x, T } = buildRnn(p, inputs);
  const tape = createTape(rnn, 1, T);
  try {
    forward(rnn, x, initialState(h0, rnn.n), tape);
    return matrixView(Float64Array.from(tape.h), T + 1, rnn.n);
  } finally {
    freeTape(tape);
    freeRnn(rnn);
  }
}

/**
 * The per-step Jacobians J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W for t = 1..T along the trajectory
 * from h0: a T x n x n ndarray (J_t at index t - 1), whose products give the gradient's fate
 * (Pascanu, Mikolov and Bengio 2013).
 */
export function rnnJacobians(p: RnnWeights, inputs: RnnInputs, h0?: NdArray): NdArray<Float64Array> {
  const { rnn, x, T } = buildRnn(p, inputs);
  const tape = createTape(rnn, 1, T);
  const n = rnn.n;
  const out = new Float64Array(T * n * n);
  try {
    forward(rnn, x, initialState(h0, n), tape);
    for (let t = 1; t <= T; t++) jacobian(rnn, tape, t, 0, out.subarray((t - 1) * n * n, t * n * n));
    return ndarray(out, [T, n, n]);
  } finally {
    freeTape(tape);
    freeRnn(rnn);
  }
}
