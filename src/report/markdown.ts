/**
 * report.md: the scenario's description, the theory-versus-measured table (with the tolerance
 * behind each verdict), the declared checks, every chart with its caption and data file, the
 * study's discussion, the resolved parameters (defaults included) and the references cited.
 * report.html is made from the same text (src/report/html.ts).
 */
import type { CheckResult } from '../scenario/checks.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { StudyResult } from '../studies/study.ts';
import { formatNumber, mdCell } from './format.ts';
import { citedReferences } from './references.ts';

/** How report.md shows a chart: an image file, or a placeholder that report.html replaces. */
export type ChartImage = 'png' | 'svg' | 'html' | 'none';

export interface ReportText {
  scenario: Scenario;
  studySummary: string;
  result: StudyResult;
  charts: ChartSpec[];
  checks: CheckResult[];
  version: string;
  extraTables: string[];
  /** The study's parameters with nothing set (its defaults), to mark the values left at default. */
  defaults?: unknown;
  /** Which image each chart shows as (default png). */
  image?: ChartImage;
  /** Other files written per chart (e.g. ['svg', 'pdf']), linked beside the CSV. */
  chartFiles?: string[];
  /** Whether report.html is written beside report.md. */
  html?: boolean;
  /** Disagreements and invalid set-ups (runLoaded collects them): listed first, before any number. */
  warnings?: readonly string[];
}

/** The placeholder report.html replaces by an interactive chart. */
export const CHART_PLACEHOLDER = 'chart:';

function compact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(compact).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${compact(x)}`).join(', ')} }`;
  if (typeof v === 'string') return v;
  return formatNumber(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Rows (path, value, at default) of the resolved parameters: nested objects by dotted path, an
 * array of objects one row per element.
 */
export function parameterRows(params: unknown, defaults: unknown, prefix = ''): [string, string, boolean | undefined][] {
  const rows: [string, string, boolean | undefined][] = [];
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    rows.push([prefix || '(params)', compact(params), defaults === undefined ? undefined : sameValue(params, defaults)]);
    return rows;
  }
  for (const [k, v] of Object.entries(params)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const d = defaults !== null && typeof defaults === 'object' ? (defaults as Record<string, unknown>)[k] : undefined;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) rows.push(...parameterRows(v, d, path));
    else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
      const dv = Array.isArray(d) ? d : undefined;
      v.forEach((x, i) => rows.push([`${path}[${i}]`, compact(x), dv === undefined ? undefined : sameValue(x, dv[i])]));
      if (v.length === 0) rows.push([path, '[]', dv === undefined ? undefined : dv.length === 0]);
    } else rows.push([path, compact(v), d === undefined ? undefined : sameValue(v, d)]);
  }
  return rows;
}

export function reportMarkdown(opts: ReportText): string {
  const { scenario, studySummary, result, charts, checks, version, extraTables } = opts;
  const image = opts.image ?? 'png';
  const warnings = opts.warnings ?? [];
  const out: string[] = [];
  out.push(`# ${scenario.name}`, '');
  out.push(scenario.description.trim(), '');
  out.push(`*Study:* \`${scenario.kind}\` — ${studySummary}  `);
  // float64 (the default) is not mentioned, so float64 reports stay as they were
  const precision = scenario.precision === 'float32' ? ' · *Precision:* float32 (norms, losses and log sums in float64)' : '';
  out.push(`*Seed:* ${scenario.seed}${precision} · *rnn-dynamics* ${version} · every number below is in [summary.json](summary.json).`, '');
  if (opts.html && image !== 'html') out.push('Interactive version: [report.html](report.html) (hover for values, drag to zoom, click a legend entry to hide its series).', '');

  if (warnings.length > 0) {
    out.push(`## ⚠️ Warnings (${warnings.length})`, '');
    out.push('What this run measured does not (all) support the theory below, or the set-up cannot show it:', '');
    for (const w of warnings) out.push(`- ${mdCell(w)}`);
    out.push('');
  }

  if (result.theory.length > 0) {
    out.push('## Theory against simulation', '');
    out.push('| Quantity | Theory | Measured | Agrees | Tolerance | Source |', '|---|---|---|---|---|---|');
    for (const r of result.theory) {
      const agrees = r.agrees === undefined ? '' : r.agrees ? '✓ yes' : '✗ no';
      const tolerance = r.tolerance ?? (r.agrees === undefined ? '' : '—');
      out.push(`| ${mdCell(r.quantity)} | ${mdCell(formatNumber(r.theory))} | ${mdCell(formatNumber(r.measured))} | ${agrees} | ${mdCell(tolerance)} | ${mdCell(r.source ?? '')} |`);
    }
    out.push('');
  }

  if (checks.length > 0) {
    const passed = checks.filter((c) => c.pass).length;
    out.push(`## Checks: ${passed} of ${checks.length} passed`, '');
    out.push('| Check | Measured | Expected | Result |', '|---|---|---|---|');
    for (const c of checks) {
      let expected: string;
      if (c.min !== undefined || c.max !== undefined) {
        expected = c.min !== undefined && c.max !== undefined ? `between ${formatNumber(c.min)} and ${formatNumber(c.max)}` : c.min !== undefined ? `≥ ${formatNumber(c.min)}` : `≤ ${formatNumber(c.max)}`;
      } else if (c.tolerance !== undefined) {
        expected = `${formatNumber(c.expected)} ± ${formatNumber(c.tolerance)}${c.relative ? ' (relative)' : ''}`;
      } else expected = formatNumber(c.expected);
      const res = c.pass ? '✓ pass' : `✗ fail${c.reason ? `: ${c.reason}` : ''}`;
      out.push(`| ${mdCell(c.name)} | ${mdCell(formatNumber(c.measured))} | ${mdCell(expected)} | ${mdCell(res)} |`);
    }
    out.push('');
  }

  if (charts.length > 0) {
    out.push('## Charts', '');
    for (const c of charts) {
      out.push(`### ${c.title}`, '');
      if (image === 'html') out.push(`![${c.title}](${CHART_PLACEHOLDER}${c.id})`, '');
      else if (image !== 'none') out.push(`![${c.title}](${c.id}.${image})`, '');
      const files = [`[${c.id}.csv](${c.id}.csv)`, ...(opts.chartFiles ?? []).map((f) => `[${f.toUpperCase()}](${c.id}.${f})`)];
      out.push(`${c.caption.trim()} Data: ${files.join(' · ')}.`, '');
    }
  }

  if (result.discussion.trim()) out.push('## What this shows', '', result.discussion.trim(), '');

  const rows = parameterRows(scenario.params, opts.defaults);
  if (rows.length > 0) {
    const marked = rows.some((r) => r[2] !== undefined);
    out.push('## Parameters', '', `The study's parameters as run, defaults included${marked ? ' ("default": the value the study uses when the scenario leaves it out)' : ''}.`, '');
    out.push(marked ? '| Parameter | Value | |' : '| Parameter | Value |', marked ? '|---|---|---|' : '|---|---|');
    for (const [path, value, isDefault] of rows) out.push(`| \`${mdCell(path)}\` | ${mdCell(value)} |${marked ? ` ${isDefault ? 'default' : ''} |` : ''}`);
    out.push('');
  }

  const cited = citedReferences(out.join('\n'));
  if (cited.length > 0) out.push('## References', '', ...cited.map((r) => `- ${r.text}`), '');

  if (extraTables.length > 0) {
    out.push('## Data files', '', ...extraTables.map((t) => `- [${t}.csv](${t}.csv)`), '');
  }
  return out.join('\n');
}
