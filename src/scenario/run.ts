/**
 * Running a validated scenario: the study computes, the checks are evaluated on the summary, and
 * the report (a CSV per chart and its PNG, SVG or PDF as asked, summary.json, report.md and the
 * interactive report.html) is written atomically.
 */
import { PACKAGE } from '../version.ts';
import { renderChart, IMAGE_FORMATS } from '../report/render.ts';
import { toCsv } from '../report/csv.ts';
import { reportMarkdown, type ReportText } from '../report/markdown.ts';
import { reportHtml } from '../report/html.ts';
import { writeReportAtomically, type ReportFiles } from '../report/write.ts';
import { formatNumber } from '../report/format.ts';
import { selectCharts, type StudyResult } from '../studies/study.ts';
import { evaluateCheck, type CheckResult } from './checks.ts';
import { NumericalFault } from '../analysis/faults.ts';
import type { LoadedScenario } from './load.ts';
import type { Scenario } from './schema.ts';
import { summaryMismatches } from './summary-schema.ts';
import type { JobRunner } from '../sweeps/jobs.ts';

/** Progress of one scenario: called by the study through ctx.progress. */
export type ProgressSink = (scenario: string, done: number, total: number, label?: string) => void;

/** What a report holds besides report.md, summary.json and CSV: chart images and report.html. */
export const REPORT_FORMATS = [...IMAGE_FORMATS, 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const DEFAULT_FORMATS: readonly ReportFormat[] = ['png', 'html'];

export interface RunOptions {
  /** Write reports/<name>/ under this directory; omit to compute the summary only. */
  outDir?: string;
  /** Chart files (png, svg, pdf) and report.html to write; default png and html. */
  formats?: readonly ReportFormat[];
  progress?: ProgressSink;
  /** Where the study's sweeps run (src/sweeps/); default: all here. */
  jobs?: JobRunner;
}

/** summary.json: identification, the study's headline numbers, the checks, and the scenario echoed back. */
export interface Summary {
  name: string;
  kind: string;
  /** 'float32' when the scenario ran in float32; absent for float64 (the default). */
  precision?: 'float32';
  package: { name: string; version: string };
  [headline: string]: unknown;
  checks: CheckResult[];
  checksPassed: boolean;
  /** Theory rows that disagree and set-ups the study found invalid (see StudyResult.warnings). */
  warnings: string[];
  scenario: Scenario;
}

export interface RunOutcome {
  summary: Summary;
  result: StudyResult;
  /** The report directory, when one was written. */
  reportDir?: string;
}

const RESERVED = new Set(['name', 'kind', 'precision', 'package', 'checks', 'checksPassed', 'warnings', 'scenario']);

/**
 * The study's own warnings and one per theory row that disagrees, with its tolerance: a report
 * never disagrees with theory silently.
 */
export function studyWarnings(result: StudyResult): string[] {
  const rows = result.theory
    .filter((r) => r.agrees === false)
    .map((r) => `theory disagrees: ${r.quantity}: theory ${formatNumber(r.theory)}, measured ${formatNumber(r.measured)}${r.tolerance ? ` (tolerance: ${r.tolerance})` : ''}`);
  return [...(result.warnings ?? []), ...rows];
}

/**
 * Paths of the NaN and infinite numbers in a study's summary (typed arrays included), at most
 * `max` of them, and how many there are. A study writes null where a value does not exist (no
 * crossing, a skipped measurement); a non-finite number is a numerical fault.
 */
export function nonFinitePaths(v: unknown, max = 3): { paths: string[]; count: number } {
  const paths: string[] = [];
  let count = 0;
  const walk = (x: unknown, path: string): void => {
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) {
        if (paths.length < max) paths.push(`${path} = ${x}`);
        count++;
      }
    } else if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
      const a = x as unknown as ArrayLike<number>;
      for (let i = 0; i < a.length; i++) walk(a[i], `${path}[${i}]`);
    } else if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${path}[${i}]`));
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, path ? `${path}.${k}` : k);
  };
  walk(v, '');
  return { paths, count };
}

/**
 * A plain JSON value: typed arrays become arrays, non-finite numbers become null, so that
 * summary.json is the same bit for bit for the same scenario and checks see what the file holds.
 */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null;
  if (v === null || typeof v !== 'object') return v === undefined ? null : v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => toJsonValue(x));
  if (Array.isArray(v)) return v.map(toJsonValue);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
  return out;
}

/** Run the study and evaluate the checks: the summary, without writing anything. */
export async function computeLoaded(loaded: LoadedScenario, opts: Pick<RunOptions, 'progress' | 'jobs'> = {}): Promise<RunOutcome> {
  const { scenario, study } = loaded;
  const precision = scenario.precision ?? 'float64';
  const result = await study.run(scenario.params, {
    seed: scenario.seed,
    precision,
    scenarioDir: loaded.dir,
    ...(scenario.charts ? { charts: scenario.charts } : {}),
    progress: (done, total, label) => opts.progress?.(scenario.name, done, total, label),
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
  });
  for (const key of Object.keys(result.summary)) {
    if (RESERVED.has(key)) throw new Error(`study ${study.kind} returned the reserved summary key "${key}"`);
  }
  const bad = nonFinitePaths(result.summary);
  if (bad.count > 0) {
    throw new NumericalFault(`the summary (${bad.count} value${bad.count > 1 ? 's' : ''}: ${bad.paths.join(', ')}${bad.count > bad.paths.length ? ', ...' : ''})`);
  }
  const headlines = toJsonValue(result.summary) as Record<string, unknown>;
  const mismatches = summaryMismatches(study.summarySchema, headlines);
  if (mismatches.length > 0) {
    throw new Error(`study ${study.kind} wrote a summary that differs from its declared summary.json fields (a bug: update the study's summary block): ${mismatches.join('; ')}`);
  }
  // a float32 run says so at the top; float64 (the default) adds nothing, so float64 summaries stay as they were
  const partial = { name: scenario.name, kind: scenario.kind, ...(precision === 'float32' ? { precision } : {}), package: PACKAGE, ...headlines };
  const checks = scenario.checks.map((c) => evaluateCheck(c, partial));
  const summary: Summary = {
    ...partial,
    checks,
    checksPassed: checks.every((c) => c.pass),
    warnings: studyWarnings(result),
    scenario: toJsonValue(scenario) as Scenario,
  };
  return { summary, result };
}

/** The files of a report: per chart its CSV and images (png, svg, pdf as asked), extra tables, summary.json, report.md, report.html. */
export async function reportFiles(loaded: LoadedScenario, outcome: RunOutcome, formatList: readonly ReportFormat[] = DEFAULT_FORMATS): Promise<ReportFiles> {
  const { scenario, study } = loaded;
  const { summary, result } = outcome;
  const files: ReportFiles = new Map();
  const charts = selectCharts(result.charts, scenario.charts);
  const tables = result.tables ?? {};
  const formats = new Set(formatList);
  const images = IMAGE_FORMATS.filter((f) => formats.has(f));
  let defaults: unknown;
  try {
    defaults = study.params.parse({});
  } catch {
    defaults = undefined; // a study whose parameters have no complete defaults: nothing is marked
  }
  const text: ReportText = {
    scenario,
    studySummary: study.summary,
    result,
    charts,
    checks: summary.checks,
    version: PACKAGE.version,
    extraTables: Object.keys(tables),
    defaults,
    image: formats.has('png') ? 'png' : formats.has('svg') ? 'svg' : 'none',
    chartFiles: images.filter((f) => f !== 'png'),
    html: formats.has('html'),
    warnings: summary.warnings,
  };
  for (const chart of charts) {
    for (const f of images) files.set(`${chart.id}.${f}`, renderChart(chart, f));
    files.set(`${chart.id}.csv`, toCsv(chart.csv));
  }
  for (const [name, table] of Object.entries(tables)) files.set(`${name}.csv`, toCsv(table));
  files.set('summary.json', JSON.stringify(summary, null, 2) + '\n');
  files.set('report.md', reportMarkdown(text));
  if (formats.has('html')) files.set('report.html', reportHtml({ title: `${scenario.name}: rnn-dynamics report`, markdown: reportMarkdown({ ...text, image: 'html' }), charts }));
  return files;
}

export async function runLoaded(loaded: LoadedScenario, opts: RunOptions = {}): Promise<RunOutcome> {
  const outcome = await computeLoaded(loaded, opts);
  if (opts.outDir === undefined) return outcome;
  const files = await reportFiles(loaded, outcome, opts.formats ?? DEFAULT_FORMATS);
  const reportDir = await writeReportAtomically(opts.outDir, loaded.scenario.name, async (out) => {
    for (const [name, contents] of files) out.set(name, contents);
  });
  return { ...outcome, reportDir };
}
