/**
 * The three training-era studies on reduced parameters: the summary keys the scenarios' checks
 * address, the chart ids, determinism, and the claims each report makes about its own numbers.
 */
import test from 'ava';
import { addingProblemSweepStudy } from '../../src/studies/adding-problem-sweep.ts';
import { latchSweepStudy } from '../../src/studies/latch-sweep.ts';
import { lstmVsRnnGradientFlowStudy } from '../../src/studies/lstm-vs-rnn-gradient-flow.ts';
import { TOL } from '../helpers/tolerance.ts';

const ctx = (seed = 2) => ({ seed, scenarioDir: '.', progress: () => {} });

test('lstm-vs-rnn-gradient-flow: reach per model, cell reach for the LSTMs, deterministic', async (t) => {
  const p = lstmVsRnnGradientFlowStudy.params.parse({ T: 60, nLstm: 6 });
  const a = await lstmVsRnnGradientFlowStudy.run(p, ctx());
  const b = await lstmVsRnnGradientFlowStudy.run(p, ctx());
  t.is(JSON.stringify(a.summary), JSON.stringify(b.summary));
  const s = a.summary as { T: number; nRnn: number; reach: Record<string, number>; cellReach: Record<string, number>; models: Record<string, { hNormsByLag: number[]; parameterCount: number }> };
  t.deepEqual(Object.keys(s.reach), ['rnn-sigmoid', 'rnn-tanh', 'irnn', 'lstm1997', 'lstm-forget', 'gru']);
  t.deepEqual(Object.keys(s.cellReach), ['lstm1997', 'lstm-forget']);
  t.is(s.T, 60);
  t.is(s.models['rnn-tanh']!.hNormsByLag.length, 61);
  t.is(s.models['rnn-tanh']!.hNormsByLag[0], 1);
  t.is(s.cellReach.lstm1997, 60);
  t.true(s.reach['rnn-sigmoid']! <= 10);
  // matched parameter counts: the RNN within one hidden-size step of the forget-gate LSTM
  const lstm = s.models['lstm-forget']!.parameterCount;
  const rnn = s.models['rnn-tanh']!.parameterCount;
  t.true(Math.abs(rnn - lstm) <= 2 * s.nRnn + 4);
  // the GRU at the parameter count of the forget-gate LSTM, no memory cell of its own
  const gru = s.models.gru!;
  t.true(Math.abs(gru.parameterCount - lstm) <= 3 * (2 * (s as unknown as { nGru: number }).nGru + 10));
  t.false('gru' in s.cellReach);
  t.true(s.reach.gru! >= 1 && s.reach.gru! <= 60);
  t.deepEqual(a.charts.map((c) => c.id), ['gradient-flow']);
  t.true(a.theory.every((r) => r.agrees !== false));
});

test('adding-problem-sweep: per-model, per-T statistics, the clipping pair, all charts', async (t) => {
  const p = addingProblemSweepStudy.params.parse({
    lags: [5, 8],
    models: [{ kind: 'rnn-tanh', n: 4 }, { kind: 'lstm-forget', n: 4, id: 'lstmF' }],
    repetitions: 2,
    training: { batchSize: 8, steps: 40, evalEvery: 20, testSize: 64, lr: 0.02 },
    task: { name: 'adding-le2015', testSize: 64 },
    learningCurveT: 8,
    clipping: { model: { kind: 'rnn-tanh', n: 4, gain: 2 }, T: 8, threshold: 0.05, steps: 30 },
    threads: 1,
  });
  const r = await addingProblemSweepStudy.run(p, ctx());
  const s = r.summary as {
    models: Record<string, { byT: Record<string, { successRate: number; medianStepsToSuccess: number | null; finalLoss: number }>; lastSuccessfulT: number | null }>;
    lastSuccessfulT: Record<string, number | null>;
    clipping: { with: { maxAppliedNorm: number; clippedSteps: number }; without: { clippedSteps: number; maxGradNorm: number } };
  };
  t.deepEqual(Object.keys(s.models), ['rnn-tanh', 'lstmF']);
  for (const id of ['rnn-tanh', 'lstmF']) {
    for (const T of ['5', '8']) {
      const c = s.models[id]!.byT[T]!;
      t.true(c.successRate >= 0 && c.successRate <= 1);
      t.true('medianStepsToSuccess' in c);
      t.true(Number.isFinite(c.finalLoss));
    }
    t.true(id in s.lastSuccessfulT);
  }
  t.true(s.clipping.with.maxAppliedNorm <= 0.05 * (1 + TOL.roundoff));
  t.true(s.clipping.with.clippedSteps > 0);
  t.is(s.clipping.without.clippedSteps, 0);
  t.deepEqual(r.charts.map((c) => c.id), ['success-rate', 'learning-curves', 'gradient-norms']);
  const again = await addingProblemSweepStudy.run(p, ctx());
  t.is(JSON.stringify(again.summary), JSON.stringify(r.summary));
});

test('latch-sweep: success rate per T for the vanilla RNN', async (t) => {
  const p = latchSweepStudy.params.parse({
    lags: [5, 40],
    repetitions: 3,
    training: { batchSize: 16, steps: 200, evalEvery: 50, testSize: 128 },
    task: { name: 'latch', testSize: 128 },
    threads: 1,
  });
  const r = await latchSweepStudy.run(p, ctx());
  const s = r.summary as { successRate: Record<string, number>; byT: Record<string, { successRate: number }>; firstT: number; lastT: number; lastSuccessfulT: number | null };
  t.deepEqual(Object.keys(s.successRate), ['5', '40']);
  t.is(s.byT['5']!.successRate, s.successRate['5']);
  t.is(s.firstT, s.successRate['5']);
  t.is(s.lastT, s.successRate['40']);
  // a 5-step latch is easy: every seed learns it within 200 steps
  t.is(s.firstT, 1);
  t.deepEqual(r.charts.map((c) => c.id), ['success-probability']);
  await t.throwsAsync(async () => latchSweepStudy.run(latchSweepStudy.params.parse({ task: { name: 'adding-le2015' } }), ctx()), { message: /task.name must be 'latch'/ });
});
