/**
 * Shared set-up of the float32 cell tests: values that are exactly float32 numbers (so a float64
 * and a float32 run compute the same function and differ only by the float32 arithmetic), heap
 * copies in float32, the error relative to a vector's scale, and the checks every cell's float32
 * tests make: the float32 run against the float64 run (states, loss, gradients, norms, Jacobian
 * products, central differences) and the whole-run kernels against the TypeScript step (the same
 * bits, on one thread and on two).
 */
import type { ExecutionContext } from 'ava';
import type { Rng } from '../../src/init/rng.ts';
import type { Real } from '../../src/linalg/precision.ts';
import { gemmThreads, setGemmThreads } from '../../src/linalg/parallel.ts';
import { allocF32 } from '../../src/linalg/wasm.ts';
import { backward, createGradients, createTape, forward, lossValue, type Gradients } from '../../src/models/bptt.ts';
import { stateSize, views, type RecurrentCell, type StateArrays, type StatePart, type Tape } from '../../src/models/cell.ts';
import type { Readout, SequenceLoss } from '../../src/models/readout.ts';
import { fivePointGradient } from './finite-differences.ts';
import { maxRelativeError, TOL } from './tolerance.ts';

/** Float64 values that are exactly float32 numbers: v rounded to float32. */
export function f32Values(v: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/** A float32 copy of v in the kernel heap (so the products run the f32x4 kernels when large). */
export function heapF32(v: ArrayLike<number>): Float32Array {
  const out = allocF32(v.length);
  out.set(v);
  return out;
}

/** max |a - b| over max |b|: the error relative to the vector's scale (float32 errors are absolute at that scale). */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let e = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return e / s;
}

type Cell64 = RecurrentCell<unknown, unknown>;
type Cell32 = RecurrentCell<unknown, unknown, Float32Array>;

/** The initial state parts in float32 (copies off the heap). */
function float32States(s0: Partial<StateArrays>): Partial<StateArrays<Float32Array>> {
  return Object.fromEntries(Object.entries(s0).map(([part, v]) => [part, Float32Array.from(v)]));
}

// ---------------------------------------------------------------------------------------------
// The float32 run against the float64 run of the same float32-exact weights and inputs
// ---------------------------------------------------------------------------------------------

/** Both runs: the float64 cell and the float32 cell on the same (float32-exact) inputs and initial state. */
export interface BothPrecisions<C64 extends Cell64, C32 extends Cell32> {
  c64: C64;
  c32: C32;
  tape64: Tape<C64 extends RecurrentCell<infer R> ? R : never>;
  tape32: Tape<C32 extends RecurrentCell<infer R, unknown, Float32Array> ? R : never, Float32Array>;
  /** The float32 inputs, on the kernel heap (so the float32 cell's whole-run kernels apply). */
  x32: Float32Array;
  g64: Gradients;
  g32: Gradients<Float32Array>;
  L64: number;
  L32: number;
  loss: SequenceLoss;
  readout: Readout | null;
}

/** Forward and BPTT of the float64 and the float32 cell through the driver, from s0 on inputs x (both float32-exact). */
export function runBothPrecisions<C64 extends Cell64, C32 extends Cell32>(
  c64: C64,
  c32: C32,
  B: number,
  T: number,
  x: Float64Array,
  s0: Partial<StateArrays>,
  loss: SequenceLoss,
  readout: Readout | null,
): BothPrecisions<C64, C32> {
  const tape64 = createTape(c64, B, T);
  const tape32 = createTape(c32, B, T);
  const x32 = heapF32(x);
  forward(c64, x, tape64, { s0 });
  forward(c32, x32, tape32, { s0: float32States(s0) });
  const g64 = createGradients(c64, B, T, readout);
  const g32 = createGradients(c32, B, T, readout);
  const L64 = backward(c64, tape64, x, loss, readout, g64);
  const L32 = backward(c32, tape32, x32, loss, readout, g32);
  return { c64, c32, tape64: tape64 as BothPrecisions<C64, C32>['tape64'], tape32: tape32 as BothPrecisions<C64, C32>['tape32'], x32, g64, g32, L64, L32, loss, readout };
}

/**
 * The float32 run against the float64 run, each error relative to the compared vector's scale
 * (scaledError): the states, dL/ds_0 and the per-step norms of every state part, the loss
 * (relative), the gradient (per parameter block, or whole as `theta`) and the readout's gradient,
 * all within `tolerance`; and the float32 loss, summed in float64 from the float32 states, equal to
 * lossValue's (the steps summed in the other order) to float64 round-off. Returns the errors
 * (logged), for the caller's check that the run really was in float32.
 */
export function expectCloseToFloat64(t: ExecutionContext, r: BothPrecisions<Cell64, Cell32>, tolerance: number, gradient: 'blocks' | 'theta' = 'blocks'): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const part of r.c32.state) {
    errors[part] = scaledError(r.tape32.states[part]!, r.tape64.states[part]!);
    errors[`${part}0`] = scaledError(r.g32.s0[part]!, r.g64.s0[part]!);
    errors[`norms ${part}`] = scaledError(r.g32.norms[part]!, r.g64.norms[part]!);
  }
  errors['L'] = Math.abs(r.L32 - r.L64) / Math.abs(r.L64);
  if (gradient === 'theta') errors['theta'] = scaledError(r.g32.theta, r.g64.theta);
  else {
    const v32 = views(r.c32, r.g32.theta);
    const v64 = views(r.c64, r.g64.theta);
    for (const b of r.c64.blocks) if (b.rows * b.cols > 0) errors[b.name] = scaledError(v32[b.name]!, v64[b.name]!);
  }
  if (r.readout) errors['readout'] = scaledError(r.g32.readout!, r.g64.readout!);
  for (const [k, e] of Object.entries(errors)) t.true(e <= tolerance, `${k}: ${e}`);
  t.true(Math.abs(lossValue(r.c32, r.tape32, r.loss, r.readout) - r.L32) <= TOL.roundoff * Math.abs(r.L32), 'the float32 loss is summed in float64');
  t.log(JSON.stringify(Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, Number(e.toPrecision(2))]))));
  return errors;
}

/**
 * The float32 gradient (of the float32 cell on inputs x32, from s0) against five-point central
 * differences in float64 of the same function (the float64 cell on the same float32-exact weights,
 * inputs and initial state), per parameter block relative to the block's largest entry (float32
 * errors are absolute at the scale of the block; the float64 five-point difference is ~1e-11
 * accurate): within `tolerance`, and above 1e-10 (the gradient really was float32). Returns the
 * float32 tape (for the caller's route checks).
 */
export function expectDifferencesMatchFloat32Gradient<C32 extends Cell32>(
  t: ExecutionContext,
  c64: Cell64,
  c32: C32,
  B: number,
  T: number,
  x: Float64Array,
  x32: Float32Array,
  s0: Partial<StateArrays>,
  loss: SequenceLoss,
  readout: Readout | null,
  tolerance: number,
): Tape<C32 extends RecurrentCell<infer R, unknown, Float32Array> ? R : never, Float32Array> {
  const tape64 = createTape(c64, B, T);
  const fd = fivePointGradient(c64.theta, () => {
    forward(c64, x, tape64, { s0 });
    return lossValue(c64, tape64, loss, readout);
  });
  const tape32 = createTape(c32, B, T);
  forward(c32, x32, tape32, { s0: float32States(s0) });
  const g32 = createGradients(c32, B, T, readout);
  backward(c32, tape32, x32, loss, readout, g32);
  const v = views(c32, g32.theta);
  const f = views(c64, fd);
  const errors: string[] = [];
  for (const b of c64.blocks) {
    if (b.rows * b.cols === 0) continue;
    const e = scaledError(v[b.name]!, f[b.name]!);
    t.true(e <= tolerance && e > 1e-10, `${b.name}: ${e}`);
    errors.push(`${b.name} ${e.toPrecision(2)}`);
  }
  t.log(errors.join(', '));
  return tape32 as Tape<C32 extends RecurrentCell<infer R, unknown, Float32Array> ? R : never, Float32Array>;
}

/**
 * The float32 Jacobian products (jvp, vjp) of k random float32-exact directions (drawn from rng)
 * against float64's at three (step, row) pairs, relative to their scale: within `tolerance` and
 * above 1e-10; and vjp is jvp's transpose in float32: u_i^T (J v_i) = (u_i^T J) v_i, the sums of
 * S terms in float64, within `tolerance` of the sum of their magnitudes.
 */
export function expectJacobianProductsClose(t: ExecutionContext, r: BothPrecisions<Cell64, Cell32>, rng: Rng, k: number, tolerance: number): void {
  const S = stateSize(r.c64);
  const T = r.tape64.length;
  const V = f32Values(rng.fillNormal(new Float64Array(k * S)));
  const U = f32Values(rng.fillNormal(new Float64Array(k * S)));
  const w64 = r.c64.createWork(k);
  const w32 = r.c32.createWork(k);
  let worst = 0;
  for (const [step, row] of [[1, 0], [8, 2], [T, 1]] as const) {
    const jv64 = new Float64Array(k * S);
    const uj64 = new Float64Array(k * S);
    const jv32 = new Float32Array(k * S);
    const uj32 = new Float32Array(k * S);
    r.c64.jvp(r.tape64, step, row, k, V, jv64, w64);
    r.c64.vjp(r.tape64, step, row, k, U, uj64, w64);
    r.c32.jvp(r.tape32, step, row, k, Float32Array.from(V), jv32, w32);
    r.c32.vjp(r.tape32, step, row, k, Float32Array.from(U), uj32, w32);
    const e = Math.max(scaledError(jv32, jv64), scaledError(uj32, uj64));
    t.true(e <= tolerance && e > 1e-10, `t = ${step}, r = ${row}: ${e}`);
    worst = Math.max(worst, e);
    for (let q = 0; q < k; q++) {
      let a = 0, b = 0, scale = 0;
      for (let j = 0; j < S; j++) {
        a += U[q * S + j]! * jv32[q * S + j]!;
        b += uj32[q * S + j]! * V[q * S + j]!;
        scale += Math.abs(U[q * S + j]! * jv32[q * S + j]!) + Math.abs(uj32[q * S + j]! * V[q * S + j]!);
      }
      t.true(Math.abs(a - b) <= tolerance * scale, `t = ${step}, q = ${q}: ${a} vs ${b}`);
    }
  }
  t.log(`largest scaled error ${worst.toPrecision(2)}`);
  r.c64.freeWork(w64);
  r.c32.freeWork(w32);
}

// ---------------------------------------------------------------------------------------------
// A float32 cell's whole-run kernels against its TypeScript step
// ---------------------------------------------------------------------------------------------

/** One run through the driver, dL/ds_t of every step kept, and whether the whole-run kernels took it. */
export interface KeptRun<R> {
  tape: Tape<R, Float32Array>;
  grads: Gradients<Float32Array>;
  L: number;
  kernels: boolean;
  /** The cell's state parts. */
  parts: readonly StatePart[];
}

/**
 * A run's random data, drawn from rng in this order: the inputs x (T x B x m, N(0, 1); on the kernel
 * heap in float32 as `x`, and in float64 as `xs`) and the initial state parts s_0 (B x n each,
 * N(0, 0.5^2), in the cell's part order, float32).
 */
export function randomRunData(cell: Pick<Cell32, 'n' | 'm' | 'state'>, B: number, T: number, rng: Rng): { x: Float32Array; xs: Float64Array; s0: Partial<StateArrays<Float32Array>> } {
  const xs = rng.fillNormal(new Float64Array(T * B * cell.m));
  const s0: Partial<StateArrays<Float32Array>> = {};
  for (const part of cell.state) s0[part] = Float32Array.from(rng.fillNormal(new Float64Array(B * cell.n), 0, 0.5));
  return { x: heapF32(xs), xs, s0 };
}

/** Forward and BPTT of a float32 cell through the driver from s0, keeping dL/ds_t of every step. */
export function runKept<R>(cell: RecurrentCell<R, unknown, Float32Array>, B: number, T: number, x: Float32Array, s0: Partial<StateArrays<Real>>, loss: SequenceLoss, readout: Readout | null): KeptRun<R> {
  const tape = createTape(cell, B, T);
  forward(cell, x, tape, { s0 });
  const grads = createGradients(cell, B, T, readout, { stateGradients: true });
  const L = backward(cell, tape, x, loss, readout, grads);
  return { tape, grads, L, kernels: cell.kernels?.applies(tape, x) ?? false, parts: cell.state };
}

/** The same cell without its whole-run kernels: the driver runs its TypeScript step (on the same heap arrays). */
export function stepOnly<C extends Cell32>(cell: C): C {
  return { ...cell, kernels: undefined };
}

const exact = (a: ArrayLike<number>): number[] => Array.from(a);

/**
 * The kernels' run `k` against the TypeScript step's run `s` of the same cell: the kernels ran, and
 * the same bits in every state part, the named records, the loss, dL/dtheta, dL/ds_0 and the kept
 * dL/ds_t of every part and the readout's gradient; the per-step norms the same bits with one share
 * and equal to float64 round-off with two (each share's sum of squares, then their hypot).
 */
export function expectSameBits<R>(t: ExecutionContext, k: KeptRun<R>, s: KeptRun<R>, what: string, oneShare: boolean, records: readonly string[] = []): void {
  t.true(k.kernels, `${what}: the kernels ran`);
  const parts = k.parts;
  for (const part of parts) t.deepEqual(exact(k.tape.states[part]!), exact(s.tape.states[part]!), `${what}: states ${part}`);
  const rk = k.tape.records as Record<string, Float32Array>;
  const rs = s.tape.records as Record<string, Float32Array>;
  for (const name of records) t.deepEqual(exact(rk[name]!), exact(rs[name]!), `${what}: ${name}`);
  t.is(k.L, s.L, `${what}: loss`);
  t.deepEqual(exact(k.grads.theta), exact(s.grads.theta), `${what}: dL/dtheta`);
  for (const part of parts) {
    t.deepEqual(exact(k.grads.s0[part]!), exact(s.grads.s0[part]!), `${what}: dL/d${part}_0`);
    t.deepEqual(exact(k.grads.perStep![part]!), exact(s.grads.perStep![part]!), `${what}: dL/d${part}_t kept per step`);
  }
  if (k.grads.readout) t.deepEqual(exact(k.grads.readout), exact(s.grads.readout!), `${what}: readout gradient`);
  for (const part of parts) {
    if (oneShare) t.deepEqual(exact(k.grads.norms[part]!), exact(s.grads.norms[part]!), `${what}: norms of ${part}`);
    else t.true(maxRelativeError(k.grads.norms[part]!, s.grads.norms[part]!, 0) < TOL.roundoff, `${what}: norms of ${part}`);
  }
}

/**
 * Inputs off the kernel heap run the TypeScript step, with the kernels' bits: the same float32
 * inputs xs on the heap (the kernels) and off it (the step).
 */
export function expectOffHeapStepSameBits<R>(t: ExecutionContext, cell: RecurrentCell<R, unknown, Float32Array>, B: number, T: number, xs: Float64Array, s0: Partial<StateArrays<Real>>, loss: SequenceLoss): void {
  const k = runKept(cell, B, T, heapF32(xs), s0, loss, null);
  const s = runKept(cell, B, T, Float32Array.from(xs), s0, loss, null);
  t.true(k.kernels);
  t.false(s.kernels);
  for (const part of k.parts) t.deepEqual(exact(k.tape.states[part]!), exact(s.tape.states[part]!), `states ${part}`);
  t.deepEqual(exact(k.grads.theta), exact(s.grads.theta));
}

/**
 * The kernels give the same bits on one thread and on two (the second share on the worker thread):
 * the states, dL/dtheta, dL/ds_0 and the per-step norms of every part, and the loss.
 */
export async function expectThreadIndependent<R>(t: ExecutionContext, run: () => KeptRun<R>): Promise<void> {
  setGemmThreads(1);
  const one = run();
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
  const two = run();
  setGemmThreads('auto');
  t.true(one.kernels && two.kernels);
  for (const part of one.parts) {
    t.deepEqual(exact(two.tape.states[part]!), exact(one.tape.states[part]!), `states ${part}`);
    t.deepEqual(exact(two.grads.s0[part]!), exact(one.grads.s0[part]!), `dL/d${part}_0`);
    t.deepEqual(exact(two.grads.norms[part]!), exact(one.grads.norms[part]!), `norms of ${part}`);
  }
  t.deepEqual(exact(two.grads.theta), exact(one.grads.theta), 'dL/dtheta');
  t.is(two.L, one.L);
}
