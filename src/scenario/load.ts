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
import { applyOverrides, axesOfBlock, type Override } from './overrides.ts';
import { checkSummaryPath, objectKeysAt } from './summary-schema.ts';
import { didYouMean } from './suggest.ts';

export interface LoadedScenario {
  /** The file as given (or '<object>' for a scenario passed through the API). */
  file: string;
  /** Directory that relative paths in params resolve against. */
  dir: string;
  scenario: Scenario;
  study: Study;
  /** The parsed input as given (after --set overrides), before defaults: sweeps start from it. */
  raw?: unknown;
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
  if (!base.success) problems.push(...formatIssues(base.error.issues, input, [], (path) => objectKeysAt(scenarioBaseSchema, path)));
  const raw = input as Record<string, unknown>;
  const study = typeof raw.kind === 'string' ? studies.get(raw.kind) : undefined;
  if (typeof raw.kind === 'string' && !study) {
    problems.push(`kind: unknown study kind ${JSON.stringify(raw.kind)}${didYouMean(raw.kind, studies.keys())}; expected one of ${[...studies.keys()].join(', ')}`);
  }
  let params: unknown;
  if (study) {
    const p = study.params.safeParse(raw.params ?? {});
    if (p.success) params = p.data;
    else problems.push(...formatIssues(p.error.issues, raw.params ?? {}, ['params'], (path) => objectKeysAt(study.params, path)));
    if (Array.isArray(raw.charts)) {
      raw.charts.forEach((c, i) => {
        if (typeof c === 'string' && !study.chartIds.includes(c)) {
          problems.push(`charts[${i}]: unknown chart ${JSON.stringify(c)}${didYouMean(c, study.chartIds)}; expected one of ${study.chartIds.join(', ')}`);
        }
      });
    }
  }
  if (study) problems.push(...summaryPathProblems(raw, study));
  if (problems.length > 0 || !base.success || !study) throw new ScenarioError(file, problems);
  return { file, dir, study, scenario: { ...base.data, params }, raw: input };
}

/**
 * Check paths and sweep plot paths against the study's declared summary.json fields, before
 * anything runs (a misspelt path would otherwise fail only after the whole study).
 */
function summaryPathProblems(raw: Record<string, unknown>, study: Study): string[] {
  const problems: string[] = [];
  if (Array.isArray(raw.checks)) {
    raw.checks.forEach((c: unknown, i) => {
      if (c === null || typeof c !== 'object' || typeof (c as { path?: unknown }).path !== 'string') return;
      const want = (c as { equals?: unknown }).equals !== undefined ? 'string-or-boolean' : 'number';
      const problem = checkSummaryPath(study.summarySchema, (c as { path: string }).path, want);
      if (problem) problems.push(`checks[${i}].path: ${problem} (\`rnn-dynamics describe ${study.kind}\` lists the paths)`);
    });
  }
  const sweep = raw.sweep as { plot?: unknown; over?: unknown } | undefined;
  if (sweep && Array.isArray(sweep.plot)) {
    sweep.plot.forEach((p: unknown, i) => {
      if (typeof p !== 'string') return;
      const problem = checkSummaryPath(study.summarySchema, p, 'number');
      if (problem) problems.push(`sweep.plot[${i}]: ${problem}`);
    });
  }
  if (sweep && sweep.over !== null && typeof sweep.over === 'object') {
    try {
      axesOfBlock(sweep as Parameters<typeof axesOfBlock>[0]);
    } catch (e) {
      problems.push(`sweep.over: ${(e as Error).message}`);
    }
  }
  return problems;
}

/** Options of loadScenarioFile: the text when it is not to be read from `file` (stdin), overrides. */
export interface LoadOptions {
  /** The file's contents, already read (e.g. from standard input); `file` then only names it. */
  text?: string;
  /** `--set` overrides, applied to the parsed YAML before validation. */
  overrides?: readonly Override[];
}

/** Read, parse and validate one scenario file. */
export function loadScenarioFile(file: string, studies: ReadonlyMap<string, Study>, opts: LoadOptions = {}): LoadedScenario {
  let text = opts.text;
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ScenarioError(file, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
    }
  }
  const raw = applyOverrides(parseScenarioText(text, file), opts.overrides ?? []);
  return validateScenario(raw, file, opts.text !== undefined ? process.cwd() : dirname(resolve(file)), studies);
}
