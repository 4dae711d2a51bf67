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
export { dgemv, dgemm, dnrm2, ddot, daxpy } from './linalg/blas.ts';

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
export { wilsonInterval, type RateInterval } from './analysis/statistics.ts';
