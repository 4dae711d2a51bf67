/**
 * Fixed and slow points (src/dynamics/fixed-points): exact cases (a linear network, the one-neuron
 * tanh map, a constructed network with known saddles, a 2-neuron CTRNN against brute force), the
 * gradient of the speed q against finite differences for every cell kind and for flows, and the
 * residual of the found points through the BPTT driver's forward pass (an independent route).
 */
import test from 'ava';
import { SIGMOID, TANH, IDENTITY } from '../../src/activations/index.ts';
import { Rng } from '../../src/init/rng.ts';
import { createTape, forward } from '../../src/models/bptt.ts';
import { stateSize, type RecurrentCell } from '../../src/models/cell.ts';
import { Ctrnn } from '../../src/models/ctrnn.ts';
import { createGru } from '../../src/models/gru.ts';
import { createLstm, lstmFromParameters } from '../../src/models/lstm.ts';
import { RecurrentMap } from '../../src/models/recurrent-map.ts';
import { createRnn } from '../../src/models/rnn.ts';
import { planarCtrnnEquilibria } from '../../src/dynamics/brute-force.ts';
import { findFixedPoints } from '../../src/dynamics/fixed-points/find.ts';
import { saddleConnection } from '../../src/dynamics/fixed-points/saddle-connections.ts';
import { cellSpeed, systemSpeed, type SpeedProblem } from '../../src/dynamics/fixed-points/speed.ts';
import { fivePointGradient, gradientError } from '../helpers/finite-differences.ts';
import { TOL } from '../helpers/tolerance.ts';

/** The positive root of tanh(w h) = h (w > 1) by bisection on [1e-3, 1]: an independent route. */
function tanhRoot(w: number, b = 0, lo = 1e-3, hi = 1): number {
  const g = (h: number) => Math.tanh(w * h + b) - h;
  let a = lo;
  let c = hi;
  for (let i = 0; i < 200; i++) {
    const m = 0.5 * (a + c);
    if (Math.sign(g(m)) === Math.sign(g(a))) a = m;
    else c = m;
  }
  return 0.5 * (a + c);
}

function diagonalRnn(ws: number[], activation = TANH) {
  const n = ws.length;
  const W = new Float64Array(n * n);
  ws.forEach((w, i) => (W[i * n + i] = w));
  return createRnn({ n, m: 1, W, U: new Float64Array(n), b: new Float64Array(n), activation });
}

function starts(count: number, S: number, seed: number, std = 1): Float64Array {
  return new Rng(seed).fillNormal(new Float64Array(count * S), 0, std);
}

test('linear network h = W h: the origin is the only fixed point, its eigenvalues those of W, class by |lambda| against 1', (t) => {
  // upper-triangular W: eigenvalues are the diagonal, exactly
  const diag = [0.5, -1.2, 0.9, 1.1, -0.3];
  const n = diag.length;
  const rng = new Rng(3);
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) W[i * n + j] = i === j ? diag[i]! : rng.normal() * 0.5;
  const rnn = createRnn({ n, m: 2, W, U: new Float64Array(2 * n), b: new Float64Array(n), activation: IDENTITY });
  const sp = cellSpeed(rnn, [0, 0], 40);
  const res = findFixedPoints(sp, starts(40, n, 5, 2), 40);
  sp.dispose();
  t.is(res.points.length, 1);
  const p = res.points[0]!;
  t.is(p.kind, 'fixed');
  t.is(res.toFixed, 40, 'every start reaches the origin');
  for (const v of p.h) t.true(Math.abs(v) <= TOL.exactCase, `${v}`);
  const eigs = p.eigenvalues.map((e) => e.re).sort((a, b) => a - b);
  const want = [...diag].sort((a, b) => a - b);
  eigs.forEach((e, i) => t.true(Math.abs(e - want[i]!) <= TOL.exactCase, `${e} vs ${want[i]}`));
  t.true(p.eigenvalues.every((e) => e.im === 0));
  t.is(p.stability.stability, 'saddle');
  t.is(p.stability.unstableDimension, 2, '|-1.2| and 1.1 exceed 1');
  t.true(Math.abs(p.slowestModes[0]!.re - nearestToOne(diag)) <= TOL.exactCase, 'the slowest mode: 1.1 (ln 1.1 = 0.095 < |ln 0.9| = 0.105)');
});

/** The multiplier with the smallest |ln |mu||. */
function nearestToOne(mus: number[]): number {
  return [...mus].sort((a, b) => Math.abs(Math.log(Math.abs(a))) - Math.abs(Math.log(Math.abs(b))))[0]!;
}

test('one-neuron tanh map h -> tanh(w h + b): the roots found by bisection, multipliers w (1 - h^2)', (t) => {
  for (const [w, b] of [
    [2, 0],
    [3, 0.2],
    [0.5, 0.3],
  ] as const) {
    const rnn = createRnn({ n: 1, m: 1, W: Float64Array.of(w), U: Float64Array.of(0), b: Float64Array.of(b), activation: TANH });
    const sp = cellSpeed(rnn, [0], 64);
    const res = findFixedPoints(sp, starts(64, 1, 11, 1.5), 64);
    sp.dispose();
    // roots by bisection on sign changes over a fine grid
    const g = (h: number) => Math.tanh(w * h + b) - h;
    const roots: number[] = [];
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const a = -1 + (2 * i) / N;
      const c = -1 + (2 * (i + 1)) / N;
      if (g(a) === 0) roots.push(a);
      else if (Math.sign(g(a)) !== Math.sign(g(c)) && g(c) !== 0) roots.push(tanhRoot(w, b, a, c));
    }
    const fixed = res.points.filter((p) => p.kind === 'fixed').map((p) => p.h[0]!).sort((a, b2) => a - b2);
    t.is(fixed.length, roots.length, `w = ${w}, b = ${b}: ${fixed} vs ${roots}`);
    fixed.forEach((h, i) => t.true(Math.abs(h - roots[i]!) <= TOL.rootSolve, `${h} vs ${roots[i]}`));
    for (const p of res.points) {
      const h = p.h[0]!;
      const mu = w * (1 - Math.tanh(w * h + b) ** 2);
      t.true(Math.abs(p.eigenvalues[0]!.re - mu) <= TOL.roundoff);
      t.is(p.stability.stability, Math.abs(mu) < 1 ? 'stable' : 'unstable');
    }
  }
});

test('a constructed network with known saddles: h -> tanh(D h), D = diag(2, 3, 1.5), has 27 fixed points (8 stable, 12 + 6 saddles, 1 unstable)', (t) => {
  const ws = [2, 3, 1.5];
  const rnn = diagonalRnn(ws);
  const sp = cellSpeed(rnn, [0], 128);
  const res = findFixedPoints(sp, starts(400, 3, 7), 400);
  sp.dispose();
  t.is(res.points.length, 27);
  t.true(res.points.every((p) => p.kind === 'fixed'));
  const hs = ws.map((w) => tanhRoot(w));
  const byDim = [0, 0, 0, 0];
  for (const p of res.points) {
    let zeros = 0;
    for (let i = 0; i < 3; i++) {
      const v = p.h[i]!;
      const ok = Math.abs(v) <= TOL.rootSolve || Math.abs(Math.abs(v) - hs[i]!) <= TOL.rootSolve;
      t.true(ok, `coordinate ${i}: ${v}`);
      if (Math.abs(v) <= TOL.rootSolve) zeros++;
    }
    // each zero coordinate is an unstable direction with multiplier w_i > 1
    t.is(p.stability.unstableDimension, zeros);
    byDim[zeros]!++;
    t.true(p.residual <= TOL.fixedPoint);
  }
  t.deepEqual(byDim, [8, 12, 6, 1]);
  t.is(res.points[0]!.stability.stability, 'stable', 'stable points listed first');
  t.is(res.points[26]!.stability.stability, 'unstable');
});

test('the list of points does not depend on the order of the starts', (t) => {
  const rnn = diagonalRnn([2, 3]);
  const H = starts(60, 2, 9);
  const rev = new Float64Array(H.length);
  for (let i = 0; i < 60; i++) rev.set(H.subarray((59 - i) * 2, (60 - i) * 2), i * 2);
  const a = findFixedPoints(cellSpeed(rnn, [0], 32), H, 60);
  const b = findFixedPoints(cellSpeed(rnn, [0], 32), rev, 60);
  t.is(a.points.length, 9);
  t.deepEqual(
    a.points.map((p) => Array.from(p.h).map((v) => v.toFixed(9))),
    b.points.map((p) => Array.from(p.h).map((v) => v.toFixed(9))),
  );
});

test('2-neuron CTRNN (Beer 1995): equilibria and their classes (Re lambda against 0) agree with brute-force root counting', (t) => {
  const net = new Ctrnn(2);
  for (const [W, theta] of [
    [[[4.5, 1], [-1, 4.5]], [-2.75, -1.75]],
    [[[6, 0.5], [0.5, 6]], [-3.2, -3.1]],
    [[[5, -1], [1, 5]], [-2.5, -2.5]],
  ] as const) {
    const p = net.pack({ W: W.map((r) => [...r]), theta: [...theta] });
    const brute = planarCtrnnEquilibria(net, p);
    const sp = systemSpeed(net, p, 64);
    // starts spread over the box that holds every equilibrium, |y_i - theta_i| <= sum |w_ij|
    const rng = new Rng(21);
    const H = new Float64Array(300 * 2);
    for (let i = 0; i < 300; i++) for (let j = 0; j < 2; j++) H[i * 2 + j] = -theta[j]! + (rng.uniform() * 2 - 1) * 8;
    const res = findFixedPoints(sp, H, 300);
    const fixed = res.points.filter((q) => q.kind === 'fixed');
    t.is(fixed.length, brute.length, `theta ${theta}: found ${fixed.length}, brute force ${brute.length}`);
    for (const e of brute) {
      const match = fixed.find((q) => Math.hypot(q.h[0]! - e.y[0]!, q.h[1]! - e.y[1]!) <= TOL.rootSolve);
      t.truthy(match, `equilibrium (${e.y[0]}, ${e.y[1]}) found`);
      if (match) {
        t.is(match.stability.stability, e.stability.stability);
        t.is(match.stability.unstableDimension, e.stability.unstableDimension);
      }
    }
  }
});

/** q at one state through the problem's batched evaluation (row 0). */
function qAt(sp: SpeedProblem, h: Float64Array): number {
  const H = new Float64Array(sp.capacity * sp.size);
  for (let r = 0; r < sp.capacity; r++) H.set(h, r * sp.size);
  const q = new Float64Array(sp.capacity);
  sp.evaluate(H, q, null);
  return q[0]!;
}

const CELLS: [string, () => RecurrentCell][] = [
  ['tanh RNN', () => createRnn({ n: 4, m: 2, ...randomRnn(4, 2, 31), activation: TANH }) as RecurrentCell],
  ['sigmoid RNN', () => createRnn({ n: 4, m: 2, ...randomRnn(4, 2, 32), activation: SIGMOID }) as RecurrentCell],
  ['1997 LSTM', () => createLstm({ n: 3, m: 2, forgetGate: false, gain: 1.5 }, new Rng(33)) as RecurrentCell],
  ['forget-gate LSTM', () => createLstm({ n: 3, m: 2, forgetGate: true, gain: 1.5 }, new Rng(34)) as RecurrentCell],
  ['GRU', () => createGru({ n: 3, m: 2, gain: 1.5 }, new Rng(35)) as RecurrentCell],
];

function randomRnn(n: number, m: number, seed: number) {
  const rng = new Rng(seed);
  return {
    W: rng.fillNormal(new Float64Array(n * n), 0, 1.5 / Math.sqrt(n)),
    U: rng.fillNormal(new Float64Array(n * m), 0, 1),
    b: rng.fillNormal(new Float64Array(n), 0, 0.3),
  };
}

for (const [name, make] of CELLS) {
  test(`${name}: dq/dh = (J - I)^T (F(h) - h) from the cell's vjp matches finite differences, batch rows independent`, (t) => {
    const cell = make();
    const S = stateSize(cell);
    const x = [0.3, -0.7];
    const B = 3;
    const sp = cellSpeed(cell, x, B);
    const H = starts(B, S, 41, 0.6);
    const q = new Float64Array(B);
    const G = new Float64Array(B * S);
    sp.evaluate(H, q, G);
    for (let r = 0; r < B; r++) {
      const h = H.slice(r * S, (r + 1) * S);
      const fd = fivePointGradient(h, () => qAt(sp, h));
      const err = gradientError(G.subarray(r * S, (r + 1) * S), fd);
      t.true(err <= TOL.finiteDifference, `row ${r}: relative error ${err}`);
      t.true(Math.abs(q[r]! - qAt(sp, H.slice(r * S, (r + 1) * S))) <= TOL.roundoff * Math.max(1, q[r]!));
    }
    sp.dispose();
  });
}

test('flows and maps under the flow contract: dq/dh matches finite differences (CTRNN: A^T f; recurrent map: (A - I)^T r)', (t) => {
  const net = new Ctrnn(3);
  const pc = net.pack({ W: [[4, -1, 0.5], [1, 4, -2], [0.3, 2, 3]], theta: [-2, -1.5, -1], tau: [1, 2, 0.5] });
  const map = new RecurrentMap(3, 'tanh');
  const pm = map.pack({ gain: 1.3, W: [[0.5, -1, 0.2], [1, 0.4, -0.3], [0.1, 0.7, 0.9]], b: [0.1, -0.2, 0.05] });
  for (const sp of [systemSpeed(net, pc, 2), systemSpeed(map, pm, 2)]) {
    const H = starts(2, 3, 51, 1.5);
    const q = new Float64Array(2);
    const G = new Float64Array(6);
    sp.evaluate(H, q, G);
    for (let r = 0; r < 2; r++) {
      const h = H.slice(r * 3, (r + 1) * 3);
      const fd = fivePointGradient(h, () => qAt(sp, h));
      t.true(gradientError(G.subarray(r * 3, (r + 1) * 3), fd) <= TOL.finiteDifference);
    }
  }
});

// the 1997 cell integrates, c_t = c_{t-1} + i g: it has fixed points only where g = 0 (the last test)
for (const [name, make] of CELLS.filter(([nm]) => nm !== '1997 LSTM')) {
  test(`${name}: the fixed points found at a constant input are fixed points of the BPTT driver's forward step`, (t) => {
    const cell = make();
    const S = stateSize(cell);
    const n = cell.n;
    const x = [0.3, -0.7];
    const sp = cellSpeed(cell, x, 32);
    const res = findFixedPoints(sp, starts(64, S, 61, 0.8), 64);
    sp.dispose();
    const fixed = res.points.filter((p) => p.kind === 'fixed');
    t.true(fixed.length >= 1, 'at least one fixed point');
    const tape = createTape(cell, 1, 1);
    for (const p of fixed) {
      forward(cell, Float64Array.from(x), tape, { s0: { h: p.h.subarray(0, n), ...(S > n ? { c: p.h.subarray(n) } : {}) } });
      let r = 0;
      for (let j = 0; j < n; j++) r = Math.max(r, Math.abs(tape.states.h[n + j]! - p.h[j]!));
      if (S > n) for (let j = 0; j < n; j++) r = Math.max(r, Math.abs(tape.states.c![n + j]! - p.h[n + j]!));
      t.true(r <= TOL.fixedPoint, `||F(h*) - h*||_inf = ${r}`);
      t.is(p.eigenvalues.length, S);
    }
  });
}

test('1997 LSTM (the constant error carousel c_t = c_{t-1} + i g): one fixed point where g = 0 when tanh(c) can reach it, none otherwise', (t) => {
  // gates [i, g, o] (n rows each); W_g invertible, so g = 0 pins h = h*, and h = o tanh(c) pins c
  const n = 3;
  const m = 2;
  const x = [0.3, -0.7];
  const rng = new Rng(71);
  const Wx = rng.fillNormal(new Float64Array(3 * n * m), 0, 0.5);
  const Wh = rng.fillNormal(new Float64Array(3 * n * n), 0, 0.4);
  for (let j = 0; j < n; j++) Wh[(n + j) * n + j] = Wh[(n + j) * n + j]! + 2; // W_g diagonally dominant
  const build = (hStar: number[]) => {
    const b = new Float64Array(3 * n);
    for (let j = 0; j < n; j++) {
      b[j] = 0.5; // input gates open
      b[2 * n + j] = 2; // output gates near 0.9
      let a = 0;
      for (let k = 0; k < n; k++) a += Wh[(n + j) * n + k]! * hStar[k]!;
      for (let k = 0; k < m; k++) a += Wx[(n + j) * m + k]! * x[k]!;
      b[n + j] = -a; // a_g(h*) = 0
    }
    return lstmFromParameters({ n, m, forgetGate: false }, Float64Array.from([...Wx, ...Wh, ...b]));
  };
  const inside = [0.4, -0.3, 0.1];
  const lstm = build(inside);
  const sp = cellSpeed(lstm, x, 64);
  const res = findFixedPoints(sp, starts(128, 2 * n, 73, 0.8), 128);
  sp.dispose();
  const fixed = res.points.filter((p) => p.kind === 'fixed');
  t.is(fixed.length, 1);
  const p = fixed[0]!;
  for (let j = 0; j < n; j++) {
    t.true(Math.abs(p.h[j]! - inside[j]!) <= TOL.rootSolve, `h_${j} = ${p.h[j]}`);
    // o_j = sigma(W_o h* + U_o x + b_o), c_j = atanh(h_j / o_j)
    let a = 2;
    for (let k = 0; k < n; k++) a += Wh[(2 * n + j) * n + k]! * inside[k]!;
    for (let k = 0; k < m; k++) a += Wx[(2 * n + j) * m + k]! * x[k]!;
    const o = 1 / (1 + Math.exp(-a));
    t.true(Math.abs(p.h[n + j]! - Math.atanh(inside[j]! / o)) <= TOL.rootSolve, `c_${j} = ${p.h[n + j]}`);
  }
  // h* outside (-1, 1): |o tanh(c)| < 1 cannot reach it, so g != 0 everywhere and the carousel drifts
  const none = build([1.5, -0.3, 0.1]);
  const sp2 = cellSpeed(none, x, 64);
  const res2 = findFixedPoints(sp2, starts(128, 2 * n, 73, 0.8), 128);
  sp2.dispose();
  t.is(res2.points.filter((q) => q.kind === 'fixed').length, 0);
});

test('the unstable manifold of each saddle of h -> tanh(diag(2, 3) h) ends at the two stable points it separates', (t) => {
  const rnn = diagonalRnn([2, 3]);
  const sp = cellSpeed(rnn, [0], 64);
  const res = findFixedPoints(sp, starts(100, 2, 13), 100);
  const stable = res.points.filter((p) => p.stability.stability === 'stable');
  const saddles = res.points.filter((p) => p.stability.stability === 'saddle');
  t.is(stable.length, 4);
  t.is(saddles.length, 4);
  for (const s of saddles) {
    const [a, b] = saddleConnection(sp, s, stable.map((p) => p.h));
    t.true(a >= 0 && b >= 0 && a !== b, `${a}, ${b}`);
    // the saddle's zero coordinate is its unstable direction: the two ends differ there only, in sign
    const zero = Math.abs(s.h[0]!) < Math.abs(s.h[1]!) ? 0 : 1;
    const other = 1 - zero;
    t.true(Math.abs(stable[a]!.h[other]! - s.h[other]!) <= TOL.rootSolve && Math.abs(stable[b]!.h[other]! - s.h[other]!) <= TOL.rootSolve);
    t.is(Math.sign(stable[a]!.h[zero]!), -Math.sign(stable[b]!.h[zero]!));
  }
  t.throws(() => saddleConnection(sp, res.points.find((p) => p.stability.stability === 'unstable')!, []), { message: /exactly one/ });
  sp.dispose();
});
