/**
 * The declared shape of a study's summary.json: a zod schema with a meaning on every field,
 * written beside each study (its "summary.json" block). One declaration serves three readers:
 * `rnn-dynamics describe` lists every path with its meaning, `validate` checks the paths of a
 * scenario's `checks` (and a sweep's `plot`) before anything runs, and the library's types
 * (`runScenario` returns the summary typed per kind) come from it. After every run the summary is
 * parsed against it (strictly: an undeclared field is a bug), so the description cannot drift from
 * what the study writes.
 *
 * summary.json holds JSON: a number that is not finite is written as null, hence `measured`.
 */
import { z } from 'zod';
import { parseSummaryPath } from './checks.ts';
import { closest } from './suggest.ts';

/** A measured or derived real number (null in summary.json when it is not finite). */
export const measured = (meaning: string) => z.number().nullable().describe(meaning);
/** A count or an index. */
export const count = (meaning: string) => z.number().int().describe(meaning);
/** A parameter echoed back, or an exact closed-form constant. */
export const exact = (meaning: string) => z.number().describe(meaning);
export const text = (meaning: string) => z.string().describe(meaning);
export const flag = (meaning: string) => z.boolean().describe(meaning);
export const fields = <T extends z.ZodRawShape>(shape: T, meaning?: string) => {
  const o = z.strictObject(shape);
  return meaning === undefined ? o : o.describe(meaning);
};
export const list = <T extends z.ZodType>(item: T, meaning: string) => z.array(item).describe(meaning);
/** An object keyed by ids (model ids, lags as strings, ...): `placeholder` names the key in listings, e.g. `<T>`. */
export const keyed = <T extends z.ZodType>(placeholder: string, value: T, meaning: string) =>
  z.record(z.string(), value).describe(meaning).meta({ key: placeholder });

/** Fields every summary.json has besides the study's own. */
export const commonSummaryFields = {
  name: text('the scenario name (and report directory)'),
  kind: text('the study kind'),
  package: fields({ name: text('package name'), version: text('package version that wrote the report') }),
  checksPassed: flag('true when every declared check passed'),
  warnings: list(z.string(), 'disagreements with theory and invalid set-ups the study detected (also in report.md and on stderr)'),
};
const COMMON = z.strictObject(commonSummaryFields);

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
}
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip nullable/optional/default/pipe wrappers, keeping the first description found. */
function unwrap(s: z.ZodType): { node: z.ZodType; description: string | undefined; nullable: boolean } {
  let node = s;
  let description = s.description;
  let nullable = false;
  for (;;) {
    const d = def(node);
    if (d.type === 'nullable' || d.type === 'optional' || d.type === 'default' || d.type === 'prefault') {
      if (d.type === 'nullable') nullable = true;
      node = d.innerType!;
    } else if (d.type === 'pipe') node = d.in!;
    else break;
    description ??= node.description;
  }
  return { node, description, nullable };
}

function typeName(s: z.ZodType): string {
  const { node, nullable } = unwrap(s);
  const t = def(node).type;
  const base = t === 'object' ? 'object' : t === 'array' ? 'list' : t === 'record' ? 'map' : t === 'enum' || t === 'literal' ? 'string' : t === 'int' ? 'integer' : t;
  const isInt = t === 'number' && (node as z.ZodNumber).format === 'safeint';
  return `${isInt ? 'integer' : base}${nullable ? ' | null' : ''}`;
}

export interface SummaryPathInfo {
  /** e.g. `models["<id>"].byT["<T>"].successRate`, `foldPoints[i].b`. */
  path: string;
  type: string;
  meaning: string;
}

/** Every described path of a summary schema, depth first, in declaration order. */
export function summaryPaths(schema: z.ZodType, prefix = ''): SummaryPathInfo[] {
  const out: SummaryPathInfo[] = [];
  const walk = (s: z.ZodType, path: string): void => {
    const { node, description } = unwrap(s);
    const d = def(node);
    if (path && (description || !['object', 'array', 'record'].includes(d.type))) out.push({ path, type: typeName(s), meaning: description ?? '' });
    if (d.type === 'object') for (const [k, v] of Object.entries(d.shape!)) walk(v, path ? `${path}.${k}` : k);
    else if (d.type === 'array') walk(d.element!, `${path}[i]`);
    else if (d.type === 'record') {
      const key = (node.meta() as { key?: string } | undefined)?.key ?? '<key>';
      walk(d.valueType!, `${path}["${key}"]`);
    }
  };
  walk(schema, prefix);
  return out;
}

/** The field names of the object that `path` leads to in a (params or scenario) schema, or []. */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (!node) return [];
    const d = def(unwrap(node).node);
    if (d.type === 'object') node = d.shape![String(seg)];
    else if (d.type === 'array') node = d.element;
    else if (d.type === 'record') node = d.valueType;
    else return [];
  }
  if (!node) return [];
  const d = def(unwrap(node).node);
  return d.type === 'object' ? Object.keys(d.shape!) : [];
}

/** The study's fields plus the common ones, as one object schema. */
export function fullSummarySchema(study: z.ZodType): z.ZodType {
  const d = def(unwrap(study).node);
  return d.type === 'object' ? z.strictObject({ ...commonSummaryFields, ...d.shape! }) : study;
}

/**
 * Check that `path` names a leaf of the summary (a number for `expected`/`min`/`max`, a string or
 * boolean for `equals`): null when it does, else the problem, with the nearest correct path.
 */
export function checkSummaryPath(schema: z.ZodType, path: string, want: 'number' | 'string-or-boolean' | 'any' = 'any'): string | null {
  let segments: (string | number)[];
  try {
    segments = parseSummaryPath(path);
  } catch (e) {
    return (e as Error).message;
  }
  let node: z.ZodType = fullSummarySchema(schema);
  let walked = '';
  const show = (segs: (string | number)[]): string =>
    segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`)).join('');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const inner = unwrap(node).node;
    const d = def(inner);
    const here = walked || 'the summary';
    if (d.type === 'object') {
      const keys = Object.keys(d.shape!);
      if (typeof seg !== 'string' || !(seg in d.shape!)) {
        const near = typeof seg === 'string' ? closest(seg, keys) : undefined;
        const fixed = near !== undefined ? show([...segments.slice(0, i), near, ...segments.slice(i + 1)]) : undefined;
        const hint = fixed !== undefined && checkSummaryPath(schema, fixed, want) === null ? `; did you mean ${fixed}?` : `; ${here} has ${keys.join(', ')}`;
        return `no summary path ${path}: ${here} has no field ${JSON.stringify(seg)}${hint}`;
      }
      node = d.shape![seg]!;
    } else if (d.type === 'array') {
      if (typeof seg !== 'number') {
        return `no summary path ${path}: ${here} is a list, indexed like ${show([...segments.slice(0, i), 0, ...segments.slice(i)])}`;
      }
      node = d.element!;
    } else if (d.type === 'record') {
      node = d.valueType!;
    } else {
      return `no summary path ${path}: ${here} is a ${typeName(node)} value, it has no ${JSON.stringify(seg)}`;
    }
    walked = show(segments.slice(0, i + 1));
  }
  const t = typeName(node);
  const base = t.replace(' | null', '');
  if (base === 'object' || base === 'list' || base === 'map') {
    const inner = def(unwrap(node).node);
    const sub = inner.type === 'object' ? ` (its fields: ${Object.keys(inner.shape!).join(', ')})` : '';
    return `summary path ${path} is ${base === 'object' ? 'an' : 'a'} ${base}${sub}; a check compares one number, string or boolean`;
  }
  if (want === 'number' && base !== 'number' && base !== 'integer') return `summary path ${path} is a ${t}; expected/min/max need a number (use equals: for a ${base})`;
  if (want === 'string-or-boolean' && base !== 'string' && base !== 'boolean') return `summary path ${path} is a ${t}; equals compares a string or boolean (use expected: with a tolerance for a number)`;
  return null;
}

/** Parse a study's summary (after JSON conversion) against its declaration; the problems, or []. */
export function summaryMismatches(schema: z.ZodType, summary: unknown): string[] {
  const r = schema.safeParse(summary);
  if (r.success) return [];
  return r.error.issues.slice(0, 10).map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
}

export { COMMON as commonSummarySchema };
