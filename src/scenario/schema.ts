/**
 * The scenario file: common fields (name, kind, description, seed, charts, checks) and a `params`
 * block whose schema belongs to the study named by `kind`. Published as JSON Schema by
 * `rnn-dynamics schema` so editors can autocomplete.
 */
import { z } from 'zod';
import type { Study } from '../studies/study.ts';
import { parseSummaryPath } from './checks.ts';
import { sweepBlockSchema } from './overrides.ts';

/** The scenario precisions, float64 first (the default). */
export const PRECISIONS = ['float64', 'float32'] as const;

/**
 * A declared expectation, evaluated on summary.json after the run: either
 * `expected` with `tolerance` (absolute, or relative with `relative: true`), or `min` and/or `max`,
 * or `equals` for a string or boolean result.
 */
export const checkSchema = z
  .object({
    name: z.string().min(1).optional().describe('What is checked, in words a student can follow.'),
    path: z
      .string()
      .min(1)
      .describe('Where the measured value sits in summary.json: dots, [index] and ["key"], e.g. foldPoints[0].b'),
    expected: z.number().optional().describe('The value theory predicts.'),
    tolerance: z.number().nonnegative().optional().describe('Allowed |measured - expected| (relative to |expected| when relative is true).'),
    relative: z.boolean().optional().describe('Treat tolerance as relative to |expected|.'),
    min: z.number().optional().describe('Lower bound for the measured value (inclusive).'),
    max: z.number().optional().describe('Upper bound for the measured value (inclusive).'),
    equals: z.union([z.string(), z.boolean()]).optional().describe('Exact expected string or boolean (e.g. a regime name).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const hasExpected = c.expected !== undefined;
    const hasRange = c.min !== undefined || c.max !== undefined;
    const hasEquals = c.equals !== undefined;
    if (Number(hasExpected) + Number(hasRange) + Number(hasEquals) !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected exactly one of: expected (with tolerance), min/max, or equals',
      });
    }
    if (hasExpected && c.tolerance === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tolerance'], message: 'expected a tolerance to go with expected' });
    }
    try {
      parseSummaryPath(c.path);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `expected a summary path such as foldPoints[0].b: ${(e as Error).message}` });
    }
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max >= min (${c.min})` });
    }
  });
export type Check = z.infer<typeof checkSchema>;

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Longest report name: a file name has at most 255 bytes, and the report's temporary names add about 40. */
export const MAX_NAME_LENGTH = 128;

/** The fields every scenario has; `params` is checked separately against the study's schema. */
export const scenarioBaseSchema = z
  .object({
    name: z
      .string()
      .max(MAX_NAME_LENGTH)
      .regex(NAME_PATTERN, 'a name of lower-case letters, digits and "-" (it names the report directory)')
      .describe('Report directory name: reports/<name>/. Lower-case letters, digits and "-".'),
    kind: z.string().min(1).describe('Which study to run (`rnn-dynamics list` shows them).'),
    description: z.string().min(1).describe('What the scenario shows; printed at the top of report.md.'),
    seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).describe('Seed of every random draw: the same seed gives the same summary.json.'),
    precision: z
      .enum(PRECISIONS)
      .optional()
      .describe(
        "Working precision of the recurrent cells, their BPTT, Jacobian products, Lyapunov vectors and training: float64 (default) or float32 (PyTorch's default dtype; norms, losses and log sums stay float64). float32 only for the kinds that list it in `rnn-dynamics describe`.",
      ),
    params: z.record(z.string(), z.unknown()).default({}).describe("The study's parameters (see the kind's schema)."),
    charts: z.array(z.string()).min(1).optional().describe('Which of the study\'s charts to draw (default: all).'),
    checks: z.array(checkSchema).default([]).describe('Expected values with tolerances, checked against summary.json; a failing check makes the run exit 1.'),
    sweep: sweepBlockSchema.optional(),
  })
  .strict();

export type ScenarioBase = z.infer<typeof scenarioBaseSchema>;

/** A validated scenario: common fields plus the study's parsed params (defaults filled in). */
export interface Scenario<P = unknown> extends Omit<ScenarioBase, 'params'> {
  params: P;
}

/** Union types (`type: [a, b]`) as anyOf, so the schema compiles under ajv's strict mode. */
function noUnionTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(noUnionTypes);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = noUnionTypes(v);
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    delete out.type;
    out.anyOf = types.map((t) => ({ type: t }));
  }
  return out;
}

function toJson(schema: z.ZodType): Record<string, unknown> {
  const json = noUnionTypes(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/**
 * JSON Schema (draft 2020-12) of a scenario file, discriminated by kind: the common fields once,
 * then one `if: {kind: K} then: {params: ..., charts: ...}` per study, so an editor (or ajv) checks
 * a file against its own kind's parameters only and reports one error for one mistake. With
 * `kind`, the schema of that kind alone. Compiles under ajv's strict mode.
 */
export function scenarioJsonSchema(studies: readonly Study[], opts: { kind?: string } = {}): Record<string, unknown> {
  const selected = opts.kind === undefined ? studies : studies.filter((s) => s.kind === opts.kind);
  const base = toJson(scenarioBaseSchema);
  const properties = { ...(base.properties as Record<string, Record<string, unknown>>) };
  properties.kind = { type: 'string', enum: selected.map((s) => s.kind), description: properties.kind?.description };
  properties.params = { type: 'object', description: "The study's parameters (`rnn-dynamics describe <kind>` lists them)." };
  properties.charts = { type: 'array', minItems: 1, items: { type: 'string' }, description: "Which of the study's charts to draw (default: all)." };
  const branches = selected.map((s) => ({
    if: { type: 'object', properties: { kind: { const: s.kind } }, required: ['kind'] },
    then: {
      type: 'object',
      properties: {
        params: { ...toJson(s.params as z.ZodType), description: `Parameters of the ${s.kind} study: ${s.summary}` },
        charts: { type: 'array', minItems: 1, items: { type: 'string', enum: [...s.chartIds] }, description: 'Which charts to draw (default: all).' },
        ...(s.float32 ? {} : { precision: { type: 'string', enum: ['float64'], description: `The ${s.kind} study runs in float64 only.` } }),
      },
    },
  }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://rnn-dynamics.invalid/${opts.kind ? `${opts.kind}.` : ''}scenario.schema.json`,
    title: opts.kind ? `rnn-dynamics ${opts.kind} scenario` : 'rnn-dynamics scenario',
    type: 'object',
    properties,
    required: (base.required as string[]).filter((r) => r !== 'params'),
    additionalProperties: false,
    allOf: branches,
  };
}
