/**
 * The second gradient route for the gated cells: torch.nn.GRU and torch.nn.LSTM in float64 on the
 * same weights (test/fixtures/cells/make_fixtures.py). The cells read PyTorch's tensors
 * (gruFromTorch, lstmFromTorch), and the loss, the final state and every gradient (the four
 * tensors, the readout, the initial state) equal torch.autograd's. Both routes of each cell: the
 * TypeScript steps (inputs outside the kernel heap) and the whole-run kernels (B = 4 is below
 * their batch threshold, so the rows are repeated to B = 8 there; the mean over repeated rows is
 * the same gradient).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { views, type RecurrentCell } from '../../src/models/cell.ts';
import { gruFromTorch } from '../../src/models/gru.ts';
import { lstmFromTorch } from '../../src/models/lstm.ts';
import { createReadout, readoutViews, type SequenceLoss } from '../../src/models/readout.ts';
import { heap, runCell } from '../helpers/cells.ts';
import { maxRelativeError, relativeError, TOL } from '../helpers/tolerance.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cells');

interface Case {
  kind: 'gru' | 'lstm';
  n: number;
  m: number;
  B: number;
  T: number;
  p: number;
  loss: SequenceLoss['kind'];
  steps: SequenceLoss['steps'];
  tensors: Record<'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', number[]>;
  V: number[];
  c: number[];
  x: number[];
  h0: number[];
  c0?: number[];
  targets: number[] | null;
  labels: number[] | null;
  value: number;
  hT: number[];
  grads: Record<string, number[]>;
}

const CASES = JSON.parse(readFileSync(join(FIXTURES, 'torch-cells.json'), 'utf8')) as Case[];
const F = (v: number[]): Float64Array => Float64Array.from(v);

/** The case's batch repeated `times` times along the rows (x: T x B x m, per-step arrays B x ...). */
function repeatRows(v: number[], T: number, B: number, width: number, times: number): Float64Array {
  const out = new Float64Array(v.length * times);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < times; k++) out.set(v.slice(t * B * width, (t + 1) * B * width), (t * B * times + k * B) * width);
  }
  return out;
}

/** The routes each cell has. */
const ROUTES = { gru: ['TypeScript steps', 'whole-run kernels'], lstm: ['TypeScript steps', 'whole-run kernels'] } as const;

for (const c of CASES) {
  for (const route of ROUTES[c.kind]) {
    test(`${c.kind}: loss, final state and every gradient equal torch.autograd's (${c.loss} on ${c.steps}), ${route}`, (t) => {
      const tensors = { weight_ih: F(c.tensors.weight_ih), weight_hh: F(c.tensors.weight_hh), bias_ih: F(c.tensors.bias_ih), bias_hh: F(c.tensors.bias_hh) };
      const cell: RecurrentCell = c.kind === 'gru' ? gruFromTorch(c.n, c.m, tensors) : lstmFromTorch(c.n, c.m, tensors);
      const ro = createReadout(c.n, c.p, F(c.V), F(c.c));
      const times = route === 'TypeScript steps' ? 1 : 2;
      const B = c.B * times;
      const S = c.steps === 'last' ? 1 : c.T;
      const x = repeatRows(c.x, c.T, c.B, c.m, times);
      const s0 = { h: repeatRows(c.h0, 1, c.B, c.n, times), ...(c.c0 ? { c: repeatRows(c.c0, 1, c.B, c.n, times) } : {}) };
      const loss: SequenceLoss = c.targets
        ? { kind: c.loss, steps: c.steps, targets: repeatRows(c.targets, S, c.B, c.p, times) }
        : { kind: c.loss, steps: c.steps, labels: Int32Array.from(repeatRows(c.labels!, S, c.B, 1, times)) };
      const run = runCell(cell, B, c.T, route === 'TypeScript steps' ? x : heap(x), s0, loss, ro);
      if (route === 'whole-run kernels') t.true(cell.kernels?.applies(run.tape, heap(x)) ?? false, 'the kernels run this batch');
      // repeated rows: the mean over the batch is unchanged, and so is every parameter gradient
      t.true(relativeError(run.L, c.value) < TOL.torchFixture, `loss ${run.L} vs ${c.value}`);
      const hT = run.tape.states.h.subarray(c.T * B * c.n, c.T * B * c.n + c.B * c.n);
      t.true(maxRelativeError(hT, c.hT, 1e-12) < TOL.torchFixture, 'h_T');
      const g = views(cell, run.grads.theta);
      const r = readoutViews(c.n, c.p, run.grads.readout!);
      const ours: Record<string, Float64Array> =
        c.kind === 'gru'
          ? { weight_ih: g.Wx!, weight_hh: g.Wh!, bias_ih: g.bx!, bias_hh: g.bh! }
          : { weight_ih: g.Wx!, weight_hh: g.Wh!, bias_ih: g.b!, bias_hh: g.b! };
      ours.V = r.V;
      ours.c = r.c;
      // dL/ds_0 of the first copy of the rows, times the number of copies (each row weighs 1/B)
      ours.h0 = run.grads.s0.h.subarray(0, c.B * c.n).map((v) => v * times);
      if (run.grads.s0.c) ours.c0 = run.grads.s0.c.subarray(0, c.B * c.n).map((v) => v * times);
      for (const [name, ref] of Object.entries(c.grads)) {
        const err = maxRelativeError(ours[name]!, ref, TOL.torchFixtureFloor);
        t.true(err < TOL.torchFixture, `dL/d${name}: ${err}`);
      }
    });
  }
}

test('gruFromTorch and lstmFromTorch name the tensor and the expected shape', (t) => {
  const ok = (rows: number, cols = 1) => new Float64Array(rows * cols);
  const n = 2;
  const m = 3;
  t.notThrows(() => gruFromTorch(n, m, { weight_ih: ok(6, 3), weight_hh: ok(6, 2), bias_ih: ok(6), bias_hh: ok(6) }));
  t.throws(() => gruFromTorch(n, m, { weight_ih: ok(6, 2), weight_hh: ok(6, 2), bias_ih: ok(6), bias_hh: ok(6) }), { message: /gru: weight_ih must have 18 entries \(6 x 3\), got 12/ });
  t.throws(() => lstmFromTorch(n, m, { weight_ih: ok(8, 3), weight_hh: ok(8, 2), bias_ih: ok(8), bias_hh: ok(6) }), { message: /lstm: bias_hh must have 8 entries \(8\), got 6/ });
  t.throws(() => lstmFromTorch(n, m, { weight_ih: ok(8, 3), weight_hh: Float64Array.from({ length: 16 }, (_, i) => (i === 5 ? NaN : 0)), bias_ih: ok(8), bias_hh: ok(8) }), { message: /weight_hh\[5\] is NaN/ });
});
