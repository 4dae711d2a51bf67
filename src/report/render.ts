/**
 * PNG rendering of chart specs with Chart.js on node-canvas (chartjs-node-canvas): 1200x800 on a
 * white background, readable when the image is shown at full width in report.md.
 */
import { createRequire } from 'node:module';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartSpec } from './chart-spec.ts';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 800;

let canvas: ChartJSNodeCanvas | undefined;

function renderer(): ChartJSNodeCanvas {
  canvas ??= new ChartJSNodeCanvas({
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    backgroundColour: 'white',
    chartCallback: (ChartJS) => {
      ChartJS.defaults.font.family = 'DejaVu Sans, sans-serif';
      ChartJS.defaults.color = '#222';
      // the matrix controller of the heatmaps (heatmap.ts)
      const matrix = createRequire(import.meta.url)('chartjs-chart-matrix') as { MatrixController: never; MatrixElement: never };
      ChartJS.register(matrix.MatrixController, matrix.MatrixElement);
    },
  });
  return canvas;
}

/** Render one chart to a PNG buffer. */
export async function renderPng(spec: ChartSpec): Promise<Buffer> {
  return renderer().renderToBuffer(spec.config, 'image/png');
}
