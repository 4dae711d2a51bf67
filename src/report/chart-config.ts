/**
 * A chart spec as a Chart.js configuration: the one code path for the PNG, SVG and PDF files
 * (Chart.js on node-canvas) and for the interactive charts of report.html (the same module,
 * bundled for the browser). It depends on nothing but Chart.js's helpers, so it runs in both.
 *
 * What it adds to Chart.js's defaults:
 * - legend swatches drawn as the series are (a line with its dash pattern, and its marker), and
 *   entries that show or hide a group of series (a run, a quantity);
 * - log axes labelled at powers of ten in one notation (10⁻⁶), at a step of 1, 2, 5, 10, ...
 *   decades with at least three labels (1-2-5 mantissas on short ranges), and faint decade lines;
 * - headroom: the y axis ends 5 % (of its range, or of its decades) above the data;
 * - error bars for intervals, horizontal dodging in pixels, a white background;
 * - in the browser: hover values, and zoom and pan by chartjs-plugin-zoom (drag a box to zoom,
 *   shift-drag to pan, ctrl-wheel to zoom, double-click to reset).
 */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js';
import { drawPoint } from 'chart.js/helpers';
import { superscript, type AxisSpec, type ChartSpec, type LineChartSpec, type SeriesSpec } from './chart-spec.ts';
import { heatmapConfig } from './heatmap.ts';

export const FONT = { title: 24, subtitle: 17, legend: 17, axisTitle: 20, ticks: 16 } as const;
/** Width of a legend swatch in pixels: long enough to show a dash pattern. */
const SWATCH = 46;

export interface Tick {
  value: number;
  /** Labelled (a major tick) or an unlabelled decade line. */
  major: boolean;
}

const DECADE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
/** At most this many labels on a log axis. */
const MAX_LOG_LABELS = 12;

/**
 * Ticks of a logarithmic axis on [min, max]: powers of ten at an even step of 1, 2, 5, 10, ...
 * decades (multiples of the step, so 10⁰ is labelled when in range) with unlabelled lines at the
 * decades between; on a range of fewer than three decades the 1-2-5 (then 1-9) multiples, so that
 * at least three labels show.
 *
 * @example logTicks(1e-30, 10).filter((t) => t.major).map((t) => t.value) // 1e-30, 1e-25, ..., 1
 */
export function logTicks(min: number, max: number): Tick[] {
  if (!(min > 0) || !(max > min)) return [];
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const decades = hi - lo + 1;
  if (decades >= 3) {
    const step = DECADE_STEPS.find((s) => Math.floor(hi / s) - Math.ceil(lo / s) + 1 <= MAX_LOG_LABELS) ?? Math.ceil(decades / MAX_LOG_LABELS);
    const ticks: Tick[] = [];
    const minor = step > 1 && decades <= 30;
    for (let e = lo; e <= hi; e++) {
      const major = e % step === 0;
      if (major || minor) ticks.push({ value: Number(`1e${e}`), major });
    }
    return ticks;
  }
  for (const mantissas of [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: Tick[] = [];
    for (let e = lo - 1; e <= hi; e++) {
      for (const m of mantissas) {
        const v = Number(`${m}e${e}`);
        if (v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12)) ticks.push({ value: v, major: true });
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  // a range narrower than a factor of about 1.3: three evenly spaced values
  return [0, 0.5, 1].map((f) => ({ value: Number((min * (max / min) ** f).toPrecision(3)), major: true }));
}

/**
 * Labels of log ticks, one notation per axis: plain decimals when every labelled value lies in
 * [0.001, 10000], otherwise powers of ten (10⁻⁶) and, on short ranges, m×10ⁿ.
 */
export function logTickLabels(ticks: readonly Tick[]): string[] {
  const majors = ticks.filter((t) => t.major).map((t) => t.value);
  const plain = majors.every((v) => v >= 1e-3 * (1 - 1e-9) && v <= 1e4 * (1 + 1e-9));
  return ticks.map((t) => {
    if (!t.major) return '';
    if (plain) return String(Number(t.value.toPrecision(6)));
    const e = Math.floor(Math.log10(t.value) + 1e-9);
    const m = Math.round(t.value / 10 ** e);
    return m === 1 ? `10${superscript(e)}` : `${m}×10${superscript(e)}`;
  });
}

interface Range {
  min: number;
  max: number;
}

/** The extent of the finite values of every series along one axis (interval ends included). */
function extent(spec: LineChartSpec, axis: 'x' | 'y'): Range | null {
  let min = Infinity;
  let max = -Infinity;
  const log = spec[axis].log;
  const see = (v: number | null | undefined) => {
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) return;
    if (v < min) min = v;
    if (v > max) max = v;
  };
  for (const s of spec.series) {
    for (const p of s.data) see(axis === 'x' ? p.x : p.y);
    if (axis === 'y' && s.interval) {
      s.interval.lower.forEach(see);
      s.interval.upper.forEach(see);
    }
  }
  return min <= max ? { min, max } : null;
}

/** Fraction of the axis range (or of its decades) left free above the data. */
export const HEADROOM = 0.05;

/**
 * The bounds of an axis: the labelled range (declared min/max, else the data) and, on the y axis,
 * 5 % headroom above it (and below it too when the axis is bounded on both sides, so that markers
 * at 0 and 1 are drawn whole).
 */
export function axisBounds(a: AxisSpec, data: Range | null, vertical: boolean, markers = false): { min?: number; max?: number } {
  if (!vertical) {
    let min = a.min ?? (a.log ? data?.min : undefined);
    let max = a.max ?? (a.log ? data?.max : undefined);
    // markers at the ends of an undeclared x range keep clear of the y axis and its labels
    if (markers && data && data.max > data.min) {
      if (a.log && data.min > 0) {
        const pad = 0.03 * Math.log10(data.max / data.min);
        if (a.min === undefined) min = data.min / 10 ** pad;
        if (a.max === undefined) max = data.max * 10 ** pad;
      } else if (!a.log) {
        const pad = 0.03 * (data.max - data.min);
        if (a.min === undefined) min = data.min - pad;
        if (a.max === undefined) max = data.max + pad;
      }
    }
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  let lo = a.min ?? data?.min;
  let hi = a.max ?? data?.max;
  if (lo === undefined || hi === undefined) return {};
  if (a.max !== undefined && data && data.max > hi) hi = data.max;
  if (a.log) {
    if (!(lo > 0)) lo = hi / 10;
    if (hi <= lo) hi = lo * 10;
    const decades = Math.log10(hi / lo);
    const pad = Math.max(HEADROOM * decades, 0.05);
    return { min: a.min !== undefined ? lo : lo / 10 ** (pad / 2), max: hi * 10 ** pad };
  }
  if (hi <= lo) {
    const w = Math.abs(lo) > 0 ? Math.abs(lo) / 2 : 1;
    lo -= w;
    hi += w;
  }
  const pad = HEADROOM * (hi - lo);
  const padBelow = a.min === undefined || a.max !== undefined;
  return { min: padBelow ? lo - pad : lo, max: hi + pad };
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function fmtValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(5))) : v.toExponential(3);
}

type AnyChart = {
  ctx: Chart['ctx'];
  chartArea: { left: number; right: number; top: number; bottom: number };
  scales: Record<string, { getPixelForValue(v: number): number }>;
  legend?: { options: { display: boolean }; legendHitBoxes: { left: number; top: number; width: number; height: number }[]; legendItems?: { hidden: boolean; entry?: number }[] };
  width: number;
  height: number;
  data: { datasets: unknown[] };
  setDatasetVisibility(i: number, v: boolean): void;
  update(): void;
  $hiddenEntries?: Set<number>;
};

/** White background, drawn first (source-over: cairo keeps SVG and PDF output vector). */
const background: Plugin = {
  id: 'rnnBackground',
  beforeDraw(chart) {
    const c = chart as unknown as AnyChart;
    c.ctx.save();
    c.ctx.fillStyle = '#ffffff';
    c.ctx.fillRect(0, 0, c.width, c.height);
    c.ctx.restore();
  },
};

/** Which datasets are visible when the entries in `hidden` are off: a dataset shows if none of its entries is off. */
export function visibleDatasets(spec: LineChartSpec, hidden: ReadonlySet<number>): boolean[] {
  const visible = spec.series.map(() => true);
  spec.legend.forEach((e, i) => {
    if (hidden.has(i)) for (const d of e.series) visible[d] = false;
  });
  return visible;
}

function plugins(spec: LineChartSpec): Plugin[] {
  /** Error bars and pixel dodging of a series, around Chart.js's own drawing of it. */
  const seriesExtras: Plugin = {
    id: 'rnnSeriesExtras',
    beforeDatasetDraw(chart, args) {
      const s = spec.series[args.index];
      if (!s || (!s.dodge && !s.interval)) return;
      const { ctx } = chart as unknown as AnyChart;
      ctx.save();
      if (s.dodge) ctx.translate(s.dodge, 0);
    },
    afterDatasetDraw(chart, args) {
      const s = spec.series[args.index];
      if (!s || (!s.dodge && !s.interval)) return;
      const c = chart as unknown as AnyChart;
      const { ctx } = c;
      if (s.interval) {
        const y = c.scales.y!;
        const area = c.chartArea;
        ctx.beginPath();
        ctx.rect(area.left - 20, area.top, area.right - area.left + 40, area.bottom - area.top);
        ctx.clip();
        ctx.strokeStyle = s.color;
        ctx.lineWidth = 2;
        ctx.setLineDash([]);
        const points = (args.meta as unknown as { data: { x: number; skip?: boolean }[] }).data;
        s.data.forEach((_, k) => {
          const lo = s.interval!.lower[k];
          const hi = s.interval!.upper[k];
          const p = points[k];
          if (lo === null || hi === null || lo === undefined || hi === undefined || !p || !Number.isFinite(p.x)) return;
          const y0 = y.getPixelForValue(lo);
          const y1 = y.getPixelForValue(hi);
          ctx.beginPath();
          ctx.moveTo(p.x, y0);
          ctx.lineTo(p.x, y1);
          ctx.moveTo(p.x - 6, y0);
          ctx.lineTo(p.x + 6, y0);
          ctx.moveTo(p.x - 6, y1);
          ctx.lineTo(p.x + 6, y1);
          ctx.stroke();
        });
      }
      ctx.restore();
    },
  };

  /** Legend swatches as the series are drawn: the line with its dash, the marker, or a shaded area. */
  const swatches: Plugin = {
    id: 'rnnLegendSwatches',
    afterDraw(chart) {
      const c = chart as unknown as AnyChart;
      const legend = c.legend;
      if (!legend || !legend.options.display || !legend.legendItems) return;
      const { ctx } = c;
      legend.legendItems.forEach((item, i) => {
        const e = item.entry !== undefined ? spec.legend[item.entry] : undefined;
        const box = legend.legendHitBoxes[i];
        if (!e || !box) return;
        const x0 = box.left + 1;
        const x1 = box.left + SWATCH - 1;
        const cy = box.top + box.height / 2;
        ctx.save();
        ctx.globalAlpha = item.hidden ? 0.3 : 1;
        if (e.area) {
          ctx.fillStyle = withAlpha(e.color, 0.25);
          ctx.fillRect(x0, cy - 8, x1 - x0, 16);
          ctx.strokeStyle = e.color;
          ctx.lineWidth = 2;
          ctx.strokeRect(x0, cy - 8, x1 - x0, 16);
        } else if (e.line) {
          ctx.strokeStyle = e.color;
          ctx.lineWidth = Math.min(Math.max(e.lineWidth, 1.5), 4);
          ctx.setLineDash(e.dash);
          ctx.beginPath();
          ctx.moveTo(x0, cy);
          ctx.lineTo(x1, cy);
          ctx.stroke();
        }
        if (e.marker) {
          ctx.setLineDash([]);
          ctx.strokeStyle = e.color;
          ctx.fillStyle = e.marker.hollow ? '#ffffff' : e.color;
          drawPoint(ctx, { pointStyle: e.marker.style as 'circle', radius: Math.min(Math.max(e.marker.radius, 4), 8), borderWidth: 2, rotation: 0 }, (x0 + x1) / 2, cy);
        }
        ctx.restore();
      });
    },
  };
  return [background, seriesExtras, swatches];
}

export interface ConfigOptions {
  /** Browser: hover tooltips, zoom and pan, legend clicks, a responsive canvas. */
  interactive: boolean;
}

function axisConfig(spec: LineChartSpec, which: 'x' | 'y'): Record<string, unknown> {
  const a = spec[which];
  const markers = spec.series.some((s) => s.marker.radius > 0 && s.data.length > 0);
  const bounds = axisBounds(a, extent(spec, which), which === 'y', markers);
  const labelled = { min: a.min ?? -Infinity, max: a.max ?? Infinity };
  const common = {
    title: { display: true, text: a.title, font: { size: FONT.axisTitle } },
    ...bounds,
    border: { color: '#9a9a9a' },
  };
  if (a.log) {
    return {
      ...common,
      type: 'logarithmic',
      afterBuildTicks(scale: { min: number; max: number; ticks: Tick[] }) {
        scale.ticks = logTicks(scale.min, scale.max);
      },
      ticks: {
        font: { size: FONT.ticks },
        autoSkip: false,
        maxRotation: 0,
        callback(_value: number, index: number, ticks: Tick[]) {
          return logTickLabels(ticks)[index];
        },
      },
      grid: { color: (ctx: { tick?: Tick }) => (ctx.tick && !ctx.tick.major ? '#f1f1f1' : '#dddddd') },
    };
  }
  return {
    ...common,
    type: 'linear',
    afterBuildTicks(scale: { ticks: { value: number }[] }) {
      const eps = 1e-9 * Math.max(1, Math.abs(labelled.max), Math.abs(labelled.min));
      scale.ticks = scale.ticks.filter((t) => t.value >= labelled.min - eps && t.value <= labelled.max + eps);
    },
    ticks: { font: { size: FONT.ticks }, includeBounds: false, maxRotation: 0 },
    grid: { color: '#e5e5e5' },
  };
}

/** The Chart.js configuration of a chart spec. */
export function chartConfig(spec: ChartSpec, opts: ConfigOptions): ChartConfiguration {
  if (spec.kind === 'heatmap') return heatmapConfig(spec);
  if (spec.kind !== 'line') throw new Error(`chart ${(spec as { id: string }).id}: unknown chart kind ${(spec as { kind: string }).kind}`);
  const datasets = spec.series.map((s: SeriesSpec, i) => ({
    label: s.label,
    data: s.data,
    borderColor: s.color,
    backgroundColor: s.fill !== false ? withAlpha(s.color, 0.18) : s.color,
    pointBackgroundColor: s.marker.hollow ? '#ffffff' : s.color,
    pointBorderColor: s.color,
    pointBorderWidth: s.marker.hollow ? 2 : 1,
    borderDash: s.dash,
    borderWidth: s.lineWidth,
    showLine: s.showLine,
    pointRadius: s.marker.radius,
    pointHoverRadius: s.marker.radius > 0 ? s.marker.radius + 2 : 4,
    pointHitRadius: Math.max(4, s.marker.radius),
    pointStyle: s.marker.style,
    fill: s.fill,
    spanGaps: false,
    tension: 0,
    // markers on the axis limits are drawn whole, not cut in half
    ...(s.marker.radius > 0 ? { clip: false } : {}),
    // Chart.js draws the lowest `order` last: later series and higher z on top
    order: -(s.z * 100000 + i),
  }));
  const hiddenEntries = (chart: AnyChart): Set<number> => (chart.$hiddenEntries ??= new Set<number>());
  const config = {
    type: 'scatter',
    data: { datasets },
    plugins: plugins(spec),
    options: {
      animation: false,
      responsive: opts.interactive,
      maintainAspectRatio: true,
      aspectRatio: 1.5,
      layout: { padding: { left: 6, right: 22, top: 4, bottom: 4 } },
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        title: { display: true, text: spec.title, font: { size: FONT.title, weight: 'bold' }, padding: { top: 6, bottom: spec.subtitle ? 2 : 8 } },
        subtitle: { display: spec.subtitle !== undefined, text: spec.subtitle ?? '', font: { size: FONT.subtitle }, color: '#444444', padding: { bottom: 8 } },
        legend: {
          display: spec.legend.length > 0,
          labels: {
            font: { size: FONT.legend },
            boxWidth: SWATCH,
            boxHeight: FONT.legend,
            padding: 12,
            generateLabels(chart: AnyChart) {
              const hidden = hiddenEntries(chart);
              return spec.legend.map((e, i) => ({
                text: e.label,
                fillStyle: 'rgba(0, 0, 0, 0)',
                strokeStyle: 'rgba(0, 0, 0, 0)',
                lineWidth: 0,
                fontColor: '#222222',
                hidden: hidden.has(i),
                datasetIndex: e.series[0],
                entry: i,
              }));
            },
          },
          onClick(_e: unknown, item: { entry?: number }, legend: { chart: AnyChart }) {
            if (!opts.interactive || item.entry === undefined) return;
            const chart = legend.chart;
            const hidden = hiddenEntries(chart);
            if (hidden.has(item.entry)) hidden.delete(item.entry);
            else hidden.add(item.entry);
            visibleDatasets(spec, hidden).forEach((v, d) => chart.setDatasetVisibility(d, v));
            chart.update();
          },
        },
        tooltip: {
          enabled: opts.interactive,
          callbacks: {
            label(ctx: { datasetIndex: number; dataIndex: number }) {
              const s = spec.series[ctx.datasetIndex]!;
              const p = s.data[ctx.dataIndex]!;
              if (p.y === null) return '';
              const lo = s.interval?.lower[ctx.dataIndex];
              const hi = s.interval?.upper[ctx.dataIndex];
              const ci = lo !== undefined && hi !== undefined && lo !== null && hi !== null ? ` (95 %: ${fmtValue(lo)} to ${fmtValue(hi)})` : '';
              return `${s.label}: ${s.censored ? '≥ ' : ''}${fmtValue(p.y)}${ci} at ${fmtValue(p.x)}`;
            },
          },
        },
        ...(opts.interactive
          ? {
              zoom: {
                zoom: { drag: { enabled: true, backgroundColor: 'rgba(0, 114, 178, 0.12)' }, wheel: { enabled: true, modifierKey: 'ctrl' }, mode: 'xy' },
                pan: { enabled: true, modifierKey: 'shift', mode: 'xy' },
              },
            }
          : {}),
      },
      scales: { x: axisConfig(spec, 'x'), y: axisConfig(spec, 'y') },
    },
  };
  return config as unknown as ChartConfiguration;
}
