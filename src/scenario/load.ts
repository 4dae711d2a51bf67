/**
 * Reading and validating scenario files. All problems in a file are collected and thrown together
 * as one ScenarioError, each naming the file, the field, what was expected and what was found.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import type { Study } from '../studies/study.ts';
import { ScenarioError, describeFound, formatIssues } from './errors.ts';
import { scenarioBaseSchema, type Scenario } from './schema.ts';

export interface LoadedScenario {
  /** The file as given (or '<object>' for a scenario passed through the API). */
  file: string;
  /** Directory that relative paths in params resolve against. */
  dir: string;
  scenario: Scenario;
  study: Study;
}

/** Parse YAML text; a syntax error names the line and column. */
export function parseScenarioText(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const at = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
        return `malformed YAML at ${at}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Validate a parsed scenario object against the common schema and its study's params schema. */
export function validateScenario(
  input: unknown,
  file: string,
  dir: string,
  studies: ReadonlyMap<string, Study>,
): LoadedScenario {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ScenarioError(file, [`(top level): expected a mapping with name, kind, description, seed, params, found ${describeFound(input)}`]);
  }
  const base = scenarioBaseSchema.safeParse(input);
  const problems: string[] = [];
  if (!base.success) problems.push(...formatIssues(base.error.issues, input));
  const raw = input as Record<string, unknown>;
  const study = typeof raw.kind === 'string' ? studies.get(raw.kind) : undefined;
  if (typeof raw.kind === 'string' && !study) {
    problems.push(`kind: unknown study kind ${JSON.stringify(raw.kind)}; expected one of ${[...studies.keys()].join(', ')}`);
  }
  let params: unknown;
  if (study) {
    const p = study.params.safeParse(raw.params ?? {});
    if (p.success) params = p.data;
    else problems.push(...formatIssues(p.error.issues, raw.params ?? {}, ['params']));
    if (Array.isArray(raw.charts)) {
      raw.charts.forEach((c, i) => {
        if (typeof c === 'string' && !study.chartIds.includes(c)) {
          problems.push(`charts[${i}]: unknown chart ${JSON.stringify(c)}; expected one of ${study.chartIds.join(', ')}`);
        }
      });
    }
  }
  if (problems.length > 0 || !base.success || !study) throw new ScenarioError(file, problems);
  return { file, dir, study, scenario: { ...base.data, params } };
}

/** Read, parse and validate one scenario file. */
export function loadScenarioFile(file: string, studies: ReadonlyMap<string, Study>): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return validateScenario(parseScenarioText(text, file), file, dirname(resolve(file)), studies);
}
