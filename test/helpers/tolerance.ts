/**
 * Shared tolerances for the test suite. Each one says why it has its size; a test that needs a
 * looser bound adds a named entry here with its reason rather than a literal in the test.
 */
export const TOL = {
  /** float64 round-off after O(1e3) flops on O(1) numbers. */
  roundoff: 1e-12,
  /**
   * Central finite differences with step h ~ 1e-5 have truncation error O(h^2) ~ 1e-10 and
   * cancellation error O(eps/h) ~ 1e-11 relative; 1e-6 leaves room for ill-conditioned entries.
   */
  finiteDifference: 1e-6,
  /** Closed-form values quoted to 5 decimals in the literature (e.g. Doya's fold b = -2.65561). */
  quoted5: 5e-6,
  /** Newton/bisection root solves run to 1e-12 in x; derived quantities keep ~1e-9. */
  rootSolve: 1e-9,
} as const;

/** |a - b| / max(|a|, |b|, floor): relative error with an absolute floor for values near 0. */
export function relativeError(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Largest relative error between two arrays, with the same floor. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, relativeError(a[i]!, b[i]!, floor));
  return m;
}
