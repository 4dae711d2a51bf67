/**
 * The root of a test function along a curve, between two points where its signs differ: the
 * Illinois variant of regula falsi (Dowell and Jarratt 1971) in the arclength s in (0, ds),
 * superlinear where plain regula falsi stalls, because the value kept at the end that did not move
 * twice is halved. Each trial point is corrected onto the curve by the caller (`at`), so the
 * function is evaluated only on the curve; the last trial point is returned (nearest the root).
 */
export function illinoisRoot<T>(ds: number, fa: number, fb: number, at: (s: number) => { item: T; value: number } | null, relativeTolerance: number, maxIterations: number): T | null {
  let lo = 0;
  let hi = ds;
  let flo = fa;
  let fhi = fb;
  let side = 0;
  let best: T | null = null;
  for (let it = 0; it < maxIterations && hi - lo > relativeTolerance * (1 + ds); it++) {
    let s = (lo * fhi - hi * flo) / (fhi - flo);
    if (!(s > lo && s < hi)) s = 0.5 * (lo + hi);
    const r = at(s);
    if (!r) break;
    best = r.item;
    const f = r.value;
    if (f === 0) break;
    if (Math.sign(f) === Math.sign(flo)) {
      lo = s;
      flo = f;
      if (side === -1) fhi *= 0.5;
      side = -1;
    } else {
      hi = s;
      fhi = f;
      if (side === 1) flo *= 0.5;
      side = 1;
    }
  }
  return best;
}
