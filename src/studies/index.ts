/**
 * The registry of studies: one per scenario `kind`, in the order `rnn-dynamics list` shows them.
 */
import type { Study } from './study.ts';
import { doyaBifurcationStudy } from './doya-bifurcation.ts';
import { doyaGeometricLossStudy } from './doya-geometric-loss.ts';
import { rnnJacobianNormsStudy } from './rnn-jacobian-norms.ts';
import { rnnGradientFlowStudy } from './rnn-gradient-flow.ts';
import { rnnLyapunovVsGainStudy } from './rnn-lyapunov-vs-gain.ts';
import { lyapunovSpectrumStudy } from './lyapunov-spectrum.ts';
import { lstmVsRnnGradientFlowStudy } from './lstm-vs-rnn-gradient-flow.ts';
import { addingProblemSweepStudy } from './adding-problem-sweep.ts';
import { latchSweepStudy } from './latch-sweep.ts';
import { feedforwardGradientByLayer } from './feedforward-gradient-by-layer.ts';
import { feedforwardTrainingByDepth } from './feedforward-training-by-depth.ts';
import { equilibriumContinuationStudy } from './equilibrium-continuation.ts';
import { ctrnnBifurcationStudy } from './ctrnn-bifurcation.ts';
import { learningThroughBifurcationStudy } from './learning-through-bifurcation.ts';
import { jacobianSpectrumStudy } from './jacobian-spectrum.ts';
import { meanFieldDepthScalesStudy } from './mean-field-depth-scales.ts';
import { trainabilitySweepStudy } from './trainability-sweep.ts';
import { oneUnitWallStudy } from './one-unit-wall.ts';
import { lyapunovExtensivityStudy } from './lyapunov-extensivity.ts';
import { mlpTrainabilityStudy } from './mlp-trainability.ts';
import { initTrainabilityStudy } from './init-trainability.ts';
import { precisionHorizonStudy } from './precision-horizon.ts';
import { fixedPointsStudy } from './fixed-points.ts';
import { activationSaturationStudy } from './activation-saturation.ts';

export const STUDIES: readonly Study[] = [
  doyaBifurcationStudy,
  doyaGeometricLossStudy,
  rnnJacobianNormsStudy,
  rnnGradientFlowStudy,
  rnnLyapunovVsGainStudy,
  lyapunovSpectrumStudy,
  lstmVsRnnGradientFlowStudy,
  addingProblemSweepStudy,
  latchSweepStudy,
  feedforwardGradientByLayer,
  feedforwardTrainingByDepth,
  equilibriumContinuationStudy,
  ctrnnBifurcationStudy,
  learningThroughBifurcationStudy,
  jacobianSpectrumStudy,
  meanFieldDepthScalesStudy,
  trainabilitySweepStudy,
  oneUnitWallStudy,
  lyapunovExtensivityStudy,
  mlpTrainabilityStudy,
  initTrainabilityStudy,
  precisionHorizonStudy,
  fixedPointsStudy,
  activationSaturationStudy,
] as Study[];

export const STUDIES_BY_KIND: ReadonlyMap<string, Study> = new Map(STUDIES.map((s) => [s.kind, s]));
