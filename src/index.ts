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
import { runLoaded, type RunOptions, type RunOutcome } from './scenario/run.ts';
import { scenarioJsonSchema } from './scenario/schema.ts';

export { STUDIES, STUDIES_BY_KIND } from './studies/index.ts';
export type { Study, StudyContext, StudyResult, TheoryRow } from './studies/study.ts';
export { ScenarioError } from './scenario/errors.ts';
export type { Scenario, Check } from './scenario/schema.ts';
export type { CheckResult } from './scenario/checks.ts';
export type { RunOptions, RunOutcome, Summary, ReportFormat } from './scenario/run.ts';
export type { ChartSpec, Series } from './report/chart-spec.ts';
export { lineChart } from './report/chart-spec.ts';
export { PACKAGE } from './version.ts';

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

/**
 * Run a scenario object: validate it, run its study, evaluate its checks. With `outDir` the report
 * is also written to `<outDir>/<name>/`. Returns the summary (the contents of summary.json).
 */
export async function runScenario(input: unknown, opts: RunOptions & { file?: string; dir?: string } = {}): Promise<RunOutcome> {
  return runLoaded(loadScenario(input, opts), opts);
}

/** Run a scenario file (as `rnn-dynamics run FILE`). */
export async function runScenarioFile(file: string, opts: RunOptions = {}): Promise<RunOutcome> {
  return runLoaded(loadScenarioFromFile(file), opts);
}

/** The JSON Schema of scenario files. */
export function scenarioSchema(): Record<string, unknown> {
  return scenarioJsonSchema(STUDIES);
}
export { Mlp } from './models/mlp.ts';
export { inputOutputJacobian, singularValues, spectrumMoments, jacobianSpectrumVariance } from './analysis/input-output-jacobian.ts';
export { meanFieldDepthScales, criticalSigmaW2, type DepthScales } from './analysis/mean-field.ts';
export { wilsonInterval, type RateInterval } from './analysis/statistics.ts';
