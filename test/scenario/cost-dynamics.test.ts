/**
 * Cost estimates of the dynamics kinds (issue 13: equilibrium-continuation, ctrnn-bifurcation,
 * learning-through-bifurcation, fixed-points; and issue 16's precision-horizon), so the budget guard (--max-time, --max-memory) covers
 * them: every default scenario has an estimate, the estimate grows with its drivers, and a refusal
 * names the parameter that drives the largest term.
 */
import test from 'ava';
import { estimateCost } from '../../src/studies/cost.ts';
import { STUDIES_BY_KIND } from '../../src/studies/index.ts';

const KINDS = ['equilibrium-continuation', 'ctrnn-bifurcation', 'learning-through-bifurcation', 'fixed-points', 'precision-horizon'];
const parse = (kind: string, params: unknown) => STUDIES_BY_KIND.get(kind)!.params.parse(params);

for (const kind of KINDS) {
  test(`${kind}: the default scenario has a cost estimate`, (t) => {
    const c = estimateCost(kind, parse(kind, {}));
    t.truthy(c);
    t.true(c!.work > 0 && c!.bytes > 0);
  });
}

test('the estimates grow with their drivers, and the largest term names them', (t) => {
  const work = (kind: string, params: unknown) => estimateCost(kind, parse(kind, params))!;
  t.true(work('equilibrium-continuation', { envelopePoints: 400 }).work > work('equilibrium-continuation', { envelopePoints: 0 }).work);
  t.true(work('ctrnn-bifurcation', { grid: 201 }).work > 10 * work('ctrnn-bifurcation', { grid: 41 }).work);
  t.true(work('learning-through-bifurcation', { steps: 10000 }).work > work('learning-through-bifurcation', { steps: 100 }).work);
  t.true(work('fixed-points', { search: { starts: 10000 } }).work > work('fixed-points', { search: { starts: 100 } }).work);
  t.true(work('precision-horizon', { T: 1000 }).work > 2 * work('precision-horizon', { T: 300 }).work);
  t.true(work('precision-horizon', { cells: ['rnn', 'lstm'] }).work > 3 * work('precision-horizon', { cells: ['rnn'] }).work);
  const big = work('ctrnn-bifurcation', { grid: 201, simulation: { transient: 100000 } });
  const top = [...big.terms].sort((a, b) => b.work - a.work)[0]!;
  t.true(top.drivers.includes('params.grid'), top.what);
});
