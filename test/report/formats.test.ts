/**
 * Chart files in every format: the PNG draws its series, the SVG is well-formed vector XML (no
 * embedded raster), the PDF opens in poppler with one 1200 x 800 pt page whose text is text; and
 * the CLI's --format option writes what it names, and rejects what it does not know.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage, createCanvas } from 'canvas';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { lineChart } from '../../src/report/chart-spec.ts';
import { renderChart } from '../../src/report/render.ts';
import { main } from '../../src/cli/main.ts';

const spec = lineChart({
  id: 'norms',
  title: 'Gradient norm ‖∂L/∂hₜ‖ against the lag',
  subtitle: 'five runs, bars: 95 % intervals',
  caption: '',
  x: { title: 'lag k' },
  y: { title: 'norm (log scale)', log: true },
  series: [
    { label: 'λ₁ < 0', x: [0, 10, 20], y: [1, 1e-3, 1e-6], lower: [0.5, 5e-4, 5e-7], upper: [2, 2e-3, 2e-6], pointRadius: 5 },
    { label: 'bound (γσₘₐₓ)ᵏ', x: [0, 20], y: [1, 1e-2], dashed: true },
    { label: 'factor 10⁻⁶', x: [0, 20], y: [1e-6, 1e-6], reference: true },
  ],
});

/** Pixels of an image buffer that are not (near) white. */
async function inkedPixels(png: Buffer): Promise<number> {
  const img = await loadImage(png);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i]! < 200 || d[i + 1]! < 200 || d[i + 2]! < 200) n++;
  return n;
}

test('PNG: 1200 x 800 with the series drawn', async (t) => {
  const png = renderChart(spec, 'png');
  const img = await loadImage(png);
  t.deepEqual([img.width, img.height], [1200, 800]);
  t.true((await inkedPixels(png)) > 5000);
});

test('SVG: well-formed XML of 1200 x 800 pt, vector paths and no embedded raster image', (t) => {
  const svg = renderChart(spec, 'svg').toString('utf8');
  t.is(XMLValidator.validate(svg), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as { svg: { width: string; height: string; viewBox: string } };
  t.is(doc.svg.width, '1200pt');
  t.is(doc.svg.height, '800pt');
  t.is(doc.svg.viewBox, '0 0 1200 800');
  t.true((svg.match(/<path /g) ?? []).length > 50);
  // cairo falls back to one big bitmap when a drawing operation has no vector form
  t.false(svg.includes('<image'));
});

test('PDF: one 1200 x 800 pt page that poppler opens, with embedded fonts and the text as text', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnd-pdf-'));
  const file = join(dir, 'norms.pdf');
  writeFileSync(file, renderChart(spec, 'pdf'));
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  t.regex(info, /^Pages:\s+1$/m);
  t.regex(info, /^Page size:\s+1200 x 800 pts/m);
  t.regex(execFileSync('pdffonts', [file], { encoding: 'utf8' }), /DejaVuSans.*yes\s+yes/);
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  t.true(text.includes('Gradient norm ‖∂L/∂hₜ‖ against the lag'), text);
  t.true(text.includes('(γσₘₐₓ)ᵏ'));
  execFileSync('pdftoppm', ['-png', '-r', '36', '-singlefile', file, join(dir, 'page')]);
  t.true(existsSync(join(dir, 'page.png')));
});

test('PDF and SVG: the same chart gives the same bytes (a fixed creation date, not the wall clock)', async (t) => {
  const first = renderChart(spec, 'pdf');
  await new Promise((r) => setTimeout(r, 1100)); // the PDF date has a resolution of one second
  t.true(first.equals(renderChart(spec, 'pdf')));
  t.true(renderChart(spec, 'svg').equals(renderChart(spec, 'svg')));
  const info = execFileSync('pdfinfo', ['-'], { input: first, encoding: 'utf8' });
  t.regex(info, /^Creator:\s+rnn-dynamics$/m);
});

test('PDF page rendered by poppler shows the chart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnd-pdf-'));
  const file = join(dir, 'norms.pdf');
  writeFileSync(file, renderChart(spec, 'pdf'));
  execFileSync('pdftoppm', ['-png', '-r', '72', '-singlefile', file, join(dir, 'page')]);
  const png = readFileSync(join(dir, 'page.png'));
  t.true((await inkedPixels(png)) > 5000);
});

test('--format writes the formats named (svg, pdf: no PNG, no HTML) and rejects unknown ones with exit 2', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rnnd-fmt-'));
  const code = await main(['run', 'scenarios/doya-bifurcation.yaml', '--out', out, '--no-progress', '--format', 'svg,pdf']);
  t.is(code, 0);
  const files = readdirSync(join(out, 'doya-bifurcation'));
  t.true(files.includes('hysteresis.svg') && files.includes('hysteresis.pdf') && files.includes('hysteresis.csv'));
  t.false(files.some((f) => f.endsWith('.png') || f.endsWith('.html')));
  const md = readFileSync(join(out, 'doya-bifurcation', 'report.md'), 'utf8');
  t.regex(md, /!\[[^\]]*\]\(hysteresis\.svg\)/);
  t.regex(md, /\[PDF\]\(hysteresis\.pdf\)/);
  const bad = mkdtempSync(join(tmpdir(), 'rnnd-fmt-'));
  t.is(await main(['run', 'scenarios/doya-bifurcation.yaml', '--out', bad, '--no-progress', '--format', 'png,jpg']), 2);
  t.deepEqual(readdirSync(bad), []);
});
