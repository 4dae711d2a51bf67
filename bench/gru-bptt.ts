/**
 * gru-bptt: the GRU in PyTorch's convention (src/models/gru.ts), input size 1, the rnn-bptt shapes
 * (issue 10): forward over T steps plus full BPTT for a squared-error loss on the readout
 * y_T = V h_T + c (p = 1), as torch.nn.GRU with a Linear readout in bench/pytorch_workloads.py.
 * FLOPs per step: 2 B (3n)n forward, 4 B (3n)n backward (dh and dWh), i.e. 18 B n^2.
 * gru-bptt-f32: the same in float32 (issue 16): the float32 whole-run kernels (kernels.ts
 * sgru_forward, sgru_backward; f32x4 products, elementwise in float64 rounded once).
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { allocF64, allocReal, freeF64 } from '../src/linalg/wasm.ts';
import type { Precision } from '../src/linalg/precision.ts';
import { backward, createGradients, createTape, forward, freeGradients, freeTape } from '../src/models/bptt.ts';
import { createGru } from '../src/models/gru.ts';
import { createReadout } from '../src/models/readout.ts';
import { emit, medianSeconds, QUICK, T } from './common.ts';

export function gruBptt(n: number, B: number, precision: Precision = 'float64'): void {
  const rng = new Rng(7);
  const gru = createGru({ n, m: 1, inputInit: 'gaussian', recurrentInit: 'gaussian', precision }, rng);
  const readout = createReadout(n, 1, initWeights('xavier-uniform', 1, n, rng));
  const tape = createTape(gru, B, T);
  const grads = createGradients(gru, B, T, readout);
  const x = allocReal(precision, T * B);
  x.set(rng.fillNormal(new Float64Array(T * B)));
  const targets = allocF64(B);
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets };
  let check = 0;
  const s = medianSeconds(() => {
    forward(gru, x, tape);
    check = backward(gru, tape, x, loss, readout, grads) + grads.theta[gru.Wx.length]!;
  }, QUICK ? 3 : 5);
  emit({ impl: 'rnn-dynamics', workload: precision === 'float32' ? 'gru-bptt-f32' : 'gru-bptt', ...(precision === 'float32' ? { precision } : {}), n, B, T, usPerStep: (s / T) * 1e6, gflops: (18 * B * n * n * T) / s / 1e9, check });
  for (const v of [x, targets]) freeF64(v);
  freeGradients(grads);
  freeTape(gru, tape);
  for (const v of [gru.theta, readout.theta]) freeF64(v);
}
