/**
 * The MLP's backward pass against central finite differences, for every layer type: each
 * activation (sigmoid, tanh, ReLU, two mathjs expressions), residual connections, batch
 * normalization, both losses; and ||dL/dh_l|| against an independent route (the input gradient of
 * the upper part of the network, rebuilt as its own Mlp).
 */
import test from 'ava';
import { Mlp, type MlpOptions } from '../../src/models/mlp.ts';
import { Rng } from '../../src/init/rng.ts';
import { dnrm2 } from '../../src/linalg/blas.ts';
import { TOL } from '../helpers/tolerance.ts';

/** Central-difference step: balances truncation O(h^2) against cancellation O(eps / h). */
const H = 1e-5;

interface Case {
  X: Float64Array;
  targets: Int32Array | Float64Array;
  m: number;
}

function makeCase(opts: MlpOptions, m: number, seed: number): Case {
  const rng = new Rng(seed);
  const X = rng.fillNormal(new Float64Array(m * opts.inputSize));
  let targets: Int32Array | Float64Array;
  if ((opts.loss ?? 'cross-entropy') === 'cross-entropy') {
    targets = new Int32Array(m);
    for (let i = 0; i < m; i++) targets[i] = rng.int(opts.outputSize);
  } else targets = rng.fillNormal(new Float64Array(m * opts.outputSize));
  return { X, targets, m };
}

/**
 * ||g_fd - g||_inf / ||g||_inf over one parameter block: a blockwise relative error, so entries
 * that are tiny because the gradient vanishes (the point of these networks) are judged against the
 * block's scale rather than their own round-off.
 */
function blockError(fd: Float64Array, g: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < g.length; i++) {
    num = Math.max(num, Math.abs(fd[i]! - g[i]!));
    den = Math.max(den, Math.abs(g[i]!), Math.abs(fd[i]!));
  }
  return den === 0 ? 0 : num / den;
}

function checkGradients(t: import('ava').ExecutionContext, opts: MlpOptions, seed = 3, m = 6): void {
  const net = new Mlp(opts, new Rng(seed));
  // perturb biases and batch-norm parameters away from their initial 0 / 1 so every term is exercised
  const prng = new Rng(seed + 100);
  for (const L of net.layers) {
    if (L.b) prng.fillNormal(L.b, 0, 0.3);
    if (L.gamma) for (let i = 0; i < L.gamma.length; i++) L.gamma[i] = 1 + 0.3 * prng.normal();
    if (L.beta) prng.fillNormal(L.beta, 0, 0.3);
  }
  const { X, targets } = makeCase(opts, m, seed + 1);
  net.lossAndGradient(X, targets, m);
  const loss = (): number => {
    net.forward(X, m);
    return net.lossValue(targets);
  };
  const blocks = net.parameters().map((p) => ({ ...p, grad: Float64Array.from(p.grad) }));
  const inputGrad = Float64Array.from(net.inputGradient());
  blocks.push({ name: 'x', param: X, grad: inputGrad });
  for (const { name, param, grad } of blocks) {
    const fd = new Float64Array(param.length);
    for (let i = 0; i < param.length; i++) {
      const v = param[i]!;
      param[i] = v + H;
      const lp = loss();
      param[i] = v - H;
      const lm = loss();
      param[i] = v;
      fd[i] = (lp - lm) / (2 * H);
    }
    const err = blockError(fd, grad);
    t.true(err < TOL.finiteDifference, `${name}: relative error ${err.toExponential(2)}`);
    t.true(dnrm2(grad.length, grad) > 0, `${name}: gradient is not identically zero`);
  }
}

const base = { inputSize: 3, width: 4, depth: 3, outputSize: 3, init: 'xavier' as const };

for (const act of ['sigmoid', 'tanh', 'relu', 'x / (1 + abs(x))', 'log(1 + exp(x))']) {
  test(`gradients match finite differences: ${act}, cross-entropy`, (t) => {
    checkGradients(t, { ...base, activation: act, init: act === 'relu' ? 'he' : 'xavier' });
  });
}

test('gradients match finite differences: tanh, squared error', (t) => {
  checkGradients(t, { ...base, activation: 'tanh', loss: 'squared-error' });
});

test('gradients match finite differences: sigmoid, standard-normal init (saturated units)', (t) => {
  checkGradients(t, { ...base, activation: 'sigmoid', init: 'standard-normal', depth: 4 });
});

test('gradients match finite differences: residual sigmoid (first layer not residual, d != N)', (t) => {
  const net = new Mlp({ ...base, activation: 'sigmoid', residual: true }, new Rng(1));
  t.deepEqual(
    net.layers.map((L) => L.residual),
    [false, true, true, false],
  );
  checkGradients(t, { ...base, activation: 'sigmoid', residual: true });
});

test('gradients match finite differences: residual tanh with d = N (every hidden layer residual)', (t) => {
  checkGradients(t, { ...base, inputSize: 4, activation: 'tanh', residual: true });
});

test('gradients match finite differences: batch norm, sigmoid', (t) => {
  checkGradients(t, { ...base, activation: 'sigmoid', batchNorm: true });
});

test('gradients match finite differences: batch norm, relu', (t) => {
  checkGradients(t, { ...base, activation: 'relu', init: 'he', batchNorm: true });
});

test('gradients match finite differences: batch norm + residual, expression activation', (t) => {
  checkGradients(t, { ...base, activation: 'x / (1 + abs(x))', batchNorm: true, residual: true });
});

test('batch norm: normalised pre-activations have zero mean and unit variance over the batch', (t) => {
  const opts = { ...base, activation: 'sigmoid', batchNorm: true, bnEpsilon: 0 };
  const net = new Mlp(opts, new Rng(2));
  const { X, m } = makeCase(opts, 16, 5);
  net.forward(X, m);
  const z = net.activationInput(2); // gamma = 1, beta = 0 at initialisation
  for (let j = 0; j < base.width; j++) {
    let s = 0;
    let q = 0;
    for (let i = 0; i < m; i++) {
      s += z[i * base.width + j]!;
      q += z[i * base.width + j]! ** 2;
    }
    t.true(Math.abs(s / m) < TOL.roundoff);
    t.true(Math.abs(q / m - 1) < TOL.roundoff);
  }
});

/**
 * ||dL/dh_l|| by an independent route: the layers above h_l form an Mlp of their own whose input is
 * h_l; its input gradient (checked by finite differences above) must equal the full network's dL/dh_l.
 */
for (const variant of [
  { activation: 'sigmoid' },
  { activation: 'relu', init: 'he' as const, residual: true },
  { activation: 'tanh', batchNorm: true },
]) {
  test(`||dL/dh_l|| equals the input-gradient norm of the network above h_l: ${JSON.stringify(variant)}`, (t) => {
    const opts: MlpOptions = { inputSize: 3, width: 5, depth: 5, outputSize: 2, init: 'xavier', ...variant };
    const full = new Mlp(opts, new Rng(9));
    const { X, targets, m } = makeCase(opts, 7, 10);
    full.lossAndGradient(X, targets, m);
    t.is(full.hiddenGradNorm[0], dnrm2(m * 3, full.inputGradient()));
    for (let l = 1; l < opts.depth; l++) {
      const top = new Mlp({ ...opts, inputSize: opts.width, depth: opts.depth - l }, new Rng(0));
      top.layers.forEach((L, k) => {
        const src = full.layers[l + k]!;
        L.W.set(src.W);
        if (L.b) L.b.set(src.b!);
      });
      const hl = Float64Array.from(full.hidden(l));
      top.lossAndGradient(hl, targets, m);
      const ref = dnrm2(m * opts.width, top.inputGradient());
      const err = Math.abs(ref - full.hiddenGradNorm[l]!) / ref;
      t.true(err < TOL.roundoff, `layer ${l}: ${full.hiddenGradNorm[l]} vs ${ref}`);
    }
  });
}

test('workspaces per batch size: interleaving batch sizes does not change results', (t) => {
  const opts: MlpOptions = { ...base, activation: 'tanh', batchNorm: true };
  const net = new Mlp(opts, new Rng(4));
  const a = makeCase(opts, 5, 1);
  const b = makeCase(opts, 9, 2);
  const l1 = net.lossAndGradient(a.X, a.targets, a.m);
  const g1 = Float64Array.from(net.layers[0]!.dW);
  net.lossAndGradient(b.X, b.targets, b.m);
  const l2 = net.lossAndGradient(a.X, a.targets, a.m);
  t.is(l1, l2);
  t.deepEqual(Float64Array.from(net.layers[0]!.dW), g1);
});

test('cross-entropy loss of uniform logits is ln K', (t) => {
  const opts: MlpOptions = { ...base, activation: 'tanh', init: 'zeros' };
  const net = new Mlp(opts, new Rng(1));
  const { X, targets, m } = makeCase(opts, 4, 1);
  net.forward(X, m);
  t.true(Math.abs(net.lossValue(targets) - Math.log(3)) < TOL.roundoff);
});
