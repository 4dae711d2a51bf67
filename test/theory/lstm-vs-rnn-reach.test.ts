/**
 * Gradient flow at initialisation, over several seeds (fixed): the 1997 LSTM's cell gradient is
 * carried back by the constant error carousel and never falls by 1e-6 over the sequence, while the
 * sigmoid RNN with orthogonal W (sigma_max = 1) obeys ||dL/dh_{T-k}|| <= (1/4)^k ||dL/dh_T||
 * (Hochreiter and Schmidhuber 1997; Bengio, Simard and Frasconi 1994; Pascanu et al. 2013).
 */
import test from 'ava';
import { lstmVsRnnGradientFlowStudy } from '../../src/studies/lstm-vs-rnn-gradient-flow.ts';
import { TOL } from '../helpers/tolerance.ts';

test('1997 LSTM cell reach = T and the sigmoid RNN under (1/4)^k, for seeds 1..5', async (t) => {
  const T = 120;
  const p = lstmVsRnnGradientFlowStudy.params.parse({ T, nLstm: 8, models: ['rnn-sigmoid', 'lstm1997'], B: 2 });
  for (let seed = 1; seed <= 5; seed++) {
    const s = (await lstmVsRnnGradientFlowStudy.run(p, { seed, scenarioDir: '.', progress: () => {} })).summary as {
      cellReach: Record<string, number>;
      models: Record<string, { hNormsByLag: number[] }>;
    };
    t.is(s.cellReach.lstm1997, T, `seed ${seed}`);
    const rel = s.models['rnn-sigmoid']!.hNormsByLag;
    for (let k = 0; k <= T; k++) t.true(rel[k]! <= 0.25 ** k * (1 + TOL.roundoff), `seed ${seed}, lag ${k}`);
  }
});
