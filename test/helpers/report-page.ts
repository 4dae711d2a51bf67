/**
 * Checking a report.html in headless Chromium: no network, no console error, every chart canvas
 * draws data, a legend click hides exactly its entry's series (and a second click shows them),
 * hover shows a tooltip, a dragged box zooms and a double-click resets. Returns what it saw and
 * logs the path of a full-page screenshot.
 */
import type { ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { LineChartSpec } from '../../src/report/chart-spec.ts';
import { withBrowser } from './browser.ts';

export interface PageReport {
  errors: string[];
  external: string[];
  charts: string[];
}

/** Pixels of data ink inside the chart area: saturated or dark, so grid lines and grey reference lines do not count. */
async function dataInk(page: Page, id: string): Promise<number> {
  return page.evaluate((chartId) => {
    const chart = (globalThis as any).rnnCharts[chartId];
    const a = chart.chartArea;
    const r = chart.currentDevicePixelRatio;
    const d = chart.ctx.getImageData(a.left * r, a.top * r, (a.right - a.left) * r, (a.bottom - a.top) * r).data as Uint8ClampedArray;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const max = Math.max(d[i]!, d[i + 1]!, d[i + 2]!);
      const min = Math.min(d[i]!, d[i + 1]!, d[i + 2]!);
      if (max - min > 60 || max < 60) n++;
    }
    return n;
  }, id);
}

/** Chart.js handles mouse events on the next animation frame: wait for two. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((done) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).requestAnimationFrame(done))));
}

async function visibility(page: Page, id: string): Promise<boolean[]> {
  await settle(page);
  return page.evaluate((chartId) => {
    const chart = (globalThis as any).rnnCharts[chartId];
    return chart.data.datasets.map((_: unknown, i: number) => chart.isDatasetVisible(i) as boolean);
  }, id);
}

/** Page coordinates of a point given in canvas pixels, after scrolling the canvas into view. */
async function onCanvas(page: Page, id: string, fn: string): Promise<{ x: number; y: number }> {
  await page.locator(`canvas[data-chart="${id}"]`).scrollIntoViewIfNeeded();
  return page.evaluate(
    ([chartId, body]) => {
      const chart = (globalThis as any).rnnCharts[chartId!];
      const rect = chart.canvas.getBoundingClientRect();
      const p = new Function('chart', body!)(chart) as { x: number; y: number };
      return { x: rect.left + p.x, y: rect.top + p.y };
    },
    [id, fn],
  );
}

export async function checkReport(t: ExecutionContext, file: string, interactions: 'all' | 'first'): Promise<PageReport> {
  return withBrowser(async (context) => {
    const page = await context.newPage();
    const report: PageReport = { errors: [], external: [], charts: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') report.errors.push(m.text());
    });
    page.on('pageerror', (e) => report.errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      report.external.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => 'rnnCharts' in globalThis);
    const specs = JSON.parse((await page.textContent('#rnn-charts')) ?? '[]') as LineChartSpec[];
    report.charts = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => c.getAttribute('data-chart') ?? ''));
    t.deepEqual(report.charts, specs.map((s) => s.id), `${file}: a canvas per chart`);

    for (const [k, id] of report.charts.entries()) {
      const spec = specs.find((s) => s.id === id)!;
      const ink = await dataInk(page, id);
      t.true(ink > 200, `${file} ${id}: ${ink} pixels of data drawn`);
      if (interactions === 'first' && k > 0) continue;

      // a legend entry hides exactly its series, and shows them again
      const entry = spec.legend[0]!;
      const at = await onCanvas(page, id, 'const b = chart.legend.legendHitBoxes[0]; return { x: b.left + b.width / 2, y: b.top + b.height / 2 };');
      await page.mouse.click(at.x, at.y);
      const hidden = (await visibility(page, id)).flatMap((v, i) => (v ? [] : [i]));
      t.deepEqual(hidden, [...entry.series].sort((a, b) => a - b), `${file} ${id}: clicking "${entry.label}" hides its series`);
      const inkHidden = await dataInk(page, id);
      t.true(inkHidden < ink, `${file} ${id}: less ink with "${entry.label}" hidden (${inkHidden} < ${ink})`);
      await page.mouse.click(at.x, at.y);
      t.true((await visibility(page, id)).every((v) => v), `${file} ${id}: a second click shows the series again`);

      // hover shows a tooltip
      const point = await onCanvas(
        page,
        id,
        'const m = chart.getDatasetMeta(0); const el = m.data.find((e) => Number.isFinite(e.x) && Number.isFinite(e.y) && e.y >= chart.chartArea.top && e.y <= chart.chartArea.bottom); return { x: el.x, y: el.y };',
      );
      await page.mouse.move(point.x, point.y);
      await settle(page);
      t.true(await page.evaluate((chartId) => (globalThis as any).rnnCharts[chartId].tooltip.getActiveElements().length > 0, id), `${file} ${id}: hover shows values`);

      // drag a box to zoom, double-click to reset
      const before = await page.evaluate((chartId) => {
        const s = (globalThis as any).rnnCharts[chartId].scales.x;
        return [s.min, s.max];
      }, id);
      const from = await onCanvas(page, id, 'const a = chart.chartArea; return { x: a.left + 0.3 * (a.right - a.left), y: a.top + 0.3 * (a.bottom - a.top) };');
      const to = await onCanvas(page, id, 'const a = chart.chartArea; return { x: a.left + 0.6 * (a.right - a.left), y: a.top + 0.7 * (a.bottom - a.top) };');
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 8 });
      await page.mouse.up();
      await settle(page);
      const zoomed = await page.evaluate((chartId) => {
        const s = (globalThis as any).rnnCharts[chartId].scales.x;
        return [s.min, s.max];
      }, id);
      t.true(zoomed[0]! > before[0]! && zoomed[1]! < before[1]!, `${file} ${id}: the drag zoomed in (${before} -> ${zoomed})`);
      await page.mouse.dblclick(from.x, from.y);
      await settle(page);
      const reset = await page.evaluate((chartId) => {
        const s = (globalThis as any).rnnCharts[chartId].scales.x;
        return [s.min, s.max];
      }, id);
      t.deepEqual(reset, before, `${file} ${id}: double-click resets the zoom`);
    }
    const shot = join(mkdtempSync(join(tmpdir(), 'rnnd-shot-')), 'report.png');
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await page.screenshot({ path: shot, fullPage: true });
    t.log(`screenshot: ${shot}`);
    t.deepEqual(report.errors, [], `${file}: no console errors`);
    t.deepEqual(report.external, [], `${file}: no network requests`);
    return report;
  });
}
