/**
 * The Illinois root finder (src/dynamics/continuation/illinois.ts) shared by the branch's and the
 * codim-2 curves' test-function refinements: it brackets to the requested width on a function where
 * plain regula falsi stalls, and stops at the last good trial when the curve cannot be followed.
 */
import test from 'ava';
import { illinoisRoot } from '../../src/dynamics/continuation/illinois.ts';
import { TOL } from '../helpers/tolerance.ts';

test('a convex function on which regula falsi keeps one end fixed: the root of s^10 - 0.5 on (0, 1) to 1e-12', (t) => {
  const f = (s: number): number => s ** 10 - 0.5;
  let calls = 0;
  const root = illinoisRoot(1, f(0), f(1), (s) => (calls++, { item: s, value: f(s) }), 1e-13, 60);
  t.true(Math.abs(root! - 0.5 ** 0.1) < TOL.roundoff, `root ${root}`);
  // plain regula falsi moves only the left end here and needs hundreds of evaluations
  t.true(calls < 30, `${calls} evaluations`);
});

test('a trial point off the curve ends the search with the last good trial, and none before it gives null', (t) => {
  const f = (s: number): number => s * s - 0.3;
  let calls = 0;
  const last = illinoisRoot(1, f(0), f(1), (s) => (++calls > 1 ? null : { item: s, value: f(s) }), 1e-13, 60);
  t.is(calls, 2);
  // the first trial is the secant point of the ends, 0.3
  t.true(Math.abs(last! - 0.3) < TOL.roundoff);
  t.is(illinoisRoot(1, f(0), f(1), () => null, 1e-13, 60), null);
});
