/**
 * report.html in a real browser (Debian's headless Chromium through playwright-core), on a freshly
 * written report: see test/helpers/report-page.ts for what is checked on the page.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenarioFile } from '../../src/index.ts';
import { checkReport } from '../helpers/report-page.ts';

test('a freshly written report.html: every chart drawn and interactive, no error, no network', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-html-'));
  const { reportDir } = await runScenarioFile('scenarios/rnn-jacobian-norms.yaml', { outDir: out });
  const html = readFileSync(join(reportDir!, 'report.html'), 'utf8');
  t.false(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/i.test(html), 'no external script or stylesheet');
  const r = await checkReport(t, join(reportDir!, 'report.html'), 'all');
  t.deepEqual(r.charts, ['product-norms', 'step-norms']);
});
