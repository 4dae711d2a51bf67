import test from 'ava';
import { evaluateCheck, parseSummaryPath, resolveSummaryPath } from '../../src/scenario/checks.ts';

const summary = { foldPoints: [{ b: -2.65561 }, { b: -2.34439 }], rate: { 'lstm-1997': { '100': 0.8 } }, regime: 'vanishing', 'x.y': 1 };

test('summary paths: dots, indices and quoted keys', (t) => {
  t.deepEqual(parseSummaryPath('foldPoints[1].b'), ['foldPoints', 1, 'b']);
  t.deepEqual(parseSummaryPath('rate.lstm-1997["100"]'), ['rate', 'lstm-1997', '100']);
  t.deepEqual(parseSummaryPath('["x.y"]'), ['x.y']);
  t.is(resolveSummaryPath(summary, 'foldPoints[1].b'), -2.34439);
  t.is(resolveSummaryPath(summary, 'rate.lstm-1997["100"]'), 0.8);
  t.is(resolveSummaryPath(summary, 'foldPoints[5].b'), undefined);
  t.throws(() => parseSummaryPath('a[x'), { message: /malformed summary path/ });
});

test('expected with absolute and relative tolerance', (t) => {
  t.true(evaluateCheck({ path: 'foldPoints[0].b', expected: -2.6556, tolerance: 2e-5 }, summary).pass);
  t.false(evaluateCheck({ path: 'foldPoints[0].b', expected: -2.6556, tolerance: 1e-6 }, summary).pass);
  t.true(evaluateCheck({ path: 'rate.lstm-1997["100"]', expected: 0.79, tolerance: 0.02, relative: true }, summary).pass);
  t.false(evaluateCheck({ path: 'rate.lstm-1997["100"]', expected: 0.79, tolerance: 0.01, relative: true }, summary).pass);
});

test('min/max bounds are inclusive', (t) => {
  t.true(evaluateCheck({ path: 'rate.lstm-1997["100"]', min: 0.8 }, summary).pass);
  t.false(evaluateCheck({ path: 'rate.lstm-1997["100"]', max: 0.79 }, summary).pass);
});

test('equals for strings; a missing path fails with a reason', (t) => {
  t.true(evaluateCheck({ path: 'regime', equals: 'vanishing' }, summary).pass);
  t.false(evaluateCheck({ path: 'regime', equals: 'exploding' }, summary).pass);
  const missing = evaluateCheck({ path: 'nope', min: 0 }, summary);
  t.false(missing.pass);
  t.is(missing.measured, null);
  t.regex(missing.reason!, /no value at nope/);
});
