/**
 * Study `precision-horizon`: how far back in time a gradient summed in a narrow floating-point
 * format can reach, for a vanilla tanh RNN and a forget-gate LSTM across gains of their recurrent
 * weights. The recurrent weight gradient of a loss on h_T is a sum over lags k of contributions C_k
 * whose size decays like the Jacobian product norm (Bengio, Simard and Frasconi 1994); summed in a
 * format with unit roundoff u (Higham 2002) a lag stops changing the sum once
 * max_ij |C_k,ij| / |S_ij| < u/2, and changes it for certain while that ratio is >= 2u. The
 * horizon (1 + the last lag that changed the sum) is measured in float64, float32, float16 and
 * bfloat16 and checked against that bracket (with float16's underflow); the relative error of the
 * float32 gradient (the float32 cell and BPTT driver) against float64 is measured as a function of
 * T. The formulas are in src/analysis/precision-horizon.ts, the formats in src/linalg/formats.ts.
 *
 * What runs in which format: float64 and float32 are whole runs of the cell (forward, BPTT, the
 * lag sum) in that precision, on the same weights, inputs and initial state, rounded to float32
 * values first, so they compute the same function and differ only in their arithmetic. bfloat16
 * and float16 are emulated in the lag sum only: the float64 run's stored values da_t and h_{t-1}
 * are rounded to the format, each product is evaluated in float64 and rounded, and each addition
 * (into the running sum S) is evaluated in float64 and rounded (correct rounding: formats.ts); the
 * forward and backward passes themselves are not run in those formats.
 *
 * Summary (paths for scenario checks):
 * - `runs[i]` (the RNN's gains, then the LSTM's): {cell, gain, horizon: {float64, float32, float16,
 *   bfloat16}, bracket: {<format>: {lower, upper}}, decayFactor, normwiseHorizon: {float32, float64},
 *   relativeError, errorByT[j]}.
 * - `horizons.<cell>.<format>["<gain>"]`; `bracketViolations`: horizons outside their bracket.
 * - `T`, `TValues`, `unitRoundoff`.
 */
import { z } from 'zod';
import { activation as activationOf } from '../activations/index.ts';
import { logSlope } from '../analysis/gradient-flow.ts';
import { absorptionRatios, formatBrackets, lagSum, lagTerms, normwiseHorizon, recurrentGradient, relativeDifference, type LagSum, type LagTerms } from '../analysis/precision-horizon.ts';
import { Rng } from '../init/rng.ts';
import { INITIALISATIONS } from '../init/weights.ts';
import { FORMAT_NAMES, FORMATS, type FormatName } from '../linalg/formats.ts';
import { UNIT_ROUNDOFF, type Precision, type Real } from '../linalg/precision.ts';
import { allocReal, freeF64 } from '../linalg/wasm.ts';
import { backward, cellPrecision, createGradients, createTape, forward, freeGradients, freeTape } from '../models/bptt.ts';
import { blockOffset, type RecurrentCell } from '../models/cell.ts';
import { createLstm, lstmFromParameters } from '../models/lstm.ts';
import type { SequenceLoss } from '../models/readout.ts';
import { createRnn } from '../models/rnn.ts';
import { resolveWeights } from '../models/weights-source.ts';
import { lineChart, sci, styleByName, superscript, type LineChartSpec, type Series } from '../report/chart-spec.ts';
import { count, exact, fields, keyed, list, measured, text } from '../scenario/summary-schema.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const CELLS = ['rnn', 'lstm'] as const;
type CellKind = (typeof CELLS)[number];

const params = z
  .object({
    cells: z.array(z.enum(CELLS)).min(1).max(2).default(['rnn', 'lstm']).describe('recurrent cells: tanh RNN, forget-gate LSTM'),
    n: z.number().int().min(1).max(128).default(32).describe('hidden size n'),
    m: z.number().int().min(0).max(64).default(4).describe('input size m'),
    T: z.number().int().min(2).max(2000).default(300).describe('sequence length of the horizon measurement; the loss is on h_T'),
    TValues: z
      .array(z.number().int().min(1).max(5000))
      .min(1)
      .max(20)
      .default([10, 20, 50, 100, 200, 500, 1000])
      .describe('sequence lengths at which the relative error of the float32 gradient is measured'),
    init: z.enum(INITIALISATIONS).default('orthogonal').describe('initialisation of the recurrent weights (the RNN\'s W, each gate block of the LSTM\'s Wh), scaled by each gain'),
    gains: z.array(z.number().positive()).min(1).max(20).default([0.5, 0.8, 0.9, 1, 1.1, 1.5]).describe('gains g of the recurrent weights to sweep'),
    forgetBias: z.number().default(0).describe('LSTM forget-gate bias b_f (0: PyTorch\'s default has no forget-gate offset)'),
    inputStd: z.number().nonnegative().default(0.3).describe('inputs x_t ~ N(0, inputStd^2)'),
    h0Std: z.number().nonnegative().default(0.5).describe('initial state h_0 ~ N(0, h0Std^2) (the LSTM\'s c_0 = 0)'),
    targetStd: z.number().nonnegative().default(1).describe('target of the squared-error loss on h_T, ~ N(0, targetStd^2)'),
    slack: z
      .number()
      .min(0)
      .lt(0.5)
      .default(0.01)
      .describe('relative slack of the bracket thresholds 2u and u/2 (the float64 contributions against those the format meets), besides (B + 2) u for the rounding of each product'),
  })
  .strict();

export type PrecisionHorizonParams = z.infer<typeof params>;
export type PrecisionHorizonParamsInput = z.input<typeof params>;

const CHART_IDS = ['absorption-ratio-vs-lag', 'absorption-ratio-vs-lag-lstm', 'retained-vs-lag', 'horizon-vs-gain', 'horizon-vs-gain-lstm', 'error-vs-T', 'error-vs-T-lstm'] as const;

const perFormat = <T extends z.ZodType>(f: (name: FormatName, u: string) => T) =>
  fields({ float64: f('float64', '2^-53'), float32: f('float32', '2^-24'), float16: f('float16', '2^-11'), bfloat16: f('bfloat16', '2^-8') });
const bracket = (name: string, u: string) =>
  fields({
    lower: count(`1 + the last lag certain to change the ${name} sum: some |C_k,ij| >= 2u |S'_ij| (1 + s) + a, u = ${u}`),
    upper: count(`1 + the last lag that can change it: some |C_k,ij| + a >= (u/2) |S'_ij| (1 - s) with a product above half the smallest subnormal`),
  });

const precisionHorizonSummary = fields({
  T: count('sequence length of the horizon measurement'),
  TValues: list(count('T'), 'sequence lengths of the error measurement'),
  unitRoundoff: perFormat((name, u) => exact(`${u}, the unit roundoff of ${name}`)),
  runs: list(
    fields({
      cell: text('the cell: rnn or lstm'),
      gain: exact('gain g of the recurrent weights'),
      horizon: perFormat((name) => count(`1 + the last lag whose contribution changed dL/dW_h summed in lag order in ${name} (T: none within the sequence)`)),
      bracket: perFormat(bracket),
      decayFactor: measured('per-step factor of the contribution norms ||C_k|| (exp of the fitted log slope over the lags before the float64 horizon)'),
      normwiseHorizon: fields({
        float32: measured('ln(u ||S|| / ||C_0||) / ln(decayFactor), u = 2^-24 (null when the contributions do not decay)'),
        float64: measured('the same with u = 2^-53'),
      }),
      float16WideExponent: count('the horizon of a sum with float16\'s 11 significand bits and float32\'s exponent range (no underflow above 2^-134): how far float16 would reach without its underflow'),
      relativeError: measured('||dL/dW_h (float32) - dL/dW_h (float64)||_F / ||dL/dW_h (float64)||_F at T'),
      errorByT: list(measured('the same relative error at T = TValues[j]'), 'one per TValues entry'),
    }),
    'one entry per cell and gain: the RNN\'s gains first, then the LSTM\'s',
  ),
  horizons: keyed('<cell>', keyed('<format>', keyed('<gain>', count('the horizon'), 'by gain'), 'by format'), 'horizons by cell, format and gain, e.g. horizons.lstm.float32["1"]'),
  bracketViolations: count('horizons (every cell, format and gain) outside their bracket'),
  float16UnderflowLimited: count('runs whose float16 horizon is shorter than float16WideExponent: underflow, not absorption, ended the float16 sum'),
});
export type PrecisionHorizonSummary = z.infer<typeof precisionHorizonSummary>;
type Run = PrecisionHorizonSummary['runs'][number];

/** One forward and BPTT run of a cell, keeping da_t of every step for the lag decomposition. */
function bpttRun<A extends Real>(cell: RecurrentCell<unknown, unknown, A>, x: Float64Array, h0: Float64Array, T: number, loss: SequenceLoss) {
  const precision: Precision = cellPrecision(cell);
  const xs = allocReal(precision, T * cell.m) as A;
  xs.set(x.subarray(0, T * cell.m));
  const tape = createTape(cell, 1, T);
  forward(cell, xs, tape, { s0: { h: h0 } });
  const grads = createGradients(cell, 1, T, null, { preActivationGradients: true });
  backward(cell, tape, xs, loss, null, grads);
  const free = (): void => {
    freeTape(cell, tape);
    freeGradients(grads);
    freeF64(xs);
  };
  return { terms: lagTerms(cell, tape, grads), dW: recurrentGradient(cell, grads.theta), free };
}

/** Float64 values that are float32 numbers. */
function toFloat32Values(v: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

const FORMAT_LABEL: Record<FormatName, string> = { float64: 'float64', float32: 'float32', float16: 'float16', bfloat16: 'bfloat16' };
const U_TEXT: Record<FormatName, string> = { float64: `2${superscript(-53)}`, float32: `2${superscript(-24)}`, float16: `2${superscript(-11)}`, bfloat16: `2${superscript(-8)}` };
/** Each format's smallest subnormal 2^(emin - p + 1), the unit of formatBrackets' absolute term a. */
const SUBNORMAL_TEXT = Object.fromEntries(FORMAT_NAMES.map((fm) => [fm, `2${superscript(FORMATS[fm].emin - FORMATS[fm].p + 1)}`])) as Record<FormatName, string>;
const CELL_TEXT: Record<CellKind, string> = { rnn: 'tanh RNN', lstm: 'forget-gate LSTM' };
/** float16's significand with float32's exponent range: what float16 would do without its underflow. */
const FLOAT16_WIDE_EXPONENT = { ...FORMATS.float16, emin: FORMATS.float32.emin, emax: FORMATS.float32.emax, minSubnormal: 2 ** (FORMATS.float32.emin - 10), max: (2 - 2 ** -10) * 2 ** FORMATS.float32.emax };

export const precisionHorizonStudy: Study<PrecisionHorizonParams, PrecisionHorizonSummary> = {
  kind: 'precision-horizon',
  summary: 'The lag beyond which a BPTT gradient summed in float32, float16 or bfloat16 (against float64) no longer changes, with its bracket from the unit roundoff, and the float32 gradient error against T (tanh RNN and LSTM across gains).',
  params,
  chartIds: CHART_IDS,
  summarySchema: precisionHorizonSummary,
  run(p, ctx) {
    const { n, m, T } = p;
    const f = activationOf('tanh');
    const base = new Rng(ctx.seed);
    const dir = ctx.scenarioDir;
    const Tmax = Math.max(T, ...p.TValues);
    const U = toFloat32Values(resolveWeights({ init: 'gaussian', gain: 1 }, { field: 'U', rows: n, cols: m }, { rng: base.fork(), baseDir: dir }));
    const b = new Float64Array(n);
    const x = toFloat32Values(base.fork().fillNormal(new Float64Array(Tmax * m), 0, p.inputStd));
    const h0 = toFloat32Values(base.fork().fillNormal(new Float64Array(n), 0, p.h0Std));
    const loss: SequenceLoss = { kind: 'squared-error', steps: 'last', targets: base.fork().fillNormal(new Float64Array(n), 0, p.targetStd) };
    const wSeed = base.fork().nextUint32();
    const lstmSeed = base.fork().nextUint32();

    /** The cell of a kind at gain g in both precisions, on float32-valued parameters. */
    const cellsAt = (kind: CellKind, g: number): { float64: RecurrentCell<unknown, unknown, Float64Array>; float32: RecurrentCell<unknown, unknown, Float32Array> } => {
      if (kind === 'rnn') {
        const W = toFloat32Values(resolveWeights({ init: p.init, gain: g }, { field: `W (gain ${g})`, rows: n, cols: n }, { rng: new Rng(wSeed), baseDir: dir }));
        return { float64: createRnn({ n, m, W, U, b, activation: f }), float32: createRnn({ n, m, W, U, b, activation: f, precision: 'float32' }) };
      }
      // the same draws at every gain (Wx, biases, the gain-1 Wh); Wh scaled by g
      const cfg = { n, m, forgetGate: true };
      const lstm = createLstm({ ...cfg, recurrentInit: p.init, forgetBias: p.forgetBias }, new Rng(lstmSeed));
      const theta = Float64Array.from(lstm.theta);
      const wh = blockOffset(lstm, 'Wh');
      for (let i = wh; i < wh + 4 * n * n; i++) theta[i] = g * theta[i]!;
      const t32 = toFloat32Values(theta);
      return { float64: lstmFromParameters(cfg, t32), float32: lstmFromParameters({ ...cfg, precision: 'float32' }, t32) };
    };

    const runs: Run[] = [];
    const horizons: Record<string, Record<string, Record<string, number>>> = {};
    const theory: TheoryRow[] = [];
    const ratioCurves: Record<CellKind, Series[]> = { rnn: [], lstm: [] };
    const retainedCurves: Series[] = [];
    const errorCurves: Record<CellKind, Series[]> = { rnn: [], lstm: [] };
    const style = styleByName(p.gains.map(String));
    const lags = Array.from({ length: T }, (_, k) => k);
    const total = p.cells.length * p.gains.length;
    for (const kind of p.cells) {
      horizons[kind] = Object.fromEntries(FORMAT_NAMES.map((fm) => [fm, {}]));
      for (const g of p.gains) {
        const cells = cellsAt(kind, g);
        // the horizon at T: lag-ordered sums in the four formats, ratios and brackets
        const r64 = bpttRun(cells.float64, x, h0, T, loss);
        const r32 = bpttRun(cells.float32, x, h0, T, loss);
        const terms64 = r64.terms as LagTerms<Float64Array>;
        const size = r64.dW.length;
        const sums: Record<FormatName, LagSum> = {
          float64: lagSum(terms64, new Float64Array(size)),
          float32: lagSum(r32.terms, new Float32Array(size)),
          float16: lagSum(terms64, new Float64Array(size), FORMATS.float16),
          bfloat16: lagSum(terms64, new Float64Array(size), FORMATS.bfloat16),
        };
        const wide = lagSum(terms64, new Float64Array(size), FLOAT16_WIDE_EXPONENT).horizon;
        const s64 = sums.float64;
        const rho = absorptionRatios(terms64, s64.total as Float64Array);
        // each format's bracket against the gradient that format computed (float64: S itself)
        const bs = formatBrackets(terms64, FORMAT_NAMES.map((fm) => ({ format: FORMATS[fm], total: sums[fm].total })), p.slack);
        const brackets = Object.fromEntries(FORMAT_NAMES.map((fm, i) => [fm, bs[i]!])) as Run['bracket'];
        const relativeError = relativeDifference(r32.dW, r64.dW);
        r64.free();
        r32.free();
        // decay of the contributions over the lags the float64 sum still feels
        const fitTo = Math.max(2, Math.min(s64.horizon, T));
        const q = Math.exp(logSlope(Array.from(s64.contributionNorms.subarray(0, fitTo), (v) => v / s64.contributionNorms[0]!)));
        let tn = 0;
        for (const v of s64.total) tn += v * v;
        const c0 = s64.contributionNorms[0]!;
        const nh32 = normwiseHorizon(c0, Math.sqrt(tn), q, UNIT_ROUNDOFF.float32);
        const nh64 = normwiseHorizon(c0, Math.sqrt(tn), q, UNIT_ROUNDOFF.float64);

        // the float32 gradient's error against T
        const errorByT = p.TValues.map((t) => {
          const a = bpttRun(cells.float64, x, h0, t, loss);
          const c = bpttRun(cells.float32, x, h0, t, loss);
          const e = relativeDifference(c.dW, a.dW);
          a.free();
          c.free();
          return e;
        });

        const horizon = Object.fromEntries(FORMAT_NAMES.map((fm) => [fm, sums[fm].horizon])) as Run['horizon'];
        runs.push({
          cell: kind,
          gain: g,
          horizon,
          bracket: brackets,
          decayFactor: q,
          normwiseHorizon: { float32: Number.isFinite(nh32) ? nh32 : null, float64: Number.isFinite(nh64) ? nh64 : null },
          float16WideExponent: wide,
          relativeError,
          errorByT,
        });
        for (const fm of FORMAT_NAMES) horizons[kind]![fm]![String(g)] = horizon[fm];
        const st = style(String(g));
        ratioCurves[kind].push({ label: `g = ${g}`, x: lags, y: Array.from(rho, (v) => (v > 0 ? v : NaN)), ...st });
        if (kind === 'rnn') retainedCurves.push({ label: `g = ${g}`, x: lags, y: sums.float32.retained, ...st });
        errorCurves[kind].push({ label: `g = ${g}`, x: p.TValues, y: errorByT, pointRadius: 3, ...st });
        for (const fm of FORMAT_NAMES) {
          const h = horizon[fm];
          const br = brackets[fm];
          theory.push({
            quantity: `${kind === 'rnn' ? 'RNN' : 'LSTM'}, g = ${g}: ${fm} horizon (1 + last lag that changed ∂L/∂Wₕ)`,
            theory: `in [${br.lower}, ${br.upper}] (ρₖ ≥ 2u and ≥ u/2, u = ${U_TEXT[fm]}${fm === 'float16' ? ', underflow below 2⁻²⁵' : ''})`,
            measured: h,
            source: 'Higham 2002, sec. 2.1 (ulp(s)/2 < u|s| ≤ ulp(s))',
            agrees: h >= br.lower && h <= br.upper,
            tolerance: `none: integers; thresholds ×(1 ± (${p.slack} + 3u)) and ± 2·max(1, |hₜ₋₁|)·${SUBNORMAL_TEXT[fm]} (rounding in the subnormal range)`,
          });
        }
        ctx.progress(runs.length, total, `${kind}, g = ${g}`);
      }
    }
    const underflowRuns = runs.filter((r) => r.horizon.float16 < r.float16WideExponent);
    const bracketViolations = runs.reduce((s, r) => s + FORMAT_NAMES.filter((fm) => r.horizon[fm] < r.bracket[fm].lower || r.horizon[fm] > r.bracket[fm].upper).length, 0);

    // one colour per format on the horizon charts, its bracket's two lines in that colour
    const formatStyle = styleByName([...FORMAT_NAMES]);
    const uLines = (x0: number, x1: number): Series[] =>
      FORMAT_NAMES.flatMap((fm, i) =>
        [2, 0.5].map((c, j) => ({
          label: i === 0 && j === 0 ? 'u/2 and 2u of each format' : `${fm} ${c === 2 ? '2u' : 'u/2'}`,
          x: [x0, x1],
          y: [c * FORMATS[fm].u, c * FORMATS[fm].u],
          reference: true,
          dotted: i % 2 === 1,
          hideInLegend: !(i === 0 && j === 0),
        })),
      );
    const ratioChart = (kind: CellKind, id: string): LineChartSpec =>
      lineChart({
        id,
        title: `How large lag k is against the gradient: ρₖ = maxᵢⱼ |Cₖ,ᵢⱼ| / |Sᵢⱼ| (${CELL_TEXT[kind]})`,
        subtitle: `float64 contributions Cₖ to ∂L/∂Wₕ and their sum S; ${CELL_TEXT[kind]}, ${kind === 'rnn' ? 'W' : 'each gate block of Wₕ'} ${p.init} with gain g, n = ${n}, T = ${T}`,
        caption:
          `ρₖ for each gain (float64). A sum in a format with unit roundoff u can change only while ρₖ ≥ u/2 and does change while ρₖ ≥ 2u; the grey line pairs are u/2 and 2u for, from the top, ` +
          `bfloat16 (u = 2⁻⁸), float16 (2⁻¹¹), float32 (2⁻²⁴) and float64 (2⁻⁵³). Where a curve drops below a pair of lines, that format's sum of ∂L/∂Wₕ stops hearing later lags.` +
          (kind === 'lstm' ? ' Entries of S that nearly cancel give ratios above 1.' : ''),
        x: { title: 'lag k = T − t' },
        y: { title: 'ρₖ (log scale)', log: true, min: UNIT_ROUNDOFF.float64 / 1e3 },
        series: [...ratioCurves[kind], ...uLines(0, T - 1)],
      });
    const horizonChart = (kind: CellKind, id: string): LineChartSpec => {
      const rs = runs.filter((r) => r.cell === kind);
      const gains = rs.map((r) => r.gain);
      return lineChart({
        id,
        title: `Precision horizon against the gain g (${CELL_TEXT[kind]})`,
        subtitle: `1 + the last lag that changed ∂L/∂Wₕ; grey line: T = ${T}; open triangles: the last lag still did (no horizon within T)`,
        caption:
          `Measured horizons in float64, float32 and the emulated float16 and bfloat16, with each format's bracket [lower, upper] from the float64 contributions against 2u and u/2 of the sum that format computed (thin dashed lines in the format's colour; float16's includes underflow below half its smallest subnormal, 2⁻²⁵, and an absolute allowance 2·max(1, |hₜ₋₁|)·2⁻²⁴ for rounding in its subnormal range). ` +
          `A horizon at T = ${T} is censored: the sum still changed at the last lag.`,
        x: { title: 'gain g of the recurrent weights' },
        y: { title: 'horizon (lags)', min: 0 },
        series: [
          ...FORMAT_NAMES.map((fm, i) => ({
            label: `${FORMAT_LABEL[fm]} horizon`,
            x: gains,
            y: rs.map((r) => r.horizon[fm]),
            censored: rs.map((r) => r.horizon[fm] >= T),
            censoredLabel: `${fm}: ≥ T = ${T}`,
            pointRadius: 6 - i,
            pointStyle: (['circle', 'rect', 'triangle', 'rectRot'] as const)[i],
            z: 4 - i,
            color: formatStyle(fm).color,
          })),
          ...FORMAT_NAMES.flatMap((fm, i) =>
            (['lower', 'upper'] as const).map((side, j) => ({
              label: i === 0 && j === 0 ? 'bracket (lower, upper) of each format' : `${fm} bracket ${side}`,
              x: gains,
              y: rs.map((r) => r.bracket[fm][side]),
              dashed: true,
              hideInLegend: !(i === 0 && j === 0),
              color: formatStyle(fm).color,
              lineWidth: 1,
            })),
          ),
          // named in the subtitle: the legend keeps its entries for the censored horizons
          { label: `T = ${T}`, x: [gains[0]!, gains[gains.length - 1]!], y: [T, T], reference: true, hideInLegend: true },
        ],
      });
    };
    const errorChart = (kind: CellKind, id: string): LineChartSpec =>
      lineChart({
        id,
        title: `Relative error of the float32 gradient against the sequence length T (${CELL_TEXT[kind]})`,
        subtitle: `‖∂L/∂Wₕ (float32) − ∂L/∂Wₕ (float64)‖ / ‖∂L/∂Wₕ (float64)‖, the same float32-valued weights and inputs`,
        caption: `The float32 cell and BPTT driver against float64 on the same function. The grey line is the float32 unit roundoff 2⁻²⁴ ≈ ${sci(UNIT_ROUNDOFF.float32)}.`,
        x: { title: 'sequence length T (log scale)', log: true },
        y: { title: 'relative error (log scale)', log: true },
        series: [...errorCurves[kind], { label: 'u = 2⁻²⁴', x: [Math.min(...p.TValues), Math.max(...p.TValues)], y: [UNIT_ROUNDOFF.float32, UNIT_ROUNDOFF.float32], reference: true }],
      });
    const charts: LineChartSpec[] = [];
    if (p.cells.includes('rnn')) charts.push(ratioChart('rnn', 'absorption-ratio-vs-lag'));
    if (p.cells.includes('lstm')) charts.push(ratioChart('lstm', 'absorption-ratio-vs-lag-lstm'));
    if (p.cells.includes('rnn')) {
      charts.push(
        lineChart({
          id: 'retained-vs-lag',
          title: 'Part of each lag’s contribution that the float32 sum keeps (tanh RNN)',
          subtitle: `‖fl(S + Cₖ) − S‖ / ‖Cₖ‖ while summing ∂L/∂W in float32 in lag order; n = ${n}, T = ${T}`,
          caption: 'The fraction of lag k’s contribution that survives when it is added to the float32 running sum of ∂L/∂W. It is 1 while the contribution is far above the rounding unit of the sum, scatters as it approaches it (above 1 where rounding moved entries by more than the contribution), and is exactly 0 beyond the float32 horizon: those lags are in the mathematics of the gradient but not in the float32 number.',
          x: { title: 'lag k = T − t' },
          y: { title: 'retained fraction', min: 0, max: 1 },
          series: retainedCurves,
        }),
      );
    }
    if (p.cells.includes('rnn')) charts.push(horizonChart('rnn', 'horizon-vs-gain'));
    if (p.cells.includes('lstm')) charts.push(horizonChart('lstm', 'horizon-vs-gain-lstm'));
    if (p.cells.includes('rnn')) charts.push(errorChart('rnn', 'error-vs-T'));
    if (p.cells.includes('lstm')) charts.push(errorChart('lstm', 'error-vs-T-lstm'));

    const fmt = (v: number): string => v.toExponential(1);
    const paragraphs: string[] = [
      `The gradient of a loss on the last state with respect to the recurrent weights W_h is a sum over lags of contributions C_k, each carried back through k Jacobians; for a contracting network their size falls geometrically with the lag. ` +
        `A sum in a format with p significand bits holds about p log10(2) digits (u = 2^-p: 2^-24 ≈ 6e-8 in float32, 2^-11 ≈ 5e-4 in float16, 2^-8 ≈ 4e-3 in bfloat16): once a lag's contribution is below half a rounding unit of every entry of the running sum, adding it changes nothing, and neither does any later, smaller one.`,
    ];
    for (const kind of p.cells) {
      const rs = runs.filter((r) => r.cell === kind);
      paragraphs.push(
        `${kind === 'rnn' ? 'Tanh RNN' : 'Forget-gate LSTM'}, horizons float64 / float32 / float16 / bfloat16 (T = ${T}; "T" means the sum still changed at the last lag): ` +
          rs.map((r) => `g = ${r.gain}: ${FORMAT_NAMES.map((fm) => (r.horizon[fm] >= T ? 'T' : String(r.horizon[fm]))).join(' / ')}`).join('; ') +
          '.',
      );
    }
    paragraphs.push(
      `Every horizon lies in the bracket the unit roundoff gives (${bracketViolations === 0 ? 'no violation' : `${bracketViolations} violations`}): between 1 + the last lag with an entry at least 2u of the gradient the format computed, and 1 + the last lag with an entry at least u/2 of it and a product not below float16's underflow threshold. ` +
        `Both thresholds are widened by the relative slack s = ${p.slack} + 3u (the float64 contributions against the rounded ones the format adds) and by an absolute a = 2 max(1, |h_t-1|) times the format's smallest subnormal for rounding in its subnormal range: ` +
        `a = 2 x 2^-24 ≈ 1.2e-7 in float16 wherever |h_t-1| <= 1 (every step after the first), below 1e-39 in the other formats. ` +
        'The emulated formats round the stored values of the float64 run, each product and each addition; their forward and backward passes are not run in those formats, so these horizons are those of the summation alone.',
      underflowRuns.length > 0
        ? `float16 has 3 more significand bits than bfloat16 but a 5-bit exponent: its products fall below half its smallest subnormal (2^-25 ≈ 3e-8) and round to zero. ` +
            `In ${underflowRuns.length} of ${runs.length} runs (${underflowRuns.map((r) => `${r.cell.toUpperCase()} g = ${r.gain}: ${r.horizon.float16} against ${r.float16WideExponent}`).join('; ')}) the float16 horizon is shorter than that of a sum with the same 11 significand bits and float32's exponent range: underflow, not absorption, ended the float16 sum there` +
            ` (the reason mixed-precision training scales the loss before a float16 backward pass; Micikevicius et al. 2018).`
        : `No float16 horizon was shortened by underflow: a sum with the same 11 significand bits and float32's exponent range stops at the same lag in every run.`,
      `The relative error of the whole float32 gradient against float64: ${runs.map((r) => `${r.cell.toUpperCase()} g = ${r.gain}: ${fmt(r.errorByT[0]!)} at T = ${p.TValues[0]}, ${fmt(r.errorByT[r.errorByT.length - 1]!)} at T = ${p.TValues[p.TValues.length - 1]}`).join('; ')}.`,
    );

    return {
      summary: {
        T,
        TValues: p.TValues,
        unitRoundoff: { float64: FORMATS.float64.u, float32: FORMATS.float32.u, float16: FORMATS.float16.u, bfloat16: FORMATS.bfloat16.u },
        runs,
        horizons,
        bracketViolations,
        float16UnderflowLimited: underflowRuns.length,
      },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion: paragraphs.join('\n\n'),
    };
  },
};
