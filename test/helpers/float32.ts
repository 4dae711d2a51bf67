/**
 * Shared set-up of the float32 tests of the gated cells: values that are exactly float32 numbers
 * (so a float64 and a float32 run compute the same function and differ only by the float32
 * arithmetic), heap copies in float32, and the error relative to a vector's scale.
 */
import { allocF32 } from '../../src/linalg/wasm.ts';

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
