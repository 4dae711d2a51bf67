/**
 * The three RNN studies on small parameter sets: deterministic summaries, the bounds they report
 * hold, and explicit weights from a file resolve against the scenario directory.
 */
import test from 'ava';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rnnGradientFlowStudy } from '../../src/studies/rnn-gradient-flow.ts';
import { rnnJacobianNormsStudy } from '../../src/studies/rnn-jacobian-norms.ts';
import { rnnLyapunovVsGainStudy } from '../../src/studies/rnn-lyapunov-vs-gain.ts';
import { VANISHING } from '../../src/analysis/theory-bounds.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const ctx = (seed = 3) => ({ seed, scenarioDir: FIXTURES, progress: () => {} });

test('rnn-jacobian-norms: deterministic, bound respected, regimes from gamma sigma_max', async (t) => {
  const p = rnnJacobianNormsStudy.params.parse({
    n: 12,
    T: 40,
    lyapunovSteps: 200,
    runs: [
      { activation: 'tanh', W: { init: 'orthogonal', gain: 0.7 } },
      { activation: 'x / (1 + abs(x))', W: { init: 'gaussian', gain: 2 } },
      { activation: 'sigmoid', W: { init: 'orthogonal', gain: 6 } },
    ],
  });
  const a = await rnnJacobianNormsStudy.run(p, ctx());
  const b = await rnnJacobianNormsStudy.run(p, ctx());
  t.deepEqual(JSON.stringify(a.summary), JSON.stringify(b.summary));
  const s = a.summary as { runs: { regime: string; gammaSigmaMax: number }[]; boundViolations: number; maxRatioToBound: number };
  t.is(s.boundViolations, 0);
  t.true(s.maxRatioToBound <= 1);
  for (const r of s.runs) t.is(r.regime === VANISHING, r.gammaSigmaMax < 1);
  t.deepEqual(a.charts.map((c) => c.id), ['product-norms', 'step-norms']);
});

test('rnn-jacobian-norms: W from a .npy file relative to the scenario directory, wrong shape named', async (t) => {
  // the 3 x 4 fixture is the wrong shape for n = 3: the error names the run and the field
  const bad = rnnJacobianNormsStudy.params.parse({ n: 3, m: 1, T: 5, lyapunovSteps: 0, runs: [{ W: { file: 'rnn-weights/W_f8.npy' } }] });
  await t.throwsAsync(async () => rnnJacobianNormsStudy.run(bad, ctx()), { message: /^runs\[0\]\.W: expected a 3 x 3 matrix, got shape \[3, 4\]/ });
  const ok = rnnJacobianNormsStudy.params.parse({
    n: 3,
    m: 4,
    T: 5,
    lyapunovSteps: 0,
    runs: [{ W: { values: [[0.5, 0, 0], [0, 0.2, 0], [0, 0, -0.1]] }, U: { file: 'rnn-weights/W.csv' } }],
  });
  const r = (await rnnJacobianNormsStudy.run(ok, ctx())).summary as { runs: { sigmaMax: number; init: string }[] };
  t.is(r.runs[0]!.sigmaMax, 0.5);
  t.is(r.runs[0]!.init, 'values');
});

test('rnn-gradient-flow: reach within its bound, keyed by gain', async (t) => {
  const p = rnnGradientFlowStudy.params.parse({ n: 16, T: 80, gains: [0.5, 0.9, 1.5] });
  const s = (await rnnGradientFlowStudy.run(p, ctx())).summary as { reach: Record<string, number>; reachBoundViolations: number; runs: { reach: number; reachBound: number }[] };
  t.is(s.reachBoundViolations, 0);
  t.deepEqual(Object.keys(s.reach).sort(), ['0.5', '0.9', '1.5']);
  t.true(s.reach['0.5']! <= 20);
  for (const r of s.runs) t.true(r.reach <= r.reachBound);
});

test('rnn-lyapunov-vs-gain: small network, exponents below g = 1 match ln rho(W)', async (t) => {
  const p = rnnLyapunovVsGainStudy.params.parse({
    n: 40,
    gainMin: 0.5,
    gainMax: 1.5,
    gainStep: 0.25,
    steps: 400,
    transient: 100,
    spectrumGains: [1.5],
    spectrumExponents: 10,
    spectrumSteps: 100,
    productGains: [0.75],
    productLags: 20,
  });
  const s = (await rnnLyapunovVsGainStudy.run(p, ctx())).summary as {
    lyapunov: { gain: number; largest: number }[];
    maxGapToLogSpectralRadius: number;
    spectra: { exponents: number[] }[];
  };
  t.deepEqual(s.lyapunov.map((l) => l.gain), [0.5, 0.75, 1, 1.25, 1.5]);
  t.true(s.maxGapToLogSpectralRadius < 0.01);
  const e = Array.from(s.spectra[0]!.exponents);
  t.deepEqual(e, [...e].sort((x, y) => y - x), 'spectrum sorted descending');
});

test('rnn-gradient-flow warns when T is too short to test the reach bound, and only then', async (t) => {
  const short = await rnnGradientFlowStudy.run(rnnGradientFlowStudy.params.parse({ n: 16, T: 30, gains: [0.5, 0.9] }), ctx());
  const runs = short.summary.runs as { gain: number; reachBound: number; gammaSigmaMax: number }[];
  const untestable = runs.filter((r) => r.gammaSigmaMax < 1 && r.reachBound >= 30).map((r) => r.gain);
  t.true(untestable.length > 0, 'g = 0.9 has a cap beyond T = 30');
  t.deepEqual(
    short.warnings!.map((w) => Number(/^g = ([\d.]+):/.exec(w)![1])),
    untestable,
  );
  t.regex(short.warnings![0]!, /too short to test it .*; raise T$/);
  const long = await rnnGradientFlowStudy.run(rnnGradientFlowStudy.params.parse({ n: 16, T: 80, gains: [0.5] }), ctx());
  t.deepEqual(long.warnings, []);
});
