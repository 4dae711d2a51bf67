/**
 * Changing a scenario without editing its file: `--set path=value` overrides and sweeps over
 * parameters (`--sweep path=4.5:8:0.5`, `--sweep path=a,b,c`, two of them for a grid, or a
 * `sweep:` block in the scenario). Paths use the summary-path syntax (dots, [index], ["key"]):
 * `params.w`, `seed`, `params.ramp.rate`, `params.runs[0].gain`. Values are read as YAML scalars or
 * flow collections, so `3` is a number, `tanh` a string, `[1, 2]` a list.
 *
 * A sweep point is exactly the scenario without its `sweep:` block and with the point's values set,
 * so `run x.yaml --set params.w=5` reproduces the point params.w = 5 of a sweep bit for bit.
 */
import YAML from 'yaml';
import { z } from 'zod';
import { parseSummaryPath } from './checks.ts';

/** One `path=value` override. */
export interface Override {
  path: string;
  value: unknown;
}

/** Read a value written on the command line (YAML: numbers, booleans, strings, [lists], {maps}). */
export function parseValue(text: string): unknown {
  try {
    return YAML.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Split `path=value`; the error says what was expected. */
function splitAssignment(option: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`${option} ${JSON.stringify(text)}: expected path=value, e.g. ${option} params.w=6`);
  const path = text.slice(0, eq).trim();
  try {
    parseSummaryPath(path);
  } catch (e) {
    throw new Error(`${option} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
  return [path, text.slice(eq + 1).trim()];
}

/** `--set params.w=6` -> { path: 'params.w', value: 6 }. */
export function parseSet(text: string): Override {
  const [path, value] = splitAssignment('--set', text);
  return { path, value: parseValue(value) };
}

/** Set `value` at `path` in a plain object, creating objects (or arrays, for an index) on the way. */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = parseSummaryPath(path);
  let cur: Record<string | number, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    let next = cur[seg];
    if (next === null || typeof next !== 'object') {
      next = typeof segs[i + 1] === 'number' ? [] : {};
      cur[seg] = next;
    }
    cur = next as Record<string | number, unknown>;
  }
  cur[segs[segs.length - 1]!] = value;
}

/** A deep copy of a parsed scenario with the overrides applied in order (the input is untouched). */
export function applyOverrides(raw: unknown, overrides: readonly Override[]): unknown {
  if (overrides.length === 0 || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (const o of overrides) setPath(copy, o.path, structuredClone(o.value));
  return copy;
}

/**
 * The values of a range `start:stop:step`, stop included when it is hit within round-off; each
 * value rounded to 12 significant digits so that 4.5:8:0.5 gives 4.5, 5, ..., 8 exactly.
 */
export function rangeValues(start: number, stop: number, step: number): number[] {
  if (!(step > 0)) throw new Error(`expected a positive step, found ${step}`);
  if (stop < start) throw new Error(`expected start <= stop, found ${start}:${stop}`);
  const n = Math.floor((stop - start) / step + 1e-9) + 1;
  if (n > 10000) throw new Error(`${start}:${stop}:${step} has ${n} values; at most 10000`);
  return Array.from({ length: n }, (_, i) => Number((start + i * step).toPrecision(12)));
}

const RANGE = /^\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*:\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*:\s*([\d.]+(?:e[-+]?\d+)?)\s*$/i;

/** The values of one swept parameter, written as a range `a:b:step`, a list `a,b,c` or a YAML list. */
export function sweepValues(text: string | readonly unknown[]): unknown[] {
  if (Array.isArray(text)) return [...text];
  const m = RANGE.exec(text as string);
  if (m) return rangeValues(Number(m[1]), Number(m[2]), Number(m[3]));
  const parsed = parseValue(text as string);
  if (Array.isArray(parsed)) return parsed;
  return splitTopLevel(text as string).map(parseValue);
}

/** Split on commas outside brackets and quotes: `[1,2],[3,4]` -> ['[1,2]', '[3,4]']. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

/** One swept parameter. */
export interface SweepAxis {
  path: string;
  values: unknown[];
}

/** `--sweep params.w=4.5:8:0.5` -> { path: 'params.w', values: [4.5, ..., 8] }. */
export function parseSweep(text: string): SweepAxis {
  const [path, spec] = splitAssignment('--sweep', text);
  let values: unknown[];
  try {
    values = sweepValues(spec);
  } catch (e) {
    throw new Error(`--sweep ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
  if (values.length === 0) throw new Error(`--sweep ${JSON.stringify(text)}: expected at least one value`);
  return { path, values };
}

/** The `sweep:` block of a scenario file. */
export const sweepBlockSchema = z
  .object({
    over: z
      .record(z.string(), z.union([z.string(), z.array(z.unknown()).min(1)]))
      .refine((o) => Object.keys(o).length >= 1 && Object.keys(o).length <= 2, { message: 'expected one parameter (a line) or two (a grid)' })
      .describe('The swept parameters, one or two: path -> a range "start:stop:step" (stop included), "a,b,c", or a list, e.g. params.w: 4.5:8:0.5.'),
    plot: z
      .array(z.string().min(1))
      .optional()
      .describe('Summary paths (numbers) to tabulate and chart against the first swept parameter; default: the paths of the checks.'),
    threads: z.number().int().min(1).max(256).optional().describe('Points run at once (default: every core).'),
  })
  .strict()
  .describe('Run the scenario at every point of a line or grid of parameter values and write one combined report.');
export type SweepBlock = z.infer<typeof sweepBlockSchema>;

/** The axes of a sweep block. */
export function axesOfBlock(block: SweepBlock): SweepAxis[] {
  return Object.entries(block.over).map(([path, spec]) => {
    parseSummaryPath(path);
    return { path, values: sweepValues(spec as string | unknown[]) };
  });
}

/** One point of a sweep: its position, its values in axis order, and the overrides that make it. */
export interface SweepPoint {
  index: number;
  values: Record<string, unknown>;
  overrides: Override[];
  /** Directory under points/: `03-w=5.5` (index first, so listings keep the sweep's order). */
  dir: string;
}

/** The points of a line or grid, the first axis outermost. */
export function sweepPoints(axes: readonly SweepAxis[]): SweepPoint[] {
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > 10000) throw new Error(`the sweep has ${total} points; at most 10000`);
  const width = String(total).length;
  const points: SweepPoint[] = [];
  for (let k = 0; k < total; k++) {
    const values: Record<string, unknown> = {};
    const overrides: Override[] = [];
    let rest = k;
    const idx: number[] = [];
    for (let a = axes.length - 1; a >= 0; a--) {
      idx[a] = rest % axes[a]!.values.length;
      rest = Math.floor(rest / axes[a]!.values.length);
    }
    axes.forEach((axis, a) => {
      const v = axis.values[idx[a]!];
      values[axis.path] = v;
      overrides.push({ path: axis.path, value: v });
    });
    const label = axes.map((a) => `${a.path.replace(/^params\./, '')}=${typeof values[a.path] === 'string' ? values[a.path] : JSON.stringify(values[a.path])}`).join(',');
    points.push({ index: k, values, overrides, dir: `${String(k + 1).padStart(width, '0')}-${label.replace(/[^A-Za-z0-9._=,+-]/g, '_').slice(0, 120)}` });
  }
  return points;
}
