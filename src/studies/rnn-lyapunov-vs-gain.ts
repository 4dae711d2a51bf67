/**
 * Study `rnn-lyapunov-vs-gain`: the largest Lyapunov exponent of a random tanh RNN
 * h_t = tanh(W h_{t-1} + U x_t), W_ij ~ N(0, g^2/n), against the gain g. It is computed by QR
 * re-orthonormalisation along a trajectory (Benettin et al. 1980), autonomous or weakly driven,
 * and compared with the mean-field value (1/2) ln chi_1 (Molgedey, Schuchhardt and Schuster 1992;
 * Poole et al. 2016), which is ln g below g = 1 and crosses zero at g = 1: the transition to chaos
 * of Sompolinsky, Crisanti and Sommers (1988). For a few gains the slope of ln ||J_T ... J_{T-k+1}||
 * along the same dynamics is measured too: it is the same exponent, the rate at which gradients
 * vanish (lambda_1 < 0) or explode (lambda_1 > 0).
 *
 * Summary (paths for scenario checks):
 * - `lyapunov[i]`: {gain, largest, meanField, spectralRadius, logSpectralRadius}; `spectra[j]`:
 *   {gain, exponents (descending), sum, steps} for the full-spectrum gains.
 * - `zeroCrossing`: the first g where the measured largest exponent reaches zero, i.e. rises
 *   through -zeroTolerance (interpolated); `chaosOnset`: where it rises through +zeroTolerance;
 *   `meanFieldZeroCrossing`: where the mean field crosses 0 (1 for tanh).
 * - `maxGapToLogSpectralRadius`: max over g < 1 of |lambda_1 - ln rho(W)|.
 * - `products[j]`: {gain, decayRate, largest, difference, lags, unconvergedLags (lags whose power
 *   iteration did not converge: their norm is the SVD's)} for the product-norm gains.
 *
 * Precision: the scenario's `precision: float32` runs the cells, BPTT, Jacobian products, Lyapunov
 * vectors and training in float32 (src/linalg/precision.ts; the analysis and training modules say
 * what stays float64); float64 (the default) is unchanged.
 */
import { inPrecision } from '../linalg/precision.ts';
import { z } from 'zod';
import { count, exact, fields, list, measured } from '../scenario/summary-schema.ts';
import { activation as activationOf } from '../activations/index.ts';
import { decayRate, productNorms } from '../analysis/jacobian-products.ts';
import { lyapunovSpectrum, zeroCrossing } from '../analysis/lyapunov.ts';
import { meanFieldLyapunov } from '../analysis/mean-field.ts';
import { spectralRadius } from '../analysis/spectral-norm.ts';
import { Rng } from '../init/rng.ts';
import { initWeights } from '../init/weights.ts';
import { createTape, forward } from '../models/bptt.ts';
import { createRnn } from '../models/rnn.ts';
import { activationName } from '../models/weights-source.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

const params = z
  .object({
    n: z.number().int().min(2).max(1000).default(200).describe('hidden size n'),
    activation: activationName('tanh'),
    gainMin: z.number().positive().default(0.5).describe('smallest gain g of W ~ N(0, g^2/n)'),
    gainMax: z.number().positive().default(2).describe('largest gain g'),
    gainStep: z.number().positive().default(0.1).describe('spacing of the gain sweep'),
    steps: z.number().int().min(10).max(1_000_000).default(1500).describe('steps averaged for the largest exponent'),
    transient: z.number().int().min(0).max(1_000_000).default(300).describe('steps discarded first so the state reaches its attractor'),
    inputStd: z
      .number()
      .nonnegative()
      .default(0)
      .describe('input drive: m = n independent inputs x_t ~ N(0, inputStd^2) through U = I; 0 is the autonomous network'),
    h0Std: z.number().nonnegative().default(1).describe('initial state h_0 ~ N(0, h0Std^2)'),
    zeroTolerance: z
      .number()
      .nonnegative()
      .default(0.01)
      .describe('exponents within this of zero count as zero: the resolution of a finite-time estimate (a quasi-periodic orbit has lambda_1 = 0 exactly)'),
    spectrumGains: z.array(z.number().positive()).max(4).default([1.5]).describe('gains for which the full spectrum is computed (costly: n tangent vectors)'),
    spectrumExponents: z.number().int().min(1).max(1000).default(200).describe('number of exponents of the spectrum (at most n)'),
    spectrumSteps: z.number().int().min(10).max(100000).default(300).describe('steps averaged for the spectrum'),
    productGains: z.array(z.number().positive()).max(6).default([0.8, 1.6]).describe('gains where the slope of ln ||J_T ... J_{T-k+1}|| is measured as well'),
    productLags: z.number().int().min(2).max(1000).default(60).describe('lags K of the Jacobian products (costly: one n^3 product per lag)'),
  })
  .strict()
  .refine((p) => p.gainMin < p.gainMax, { message: 'gainMin must be below gainMax', path: ['gainMax'] })
  .refine((p) => (p.gainMax - p.gainMin) / p.gainStep <= 200, { message: 'at most 200 gains: raise gainStep', path: ['gainStep'] })
  .refine((p) => p.spectrumExponents <= p.n, { message: 'spectrumExponents must be at most n', path: ['spectrumExponents'] });

export type RnnLyapunovVsGainParams = z.infer<typeof params>;

const CHART_IDS = ['largest-exponent-vs-gain', 'spectrum'] as const;

function fmt(v: number, d = 4): string {
  return Number.isFinite(v) ? v.toFixed(d) : String(v);
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const rnnLyapunovVsGainSummary = fields({
  lyapunov: list(
    fields({
      gain: exact('gain g'),
      largest: measured('largest Lyapunov exponent lambda_1 (QR method)'),
      meanField: measured('mean-field value (1/2) ln chi_1'),
      spectralRadius: measured('spectral radius rho(W)'),
      logSpectralRadius: measured('ln rho(W)'),
    }),
    'one entry per gain of the sweep',
  ),
  zeroCrossing: measured('first g where lambda_1 rises through -zeroTolerance (interpolated)'),
  chaosOnset: measured('first g where lambda_1 rises through +zeroTolerance'),
  meanFieldZeroCrossing: measured('where the mean-field exponent crosses 0 (1 for tanh)'),
  maxGapToLogSpectralRadius: measured('max over g < 1 of |lambda_1 - ln rho(W)|'),
  spectra: list(
    fields({ gain: exact('gain'), exponents: list(measured('exponent'), 'the full spectrum, descending'), sum: measured('sum of the exponents'), positive: count('number of positive exponents'), steps: count('steps averaged') }),
    'full spectra at params.spectrumGains',
  ),
  products: list(
    fields({ gain: exact('gain'), decayRate: measured('slope of ln ||J_T ... J_{T-k+1}|| against k'), largest: measured('lambda_1 at this gain'), difference: measured('decayRate - largest'), lags: count('lags fitted'), unconvergedLags: list(count('lag k'), "lags whose power iteration did not converge: their norm is the SVD's") }),
    'product-norm slopes at params.productGains',
  ),
});
export type RnnLyapunovVsGainSummary = z.infer<typeof rnnLyapunovVsGainSummary>;
export type RnnLyapunovVsGainParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const rnnLyapunovVsGainStudy: Study<RnnLyapunovVsGainParams, RnnLyapunovVsGainSummary> = {
  kind: 'rnn-lyapunov-vs-gain',
  summary: 'Largest Lyapunov exponent of random tanh RNNs against the gain: the transition to chaos near g = 1 (Sompolinsky et al. 1988).',
  params,
  chartIds: CHART_IDS,
  summarySchema: rnnLyapunovVsGainSummary,
  // the vanilla RNN has a float32 route: every parameter set runs in float32
  float32: () => [],
  run(p, ctx) {
    const { n } = p;
    const precision = ctx.precision ?? 'float64';
    const f = activationOf(p.activation);
    const base = new Rng(ctx.seed);
    const G = Math.round((p.gainMax - p.gainMin) / p.gainStep);
    // gains on a grid computed from integers so that 0.5 + 3 * 0.1 prints as 0.8
    const gains = Array.from({ length: G + 1 }, (_, i) => Number((p.gainMin + i * p.gainStep).toFixed(10)));
    // one standard-normal matrix and one initial state for every gain: W(g) = g W(1), so the
    // sweep shows the effect of g alone
    const W1 = initWeights('gaussian', n, n, base.fork(), 1);
    const h0 = base.fork().fillNormal(new Float64Array(n), 0, p.h0Std);
    const driveSeed = base.fork().nextUint32();
    const m = p.inputStd > 0 ? n : 0;
    const U = new Float64Array(n * m);
    for (let i = 0; i < m; i++) U[i * m + i] = 1;
    const b = new Float64Array(n);
    const netFor = (g: number) => {
      const W = W1.map((v) => v * g);
      return createRnn({ n, m, W, U, b, activation: f, precision });
    };
    const driveFor = () => {
      const r = new Rng(driveSeed);
      return p.inputStd > 0 ? (_t: number, x: Float64Array) => void r.fillNormal(x, 0, p.inputStd) : undefined;
    };
    const total = gains.length + p.spectrumGains.length + p.productGains.length;
    let done = 0;

    const lyapunov = [];
    for (const g of gains) {
      const rnn = netFor(g);
      const res = lyapunovSpectrum(rnn, { k: 1, steps: p.steps, transient: p.transient, s0: { h: h0 }, input: driveFor(), rng: new Rng(driveSeed + 1) });
      // float32: rho of the stored (rounded) W, in float64
      const rho = spectralRadius(rnn.W instanceof Float64Array ? rnn.W : Float64Array.from(rnn.W), n);
      lyapunov.push({
        gain: g,
        largest: res.exponents[0]!,
        meanField: meanFieldLyapunov(f, g).lambda,
        spectralRadius: rho,
        logSpectralRadius: Math.log(rho),
      });
      ctx.progress(++done, total, `g = ${g}`);
    }
    const largest = lyapunov.map((l) => l.largest);
    // lambda_1 reaches zero (within the resolution) and later becomes clearly positive; in between
    // a finite network is often quasi-periodic with lambda_1 = 0
    const crossing = zeroCrossing(gains, largest, -p.zeroTolerance);
    const chaosOnset = zeroCrossing(gains, largest, p.zeroTolerance);
    const mfCrossing = zeroCrossing(gains, lyapunov.map((l) => l.meanField));
    const subcritical = lyapunov.filter((l) => l.gain < 1);
    const maxGapToLogSpectralRadius = subcritical.length > 0 ? Math.max(...subcritical.map((l) => Math.abs(l.largest - l.logSpectralRadius))) : NaN;

    const spectra = [];
    for (const g of p.spectrumGains) {
      const res = lyapunovSpectrum(netFor(g), {
        k: p.spectrumExponents,
        steps: p.spectrumSteps,
        transient: p.transient,
        s0: { h: h0 },
        input: driveFor(),
        rng: new Rng(driveSeed + 2),
      });
      let sum = 0;
      for (const v of res.exponents) sum += v;
      spectra.push({ gain: g, exponents: res.exponents, sum, positive: res.exponents.filter((v) => v > 0).length, steps: p.spectrumSteps });
      ctx.progress(++done, total, `spectrum g = ${g}`);
    }

    const products = [];
    for (const g of p.productGains) {
      const rnn = netFor(g);
      const K = p.productLags;
      const len = p.transient + K;
      const tape = createTape(rnn, 1, len);
      const x = new Float64Array(len * m);
      const drive = driveFor();
      const xt = new Float64Array(m);
      if (drive) for (let t = 0; t < len; t++) {
        drive(t + 1, xt);
        x.set(xt, t * m);
      }
      forward(rnn, inPrecision(precision, x), tape, { s0: { h: h0 } });
      // the last K steps, after the transient
      const pn = productNorms(rnn, tape, { K, stepNorms: false });
      const rate = decayRate(pn.logNorms).rate;
      const res = lyapunovSpectrum(rnn, { k: 1, steps: p.steps, transient: p.transient, s0: { h: h0 }, input: driveFor(), rng: new Rng(driveSeed + 1) });
      products.push({ gain: g, decayRate: rate, largest: res.exponents[0]!, difference: rate - res.exponents[0]!, lags: K, unconvergedLags: pn.unconvergedLags });
      ctx.progress(++done, total, `products g = ${g}`);
    }

    const theory: TheoryRow[] = [
      {
        quantity: `gain where the largest exponent reaches zero (within ${p.zeroTolerance})`,
        theory: Number.isFinite(mfCrossing) ? `${fmt(mfCrossing, 3)} (mean field; 1 as n -> infinity)` : '1 (n -> infinity)',
        measured: Number.isFinite(crossing) ? fmt(crossing, 3) : 'no crossing in the sweep',
        source: 'Sompolinsky, Crisanti and Sommers 1988; Molgedey, Schuchhardt and Schuster 1992',
        agrees: Number.isFinite(crossing) && Math.abs(crossing - 1) <= 0.3,
        tolerance: '|g − 1| ≤ 0.3 (finite n, finite time)',
      },
      {
        quantity: `gain where the largest exponent becomes clearly positive (> ${p.zeroTolerance})`,
        theory: Number.isFinite(mfCrossing) ? `${fmt(zeroCrossing(gains, lyapunov.map((l) => l.meanField), p.zeroTolerance), 3)} (mean field)` : 'above 1',
        measured: Number.isFinite(chaosOnset) ? fmt(chaosOnset, 3) : 'not in the sweep',
        source: 'Doyon et al. 1993: finite networks pass through quasi-periodicity first',
      },
    ];
    if (p.inputStd === 0 && subcritical.length > 0) {
      theory.push({
        quantity: 'largest |lambda_1 - ln rho(W)| for g < 1 (the state falls onto the origin, where J = W)',
        theory: `0 (up to the O(1/steps) estimate error)`,
        measured: fmt(maxGapToLogSpectralRadius),
        source: 'linearisation at the stable origin',
        agrees: maxGapToLogSpectralRadius < p.zeroTolerance,
        tolerance: `below zeroTolerance = ${p.zeroTolerance}`,
      });
    }
    for (const l of lyapunov.filter((_, i) => i % Math.max(1, Math.floor(gains.length / 6)) === 0)) {
      theory.push({
        quantity: `g = ${l.gain}: largest exponent`,
        theory: `${fmt(l.meanField)} (mean field)${l.gain < 1 && p.inputStd === 0 ? `; ln rho(W) = ${fmt(l.logSpectralRadius)}` : ''}`,
        measured: fmt(l.largest),
        source: l.gain < 1 ? 'origin attracts: J -> W, lambda_1 = ln rho(W)' : '(1/2) ln chi_1, Poole et al. 2016',
      });
    }
    for (const pr of products) {
      theory.push({
        quantity: `g = ${pr.gain}: slope of ln ||J_T ... J_{T-k+1}|| over ${pr.lags} lags`,
        theory: `largest exponent ${fmt(pr.largest)}`,
        measured: fmt(pr.decayRate),
        source: 'Oseledets 1968',
      });
    }
    if (p.inputStd === 0) {
      for (const s of spectra) {
        theory.push({
          quantity: `g = ${s.gain}: number of positive exponents of ${p.spectrumExponents}`,
          theory: s.gain > 1 ? '> 0 (chaos)' : '0',
          measured: s.positive,
          source: 'Sompolinsky, Crisanti and Sommers 1988',
          agrees: s.gain > 1 ? s.positive > 0 : s.positive === 0,
          tolerance: 'exact count (sign of each exponent)',
        });
      }
    }

    const charts: ChartSpec[] = [
      lineChart({
        id: 'largest-exponent-vs-gain',
        title: 'Largest Lyapunov exponent against the gain g',
        caption: `Measured λ₁ (natural log per step, ${p.steps} steps, n = ${n}, ${p.inputStd > 0 ? `inputs of standard deviation ${p.inputStd}` : 'autonomous'}; blue circles), the mean-field value ½ ln χ₁ (vermillion dashed), and ln g, the exponent of the origin when it attracts (green dotted). Positive means chaos: nearby states separate and gradients explode.`,
        x: { title: 'gain g (Wᵢⱼ ~ N(0, g²/n))' },
        y: { title: 'largest Lyapunov exponent λ₁ (per step)' },
        series: [
          { label: 'measured λ₁', x: gains, y: lyapunov.map((l) => l.largest), pointRadius: 5, z: 1 },
          { label: 'mean field ½ ln χ₁', x: gains, y: lyapunov.map((l) => l.meanField), dashed: true },
          { label: 'ln g', x: gains, y: gains.map(Math.log), dotted: true, lineWidth: 2 },
          { label: 'zero', x: [gains[0]!, gains[gains.length - 1]!], y: [0, 0], reference: true, dashed: false, lineWidth: 1 },
        ],
      }),
    ];
    if (spectra.length > 0) {
      const series: Series[] = spectra.map((s) => ({
        label: `g = ${s.gain}`,
        x: Array.from(s.exponents, (_, i) => i + 1),
        y: s.exponents,
      }));
      series.push({ label: 'zero', x: [1, p.spectrumExponents], y: [0, 0], reference: true, dashed: false, lineWidth: 1 });
      charts.push(
        lineChart({
          id: 'spectrum',
          title: 'Lyapunov spectrum',
          caption: `The ${p.spectrumExponents} leading exponents λ₁ ≥ λ₂ ≥ … (${p.spectrumSteps} steps). The exponents above zero (the grey line) count the directions along which the dynamics is chaotic.`,
          x: { title: 'index i' },
          y: { title: 'Lyapunov exponent λᵢ (per step)' },
          series,
        }),
      );
    }

    const below = subcritical;
    const worstBelow = maxGapToLogSpectralRadius;
    const discussion = [
      'The largest Lyapunov exponent lambda_1 is the average log-rate at which an infinitesimal perturbation of the state grows per step. ' +
        'It is also the rate at which the backward Jacobian products J_T ... J_{T-k+1} grow with the lag, so it is the per-step log-factor of the gradient: ' +
        'negative lambda_1 means vanishing gradients, positive means exploding gradients.' +
        (products.length > 0
          ? ` Measured directly: ${products.map((pr) => `slope ${fmt(pr.decayRate, 3)} against lambda_1 = ${fmt(pr.largest, 3)} at g = ${pr.gain}`).join('; ')}` +
            ` (${products.reduce((a, pr) => a + pr.unconvergedLags.length, 0)} of the ${products.reduce((a, pr) => a + pr.lags, 0)} product norms came from the SVD where the power iteration did not converge).`
          : ''),
      `Below g = 1 the state falls onto the origin, where the Jacobian is W itself, so lambda_1 = ln rho(W), close to ln g because the eigenvalues of W fill a disc of radius about g (Girko's circular law)` +
        (p.inputStd === 0 && below.length > 0 ? `; the largest gap between lambda_1 and ln rho(W) below g = 1 is ${fmt(worstBelow)}.` : '.') +
        ` Above g = 1 the origin is unstable and, for large n, the network is chaotic with lambda_1 > 0 (Sompolinsky, Crisanti and Sommers 1988). ` +
        `Here lambda_1 reaches zero (within ${p.zeroTolerance}) at g = ${Number.isFinite(crossing) ? fmt(crossing, 3) : '(not in the sweep)'} and becomes clearly positive at g = ${Number.isFinite(chaosOnset) ? fmt(chaosOnset, 3) : '(not in the sweep)'}.`,
      'Just above g = 1 a finite network often first settles on a quasi-periodic orbit, where lambda_1 is zero rather than positive (the quasi-periodic route to chaos of Doyon et al. 1993), and only further from the threshold does it approach the mean-field value (1/2) ln chi_1, which is computed for n -> infinity. ' +
        'Input noise pushes the transition to larger gains (Molgedey, Schuchhardt and Schuster 1992): the drive keeps units away from the origin, in the flatter part of tanh.',
      spectra.length > 0
        ? `The spectrum chart shows all ${p.spectrumExponents} exponents for ${spectra.map((s) => `g = ${s.gain} (${s.positive} positive, sum ${fmt(s.sum, 3)})`).join(', ')}: a chaotic network stretches a few directions and contracts the rest${p.spectrumExponents === n ? ', and the sum of all exponents is negative because the dynamics contracts volumes (tanh saturates)' : ''}.`
        : '',
    ]
      .filter((s) => s !== '')
      .join('\n\n');

    return {
      // null where the sweep has no crossing or no subcritical gain
      summary: { lyapunov, zeroCrossing: finiteOrNull(crossing), chaosOnset: finiteOrNull(chaosOnset), meanFieldZeroCrossing: finiteOrNull(mfCrossing), maxGapToLogSpectralRadius: finiteOrNull(maxGapToLogSpectralRadius), spectra, products },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
    };
  },
};
