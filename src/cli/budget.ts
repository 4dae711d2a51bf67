/**
 * --max-memory and --max-time: scenarios whose cost estimate (src/studies/cost.ts) is above a
 * limit are refused before anything runs, naming the parameters that drive the cost.
 */
import { InvalidArgumentError } from 'commander';
import { defaultMaxMemory } from '../scenario/limits.ts';
import { formatBytes } from '../scenario/safe-read.ts';
import { estimateCost, WORK_RATE, type Cost } from '../studies/cost.ts';
import type { LoadedScenario } from '../scenario/load.ts';

export interface Budget {
  maxMemory: number;
  /** Seconds; Infinity for no limit. */
  maxTime: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/** "8G", "512MiB", "1e9" (bytes). */
export function parseMemory(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) throw new InvalidArgumentError(`expected a size such as 8G, 512M or 1e9 (bytes), found ${JSON.stringify(s)}`);
  return Number(m[1]) * unit;
}

/** "90", "90s", "10m", "2h", "1d" (seconds). */
export function parseDuration(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$/i.exec(s);
  if (!m || !(Number(m[1]) > 0)) throw new InvalidArgumentError(`expected a duration such as 90s, 10m or 2h, found ${JSON.stringify(s)}`);
  const unit = { s: 1, m: 60, min: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's'];
  return Number(m[1]) * unit;
}

export function budgetFrom(opts: { maxMemory?: number; maxTime?: number }): Budget {
  return { maxMemory: opts.maxMemory ?? defaultMaxMemory(), maxTime: opts.maxTime ?? Infinity };
}

export function formatDuration(s: number): string {
  if (s < 1) return '< 1 s';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toPrecision(2)} h`;
  return `${(s / 86400).toPrecision(2)} days`;
}

/** "421 MiB, 3.1e+10 multiply-adds (about 31 s)". */
export function describeCost(c: Cost): string {
  const s = c.work / WORK_RATE;
  return `${formatBytes(c.bytes)}, ${c.work.toPrecision(2)} multiply-adds (${s < 1 ? 'under 1 s' : `about ${formatDuration(s)}`})`;
}

function largest(c: Cost, key: 'bytes' | 'work'): string {
  const top = [...c.terms].sort((a, b) => b[key] - a[key])[0]!;
  return `${top.what}${top.drivers.length ? ` (${top.drivers.join(', ')})` : ''}`;
}

/** Problems, one per scenario over a limit: `<file>: params: ...` naming what drives the cost. */
export function checkBudget(loaded: readonly LoadedScenario[], budget: Budget): string[] {
  const problems: string[] = [];
  for (const l of loaded) {
    const c = estimateCost(l.scenario.kind, l.scenario.params);
    if (!c) continue;
    if (!(c.bytes <= budget.maxMemory)) {
      problems.push(`${l.file}: params: expected at most ${formatBytes(budget.maxMemory)} of memory (--max-memory), found an estimate of ${formatBytes(c.bytes)}, mostly ${largest(c, 'bytes')}`);
    }
    const seconds = c.work / WORK_RATE;
    if (!(seconds <= budget.maxTime)) {
      problems.push(`${l.file}: params: expected at most ${formatDuration(budget.maxTime)} of computing (--max-time), found an estimate of ${formatDuration(seconds)} (${c.work.toPrecision(2)} multiply-adds), mostly ${largest(c, 'work')}`);
    }
  }
  return problems;
}

/** The estimate printed by `validate`, or '' for a kind without one. */
export function costNote(l: LoadedScenario): string {
  const c = estimateCost(l.scenario.kind, l.scenario.params);
  return c ? ` (estimate: ${describeCost(c)})` : '';
}
