/**
 * The scenario file: common fields (name, kind, description, seed, charts, checks) and a `params`
 * block whose schema belongs to the study named by `kind`. Published as JSON Schema by
 * `rnn-dynamics schema` so editors can autocomplete.
 */
import { z } from 'zod';
import type { Study } from '../studies/study.ts';
import { parseSummaryPath } from './checks.ts';

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
    params: z.record(z.string(), z.unknown()).default({}).describe("The study's parameters (see the kind's schema)."),
    charts: z.array(z.string()).min(1).optional().describe('Which of the study\'s charts to draw (default: all).'),
    checks: z.array(checkSchema).default([]).describe('Expected values with tolerances, checked against summary.json; a failing check makes the run exit 1.'),
  })
  .strict();

export type ScenarioBase = z.infer<typeof scenarioBaseSchema>;

/** A validated scenario: common fields plus the study's parsed params (defaults filled in). */
export interface Scenario<P = unknown> extends Omit<ScenarioBase, 'params'> {
  params: P;
}

/** JSON Schema (draft 2020-12) of a scenario file, one branch per study kind. */
export function scenarioJsonSchema(studies: readonly Study[]): Record<string, unknown> {
  const branches = studies.map((s) =>
    scenarioBaseSchema.extend({
      kind: z.literal(s.kind).describe(s.summary),
      params: (s.params as z.ZodType).describe(`Parameters of the ${s.kind} study.`),
      charts: z.array(z.enum(s.chartIds as [string, ...string[]])).min(1).optional().describe('Which charts to draw (default: all).'),
    }),
  );
  const union = branches.length === 1 ? branches[0]! : z.discriminatedUnion('kind', branches as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  const schema = z.toJSONSchema(union, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $id: 'https://rnn-dynamics.invalid/scenario.schema.json',
    title: 'rnn-dynamics scenario',
    ...schema,
  };
}
