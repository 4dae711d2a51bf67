/**
 * Fixed points against SciPy (test/fixtures/fixed-points/make_fixture.py): scipy.optimize.root on a
 * tanh RNN written in numpy and on torch.nn.GRUCell and torch.nn.LSTMCell (torch's own step and
 * autograd Jacobian), from 400 starts. Our search (L-BFGS on q, Newton, from 400 starts of our own)
 * must find every root SciPy found, with the same multipliers, and nothing SciPy did not find
 * (the weights of the torch cells come from .npy files through the weight-file reader).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { TANH } from '../../src/activations/index.ts';
import { findFixedPoints, type FixedPoint } from '../../src/dynamics/fixed-points/find.ts';
import { cellSpeed } from '../../src/dynamics/fixed-points/speed.ts';
import { Rng } from '../../src/init/rng.ts';
import { stateSize, type RecurrentCell } from '../../src/models/cell.ts';
import { gruFromTorch } from '../../src/models/gru.ts';
import { lstmFromTorch } from '../../src/models/lstm.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { readMatrixFile } from '../../src/models/weights-source.ts';
import { TOL } from '../helpers/tolerance.ts';

const DIR = new URL('../fixtures/fixed-points/', import.meta.url).pathname;
interface Case {
  kind: 'rnn' | 'gru' | 'lstm';
  n: number;
  m: number;
  W?: number[][];
  U?: number[][];
  b?: number[];
  x: number[];
  points: { state: number[]; eigenvalues: [number, number][]; residual: number }[];
}
const fixture = JSON.parse(readFileSync(`${DIR}fixed_points.json`, 'utf8')) as { cases: Case[] };

function cellOf(c: Case): RecurrentCell {
  if (c.kind === 'rnn') {
    return createRnn({ n: c.n, m: c.m, W: Float64Array.from(c.W!.flat()), U: Float64Array.from(c.U!.flat()), b: Float64Array.from(c.b!), activation: TANH }) as RecurrentCell;
  }
  const t = Object.fromEntries(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((k) => [k, readMatrixFile(`${DIR}${c.kind}_${k}.npy`).data])) as Parameters<typeof gruFromTorch>[2];
  return (c.kind === 'gru' ? gruFromTorch(c.n, c.m, t) : lstmFromTorch(c.n, c.m, t)) as RecurrentCell;
}

for (const c of fixture.cases) {
  test(`${c.kind} (n = ${c.n}): the ${c.points.length} fixed points of scipy.optimize.root, with their multipliers`, (t) => {
    const cell = cellOf(c);
    const S = stateSize(cell);
    const rng = new Rng(17);
    const N = 400;
    const H = new Float64Array(N * S);
    for (let i = 0; i < H.length; i++) H[i] = 3 * rng.uniform() - 1.5;
    const sp = cellSpeed(cell, c.x, 128);
    const res = findFixedPoints(sp, H, N, { between: 3 });
    sp.dispose();
    const ours = res.points.filter((p) => p.kind === 'fixed');
    t.true(c.points.length >= 2, 'the fixture has several fixed points');
    const dist = (p: FixedPoint, s: number[]) => Math.max(...s.map((v, j) => Math.abs(p.h[j]! - v)));
    for (const ref of c.points) {
      const match = ours.find((p) => dist(p, ref.state) <= TOL.rootSolve);
      t.truthy(match, `root ${ref.state.map((v) => v.toFixed(4)).join(', ')} found`);
      if (!match) continue;
      t.is(match.eigenvalues.length, S);
      match.eigenvalues.forEach((e, i) => {
        const [re, im] = ref.eigenvalues[i]!;
        t.true(Math.hypot(e.re - re, e.im - im) <= TOL.rootSolve, `multiplier ${i}: ${e.re} ${e.im} vs ${re} ${im}`);
      });
      t.is(match.stability.unstableDimension, ref.eigenvalues.filter(([re, im]) => Math.hypot(re, im) > 1).length);
    }
    t.is(ours.length, c.points.length, 'no fixed point that SciPy did not find');
  });
}
