/**
 * Study `lyapunov-spectrum`: the Lyapunov spectrum lambda_1 >= ... >= lambda_k of one recurrent
 * cell (vanilla RNN, 1997 or forget-gate LSTM, GRU) along a trajectory, driven by Gaussian inputs
 * or autonomous, by QR re-orthonormalisation over the cell's whole state (h, or (h, c) for the
 * LSTM; Benettin et al. 1980). The weights come from an initialisation, inline values or a
 * .npy/JSON/CSV file; the LSTM and the GRU read PyTorch's tensors (weight_ih, weight_hh, bias_ih,
 * bias_hh; gate order i, f, g, o and r, z, n), so that `np.save` of a trained torch model's tensors
 * can be studied here.
 *
 * The exponents are the per-step log-rates of the Jacobian products J_T ... J_{T-k+1}, so lambda_1
 * is the rate at which a gradient grows (> 0) or vanishes (< 0) with the lag. From the spectrum:
 * the Kaplan-Yorke dimension of the attractor (Kaplan and Yorke 1979) and the sum of the positive
 * exponents, which bounds the entropy rate (Ruelle 1978; Pesin 1977). When every exponent is
 * computed, their sum is checked against the average ln |det J_t| along the same trajectory
 * (the phase-space volume's growth rate), computed by LU from the cell's vjp, an independent route.
 *
 * Summary fields:
 * - `cell`, `state` ("h" or "h, c"), `stateSize` S, `steps`, `transient`.
 * - `exponents` (descending), `kaplanYorkeDimension`, `entropyRate`, `positive` (count), `sum`.
 *   An exponent -infinity (a state entry the step never reads, e.g. h of an LSTM with Wh = 0:
 *   lyapunov.ts) is written as null (JSON has no -Infinity), and so are the sum and the mean
 *   ln |det J_t| then.
 * - `meanLogAbsDet` and `volumeGap` = |sum - meanLogAbsDet| (null unless all S exponents are
 *   computed; volumeGap null also when the sum is -infinity, the theory row then asks both to be).
 * - `convergence`: the running estimates of lambda_1 and lambda_k at the recorded step counts.
 *
 * Precision: the scenario's `precision: float32` runs the cells, BPTT, Jacobian products, Lyapunov
 * vectors and training in float32 (src/linalg/precision.ts; the analysis and training modules say
 * what stays float64); float64 (the default) is unchanged.
 */
import { UNIT_ROUNDOFF, type Precision, type Real } from '../linalg/precision.ts';
import { z } from 'zod';
import { activation as activationOf } from '../activations/index.ts';
import { entropyRate, kaplanYorkeDimension, lyapunovSpectrum } from '../analysis/lyapunov.ts';
import { Rng } from '../init/rng.ts';
import { type RecurrentCell, stateSize } from '../models/cell.ts';
import { createGru, gruFromTorch } from '../models/gru.ts';
import { createLstm, lstmFromTorch } from '../models/lstm.ts';
import { createRnn } from '../models/rnn.ts';
import { activationName, resolveRnnWeights, resolveWeights, WeightSpec } from '../models/weights-source.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { count, fields, list, measured, text } from '../scenario/summary-schema.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const size = {
  n: z.number().int().min(1).max(512).default(32).describe('hidden size n'),
  m: z.number().int().min(0).max(512).default(1).describe('input size m'),
};

/** PyTorch's four tensors of one layer (weight_ih_l0, ...), each from a weight spec. */
const torchWeights = z
  .object({
    weight_ih: WeightSpec.describe('input weights, G n x m (gate blocks stacked in PyTorch order)'),
    weight_hh: WeightSpec.describe('recurrent weights, G n x n'),
    bias_ih: WeightSpec.describe('input bias, G n'),
    bias_hh: WeightSpec.describe('recurrent bias, G n'),
  })
  .strict();

const recurrentInit = {
  gain: z.number().nonnegative().default(1).describe('gain of the per-gate weight initialisations (recurrent: orthogonal, input: xavier-uniform)'),
};

const cellSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('rnn').describe('vanilla RNN h_t = f(W h_{t-1} + U x_t + b)'),
      ...size,
      activation: activationName('tanh'),
      W: WeightSpec.default({ init: 'gaussian', gain: 1.5 }).describe('recurrent weights W (n x n)'),
      U: WeightSpec.default({ init: 'gaussian', gain: 1 }).describe('input weights U (n x m)'),
      b: WeightSpec.default({ init: 'zeros', gain: 1 }).describe('bias b (n)'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('lstm').describe('LSTM over the state (h, c) (Hochreiter and Schmidhuber 1997; Gers et al. 2000)'),
      ...size,
      forgetGate: z.boolean().default(true).describe('false: the 1997 cell (carousel weight 1); weights from PyTorch need the forget gate'),
      ...recurrentInit,
      forgetBias: z.number().default(1).describe('forget-gate bias of the initialisation'),
      weights: torchWeights.optional().describe("PyTorch's tensors (gate order i, f, g, o); absent: the initialisation"),
    })
    .strict()
    .refine((c) => c.forgetGate || c.weights === undefined, { message: "PyTorch's LSTM has a forget gate: set forgetGate: true with weights", path: ['forgetGate'] }),
  z
    .object({
      kind: z.literal('gru').describe('GRU in PyTorch\'s convention (Cho et al. 2014)'),
      ...size,
      ...recurrentInit,
      updateBias: z.number().default(0).describe('update-gate bias b_iz of the initialisation (> 0: z near 1, the GRU remembers)'),
      weights: torchWeights.optional().describe("PyTorch's tensors (gate order r, z, n); absent: the initialisation"),
    })
    .strict(),
]);

const params = z
  .object({
    cell: cellSchema
      .default({ kind: 'gru', n: 32, m: 1, gain: 4, updateBias: 0 })
      .describe('the cell and where its weights come from (default: a GRU, n = 32, recurrent gain 4)'),
    inputStd: z.number().nonnegative().default(1).describe('inputs x_t ~ N(0, inputStd^2) in every one of the m inputs; 0: autonomous'),
    h0Std: z.number().nonnegative().default(1).describe('initial state h_0 (and c_0) ~ N(0, h0Std^2)'),
    exponents: z.number().int().min(1).max(1024).optional().describe('number k of exponents (default: all, the state size S)'),
    steps: z.number().int().min(10).max(1_000_000).default(2000).describe('steps averaged over'),
    transient: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(200)
      .describe('steps run first, in which the state reaches its attractor and the tangent vectors align (pushed and re-orthonormalised, not measured)'),
  })
  .strict();

export type LyapunovSpectrumParams = z.infer<typeof params>;
type CellParams = z.infer<typeof cellSchema>;

const CHART_IDS = ['spectrum', 'convergence'] as const;

function fmt(v: number, d = 4): string {
  return Number.isFinite(v) ? v.toFixed(d) : String(v);
}

/** The cell of the scenario: weights resolved (errors name the field, e.g. cell.weights.weight_hh). */
function buildCell(c: CellParams, rng: Rng, baseDir: string, precision: Precision): RecurrentCell<unknown, unknown, Real> {
  const { n, m } = c;
  if (c.kind === 'rnn') {
    const w = resolveRnnWeights(c, n, m, { rng, baseDir, field: 'cell' });
    return createRnn({ n, m, ...w, activation: activationOf(c.activation), precision }) as RecurrentCell<unknown, unknown, Real>;
  }
  const G = c.kind === 'lstm' ? 4 : 3;
  const torch = c.weights
    ? (() => {
        const spec = c.weights;
        const one = (name: keyof typeof spec, rows: number, cols: number, vector = false) =>
          resolveWeights(spec[name], { field: `cell.weights.${name}`, rows, cols, vector }, { rng: rng.fork(), baseDir });
        return { weight_ih: one('weight_ih', G * n, m), weight_hh: one('weight_hh', G * n, n), bias_ih: one('bias_ih', G * n, 1, true), bias_hh: one('bias_hh', G * n, 1, true) };
      })()
    : null;
  if (c.kind === 'lstm') {
    if (torch) return lstmFromTorch(n, m, torch, { precision }) as RecurrentCell<unknown, unknown, Real>;
    return createLstm({ n, m, forgetGate: c.forgetGate, gain: c.gain, forgetBias: c.forgetBias, precision }, rng) as RecurrentCell<unknown, unknown, Real>;
  }
  if (torch) return gruFromTorch(n, m, torch, { precision }) as RecurrentCell<unknown, unknown, Real>;
  return createGru({ n, m, gain: c.gain, updateBias: c.updateBias, precision }, rng) as RecurrentCell<unknown, unknown, Real>;
}

/**
 * Allowed |sum lambda_i - mean ln |det J_t|| relative to max(1, |sum|): 1e-8 in float64 (round-off
 * over the steps); in float32 the QR's vectors are orthonormal only to about S u (u = 2^-24, modified
 * Gram-Schmidt with float32 projections: Bjorck 1967), so sum ln r_i = ln |det J_t| + ln |det Q_{t-1}|
 * carries up to ~S u per step: 4 S u.
 */
function volumeAllowance(precision: Precision, S: number): number {
  return precision === 'float32' ? 4 * S * UNIT_ROUNDOFF.float32 : 1e-8;
}

function cellName(c: CellParams): string {
  if (c.kind === 'rnn') return `${c.activation} RNN`;
  if (c.kind === 'lstm') return c.forgetGate ? 'forget-gate LSTM' : '1997 LSTM';
  return 'GRU';
}

/** About 40 step counts, log-spaced from 10 to `steps`, for the convergence chart. */
function checkpoints(steps: number): number[] {
  const out = new Set<number>();
  const lo = Math.log(Math.min(10, steps));
  for (let i = 0; i <= 40; i++) out.add(Math.round(Math.exp(lo + ((Math.log(steps) - lo) * i) / 40)));
  return [...out].sort((a, b) => a - b);
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const lyapunovSpectrumSummary = fields({
  cell: text('cell kind: rnn, lstm or gru'),
  state: text('the state parts the exponents are over: "h" or "h, c"'),
  stateSize: count('S, the number of state entries (n, or 2n for the LSTM)'),
  steps: count('steps averaged over'),
  transient: count('steps run first (tangent vectors aligned, not measured)'),
  exponents: list(measured('lambda_i (natural log per step); null: -infinity, a state entry the step never reads'), 'the k exponents, descending'),
  kaplanYorkeDimension: measured('j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}| (Kaplan and Yorke 1979)'),
  entropyRate: measured('sum of the positive exponents: a bound on the entropy rate, nats per step'),
  positive: count('number of positive exponents'),
  sum: measured('sum of the k exponents; null: -infinity'),
  meanLogAbsDet: measured('mean ln |det J_t| along the trajectory (LU of the dense Jacobian); null unless k = S, or -infinity'),
  volumeGap: measured('|sum - meanLogAbsDet|; null unless k = S and the sum is finite'),
  convergence: list(
    fields({ steps: count('steps averaged'), largest: measured('running estimate of lambda_1'), smallest: measured('running estimate of lambda_k (null: -infinity)') }),
    'the running estimates at about 40 log-spaced step counts',
  ),
});
export type LyapunovSpectrumSummary = z.infer<typeof lyapunovSpectrumSummary>;
export type LyapunovSpectrumParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const lyapunovSpectrumStudy: Study<LyapunovSpectrumParams, LyapunovSpectrumSummary> = {
  kind: 'lyapunov-spectrum',
  summary: 'Full Lyapunov spectrum of one cell (RNN, LSTM over (h, c), GRU) from an initialisation or PyTorch weights: exponents, Kaplan-Yorke dimension, entropy rate, convergence.',
  params,
  chartIds: CHART_IDS,
  summarySchema: lyapunovSpectrumSummary,
  // every cell (RNN, LSTM, GRU) has a float32 route
  float32: () => [],
  run(p, ctx) {
    const base = new Rng(ctx.seed);
    const precision = ctx.precision ?? 'float64';
    const cell = buildCell(p.cell, base.fork(), ctx.scenarioDir, precision);
    const { n, m } = cell;
    const S = stateSize(cell);
    const k = p.exponents ?? S;
    if (k > S) throw new Error(`params.exponents: at most the state size S = ${S} (${cell.state.join(', ')} of ${n} each), got ${k}`);
    const s0Rng = base.fork();
    const s0 = { h: s0Rng.fillNormal(new Float64Array(n), 0, p.h0Std), c: s0Rng.fillNormal(new Float64Array(n), 0, p.h0Std) };
    const driveRng = base.fork();
    const input = p.inputStd > 0 && m > 0 ? (_t: number, x: Float64Array) => void driveRng.fillNormal(x, 0, p.inputStd) : undefined;
    const recordAt = checkpoints(p.steps);
    ctx.progress(0, 1, cellName(p.cell));
    const res = lyapunovSpectrum(cell, { k, steps: p.steps, transient: p.transient, s0, input, rng: base.fork(), recordAt, logDet: k === S });
    ctx.progress(1, 1, cellName(p.cell));

    const exponents = Array.from(res.exponents);
    const sum = exponents.reduce((a, v) => a + v, 0);
    const positive = exponents.filter((v) => v > 0).length;
    const dKY = kaplanYorkeDimension(exponents);
    const hKS = entropyRate(exponents);
    // exponents -infinity: state entries the step never reads (J_t singular at every step)
    const unread = exponents.filter((v) => v === -Infinity).length;
    const volumeGap = Math.abs(sum - res.meanLogAbsDet);
    const stateName = cell.state.join(', ');
    const name = cellName(p.cell);
    const drive = input ? `inputs of standard deviation ${p.inputStd}` : 'autonomous';

    const theory: TheoryRow[] = [];
    if (k === S && unread === 0) {
      theory.push({
        quantity: `sum of all ${S} exponents against the average ln |det J_t| along the trajectory`,
        theory: fmt(res.meanLogAbsDet, 10),
        measured: fmt(sum, 10),
        source: 'QR of the tangent vectors against LU of the dense Jacobian (the volume growth rate; Oseledets 1968)',
        agrees: volumeGap <= volumeAllowance(precision, S) * Math.max(1, Math.abs(sum)),
        tolerance: precision === 'float64' ? '≤ 1e-8 relative (round-off over the steps)' : `≤ ${volumeAllowance(precision, S).toPrecision(2)} relative (float32 QR: the tangent vectors orthonormal to about S u)`,
      });
    } else if (k === S) {
      theory.push({
        quantity: `sum of all ${S} exponents (${unread} of them −∞) against the average ln |det J_t| along the trajectory`,
        theory: `${res.meanLogAbsDet === -Infinity ? '−∞' : fmt(res.meanLogAbsDet, 10)} (mean ln |det J_t|, LU)`,
        measured: '−∞',
        source: 'the step never reads some state entries, so J_t is singular at every step: LU of the dense Jacobian must find det J_t = 0',
        agrees: res.meanLogAbsDet === -Infinity,
      });
    }
    theory.push({
      quantity: 'largest exponent λ₁: the per-step log-rate of the gradient over long lags',
      theory: '< 0: gradients vanish; > 0: they explode',
      measured: `${fmt(exponents[0]!)} (${exponents[0]! < 0 ? 'vanishing' : 'exploding or neutral'})`,
      source: 'Bengio, Simard and Frasconi 1994; Oseledets 1968',
    });
    theory.push({
      quantity: 'Kaplan-Yorke dimension',
      theory: 'j + (λ₁ + … + λⱼ) / |λⱼ₊₁|',
      measured: fmt(dKY),
      source: 'Kaplan and Yorke 1979',
    });
    theory.push({
      quantity: 'entropy rate bound (sum of the positive exponents, nats per step)',
      theory: 'Σ max(λᵢ, 0)',
      measured: fmt(hKS),
      source: 'Ruelle 1978; Pesin 1977',
    });

    const idx = Array.from({ length: k }, (_, i) => i + 1);
    const charts: ChartSpec[] = [
      lineChart({
        id: 'spectrum',
        title: `Lyapunov spectrum of the ${name} (n = ${n})`,
        caption: `The ${k} exponents λ₁ ≥ λ₂ ≥ … over the state (${stateName}) of S = ${S} entries, ${p.steps} steps after a transient of ${p.transient}, ${drive}. Above zero (the grey line): directions in which nearby states separate and gradients grow; below: directions in which they shrink.${unread > 0 ? ` The last ${unread} are −∞ and not drawn: state entries the step never reads (zero columns of the recurrent weights).` : ''}`,
        x: { title: 'index i' },
        y: { title: 'Lyapunov exponent λᵢ (per step)' },
        series: [
          { label: 'λᵢ', x: idx, y: exponents, pointRadius: k <= 64 ? 3 : 0 },
          { label: 'zero', x: [1, k], y: [0, 0], reference: true, dashed: false, lineWidth: 1 },
        ],
      }),
    ];
    // the finite exponents' estimates (a -infinity has no running estimate to draw)
    const kf = Math.max(1, k - unread);
    const shown = [...new Set([1, 2, 3, Math.ceil(kf / 2), kf])].filter((i) => i <= kf);
    const xs = res.history.map((h) => h.steps);
    const series: Series[] = shown.map((i) => ({ label: `λ${subscript(i)}`, x: xs, y: res.history.map((h) => h.exponents[i - 1]!) }));
    charts.push(
      lineChart({
        id: 'convergence',
        title: 'Convergence of the finite-time exponents',
        caption: `The running estimates of ${shown.map((i) => `λ${subscript(i)}`).join(', ')} against the number of steps averaged (log axis). The estimates settle as the steps grow; the remaining wobble is the trajectory's own fluctuation.`,
        x: { title: 'steps averaged', log: true },
        y: { title: 'running estimate of λᵢ (per step)' },
        series,
      }),
    );

    const discussion = [
      `The ${name} with n = ${n} units has a state of S = ${S} entries (${stateName}); its ${k === S ? 'whole' : `leading ${k} of the`} Lyapunov spectrum was measured by pushing ${k} tangent vectors through the step Jacobians J_t = ds_t/ds_{t-1} and re-orthonormalising them every step (Benettin et al. 1980), ${drive}. ` +
        `lambda_1 = ${fmt(exponents[0]!)}: ${exponents[0]! < 0 ? `a perturbation (and a gradient) shrinks by about e^(${fmt(exponents[0]!, 3)}) per step, so over long lags it vanishes` : 'a perturbation (and a gradient) grows along the leading direction, so gradients over long lags explode'}. ` +
        `${positive} of the ${k} exponents are positive, the sum of the positive ones (the entropy-rate bound) is ${fmt(hKS)} nats per step, and the Kaplan-Yorke dimension is ${fmt(dKY, 3)}.`,
      unread > 0
        ? `${unread} exponents are −∞ (null in summary.json): the step never reads ${unread} of the state entries (a zero column of the recurrent weights: for the LSTM with Wh = 0, h_{t-1} does not enter the step), so every J_t maps those directions to 0 at once; the finite exponents are those of J_t on the entries it reads.`
        : '',
      k === S && unread === 0
        ? `The sum of all exponents, ${fmt(sum, 6)}, is the average rate at which the dynamics changes phase-space volume; computed independently as the mean of ln |det J_t| (LU of the dense Jacobian) it is ${fmt(res.meanLogAbsDet, 6)}, a gap of ${volumeGap.toExponential(2)}.`
        : '',
      `The convergence chart shows the running estimates; the transient of ${p.transient} steps already aligned the tangent vectors with the Oseledets directions, so the estimates carry no bias from the random start.`,
    ]
      .filter((s) => s !== '')
      .join('\n\n');

    return {
      summary: {
        cell: p.cell.kind,
        state: stateName,
        stateSize: S,
        steps: p.steps,
        transient: p.transient,
        exponents: exponents.map(orNull),
        kaplanYorkeDimension: dKY,
        entropyRate: hKS,
        positive,
        sum: orNull(sum),
        // null unless every exponent was computed
        meanLogAbsDet: k === S ? orNull(res.meanLogAbsDet) : null,
        volumeGap: k === S && unread === 0 ? volumeGap : null,
        convergence: res.history.map((h) => ({ steps: h.steps, largest: orNull(h.exponents[0]!), smallest: orNull(h.exponents[k - 1]!) })),
      },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
    };
  },
};

/** An exponent for summary.json: -infinity (a direction the step never reads) as null; NaN or +infinity stay a fault. */
function orNull(v: number): number | null {
  return v === -Infinity ? null : v;
}

function subscript(i: number): string {
  return String(i).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}
