/**
 * One-dimensional numerical methods the studies share: golden-section search for the maximum of a
 * unimodal function (Kiefer 1953) and Richardson-extrapolated central differences (Richardson 1911).
 */

/**
 * The maximiser of f on [lo, hi], f unimodal there, by golden-section search: the bracket shrinks
 * by phi = (sqrt 5 - 1)/2 per evaluation of f, reusing one interior point per step, until it is
 * narrower than `tol` (or after maxIter steps). A minimum is the maximum of -f.
 *
 * @example goldenSectionMaximum((x) => -(x - 0.3) ** 2, 0, 1) // 0.3 (to 1e-13)
 */
export function goldenSectionMaximum(f: (v: number) => number, lo: number, hi: number, opts: { tol?: number; maxIter?: number } = {}): number {
  const tol = opts.tol ?? 1e-13;
  const maxIter = opts.maxIter ?? 120;
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let c = hi;
  let m1 = c - phi * (c - a);
  let m2 = a + phi * (c - a);
  let f1 = f(m1);
  let f2 = f(m2);
  for (let it = 0; it < maxIter && c - a > tol; it++) {
    if (f1 >= f2) {
      c = m2;
      m2 = m1;
      f2 = f1;
      m1 = c - phi * (c - a);
      f1 = f(m1);
    } else {
      a = m1;
      m1 = m2;
      f1 = f2;
      m2 = a + phi * (c - a);
      f2 = f(m2);
    }
  }
  return 0.5 * (a + c);
}

/**
 * f'(v) by central differences at steps h and h/2 combined by Richardson extrapolation,
 * (4 D(h/2) - D(h)) / 3: truncation O(h^4) instead of O(h^2).
 *
 * @example richardsonDerivative(Math.sin, 0, 1e-3) // 1 (to ~1e-14)
 */
export function richardsonDerivative(f: (v: number) => number, v: number, h: number): number {
  const d1 = (f(v + h) - f(v - h)) / (2 * h);
  const d2 = (f(v + h / 2) - f(v - h / 2)) / h;
  return (4 * d2 - d1) / 3;
}
