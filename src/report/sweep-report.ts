/**
 * The combined report of a parameter sweep: summary.json with every point's own summary (the same
 * object, bit for bit, as a run of that point alone), report.md with a table of every point's
 * headline numbers, one chart per plotted summary path against the first swept parameter (one
 * series per value of the second, for a grid), sweep.csv, and each point's full report in
 * points/<point>/.
 */
import { resolveSummaryPath } from '../scenario/checks.ts';
import type { SweepAxis, SweepPoint } from '../scenario/overrides.ts';
import type { Summary } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { lineChart, type ChartSpec, type CsvTable, type Series } from './chart-spec.ts';
import { toCsv } from './csv.ts';
import { formatNumber, mdCell } from './format.ts';
import { IMAGE_FORMATS, renderChart } from './render.ts';
import type { ReportFiles } from './write.ts';

export interface SweepPointOutcome {
  point: SweepPoint;
  summary: Summary;
  /** The point's own report files (empty when not rendered). */
  files: ReportFiles;
}

/** summary.json of a sweep. */
export interface SweepSummary {
  name: string;
  kind: string;
  package: { name: string; version: string };
  sweep: { over: SweepAxis[]; plot: string[] };
  points: { index: number; dir: string; values: Record<string, unknown>; checksPassed: boolean; summary: Summary }[];
  checksPassed: boolean;
  warnings: string[];
  scenario: Scenario;
}

const numeric = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? formatNumber(v) : JSON.stringify(v);
}

/** A chart of each plotted path against the first axis (series per value of the second). */
function sweepCharts(axes: readonly SweepAxis[], plot: readonly string[], outcomes: readonly SweepPointOutcome[]): ChartSpec[] {
  const [first, second] = axes;
  if (!first) return [];
  const numericX = first.values.every(numeric);
  const xOf = (v: unknown): number => (numericX ? (v as number) : first.values.indexOf(v));
  const xNote = numericX ? '' : ` The x axis numbers the values of ${first.path}: ${first.values.map((v, i) => `${i} = ${valueText(v)}`).join(', ')}.`;
  return plot.map((path) => {
    const groups = second ? second.values.map((v) => ({ label: `${second.path} = ${valueText(v)}`, match: (o: SweepPointOutcome) => o.point.values[second.path] === v })) : [{ label: path, match: () => true }];
    const series: Series[] = groups.map((g) => {
      const mine = outcomes.filter(g.match);
      return {
        label: g.label,
        x: mine.map((o) => xOf(o.point.values[first.path])),
        y: mine.map((o) => {
          const v = resolveSummaryPath(o.summary, path);
          return numeric(v) ? v : NaN;
        }),
        pointRadius: 5,
      };
    });
    const ys = series.flatMap((s) => Array.from(s.y)).filter(numeric);
    const log = ys.length > 1 && ys.every((v) => v > 0) && Math.max(...ys) / Math.min(...ys) > 1e3;
    const missing = outcomes.length - ys.length;
    return lineChart({
      id: `sweep-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase()}`,
      title: `${path} against ${first.path}`,
      caption: `The measured ${path} at each point of the sweep${second ? `, one line per value of ${second.path}` : ''}${log ? ' (log scale)' : ''}.${missing > 0 ? ` ${missing} point(s) have no finite value there and are left out.` : ''}${xNote}`,
      x: { title: first.path },
      y: { title: path, ...(log ? { log: true } : {}) },
      series,
    });
  });
}

/** Build the combined summary and every file of the sweep's report (charts rendered). */
export async function sweepReport(opts: {
  scenario: Scenario;
  studySummary: string;
  axes: readonly SweepAxis[];
  plot: readonly string[];
  outcomes: readonly SweepPointOutcome[];
  package: { name: string; version: string };
  /** Image formats of the sweep's charts (png, svg, pdf; others in the list are ignored here). */
  formats?: readonly string[];
}): Promise<{ summary: SweepSummary; files: ReportFiles }> {
  const { scenario, axes, plot, outcomes } = opts;
  const warnings = outcomes.flatMap((o) => o.summary.warnings.map((w) => `point ${o.point.dir}: ${w}`));
  const summary: SweepSummary = {
    name: scenario.name,
    kind: scenario.kind,
    package: opts.package,
    sweep: { over: axes.map((a) => ({ path: a.path, values: a.values })), plot: [...plot] },
    points: outcomes.map((o) => ({ index: o.point.index, dir: `points/${o.point.dir}`, values: o.point.values, checksPassed: o.summary.checksPassed, summary: o.summary })),
    checksPassed: outcomes.every((o) => o.summary.checksPassed),
    warnings,
    scenario,
  };

  const files: ReportFiles = new Map();
  const charts = sweepCharts(axes, plot, outcomes);
  const images = IMAGE_FORMATS.filter((f) => (opts.formats ?? ['png']).includes(f));
  for (const c of charts) {
    for (const f of images) files.set(`${c.id}.${f}`, renderChart(c, f));
    files.set(`${c.id}.csv`, toCsv(c.csv));
  }
  const table: CsvTable = {
    header: ['point', ...axes.map((a) => a.path), 'checks passed', 'checks', 'warnings', ...plot],
    rows: outcomes.map((o) => [
      o.point.dir,
      ...axes.map((a) => {
        const v = o.point.values[a.path];
        return typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
      }),
      o.summary.checks.filter((c) => c.pass).length,
      o.summary.checks.length,
      o.summary.warnings.length,
      ...plot.map((p) => {
        const v = resolveSummaryPath(o.summary, p);
        return numeric(v) ? v : null;
      }),
    ]),
  };
  files.set('sweep.csv', toCsv(table));
  files.set('summary.json', JSON.stringify(summary, null, 2) + '\n');
  for (const o of outcomes) for (const [name, contents] of o.files) files.set(`points/${o.point.dir}/${name}`, contents);

  const md: string[] = [];
  md.push(`# ${scenario.name}: sweep over ${axes.map((a) => a.path).join(' x ')}`, '');
  md.push(scenario.description.trim(), '');
  md.push(`*Study:* \`${scenario.kind}\` — ${opts.studySummary}  `);
  md.push(
    `*Sweep:* ${axes.map((a) => `${a.path} = ${a.values.map(valueText).join(', ')}`).join('; ')} (${outcomes.length} points) · *Seed:* ${scenario.seed} · *rnn-dynamics* ${opts.package.version} · every number is in [summary.json](summary.json) and [sweep.csv](sweep.csv).`,
    '',
  );
  if (warnings.length > 0) {
    md.push(`## ⚠️ Warnings (${warnings.length})`, '');
    for (const w of warnings) md.push(`- ${mdCell(w)}`);
    md.push('');
  }
  md.push('## Points', '');
  md.push(`| Point | ${axes.map((a) => mdCell(a.path)).join(' | ')} | Checks | Warnings | ${plot.map(mdCell).join(' | ')}${plot.length ? ' |' : ''}`);
  md.push(`|---|${axes.map(() => '---|').join('')}---|---|${plot.map(() => '---|').join('')}`);
  for (const o of outcomes) {
    const passed = o.summary.checks.filter((c) => c.pass).length;
    const total = o.summary.checks.length;
    const checks = total === 0 ? '—' : `${passed === total ? '✅' : '❌'} ${passed} of ${total}`;
    const cells = plot.map((p) => mdCell(formatNumber(resolveSummaryPath(o.summary, p))));
    md.push(
      `| [${o.point.dir}](points/${o.point.dir}/report.md) | ${axes.map((a) => mdCell(valueText(o.point.values[a.path]))).join(' | ')} | ${checks} | ${o.summary.warnings.length || '—'} | ${cells.join(' | ')}${plot.length ? ' |' : ''}`,
    );
  }
  md.push('');
  if (charts.length > 0) {
    md.push('## Charts', '');
    for (const c of charts) md.push(`### ${c.title}`, '', `![${c.title}](${c.id}.png)`, '', `${c.caption} Data: [${c.id}.csv](${c.id}.csv).`, '');
  }
  md.push('## Each point', '', `Each point is the scenario without its sweep and with the point's values set (\`rnn-dynamics run FILE --set PATH=VALUE\` reproduces its summary.json bit for bit); its full report is in points/:`, '');
  for (const o of outcomes) md.push(`- [${o.point.dir}](points/${o.point.dir}/report.md): ${axes.map((a) => `${a.path} = ${valueText(o.point.values[a.path])}`).join(', ')}`);
  md.push('');
  files.set('report.md', md.join('\n'));
  return { summary, files };
}

/**
 * The summary paths a sweep plots when none are named: the scenario's numeric check paths, else the
 * study's first four numbers outside lists and maps, measured ones first.
 */
export function defaultPlotPaths(scenario: Scenario, summaryPaths: readonly { path: string; type: string }[]): string[] {
  const fromChecks = scenario.checks.filter((c) => c.equals === undefined).map((c) => c.path);
  if (fromChecks.length > 0) return [...new Set(fromChecks)];
  // measured numbers (nullable) outside lists and maps, before echoed parameters
  const plain = summaryPaths.filter((p) => !p.path.includes('[') && /^(number|integer)/.test(p.type));
  return [...plain.filter((p) => p.type.includes('null')), ...plain.filter((p) => !p.type.includes('null'))].slice(0, 4).map((p) => p.path);
}
