/**
 * Chart descriptions that a study returns: a Chart.js configuration plus the same data as a CSV
 * table. Studies build them with `lineChart` (and friends) and never touch rendering; the report
 * writer turns each into `<id>.png` (1200x800, white background) and `<id>.csv`.
 */
import type { ChartConfiguration } from 'chart.js';

export interface CsvTable {
  header: string[];
  rows: (number | string | null)[][];
}

export interface ChartSpec {
  /** File stem: `<id>.png`, `<id>.csv`. Lower-case words joined by '-'. */
  id: string;
  title: string;
  /** One or two sentences for report.md: what the chart shows and how to read it. */
  caption: string;
  config: ChartConfiguration;
  csv: CsvTable;
}

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Dashed line (e.g. an unstable branch, a theory bound). */
  dashed?: boolean;
  /** Dotted line (an intermediate bound, told apart from a dashed one). */
  dotted?: boolean;
  /** Draw markers only, no line (e.g. fold points). */
  pointsOnly?: boolean;
  /** Marker radius; 0 hides markers on lines (default). */
  pointRadius?: number;
  /** Marker shape for pointsOnly series ('circle', 'crossRot', 'triangle', 'rectRot', ...). */
  pointStyle?: string;
  color?: string;
  /** Fill to another dataset index or to the origin, with a translucent colour (shading a region). */
  fill?: number | 'origin' | false;
  lineWidth?: number;
  /** Leave this series out of the legend (e.g. the second half of a split branch). */
  hideInLegend?: boolean;
}

export interface AxisSpec {
  title: string;
  log?: boolean;
  min?: number;
  max?: number;
}

/** A colour-blind-safe palette (Okabe and Ito 2008), cycled by series index. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Replace non-finite values (and non-positive ones on a log axis) by null: Chart.js leaves a gap. */
function clean(v: number, log: boolean | undefined): number | null {
  if (!Number.isFinite(v)) return null;
  if (log && v <= 0) return null;
  return v;
}

/**
 * A line/scatter chart on numeric x and y axes, one dataset per series, and its CSV in long
 * format (series, x, y).
 */
export function lineChart(opts: {
  id: string;
  title: string;
  caption: string;
  x: AxisSpec;
  y: AxisSpec;
  series: Series[];
}): ChartSpec {
  const { id, title, caption, x, y, series } = opts;
  const datasets = series.map((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const data: { x: number; y: number | null }[] = [];
    for (let k = 0; k < s.x.length; k++) {
      const xv = clean(s.x[k]!, x.log);
      if (xv === null) continue;
      data.push({ x: xv, y: clean(s.y[k]!, y.log) });
    }
    return {
      label: s.label,
      data,
      borderColor: color,
      backgroundColor: s.fill !== undefined && s.fill !== false ? withAlpha(color, 0.18) : color,
      borderDash: s.dashed ? [10, 6] : s.dotted ? [2, 4] : [],
      borderWidth: s.lineWidth ?? 2.5,
      showLine: !s.pointsOnly,
      pointRadius: s.pointsOnly ? (s.pointRadius ?? 7) : (s.pointRadius ?? 0),
      pointStyle: s.pointStyle ?? 'circle',
      fill: s.fill ?? false,
      spanGaps: false,
      // markers on the axis limits (a success rate of exactly 1) are drawn whole, not cut in half
      clip: s.pointsOnly || (s.pointRadius ?? 0) > 0 ? false : undefined,
      tension: 0,
      hideInLegend: s.hideInLegend ?? false,
    };
  });
  const config = {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false,
      responsive: false,
      plugins: {
        title: { display: true, text: title, font: { size: 26 } },
        legend: {
          display: true,
          labels: {
            font: { size: 18 },
            usePointStyle: false,
            filter: (item: { datasetIndex?: number }, data: { datasets: { hideInLegend?: boolean }[] }) =>
              !data.datasets[item.datasetIndex ?? 0]?.hideInLegend,
          },
        },
      },
      scales: {
        x: axis(x),
        y: axis(y),
      },
    },
  } as unknown as ChartConfiguration;
  const rows: (number | string | null)[][] = [];
  for (const s of series) {
    for (let k = 0; k < s.x.length; k++) rows.push([s.label, s.x[k]!, Number.isFinite(s.y[k]!) ? s.y[k]! : null]);
  }
  return { id, title, caption, config, csv: { header: ['series', x.title, y.title], rows } };
}

/** Tick labels of a log axis: only the powers of ten, written 1e-12 rather than 0.000000000001. */
function logTick(value: number | string): string {
  const v = Number(value);
  const e = Math.round(Math.log10(v));
  if (Math.abs(v / 10 ** e - 1) > 1e-9) return '';
  return e >= -2 && e <= 3 ? String(10 ** e) : `1e${e}`;
}

/** Log axes get ticks at powers of ten only, evenly stepped so that at most about 12 show. */
function powersOfTen(scale: { min: number; max: number; ticks: { value: number }[] }): void {
  const lo = Math.ceil(Math.log10(scale.min) - 1e-9);
  const hi = Math.floor(Math.log10(scale.max) + 1e-9);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return;
  const step = Math.max(1, Math.ceil((hi - lo) / 12));
  const ticks: { value: number }[] = [];
  for (let e = lo; e <= hi; e += step) ticks.push({ value: 10 ** e });
  scale.ticks = ticks;
}

function axis(a: AxisSpec): Record<string, unknown> {
  return {
    type: a.log ? 'logarithmic' : 'linear',
    ...(a.log ? { afterBuildTicks: powersOfTen } : {}),
    title: { display: true, text: a.title, font: { size: 20 } },
    ticks: a.log ? { font: { size: 16 }, callback: logTick, autoSkip: true } : { font: { size: 16 } },
    min: a.min,
    max: a.max,
    grid: { color: '#e5e5e5' },
  };
}
