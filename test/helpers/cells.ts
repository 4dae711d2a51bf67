/**
 * Shared set-up of the cell tests: a forward and backward run of any cell through the driver
 * (src/models/bptt.ts), named views of its gradients, random losses and readouts.
 */
import { IDENTITY } from '../../src/activations/index.ts';
import type { Rng } from '../../src/init/rng.ts';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { backward, createGradients, createTape, forward, lossValue, type Gradients } from '../../src/models/bptt.ts';
import { views, type RecurrentCell, type StateArrays, type Tape } from '../../src/models/cell.ts';
import { createReadout, readoutViews, type LossKind, type Readout, type SequenceLoss } from '../../src/models/readout.ts';
import { createRnn, type Rnn, type RnnRecords } from '../../src/models/rnn.ts';

/** A copy of v in the kernel heap. */
export function heap(v: Float64Array): Float64Array {
  const out = allocF64(v.length);
  out.set(v);
  return out;
}

export interface Run<R = unknown> {
  tape: Tape<R>;
  grads: Gradients;
  L: number;
}

/** Forward and BPTT of a cell on inputs x from s0 (fresh tape and gradients). */
export function runCell<R>(
  cell: RecurrentCell<R>,
  B: number,
  T: number,
  x: Float64Array,
  s0: Partial<StateArrays>,
  loss: SequenceLoss,
  readout: Readout | null = null,
  opts: { stateGradients?: boolean } = {},
): Run<R> {
  const tape = createTape(cell, B, T);
  const grads = createGradients(cell, B, T, readout, opts);
  forward(cell, x, tape, { s0 });
  const L = backward(cell, tape, x, loss, readout, grads);
  return { tape, grads, L };
}

/** The loss of a fresh forward pass (for finite differences). */
export function lossOf(cell: RecurrentCell, B: number, T: number, x: Float64Array, s0: Partial<StateArrays>, loss: SequenceLoss, readout: Readout | null = null): number {
  const tape = createTape(cell, B, T);
  forward(cell, x, tape, { s0 });
  return lossValue(cell, tape, loss, readout);
}

/** Named gradient views: the cell's blocks, the readout's V and c, and dL/dh_0 (h0), dL/dc_0 (c0). */
export function gradientViews(cell: RecurrentCell, grads: Gradients, readout: Readout | null = null): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = { ...views(cell, grads.theta), h0: grads.s0.h };
  if (grads.s0.c) out.c0 = grads.s0.c;
  if (readout && grads.readout) {
    const r = readoutViews(readout.n, readout.p, grads.readout);
    out.V = r.V;
    out.c = r.c;
  }
  return out;
}

/** A random readout (p outputs) or none. */
export function randomReadout(n: number, p: number | undefined, rng: Rng): Readout | null {
  return p ? createReadout(n, p, rng.fillNormal(new Float64Array(p * n), 0, 0.7), rng.fillNormal(new Float64Array(p), 0, 0.2)) : null;
}

/** A random loss of the given kind on the last or every step, for q outputs. */
export function randomLoss(kind: LossKind, steps: SequenceLoss['steps'], q: number, B: number, T: number, rng: Rng, meanOverSteps = false): SequenceLoss {
  const S = steps === 'last' ? 1 : T;
  if (kind === 'squared-error') return { kind, steps, targets: rng.fillNormal(new Float64Array(S * B * q)), meanOverSteps };
  const labels = new Int32Array(S * B);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(q);
  return { kind, steps, labels, meanOverSteps };
}

/**
 * The diagonal factors of an RNN's step Jacobians J_t = diag(D_t) W of batch row r, D_t = f'(a_t),
 * t = 1..T, as T x n (row t-1): an independent route to the Jacobians for the theory tests.
 */
export function derivativeFactors(rnn: Rnn, tape: Tape<RnnRecords>, r = 0): Float64Array {
  const { n, activation } = rnn;
  const { B, length: T } = tape;
  const D = new Float64Array(T * n);
  for (let t = 1; t <= T; t++) {
    for (let i = 0; i < n; i++) {
      const k = t * B * n + r * n + i;
      D[(t - 1) * n + i] = activation.dfFromOutput ? activation.dfFromOutput(tape.states.h[k]!) : activation.df(tape.records.a![k - B * n]!);
    }
  }
  return D;
}

/** A tape of the linear RNN h_t = W h_{t-1} (identity activation, no input) from h0, over T steps. */
export function linearTape(W: Float64Array, n: number, T: number, h0 = new Float64Array(n).fill(1)): { rnn: Rnn; tape: Tape<RnnRecords> } {
  const rnn = createRnn({ n, m: 0, W, U: new Float64Array(0), b: new Float64Array(n), activation: IDENTITY });
  const tape = createTape(rnn, 1, T);
  forward(rnn, new Float64Array(0), tape, { s0: { h: h0 } });
  return { rnn, tape };
}
