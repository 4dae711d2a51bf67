/**
 * The shared chart rules: log ticks, headroom, palette, fixed styles, grouped legends, censored
 * values and intervals, as chart specs and as the Chart.js configuration built from them.
 */
import test from 'ava';
import fc from 'fast-check';
import { HEADROOM, axisBounds, chartConfig, logTickLabels, logTicks, visibleDatasets } from '../../src/report/chart-config.ts';
import { PALETTE, lineChart, sci, styleByName, superscript } from '../../src/report/chart-spec.ts';

const majors = (min: number, max: number) => logTicks(min, max).filter((t) => t.major);

test('log ticks: labelled decades at an even step of 1, 2, 5, 10, ... with 3 to 12 labels, one notation', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -300, max: 290 }), fc.integer({ min: 3, max: 300 }), fc.double({ min: 0, max: 0.99, noNaN: true }), (e, span, frac) => {
      const min = 10 ** (e + frac);
      const max = 10 ** Math.min(e + span + frac, 307);
      const ticks = majors(min, max);
      const exps = ticks.map((x) => Math.round(Math.log10(x.value)));
      if (ticks.length < 3 || ticks.length > 12) return false;
      const step = exps[1]! - exps[0]!;
      if (![1, 2, 5, 10, 20, 50, 100].includes(step)) return false;
      if (!exps.every((x, i) => i === 0 || x - exps[i - 1]! === step)) return false;
      // multiples of the step, so that 10⁰ is labelled whenever it is in range
      if (!exps.every((x) => x % step === 0)) return false;
      // a decade within 1e-9 of an end (in log10) counts as in range, as logTicks does
      if (!ticks.every((x) => x.value >= min * (1 - 1e-8) && x.value <= max * (1 + 1e-8))) return false;
      const labels = logTickLabels(logTicks(min, max)).filter((l) => l !== '');
      return labels.every((l) => /^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/.test(l)) || labels.every((l) => /^[0-9.]+$/.test(l));
    }),
    { seed: 12, numRuns: 2000 },
  );
  t.deepEqual(
    majors(1e-30, 1).map((x) => x.value),
    [1e-30, 1e-25, 1e-20, 1e-15, 1e-10, 1e-5, 1],
  );
  t.deepEqual(logTickLabels(logTicks(1e-30, 1)).filter((l) => l), ['10⁻³⁰', '10⁻²⁵', '10⁻²⁰', '10⁻¹⁵', '10⁻¹⁰', '10⁻⁵', '10⁰']);
});

test('log ticks on short ranges: 1-2-5 (then 1-9) multiples, at least three labels, plain decimals', (t) => {
  fc.assert(
    fc.property(fc.double({ min: -6, max: 6, noNaN: true }), fc.double({ min: 0.15, max: 2.9, noNaN: true }), (lo, span) => {
      const ticks = majors(10 ** lo, 10 ** (lo + span));
      return ticks.length >= 3;
    }),
    { seed: 12, numRuns: 2000 },
  );
  t.deepEqual(
    majors(8, 128).map((x) => x.value),
    [10, 20, 50, 100],
  );
  t.deepEqual(logTickLabels(logTicks(0.45, 1.2)).filter((l) => l), ['0.5', '0.6', '0.7', '0.8', '0.9', '1']);
  t.deepEqual(logTickLabels(logTicks(2e-7, 3e-6)).filter((l) => l), ['2×10⁻⁷', '5×10⁻⁷', '10⁻⁶', '2×10⁻⁶']);
});

test('headroom: the y axis ends 5 % of its range (or decades) above the data, declared bounds kept as the labelled range', (t) => {
  const lin = axisBounds({ title: 'y' }, { min: 0, max: 200 }, true);
  t.is(lin.max, 200 + HEADROOM * 200);
  const rate = axisBounds({ title: 'rate', min: 0, max: 1 }, { min: 0, max: 1 }, true);
  t.is(rate.max, 1 + HEADROOM);
  t.is(rate.min, -HEADROOM);
  const reach = axisBounds({ title: 'reach', min: 0 }, { min: 19, max: 200 }, true);
  t.is(reach.min, 0);
  t.true(reach.max! > 200 * 1.049);
  const log = axisBounds({ title: 'g', log: true }, { min: 1e-5, max: 1e4 }, true);
  t.true(log.max! >= 1e4 * 10 ** (HEADROOM * 9) * (1 - 1e-12));
  // x axes get no headroom
  t.deepEqual(axisBounds({ title: 'x' }, { min: 0, max: 200 }, false), {});
});

test('the y scale of a rate chart runs past 1 but is labelled only up to 1', (t) => {
  const spec = lineChart({ id: 'r', title: 'r', caption: '', x: { title: 'T' }, y: { title: 'rate', min: 0, max: 1 }, series: [{ label: 'a', x: [1, 2], y: [1, 1] }] });
  const y = (chartConfig(spec, { interactive: false }).options!.scales as Record<string, { max: number; afterBuildTicks: (s: { ticks: { value: number }[] }) => void }>).y!;
  t.true(y.max > 1);
  const scale = { ticks: [0, 0.2, 0.4, 0.6, 0.8, 1, 1.05].map((value) => ({ value })) };
  y.afterBuildTicks(scale);
  t.deepEqual(
    scale.ticks.map((x) => x.value),
    [0, 0.2, 0.4, 0.6, 0.8, 1],
  );
});

/** WCAG contrast ratio against white. */
function contrastOnWhite(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  return 1.05 / (L + 0.05);
}

test('palette: eight distinct colours, none as faint as yellow on white', (t) => {
  t.is(new Set(PALETTE).size, 8);
  for (const c of PALETTE) t.true(contrastOnWhite(c) >= 2, `${c}: contrast ${contrastOnWhite(c).toFixed(2)}`);
  // the yellow the palette left out fails the same test
  t.true(contrastOnWhite('#F0E442') < 1.5);
});

test('styleByName: a name keeps its colour whichever names are drawn; past eight colours the lines are dashed', (t) => {
  const canonical = ['a', 'b', 'c', 'd'];
  const all = styleByName(['a', 'b', 'c', 'd'], canonical);
  const some = styleByName(['d', 'b'], canonical);
  t.deepEqual(some('d'), all('d'));
  t.deepEqual(some('b'), all('b'));
  t.is(all('x').color, PALETTE[4]);
  const many = styleByName(Array.from({ length: 10 }, (_, i) => `g${i}`));
  t.is(many('g8').color, many('g0').color);
  t.true(many('g8').dashed);
  t.falsy(many('g7').dashed);
});

test('grouped legend: 5 runs x 3 quantities take 8 entries; each entry toggles exactly its series', (t) => {
  const runs = ['r1', 'r2', 'r3', 'r4', 'r5'];
  const quantities: [string, Record<string, boolean>][] = [
    ['measured', {}],
    ['product', { dotted: true }],
    ['bound', { dashed: true }],
  ];
  const series = runs.flatMap((run, i) => quantities.map(([q, style]) => ({ label: `${run}: ${q}`, run, quantity: q, x: [1, 2], y: [1, 2], color: PALETTE[i], ...style })));
  const spec = lineChart({ id: 'g', title: 'g', caption: '', x: { title: 'k' }, y: { title: 'n', log: true }, series: [...series, { label: 'limit', x: [1, 2], y: [3, 3], reference: true }] });
  t.is(spec.legend.length, 5 + 3 + 1);
  t.deepEqual(
    spec.legend.map((e) => e.label),
    [...runs, 'measured', 'product', 'bound', 'limit'],
  );
  t.deepEqual(spec.legend[6]!.dash, [2, 4]);
  t.deepEqual(spec.legend[7]!.dash, [10, 6]);
  // every series is in one run entry and one quantity entry
  for (let d = 0; d < series.length; d++) t.is(spec.legend.filter((e) => e.series.includes(d)).length, 2);
  const hidden = visibleDatasets(spec, new Set([1]));
  t.deepEqual(
    hidden.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0),
    [3, 4, 5],
  );
  const hiddenQuantity = visibleDatasets(spec, new Set([7]));
  t.deepEqual(
    hiddenQuantity.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0),
    [2, 5, 8, 11, 14],
  );
  // reference lines are grey, dashed and drawn under the data
  const ref = spec.series[15]!;
  t.deepEqual(ref.dash, [10, 6]);
  t.true(ref.z < 0);
});

test('censored points leave the line and become open triangles of their own series; intervals reach the spec and the CSV', (t) => {
  const spec = lineChart({
    id: 'c',
    title: 'c',
    caption: '',
    x: { title: 'g' },
    y: { title: 'reach', min: 0 },
    series: [{ label: 'reach', x: [0.5, 1, 2], y: [19, 81, 200], censored: [false, false, true], censoredLabel: 'reach ≥ T', lower: [10, 70, 200], upper: [30, 90, 200] }],
  });
  t.is(spec.series.length, 2);
  t.deepEqual(
    spec.series[0]!.data.map((p) => p.y),
    [19, 81, null],
  );
  t.deepEqual(spec.series[1]!.data, [{ x: 2, y: 200 }]);
  t.true(spec.series[1]!.censored);
  t.deepEqual(spec.series[1]!.marker, { style: 'triangle', radius: 8, hollow: true });
  t.deepEqual(spec.series[0]!.interval, { lower: [10, 70, 200], upper: [30, 90, 200] });
  t.deepEqual(
    spec.legend.map((e) => e.label),
    ['reach', 'reach ≥ T'],
  );
  t.deepEqual(spec.csv.header, ['series', 'g', 'reach', 'lower (95 %)', 'upper (95 %)', 'censored (value is a lower bound)']);
  t.deepEqual(spec.csv.rows[2], ['reach', 2, 200, 200, 200, 'yes']);
});

test('later series and higher z are drawn on top (Chart.js draws the lowest order last)', (t) => {
  const spec = lineChart({
    id: 'z',
    title: 'z',
    caption: '',
    x: { title: 'x' },
    y: { title: 'y' },
    series: [
      { label: 'key', x: [0, 1], y: [0, 1], z: 2 },
      { label: 'other', x: [0, 1], y: [0, 1] },
      { label: 'ref', x: [0, 1], y: [0, 0], reference: true },
    ],
  });
  const orders = (chartConfig(spec, { interactive: false }).data.datasets as { order: number }[]).map((d) => d.order);
  t.true(orders[0]! < orders[1]!);
  t.true(orders[1]! < orders[2]!);
});

test('numbers for labels in the axes\' notation', (t) => {
  t.is(superscript(-12), '⁻¹²');
  t.is(sci(1e-6), '10⁻⁶');
  t.is(sci(2.5e-7), '2.5×10⁻⁷');
  t.is(sci(0.25), '0.25');
  t.is(sci(200), '200');
});
