/**
 * Numerical faults: a NaN or an infinity where the mathematics has none (an overflowed state, a
 * 0/0 in a normalisation). They are found where they are cheap to find (per step or per chunk of
 * a loop, at the input of a routine that would misbehave on them: ml-matrix's eigen-decomposition
 * loops forever on overflowed input) and reported with the quantity, the step and the run, so
 * that a report never shows a silent null, "-Infinity" or "NaN^k".
 */

export class NumericalFault extends Error {
  override name = 'NumericalFault';
  constructor(
    /** What went non-finite, in the field's words ("the state h_t", "the Jacobian product"). */
    readonly quantity: string,
    /** The step (time step, lag, iteration) where it was found, when there is one. */
    readonly step?: number,
    /** Advice: what usually causes it. */
    hint = 'an overflow: lower the gain, the weights or the sequence length',
  ) {
    super(`numerical fault: ${quantity} is not finite${step !== undefined ? ` at step ${step}` : ''} (${hint})`);
  }
}

/** Index of the first non-finite entry of a[off .. off+len), or -1. */
export function firstNonFinite(a: ArrayLike<number>, off = 0, len = a.length - off): number {
  for (let i = off; i < off + len; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** Throw a NumericalFault naming `quantity` (and `step`) when a[off .. off+len) has a NaN or an infinity. */
export function assertFinite(a: ArrayLike<number>, quantity: string, step?: number, off = 0, len = a.length - off): void {
  if (firstNonFinite(a, off, len) >= 0) throw new NumericalFault(quantity, step);
}

/**
 * Check a state trajectory of steps x width (h_0 first): a NumericalFault names the first step
 * whose state is not finite (an overflowed forward pass).
 */
export function assertFiniteSteps(h: ArrayLike<number>, width: number, quantity: string): void {
  const i = firstNonFinite(h);
  if (i >= 0) throw new NumericalFault(quantity, Math.floor(i / width));
}
