/**
 * Evaluating a scenario's `checks` on the summary: theory against simulation.
 */
import type { Check } from './schema.ts';

export interface CheckResult {
  name: string;
  path: string;
  /** The measured value found at `path` (null when the path does not exist or is not finite). */
  measured: number | string | boolean | null;
  expected?: number | string | boolean;
  tolerance?: number;
  relative?: boolean;
  min?: number;
  max?: number;
  pass: boolean;
  /** Why a check failed, when it did. */
  reason?: string;
}

/** Split `a.b[0]["c.d"]` into ['a', 'b', 0, 'c.d']. */
export function parseSummaryPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\s*(?:\[\s*(\d+)\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*'([^']*)'\s*\]|\.?([^.[\]]+))/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < path.length && (m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`) as string);
    else if (m[3] !== undefined) out.push(m[3]);
    else out.push(m[4]!);
    pos = re.lastIndex;
  }
  if (pos !== path.length) throw new Error(`malformed summary path ${JSON.stringify(path)} at character ${pos}`);
  return out;
}

/** The value at `path` in `root`, or undefined. */
export function resolveSummaryPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of parseSummaryPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export function evaluateCheck(check: Check, summary: unknown): CheckResult {
  const value = resolveSummaryPath(summary, check.path);
  const base = {
    name: check.name ?? check.path,
    path: check.path,
    ...(check.expected !== undefined ? { expected: check.expected, tolerance: check.tolerance } : {}),
    ...(check.relative ? { relative: true } : {}),
    ...(check.min !== undefined ? { min: check.min } : {}),
    ...(check.max !== undefined ? { max: check.max } : {}),
    ...(check.equals !== undefined ? { expected: check.equals } : {}),
  };
  if (check.equals !== undefined) {
    const measured = typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number' ? value : null;
    const pass = measured === check.equals;
    return { ...base, measured, pass, ...(pass ? {} : { reason: measured === null ? `no value at ${check.path}` : `found ${JSON.stringify(measured)}` }) };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return {
      ...base,
      measured: null,
      pass: false,
      reason: value === undefined ? `no value at ${check.path} in the summary` : `the value at ${check.path} is not a finite number`,
    };
  }
  if (check.expected !== undefined) {
    const tol = check.relative ? check.tolerance! * Math.abs(check.expected) : check.tolerance!;
    const err = Math.abs(value - check.expected);
    const pass = err <= tol;
    return { ...base, measured: value, pass, ...(pass ? {} : { reason: `|measured - expected| = ${err.toPrecision(3)} > ${tol.toPrecision(3)}` }) };
  }
  const lowOk = check.min === undefined || value >= check.min;
  const highOk = check.max === undefined || value <= check.max;
  const pass = lowOk && highOk;
  return {
    ...base,
    measured: value,
    pass,
    ...(pass ? {} : { reason: !lowOk ? `below the minimum ${check.min}` : `above the maximum ${check.max}` }),
  };
}
