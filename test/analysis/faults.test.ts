/**
 * Numerical faults are found and named, never passed on as a silent null, "-Infinity" or a hang:
 * the eigen-decomposition and SVD on overflow-sized input (ml-matrix's loops forever on it), the
 * Lyapunov QR, a summary with NaN, and diverged trainings in a sweep (a result, not a fault).
 */
import test from 'ava';
import { fields, list, measured } from '../../src/scenario/summary-schema.ts';
import { z } from 'zod';
import { NumericalFault } from '../../src/analysis/faults.ts';
import { sigmaMax, singularValues, spectralRadius } from '../../src/analysis/spectral-norm.ts';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { formatNumber } from '../../src/report/format.ts';
import { validateScenario } from '../../src/scenario/load.ts';
import { runLoaded } from '../../src/scenario/run.ts';
import { STUDIES_BY_KIND } from '../../src/studies/index.ts';
import type { Study } from '../../src/studies/study.ts';
import { summariseSweep, type SweepSpec } from '../../src/training/sweep.ts';
import type { SweepJobResult } from '../../src/training/sweep-worker.ts';
import { TOL } from '../helpers/tolerance.ts';

test('eigenvalues and singular values of a matrix with entries near 1e155 (once an endless loop)', (t) => {
  const n = 12;
  const A = initWeights('gaussian', n, n, new Rng(3), 1);
  const big = A.map((v) => v * 2 ** 515);
  t.true(Math.abs(spectralRadius(big, n) / 2 ** 515 - spectralRadius(A, n)) <= TOL.roundoff * spectralRadius(A, n));
  t.true(Math.abs(sigmaMax(big, n) / 2 ** 515 - sigmaMax(A, n)) <= TOL.roundoff * sigmaMax(A, n));
  t.deepEqual(singularValues(big, n).map((v) => v / 2 ** 515), singularValues(A, n));
  // a gain of 1e300: still finite
  t.true(Number.isFinite(spectralRadius(A.map((v) => v * 1e300), n)));
});

test('a NaN or an infinity given to the eigen-decomposition or the SVD is a named fault', (t) => {
  const A = new Float64Array([1, 2, NaN, 4]);
  t.throws(() => spectralRadius(A, 2), { instanceOf: NumericalFault, message: /the matrix given to the eigen-decomposition \(entry 2\) is not finite/ });
  t.throws(() => sigmaMax(new Float64Array([Infinity, 0, 0, 1]), 2), { instanceOf: NumericalFault, message: /the matrix given to the SVD/ });
});

test('relu with gain 1e3 over T = 1000 ends with a fault naming the Lyapunov QR and the step (was exit 0 with 915 nulls)', async (t) => {
  const l = validateScenario(
    { name: 'relu-big', kind: 'rnn-jacobian-norms', description: 'd', seed: 1, params: { T: 1000, lyapunovSteps: 2000, runs: [{ activation: 'relu', W: { init: 'orthogonal', gain: 1000 } }] } },
    'relu.yaml', '.', STUDIES_BY_KIND,
  );
  await t.throwsAsync(runLoaded(l), { instanceOf: NumericalFault, message: /numerical fault: .* is not finite at step \d+/ });
});

const nanStudy: Study<{ v: number }> = {
  kind: 'nan',
  summary: 'returns NaN',
  params: z.object({ v: z.number().default(0) }),
  chartIds: [],
  summarySchema: fields({ ok: measured('1'), runs: list(fields({ slope: measured('NaN, then 2') }), 'two runs'), curve: list(measured('1, then -Infinity'), 'a curve') }),
  run: () => ({ summary: { ok: 1, runs: [{ slope: 0 / 0 }, { slope: 2 }], curve: new Float64Array([1, -Infinity]) }, charts: [], theory: [], discussion: '' }),
};

test('NaN or an infinity in a summary is a fault naming the paths, not a silent null', async (t) => {
  const l = validateScenario({ name: 'n', kind: 'nan', description: 'd', seed: 1 }, 'n.yaml', '.', new Map([['nan', nanStudy as Study]]));
  await t.throwsAsync(runLoaded(l), { instanceOf: NumericalFault, message: /the summary \(2 values: runs\[0\]\.slope = NaN, curve\[1\] = -Infinity\)/ });
});

test('a diverged training in a sweep is a result: counted, and left out of the median final loss', (t) => {
  const spec = { task: { name: 'latch' }, lags: [10], models: [{ kind: 'rnn-tanh', n: 2 }], repetitions: 3, training: {}, seed: 1 } as unknown as SweepSpec;
  const run = (r: number, diverged: boolean, finalLoss: number): SweepJobResult =>
    ({ model: 'rnn-tanh', T: 10, repetition: r, solved: false, stepsToSuccess: null, diverged, finalLoss, parameterCount: 11 }) as unknown as SweepJobResult;
  const cell = summariseSweep(spec, [run(0, false, 0.5), run(1, true, NaN), run(2, false, 0.7)]).byModel['rnn-tanh']!.byT['10']!;
  t.is(cell.diverged, 1);
  t.is(cell.finalLoss, 0.6);
  const all = summariseSweep(spec, [run(0, true, NaN), run(1, true, Infinity), run(2, true, NaN)]).byModel['rnn-tanh']!.byT['10']!;
  t.is(all.diverged, 3);
  t.is(all.finalLoss, null);
});

test('report.md never prints "-Infinity" or "NaN"', (t) => {
  t.is(formatNumber(-Infinity), '−∞');
  t.is(formatNumber(Infinity), '∞');
  t.is(formatNumber(NaN), 'not a number');
});
