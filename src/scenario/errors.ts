/**
 * Scenario errors: every message names the file, the field path, what was expected and what was
 * found, e.g.
 *   scenarios/bad.yaml: params.w: expected number, found string "five"
 */
import type { z } from 'zod';
import { closest } from './suggest.ts';

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** `params.runs[2].gain` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(top level)';
}

/** A short description of a found value: its type and, when small, the value itself. */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `number ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function get(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** One line per zod issue: `<path>: expected ..., found ...`. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  prefix: readonly PropertyKey[] = [],
  /** The field names known at a path, for did-you-mean on unknown fields. */
  knownKeys?: (path: readonly PropertyKey[]) => string[],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const found = get(input, issue.path);
    const where = formatPath(path);
    switch (issue.code) {
      case 'invalid_type':
        lines.push(`${where}: expected ${issue.expected}, found ${describeFound(found)}`);
        break;
      case 'too_small': {
        const op = issue.inclusive === false ? '>' : '>=';
        const what = issue.origin === 'array' ? 'an array with length' : issue.origin === 'string' ? 'a string with length' : `a ${issue.origin}`;
        lines.push(`${where}: expected ${what} ${op} ${String(issue.minimum)}, found ${describeFound(found)}`);
        break;
      }
      case 'too_big': {
        const op = issue.inclusive === false ? '<' : '<=';
        const what = issue.origin === 'array' ? 'an array with length' : issue.origin === 'string' ? 'a string with length' : `a ${issue.origin}`;
        lines.push(`${where}: expected ${what} ${op} ${String(issue.maximum)}, found ${describeFound(found)}`);
        break;
      }
      case 'invalid_value':
        lines.push(`${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describeFound(found)}`);
        break;
      case 'unrecognized_keys': {
        const known = knownKeys?.(issue.path) ?? [];
        const named = issue.keys.map((k) => {
          const near = closest(k, known.filter((c) => !issue.keys.includes(c)));
          return `${JSON.stringify(k)}${near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
        });
        lines.push(`${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${named.join(', ')} (check the spelling; \`rnn-dynamics describe <kind>\` lists the fields)`);
        break;
      }
      case 'invalid_format':
        lines.push(`${where}: expected ${issue.format === 'regex' ? issue.message : `a ${issue.format}`}, found ${describeFound(found)}`);
        break;
      case 'not_multiple_of':
        lines.push(`${where}: expected a multiple of ${String(issue.divisor)}, found ${describeFound(found)}`);
        break;
      case 'invalid_union': {
        // report the branch that got furthest (fewest issues)
        const branches = issue.errors.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
        if (branches.length > 0 && branches[0]!.length <= 2) lines.push(...formatIssues(branches[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), input, prefix, knownKeys));
        else lines.push(`${where}: ${issue.message}, found ${describeFound(found)}`);
        break;
      }
      default:
        lines.push(`${where}: ${issue.message}${found !== undefined && typeof found !== 'object' ? `, found ${describeFound(found)}` : ''}`);
    }
  }
  return lines;
}
