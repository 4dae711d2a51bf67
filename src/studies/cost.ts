/**
 * What a scenario will cost, from its resolved parameters, before it runs: memory (the largest
 * set of buffers alive at once: weights, BPTT tapes, data sets, work matrices, per worker thread)
 * and work (multiply-adds). Each study's estimate is a sum of terms, and each term names the
 * parameters that drive it, so that a refusal can say what to lower:
 *
 *   params.n and params.steps drive ~7.2e12 multiply-adds (the largest-exponent runs)
 *
 * The estimates are leading-order counts (the n^2 of a matrix-vector product, the n^3 of a
 * matrix product, ~4 n^2 per LSTM step), not measurements: good to a factor of a few, which is what a
 * limit needs. `run` refuses a scenario whose memory estimate is above --max-memory (default: half
 * the machine's memory) or whose time estimate is above --max-time (default: none); `validate`
 * prints the estimate.
 */
import type { ModelSpec, TrainOptions } from '../training/train.ts';
import type { AddingProblemSweepParams } from './adding-problem-sweep.ts';
import type { DoyaBifurcationParams } from './doya-bifurcation.ts';
import type { DoyaGeometricLossParams } from './doya-geometric-loss.ts';
import type { GradientByLayerParams } from './feedforward-gradient-by-layer.ts';
import type { TrainingByDepthParams } from './feedforward-training-by-depth.ts';
import type { LatchSweepParams } from './latch-sweep.ts';
import type { LstmVsRnnGradientFlowParams } from './lstm-vs-rnn-gradient-flow.ts';
import type { RnnGradientFlowParams } from './rnn-gradient-flow.ts';
import type { RnnJacobianNormsParams } from './rnn-jacobian-norms.ts';
import type { RnnLyapunovVsGainParams } from './rnn-lyapunov-vs-gain.ts';
import type { LyapunovSpectrumParams } from './lyapunov-spectrum.ts';
import type { TrainabilitySweepParams } from './trainability-sweep.ts';
import type { InitTrainabilityParams } from './init-trainability.ts';
import type { MlpTrainabilityParams } from './mlp-trainability.ts';
import type { JacobianSpectrumParams } from './jacobian-spectrum.ts';
import type { MeanFieldDepthScalesParams } from './mean-field-depth-scales.ts';
import type { LyapunovExtensivityParams } from './lyapunov-extensivity.ts';
import type { FixedPointsParams } from './fixed-points.ts';
import type { EquilibriumContinuationParams } from './equilibrium-continuation.ts';
import type { CtrnnBifurcationParams } from './ctrnn-bifurcation.ts';
import type { LearningThroughBifurcationParams } from './learning-through-bifurcation.ts';
import type { SystemSpec } from './system-spec.ts';
import type { ActivationSaturationParams } from './activation-saturation.ts';
import type { PrecisionHorizonParams } from './precision-horizon.ts';

/** One part of a study's cost. */
export interface CostTerm {
  /** What the term counts, in words ("BPTT tapes of the trainings"). */
  what: string;
  /** Bytes alive at once. */
  bytes: number;
  /** Multiply-adds. */
  work: number;
  /** The parameters that drive it, as scenario paths ("params.n"). */
  drivers: string[];
}

export interface Cost {
  /** Peak memory: the sum of the terms' bytes (they are alive together in the worst case). */
  bytes: number;
  /** Total multiply-adds. */
  work: number;
  terms: CostTerm[];
}

/**
 * Multiply-adds per second assumed for the time estimate: the WebAssembly kernels reach 3e9 on one
 * core for n = 128 (bench/RESULTS.md) and the JavaScript paths a few 1e8; 1e9 is their middle.
 */
export const WORK_RATE = 1e9;
/** Bytes per float64. */
const F = 8;
/** Fixed cost of any study: the process, the modules, the kernel heap's first pages and chart rendering. */
const BASE: CostTerm = { what: 'the process and chart rendering', bytes: 300 << 20, work: 0, drivers: [] };

const t = (what: string, bytes: number, work: number, ...drivers: string[]): CostTerm => ({ what, bytes, work, drivers: drivers.map((d) => `params.${d}`) });

/** Units of a recurrent model's step: multiply-adds per sequence per step (4 gates for an LSTM). */
function stepWork(model: ModelSpec, m: number): number {
  const gates = model.kind.startsWith('lstm') ? 4 : 1;
  return gates * model.n * (model.n + m + 1);
}

/** Training steps of a budget given in steps or in sequences (sequences overrides steps). */
function trainingSteps(tr: Partial<TrainOptions> & { batchSize?: number; steps?: number; sequences?: number }): number {
  const B = tr.batchSize ?? 32;
  return tr.sequences !== undefined ? Math.ceil(tr.sequences / B) : (tr.steps ?? 2000);
}

/** A sweep of trainings: jobs x steps x (forward + backward over B sequences of T) + evaluations; tapes per thread. */
function sweepCost(models: readonly ModelSpec[], lags: readonly number[], repetitions: number, tr: AddingProblemSweepParams['training'], threads: number | null, m: number, testSize: number): CostTerm[] {
  const steps = trainingSteps(tr);
  const B = tr.batchSize ?? 32;
  const evals = Math.ceil(steps / (tr.evalEvery ?? 100));
  const test = tr.testSize ?? testSize;
  let work = 0;
  let tape = 0;
  const Tmax = Math.max(...lags);
  for (const model of models) {
    const sw = stepWork(model, m);
    for (const T of lags) work += repetitions * (steps * 3 * B * T * sw + evals * test * T * sw);
    const gates = model.kind.startsWith('lstm') ? 10 : 2;
    tape = Math.max(tape, (Tmax + 1) * Math.max(B, tr.evalBatchSize ?? 256) * model.n * gates * F + test * Tmax * m * F);
  }
  const workers = Math.max(1, threads ?? 2);
  const jobs = models.length * lags.length * repetitions;
  return [
    t('learning curves and results of every training', jobs * (evals * 16 + 1024), 0, 'models', 'lags', 'repetitions', 'training.steps', 'training.sequences', 'training.evalEvery'),
    t('the trainings (forward, BPTT and evaluation)', 0, work, 'models', 'lags', 'repetitions', 'training.steps', 'training.sequences', 'training.batchSize'),
    t('BPTT tapes and test sets, per worker thread', workers * (tape + (64 << 20)), 0, 'lags', 'training.batchSize', 'training.evalBatchSize', 'training.testSize', 'threads'),
  ];
}

type Estimate<P> = (p: P) => CostTerm[];

export const COSTS: Readonly<Record<string, Estimate<never>>> = {
  'doya-bifurcation': ((p: DoyaBifurcationParams) => {
    const rampSteps = (2 * (p.bMax - p.bMin)) / (p.ramp.rate * p.ramp.dt);
    return [
      t('the hysteresis ramp (RK4, up and down)', rampSteps * 2 * F, rampSteps * 40, 'bMin', 'bMax', 'ramp.rate', 'ramp.dt'),
      t('branches and fold curves', (p.branchPoints + p.twoParameter.points) * 64 * F, (p.branchPoints + p.twoParameter.points) * 1e3, 'branchPoints', 'twoParameter.points'),
    ];
  }) as Estimate<DoyaBifurcationParams>,
  'doya-geometric-loss': ((p: DoyaGeometricLossParams) => {
    const steps = p.horizons.reduce((s, T) => s + T / p.dt, 0);
    const longest = Math.max(...p.horizons) / p.dt;
    const points = p.bPoints + 64 + p.check.points * 5;
    return [
      t('the loss and its adjoint at every b and horizon', longest * 4 * F, points * steps * 60, 'bPoints', 'horizons', 'dt', 'check.points'),
      t('the sensitivity chart', p.x0Points * 4 * F, p.x0Points * (longest * 40), 'x0Points', 'horizons', 'dt'),
    ];
  }) as Estimate<DoyaGeometricLossParams>,
  'rnn-jacobian-norms': ((p: RnnJacobianNormsParams) => {
    const { n, m, T } = p;
    const runs = p.runs.length;
    return [
      t('forward passes and Jacobian factors', T * n * 4 * F, runs * T * n * (n + m), 'runs', 'T', 'n'),
      t('Jacobian products and their norms (an n^3 product and a power iteration per lag)', 4 * n * n * F, runs * T * (2 * n ** 3 + 200 * n * n), 'runs', 'T', 'n'),
      t('largest Lyapunov exponents', 4 * n * F, runs * p.lyapunovSteps * 2 * n * n, 'runs', 'lyapunovSteps', 'n'),
    ];
  }) as Estimate<RnnJacobianNormsParams>,
  'rnn-gradient-flow': ((p: RnnGradientFlowParams) => {
    const { n, m, T, B } = p;
    return [t('forward and BPTT per gain', (T + 1) * B * n * 3 * F + n * n * F, p.gains.length * 3 * T * B * n * (n + m), 'gains', 'T', 'B', 'n')];
  }) as Estimate<RnnGradientFlowParams>,
  'rnn-lyapunov-vs-gain': ((p: RnnLyapunovVsGainParams) => {
    const { n } = p;
    const gains = Math.floor((p.gainMax - p.gainMin) / p.gainStep + 1e-9) + 1;
    const k = Math.min(p.spectrumExponents, n);
    const len = p.transient + p.productLags;
    return [
      t('largest exponent at each gain', 2 * n * n * F, gains * (p.steps + p.transient) * 2 * n * n, 'gainMin', 'gainMax', 'gainStep', 'steps', 'transient', 'n'),
      t('full spectra (n x k tangent vectors re-orthonormalised every step)', (2 * k * n + 2 * n * n) * F, p.spectrumGains.length * (p.spectrumSteps + p.transient) * (n * n * k + 2 * n * k * k), 'spectrumGains', 'spectrumSteps', 'spectrumExponents', 'n'),
      t('Jacobian products', (len * n * 3 + 4 * n * n) * F, p.productGains.length * (len * n * n + p.productLags * 2 * n ** 3 + (p.steps + p.transient) * 2 * n * n), 'productGains', 'productLags', 'n'),
    ];
  }) as Estimate<RnnLyapunovVsGainParams>,
  'lyapunov-spectrum': ((p: LyapunovSpectrumParams) => {
    const { n, m } = p.cell;
    const G = p.cell.kind === 'lstm' ? 4 : p.cell.kind === 'gru' ? 3 : 1;
    const S = p.cell.kind === 'lstm' ? 2 * n : n;
    const k = p.exponents ?? S;
    const steps = p.steps + p.transient;
    return [
      t('tangent vectors pushed through the step Jacobians and re-orthonormalised', (2 * k * S + G * n * (n + m + 2)) * F, steps * (k * G * n * (n + 1) + 2 * S * k * k), 'steps', 'transient', 'exponents', 'cell.n'),
      // the dense Jacobian and its LU when every exponent is computed
      t('ln |det J_t| by LU', (k === S ? 2 * S * S : 0) * F, k === S ? p.steps * (S * G * n * (n + 1) + S ** 3) : 0, 'steps', 'cell.n'),
    ];
  }) as Estimate<LyapunovSpectrumParams>,
  'lstm-vs-rnn-gradient-flow': ((p: LstmVsRnnGradientFlowParams) => {
    const n = Math.max(p.nLstm, p.nRnn ?? 4 * p.nLstm);
    return [t('forward and BPTT per model', (p.T + 1) * p.B * n * 12 * F, p.models.length * 3 * p.T * p.B * 4 * n * (n + 3), 'models', 'T', 'B', 'nLstm', 'nRnn')];
  }) as Estimate<LstmVsRnnGradientFlowParams>,
  'adding-problem-sweep': ((p: AddingProblemSweepParams) => {
    const clipSteps = p.clipping.steps;
    const clip = stepWork(p.clipping.model, 2) * clipSteps * 3 * (p.training.batchSize ?? 32) * p.clipping.T * 2;
    return [
      ...sweepCost(p.models, p.lags, p.repetitions, p.training, p.threads, 2, p.task.testSize ?? 1000),
      t('the clipping pair', 0, clip, 'clipping.steps', 'clipping.T', 'clipping.model.n'),
    ];
  }) as Estimate<AddingProblemSweepParams>,
  'latch-sweep': ((p: LatchSweepParams) => sweepCost([p.model], p.lags, p.repetitions, p.training, p.threads, 1, p.task.testSize ?? 1000)) as Estimate<LatchSweepParams>,
  'feedforward-gradient-by-layer': ((p: GradientByLayerParams) => {
    const w = Math.max(p.width, p.task.inputSize);
    const nets = p.configurations.length * p.samples;
    const sweep = p.widthSweep.widths.reduce((s, N) => s + p.samples * p.depth * N * N * p.batchSize * 3, 0);
    return [
      t('activations and gradients of a batch through every layer', p.depth * p.batchSize * w * 4 * F + p.depth * w * w * 2 * F, nets * p.depth * w * w * p.batchSize * 3, 'configurations', 'samples', 'depth', 'width', 'batchSize'),
      t('the width sweep', Math.max(0, ...p.widthSweep.widths.map((N) => p.depth * (p.batchSize * N * 4 + N * N * 2) * F)), sweep, 'widthSweep.widths', 'depth', 'batchSize'),
    ];
  }) as Estimate<GradientByLayerParams>,
  'feedforward-training-by-depth': ((p: TrainingByDepthParams) => {
    const d = p.task.inputSize;
    const w = Math.max(p.width, d);
    const Lmax = Math.max(...p.depths);
    const runs = p.configurations.length;
    const perStep = (L: number): number => L * w * w * p.batchSize * 3;
    const evals = Math.ceil(p.steps / p.evalEvery);
    const work = p.depths.reduce((s, L) => s + runs * (p.steps * perStep(L) + evals * L * w * w * p.testSize), 0);
    return [
      t('the trainings', 0, work, 'configurations', 'depths', 'steps', 'batchSize', 'width'),
      t('learning curves', runs * p.depths.length * (evals + 1) * 16, 0, 'steps', 'evalEvery', 'configurations', 'depths'),
      t('data sets and the deepest network with its activations', (p.trainSize + p.testSize) * (d + 1) * F + Lmax * (Math.max(p.batchSize, p.testSize) * w * 4 + w * w * 4) * F, 0, 'trainSize', 'testSize', 'depths', 'width', 'batchSize'),
    ];
  }) as Estimate<TrainingByDepthParams>,
  // the replication kinds (issue 15): leading-order work of their trainings and matrix products
  'trainability-sweep': ((p: TrainabilitySweepParams) =>
    (p.variants ?? [{ training: {} }]).flatMap((v) => sweepCost(p.models, p.lags, p.repetitions, { ...p.training, ...v.training }, p.threads, 2, p.task.testSize ?? 1000))) as Estimate<TrainabilitySweepParams>,
  'init-trainability': ((p: InitTrainabilityParams) => {
    const w = Math.max(p.width, p.task.inputSize);
    const work = p.depths.reduce((s, L) => s + p.configurations.length * p.repetitions * (p.steps * L * w * w * p.batchSize * 3 + L * w * w * p.testSize), 0);
    return [t('the trainings', 0, work, 'configurations', 'depths', 'repetitions', 'steps', 'batchSize', 'width')];
  }) as Estimate<InitTrainabilityParams>,
  'mlp-trainability': ((p: MlpTrainabilityParams) => {
    const w = Math.max(p.width, p.task.inputSize);
    const work = p.depths.reduce((s, L) => s + p.sigmaW2.length * p.repetitions * (p.steps * L * w * w * p.batchSize * 3 + L * w * w * p.testSize), 0);
    return [t('the trainings', 0, work, 'sigmaW2', 'depths', 'repetitions', 'steps', 'batchSize', 'width')];
  }) as Estimate<MlpTrainabilityParams>,
  'jacobian-spectrum': ((p: JacobianSpectrumParams) => {
    const N = p.width;
    const layers = p.depths.reduce((s, L) => s + L, 0);
    return [t('Jacobians accumulated layer by layer (an N^3 product each) and their SVDs', 4 * N * N * F, p.configurations.length * p.networks * (layers * 2 * N ** 3 + p.depths.length * 20 * N ** 3), 'configurations', 'networks', 'depths', 'width')];
  }) as Estimate<JacobianSpectrumParams>,
  'mean-field-depth-scales': ((p: MeanFieldDepthScalesParams) =>
    [t('two inputs through the random networks', 2 * p.width * p.width * F, p.measure.length * p.networks * p.depth * 2 * p.width * p.width, 'measure', 'networks', 'depth', 'width')]) as Estimate<MeanFieldDepthScalesParams>,
  'lyapunov-extensivity': ((p: LyapunovExtensivityParams) => {
    const steps = p.steps + p.transient;
    const spectra = p.sizes.reduce((s, n) => s + steps * (n * n * Math.max(2, Math.round(n * p.fraction)) * 2), 0);
    return [t('largest exponents and spectra', 2 * Math.max(p.n, ...p.sizes) ** 2 * F, p.gains.length * steps * 2 * p.n * p.n + spectra, 'gains', 'sizes', 'steps', 'transient', 'n', 'fraction')];
  }) as Estimate<LyapunovExtensivityParams>,
  // the dynamics kinds (issue 13): continuation points (a bordered Newton solve and the eigenvalues,
  // ~40 (n + 1)^3 each), RK4 simulations (4 field evaluations of ~n^2 + 20 n per step), brute-force
  // root counting of the planar CTRNN (4000 samples of ~30 flops per line)
  'equilibrium-continuation': ((p: EquilibriumContinuationParams) => {
    const n = dimensionOf(p.system);
    const flow = p.system.model === 'one-neuron' || p.system.model === 'ctrnn';
    const steps = flow ? (p.laws.transient + p.laws.window) / p.laws.dt : p.laws.transient + p.laws.window;
    const sims = 4 * p.laws.cycleDistances.length + p.envelopePoints;
    return [
      t('branches of equilibria (up to 4, both window ends)', 4 * p.maxPoints * (3 * n + 16) * F, 4 * p.maxPoints * 40 * (n + 1) ** 3, 'maxPoints', 'system'),
      t('simulated cycles past the bifurcations and the envelope', (p.laws.window / (flow ? p.laws.dt : 1)) * n * F, sims * steps * (flow ? 4 : 1) * (n * n + 20 * n), 'laws.cycleDistances', 'laws.transient', 'laws.window', 'laws.dt', 'envelopePoints'),
    ];
  }) as Estimate<EquilibriumContinuationParams>,
  'ctrnn-bifurcation': ((p: CtrnnBifurcationParams) => {
    const steps = (p.simulation.transient + p.simulation.window) / p.simulation.dt;
    return [
      t('fold and Hopf curves from the scan lines (up to 16 curves of ~5000 points)', 16 * 5000 * 16 * F, p.scanLines * 2000 * 400 + 16 * 5000 * 2000, 'scanLines'),
      t('region labels: root counting and a simulation per grid point', p.grid * p.grid * 64, p.grid * p.grid * (4000 * 30 + steps * 4 * 40), 'grid', 'simulation.transient', 'simulation.window', 'simulation.dt'),
      t('brute-force checks', 0, p.checkLines * 4000 * 30 * 4 + p.hopfDistances.length * 8 * steps * 160, 'checkLines', 'hopfDistances'),
    ];
  }) as Estimate<CtrnnBifurcationParams>,
  'learning-through-bifurcation': ((p: LearningThroughBifurcationParams) => {
    const n = dimensionOf(p.system);
    // per gradient step: a trajectory and its adjoint (oscillation), or settling plus a linear solve (equilibrium)
    const perStep = p.target.kind === 'oscillation' ? 2 * (p.target.horizon / p.target.dt) * 4 * (n * n + 20 * n) : 2000 * 4 * (n * n + 20 * n) + (n + 1) ** 3;
    return [
      t('the gradient steps', p.steps * 64 * F, p.steps * perStep, 'steps', 'target'),
      t('the diagram: fold and Hopf curves from the scan lines', 16 * 5000 * 16 * F, p.scanLines * 2000 * 400 + 16 * 5000 * 2000 + p.foldDistances.length * 100 * (n + 1) ** 3, 'scanLines', 'foldDistances'),
    ];
  }) as Estimate<LearningThroughBifurcationParams>,
  'fixed-points': ((p: FixedPointsParams) => {
    const K = p.task.bits;
    const S = p.model.kind.startsWith('lstm') ? 2 * p.model.n : p.model.n;
    const training = sweepCost([p.model], [p.task.T], p.seeds, p.training, 1, K, p.task.testSize);
    // per start and L-BFGS round: a step and a vjp (2 stepWork) and the two-loop recursion (4 x 10 pairs x S);
    // about 200 rounds per start on trained networks, then Newton and eigenvalues of the points (S^3 each, ~50 points)
    const search = p.seeds * (p.search.starts * 200 * (2 * stepWork(p.model, K) + 40 * S) + 50 * 30 * S ** 3);
    return [
      ...training,
      t('the fixed-point searches (L-BFGS rounds, Newton, eigenvalues)', Math.min(256, p.search.starts) * 22 * S * F + 3 * S * S * F, search, 'seeds', 'search.starts', 'model.n'),
    ];
  }) as Estimate<FixedPointsParams>,
  'activation-saturation': ((p: ActivationSaturationParams) => {
    const w = Math.max(p.width, p.task.inputSize);
    const records = Math.floor(p.steps / p.recordEvery) + 1;
    const work = p.networks * (p.steps * p.depth * w * w * p.batchSize * 3 + records * p.depth * w * w * p.probeSize);
    return [
      t('the trainings and the activation records', (p.trainSize + p.probeSize) * (p.task.inputSize + 1) * F + p.depth * (Math.max(p.batchSize, p.probeSize) * w * 4 + w * w * 4) * F, work, 'networks', 'steps', 'depth', 'width', 'batchSize', 'recordEvery', 'probeSize'),
    ];
  }) as Estimate<ActivationSaturationParams>,
  'precision-horizon': ((p: PrecisionHorizonParams) => {
    const { n, m, T } = p;
    const jobs = p.gains.length;
    let runs = 0;
    let lagSums = 0;
    let tape = 0;
    for (const cell of p.cells) {
      const gates = cell === 'lstm' ? 4 : 1;
      // forward + BPTT (3 products per step) in two precisions, at T and at every TValues entry
      runs += jobs * 2 * 3 * gates * n * (n + m + 1) * (T + p.TValues.reduce((s, x) => s + x, 0));
      // the lag sums (four formats and float16 with a wide exponent), the ratios and the brackets: ~8 passes over T lags of R x n, each entry a few roundings
      lagSums += jobs * 8 * 10 * T * gates * n * n;
      tape = Math.max(tape, (Math.max(T, ...p.TValues) + 1) * n * (2 + 3 * gates) * F);
    }
    return [
      t('forward and BPTT in float64 and float32 at T and every TValues entry', 2 * tape, runs, 'cells', 'gains', 'n', 'T', 'TValues'),
      t('the lag sums in four formats, the ratios and the brackets', 4 * T * 4 * n * n * F, lagSums, 'cells', 'gains', 'n', 'T'),
    ];
  }) as Estimate<PrecisionHorizonParams>,
};

/** The cost of a validated scenario's params; undefined for a kind without an estimate. */
export function estimateCost(kind: string, params: unknown): Cost | undefined {
  const estimate = COSTS[kind] as Estimate<unknown> | undefined;
  if (!estimate) return undefined;
  const terms = [BASE, ...estimate(params)];
  return { bytes: terms.reduce((s, x) => s + x.bytes, 0), work: terms.reduce((s, x) => s + x.work, 0), terms };
}

/** The state dimension of a dynamics study's system. */
function dimensionOf(system: SystemSpec): number {
  return system.model === 'one-neuron' || system.model === 'one-neuron-map' ? 1 : system.W.length;
}
