/**
 * Success rates over seeds as the sweep studies report them: every (model, T) cell of a sweep with
 * the 95 % Wilson score interval of its rate (src/analysis/statistics.ts), for summary.json, the
 * theory table and the error bars of the charts.
 */
import { wilsonInterval } from '../analysis/statistics.ts';
import type { SweepCell } from '../training/sweep.ts';

/** A sweep cell and the 95 % Wilson interval of its success rate. */
export type CellWithInterval = SweepCell & { successRateInterval: { lower: number; upper: number } };

/** The 95 % Wilson interval of solved / runs (lower = upper = 0 when there were no runs). */
export function rateInterval(c: Pick<SweepCell, 'solved' | 'runs'>): { lower: number; upper: number } {
  if (c.runs < 1) return { lower: 0, upper: 0 };
  const { lower, upper } = wilsonInterval(c.solved, c.runs);
  return { lower, upper };
}

/** Every cell of `byT` with its interval, keys and order kept. */
export function withIntervals(byT: Record<string, SweepCell>): Record<string, CellWithInterval> {
  const out: Record<string, CellWithInterval> = {};
  for (const [T, c] of Object.entries(byT)) out[T] = { ...c, successRateInterval: rateInterval(c) };
  return out;
}

/** "0.80 [0.49, 0.94]": a rate and its 95 % interval for the report's tables. */
export function formatRate(c: CellWithInterval): string {
  return `${c.successRate.toFixed(2)} [${c.successRateInterval.lower.toFixed(2)}, ${c.successRateInterval.upper.toFixed(2)}]`;
}
