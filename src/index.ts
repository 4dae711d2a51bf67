/**
 * rnn-dynamics: the public API.
 *
 * @example
 *   import { runScenario } from 'rnn-dynamics';
 *   const { summary } = await runScenario({ name: 'fold', kind: 'doya-bifurcation', description: '...', seed: 1, params: { w: 5 } });
 *   summary.foldPoints; // [{ w: 5, b: -2.65561..., x: 0.7236... }, ...]
 */
import { resolve } from 'node:path';
import { STUDIES, STUDIES_BY_KIND } from './studies/index.ts';
import { loadScenarioFile, validateScenario, type LoadedScenario } from './scenario/load.ts';
import { runLoaded, type RunOptions, type RunOutcome, type Summary } from './scenario/run.ts';
import { scenarioJsonSchema, type checkSchema } from './scenario/schema.ts';
import type { SweepBlock } from './scenario/overrides.ts';
import type { StudyKind, StudyKinds } from './studies/kinds.ts';
import type { z } from 'zod';

export { STUDIES, STUDIES_BY_KIND } from './studies/index.ts';
export type { Study, StudyContext, StudyResult, TheoryRow } from './studies/study.ts';
export { ScenarioError } from './scenario/errors.ts';
export type { Scenario, Check } from './scenario/schema.ts';
export type { CheckResult } from './scenario/checks.ts';
export type { RunOptions, RunOutcome, Summary, ReportFormat } from './scenario/run.ts';
export type { ChartSpec, Series } from './report/chart-spec.ts';
export { lineChart } from './report/chart-spec.ts';
export { PACKAGE } from './version.ts';
export type { StudyKind, StudyKinds } from './studies/kinds.ts';
export { STUDY_KINDS } from './studies/kinds.ts';
export { matrixView, rowMajorData, weightMatrix, rnnTrajectory, rnnJacobians, type NdArray, type RnnWeights, type RnnInputs } from './ndarray.ts';

export * from './activations/index.ts';
export { Rng } from './init/rng.ts';
export { initWeights, orthogonal, INITIALISATIONS, type InitName } from './init/weights.ts';
export { dgemv, dgemm, sgemm, gemm, dnrm2, ddot, daxpy } from './linalg/blas.ts';
export { UNIT_ROUNDOFF, type Precision, type Real } from './linalg/precision.ts';
// dynamics of N-neuron networks: flows and maps, continuation, bifurcations, learning through them
export { FlowIntegrator, rk4Step, type DynamicalSystem, type Flow, type DiscreteMap } from './models/flow.ts';
export { Ctrnn } from './models/ctrnn.ts';
export { RecurrentMap } from './models/recurrent-map.ts';
export { oneNeuronField, oneNeuronMapSystem } from './models/one-neuron.ts';
export { continueEquilibria, type EquilibriumBranch, type BifurcationPoint } from './dynamics/continuation/equilibrium-branch.ts';
export { branchesFrom } from './dynamics/continuation/branch-switching.ts';
export { foldCurve } from './dynamics/codim2/fold-curve.ts';
export { hopfCurve } from './dynamics/codim2/hopf-curve.ts';
export { twoParameterDiagram } from './dynamics/codim2/two-parameter-diagram.ts';
export { eigenvalues, classify } from './dynamics/stability.ts';
export { settle, simulateAttractor } from './dynamics/attractors.ts';
export { learnFixedPoint } from './dynamics/learning/fixed-point-learning.ts';
export { learnTrajectory } from './dynamics/learning/trajectory-learning.ts';
// fixed and slow points of any cell or flow (Sussillo and Barak 2013)
export { findFixedPoints, type FixedPoint, type FixedPointSearch, type FixedPointOptions } from './dynamics/fixed-points/find.ts';
export { cellSpeed, systemSpeed, type SpeedProblem } from './dynamics/fixed-points/speed.ts';
export { minimiseSpeed } from './dynamics/fixed-points/lbfgs.ts';

// the cells on one contract, the BPTT driver and the readout
export { jacobian, stateSize, views, type RecurrentCell, type Tape, type StateArrays, type ParameterBlock } from './models/cell.ts';
export { createTape, freeTape, forward, backward, createGradients, freeGradients, lossValue, type Gradients } from './models/bptt.ts';
export { createReadout, type Readout, type LossKind, type SequenceLoss } from './models/readout.ts';
export { createRnn, rnnParameterCount, type Rnn, type RnnParameters } from './models/rnn.ts';
export { createLstm, lstmFromParameters, lstmFromTorch, type Lstm, type LstmOptions } from './models/lstm.ts';
export { lstmParameterCount } from './models/lstm-layout.ts';
export { createGru, gruFromParameters, gruFromTorch, gruParameterCount, type Gru, type GruOptions } from './models/gru.ts';
export { OneNeuronFlow, OneNeuronMap } from './models/one-neuron.ts';
export { resolveWeights, readMatrixFile, type WeightSpec } from './models/weights-source.ts';

// analysis over any cell
export { productNorms, decayRate, type ProductNorms } from './analysis/jacobian-products.ts';
export { gradientFlow, reach, type GradientFlow } from './analysis/gradient-flow.ts';
export { lagContribution, lagSum, absorptionRatios, horizonBracket, normwiseHorizon, relativeDifference, type LagSum } from './analysis/precision-horizon.ts';
export { lyapunovSpectrum, kaplanYorkeDimension, entropyRate, type LyapunovResult } from './analysis/lyapunov.ts';
export { spectralNorm, sigmaMax, spectralRadius } from './analysis/spectral-norm.ts';
export { theoryBound, regime, reachBound } from './analysis/theory-bounds.ts';
export { meanFieldChi, meanFieldLyapunov } from './analysis/mean-field.ts';
export { principalComponents, project, type PrincipalComponents } from './analysis/pca.ts';

// dynamics of the one-neuron network
export { equilibria, equilibriumCount, type Equilibrium } from './dynamics/equilibria.ts';
export { foldPoints, foldCurves, cusp, type FoldPoint } from './dynamics/folds.ts';
export { equilibriumBranches } from './dynamics/continuation.ts';
export { hysteresisLoop } from './dynamics/hysteresis.ts';

/** Validate a scenario given as an object (as it would be parsed from YAML). Throws ScenarioError. */
export function loadScenario(input: unknown, opts: { file?: string; dir?: string } = {}): LoadedScenario {
  return validateScenario(input, opts.file ?? '<scenario object>', resolve(opts.dir ?? '.'), STUDIES_BY_KIND);
}

/** Validate a scenario file. Throws ScenarioError naming the file, field, expectation and finding. */
export function loadScenarioFromFile(file: string): LoadedScenario {
  return loadScenarioFile(file, STUDIES_BY_KIND);
}

/** A scenario of kind K as a script writes it: the study's parameters typed, defaults optional. */
export interface ScenarioInput<K extends StudyKind = StudyKind> {
  name: string;
  kind: K;
  description: string;
  seed: number;
  params?: StudyKinds[K]['params'];
  charts?: string[];
  checks?: z.input<typeof checkSchema>[];
  sweep?: SweepBlock;
}

/** summary.json of a scenario of kind K: the common fields and exactly the kind's own. */
export type SummaryOf<K extends StudyKind> = Pick<Summary, 'name' | 'package' | 'checks' | 'checksPassed' | 'warnings' | 'scenario'> & { kind: K } & StudyKinds[K]['summary'];

/** The run of a scenario of kind K: summary.json typed with the kind's own fields. */
export interface ScenarioOutcome<K extends StudyKind = StudyKind> extends Omit<RunOutcome, 'summary'> {
  summary: SummaryOf<K>;
}

/**
 * Run a scenario object: validate it, run its study, evaluate its checks. With `outDir` the report
 * is also written to `<outDir>/<name>/`. Returns the summary (the contents of summary.json), typed
 * per kind. (A `sweep` block is run by the command line only; here the scenario runs once.)
 */
export async function runScenario<K extends StudyKind>(input: ScenarioInput<K>, opts: RunOptions & { file?: string; dir?: string } = {}): Promise<ScenarioOutcome<K>> {
  // the summary was parsed against the study's declaration after the run (runLoaded), so it has this type
  return (await runLoaded(loadScenario(input, opts), opts)) as unknown as ScenarioOutcome<K>;
}

/** Run a scenario file (as `rnn-dynamics run FILE`). */
export async function runScenarioFile(file: string, opts: RunOptions = {}): Promise<RunOutcome> {
  return runLoaded(loadScenarioFromFile(file), opts);
}

/** The JSON Schema of scenario files (of one kind with `kind`). */
export function scenarioSchema(opts: { kind?: StudyKind } = {}): Record<string, unknown> {
  return scenarioJsonSchema(STUDIES, opts);
}
export { Mlp } from './models/mlp.ts';
export { inputOutputJacobian, singularValues, spectrumMoments, jacobianSpectrumVariance } from './analysis/input-output-jacobian.ts';
export { meanFieldDepthScales, criticalSigmaW2, type DepthScales } from './analysis/mean-field.ts';
export { meanAndStd, wilsonInterval, type RateInterval } from './analysis/statistics.ts';
