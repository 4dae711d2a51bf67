/**
 * Study `feedforward-gradient-by-layer`: the vanishing gradient along depth at initialisation.
 *
 * For a deep MLP on a fixed batch of the teacher task, backpropagation gives ||dL/dh_l|| and
 * ||dL/dW_l|| for every hidden layer l. With the logistic function every layer multiplies the
 * backward signal by W_l^T diag(sigma'(z_l)), and sigma' <= 1/4, so
 * ||dL/dh_{l-1}|| <= ||W_l||_2 / 4 ||dL/dh_l|| (Bengio, Simard and Frasconi 1994; Glorot and Bengio 2010).
 * One curve per configuration (activation x initialisation x residual x batch norm); the headline
 * number is ||dL/dW_1|| / ||dL/dW_L||, first hidden layer over last hidden layer.
 *
 * Mean-field theory (Poole et al. 2016; Schoenholz et al. 2017) predicts the per-layer factor for
 * zero-mean Gaussian-like weights of variance sigma_w^2 / N: the pre-activation variance settles at
 * the fixed point q* = sigma_w^2 E[f(z)^2], z ~ N(0, q*), and the squared backward norm is multiplied
 * per layer by chi = sigma_w^2 E[f'(z)^2]; so ||dL/dh_1|| / ||dL/dh_L|| ~ chi^((L-1)/2).
 * For the standard normal sigma_w^2 = N grows with width, so whether N(0, 1) weights make the
 * gradient vanish or explode depends on the width: the `ratio-by-width` chart shows it.
 */
import { z } from 'zod';
import { count, fields, keyed, list, measured } from '../scenario/summary-schema.ts';
import { type Activation, activation as activationFromSpec } from '../activations/index.ts';
import { Rng } from '../init/rng.ts';
import { INITIALISATIONS, type InitName } from '../init/weights.ts';
import { dnrm2 } from '../linalg/blas.ts';
import { Mlp } from '../models/mlp.ts';
import { lineChart, styleByName, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { type ClassificationData, chanceLevel, teacherTask } from '../tasks/classification.ts';
import { type Study, type TheoryRow, selectCharts } from './study.ts';

/** The teacher task shared by the feed-forward studies. */
export const teacherTaskParams = z
  .object({
    inputSize: z.number().int().positive().default(8).describe('d: input dimension (inputs are N(0, I_d))'),
    teacherHidden: z.number().int().positive().default(16).describe('hidden units of the one-layer tanh teacher that labels the inputs'),
    classes: z.number().int().min(2).default(2).describe('K: number of classes (argmax of the teacher output)'),
    teacherSeed: z.number().int().nonnegative().default(7).describe("seed of the teacher's weights: fixes the task itself"),
  })
  .default({ inputSize: 8, teacherHidden: 16, classes: 2, teacherSeed: 7 })
  .describe('synthetic task: inputs labelled by a random shallow teacher network (learnable by a shallow student)');

export type TeacherTaskParams = z.infer<typeof teacherTaskParams>;

/** One network configuration: the problem (sigmoid + bad init) or a remedy. */
export const configurationSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/).describe('label used in charts and as the summary key, e.g. sigmoid-xavier'),
  activation: z.string().min(1).describe('hidden activation: sigmoid, tanh, relu, identity or a mathjs expression in x'),
  init: z.enum(INITIALISATIONS).describe('weight initialisation of every layer'),
  gain: z.number().positive().default(1).describe('gain passed to the initialisation'),
  residual: z.boolean().default(false).describe('h_l = h_{l-1} + f(z_l) where widths match (He et al. 2016)'),
  batchNorm: z.boolean().default(false).describe('batch normalization before the activation (Ioffe and Szegedy 2015)'),
});
export type Configuration = z.infer<typeof configurationSchema>;

const cfg = (name: string, activation: string, init: InitName, extra: Partial<Configuration> = {}): Configuration => ({
  name,
  activation,
  init,
  gain: 1,
  residual: false,
  batchNorm: false,
  ...extra,
});

export const DEFAULT_CONFIGURATIONS: Configuration[] = [
  cfg('sigmoid-normal', 'sigmoid', 'standard-normal'),
  cfg('sigmoid-xavier', 'sigmoid', 'xavier'),
  cfg('tanh-xavier', 'tanh', 'xavier'),
  cfg('relu-he', 'relu', 'he'),
  cfg('sigmoid-residual', 'sigmoid', 'xavier', { residual: true }),
  cfg('sigmoid-batchnorm', 'sigmoid', 'xavier', { batchNorm: true }),
  cfg('sigmoid-kumar', 'sigmoid', 'kumar'),
  cfg('sigmoid-yilmaz-poli', 'sigmoid', 'yilmaz-poli'),
];

const params = z
  .object({
    task: teacherTaskParams,
    width: z.number().int().min(2).max(1024).default(16).describe('N: width of every hidden layer'),
    depth: z.number().int().min(2).max(50).default(20).describe('L: number of hidden layers'),
    batchSize: z.number().int().min(2).default(256).describe('size of the fixed task batch the gradients are computed on'),
    samples: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('independent initialisations per configuration; per-layer norms and ratios are their geometric mean'),
    saturationThreshold: z
      .number()
      .positive()
      .default(4)
      .describe("|z| above which a sigmoid unit counts as saturated (sigma'(4) = 0.018); halved for tanh"),
    configurations: z.array(configurationSchema).min(1).default(DEFAULT_CONFIGURATIONS).describe('networks to compare'),
    widthSweep: z
      .object({
        configuration: z.string().default('sigmoid-normal').describe('name of the configuration swept over widths'),
        widths: z.array(z.number().int().min(2).max(512)).default([8, 16, 32, 64, 128]).describe('widths N to try'),
      })
      .default({ configuration: 'sigmoid-normal', widths: [8, 16, 32, 64, 128] })
      .describe('ratio against width at the same depth, with the mean-field prediction (empty widths: skip)'),
  })
  .superRefine((p, ctx) => {
    const names = p.configurations.map((c) => c.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'configuration names must be unique', path: ['configurations'] });
    if (p.widthSweep.widths.length > 0 && !names.includes(p.widthSweep.configuration)) {
      ctx.addIssue({ code: 'custom', message: `widthSweep.configuration "${p.widthSweep.configuration}" is not among configurations`, path: ['widthSweep', 'configuration'] });
    }
  });

export type GradientByLayerParams = z.infer<typeof params>;

/** Per-layer measurements of one configuration (geometric means over the samples). */
export interface LayerProfile {
  /** ||dL/dh_l||, l = 1..L. */
  hiddenGrad: number[];
  /** ||dL/dW_l||_F, l = 1..L (hidden layers). */
  weightGrad: number[];
  /** Fraction of pre-activations in the saturated tails, l = 1..L (arithmetic mean over samples). */
  saturation: number[];
}

/** Draw the teacher task's fixed batch for the gradient study: sampling seed derived from the scenario seed. */
export function taskData(task: TeacherTaskParams, n: number, seed: number): ClassificationData {
  return teacherTask(n, new Rng(seed), {
    inputSize: task.inputSize,
    hidden: task.teacherHidden,
    classes: task.classes,
    teacherSeed: task.teacherSeed,
  });
}

/** Whether an activation has saturating tails, and the |z| threshold that counts as saturated there. */
function saturationCut(act: Activation, threshold: number): number | null {
  if (act.kind === 'sigmoid') return threshold;
  // tanh(x) = 2 sigma(2x) - 1: the same slope ratio sits at half the argument
  if (act.kind === 'tanh') return threshold / 2;
  return null;
}

/**
 * Gradient norms per layer at initialisation for one configuration, averaged geometrically over
 * `samples` initialisations drawn from `seed`.
 */
export function profileConfiguration(
  c: Configuration,
  data: ClassificationData,
  width: number,
  depth: number,
  samples: number,
  seed: number,
  saturationThreshold: number,
): LayerProfile {
  const act = activationFromSpec(c.activation);
  const cut = saturationCut(act, saturationThreshold);
  const logH = new Float64Array(depth);
  const logW = new Float64Array(depth);
  const sat = new Float64Array(depth);
  const m = data.n;
  for (let s = 0; s < samples; s++) {
    // the same initialisation stream for every configuration: common random numbers
    const net = new Mlp(
      { inputSize: data.inputSize, width, depth, outputSize: data.classes, activation: act, init: c.init, gain: c.gain, residual: c.residual, batchNorm: c.batchNorm },
      new Rng(seed * 7919 + 104729 * (s + 1)),
    );
    net.lossAndGradient(data.x, data.labels, m);
    for (let l = 1; l <= depth; l++) {
      const L = net.layers[l - 1]!;
      logH[l - 1]! += Math.log(net.hiddenGradNorm[l]!) / samples;
      logW[l - 1]! += Math.log(dnrm2(L.dW.length, L.dW)) / samples;
      if (cut !== null) {
        const zl = net.activationInput(l);
        let k = 0;
        for (let i = 0; i < zl.length; i++) if (Math.abs(zl[i]!) > cut) k++;
        sat[l - 1]! += k / zl.length / samples;
      }
    }
  }
  return {
    hiddenGrad: Array.from(logH, Math.exp),
    weightGrad: Array.from(logW, Math.exp),
    saturation: cut === null ? [] : Array.from(sat),
  };
}

/** sigma_w^2 = fanIn Var(W) of a square layer, for the zero-mean i.i.d. initialisations; null otherwise. */
export function weightVarianceScale(init: InitName, width: number, gain: number): number | null {
  const g2 = gain * gain;
  switch (init) {
    case 'gaussian':
      return g2;
    case 'standard-normal':
      return g2 * width;
    case 'xavier':
    case 'xavier-uniform':
    case 'orthogonal':
      return g2;
    case 'he':
      return 2 * g2;
    case 'uniform':
      return g2 / 3;
    case 'kumar':
      return g2 * 3.6 * 3.6;
    case 'kumar-variance':
      return g2 * 3.6;
    default:
      return null;
  }
}

/**
 * Mean-field per-layer factor chi = sigma_w^2 E[f'(z)^2] at the variance fixed point
 * q* = sigma_w^2 E[f(z)^2], z ~ N(0, q*) (Poole et al. 2016; Schoenholz et al. 2017); biases are 0.
 * Gaussian expectations by the midpoint rule with 4000 cells on [-12, 12] standard deviations: a
 * cell boundary sits at 0, so the kink of relu' costs nothing, and for smooth integrands the rule is
 * spectrally accurate on the Gaussian (errors ~1e-12).
 *
 * @example meanFieldChi(SIGMOID, 1).chi // 0.0557 (Xavier weights: a little under (1/4)^2 per layer)
 */
export function meanFieldChi(act: Activation, sigmaW2: number): { q: number; chi: number } {
  const n = 4000;
  const gauss = (fn: (z: number) => number, q: number): number => {
    const sd = Math.sqrt(q);
    const h = 24 / n;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const u = -12 + (i + 0.5) * h;
      s += Math.exp(-0.5 * u * u) * fn(sd * u);
    }
    return (s * h) / Math.sqrt(2 * Math.PI);
  };
  let q = 1;
  for (let it = 0; it < 200; it++) {
    const next = sigmaW2 * gauss((z) => act.f(z) ** 2, q);
    if (Math.abs(next - q) < 1e-12 * Math.max(1, q)) {
      q = next;
      break;
    }
    q = next;
  }
  return { q, chi: sigmaW2 * gauss((z) => act.df(z) ** 2, q) };
}

/**
 * One colour per configuration, by its place among the default configurations (so that a remedy
 * has the same colour in every chart of both feed-forward studies); others take the free colours.
 */
export function configurationStyle(configurations: readonly Configuration[]) {
  return styleByName(
    configurations.map((c) => c.name),
    DEFAULT_CONFIGURATIONS.map((c) => c.name),
  );
}

function ratio(a: number[]): number {
  return a[0]! / a[a.length - 1]!;
}

function layerAxis(depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => i + 1);
}

// --- summary.json: every path with its meaning (rnn-dynamics describe, the check paths that validate
// accepts, the summary's type in the library); runLoaded parses every summary against it ---
const feedforwardGradientByLayerSummary = fields({
  depth: count('hidden layers L'),
  width: count('units per hidden layer'),
  chance: measured('accuracy of guessing the most frequent class'),
  configurations: keyed(
    '<configuration>',
    fields({
      gradientRatioFirstToLast: measured('||dL/dW_1|| / ||dL/dW_L||'),
      hiddenGradientRatioFirstToLast: measured('||dL/dh_1|| / ||dL/dh_L||'),
      perLayerFactor: measured('geometric mean factor of ||dL/dh_l|| per layer'),
      meanFieldPerLayerFactor: measured('sqrt(chi) from mean-field theory (null with residual or batch norm)'),
      meanSaturation: measured('mean fraction of saturated units (null for ReLU)'),
      hiddenGradientNorm: list(measured('||dL/dh_l||'), 'per hidden layer l = 1..L'),
      weightGradientNorm: list(measured('||dL/dW_l||'), 'per hidden layer'),
      saturation: list(measured('fraction of saturated units'), 'per hidden layer (null for ReLU)').nullable(),
    }),
    'per configuration, e.g. configurations["sigmoid-xavier"]',
  ),
  widthSweep: list(
    fields({ width: count('width'), ratio: measured('||dL/dh_1|| / ||dL/dh_L||'), perLayerFactor: measured('per-layer factor'), meanFieldPerLayerFactor: measured('mean-field per-layer factor') }),
    'N(0, 1) weights at several widths',
  ),
});
export type FeedforwardGradientByLayerSummary = z.infer<typeof feedforwardGradientByLayerSummary>;
export type FeedforwardGradientByLayerParamsInput = z.input<typeof params>;
// --- end of summary.json ---

export const feedforwardGradientByLayer: Study<GradientByLayerParams, FeedforwardGradientByLayerSummary> = {
  kind: 'feedforward-gradient-by-layer',
  summary: 'Deep MLP at initialisation: gradient norm per layer for sigmoid/tanh/ReLU, initialisations, residual and batch norm',
  params: params as unknown as z.ZodType<GradientByLayerParams>,
  chartIds: ['gradient-by-layer', 'weight-gradient-by-layer', 'saturation-by-layer', 'ratio-by-width'],
  summarySchema: feedforwardGradientByLayerSummary,
  run(p, ctx) {
    const data = taskData(p.task, p.batchSize, ctx.seed);
    const total = p.configurations.length + p.widthSweep.widths.length;
    let done = 0;
    const profiles = new Map<string, LayerProfile>();
    for (const c of p.configurations) {
      profiles.set(c.name, profileConfiguration(c, data, p.width, p.depth, p.samples, ctx.seed, p.saturationThreshold));
      ctx.progress(++done, total, c.name);
    }

    const configurations: Record<string, unknown> = {};
    const theory: TheoryRow[] = [];
    for (const c of p.configurations) {
      const prof = profiles.get(c.name)!;
      const act = activationFromSpec(c.activation);
      const s2 = c.residual || c.batchNorm ? null : weightVarianceScale(c.init, p.width, c.gain);
      const mf = s2 === null ? null : meanFieldChi(act, s2);
      const measuredPerLayer = ratio(prof.hiddenGrad) ** (1 / (p.depth - 1));
      configurations[c.name] = {
        gradientRatioFirstToLast: ratio(prof.weightGrad),
        hiddenGradientRatioFirstToLast: ratio(prof.hiddenGrad),
        perLayerFactor: measuredPerLayer,
        meanFieldPerLayerFactor: mf ? Math.sqrt(mf.chi) : null,
        meanSaturation: prof.saturation.length ? prof.saturation.reduce((a, b) => a + b, 0) / prof.saturation.length : null,
        hiddenGradientNorm: prof.hiddenGrad,
        weightGradientNorm: prof.weightGrad,
        saturation: prof.saturation.length ? prof.saturation : null,
      };
      if (mf) {
        theory.push({
          quantity: `${c.name}: per-layer factor of ||dL/dh_l|| (geometric mean over ${p.depth - 1} layers)`,
          theory: Number(Math.sqrt(mf.chi).toPrecision(3)),
          measured: Number(measuredPerLayer.toPrecision(3)),
          source: `mean field sqrt(chi), chi = sigma_w^2 E[f'(z)^2], sigma_w^2 = ${s2!.toPrecision(3)} (Schoenholz et al. 2017)`,
          agrees: Math.abs(Math.log(measuredPerLayer / Math.sqrt(mf.chi))) < Math.log(1.25),
          tolerance: 'within a factor 1.25 either way',
        });
      }
    }
    const sx = profiles.get('sigmoid-xavier');
    theory.unshift({
      quantity: "sup of the logistic derivative sigma'(a) = sigma(a)(1 - sigma(a))",
      theory: 0.25,
      measured: activationFromSpec('sigmoid').df(0),
      source: 'attained at a = 0',
      agrees: true,
      tolerance: 'exact (closed form)',
    });
    if (sx) {
      const bound = 0.25 ** (p.depth - 1);
      theory.splice(1, 0, {
        quantity: `sigmoid-xavier: ||dL/dh_1|| / ||dL/dh_L|| over ${p.depth - 1} layers`,
        theory: `about (1/4)^${p.depth - 1} = ${bound.toExponential(2)} (||W||_2 ~ 2 for Xavier, so the bound itself is 2^${p.depth - 1} looser)`,
        measured: Number(ratio(sx.hiddenGrad).toExponential(2)),
        source: "sigma' <= 1/4 per layer (Bengio, Simard and Frasconi 1994)",
        agrees: Math.abs(Math.log10(ratio(sx.hiddenGrad) / bound)) < 1.5,
        tolerance: 'within 1.5 decades either way',
      });
    }
    for (const name of ['relu-he', 'sigmoid-residual', 'sigmoid-batchnorm']) {
      const pr = profiles.get(name);
      if (!pr) continue;
      const r = ratio(pr.weightGrad);
      theory.push({
        quantity: `${name}: ||dL/dW_1|| / ||dL/dW_L||`,
        theory: 'within two orders of magnitude of 1',
        measured: Number(r.toExponential(2)),
        source: name === 'relu-he' ? 'He et al. 2015' : name === 'sigmoid-residual' ? 'He et al. 2016' : 'Ioffe and Szegedy 2015',
        agrees: r > 0.01 && r < 100,
        tolerance: 'between 10⁻² and 10²',
      });
    }

    // width sweep of one configuration at the same depth
    const sweepCfg = p.configurations.find((c) => c.name === p.widthSweep.configuration);
    const sweep: { width: number; ratio: number; perLayerFactor: number; meanFieldPerLayerFactor: number | null }[] = [];
    if (sweepCfg) {
      const act = activationFromSpec(sweepCfg.activation);
      for (const w of p.widthSweep.widths) {
        const prof = profileConfiguration(sweepCfg, data, w, p.depth, p.samples, ctx.seed, p.saturationThreshold);
        const s2 = sweepCfg.residual || sweepCfg.batchNorm ? null : weightVarianceScale(sweepCfg.init, w, sweepCfg.gain);
        sweep.push({
          width: w,
          ratio: ratio(prof.weightGrad),
          perLayerFactor: ratio(prof.hiddenGrad) ** (1 / (p.depth - 1)),
          meanFieldPerLayerFactor: s2 === null ? null : Math.sqrt(meanFieldChi(act, s2).chi),
        });
        ctx.progress(++done, total, `${sweepCfg.name} width ${w}`);
      }
    }

    const x = layerAxis(p.depth);
    // one colour per configuration in every chart, and the same as in feedforward-training-by-depth
    const style = configurationStyle(p.configurations);
    const perLayer = (values: (prof: LayerProfile) => number[], pointRadius: number): Series[] =>
      p.configurations
        .filter((c) => values(profiles.get(c.name)!).length > 0)
        .map((c) => ({ label: c.name, x, y: values(profiles.get(c.name)!), pointRadius, ...style(c.name) }));
    const unsaturated = p.configurations.filter((c) => profiles.get(c.name)!.saturation.length > 0 && profiles.get(c.name)!.saturation.every((v) => v < 0.02)).map((c) => c.name);
    const charts: ChartSpec[] = [
      lineChart({
        id: 'gradient-by-layer',
        title: `Backpropagated gradient ‖∂L/∂hₗ‖ at initialisation, ${p.depth} layers of width ${p.width}`,
        caption:
          'Norm of the loss gradient with respect to the output hₗ of each hidden layer l (layer 1 is next to the input), one colour per configuration. A straight falling line on this log scale is a constant factor lost per layer: the vanishing gradient.',
        x: { title: 'hidden layer l', min: 1, max: p.depth },
        y: { title: '‖∂L/∂hₗ‖ (log scale)', log: true },
        series: perLayer((q) => q.hiddenGrad, 3),
      }),
      lineChart({
        id: 'weight-gradient-by-layer',
        title: `Weight gradient ‖∂L/∂Wₗ‖ at initialisation, ${p.depth} layers of width ${p.width}`,
        caption:
          'Frobenius norm of the gradient of each hidden layer\'s weight matrix Wₗ: what plain SGD multiplies by the learning rate. Where it is 10⁻⁶ of the last layer\'s, the first layers do not learn.',
        x: { title: 'hidden layer l', min: 1, max: p.depth },
        y: { title: '‖∂L/∂Wₗ‖ (log scale)', log: true },
        series: perLayer((q) => q.weightGrad, 3),
      }),
      lineChart({
        id: 'saturation-by-layer',
        title: `Saturated units per layer (|z| > ${p.saturationThreshold} for sigmoid, > ${p.saturationThreshold / 2} for tanh)`,
        caption:
          "Fraction of the activation's arguments z (after batch norm where used) in the flat tails, where the slope is below 7% of its maximum. Saturated units pass almost no gradient. ReLU and other non-saturating activations are not shown; every configuration keeps its colour from the other charts." +
          (unsaturated.length > 1 ? ` ${unsaturated.join(', ')} have fewer than 2 % saturated units in every layer: their lines lie on top of each other near 0.` : ''),
        x: { title: 'hidden layer l', min: 1, max: p.depth },
        y: { title: 'fraction saturated', min: 0, max: 1 },
        series: perLayer((q) => q.saturation, 3),
      }),
    ];
    if (sweep.length > 0) {
      const ws = sweep.map((s) => s.width);
      const series: Series[] = [
        { label: `${p.widthSweep.configuration}: measured per-layer factor`, x: ws, y: sweep.map((s) => s.perLayerFactor), pointRadius: 6, ...style(p.widthSweep.configuration), z: 1 },
      ];
      if (sweep.every((s) => s.meanFieldPerLayerFactor !== null)) {
        series.push({ label: 'mean-field prediction √χ', x: ws, y: sweep.map((s) => s.meanFieldPerLayerFactor!), pointRadius: 0, dashed: true, color: '#000000' });
      }
      series.push({ label: 'no vanishing, no exploding (factor 1)', x: [ws[0]!, ws[ws.length - 1]!], y: [1, 1], reference: true });
      charts.push(
        lineChart({
          id: 'ratio-by-width',
          title: `Per-layer gradient factor against width: ${p.widthSweep.configuration}, ${p.depth} layers`,
          caption:
            'Geometric-mean factor by which ‖∂L/∂hₗ‖ shrinks (below 1) or grows (above 1) per layer, against the mean-field prediction √χ, χ = (fan-in × weight variance) · E[f′(z)²] (black dashed). For N(0, 1) weights the total weight variance grows with the width N, which offsets the saturation of the sigmoid: narrow networks vanish, wide ones explode.',
          x: { title: 'width N (log scale)', log: true },
          y: { title: 'per-layer factor (log scale)', log: true },
          series,
        }),
      );
    }

    const summary = {
      depth: p.depth,
      width: p.width,
      chance: chanceLevel(data),
      configurations,
      widthSweep: sweep,
    };
    const discussion = discussionText(p, configurations as Record<string, { gradientRatioFirstToLast: number; perLayerFactor: number }>, sweep);
    return { summary, charts: selectCharts(charts, ctx.charts), theory, discussion };
  },
};

function fmt(v: number | undefined): string {
  return v === undefined ? 'n/a' : v.toExponential(1);
}

function discussionText(
  p: GradientByLayerParams,
  c: Record<string, { gradientRatioFirstToLast: number; perLayerFactor: number }>,
  sweep: { width: number; perLayerFactor: number }[],
): string {
  const r = (n: string): string => fmt(c[n]?.gradientRatioFirstToLast);
  const f = (n: string): string => (c[n] ? c[n]!.perLayerFactor.toFixed(2) : 'n/a');
  return [
    `Backpropagation multiplies the gradient by one Jacobian per layer, W_l^T diag(f'(z_l)). With the logistic function f' is at most 1/4, so unless the weights are large each layer shrinks the gradient by roughly a factor 4: after ${p.depth - 1} layers that is (1/4)^${p.depth - 1} = ${(0.25 ** (p.depth - 1)).toExponential(1)}. With Xavier initialisation the weights have spectral norm near 2 and the sigmoid sits near its steepest point, and the first layer's weight gradient is ${r('sigmoid-xavier')} of the last layer's: in the charts its curve falls as a straight line on the log scale. Orthogonal weights would do no better, since the loss is in f', not in W.`,
    `Large weights are no cure. Standard-normal weights (ratio ${r('sigmoid-normal')}) make the pre-activations large, most sigmoid units sit in the flat tails (the saturation chart) and f' is tiny there; the large weights win part of it back. Which effect wins depends on the width: mean-field theory predicts a per-layer factor sqrt(N E[sigma'(z)^2]), which grows like N^(1/4), so narrow N(0, 1) networks vanish and wide ones explode${sweep.length ? ` (measured per-layer factors ${sweep.map((s) => `${s.perLayerFactor.toFixed(2)} at N = ${s.width}`).join(', ')})` : ''}. Kumar's (2017) variance 3.6^2/N, derived to keep the variance of the logistic network's forward signal constant, still multiplies the gradient by only ${f('sigmoid-kumar')} per layer (ratio ${r('sigmoid-kumar')}).`,
    `The remedies keep the first and last layers within about two orders of magnitude of each other (per-layer factor of ||dL/dh_l|| in brackets): ReLU with He initialisation, where f' = 1 on active units and the signal variance stays constant with depth (ratio ${r('relu-he')}; ${f('relu-he')}); tanh with Xavier, where f'(0) = 1 instead of 1/4 (ratio ${r('tanh-xavier')}; ${f('tanh-xavier')}); residual connections, whose identity path hands the upper gradient down unchanged, dL/dh_{l-1} = dL/dh_l + (the layer's own term) (ratio ${r('sigmoid-residual')}; ${f('sigmoid-residual')}); batch normalization, which rescales every layer's pre-activations to unit variance so the layer-to-layer map keeps the size of the signal and its Jacobian, which the gradient crosses backwards, has a gain near 1 (ratio ${r('sigmoid-batchnorm')}; ${f('sigmoid-batchnorm')}); and the initialisation of Yilmaz and Poli (2022) for the logistic function, whose weights have the negative mean max(-1, -8/N) (ratio ${r('sigmoid-yilmaz-poli')}; ${f('sigmoid-yilmaz-poli')}). Sigmoid outputs are all positive (mean near 1/2), a fact zero-mean initialisations ignore; Yilmaz and Poli derive from the expected gradient that it does not vanish when the weights' mean is negative and inversely proportional to the layer width.`,
    'The weight gradient of layer l is the outer product of the backpropagated signal at layer l and the layer\'s input, so it follows the curve of ||dL/dh_l||; the first layer\'s input is the data rather than sigmoid outputs, which moves its point off the line by a constant factor. In the saturation chart the residual logistic network saturates more and more with depth, since every block adds a positive sigmoid output to h_l and the pre-activations grow; its gradient does not suffer because the identity path does not go through f\'.',
  ].join('\n\n');
}
