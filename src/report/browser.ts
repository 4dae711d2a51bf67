/**
 * The script of report.html (bundled by esbuild into the page, with Chart.js and
 * chartjs-plugin-zoom): every `<canvas data-chart="id">` gets the chart whose spec sits in the
 * page's `rnn-charts` JSON, built by the same chartConfig as the PNG files.
 */
import Chart from 'chart.js/auto';
import type { Plugin } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { chartConfig } from './chart-config.ts';
import type { ChartSpec } from './chart-spec.ts';

interface Element {
  textContent: string | null;
  getAttribute(name: string): string | null;
  addEventListener(type: string, fn: () => void): void;
}
interface Page {
  getElementById(id: string): Element | null;
  querySelectorAll(selector: string): ArrayLike<Element>;
}

// the package's types describe its CommonJS namespace; the ES module's default export is the plugin
Chart.register(zoomPlugin as unknown as Plugin);
// the heatmaps (src/report/heatmap.ts)
Chart.register(MatrixController, MatrixElement);
Chart.defaults.font.family = "'DejaVu Sans', Verdana, sans-serif";
Chart.defaults.color = '#222';

const page = (globalThis as unknown as { document: Page }).document;
const specs = JSON.parse(page.getElementById('rnn-charts')?.textContent ?? '[]') as ChartSpec[];
const charts: Record<string, Chart> = {};
for (const canvas of Array.from(page.querySelectorAll('canvas[data-chart]'))) {
  const spec = specs.find((s) => s.id === canvas.getAttribute('data-chart'));
  if (!spec) continue;
  const chart = new Chart(canvas as unknown as ConstructorParameters<typeof Chart>[0], chartConfig(spec, { interactive: true }));
  charts[spec.id] = chart;
  canvas.addEventListener('dblclick', () => chart.resetZoom());
}
for (const button of Array.from(page.querySelectorAll('button[data-reset]'))) {
  button.addEventListener('click', () => charts[button.getAttribute('data-reset') ?? '']?.resetZoom());
}
// for readers who want to script the page, and for the browser test
(globalThis as unknown as { rnnCharts: Record<string, Chart> }).rnnCharts = charts;
