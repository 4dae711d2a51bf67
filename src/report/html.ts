/**
 * report.html: one self-contained page (no network): the text of report.md rendered by marked,
 * each chart an interactive Chart.js canvas built from its spec (hover values, legend entries
 * that hide their series, drag to zoom and shift-drag to pan by chartjs-plugin-zoom), with
 * Chart.js, the plugin and the chart code inlined as one script bundled by esbuild, and the
 * chart data inlined as JSON.
 */
import { buildSync } from 'esbuild';
import { Marked, type Tokens } from 'marked';
import { fileURLToPath } from 'node:url';
import type { ChartSpec } from './chart-spec.ts';
import { CHART_PLACEHOLDER } from './markdown.ts';

let bundle: string | undefined;

/** The page's script: src/report/browser.ts with Chart.js and chartjs-plugin-zoom, minified (built once per process). */
export function browserBundle(): string {
  if (bundle === undefined) {
    const result = buildSync({
      // from the sources browser.ts; in the compiled package (dist/) its JavaScript, browser.js
      entryPoints: [fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './browser.ts' : './browser.js', import.meta.url))],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'eof',
      write: false,
      logLevel: 'silent',
    });
    bundle = result.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  }
  return bundle;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; color: #222; margin: 0; background: #fafafa; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5em 2em 4em; background: #fff; }
h1 { font-size: 1.8em; margin-top: 0.3em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; display: block; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fbfbfb; }
code { background: #f3f3f3; padding: 0 0.25em; border-radius: 3px; font-size: 0.92em; }
figure.chart { margin: 1em 0 0.5em; } .chart-box { position: relative; width: 100%; }
.chart-tools { font-size: 0.85em; color: #555; margin-top: 0.3em; }
.chart-tools button { font: inherit; margin-right: 0.8em; padding: 0.1em 0.7em; cursor: pointer; }
`;

/**
 * The HTML page of a report: `markdown` as written by reportMarkdown with image 'html' (a
 * placeholder image per chart, replaced here by its canvas).
 */
export function reportHtml(opts: { title: string; markdown: string; charts: ChartSpec[] }): string {
  const known = new Set(opts.charts.map((c) => c.id));
  const marked = new Marked({
    gfm: true,
    renderer: {
      image(token: Tokens.Image): string | false {
        if (!token.href.startsWith(CHART_PLACEHOLDER)) return false;
        const id = token.href.slice(CHART_PLACEHOLDER.length);
        if (!known.has(id)) return false;
        return (
          `<figure class="chart"><div class="chart-box"><canvas data-chart="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(token.text)}"></canvas></div>` +
          `<div class="chart-tools"><button type="button" data-reset="${escapeHtml(id)}">Reset zoom</button>` +
          'Hover for values · drag a box to zoom · shift-drag to pan · double-click to reset · click a legend entry to hide its series</div></figure>'
        );
      },
    },
  });
  const body = marked.parse(opts.markdown, { async: false });
  const data = JSON.stringify(opts.charts.map(({ csv: _csv, ...spec }) => spec)).replace(/</g, '\\u003c');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main>${body}</main>`,
    `<script type="application/json" id="rnn-charts">${data}</script>`,
    `<script>${browserBundle()}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
