/**
 * Training in float32 (options.precision 'float32'): a float32 vanilla RNN learns (the loss falls),
 * tracks the float64 run from the same seed for its first steps within the stated tolerance, keeps
 * float32 parameters, gradients and optimiser state; a sweep's worker threads train in float32 too
 * (one and two threads give the same results, which differ from float64's); the LSTMs and the GRU
 * (issue16-cells' float32 cells) train in float32 too.
 */
import test from 'ava';
import { Rng } from '../../src/init/rng.ts';
import { addingProblemLe2015 } from '../../src/tasks/adding.ts';
import { clipGlobalNorm } from '../../src/training/clipping.ts';
import { adam, momentum, rprop, sgd } from '../../src/training/optimisers.ts';
import { runSweep, type SweepSpec } from '../../src/training/sweep.ts';
import { bindBatch, createModel, train } from '../../src/training/train.ts';
import { TOL } from '../helpers/tolerance.ts';

const options = { optimiser: 'adam', lr: 0.01, batchSize: 32, steps: 300, evalEvery: 100, stopAtSuccess: false } as const;

test('a float32 rnn-tanh trains on the adding problem: the loss falls, and the first steps match float64 within the float32 tolerance', (t) => {
  const task = addingProblemLe2015({ T: 10, testSize: 256 });
  const r64 = train(task, { kind: 'rnn-tanh', n: 16 }, options, 1);
  const r32 = train(task, { kind: 'rnn-tanh', n: 16 }, { ...options, precision: 'float32' }, 1);
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
  const first = mean(r32.loss.subarray(0, 20));
  const last = mean(r32.loss.subarray(-20));
  t.log(`float32 training loss: first 20 steps ${first.toFixed(4)}, last 20 ${last.toFixed(4)}`);
  t.true(last < 0.2 * first, `${first} -> ${last}`);
  t.false(r32.diverged);
  let e = 0;
  for (let s = 0; s < 5; s++) e = Math.max(e, Math.abs(r32.loss[s]! - r64.loss[s]!) / r64.loss[s]!);
  t.log(`first 5 steps: largest relative loss difference ${e.toExponential(2)}`);
  t.true(e <= TOL.float32Training, `${e}`);
  t.true(e > 0, 'the float32 route ran');
  // after 300 steps the two runs still solve the task to the same level
  t.true(Math.abs(r32.finalLoss - r64.finalLoss) <= 0.1 * r64.finalLoss);
});

test('a float32 model keeps its cell parameters and gradients in Float32Arrays, the readout in float64', (t) => {
  const model = createModel({ kind: 'irnn', n: 6 }, 2, 1, 12, new Rng(3), 'float32');
  bindBatch(model, 4);
  t.is(model.cell.precision, 'float32');
  t.true(model.cell.theta instanceof Float32Array);
  // W, U, b of the cell, then V and c of the readout
  const params = model.params;
  t.is(params.length, 5);
  params.forEach((p, i) => {
    const f32 = i < 3;
    t.is(p.param instanceof Float32Array, f32, `parameter ${i}`);
    t.is(p.grad instanceof Float32Array, f32, `gradient ${i}`);
  });
  model.dispose();
});

test('optimisers on a float32 parameter: the update rounded once to float32, the state in float32', (t) => {
  const g = new Float32Array([0.1, -0.3, 2]);
  for (const make of [(p: { param: Float32Array; grad: Float32Array }[]) => sgd(p, { lr: 0.1 }), (p: { param: Float32Array; grad: Float32Array }[]) => momentum(p, { lr: 0.1 }), (p: { param: Float32Array; grad: Float32Array }[]) => adam(p, { lr: 0.1 }), (p: { param: Float32Array; grad: Float32Array }[]) => rprop(p, { stepInit: 0.1 })]) {
    const p32 = new Float32Array([1, 0.5, -0.25]);
    const p64 = Float64Array.from(p32);
    const o32 = make([{ param: p32, grad: g }]);
    const o64 = make([{ param: p64 as unknown as Float32Array, grad: Float64Array.from(g) as unknown as Float32Array }]);
    for (let s = 0; s < 3; s++) {
      o32.step();
      o64.step();
    }
    // three updates, each rounded once (and the state too): within a few float32 ulps of float64's
    for (let i = 0; i < 3; i++) t.true(Math.abs(p32[i]! - p64[i]!) <= 8 * 2 ** -24 * Math.max(1, Math.abs(p64[i]!)), `${o32.name}: ${p32[i]} vs ${p64[i]}`);
    t.true(p32 instanceof Float32Array);
  }
});

test('clipping a float32 gradient: the norm in float64, the clipped entries rounded to float32', (t) => {
  const g = new Float32Array([3, 4]);
  t.is(clipGlobalNorm([g], 1), 5);
  t.deepEqual(Array.from(g), [Math.fround(0.6), Math.fround(0.8)]);
});

test('every model kind trains in float32: the LSTMs and the GRU take float32 cells, their loss falls and the first steps match float64', (t) => {
  const task = addingProblemLe2015({ T: 10, testSize: 64 });
  for (const kind of ['lstm1997', 'lstm-forget', 'gru'] as const) {
    const o = { ...options, steps: 60, testSize: 64 };
    const r64 = train(task, { kind, n: 8 }, o, 2);
    const r32 = train(task, { kind, n: 8 }, { ...o, precision: 'float32' }, 2);
    let e = 0;
    for (let s = 0; s < 5; s++) e = Math.max(e, Math.abs(r32.loss[s]! - r64.loss[s]!) / r64.loss[s]!);
    t.log(`${kind}: first 5 steps, largest relative loss difference ${e.toExponential(2)}`);
    t.true(e <= TOL.float32Training && e > 0, `${kind}: ${e}`);
    const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
    t.true(mean(r32.loss.subarray(-10)) < mean(r32.loss.subarray(0, 10)), `${kind}: the loss falls`);
  }
});

const spec: SweepSpec = {
  task: { name: 'adding-le2015', testSize: 32 },
  lags: [6, 10],
  models: [{ kind: 'rnn-tanh', n: 4 }],
  repetitions: 2,
  training: { batchSize: 8, steps: 30, evalEvery: 10, testSize: 32, precision: 'float32' },
  seed: 4,
};

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x)));
}

test('a float32 sweep: one thread and two worker threads give identical results, which differ from the float64 sweep (the workers train in float32)', async (t) => {
  const a = await runSweep(spec, { threads: 1 });
  const b = await runSweep(spec, { threads: 2 });
  t.deepEqual(plain(a), plain(b));
  const { precision: _, ...training64 } = spec.training;
  const c = await runSweep({ ...spec, training: training64 }, { threads: 2 });
  t.notDeepEqual(plain(a.runs.map((r) => r.loss)), plain(c.runs.map((r) => r.loss)));
});
