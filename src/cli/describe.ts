/**
 * `rnn-dynamics describe <kind>` and `rnn-dynamics new <kind> [name]`: what a study takes and what it
 * reports, generated from its declarations (the params schema and the summary.json block), so the
 * text cannot drift from what the study does.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { fullSummarySchema, summaryPaths } from '../scenario/summary-schema.ts';
import { didYouMean } from '../scenario/suggest.ts';
import type { Study } from '../studies/study.ts';

/** One parameter of a study, from its JSON Schema (input side: what a scenario may write). */
export interface ParamInfo {
  path: string;
  type: string;
  default?: unknown;
  /** e.g. "> 4, <= 50", "one of sigmoid, tanh", "1 to 50 items". */
  range: string;
  description: string;
  /** Nested object: its fields follow as their own entries. */
  object: boolean;
}

type Json = Record<string, unknown>;

function rangeOf(s: Json): string {
  const parts: string[] = [];
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.minimum !== undefined && s.minimum !== Number.MIN_SAFE_INTEGER && s.minimum !== -Number.MAX_VALUE) parts.push(`>= ${s.minimum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.maximum !== undefined && s.maximum !== Number.MAX_SAFE_INTEGER && s.maximum !== Number.MAX_VALUE) parts.push(`<= ${s.maximum}`);
  if (Array.isArray(s.enum)) parts.push(`one of ${(s.enum as unknown[]).map((v) => String(v)).join(', ')}`);
  if (s.const !== undefined) parts.push(`= ${JSON.stringify(s.const)}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) parts.push(`${s.minItems ?? 0} to ${s.maxItems ?? 'any number of'} items`);
  if (s.pattern !== undefined) parts.push(`matching ${s.pattern}`);
  return parts.join(', ');
}

function typeOf(s: Json): string {
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts) return [...new Set(alts.map(typeOf))].join(' | ');
  if (s.type === 'array') return `list of ${s.items ? `${typeOf(s.items as Json)}s` : 'values'}`;
  if (Array.isArray(s.enum)) return 'string';
  return typeof s.type === 'string' ? s.type : s.const !== undefined ? typeof s.const : 'any';
}

/** Every parameter of a study (nested objects, list items and alternatives flattened into paths). */
export function parameterInfo(study: Study): ParamInfo[] {
  const schema = z.toJSONSchema(study.params as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Json;
  const out: ParamInfo[] = [];
  const seen = new Set<string>();
  const walk = (s: Json, path: string, description: string | undefined): void => {
    const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
    const props = s.properties as Record<string, Json> | undefined;
    if (path && !seen.has(path)) {
      seen.add(path);
      out.push({
        path,
        type: typeOf(s),
        ...(s.default !== undefined ? { default: s.default } : {}),
        range: rangeOf(s),
        description: (description ?? (s.description as string | undefined) ?? '').trim(),
        object: props !== undefined,
      });
    }
    if (props) for (const [k, v] of Object.entries(props)) walk(v, path ? `${path}.${k}` : k, v.description as string | undefined);
    if (s.type === 'array' && s.items) walk(s.items as Json, `${path}[i]`, undefined);
    if (alts) for (const a of alts) if (a.properties || (a.type === 'array' && a.items)) walk({ ...a, description: undefined }, path, undefined);
  };
  walk(schema, '', undefined);
  return out;
}

function fmtDefault(v: unknown): string {
  const t = JSON.stringify(v);
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** The text `describe` prints. */
export function describeStudy(study: Study): string {
  const lines: string[] = [];
  lines.push(`${study.kind}: ${study.summary}`, '');
  lines.push('Parameters (the params: block; a missing one takes its default):');
  const params = parameterInfo(study);
  const width = Math.min(36, Math.max(...params.map((p) => p.path.length), 4));
  for (const p of params) {
    const item = p.path.endsWith('[i]');
    const facts = [p.type, p.range, p.default !== undefined ? `default ${fmtDefault(p.default)}` : p.object || item ? '' : 'no default (optional, or derived as said below)'].filter(Boolean).join('; ');
    lines.push(`  ${p.path.padEnd(width)}  ${facts}`);
    if (p.description) lines.push(`  ${''.padEnd(width)}  ${p.description}`);
  }
  lines.push('', `Charts (the charts: list): ${study.chartIds.join(', ')}`, '');
  lines.push(`Precision (the top-level precision: field): ${study.float32 ? 'float64 (default) or float32' : 'float64 only'}`, '');
  lines.push('summary.json (paths for checks: and sweep plot:; a number that is not finite is written as null):');
  const paths = summaryPaths(fullSummarySchema(study.summarySchema));
  const pw = Math.min(48, Math.max(...paths.map((p) => p.path.length)));
  for (const p of paths) lines.push(`  ${p.path.padEnd(pw)}  ${p.type.padEnd(14)}  ${p.meaning}`);
  lines.push('', `A scenario to start from: rnn-dynamics new ${study.kind} [name]`);
  return lines.join('\n') + '\n';
}

/** The study for a kind, or an error naming the nearest kind. */
export function studyOrError(kind: string, studies: ReadonlyMap<string, Study>): Study | string {
  const s = studies.get(kind);
  if (s) return s;
  return `unknown study kind ${JSON.stringify(kind)}${didYouMean(kind, studies.keys())}; expected one of ${[...studies.keys()].join(', ')}`;
}

/** The package's scenario JSON Schema file (dist/scenario.schema.json, written by the build). */
export const SCHEMA_FILE = fileURLToPath(new URL('../../dist/scenario.schema.json', import.meta.url));

function comment(text: string, indent: string): string[] {
  // wrap at ~96 columns
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > 96 - indent.length) {
      out.push(`${indent}# ${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(`${indent}# ${line}`);
  return out;
}

function yamlValue(v: unknown): string {
  return YAML.stringify(v, { flowCollectionPadding: false, collectionStyle: 'flow', lineWidth: 0 }).trim();
}

/**
 * A scenario with every parameter at its default, each preceded by its meaning, starting with the
 * yaml-language-server line that points editors at the JSON Schema.
 */
export function newScenarioText(study: Study, name: string, schemaRef: string): string {
  const lines: string[] = [];
  lines.push(`# yaml-language-server: $schema=${schemaRef}`);
  lines.push(...comment(`${study.kind}: ${study.summary} Every parameter is shown at its default; \`rnn-dynamics describe ${study.kind}\` lists them with the summary.json paths that checks can use.`, ''));
  lines.push(`name: ${name}`, `kind: ${study.kind}`, `description: ${yamlValue(study.summary)}`, 'seed: 1', 'params:');
  const schema = z.toJSONSchema(study.params as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Json;
  const emit = (s: Json, indent: string): void => {
    const required = (s.required ?? []) as string[];
    for (const [key, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
      const range = rangeOf(p);
      lines.push(...comment(`${(p.description as string | undefined) ?? ''}${range ? ` (${typeOf(p)}: ${range})` : ` (${typeOf(p)})`}`, indent));
      // an optional object without a default (a replication's paper) stays a comment: written out empty it would be null
      if (p.properties && p.type === 'object' && p.default === undefined && required.includes(key)) {
        lines.push(`${indent}${key}:`);
        emit(p, `${indent}  `);
      } else if (p.properties && p.type === 'object' && typeof p.default === 'object' && p.default !== null && Object.keys(p.default).length === 0) {
        lines.push(`${indent}${key}:`);
        emit(p, `${indent}  `);
      } else if (p.default !== undefined) {
        const text = yamlValue(p.default);
        if (text.length <= 90) lines.push(`${indent}${key}: ${text}`);
        else {
          lines.push(`${indent}${key}:`);
          for (const l of YAML.stringify(p.default, { lineWidth: 0 }).trimEnd().split('\n')) lines.push(`${indent}  ${l}`);
        }
      } else {
        lines.push(`${indent}# ${key}:   (optional; see the comment above)`);
      }
    }
  };
  emit(schema, '  ');
  lines.push(...comment(`charts: a subset of ${study.chartIds.join(', ')} (default: all)`, ''));
  lines.push(`# charts: [${study.chartIds.join(', ')}]`);
  lines.push('# checks:                 # theory against measurement, evaluated on summary.json after the run');
  const example = summaryPaths(study.summarySchema).find((p) => p.type === 'number | null');
  lines.push('#   - name: what is checked, in words');
  lines.push(`#     path: ${example ? example.path.replace(/\[i\]/g, '[0]').replace(/\["<[^>]*>"\]/g, '["..."]') : 'a.path.in.summary'}`);
  lines.push('#     expected: 0        # with tolerance:, or min:/max:, or equals: for a string or boolean');
  lines.push('#     tolerance: 1.0e-6');
  lines.push('# sweep:                  # run a line or grid of points instead: rnn-dynamics run --sweep PATH=VALUES');
  lines.push('#   over: { params.some-parameter: "start:stop:step" }');
  return lines.join('\n') + '\n';
}

/** The $schema reference a new scenario in `dir` uses: the package's schema file, relative when near. */
export function schemaRefFrom(dir: string): string {
  // relative inside the same top-level directory (a project and its node_modules), else absolute
  const top = (p: string): string => resolve(p).split(sep)[1] ?? '';
  return top(dir) === top(SCHEMA_FILE) ? relative(resolve(dir), SCHEMA_FILE) : SCHEMA_FILE;
}

/** Write a new scenario file; an existing file is not replaced unless `force`. Returns an error or null. */
export function writeNewScenario(study: Study, name: string, file: string, force: boolean): string | null {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) return `name ${JSON.stringify(name)}: expected lower-case letters, digits and "-" (it names the report directory)`;
  if (existsSync(file) && !force) return `${file}: the file exists; choose another name or pass --force to replace it`;
  writeFileSync(file, newScenarioText(study, name, schemaRefFrom(dirname(resolve(file)))));
  return null;
}
