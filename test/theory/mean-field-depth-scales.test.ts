/**
 * Mean-field signal propagation with biases (Poole et al. 2016; Schoenholz et al. 2017) against
 * closed forms: ReLU (arc-cosine kernel, Cho and Saul 2009), erf (Williams 1997), linear and tanh
 * at zero bias; the Gauss-Hermite rule against exact moments; Stein's slope against a difference.
 */
import test from 'ava';
import { erf } from 'mathjs';
import { IDENTITY, RELU, TANH, type Activation } from '../../src/activations/index.ts';
import {
  bivariateGaussianExpectation,
  correlationMap,
  criticalSigmaW2,
  gaussHermite,
  hermiteExpectation,
  lengthFixedPoint,
  lengthMap,
  lengthMapSlope,
  meanFieldDepthScales,
} from '../../src/analysis/mean-field.ts';
import { TOL } from '../helpers/tolerance.ts';

/** erf, whose Gaussian integrals are closed forms (Williams 1997). */
const ERF: Activation = {
  name: 'erf',
  kind: 'expression',
  gamma: 2 / Math.sqrt(Math.PI),
  f: (a) => erf(a),
  df: (a) => (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a),
};

test('Gauss-Hermite: exact Gaussian moments E z^2k = (2k-1)!! up to degree 2n - 1', (t) => {
  const { nodes, weights } = gaussHermite(2);
  t.true(Math.abs(nodes[0]! + 1) < TOL.roundoff && Math.abs(nodes[1]! - 1) < TOL.roundoff);
  t.true(Math.abs(weights[0]! - 0.5) < TOL.roundoff);
  let df = 1;
  for (let k = 1; k <= 8; k++) {
    df *= 2 * k - 1;
    t.true(Math.abs(hermiteExpectation((z) => z ** (2 * k)) / df - 1) < TOL.roundoff, `E z^${2 * k}`);
  }
  t.true(Math.abs(bivariateGaussianExpectation((a, b) => a * b, 2, 0.3) - 0.6) < TOL.roundoff, 'E u1 u2 = q c');
});

test('ReLU: q* = sigma_b^2 / (1 - sigma_w^2 / 2), chi_1 = sigma_w^2 / 2, xi_c = -1 / ln chi_1 (ordered)', (t) => {
  for (const [w2, b2] of [[1, 0.1], [1.5, 0.05], [1.9, 0.3]] as const) {
    const s = meanFieldDepthScales(RELU, w2, b2);
    t.true(Math.abs(s.qStar - b2 / (1 - w2 / 2)) < TOL.rootSolve, `q* at ${w2}`);
    t.true(Math.abs(s.chi1 - w2 / 2) < TOL.roundoff, `chi_1 at ${w2}`);
    t.true(Math.abs(s.xiC + 1 / Math.log(w2 / 2)) < TOL.rootSolve * s.xiC, `xi_c at ${w2}`);
    t.is(s.phase, 'ordered');
  }
});

test('ReLU correlation map against the arc-cosine kernel (sqrt(1-c^2) + (pi - acos c) c) q / 2 pi', (t) => {
  const q = 0.8;
  for (const c of [-0.5, 0, 0.4, 0.9]) {
    const exact = (2 * ((q / (2 * Math.PI)) * (Math.sqrt(1 - c * c) + (Math.PI - Math.acos(c)) * c)) + 0.1) / q;
    // the kink of relu along a line through the grid: Gauss-Hermite converges only algebraically there
    t.true(Math.abs(correlationMap(RELU, 2, 0.1, q, c) - exact) < TOL.hermiteKink, `c = ${c}`);
  }
});

test('erf: length map, chi_1 and the correlation map against closed forms', (t) => {
  const w2 = 2.5;
  const b2 = 0.2;
  for (const q of [0.1, 1, 4]) {
    const lm = w2 * (2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)) + b2;
    t.true(Math.abs(lengthMap(ERF, w2, b2, q) - lm) < TOL.quadrature, `length map at q = ${q}`);
    for (const c of [0, 0.5, 0.95]) {
      const cm = (w2 * (2 / Math.PI) * Math.asin((2 * q * c) / (1 + 2 * q)) + b2) / q;
      t.true(Math.abs(correlationMap(ERF, w2, b2, q, c) - cm) < TOL.quadrature, `correlation map at q = ${q}, c = ${c}`);
    }
  }
  const s = meanFieldDepthScales(ERF, w2, b2);
  const q = s.qStar;
  t.true(Math.abs(q - (w2 * (2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)) + b2)) < TOL.quadrature, 'q* is a fixed point');
  t.true(Math.abs(s.chi1 - (w2 * 4) / Math.PI / Math.sqrt(1 + 4 * q)) < TOL.quadrature, 'chi_1 = 4 sigma_w^2 / pi sqrt(1 + 4 q*)');
  if (s.phase === 'chaotic') {
    const c = s.cStar;
    t.true(Math.abs(c - (w2 * (2 / Math.PI) * Math.asin((2 * q * c) / (1 + 2 * q)) + b2) / q) < TOL.rootSolve, 'c* is a fixed point');
    const chiC = (w2 * 4) / Math.PI / Math.sqrt((1 + 2 * q) ** 2 - 4 * q * q * c * c);
    t.true(Math.abs(s.chiC - chiC) < TOL.quadrature, 'chi_c = 4 sigma_w^2 / pi sqrt(det(I + 2 Sigma))');
    t.true(Math.abs(s.xiC + 1 / Math.log(chiC)) < TOL.quadrature * s.xiC * s.xiC, 'xi_c = -1 / ln chi_c');
  } else t.fail(`expected the chaotic phase at sigma_w^2 = ${w2}, chi_1 = ${s.chi1}`);
});

test('zero bias: linear and tanh have q* = 0, chi_1 = sigma_w^2 and the critical point sigma_w^2 = 1', (t) => {
  for (const w2 of [0.5, 0.9]) {
    for (const f of [TANH, IDENTITY]) {
      const s = meanFieldDepthScales(f, w2, 0);
      t.is(s.qStar, 0);
      t.true(Math.abs(s.chi1 - w2) < TOL.roundoff);
      t.true(Math.abs(s.xiC + 1 / Math.log(w2)) < TOL.roundoff * 10);
    }
  }
  // q* creeps to 0 as sigma_w^2 -> 1: q* < 1e-12 is taken as 0, which leaves chi_1 - 1 ~ 1e-8 there
  t.true(Math.abs(criticalSigmaW2(TANH, 0) - 1) < TOL.criticalLine);
});

test('the slope of the length map by Stein\'s lemma equals its derivative (five-point difference)', (t) => {
  for (const [f, q] of [[TANH, 0.7], [ERF, 2], [RELU, 1.3]] as const) {
    const h = 1e-4;
    const L = (x: number) => lengthMap(f, 1.8, 0.1, x);
    const fd = (8 * (L(q + h) - L(q - h)) - (L(q + 2 * h) - L(q - 2 * h))) / (12 * h);
    t.true(Math.abs(lengthMapSlope(f, 1.8, q) - fd) < TOL.finiteDifference, f.name);
  }
  t.true(Math.abs(lengthFixedPoint(TANH, 1.8, 0.1) - lengthMap(TANH, 1.8, 0.1, lengthFixedPoint(TANH, 1.8, 0.1))) < TOL.roundoff);
});

test('xi_c diverges at the order-to-chaos line and is finite on both sides (tanh, sigma_b^2 = 0.05)', (t) => {
  const wc = criticalSigmaW2(TANH, 0.05);
  t.true(wc > 1 && wc < 3);
  t.true(Math.abs(meanFieldDepthScales(TANH, wc, 0.05).chi1 - 1) < TOL.rootSolve);
  const below = meanFieldDepthScales(TANH, wc * 0.9, 0.05);
  const above = meanFieldDepthScales(TANH, wc * 1.1, 0.05);
  const near = meanFieldDepthScales(TANH, wc * 1.01, 0.05);
  t.is(below.phase, 'ordered');
  t.is(above.phase, 'chaotic');
  t.true(above.cStar < 1 && above.cStar > 0);
  t.true(near.xiC > above.xiC && near.xiC > below.xiC, 'xi_c peaks at the critical line');
  t.true(Number.isFinite(below.xiC) && Number.isFinite(above.xiC));
});
