/**
 * rnn-bptt: tanh RNN, input size 1, forward over T steps plus full BPTT for a squared-error loss on
 * h_T (issue 3). FLOPs per step: 2 B n^2 forward, 4 B n^2 backward (dh and the weight gradient).
 * rnn-bptt-f32: the same in float32 (issue 16): the float32 whole-run kernels (kernels.ts
 * srnn_forward, srnn_backward; f32x4 lanes, one share of rows for B < 8, two for B >= 8).
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { TANH } from '../src/activations/index.ts';
import { backward, createGradients, createTape, forward, freeGradients, freeTape } from '../src/models/bptt.ts';
import { createRnn } from '../src/models/rnn.ts';
import { allocF64, allocReal, freeF64 } from '../src/linalg/wasm.ts';
import type { Precision } from '../src/linalg/precision.ts';
import { emit, medianSeconds, QUICK, T } from './common.ts';

export function rnnBptt(n: number, B: number, precision: Precision = 'float64'): void {
  const rng = new Rng(1);
  const rnn = createRnn({ n, m: 1, W: initWeights('gaussian', n, n, rng, 1), U: initWeights('gaussian', n, 1, rng, 1), b: new Float64Array(n), activation: TANH, precision });
  const tape = createTape(rnn, B, T);
  const grads = createGradients(rnn, B, T);
  const x = allocReal(precision, T * B);
  x.set(rng.fillNormal(new Float64Array(T * B)));
  const h0 = allocF64(B * n);
  const targets = allocF64(B * n);
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets };
  let check = 0;
  const s = medianSeconds(() => {
    forward(rnn, x, tape, { s0: { h: h0 } });
    check = backward(rnn, tape, x, loss, null, grads) + grads.theta[0]!;
  }, QUICK ? 3 : 5);
  emit({ impl: 'rnn-dynamics', workload: precision === 'float32' ? 'rnn-bptt-f32' : 'rnn-bptt', ...(precision === 'float32' ? { precision } : {}), n, B, T, usPerStep: (s / T) * 1e6, gflops: (6 * B * n * n * T) / s / 1e9, check });
  for (const v of [x, h0, targets]) freeF64(v);
  freeGradients(grads);
  freeTape(rnn, tape);
  freeF64(rnn.theta);
}
