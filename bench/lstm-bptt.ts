/**
 * lstm-bptt: forget-gate LSTM (Gers et al. 2000), input size 1, the rnn-bptt shapes (issue 4):
 * forward over T steps plus full BPTT for a squared-error loss on the readout y_T = V h_T + c
 * (p = 1). FLOPs per step: 2 B (4n)n forward, 4 B (4n)n backward (dh and dWh), i.e. 24 B n^2.
 * lstm-bptt-f32: the same in float32 (issue 16): the float32 whole-run kernels (kernels.ts
 * slstm_forward, slstm_backward; f32x4 products, elementwise in float64 rounded once).
 */
import { Rng } from '../src/init/rng.ts';
import { backward, createGradients, createTape, forward, freeGradients, freeTape } from '../src/models/bptt.ts';
import { createLstm } from '../src/models/lstm.ts';
import { createReadout } from '../src/models/readout.ts';
import { initWeights } from '../src/init/weights.ts';
import { allocF64, allocReal, freeF64 } from '../src/linalg/wasm.ts';
import type { Precision } from '../src/linalg/precision.ts';
import { emit, medianSeconds, QUICK, T } from './common.ts';

export function lstmBptt(n: number, B: number, precision: Precision = 'float64'): void {
  const rng = new Rng(5);
  const lstm = createLstm({ n, m: 1, forgetGate: true, inputInit: 'gaussian', recurrentInit: 'gaussian', precision }, rng);
  const readout = createReadout(n, 1, initWeights('xavier-uniform', 1, n, rng));
  const tape = createTape(lstm, B, T);
  const grads = createGradients(lstm, B, T, readout);
  const x = allocReal(precision, T * B);
  x.set(rng.fillNormal(new Float64Array(T * B)));
  const targets = allocF64(B);
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets };
  let check = 0;
  const s = medianSeconds(() => {
    forward(lstm, x, tape);
    check = backward(lstm, tape, x, loss, readout, grads) + grads.theta[lstm.Wx.length]!;
  }, QUICK ? 3 : 5);
  emit({ impl: 'rnn-dynamics', workload: precision === 'float32' ? 'lstm-bptt-f32' : 'lstm-bptt', ...(precision === 'float32' ? { precision } : {}), n, B, T, usPerStep: (s / T) * 1e6, gflops: (24 * B * n * n * T) / s / 1e9, check });
  for (const v of [x, targets]) freeF64(v);
  freeGradients(grads);
  freeTape(lstm, tape);
  for (const v of [lstm.theta, readout.theta]) freeF64(v);
}
