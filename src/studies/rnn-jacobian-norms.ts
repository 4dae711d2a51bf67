/**
 * Study `rnn-jacobian-norms`: how the backward Jacobian products of a vanilla RNN shrink or grow
 * with the lag, against the bound of Pascanu, Mikolov and Bengio (2013),
 *
 *     ||P_k|| = ||J_T ... J_{T-k+1}|| <= prod ||J_t|| <= (gamma sigma_max(W))^k,   J_t = diag(f'(a_t)) W,
 *
 * for a list of networks (sigmoid and tanh, gains on both sides of 1/gamma) driven by random
 * inputs. Each run reports its regime (gamma sigma_max < 1: vanishing guaranteed; > 1: exploding
 * possible), the measured geometric rate of ||P_k|| (slope of ln ||P_k|| against k), and the
 * largest Lyapunov exponent of the same driven dynamics, which that slope estimates.
 *
 * Summary (paths for scenario checks):
 * - `runs[i]`: {label, activation, init, gain, sigmaMax, spectralRadius, gamma, threshold (1/gamma),
 *   gammaSigmaMax, regime, decayRate (per step, natural log), decayFactor (e^decayRate),
 *   boundRate (ln gamma sigma_max), lyapunovLargest, slopeMinusLyapunov, maxRatioToBound, maxRatioToStepProduct,
 *   boundViolations, unconvergedLags (lags whose power iteration did not converge: their norm is the
 *   SVD's), productNorms[k-1], bound[k-1], stepNormProducts[k-1]}.
 * - `boundViolations` (all runs), `maxRatioToBound`, `maxRatioToStepProduct` (max over runs),
 *   `powerIterationFallbacks` (unconverged lags over all runs).
 *
 * Precision: the scenario's `precision: float32` runs the cells, BPTT, Jacobian products, Lyapunov
 * vectors and training in float32 (src/linalg/precision.ts; the analysis and training modules say
 * what stays float64); float64 (the default) is unchanged.
 */
import { inPrecision, UNIT_ROUNDOFF, type Precision } from '../linalg/precision.ts';
import { z } from 'zod';
import { count, exact, fields, list, measured, text } from '../scenario/summary-schema.ts';
import { activation as activationOf } from '../activations/index.ts';
import { decayRate, productNorms } from '../analysis/jacobian-products.ts';
import { lyapunovSpectrum } from '../analysis/lyapunov.ts';
import { sigmaMax, spectralRadius } from '../analysis/spectral-norm.ts';
import { logTheoryBound, regime, theoryBound, VANISHING } from '../analysis/theory-bounds.ts';
import { Rng } from '../init/rng.ts';
import { createTape, forward } from '../models/bptt.ts';
import { createRnn } from '../models/rnn.ts';
import { activationName, resolveRnnWeights, WeightSpec } from '../models/weights-source.ts';
import { lineChart, PALETTE, type Series } from '../report/chart-spec.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';
import { assertFiniteSteps } from '../analysis/faults.ts';

const run = z
  .object({
    label: z.string().min(1).optional().describe('name of the run in charts and tables (default: activation and gain)'),
    activation: activationName('tanh'),
    W: WeightSpec.describe('recurrent weights W (n x n): { init, gain } or { values } or { file }'),
    U: WeightSpec.default({ init: 'gaussian', gain: 1 }).describe('input weights U (n x m)'),
    b: WeightSpec.default({ init: 'zeros', gain: 1 }).describe('bias b (n)'),
  })
  .strict();

const params = z
  .object({
    n: z.number().int().min(1).max(256).default(48).describe('hidden size n'),
    m: z.number().int().min(0).max(64).default(4).describe('input size m'),
    T: z.number().int().min(2).max(1000).default(120).describe('sequence length T: lags k = 1..T are measured'),
    inputStd: z.number().nonnegative().default(1).describe('inputs x_t ~ N(0, inputStd^2), independent per step'),
    h0Std: z.number().nonnegative().default(0.5).describe('initial state h_0 ~ N(0, h0Std^2)'),
    lyapunovSteps: z
      .number()
      .int()
      .min(0)
      .max(100000)
      .default(2000)
      .describe('steps of the largest-Lyapunov-exponent estimate along the driven dynamics (0: skip)'),
    runs: z
      .array(run)
      .min(1)
      .max(12)
      .prefault([
        { activation: 'tanh', W: { init: 'orthogonal', gain: 0.8 } },
        { activation: 'tanh', W: { init: 'orthogonal', gain: 1.5 } },
        { activation: 'tanh', W: { init: 'orthogonal', gain: 2.5 } },
        { activation: 'sigmoid', W: { init: 'orthogonal', gain: 3 } },
        { activation: 'sigmoid', W: { init: 'orthogonal', gain: 6 } },
      ])
      .describe('networks to compare; orthogonal W has sigma_max(W) = gain exactly'),
  })
  .strict();

export type RnnJacobianNormsParams = z.infer<typeof params>;

const CHART_IDS = ['product-norms', 'step-norms'] as const;

/** Round-off allowance when counting bound violations: ||P_k|| is compared with (gamma sigma)^k in logs. */
const ROUNDOFF = 1e-9;

/**
 * The allowance per lag in float32: each factor of the float32 product P_k J_t is a set of dot
 * products of n terms, exact to gamma_n ~ n u (u = 2^-24; Higham 2002, eq. 3.5), plus one rounding of
 * the rescaling, so ln ||P_k|| may gain up to about (n + 1) u per lag over the exact product of the
 * stored factors; 2 (n + 1) u leaves a factor of two.
 */
function roundoffPerLag(precision: Precision, n: number): number {
  return precision === 'float32' ? 2 * (n + 1) * UNIT_ROUNDOFF.float32 : ROUNDOFF;
}

function describeRun(r: z.infer<typeof run>): { label: string; init: string; gain: number | null } {
  const init = 'init' in r.W ? r.W.init : 'values' in r.W ? 'values' : 'file';
  const gain = 'init' in r.W ? (r.W.gain ?? 1) : null;
  const label = r.label ?? `${r.activation}, ${init}${gain !== null ? ` g = ${gain}` : ''}`;
  return { label, init, gain };
}

function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(digits) : v.toExponential(2);
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const rnnJacobianNormsSummary = fields({
  runs: list(
    fields({
      label: text('the run as listed in params.runs'),
      activation: text('activation function'),
      init: text('initialisation of W'),
      gain: exact('gain of W'),
      sigmaMax: measured('largest singular value of W'),
      spectralRadius: measured('spectral radius rho(W)'),
      gamma: exact("bound on |f'|: 1/4 for sigmoid, 1 for tanh"),
      threshold: exact('1/gamma: sigma_max above it allows explosion'),
      gammaSigmaMax: measured('gamma sigma_max(W)'),
      regime: text('vanishing (sufficient condition holds), exploding possible, or boundary'),
      decayRate: measured('slope of ln ||P_k|| against k (natural log per step)'),
      decayFactor: measured('e^decayRate'),
      boundRate: measured('ln(gamma sigma_max)'),
      lyapunovLargest: measured('largest Lyapunov exponent of the same driven dynamics'),
      slopeMinusLyapunov: measured('decayRate - lyapunovLargest'),
      maxRatioToBound: measured('max over k of ||P_k|| / (gamma sigma_max)^k (<= 1 by the theorem)'),
      maxRatioToStepProduct: measured('max over k of ||P_k|| / prod ||J_t|| (<= 1)'),
      boundViolations: count('lags where ||P_k|| exceeds the bound beyond round-off'),
      unconvergedLags: list(count('lag k'), "lags whose power iteration did not converge within its limit: their norm is the SVD's"),
      productNorms: list(measured('||P_k||'), '||J_T ... J_{T-k+1}|| for k = 1..K (index k - 1)'),
      bound: list(measured('(gamma sigma_max)^k'), 'the bound for k = 1..K'),
      stepNormProducts: list(measured('prod ||J_t||'), 'the product of per-step norms for k = 1..K'),
    }),
    'one entry per run',
  ),
  boundViolations: count('bound violations over all runs'),
  maxRatioToBound: measured('max ratio to the bound over all runs'),
  maxRatioToStepProduct: measured('max ratio to the per-step product over all runs'),
  powerIterationFallbacks: count('unconverged power iterations over all runs (their lags take the SVD norm)'),
});
export type RnnJacobianNormsSummary = z.infer<typeof rnnJacobianNormsSummary>;
export type RnnJacobianNormsParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const rnnJacobianNormsStudy: Study<RnnJacobianNormsParams, RnnJacobianNormsSummary> = {
  kind: 'rnn-jacobian-norms',
  summary: 'Jacobian-product norms ||J_T ... J_{T-k+1}|| of vanilla RNNs against the (gamma sigma_max)^k bound (Pascanu et al. 2013).',
  params,
  chartIds: CHART_IDS,
  summarySchema: rnnJacobianNormsSummary,
  // the vanilla RNN has a float32 route: every parameter set runs in float32
  float32: () => [],
  run(p, ctx) {
    const { n, m, T } = p;
    const precision = ctx.precision ?? 'float64';
    const roundoff = roundoffPerLag(precision, n);
    const base = new Rng(ctx.seed);
    const dir = ctx.scenarioDir;
    const ks = Array.from({ length: T }, (_, i) => i + 1);
    const results = [];
    const productSeries: Series[] = [];
    const stepSeries: Series[] = [];
    const theory: TheoryRow[] = [];
    for (let i = 0; i < p.runs.length; i++) {
      const spec = p.runs[i]!;
      const { label, init, gain } = describeRun(spec);
      const rng = base.fork();
      const f = activationOf(spec.activation);
      const w = resolveRnnWeights(spec, n, m, { rng, baseDir: dir, field: `runs[${i}]` });
      const rnn = createRnn({ n, m, ...w, activation: f, precision });
      const x = inPrecision(precision, rng.fork().fillNormal(new Float64Array(T * m), 0, p.inputStd));
      const h0 = rng.fork().fillNormal(new Float64Array(n), 0, p.h0Std);
      const tape = createTape(rnn, 1, T);
      forward(rnn, x, tape, { s0: { h: h0 } });
      assertFiniteSteps(tape.states.h, n, `the state h_t of runs[${i}] (${label})`);
      const pn = productNorms(rnn, tape);
      // float32: sigma_max and rho of the stored (rounded) W, in float64
      const W = rnn.W instanceof Float64Array ? rnn.W : Float64Array.from(rnn.W);
      const sMax = sigmaMax(W, n);
      const rho = spectralRadius(W, n);
      const reg = regime(f.gamma, sMax);
      const bound = theoryBound(f.gamma, sMax, T);
      const logBound = logTheoryBound(f.gamma, sMax, T);
      let maxLogRatio = -Infinity;
      let maxLogRatioStep = -Infinity;
      let violations = 0;
      for (let k = 1; k <= T; k++) {
        const lr = pn.logNorms[k - 1]! - logBound[k - 1]!;
        maxLogRatio = Math.max(maxLogRatio, lr);
        maxLogRatioStep = Math.max(maxLogRatioStep, pn.logNorms[k - 1]! - pn.logStepNormProducts[k - 1]!);
        if (lr > roundoff * k) violations++;
      }
      const rate = decayRate(pn.logNorms);
      let lyap = NaN;
      if (p.lyapunovSteps > 0) {
        const drive = rng.fork();
        lyap = lyapunovSpectrum(rnn, {
          k: 1,
          steps: p.lyapunovSteps,
          transient: 100,
          s0: { h: h0 },
          input: (_t, xt) => drive.fillNormal(xt, 0, p.inputStd),
          rng: rng.fork(),
        }).exponents[0]!;
      }
      const color = PALETTE[i % PALETTE.length]!;
      // colour = the network, dash = the quantity: 8 legend entries for 5 runs x 3 curves
      productSeries.push(
        { label: `${label}: ‖Pₖ‖`, run: label, quantity: '‖Pₖ‖, measured', x: ks, y: pn.norms, color, z: 1 },
        { label: `${label}: ∏ ‖Jₜ‖`, run: label, quantity: '∏ ‖Jₜ‖ over the k steps', x: ks, y: pn.stepNormProducts, color, lineWidth: 2, dotted: true },
        { label: `${label}: (γσₘₐₓ)ᵏ`, run: label, quantity: 'bound (γσₘₐₓ)ᵏ', x: ks, y: bound, color, lineWidth: 2, dashed: true },
      );
      stepSeries.push(
        { label: `${label}: ‖Jₜ‖`, run: label, quantity: '‖Jₜ‖, measured', x: ks.map((k) => T - k + 1), y: pn.stepNorms, color },
        { label: `${label}: γσₘₐₓ`, run: label, quantity: 'bound γσₘₐₓ(W)', x: [1, T], y: [reg.gammaSigmaMax, reg.gammaSigmaMax], color, dashed: true, lineWidth: 2 },
      );
      results.push({
        label,
        activation: spec.activation,
        init,
        gain,
        sigmaMax: sMax,
        spectralRadius: rho,
        gamma: f.gamma,
        threshold: 1 / f.gamma,
        gammaSigmaMax: reg.gammaSigmaMax,
        regime: reg.regime,
        decayRate: rate.rate,
        decayFactor: rate.factor,
        boundRate: Math.log(reg.gammaSigmaMax),
        lyapunovLargest: p.lyapunovSteps > 0 ? lyap : null,
        slopeMinusLyapunov: p.lyapunovSteps > 0 ? rate.rate - lyap : null,
        maxRatioToBound: Math.exp(maxLogRatio),
        maxRatioToStepProduct: Math.exp(maxLogRatioStep),
        boundViolations: violations,
        unconvergedLags: pn.unconvergedLags,
        productNorms: pn.norms,
        bound,
        stepNormProducts: pn.stepNormProducts,
      });
      theory.push(
        {
          quantity: `${label}: largest ||P_k|| / (gamma sigma_max)^k over k = 1..${T}`,
          theory: '<= 1',
          measured: fmt(Math.exp(maxLogRatio), 4),
          source: 'Pascanu, Mikolov and Bengio 2013, eq. 7',
          agrees: violations === 0,
          tolerance: `ln(‖Pₖ‖ / (γσₘₐₓ)ᵏ) ≤ ${precision === 'float64' ? ROUNDOFF : roundoff.toPrecision(2)} k (round-off) at every k`,
        },
        {
          quantity: `${label}: gamma sigma_max(W) = ${fmt(f.gamma)} x ${fmt(sMax)}`,
          theory: reg.regime === VANISHING ? '< 1: vanishing guaranteed' : '>= 1: exploding possible, not guaranteed',
          measured: `||P_k|| ~ ${fmt(rate.factor)}^k (${rate.rate < 0 ? 'vanishes' : 'grows'})`,
          source: 'Pascanu, Mikolov and Bengio 2013, section 3.1',
          ...(reg.regime === VANISHING ? { agrees: rate.rate < 0, tolerance: 'fitted slope of ln ‖Pₖ‖ strictly below 0' } : {}),
        },
      );
      if (p.lyapunovSteps > 0) {
        theory.push({
          quantity: `${label}: slope of ln ||P_k|| against k`,
          theory: `largest Lyapunov exponent ${fmt(lyap, 4)}`,
          measured: fmt(rate.rate, 4),
          source: 'Oseledets 1968; Benettin et al. 1980',
        });
      }
      ctx.progress(i + 1, p.runs.length, label);
    }
    const boundViolations = results.reduce((s, r) => s + r.boundViolations, 0);
    const powerIterationFallbacks = results.reduce((s, r) => s + r.unconvergedLags.length, 0);
    const maxRatioToBound = Math.max(...results.map((r) => r.maxRatioToBound));
    const maxRatioToStepProduct = Math.max(...results.map((r) => r.maxRatioToStepProduct));
    const allPositive = [...productSeries.flatMap((s) => Array.from(s.y))].filter((v) => v > 0);
    const yMin = Math.max(1e-40, Math.min(...allPositive));

    const charts = [
      lineChart({
        id: 'product-norms',
        title: 'Norm of the Jacobian product ‖Pₖ‖ against the lag k',
        subtitle: `Pₖ: product of the k step Jacobians Jₜ = diag(f′(aₜ)) W nearest the end; n = ${n}, one sequence of ${T} steps`,
        caption:
          'Colour: the network; solid: the measured spectral norm ‖Pₖ‖ of the product over the last k steps; dotted: the product of the per-step norms ∏ ‖Jₜ‖; dashed: the bound (γσₘₐₓ(W))ᵏ. Each solid curve stays under its dotted curve, which stays under its dashed line.',
        x: { title: 'lag k (steps back from T)' },
        y: { title: 'spectral norm (log scale)', log: true, min: yMin },
        series: productSeries,
      }),
      lineChart({
        id: 'step-norms',
        title: 'Per-step Jacobian norm ‖Jₜ‖ = ‖diag(f′(aₜ)) W‖ along the sequence',
        caption:
          'Colour: the network; solid: the norm of each step\'s Jacobian against t; dashed: γσₘₐₓ(W), its bound. With many units, some unit is nearly always close to a = 0 where f′ = γ, so a single step\'s norm sits close to the bound even when the product over many steps is far below it.',
        x: { title: 'time step t' },
        y: { title: '‖Jₜ‖ (spectral norm)' },
        series: stepSeries,
      }),
    ];

    const vanishing = results.filter((r) => r.regime === VANISHING);
    const exploding = results.filter((r) => r.regime !== VANISHING);
    const discussion = [
      `Every curve in the first chart is a product of ${T} Jacobians J_t = diag(f'(a_t)) W taken backwards from the last step. ` +
        'Because the spectral norm is submultiplicative, the measured norm ||P_k|| (solid) can never rise above the product of the per-step norms (dotted), ' +
        'and since |f\'| <= gamma each per-step norm is at most gamma sigma_max(W), so the dotted line in turn stays under the straight dashed line (gamma sigma_max)^k. ' +
        `Across the ${results.length} runs the largest ratio ||P_k|| / bound is ${fmt(maxRatioToBound, 4)}, with ${boundViolations} violations. ` +
        `||P_1|| is the exact norm of J_T (SVD); each later lag comes from a power iteration warm-started at the previous lag, and a power iteration that cannot meet its tolerance within its iteration limit (nearly equal leading singular values) is replaced by the SVD of the product: here ${powerIterationFallbacks} of the ${results.length * T} lags.`,
      vanishing.length > 0
        ? `Runs with gamma sigma_max(W) < 1 (${vanishing.map((r) => r.label).join('; ')}) are in the regime where the bound itself decays geometrically: ` +
          'whatever the inputs do, a gradient from step T is multiplied by at most (gamma sigma_max)^k by the time it reaches step T - k, so long-range credit assignment is impossible. ' +
          `Their measured per-step factors (${vanishing.map((r) => fmt(r.decayFactor)).join(', ')}) are smaller still than gamma sigma_max, because f'(a_t) is usually well below its maximum gamma.`
        : '',
      exploding.length > 0
        ? `Runs with gamma sigma_max(W) > 1 (${exploding.map((r) => r.label).join('; ')}) only make exploding gradients possible: the condition is necessary, not sufficient. ` +
          `Their measured per-step factors are ${exploding.map((r) => `${fmt(r.decayFactor)} (${r.label})`).join(', ')}. ` +
          'A sigmoid network with sigma_max(W) above 4 usually still vanishes, because sigmoid\'s slope is 1/4 only at 0 and the large weights push units into saturation where f\' is tiny.'
        : '',
      `The second chart explains why the dotted lines hug the dashed ones: a single step's norm ||diag(f'(a_t)) W|| is nearly gamma sigma_max(W), because among ${n} units one is almost always near a = 0 where f' = gamma, and with orthogonal W that unit's direction is stretched by the full gain. ` +
        'The product of the steps is much smaller than the product of their norms because each step stretches a different direction (whichever units happen to be unsaturated then), while the others are squeezed: norms of single steps say little about long products.',
      p.lyapunovSteps > 0
        ? 'The slope of ln ||P_k|| against k is, for long sequences, the largest Lyapunov exponent of the driven dynamics (Oseledets\' theorem): ' +
          'a negative exponent means nearby trajectories converge and gradients vanish at that rate; a positive one means the network is chaotic and gradients explode. ' +
          `Measured slopes against exponents: ${results.map((r) => `${fmt(r.decayRate, 3)} vs ${fmt(r.lyapunovLargest ?? NaN, 3)}`).join('; ')}; a single sequence of ${T} steps gives the slope to within its O(1/sqrt(T)) fluctuations.`
        : '',
    ]
      .filter((s) => s !== '')
      .join('\n\n');

    return {
      summary: { runs: results, boundViolations, maxRatioToBound, maxRatioToStepProduct, powerIterationFallbacks },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
    };
  },
};
