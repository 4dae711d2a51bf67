/**
 * Did-you-mean: the closest known name to a misspelt one, by Levenshtein edit distance (the
 * `leven` package), accepted when the distance is at most a third of the longer name (at least 2
 * edits): `sigmod` -> `sigmoid`, `bifurcation-diagam` -> `bifurcation-diagram`, but nothing for
 * a name that resembles no candidate.
 */
import leven from 'leven';

/** The candidate nearest to `word`, or undefined when none is near enough. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = leven(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}

/** `; did you mean "x"?` for a message, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean ${JSON.stringify(c)}?`;
}
