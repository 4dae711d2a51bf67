/**
 * The "speed" of a recurrent network, whose minima are its fixed and slow points (Sussillo and
 * Barak 2013, Opening the black box; Golub and Sussillo 2018, FixedPointFinder):
 *
 *     q(h) = 1/2 ||r(h)||^2,   r(h) = F(h, x*) - h   (a discrete cell or map at constant input x*)
 *                              r(h) = f(h)           (a flow dh/dt = f(h), e.g. the CTRNN),
 *
 * with the exact gradient
 *
 *     dq/dh = J_r^T r,   J_r = J - I (maps, J = dF/dh the step Jacobian) or A = D_h f (flows),
 *
 * one vector-Jacobian product per state: for a recurrent cell the cell's own `vjp` (the step
 * Jacobian of src/models/cell.ts: the vanilla RNN's diag(f'(a)) W, both LSTMs over (h, c), the GRU),
 * for a system under the flow contract its `vectorJacobianProduct`. No finite differences.
 *
 * q = 0 exactly at fixed points (stable or not: the minimisation does not care); a local minimum
 * with small q > 0 is a slow point, where the state drifts by ||r|| per step.
 *
 * A `SpeedProblem` evaluates q and its gradient for a batch of states at once (the cell's batched
 * step), and gives r and the dense Jacobian at one state for Newton polishing and eigenvalues.
 * States of an LSTM are laid out [h, c] (S = 2n), as the cell's Jacobian blocks.
 *
 * @example
 *   const sp = cellSpeed(rnn, new Float64Array(rnn.m), 256);
 *   sp.evaluate(H, q, G); // q_i and dq/dh at the 256 rows of H
 */
import { allocF64, freeF64 } from '../../linalg/wasm.ts';
import { createTape, freeTape } from '../../models/bptt.ts';
import { jacobian as cellJacobian, stateSize, type RecurrentCell, type Tape } from '../../models/cell.ts';
import type { DynamicalSystem, TimeKind } from '../../models/flow.ts';

export interface SpeedProblem {
  /** 'discrete': fixed points of a map (|lambda| against 1); 'continuous': equilibria of a flow (Re lambda against 0). */
  readonly time: TimeKind;
  /** State size S. */
  readonly size: number;
  /** Rows of one batch evaluation (H, q, G have this many rows). */
  readonly capacity: number;
  /**
   * For the `capacity` rows h_i of H (capacity x S): q_i into q and, for the rows with need[i] (all
   * when need is omitted), dq/dh at h_i into the row i of G.
   */
  evaluate(H: Float64Array, q: Float64Array, G: Float64Array | null, need?: Uint8Array): void;
  /** r(h) at one state into out (S). */
  residual(h: Float64Array, out: Float64Array): void;
  /** The dense Jacobian of the dynamics at one state (S x S row-major): J = dF/dh (maps) or A = D_h f (flows). */
  jacobian(h: Float64Array, out: Float64Array): void;
  /** Return buffers to the kernel heap. */
  dispose(): void;
}

/**
 * The speed of a recurrent cell held at the constant input x* (m entries; autonomous: zeros), for
 * batches of `capacity` states.
 *
 * @throws Error when x* does not have m entries or is not finite.
 */
export function cellSpeed(cell: RecurrentCell, xStar: ArrayLike<number>, capacity: number): SpeedProblem {
  const { n, m } = cell;
  if (xStar.length !== m) throw new Error(`fixed points: the input x* must have m = ${m} entries (the cell's input size), got ${xStar.length}`);
  for (let i = 0; i < m; i++) if (!Number.isFinite(xStar[i]!)) throw new Error(`fixed points: x*[${i}] is ${xStar[i]}; expected finite numbers`);
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`fixed points: batch capacity must be a positive integer, got ${capacity}`);
  const S = stateSize(cell);
  const hasC = cell.state.includes('c');
  const B = capacity;
  const tape = createTape(cell, B, 1);
  const one = createTape(cell, 1, 1);
  const x = allocF64(Math.max(1, B * m));
  for (let r = 0; r < B; r++) for (let j = 0; j < m; j++) x[r * m + j] = xStar[j]!;
  const work = cell.createWork(1);
  const u = allocF64(S);
  const out = allocF64(S);

  /** Load rows of H (rows x S) into s_0 of a tape and run the one step. */
  const step = (tp: Tape, H: Float64Array, rows: number): void => {
    const h = tp.states.h;
    const c = tp.states.c;
    for (let r = 0; r < rows; r++) {
      h.set(H.subarray(r * S, r * S + n), r * n);
      if (hasC) c!.set(H.subarray(r * S + n, r * S + 2 * n), r * n);
    }
    tp.length = 1;
    cell.beginForward(tp, x, 1);
    cell.step(tp, 1, x);
  };
  /** r = F(h) - h of row r of a stepped tape into out. */
  const residualRow = (tp: Tape, r: number, dst: Float64Array, dOff: number): void => {
    const rows = tp.B;
    const h = tp.states.h;
    for (let j = 0; j < n; j++) dst[dOff + j] = h[rows * n + r * n + j]! - h[r * n + j]!;
    if (hasC) {
      const c = tp.states.c!;
      for (let j = 0; j < n; j++) dst[dOff + n + j] = c[rows * n + r * n + j]! - c[r * n + j]!;
    }
  };

  return {
    time: 'discrete',
    size: S,
    capacity: B,
    evaluate(H, q, G, need) {
      step(tape, H, B);
      for (let r = 0; r < B; r++) {
        residualRow(tape, r, u, 0);
        let s = 0;
        for (let j = 0; j < S; j++) s += u[j]! * u[j]!;
        q[r] = 0.5 * s;
        if (G && (!need || need[r])) {
          // dq/dh = (J - I)^T r = r^T J - r
          cell.vjp(tape, 1, r, 1, u, out, work);
          for (let j = 0; j < S; j++) G[r * S + j] = out[j]! - u[j]!;
        }
      }
    },
    residual(h, dst) {
      step(one, h, 1);
      residualRow(one, 0, dst, 0);
    },
    jacobian(h, dst) {
      step(one, h, 1);
      cellJacobian(cell, one, 1, 0, dst);
    },
    dispose() {
      freeTape(cell, tape);
      freeTape(cell, one);
      freeF64(x);
      freeF64(u);
      freeF64(out);
      cell.freeWork(work);
    },
  };
}

/**
 * The speed of a system under the flow contract (src/models/flow.ts) at parameters p: a flow's
 * equilibria (r = f(h)) or a map's fixed points (r = f(h) - h), e.g. the CTRNN of Beer (1995).
 */
export function systemSpeed(sys: DynamicalSystem, p: Float64Array, capacity: number): SpeedProblem {
  const S = sys.dimension;
  const map = sys.time === 'discrete';
  const f = new Float64Array(S);
  const gx = new Float64Array(S);
  const gp = new Float64Array(p.length);
  const h = new Float64Array(S);
  const residual = (x: Float64Array, out: Float64Array): void => {
    sys.field(x, p, out);
    if (map) for (let j = 0; j < S; j++) out[j] = out[j]! - x[j]!;
  };
  return {
    time: sys.time,
    size: S,
    capacity,
    evaluate(H, q, G, need) {
      for (let r = 0; r < capacity; r++) {
        h.set(H.subarray(r * S, (r + 1) * S));
        residual(h, f);
        let s = 0;
        for (let j = 0; j < S; j++) s += f[j]! * f[j]!;
        q[r] = 0.5 * s;
        if (G && (!need || need[r])) {
          sys.vectorJacobianProduct(h, p, f, gx, gp);
          for (let j = 0; j < S; j++) G[r * S + j] = map ? gx[j]! - f[j]! : gx[j]!;
        }
      }
    },
    residual,
    jacobian(x, out) {
      sys.jacobian(x, p, out);
    },
    dispose() {},
  };
}
