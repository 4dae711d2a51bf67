/**
 * Chart descriptions that a study returns: plain data (JSON-serialisable, no functions), the same
 * data as a CSV table, and the words around it. Studies build them with `lineChart` and never
 * touch rendering; src/report/chart-config.ts turns a spec into a Chart.js configuration, the same
 * one in Node (PNG, SVG, PDF through node-canvas) and in the browser (report.html).
 *
 * The style rules every chart follows live here, once: a colour-blind-safe palette without yellow
 * (Okabe and Ito 2008, plus Tol's wine), a fixed colour per model or remedy across the charts of a
 * study (`styleByName`), grey reference lines drawn under the data, legends that group series by
 * colour (the run) and dash (the quantity) when there are more than a few, error bars for 95 %
 * intervals, censored values drawn as open up-triangles (≥), and a drawing order (`z`) that puts
 * key curves on top.
 *
 * `kind` is the extension point for other chart types: the heatmap (heatmap.ts HeatmapChartSpec) is
 * the second member of the `ChartSpec` union, with its case in chart-config.ts.
 */

export interface CsvTable {
  header: string[];
  rows: (number | string | null)[][];
}

/** An axis: its title (Unicode mathematics, e.g. ‖∂L/∂hₜ‖), scale and the bounds of its labels. */
export interface AxisSpec {
  title: string;
  log?: boolean;
  /** Lower end of the labelled range (a quantity that cannot go below it, e.g. 0 for a rate). */
  min?: number;
  /** Upper end of the labelled range (e.g. 1 for a rate); the axis adds headroom above it. */
  max?: number;
}

/** One resolved dataset: everything needed to draw it, no defaults left to the renderer. */
export interface SeriesSpec {
  label: string;
  /** Points (x, y); y null leaves a gap. */
  data: { x: number; y: number | null }[];
  color: string;
  /** Canvas dash pattern in pixels; [] is solid. */
  dash: number[];
  lineWidth: number;
  showLine: boolean;
  marker: { style: string; radius: number; hollow: boolean };
  /** Fill to another dataset index or to the origin, with a translucent colour. */
  fill: number | 'origin' | false;
  /** Lower and upper ends of an interval per point (error bars), aligned with `data`. */
  interval?: { lower: (number | null)[]; upper: (number | null)[] };
  /** Points that are lower bounds (censored at the end of the measurement): the tooltip says ≥. */
  censored?: boolean;
  /** Horizontal offset in pixels, so that series sharing x values do not hide each other. */
  dodge: number;
  /** Drawing order: higher is drawn later, on top. */
  z: number;
}

/** A legend entry: a swatch (line with its dash, and a marker) that shows or hides its series. */
export interface LegendEntry {
  label: string;
  color: string;
  dash: number[];
  lineWidth: number;
  /** Draw the line part of the swatch (false for marker-only series). */
  line: boolean;
  marker?: { style: string; radius: number; hollow: boolean };
  /** A filled area (a shaded region) rather than a line. */
  area?: boolean;
  /** Indices into `series` that this entry toggles. */
  series: number[];
}

export interface LineChartSpec {
  kind: 'line';
  /** File stem: `<id>.png`, `<id>.csv`. Lower-case words joined by '-'. */
  id: string;
  title: string;
  /** A second, smaller title line: sample sizes, budgets, what the bars mean. */
  subtitle?: string;
  /** One or two sentences for the report: what the chart shows and how to read it. */
  caption: string;
  x: AxisSpec;
  y: AxisSpec;
  series: SeriesSpec[];
  legend: LegendEntry[];
  csv: CsvTable;
}

/** Every chart a study can return; `kind` tells the renderer which. */
export type ChartSpec = LineChartSpec | import('./heatmap.ts').HeatmapChartSpec;

/** What a study says about one series; `lineChart` resolves it into a `SeriesSpec`. */
export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Dashed line (e.g. an unstable branch, a theory bound). */
  dashed?: boolean;
  /** Dotted line (an intermediate bound, told apart from a dashed one). */
  dotted?: boolean;
  /** Dash-dotted line (a third quantity beside solid, dashed and dotted). */
  dashDotted?: boolean;
  /** Draw markers only, no line (e.g. fold points). */
  pointsOnly?: boolean;
  /** Marker radius; 0 hides markers on lines (default). */
  pointRadius?: number;
  /** Marker shape ('circle', 'crossRot', 'triangle', 'rectRot', 'rect', 'star', ...). */
  pointStyle?: string;
  color?: string;
  /** Fill to another dataset index or to the origin, with a translucent colour (shading a region). */
  fill?: number | 'origin' | false;
  lineWidth?: number;
  /** Leave this series out of the legend (e.g. the second half of a split branch). */
  hideInLegend?: boolean;
  /**
   * A reference line (a threshold, a bound of the axis, zero): grey, thin, dashed unless said
   * otherwise, drawn under the data.
   */
  reference?: boolean;
  /** 95 % interval per point (e.g. a Wilson interval of a rate over seeds), drawn as error bars. */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /**
   * Points whose value is only a lower bound (the measurement ended first, e.g. a reach equal to
   * T). They leave the line and are drawn as open up-triangles in a series of their own, labelled
   * `censoredLabel`.
   */
  censored?: ArrayLike<boolean>;
  censoredLabel?: string;
  /** Horizontal offset in pixels (separates series that share x values and overlap). */
  dodge?: number;
  /** Drawing order: higher on top (default 0; reference lines -1). */
  z?: number;
  /** Legend grouping: series with the same `run` share a colour and one legend entry... */
  run?: string;
  /** ...and series with the same `quantity` share a dash pattern and one grey legend entry. */
  quantity?: string;
}

/**
 * A colour-blind-safe palette: Okabe and Ito (2008) without its yellow (invisible on white), ordered
 * so that vermillion and orange are far apart, and Tol's wine as an eighth colour. Past eight
 * series `styleByName` repeats the colours with dashes.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000', '#882255'] as const;

/** Colour of reference lines (thresholds, zero, the end of the sequence): grey, under the data. */
export const REFERENCE_COLOR = '#707070';

/** Dash patterns in pixels at the default line width. */
export const DASH = { solid: [] as number[], dashed: [10, 6], dotted: [2, 4], dashDotted: [12, 4, 2, 4] } as const;

/** Colours and dashes for named things (models, remedies, gains): see `styleByName`. */
export interface NamedStyle {
  color: string;
  /** Set past the palette's eight colours: the colour repeats with this dash. */
  dashed?: boolean;
}

/**
 * A fixed style per name, so that a model or remedy has the same colour in every chart of a study
 * (and across studies that share `canonical`). Names in `canonical` take the palette slot of their
 * place there, whether or not the others are drawn; other names take the free slots in order.
 *
 * @example styleByName(['b', 'x'], ['a', 'b'])('b') // { color: PALETTE[1] }, and 'x' gets PALETTE[2]
 */
export function styleByName(names: readonly string[], canonical: readonly string[] = []): (name: string) => NamedStyle {
  const slot = new Map<string, number>();
  canonical.forEach((n, i) => slot.set(n, i));
  let next = canonical.length;
  for (const n of names) if (!slot.has(n)) slot.set(n, next++);
  return (name) => {
    let i = slot.get(name);
    if (i === undefined) slot.set(name, (i = next++));
    const color = PALETTE[i % PALETTE.length]!;
    return i >= PALETTE.length ? { color, dashed: true } : { color };
  };
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** An integer as Unicode superscript: superscript(-12) === '⁻¹²'. */
export function superscript(n: number): string {
  return String(n)
    .split('')
    .map((c) => SUPERSCRIPT[c] ?? c)
    .join('');
}

/**
 * A number for a label, in the notation of the axes: 10⁻⁶ for a power of ten, 2.5×10⁻⁷ for other
 * very small or large values, plain otherwise.
 *
 * @example sci(1e-6) // '10⁻⁶'
 */
export function sci(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(6)));
  const e = Math.floor(Math.log10(a) + 1e-12);
  const m = Number((v / 10 ** e).toPrecision(3));
  return Math.abs(m) === 1 ? `${m < 0 ? '−' : ''}10${superscript(e)}` : `${m}×10${superscript(e)}`;
}

/** Replace non-finite values (and non-positive ones on a log axis) by null: the line leaves a gap. */
function clean(v: number | undefined, log: boolean | undefined): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  if (log && v <= 0) return null;
  return v;
}

function dashOf(s: Series, forced?: boolean): number[] {
  if (s.dotted) return [...DASH.dotted];
  if (s.dashDotted) return [...DASH.dashDotted];
  if (s.dashed || forced) return [...DASH.dashed];
  return [];
}

/** Resolve a study's series into datasets; a censored series becomes two (measured, censored). */
function resolveSeries(s: Series, i: number, x: AxisSpec, y: AxisSpec): { main: SeriesSpec; censored?: SeriesSpec } {
  const color = s.color ?? (s.reference ? REFERENCE_COLOR : PALETTE[i % PALETTE.length]!);
  const data: { x: number; y: number | null }[] = [];
  const cData: { x: number; y: number | null }[] = [];
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  const hasInterval = s.lower !== undefined && s.upper !== undefined;
  for (let k = 0; k < s.x.length; k++) {
    const xv = clean(s.x[k], x.log);
    if (xv === null) continue;
    const yv = clean(s.y[k], y.log);
    if (s.censored?.[k]) {
      cData.push({ x: xv, y: yv });
      data.push({ x: xv, y: null });
    } else data.push({ x: xv, y: yv });
    if (hasInterval) {
      lower.push(clean(s.lower![k], y.log));
      upper.push(clean(s.upper![k], y.log));
    }
  }
  const markerRadius = s.pointsOnly ? (s.pointRadius ?? 7) : (s.pointRadius ?? 0);
  const main: SeriesSpec = {
    label: s.label,
    data,
    color,
    dash: dashOf(s, s.reference && !s.dotted && !s.dashDotted && s.dashed !== false),
    lineWidth: s.lineWidth ?? (s.reference ? 1.5 : 2.5),
    showLine: !s.pointsOnly,
    marker: { style: s.pointStyle ?? 'circle', radius: markerRadius, hollow: false },
    fill: s.fill ?? false,
    dodge: s.dodge ?? 0,
    z: s.z ?? (s.reference ? -1 : 0),
    ...(hasInterval ? { interval: { lower, upper } } : {}),
  };
  if (cData.length === 0) return { main };
  const censored: SeriesSpec = {
    label: s.censoredLabel ?? `${s.label} (censored: at least this value)`,
    data: cData,
    color,
    dash: [],
    lineWidth: 2,
    showLine: false,
    marker: { style: 'triangle', radius: Math.max(8, markerRadius + 2), hollow: true },
    fill: false,
    censored: true,
    dodge: main.dodge,
    z: main.z,
  };
  return { main, censored };
}

function entryFor(sp: SeriesSpec, index: number, area: boolean): LegendEntry {
  return {
    label: sp.label,
    color: sp.color,
    dash: sp.dash,
    lineWidth: sp.lineWidth,
    line: sp.showLine,
    ...(sp.marker.radius > 0 ? { marker: sp.marker } : {}),
    ...(area ? { area: true } : {}),
    series: [index],
  };
}

/**
 * The legend: one entry per series, unless series carry `run` and `quantity`: then one entry per
 * run (its colour, solid) and one per quantity (its dash, in grey), so that 5 runs x 3 quantities
 * take 8 entries instead of 15. Series without run/quantity (reference lines) keep their own entry.
 */
function buildLegend(input: Series[], resolved: { main: SeriesSpec; censored?: SeriesSpec; index: number; censoredIndex?: number }[]): LegendEntry[] {
  const entries: LegendEntry[] = [];
  const grouped = input.some((s) => s.run !== undefined && s.quantity !== undefined);
  const runs = new Map<string, LegendEntry>();
  const quantities = new Map<string, LegendEntry>();
  const quantityEntries: LegendEntry[] = [];
  input.forEach((s, i) => {
    const r = resolved[i]!;
    if (grouped && s.run !== undefined && s.quantity !== undefined) {
      let run = runs.get(s.run);
      if (!run) {
        run = { label: s.run, color: r.main.color, dash: [], lineWidth: 3, line: true, series: [] };
        runs.set(s.run, run);
        entries.push(run);
      }
      run.series.push(r.index);
      let q = quantities.get(s.quantity);
      if (!q) {
        q = { label: s.quantity, color: '#555555', dash: r.main.dash, lineWidth: r.main.lineWidth, line: r.main.showLine, series: [] };
        if (r.main.marker.radius > 0) q.marker = { ...r.main.marker, hollow: r.main.marker.hollow };
        quantities.set(s.quantity, q);
        quantityEntries.push(q);
      }
      q.series.push(r.index);
    } else if (!s.hideInLegend) {
      entries.push(entryFor(r.main, r.index, s.fill !== undefined && s.fill !== false));
    } else {
      // a hidden half of a split series toggles with the entry of the same label
      const same = entries.find((e) => e.label === s.label);
      same?.series.push(r.index);
    }
    if (r.censored && r.censoredIndex !== undefined) entries.push(entryFor(r.censored, r.censoredIndex, false));
  });
  // grouped: runs first, then the quantities, then the reference lines
  if (grouped) {
    const refs = entries.filter((e) => ![...runs.values()].includes(e));
    return [...runs.values(), ...quantityEntries, ...refs];
  }
  return entries;
}

/**
 * A line/scatter chart on numeric x and y axes, one dataset per series, and its CSV in long format
 * (series, x, y, and the interval ends and a censored flag where a series has them).
 */
export function lineChart(opts: { id: string; title: string; subtitle?: string; caption: string; x: AxisSpec; y: AxisSpec; series: Series[] }): LineChartSpec {
  const { id, title, subtitle, caption, x, y, series } = opts;
  const out: SeriesSpec[] = [];
  const resolved = series.map((s, i) => {
    const r = resolveSeries(s, i, x, y);
    const index = out.push(r.main) - 1;
    const censoredIndex = r.censored ? out.push(r.censored) - 1 : undefined;
    return { ...r, index, ...(censoredIndex !== undefined ? { censoredIndex } : {}) };
  });
  const legend = buildLegend(series, resolved);

  const withInterval = series.some((s) => s.lower !== undefined && s.upper !== undefined);
  const withCensored = series.some((s) => s.censored !== undefined);
  const header = ['series', x.title, y.title, ...(withInterval ? ['lower (95 %)', 'upper (95 %)'] : []), ...(withCensored ? ['censored (value is a lower bound)'] : [])];
  const rows: (number | string | null)[][] = [];
  for (const s of series) {
    for (let k = 0; k < s.x.length; k++) {
      const row: (number | string | null)[] = [s.label, s.x[k]!, Number.isFinite(s.y[k]!) ? s.y[k]! : null];
      if (withInterval) row.push(s.lower?.[k] ?? null, s.upper?.[k] ?? null);
      if (withCensored) row.push(s.censored?.[k] ? 'yes' : 'no');
      rows.push(row);
    }
  }
  return { kind: 'line', id, title, ...(subtitle ? { subtitle } : {}), caption, x, y, series: out, legend, csv: { header, rows } };
}
