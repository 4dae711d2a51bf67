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

/** Render one chart to a PNG, SVG or PDF buffer. */
export function renderChart(spec: ChartSpec, format: ImageFormat): Buffer {
  const config = chartConfig(spec, { interactive: false });
  if (format === 'pdf') config.plugins = [...(config.plugins ?? []), textAsGlyphs];
  return renderer(format).renderToBufferSync(config, MIME[format]);
}
