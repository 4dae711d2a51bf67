/**
 * The README's picture of an interactive report: reports/lstm-vs-rnn-gradient-flow/report.html in
 * headless Chromium, the pointer on the 1997 LSTM's cell-gradient curve so that its tooltip shows,
 * saved as reports/report-html.png. Run with `npm run screenshot` after `npm run reports`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withBrowser } from '../helpers/browser.ts';

const page = join(process.cwd(), 'reports', 'lstm-vs-rnn-gradient-flow', 'report.html');
const out = join(process.cwd(), 'reports', 'report-html.png');

await withBrowser(
  async (context) => {
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForFunction(() => 'rnnCharts' in globalThis);
    const figure = tab.locator('figure.chart').first();
    await figure.scrollIntoViewIfNeeded();
    const at = await tab.evaluate(() => {
      const chart = (globalThis as any).rnnCharts['gradient-flow'];
      const index = chart.data.datasets.findIndex((d: { label: string }) => d.label.startsWith('LSTM 1997') && d.label.includes('∂cₜ'));
      const point = chart.getDatasetMeta(index).data[120];
      const rect = chart.canvas.getBoundingClientRect();
      return { x: rect.left + point.x, y: rect.top + point.y };
    });
    await tab.mouse.move(at.x, at.y);
    await tab.evaluate(() => new Promise((done) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).requestAnimationFrame(done))));
    await figure.screenshot({ path: out });
    process.stdout.write(`wrote ${out}\n`);
  },
  { width: 1100, height: 900 },
);
