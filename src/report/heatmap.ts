/**
 * Heatmap charts: a value per cell of a grid (x values x y values), drawn with the matrix
 * controller of chartjs-chart-matrix, for phase diagrams such as the probability of training
 * success over (gain, T) or (sigma_w^2, depth). Cells are coloured on the viridis scale (readable
 * in grey and by colour-blind readers), each cell carries its own label (e.g. "3/5"), a colour bar
 * gives the scale, and curves (e.g. the mean-field 6 xi_c line) can be drawn on top in the grid's
 * coordinates.
 *
 * Two halves, as the line charts: `heatmapChart` returns a plain-data spec (kind 'heatmap', part of
 * the ChartSpec union, JSON-serialisable so report.html can carry it), and `heatmapConfig` turns it
 * into the Chart.js configuration, in Node (PNG, SVG, PDF) and in the browser alike; the renderer
 * and the page's script register the matrix controller.
 */
import type { ChartConfiguration } from 'chart.js';
import type { CsvTable } from './chart-spec.ts';

/** A heatmap as plain data. */
export interface HeatmapChartSpec {
  kind: 'heatmap';
  id: string;
  title: string;
  subtitle?: string;
  caption: string;
  x: { title: string; values: number[] };
  y: { title: string; values: number[] };
  /** values[j][i]: row j (y value j), column i (x value i); null leaves a grey cell. */
  values: (number | null)[][];
  labels: string[][] | null;
  colorBar: { title: string; min: number; max: number };
  overlays: { label: string; x: number[]; y: number[]; color: string; dashed: boolean; hideInLegend: boolean }[];
  csv: CsvTable;
}

/** A curve over the grid, in data coordinates (x values and y values of the axes, not indices). */
export interface HeatmapOverlay {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
  /** Leave out of the legend (e.g. the second branch of a curve already named). */
  hideInLegend?: boolean;
}

export interface HeatmapOptions {
  id: string;
  title: string;
  subtitle?: string;
  caption: string;
  /** Column values (increasing), one per cell column, and the axis title. */
  x: { title: string; values: readonly number[] };
  /** Row values (increasing), one per cell row, and the axis title. */
  y: { title: string; values: readonly number[] };
  /** values[j][i]: the cell at row j (y value j), column i (x value i); NaN leaves a grey cell. */
  values: readonly (readonly number[])[];
  /** Text written in each cell (same shape as values), e.g. "3/5". */
  labels?: readonly (readonly string[])[];
  /** Title of the colour bar, and the range of the colour scale (default [0, 1]). */
  colorBar: { title: string; min?: number; max?: number };
  overlays?: HeatmapOverlay[];
  /** Extra CSV columns per cell (same shape as values), e.g. interval ends. */
  extraColumns?: { name: string; values: readonly (readonly (number | string | null)[])[] }[];
}

/** Viridis (van der Walt and Smith 2015) at 9 evenly spaced points, interpolated linearly. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The viridis colour of t in [0, 1] (clamped) as rgb(). */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - k;
  const a = VIRIDIS[k]!;
  const b = VIRIDIS[k + 1]!;
  const c = (i: number) => Math.round(a[i]! + f * (b[i]! - a[i]!));
  return `rgb(${c(0)}, ${c(1)}, ${c(2)})`;
}

/** Fractional index of v among increasing values (linear between neighbours, extrapolated at the ends). */
export function fractionalIndex(values: readonly number[], v: number): number {
  const n = values.length;
  if (n === 1) return 0;
  let k = 0;
  while (k < n - 2 && v > values[k + 1]!) k++;
  return k + (v - values[k]!) / (values[k + 1]! - values[k]!);
}

const FONT = 'DejaVu Sans, sans-serif';

export function heatmapChart(o: HeatmapOptions): HeatmapChartSpec {
  const nx = o.x.values.length;
  const ny = o.y.values.length;
  if (o.values.length !== ny || o.values.some((r) => r.length !== nx)) {
    throw new Error(`heatmap ${o.id}: values must be ${ny} rows of ${nx} cells`);
  }
  const palette = ['#D55E00', '#ffffff', '#56B4E9', '#CC79A7'];
  const header = [o.x.title, o.y.title, o.colorBar.title, ...(o.labels ? ['label'] : []), ...(o.extraColumns ?? []).map((c) => c.name)];
  const rows: (number | string | null)[][] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = o.values[j]![i]!;
      rows.push([
        o.x.values[i]!,
        o.y.values[j]!,
        Number.isFinite(v) ? v : null,
        ...(o.labels ? [o.labels[j]![i]!] : []),
        ...(o.extraColumns ?? []).map((c) => c.values[j]![i]!),
      ]);
    }
  }
  // overlay curves go to the CSV too, in long form after the cells
  for (const ov of o.overlays ?? []) {
    for (let m = 0; m < ov.x.length; m++) rows.push([ov.x[m]!, ov.y[m]!, null, ...(o.labels ? [ov.label] : []), ...(o.extraColumns ?? []).map(() => null)]);
  }
  return {
    kind: 'heatmap',
    id: o.id,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    caption: o.caption,
    x: { title: o.x.title, values: [...o.x.values] },
    y: { title: o.y.title, values: [...o.y.values] },
    values: o.values.map((r) => r.map((v) => (Number.isFinite(v) ? v : null))),
    labels: o.labels ? o.labels.map((r) => [...r]) : null,
    colorBar: { title: o.colorBar.title, min: o.colorBar.min ?? 0, max: o.colorBar.max ?? 1 },
    overlays: (o.overlays ?? []).map((ov, k) => ({
      label: ov.label,
      x: Array.from(ov.x),
      y: Array.from(ov.y),
      color: ov.color ?? palette[k % palette.length]!,
      dashed: ov.dashed ?? false,
      hideInLegend: ov.hideInLegend ?? false,
    })),
    csv: { header, rows },
  };
}

/** The Chart.js configuration of a heatmap spec (matrix controller, cell labels and colour bar by an inline plugin). */
export function heatmapConfig(spec: HeatmapChartSpec): ChartConfiguration {
  const nx = spec.x.values.length;
  const ny = spec.y.values.length;
  const lo = spec.colorBar.min;
  const hi = spec.colorBar.max;
  const cells: { x: number; y: number; v: number; label: string }[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) cells.push({ x: i, y: j, v: spec.values[j]![i] ?? NaN, label: spec.labels?.[j]?.[i] ?? '' });
  }
  const colour = (v: number) => (Number.isFinite(v) ? viridis((v - lo) / (hi - lo)) : '#cccccc');
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  const datasets: Record<string, unknown>[] = [
    {
      type: 'matrix',
      label: spec.colorBar.title,
      data: cells,
      backgroundColor: (ctx: { raw?: { v: number } }) => colour(ctx.raw?.v ?? NaN),
      borderColor: '#ffffff',
      borderWidth: 1,
      width: (ctx: { chart: { chartArea?: { width: number } } }) => (ctx.chart.chartArea ? ctx.chart.chartArea.width / nx - 1 : 10),
      height: (ctx: { chart: { chartArea?: { height: number } } }) => (ctx.chart.chartArea ? ctx.chart.chartArea.height / ny - 1 : 10),
      hideInLegend: true,
      // Chart.js draws lower `order` on top: the curves over the cells
      order: 2,
    },
  ];
  for (const ov of spec.overlays) {
    const data: { x: number; y: number }[] = [];
    for (let m = 0; m < ov.x.length; m++) {
      const xi = fractionalIndex(spec.x.values, ov.x[m]!);
      const yi = fractionalIndex(spec.y.values, ov.y[m]!);
      if (Number.isFinite(xi) && Number.isFinite(yi)) data.push({ x: xi, y: yi });
    }
    datasets.push({
      type: 'scatter',
      label: ov.label,
      data,
      showLine: true,
      borderColor: ov.color,
      backgroundColor: ov.color,
      borderWidth: 4,
      borderDash: ov.dashed ? [12, 6] : [],
      pointRadius: 0,
      tension: 0,
      hideInLegend: ov.hideInLegend,
      order: 1,
    });
  }
  const tickCallback = (values: readonly number[]) => (v: number | string) => {
    const i = Number(v);
    return Number.isInteger(i) && i >= 0 && i < values.length ? fmt(values[i]!) : '';
  };
  const indexAxis = (title: string, n: number, values: readonly number[]) => ({
    type: 'linear',
    // the matrix controller's default reverses y; rows go up with their value here
    reverse: false,
    min: -0.5,
    max: n - 0.5,
    offset: false,
    afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
      scale.ticks = Array.from({ length: n }, (_, i) => ({ value: i }));
    },
    ticks: { font: { size: 16 }, callback: tickCallback(values), autoSkip: false },
    title: { display: true, text: title, font: { size: 20 } },
    grid: { display: false },
  });
  // cell labels and the colour bar, drawn by an inline plugin (no second plugin package)
  const cellText = {
    id: 'heatmapCellText',
    afterDatasetsDraw(chart: ChartLike) {
      const meta = chart.getDatasetMeta(0);
      const { ctx } = chart;
      ctx.save();
      ctx.font = `${nx * ny > 120 ? 12 : 16}px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      meta.data.forEach((el, k) => {
        const c = cells[k]!;
        if (!c.label) return;
        const t = Number.isFinite(c.v) ? (c.v - lo) / (hi - lo) : 0.5;
        ctx.fillStyle = t > 0.6 ? '#111111' : '#ffffff';
        const p = el.getCenterPoint();
        ctx.fillText(c.label, p.x, p.y);
      });
      ctx.restore();
    },
    afterDraw(chart: ChartLike) {
      const { ctx, chartArea: a } = chart;
      const x0 = a.right + 30;
      const w = 26;
      ctx.save();
      for (let py = 0; py < a.bottom - a.top; py++) {
        ctx.fillStyle = viridis(1 - py / (a.bottom - a.top));
        ctx.fillRect(x0, a.top + py, w, 1);
      }
      ctx.strokeStyle = '#222';
      ctx.strokeRect(x0, a.top, w, a.bottom - a.top);
      ctx.fillStyle = '#222';
      ctx.font = `16px ${FONT}`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      for (let k = 0; k <= 4; k++) {
        const v = lo + ((hi - lo) * k) / 4;
        ctx.fillText(fmt(v), x0 + w + 6, a.bottom - ((a.bottom - a.top) * k) / 4);
      }
      ctx.translate(x0 + w + 70, (a.top + a.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.font = `18px ${FONT}`;
      ctx.fillText(spec.colorBar.title, 0, 0);
      ctx.restore();
    },
  };
  return {
    type: 'matrix',
    data: { datasets },
    options: {
      animation: false,
      responsive: false,
      layout: { padding: { right: 110 } },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 24 } },
        ...(spec.subtitle ? { subtitle: { display: true, text: spec.subtitle, font: { size: 17 } } } : {}),
        legend: {
          display: spec.overlays.some((ov) => !ov.hideInLegend),
          labels: {
            font: { size: 18 },
            filter: (item: { datasetIndex?: number }, data: { datasets: { hideInLegend?: boolean }[] }) => !data.datasets[item.datasetIndex ?? 0]?.hideInLegend,
          },
        },
        tooltip: { enabled: false },
      },
      scales: { x: indexAxis(spec.x.title, nx, spec.x.values), y: indexAxis(spec.y.title, ny, spec.y.values) },
    },
    plugins: [cellText],
  } as unknown as ChartConfiguration;
}

/** The part of a Chart.js chart the inline plugin uses. */
interface ChartLike {
  ctx: {
    save(): void;
    restore(): void;
    font: string;
    textAlign: string;
    textBaseline: string;
    fillStyle: string;
    strokeStyle: string;
    fillText(text: string, x: number, y: number): void;
    fillRect(x: number, y: number, w: number, h: number): void;
    strokeRect(x: number, y: number, w: number, h: number): void;
    translate(x: number, y: number): void;
    rotate(a: number): void;
  };
  chartArea: { left: number; right: number; top: number; bottom: number };
  getDatasetMeta(i: number): { data: { getCenterPoint(): { x: number; y: number } }[] };
}
