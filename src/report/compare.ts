/**
 * `rnn-dynamics compare A B`: a comparison report of two report directories: the scenario
 * parameters that differ, every summary number side by side with its relative change (B - A)/|A|,
 * and, for every chart id both reports have, the two charts' data overlaid (A solid, B dashed).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lineChart, PALETTE, type ChartSpec, type CsvTable, type Series } from './chart-spec.ts';
import { toCsv } from './csv.ts';
import { formatNumber, mdCell } from './format.ts';
import { renderChart } from './render.ts';
import type { ReportFiles } from './write.ts';

/** A report directory as compare reads it. */
export interface ReportOnDisk {
  dir: string;
  summary: Record<string, unknown>;
}

/** Read `<dir>/summary.json`; the error says what was expected. */
export function readReport(dir: string): ReportOnDisk | string {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return `${dir}: expected a report directory with summary.json (rnn-dynamics run writes one), found none`;
  try {
    const summary = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (summary === null || typeof summary !== 'object' || Array.isArray(summary)) return `${file}: expected a JSON object`;
    return { dir, summary: summary as Record<string, unknown> };
  } catch (e) {
    return `${file}: expected JSON, found a syntax error (${(e as Error).message})`;
  }
}

/** Leaves of a JSON value with their paths (`a.b[2].c`), and whether they sit in a list longer than `longList`. */
export function flatten(v: unknown, prefix = '', longList = 10): { path: string; value: unknown; inLongList: boolean }[] {
  const out: { path: string; value: unknown; inLongList: boolean }[] = [];
  const walk = (x: unknown, path: string, long: boolean): void => {
    if (Array.isArray(x)) x.forEach((e, i) => walk(e, `${path}[${i}]`, long || x.length > longList));
    else if (x !== null && typeof x === 'object') {
      for (const [k, e] of Object.entries(x)) walk(e, /^[A-Za-z_$][\w$]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`, long);
    } else out.push({ path, value: x, inLongList: long });
  };
  walk(v, prefix, false);
  return out;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A chart's long-format CSV (series, x, y) as series. */
function chartSeries(text: string): { header: string[]; series: Map<string, { x: number[]; y: number[] }> } | null {
  const rows = parseCsv(text);
  const header = rows[0];
  if (!header || header.length !== 3 || header[0] !== 'series') return null;
  const series = new Map<string, { x: number[]; y: number[] }>();
  for (const r of rows.slice(1)) {
    const s = series.get(r[0]!) ?? { x: [], y: [] };
    s.x.push(r[1] === '' ? NaN : Number(r[1]));
    s.y.push(r[2] === '' ? NaN : Number(r[2]));
    series.set(r[0]!, s);
  }
  return { header, series };
}

/** Chart ids whose PNG and CSV both reports have, with the same axes. */
function sharedCharts(a: string, b: string): string[] {
  const ids = (d: string): Set<string> => new Set(readdirSync(d).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4)));
  const inB = ids(b);
  return [...ids(a)].filter((id) => inB.has(id) && existsSync(join(a, `${id}.csv`)) && existsSync(join(b, `${id}.csv`))).sort();
}

/**
 * The long-format CSV keeps a series' points but not its segments (a branch drawn in two pieces has
 * one label): start a new piece, by a gap, where x turns back. Short series are drawn as markers.
 */
function asDrawn(x: number[], y: number[]): { x: number[]; y: number[]; pointsOnly: boolean } {
  if (x.length <= 12) return { x, y, pointsOnly: true };
  const gx: number[] = [x[0]!];
  const gy: number[] = [y[0]!];
  let dir = 0;
  for (let i = 1; i < x.length; i++) {
    const d = Math.sign(x[i]! - x[i - 1]!);
    if (d !== 0 && dir !== 0 && d !== dir) {
      gx.push(x[i - 1]!);
      gy.push(NaN);
      dir = 0;
    } else if (d !== 0) dir = d;
    gx.push(x[i]!);
    gy.push(y[i]!);
  }
  return { x: gx, y: gy, pointsOnly: false };
}

function overlay(id: string, nameA: string, nameB: string, a: NonNullable<ReturnType<typeof chartSeries>>, b: NonNullable<ReturnType<typeof chartSeries>>): ChartSpec {
  const labels = [...new Set([...a.series.keys(), ...b.series.keys()])];
  const series: Series[] = [];
  labels.forEach((label, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const sa = a.series.get(label);
    const sb = b.series.get(label);
    if (sa) series.push({ label: `A: ${label}`, ...asDrawn(sa.x, sa.y), color });
    if (sb) series.push({ label: `B: ${label}`, ...asDrawn(sb.x, sb.y), color, dashed: true, pointStyle: 'triangle' });
  });
  const ys = series.flatMap((s) => Array.from(s.y)).filter(Number.isFinite);
  const log = ys.length > 1 && ys.every((v) => v > 0) && Math.max(...ys) / Math.min(...ys) > 1e3;
  return lineChart({
    id: `compare-${id}`,
    title: `${id}: ${nameA} (solid) against ${nameB} (dashed)`,
    caption: `The data of both reports' ${id} chart (${id}.csv), redrawn together: A = ${nameA} solid, B = ${nameB} dashed, one colour per series${log ? '; log scale' : ''}.`,
    x: { title: a.header[1]! },
    y: { title: a.header[2]!, ...(log ? { log: true } : {}) },
    series,
  });
}

const SKIP = new Set(['scenario', 'package', 'checks', 'name', 'kind']);

/** The comparison report's files. */
export async function compareReports(A: ReportOnDisk, B: ReportOnDisk, name: string): Promise<ReportFiles> {
  let nameA = String(A.summary.name ?? basename(A.dir));
  let nameB = String(B.summary.name ?? basename(B.dir));
  if (nameA === nameB) {
    nameA = `${nameA} (${basename(A.dir)})`;
    nameB = `${nameB} (${basename(B.dir)})`;
  }
  const files: ReportFiles = new Map();

  // parameters: every scenario leaf that differs (or exists on one side only)
  const pa = new Map(flatten(A.summary.scenario).map((l) => [l.path, l.value]));
  const pb = new Map(flatten(B.summary.scenario).map((l) => [l.path, l.value]));
  const paramRows = [...new Set([...pa.keys(), ...pb.keys()])]
    .filter((p) => JSON.stringify(pa.get(p)) !== JSON.stringify(pb.get(p)))
    .map((p) => [p, pa.has(p) ? JSON.stringify(pa.get(p)) : '(absent)', pb.has(p) ? JSON.stringify(pb.get(p)) : '(absent)']);

  // numbers present on both sides
  const strip = (s: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(s).filter(([k]) => !SKIP.has(k)));
  const la = flatten(strip(A.summary));
  const lb = new Map(flatten(strip(B.summary)).map((l) => [l.path, l]));
  const numberRows: { path: string; a: number | null; b: number | null; change: number | null; inLongList: boolean }[] = [];
  for (const l of la) {
    const other = lb.get(l.path);
    if (!other) continue;
    const isNum = (v: unknown): boolean => typeof v === 'number' || v === null;
    if (!isNum(l.value) || !isNum(other.value) || (l.value === null && other.value === null)) continue;
    const a = l.value as number | null;
    const b = other.value as number | null;
    const change = a !== null && b !== null && a !== 0 ? (b - a) / Math.abs(a) : a === 0 && b === 0 ? 0 : null;
    numberRows.push({ path: l.path, a, b, change, inLongList: l.inLongList || other.inLongList });
  }
  const differing = numberRows.filter((r) => r.a !== r.b);
  files.set(
    'compare.csv',
    toCsv({ header: ['path', 'A', 'B', 'relative change'], rows: numberRows.map((r) => [r.path, r.a, r.b, r.change]) } satisfies CsvTable),
  );

  const charts: ChartSpec[] = [];
  for (const id of sharedCharts(A.dir, B.dir)) {
    const ca = chartSeries(readFileSync(join(A.dir, `${id}.csv`), 'utf8'));
    const cb = chartSeries(readFileSync(join(B.dir, `${id}.csv`), 'utf8'));
    if (!ca || !cb || ca.header[1] !== cb.header[1] || ca.header[2] !== cb.header[2]) continue;
    charts.push(overlay(id, nameA, nameB, ca, cb));
  }
  for (const c of charts) {
    files.set(`${c.id}.png`, renderChart(c, 'png'));
    files.set(`${c.id}.csv`, toCsv(c.csv));
  }

  const md: string[] = [];
  md.push(`# ${name}`, '', `Comparison of **A** = \`${A.dir}\` (${nameA}) and **B** = \`${B.dir}\` (${nameB}). Every number is in [compare.csv](compare.csv).`, '');
  md.push(`## Changed parameters (${paramRows.length})`, '');
  if (paramRows.length === 0) md.push('The two scenarios are the same.', '');
  else {
    md.push('| Scenario path | A | B |', '|---|---|---|');
    for (const [p, a, b] of paramRows) md.push(`| ${mdCell(p!)} | ${mdCell(a!)} | ${mdCell(b!)} |`);
    md.push('');
  }
  const shown = differing.filter((r) => !r.inLongList);
  md.push(`## Summary numbers that differ (${differing.length} of ${numberRows.length})`, '');
  if (differing.length === 0) md.push('Every number present in both summaries is the same.', '');
  else {
    md.push('| Summary path | A | B | Relative change |', '|---|---|---|---|');
    for (const r of shown.slice(0, 300)) {
      const change = r.change === null ? '—' : `${r.change >= 0 ? '+' : ''}${(r.change * 100).toPrecision(3)}%`;
      md.push(`| ${mdCell(r.path)} | ${formatNumber(r.a)} | ${formatNumber(r.b)} | ${change} |`);
    }
    const hidden = differing.length - Math.min(shown.length, 300);
    if (hidden > 0) md.push('', `${hidden} more (entries of long lists such as norms by lag) are in compare.csv.`);
    md.push('');
  }
  if (charts.length > 0) {
    md.push('## Charts', '');
    for (const c of charts) md.push(`### ${c.title}`, '', `![${c.title}](${c.id}.png)`, '', `${c.caption} Data: [${c.id}.csv](${c.id}.csv).`, '');
  } else md.push('## Charts', '', 'The reports have no chart id in common.', '');
  files.set('report.md', md.join('\n'));
  files.set(
    'summary.json',
    JSON.stringify({ name, a: { dir: A.dir, name: nameA }, b: { dir: B.dir, name: nameB }, changedParameters: paramRows.map(([path, a, b]) => ({ path, a, b })), numbersCompared: numberRows.length, numbersDiffering: differing.length, charts: charts.map((c) => c.id) }, null, 2) + '\n',
  );
  return files;
}
