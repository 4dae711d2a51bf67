/**
 * Study `lstm-vs-rnn-gradient-flow`: how far back the learning signal reaches at initialisation
 * in the vanilla RNN (sigmoid, tanh, ReLU with W = I), in the LSTM with and without a forget
 * gate and in the GRU, on the same input sequence of a long-lag task, at a matched number of
 * parameters.
 *
 * Backpropagation through time carries the error of a loss at step T back to step t = T - k:
 *
 *     vanilla RNN:   dL/dh_{t-1} = W^T diag(f'(a_t)) dL/dh_t,   ||dL/dh_{T-k}|| <= (gamma sigma_max(W))^k ||dL/dh_T||
 *                    (Hochreiter 1991; Bengio, Simard and Frasconi 1994; Pascanu, Mikolov and Bengio 2013)
 *     1997 LSTM:     dL/dc_{t-1} = dL/dc_t + (error entering the cell at t - 1): the constant error
 *                    carousel passes the error back with factor exactly 1 (Hochreiter and Schmidhuber 1997)
 *     forget gate:   dL/dc_{t-1} = f_t dL/dc_t + ...: the carousel factor is prod f_s (Gers et al. 2000)
 *     GRU:           dL/dh_{t-1} = z_t dL/dh_t + ...: a leaky carousel in the state itself (Cho et al. 2014)
 *
 * The *reach* is the lag k at which the norm has fallen by `factor` (1e-6) from its value at the
 * last step (T when it never does), as in the rnn-gradient-flow study.
 *
 * Summary (paths for scenario checks):
 * - `reach["<model>"]`: reach of ||dL/dh_{T-k}||, e.g. reach["rnn-sigmoid"];
 * - `cellReach["<lstm model>"]`: reach of ||dL/dc_{T-k}||, e.g. cellReach.lstm1997;
 * - `models["<model>"]`: {kind, n, parameterCount, reach, cellReach, decayPerStep, hNormsByLag,
 *   cNormsByLag (relative to the last step), minRelativeCellNorm};
 * - `T`, `nRnn`, `nLstm`, `nGru`, `reachBoundSigmoid` (ceil(ln factor / ln(sigma_max/4)) for the sigmoid RNN).
 *
 * Precision: the scenario's `precision: float32` runs the cells, BPTT, Jacobian products, Lyapunov
 * vectors and training in float32 (src/linalg/precision.ts; the analysis and training modules say
 * what stays float64); float64 (the default) is unchanged.
 */
import { z } from 'zod';
import { count, fields, keyed, list, measured, text } from '../scenario/summary-schema.ts';
import { logSlope, reach as reachOf } from '../analysis/gradient-flow.ts';
import { Rng } from '../init/rng.ts';
import { lineChart, sci, styleByName, type Series } from '../report/chart-spec.ts';
import { matchedGruHiddenSize } from '../models/gru.ts';
import { lstmParameterCount } from '../models/lstm-layout.ts';
import { matchedRnnHiddenSize } from '../models/rnn.ts';
import { TaskSpec, makeTask } from '../tasks/registry.ts';
import { trainingLoss } from '../tasks/task.ts';
import { bindBatch, createModel, MODEL_KINDS, modelId, type ModelKind, type ModelSpec } from '../training/train.ts';
import { selectCharts, type Study, type TheoryRow } from './study.ts';

const params = z
  .object({
    task: TaskSpec.default({ name: 'adding-le2015', T: 200 }).describe('the long-lag task whose input sequence and loss at the last step drive the gradient'),
    T: z.number().int().min(2).max(5000).default(200).describe('sequence length T (overrides the task T)'),
    nLstm: z.number().int().min(1).max(256).default(16).describe('LSTM hidden size (memory cells)'),
    nRnn: z
      .number()
      .int()
      .min(1)
      .max(512)
      .nullable()
      .default(null)
      .describe('vanilla RNN hidden size; null: matched to the forget-gate LSTM parameter count (matchedRnnHiddenSize)'),
    nGru: z
      .number()
      .int()
      .min(1)
      .max(512)
      .nullable()
      .default(null)
      .describe('GRU hidden size; null: matched to the forget-gate LSTM parameter count (matchedGruHiddenSize)'),
    models: z
      .array(z.enum(MODEL_KINDS))
      .min(1)
      .default(['rnn-sigmoid', 'rnn-tanh', 'irnn', 'lstm1997', 'lstm-forget', 'gru'])
      .describe('models to compare (each at its default initialisation)'),
    B: z.number().int().min(1).max(256).default(1).describe('sequences in the batch (1: a single input sequence); norms are over the whole batch'),
    factor: z.number().positive().lt(1).default(1e-6).describe('the reach is the lag where the gradient norm has fallen by this factor'),
  })
  .strict();

export type LstmVsRnnGradientFlowParams = z.infer<typeof params>;

const CHART_IDS = ['gradient-flow'] as const;

const LABELS: Record<ModelKind, string> = {
  'rnn-sigmoid': 'RNN, sigmoid',
  'rnn-tanh': 'RNN, tanh',
  irnn: 'IRNN (ReLU, W = I)',
  lstm1997: 'LSTM 1997 (no forget gate)',
  'lstm-forget': 'LSTM with forget gate',
  gru: 'GRU',
};

function byLag(perStep: Float64Array, T: number): number[] {
  const out: number[] = [];
  const last = perStep[T]!;
  for (let k = 0; k <= T; k++) out.push(perStep[T - k]! / last);
  return out;
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const lstmVsRnnGradientFlowSummary = fields({
  T: count('sequence length'),
  nRnn: count('hidden size of the RNNs (matched parameter count)'),
  nLstm: count('hidden size of the LSTMs'),
  nGru: count('hidden size of the GRU (matched parameter count)'),
  reach: keyed('<model>', count('reach of ||dL/dh_{T-k}||'), 'reach by model, e.g. reach["rnn-sigmoid"] (T when the norm never falls by factor)'),
  cellReach: keyed('<lstm model>', count('reach of ||dL/dc_{T-k}||'), 'cell-state reach of the LSTMs, e.g. cellReach.lstm1997'),
  reachBoundSigmoid: count('ceil(ln factor / ln(sigma_max/4)) for the sigmoid RNN'),
  models: keyed(
    '<model>',
    fields({
      kind: text('model kind'),
      n: count('hidden size'),
      parameterCount: count('trainable parameters'),
      loss: measured('loss at step T'),
      reach: count('reach of ||dL/dh_{T-k}||'),
      decayPerStep: measured('fitted factor per step of ||dL/dh_{T-k}||'),
      hNormsByLag: list(measured('||dL/dh_{T-k}|| / ||dL/dh_T||'), 'for k = 0..T'),
      cellReach: count('reach of ||dL/dc_{T-k}|| (LSTMs only)').optional(),
      minRelativeCellNorm: measured('smallest ||dL/dc_{T-k}|| / ||dL/dc_T|| (LSTMs only)').optional(),
      cellDecayPerStep: measured('fitted factor per step of ||dL/dc_{T-k}|| (LSTMs only)').optional(),
      cNormsByLag: list(measured('||dL/dc_{T-k}|| / ||dL/dc_T||'), 'for k = 0..T (LSTMs only)').optional(),
    }),
    'per model',
  ),
});
export type LstmVsRnnGradientFlowSummary = z.infer<typeof lstmVsRnnGradientFlowSummary>;
export type LstmVsRnnGradientFlowParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const lstmVsRnnGradientFlowStudy: Study<LstmVsRnnGradientFlowParams, LstmVsRnnGradientFlowSummary> = {
  kind: 'lstm-vs-rnn-gradient-flow',
  summary: 'Gradient norm against the lag at initialisation: vanilla RNN (sigmoid, tanh, IRNN) against the 1997 and forget-gate LSTM and the GRU at matched parameter count (Hochreiter and Schmidhuber 1997).',
  params,
  chartIds: CHART_IDS,
  summarySchema: lstmVsRnnGradientFlowSummary,
  // every model kind has a float32 cell
  float32: () => [],
  run(p, ctx) {
    const { T, nLstm, B } = p;
    const task = makeTask({ ...p.task, T } as TaskSpec);
    const { inputSize: m, outputSize: out } = task;
    const lstmCount = lstmParameterCount(nLstm, m, { forgetGate: true, p: out });
    const nRnn = p.nRnn ?? matchedRnnHiddenSize(lstmCount, m, out);
    const nGru = p.nGru ?? matchedGruHiddenSize(lstmCount, m, out);
    const root = new Rng(ctx.seed);
    // one input sequence (batch) for every model
    const batch = task.sample(B, root.fork());
    if (batch.T !== T && task.minLength === task.maxLength) throw new Error(`lstm-vs-rnn-gradient-flow: expected sequences of length ${T}, got ${batch.T}`);
    const Tb = batch.T;
    const loss = trainingLoss(task, { ...batch });
    if (task.steps !== 'last') throw new Error(`lstm-vs-rnn-gradient-flow: the task must have its loss at the last step only (${task.name} has it at every step)`);
    const initSeed = root.fork().nextUint32();

    const models: Record<string, Record<string, unknown>> = {};
    const reach: Record<string, number> = {};
    const cellReach: Record<string, number> = {};
    const series: Series[] = [];
    // one colour per model kind, the same as in adding-problem-sweep
    const modelStyle = styleByName(p.models, MODEL_KINDS);
    p.models.forEach((kind, i) => {
      const isLstm = kind === 'lstm1997' || kind === 'lstm-forget';
      const spec: ModelSpec = { kind, n: isLstm ? nLstm : kind === 'gru' ? nGru : nRnn };
      const model = createModel(spec, m, out, Tb, new Rng(initSeed), ctx.precision ?? 'float64');
      try {
        bindBatch(model, B);
        const L = model.lossAndGradients(batch, loss);
        const h = byLag(model.hNorms(), Tb);
        const cN = model.cNorms();
        const c = cN ? byLag(cN, Tb) : null;
        const r = reachOf(h, p.factor);
        const id = modelId(spec);
        reach[id] = r;
        const entry: Record<string, unknown> = {
          kind,
          n: spec.n,
          parameterCount: model.parameterCount,
          loss: L,
          reach: r,
          decayPerStep: Math.exp(logSlope(h)),
          hNormsByLag: h,
        };
        const style = modelStyle(kind);
        series.push({ label: `${LABELS[kind]}: ‖∂L/∂hₜ‖`, run: LABELS[kind], quantity: '‖∂L/∂hₜ‖', x: h.map((_, k) => k), y: h, ...style, lineWidth: kind === 'irnn' ? 2 : 2.5 });
        if (c) {
          const cr = reachOf(c, p.factor);
          cellReach[id] = cr;
          entry.cellReach = cr;
          entry.minRelativeCellNorm = Math.min(...c);
          entry.cellDecayPerStep = Math.exp(logSlope(c));
          entry.cNormsByLag = c;
          // the constant error carousel is the key curve: drawn on top, thick, so that the IRNN's
          // line at the same height shows through its gaps instead of hiding it
          series.push({ label: `${LABELS[kind]}: ‖∂L/∂cₜ‖`, run: LABELS[kind], quantity: '‖∂L/∂cₜ‖ (memory cell)', x: c.map((_, k) => k), y: c, color: style.color, dashed: true, lineWidth: kind === 'lstm1997' ? 3.5 : 2.5, z: kind === 'lstm1997' ? 2 : 1 });
        }
        models[id] = entry;
      } finally {
        model.dispose();
      }
      ctx.progress(i + 1, p.models.length, kind);
    });

    // sigma_max(W) = 1 for the orthogonal initialisation and gamma = 1/4 for the sigmoid
    const reachBoundSigmoid = Math.min(Tb, Math.ceil(Math.log(p.factor) / Math.log(0.25)));
    const factorText = p.factor.toExponential(0);
    const theory: TheoryRow[] = [];
    if (reach['rnn-sigmoid'] !== undefined) {
      theory.push({
        quantity: `sigmoid RNN (orthogonal W, sigma_max = 1): reach of ||dL/dh_{T-k}||`,
        theory: `<= ceil(ln ${factorText} / ln(1/4)) = ${reachBoundSigmoid}`,
        measured: reach['rnn-sigmoid'],
        source: 'Bengio, Simard and Frasconi 1994; Pascanu, Mikolov and Bengio 2013 (gamma = 1/4)',
        agrees: reach['rnn-sigmoid'] <= reachBoundSigmoid,
        tolerance: 'none: reach ≤ bound (integers)',
      });
    }
    if (cellReach.lstm1997 !== undefined) {
      const e = models.lstm1997!;
      theory.push({
        quantity: `1997 LSTM: ||dL/dc_{T-k}|| never falls by ${factorText} over the T = ${Tb} steps (reach = T)`,
        theory: `reach = ${Tb} (carousel factor dc_t/dc_{t-1} = 1)`,
        measured: `reach ${cellReach.lstm1997}; smallest ||dL/dc_{T-k}|| / ||dL/dc_T|| = ${(e.minRelativeCellNorm as number).toPrecision(3)}`,
        source: 'Hochreiter and Schmidhuber 1997, section 3 (constant error carousel)',
        agrees: cellReach.lstm1997 === Tb,
        tolerance: 'exact: reach = T',
      });
    }
    if (cellReach['lstm-forget'] !== undefined) {
      const e = models['lstm-forget']!;
      theory.push({
        quantity: 'forget-gate LSTM: fitted factor per step of ||dL/dc_{T-k}||',
        theory: '< 1: the carousel factor is prod f_s with f_s < 1 (sigma(b_f) = 0.731 for zero input)',
        measured: `${(e.cellDecayPerStep as number).toFixed(3)} (reach ${cellReach['lstm-forget']})`,
        source: 'Gers, Schmidhuber and Cummins 2000',
        agrees: (e.cellDecayPerStep as number) < 1,
        tolerance: 'none: fitted factor < 1',
      });
    }
    if (models.gru !== undefined) {
      const e = models.gru;
      theory.push({
        quantity: 'GRU: fitted factor per step of ||dL/dh_{T-k}||',
        theory: 'the leak path dh_t/dh_{t-1} ⊃ diag(z_t) passes z_t ≈ σ(0) = 0.5 per step at b_z = 0; the gate and candidate paths add to it',
        measured: `${(e.decayPerStep as number).toFixed(3)} (reach ${reach.gru})`,
        source: 'Cho et al. 2014; Chung et al. 2014',
      });
    }
    if (reach['rnn-tanh'] !== undefined) {
      theory.push({
        quantity: 'tanh RNN (orthogonal W): reach',
        theory: 'no bound from gamma sigma_max = 1; saturation (tanh\' < 1) makes it vanish',
        measured: reach['rnn-tanh'],
        source: 'Pascanu, Mikolov and Bengio 2013',
      });
    }

    const allValues = series.flatMap((s) => Array.from(s.y).filter((v) => v > 0 && Number.isFinite(v)));
    const yMin = Math.max(1e-30, Math.min(p.factor / 1e3, ...allValues));
    const charts = [
      lineChart({
        id: 'gradient-flow',
        title: `Gradient norm against the lag at initialisation (${task.name}, T = ${Tb})`,
        subtitle: `RNNs n = ${nRnn}, LSTMs n = ${nLstm}${p.models.includes('gru') ? `, GRU n = ${nGru}` : ''}: ${lstmCount} parameters with a forget gate; one input sequence, loss at step T`,
        caption:
          `Colour: the model; solid: ‖∂L/∂hₜ‖; dashed: ‖∂L/∂cₜ‖ of the LSTMs' memory cells; each divided by its value at the last step, against the lag k = T − t, for a loss at step T on the same input sequence. ` +
          `RNNs have n = ${nRnn} units, LSTMs n = ${nLstm} cells (${lstmCount} parameters with a forget gate)${p.models.includes('gru') ? `, the GRU n = ${nGru} units` : ''}. The grey dashed line is the factor ${sci(p.factor)}: where a curve crosses it is its reach. The 1997 LSTM's cell curve is drawn on top, thick: it lies on the IRNN's line near 1.`,
        x: { title: 'lag k = T − t (steps back from the loss)' },
        y: { title: 'gradient norm relative to the last step (log scale)', log: true, min: yMin },
        series: [...series, { label: `factor ${sci(p.factor)}`, x: [0, Tb], y: [p.factor, p.factor], reference: true }],
      }),
    ];

    // a reach equal to T is censored: the norm never fell by the factor within the sequence
    const reachText = (r: unknown): string => (r === undefined ? 'n/a' : (r as number) >= Tb ? `at least ${Tb} (censored)` : String(r));
    const list = Object.entries(models)
      .map(([id, e]) => `${LABELS[e.kind as ModelKind]} ${id === 'lstm1997' || id === 'lstm-forget' ? `h: ${reachText(e.reach)}, c: ${reachText(e.cellReach)}` : reachText(e.reach)}`)
      .join('; ');
    const warnings: string[] = [];
    if (reach['rnn-sigmoid'] !== undefined && reachBoundSigmoid >= Tb) {
      warnings.push(`T = ${Tb} is not longer than the sigmoid RNN's reach bound (${reachBoundSigmoid} steps), so the sequence cannot test it; raise T`);
    }
    const forget = models['lstm-forget'];
    const carousel = 1 / (1 + Math.exp(-1));
    const discussion = [
      `Every curve is the size of the learning signal that reaches step T - k from a loss at step T, before any training. The vanilla RNN multiplies it by W^T diag(f'(a_t)) at every step: with the logistic sigmoid f' <= 1/4, so an orthogonal W (sigma_max = 1) shrinks it at least four-fold per step and it is gone (below ${factorText}) within ${reachBoundSigmoid} steps - the vanishing gradient of Hochreiter (1991) and Bengio, Simard and Frasconi (1994). Measured reaches (lags where the norm has fallen by ${factorText}; ${Tb} means never): ${list}.`,
      `The tanh RNN starts with f' = 1 at zero and an orthogonal W, so nothing forces its gradient to vanish, but every unit that the inputs push away from zero has tanh' < 1 and the norm still decays geometrically (fitted factor per step ${models['rnn-tanh'] ? (models['rnn-tanh'].decayPerStep as number).toFixed(3) : 'n/a'}). The IRNN (ReLU, W = I; Le, Jaitly and Hinton 2015) passes the error back unchanged through every active unit and drops it in the inactive ones; at initialisation its reach is ${reachText(reach.irnn)}.`,
      `The 1997 LSTM's memory cell has a self-connection of weight 1 and no squashing: c_t = c_{t-1} + i_t g_t, so dc_t/dc_{t-1} = 1 and the error in the cell is carried back unchanged - the constant error carousel (Hochreiter and Schmidhuber 1997). ${cellReach.lstm1997 === undefined ? '' : cellReach.lstm1997 >= Tb ? `Here its cell gradient never fell by ${factorText} over the whole sequence (smallest relative value ${(models.lstm1997!.minRelativeCellNorm as number).toPrecision(3)}); errors entering the carousel along the way only add to it.` : `Here its cell gradient fell by ${factorText} within ${cellReach.lstm1997} steps, which the carousel alone does not allow: the error leaving the cell through the gates outweighed it.`} The forget gate (Gers et al. 2000) replaces the factor 1 by f_t: at initialisation f = sigma(b_f + ...) is near sigma(1) = 0.73 with b_f = 1, so the forget-gate LSTM's cell gradient decays geometrically too: reach ${reachText(cellReach['lstm-forget'])}, fitted factor ${forget ? (forget.cellDecayPerStep as number).toFixed(3) : 'n/a'} per step. ${forget && (forget.cellDecayPerStep as number) > carousel ? 'That is slower than the carousel factor sigma(1) = 0.731 alone would give, because the error also returns to the cell through h_{t-1} and the recurrent weights into the gates, paths the carousel does not protect. ' : ''}Training can hold the gate open (f near 1) where the task needs memory, which is why a forget-gate bias of 1 or more is recommended (Jozefowicz, Zaremba and Sutskever 2015).`,
      models.gru
        ? `The GRU (Cho et al. 2014) has no separate memory cell: h_t = (1 - z_t) n_t + z_t h_{t-1}, so its state is itself a leaky carousel whose factor per step is the update gate z_t (in PyTorch's convention), plus the paths through the reset gate and the candidate n_t. At initialisation (b_z = 0) z is near sigma(0) = 0.5 and the measured gradient decays by a fitted factor of ${(models.gru.decayPerStep as number).toFixed(3)} per step (reach ${reachText(reach.gru)}); a positive update-gate bias holds z near 1 and lengthens the reach, as the forget-gate bias does for the LSTM.`
        : '',
    ]
      .filter((s) => s !== '')
      .join('\n\n');

    return {
      summary: { T: Tb, nRnn, nLstm, nGru, reach, cellReach, reachBoundSigmoid, models },
      charts: selectCharts(charts, ctx.charts),
      theory,
      discussion,
      warnings,
    };
  },
};
