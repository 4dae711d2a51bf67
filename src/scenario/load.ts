/**
 * Reading and validating scenario files. All problems in a file are collected and thrown together
 * as one ScenarioError, each naming the file, the field, what was expected and what was found.
 */
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import type { Study } from '../studies/study.ts';
import { preflight } from '../studies/preflight.ts';
import { ScenarioError, describeFound, formatIssues } from './errors.ts';
import { scenarioBaseSchema, type Scenario } from './schema.ts';
import { LIMITS, limit } from './limits.ts';
import { FileReadError, readFileSafely } from './safe-read.ts';
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

/**
 * Parse YAML text; a syntax error names the line and column. Duplicate keys are found here with a
 * set per mapping (the yaml package's own uniqueKeys check is quadratic: 30k keys took 62 s), and
 * a document with more than LIMITS.scenarioNodes values and keys is refused before it is converted.
 */
export function parseScenarioText(text: string, file: string): unknown {
  let doc: YAML.Document.Parsed;
  const lines = new YAML.LineCounter();
  try {
    doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines });
  } catch (e) {
    throw new ScenarioError(file, [`malformed YAML: ${e instanceof RangeError ? 'nested too deeply' : (e as Error).message.split('\n')[0]}`]);
  }
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.slice(0, 10).map((e) => {
        const pos = e.linePos?.[0];
        const at = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
        return `malformed YAML at ${at}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').slice(0, 200)}`;
      }),
    );
  }
  const maxNodes = limit(LIMITS.scenarioNodes);
  const problems: string[] = [];
  let nodes = 0;
  YAML.visit(doc, {
    Node() {
      if (++nodes > maxNodes) {
        problems.push(`(top level): expected at most ${maxNodes} values and keys (${LIMITS.scenarioNodes.env} changes the limit), found more; put large weight matrices in a .npy or .csv file`);
        return YAML.visit.BREAK;
      }
      return undefined;
    },
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(k)) {
          const pos = YAML.isNode(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
          if (problems.length < 10) problems.push(`malformed YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: map keys must be unique, found ${JSON.stringify(k.slice(0, 40))} twice`);
        }
        seen.add(k);
      }
      if (++nodes > maxNodes) return YAML.visit.BREAK;
      return undefined;
    },
  });
  if (problems.length > 0) throw new ScenarioError(file, problems);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ScenarioError(file, [`malformed YAML: ${e instanceof RangeError ? 'nested too deeply' : (e as Error).message.split('\n')[0]}`]);
  }
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
  if (study && base.success && base.data.precision === 'float32') {
    if (!study.float32) {
      const takers = [...studies.values()].filter((s) => s.float32).map((s) => s.kind);
      problems.push(`precision: expected float64 for kind ${study.kind}, which runs in float64 only (float32 runs: ${takers.join(', ')}), found "float32"`);
    } else if (params !== undefined) problems.push(...study.float32(params).map((p) => `params.${p}`));
  }
  if (problems.length > 0 || !base.success || !study) throw new ScenarioError(file, problems);
  // what only the study knows: weight files, relations between parameters (L < T), expressions
  const later = preflight(study.kind, params, { scenarioDir: dir });
  if (later.length > 0) throw new ScenarioError(file, later);
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
      text = readFileSafely(file, limit(LIMITS.scenarioBytes), `${LIMITS.scenarioBytes.env} changes it`).toString('utf8');
    } catch (e) {
      throw new ScenarioError(file, [`cannot read the scenario: ${e instanceof FileReadError ? e.message : (e as Error).message}`]);
    }
  }
  const raw = applyOverrides(parseScenarioText(text, file), opts.overrides ?? []);
  return validateScenario(raw, file, opts.text !== undefined ? process.cwd() : dirname(resolve(file)), studies);
}
