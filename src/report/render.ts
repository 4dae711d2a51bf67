/**
 * Rendering chart specs in Node with Chart.js on node-canvas (chartjs-node-canvas): PNG (1200x800
 * pixels), and SVG and PDF through cairo's vector surfaces (1200x800 points). In the PDF the text
 * is text (embedded DejaVu glyphs: selectable, searchable); cairo writes SVG text as outlines.
 */
import { createRequire } from 'node:module';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { Plugin } from 'chart.js';
import type { ChartSpec } from './chart-spec.ts';
import { chartConfig } from './chart-config.ts';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 800;

export const IMAGE_FORMATS = ['png', 'svg', 'pdf'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const MIME = { png: 'image/png', svg: 'image/svg+xml', pdf: 'application/pdf' } as const;

const canvases = new Map<ImageFormat, ChartJSNodeCanvas>();

function renderer(format: ImageFormat): ChartJSNodeCanvas {
  let canvas = canvases.get(format);
  if (!canvas) {
    canvas = new ChartJSNodeCanvas({
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      ...(format === 'png' ? {} : { type: format }),
      chartCallback: (ChartJS) => {
        ChartJS.defaults.font.family = 'DejaVu Sans, sans-serif';
        ChartJS.defaults.color = '#222';
        // the matrix controller of the heatmaps (heatmap.ts)
        const matrix = createRequire(import.meta.url)('chartjs-chart-matrix') as { MatrixController: never; MatrixElement: never };
        ChartJS.register(matrix.MatrixController, matrix.MatrixElement);
      },
    });
    canvases.set(format, canvas);
  }
  return canvas;
}

/** node-canvas draws text as paths unless told otherwise; in a PDF glyphs keep it text. */
const textAsGlyphs: Plugin = {
  id: 'rnnTextAsGlyphs',
  beforeInit(chart) {
    (chart.ctx as unknown as { textDrawingMode: string }).textDrawingMode = 'glyph';
  },
};

/**
 * The PDF's creation date: cairo writes the wall clock by default, so two renders of one chart
 * differ. SOURCE_DATE_EPOCH (reproducible-builds.org) sets it; otherwise the Unix epoch.
 */
function pdfDate(): Date {
  const epoch = Number(process.env['SOURCE_DATE_EPOCH']);
  return new Date(Number.isFinite(epoch) ? epoch * 1000 : 0);
}

/** Render one chart to a PNG, SVG or PDF buffer. */
export function renderChart(spec: ChartSpec, format: ImageFormat): Buffer {
  const config = chartConfig(spec, { interactive: false });
  if (format === 'png') return renderer(format).renderToBufferSync(config, MIME[format]);
  if (format === 'svg') {
    // cairo numbers its surfaces with a process-wide counter: the only byte that differs between renders
    const svg = renderer(format).renderToBufferSync(config, MIME[format]).toString('utf8');
    return Buffer.from(svg.replace(/<g id="surface\d+">/, '<g id="surface1">'), 'utf8');
  }
  config.plugins = [...(config.plugins ?? []), textAsGlyphs];
  // renderToBufferSync passes no PDF metadata to node-canvas, so take the chart (renderChart is
  // public in chartjs-node-canvas's JavaScript, private only in its typings) and encode it here.
  const chart = (renderer(format) as unknown as { renderChart(c: typeof config): import('chart.js').Chart }).renderChart(config);
  const date = pdfDate();
  const pdf = (chart.canvas as unknown as import('canvas').Canvas).toBuffer('application/pdf', {
    title: spec.title,
    creator: 'rnn-dynamics',
    creationDate: date,
    modDate: date,
  });
  chart.destroy();
  return pdf;
}
