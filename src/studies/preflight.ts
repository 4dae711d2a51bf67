/**
 * Everything knowable about a scenario before it runs, per study kind: weight files read and their
 * shape and dtype checked, the tasks of every lag built (so that a latch with L >= T, or a task
 * with its loss on every step where the study needs the last, is refused at validation), and
 * activation expressions inside configurations parsed. `validate` and `run` call it before any
 * work; each problem is `<field path>: expected ..., found ...`, reported with exit 2.
 *
 * Kept beside the studies (not inside each study file) so that it is one read: a study that
 * gains a parameter with a relation adds its line here, and its test in
 * test/scenario/preflight.test.ts.
 */
import { activation } from '../activations/index.ts';
import { resolveWeights, type WeightSpec, type WeightTarget } from '../models/weights-source.ts';
import { Rng } from '../init/rng.ts';
import { makeTask, type TaskSpec } from '../tasks/registry.ts';
import type { ModelSpec } from '../training/train.ts';
import type { AddingProblemSweepParams } from './adding-problem-sweep.ts';
import type { LatchSweepParams } from './latch-sweep.ts';
import type { LstmVsRnnGradientFlowParams } from './lstm-vs-rnn-gradient-flow.ts';
import type { RnnGradientFlowParams } from './rnn-gradient-flow.ts';
import type { RnnJacobianNormsParams } from './rnn-jacobian-norms.ts';
import type { GradientByLayerParams } from './feedforward-gradient-by-layer.ts';
import type { TrainingByDepthParams } from './feedforward-training-by-depth.ts';

export interface PreflightContext {
  /** Directory that relative weight-file paths resolve against. */
  scenarioDir: string;
}

/** A study's checks before work: one line per problem, `<path under params>: <what is wrong>`. */
type Check<P> = (p: P, ctx: PreflightContext) => string[];

/** Read and shape-check a weight given by values or file (named initialisations cannot fail). */
function weights(spec: WeightSpec, path: string, target: Omit<WeightTarget, 'field'>, ctx: PreflightContext): string[] {
  if ('init' in spec) return [];
  try {
    // the rng is never drawn from for values and files
    resolveWeights(spec, { ...target, field: path }, { rng: new Rng(0), baseDir: ctx.scenarioDir });
    return [];
  } catch (e) {
    const msg = (e as Error).message;
    const where = 'file' in spec ? `${path}.file` : `${path}.values`;
    return [`${where}: ${msg.startsWith(`${path}: `) ? msg.slice(path.length + 2) : msg}`];
  }
}

/** Build `task` at each T: the task's own checks (L < T for the latch, t2 before the trigger, ...). */
function tasks(task: TaskSpec, Ts: readonly { T: number; field: string }[]): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const { T, field } of Ts) {
    if (seen.has(T)) continue;
    seen.add(T);
    try {
      makeTask({ ...task, T } as TaskSpec);
    } catch (e) {
      problems.push(`${field}: the ${task.name} task cannot have T = ${T}: ${(e as Error).message.replace(/^[\w-]+: /, '')}`);
    }
  }
  return problems;
}

function distinctIds(models: readonly ModelSpec[], field: string): string[] {
  const ids = models.map((m) => m.id ?? m.kind);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  return dup === undefined ? [] : [`${field}: expected distinct model ids (set id: on repeated kinds), found "${dup}" twice`];
}

function activations(configs: readonly { activation: string }[], field: string): string[] {
  const problems: string[] = [];
  configs.forEach((c, i) => {
    try {
      activation(c.activation);
    } catch (e) {
      problems.push(`${field}[${i}].activation: ${(e as Error).message}`);
    }
  });
  return problems;
}

const lagFields = (lags: readonly number[]): { T: number; field: string }[] => lags.map((T, i) => ({ T, field: `lags[${i}]` }));

export const PREFLIGHT: Readonly<Record<string, Check<never>>> = {
  'rnn-jacobian-norms': ((p: RnnJacobianNormsParams, ctx) =>
    p.runs.flatMap((r, i) => [
      ...weights(r.W, `runs[${i}].W`, { rows: p.n, cols: p.n }, ctx),
      ...weights(r.U, `runs[${i}].U`, { rows: p.n, cols: p.m }, ctx),
      ...weights(r.b, `runs[${i}].b`, { rows: p.n, cols: 1, vector: true }, ctx),
    ])) as Check<RnnJacobianNormsParams>,
  'rnn-gradient-flow': ((p: RnnGradientFlowParams, ctx) => [
    ...weights(p.U, 'U', { rows: p.n, cols: p.m }, ctx),
    ...weights(p.b, 'b', { rows: p.n, cols: 1, vector: true }, ctx),
  ]) as Check<RnnGradientFlowParams>,
  'lstm-vs-rnn-gradient-flow': ((p: LstmVsRnnGradientFlowParams) => {
    const problems = tasks(p.task, [{ T: p.T, field: 'T' }]);
    if (problems.length === 0 && makeTask({ ...p.task, T: p.T } as TaskSpec).steps !== 'last') {
      problems.push(`task.name: expected a task with its loss at the last step only, found "${p.task.name}" (loss on every step)`);
    }
    return problems;
  }) as Check<LstmVsRnnGradientFlowParams>,
  'adding-problem-sweep': ((p: AddingProblemSweepParams) => [
    ...tasks(p.task, [
      ...lagFields(p.lags),
      { T: p.clipping.T, field: 'clipping.T' },
    ]),
    ...distinctIds(p.models, 'models'),
  ]) as Check<AddingProblemSweepParams>,
  'latch-sweep': ((p: LatchSweepParams) =>
    p.task.name !== 'latch' ? [`task.name: expected "latch", found "${p.task.name}"`] : tasks(p.task, lagFields(p.lags))) as Check<LatchSweepParams>,
  'feedforward-gradient-by-layer': ((p: GradientByLayerParams) => activations(p.configurations, 'configurations')) as Check<GradientByLayerParams>,
  'feedforward-training-by-depth': ((p: TrainingByDepthParams) => activations(p.configurations, 'configurations')) as Check<TrainingByDepthParams>,
};

/** The problems of a validated scenario's params, each as `params.<path>: ...`. */
export function preflight(kind: string, params: unknown, ctx: PreflightContext): string[] {
  const check = PREFLIGHT[kind] as Check<unknown> | undefined;
  return check ? check(params, ctx).map((p) => `params.${p}`) : [];
}
