/**
 * The contract between a scenario and the report. A study (one file per scenario `kind` in
 * src/studies/) declares its parameters as a zod schema with a one-line meaning per field, runs the
 * mathematics, and returns charts, a summary of headline numbers and the report's prose. It is the
 * only place that knows both the mathematics and the report.
 */
import type { z } from 'zod';
import type { ChartSpec } from '../report/chart-spec.ts';
import type { JobRunner } from '../sweeps/jobs.ts';
import type { Precision } from '../linalg/precision.ts';

/** What a study receives besides its parameters. */
export interface StudyContext {
  /** The scenario's seed: every random draw derives from it. */
  seed: number;
  /** The scenario's working precision (absent: float64; float32 only reaches a study that declares `float32`). */
  precision?: Precision;
  /** Directory of the scenario file: relative paths in params (weight files) resolve against it. */
  scenarioDir: string;
  /** Chart ids the scenario asks for (undefined: all the study offers). */
  charts?: readonly string[];
  /** Report progress of a long run: `done` out of `total` units. Silent when not on a TTY. */
  progress(done: number, total: number, label?: string): void;
  /**
   * Where the study's job lists (sweeps) run: pass it on to runSweep. Undefined: all here. A shard
   * runs a subset and stops the study; a merge reads the results from the shards' journals.
   */
  jobs?: JobRunner;
}

/** A row of the theory-versus-measured table in report.md (separate from scenario `checks`). */
export interface TheoryRow {
  /** What is compared, in words a student can follow. */
  quantity: string;
  /** The theory's value or statement (number or text, e.g. "< 1e-6" or "(w, b) = (4, -2)"). */
  theory: string | number;
  measured: string | number;
  /** Where the theory comes from (author year, or the closed form). */
  source?: string;
  /** Whether the measurement agrees, when the study can judge it. */
  agrees?: boolean;
  /** How `agrees` is judged: the tolerance or criterion (e.g. "|log ratio| < ln 1.25", "≤ 1 + 1e-9 k"). */
  tolerance?: string;
}

export interface StudyResult {
  /** Headline numbers: JSON-serialisable, deterministic (no times, no dates). Checks address it by path. */
  summary: Record<string, unknown>;
  charts: ChartSpec[];
  theory: TheoryRow[];
  /** Markdown paragraphs placed after the table: what the charts show and why (no top heading). */
  discussion: string;
  /**
   * Set-ups the study detected as unable to show what it is meant to (folds outside the bias
   * window, a reach censored at T, a training budget too small to decide), one sentence each. They
   * go to stderr, report.md and summary.json's `warnings`, together with every theory row that
   * disagrees; `run --strict` exits 1 on any.
   */
  warnings?: string[];
  /** Extra CSV files (name without extension -> table) beyond each chart's own data. */
  tables?: Record<string, import('../report/chart-spec.ts').CsvTable>;
}

export interface Study<P = unknown, S = unknown> {
  /** The scenario `kind` this study handles, e.g. 'doya-bifurcation'. */
  kind: string;
  /** One line for `rnn-dynamics list`. */
  summary: string;
  /** zod schema of the scenario's `params` block, with defaults and .describe() on every field. */
  params: z.ZodType<P>;
  /** Chart ids this study can draw, in report order. */
  chartIds: readonly string[];
  /**
   * summary.json's own fields, each with its meaning (built with src/scenario/summary-schema.ts):
   * `describe` lists them, `validate` checks check paths against them, every run's summary must
   * parse against them.
   */
  summarySchema: z.ZodType<S>;
  /**
   * Present when the study runs in float32 (scenario `precision: float32`): the problems of params
   * that cannot (e.g. a cell without a float32 route), one line each as `<path under params>: ...`,
   * reported with exit 2 at validation. Absent: float64 only.
   */
  float32?: (params: P) => string[];
  run(params: P, ctx: StudyContext): Promise<StudyResult> | StudyResult;
}

/** Keep the charts the scenario asked for (all when it did not say). */
export function selectCharts(charts: ChartSpec[], wanted: readonly string[] | undefined): ChartSpec[] {
  return wanted ? charts.filter((c) => wanted.includes(c.id)) : charts;
}
