/**
 * The study kinds as types: each kind's parameters as a scenario may write them (defaults optional)
 * and its summary.json fields, both from the study's own declarations. The library's `runScenario`
 * is typed per kind through this map; a test checks it lists every registered study.
 */
import type { DoyaBifurcationParamsInput, DoyaBifurcationSummary } from './doya-bifurcation.ts';
import type { DoyaGeometricLossParamsInput, DoyaGeometricLossSummary } from './doya-geometric-loss.ts';
import type { RnnJacobianNormsParamsInput, RnnJacobianNormsSummary } from './rnn-jacobian-norms.ts';
import type { RnnGradientFlowParamsInput, RnnGradientFlowSummary } from './rnn-gradient-flow.ts';
import type { RnnLyapunovVsGainParamsInput, RnnLyapunovVsGainSummary } from './rnn-lyapunov-vs-gain.ts';
import type { LyapunovSpectrumParamsInput, LyapunovSpectrumSummary } from './lyapunov-spectrum.ts';
import type { LstmVsRnnGradientFlowParamsInput, LstmVsRnnGradientFlowSummary } from './lstm-vs-rnn-gradient-flow.ts';
import type { AddingProblemSweepParamsInput, AddingProblemSweepSummary } from './adding-problem-sweep.ts';
import type { LatchSweepParamsInput, LatchSweepSummary } from './latch-sweep.ts';
import type { FeedforwardGradientByLayerParamsInput, FeedforwardGradientByLayerSummary } from './feedforward-gradient-by-layer.ts';
import type { FeedforwardTrainingByDepthParamsInput, FeedforwardTrainingByDepthSummary } from './feedforward-training-by-depth.ts';
import type { EquilibriumContinuationParamsInput, EquilibriumContinuationSummary } from './equilibrium-continuation.ts';
import type { CtrnnBifurcationParamsInput, CtrnnBifurcationSummary } from './ctrnn-bifurcation.ts';
import type { LearningThroughBifurcationParamsInput, LearningThroughBifurcationSummary } from './learning-through-bifurcation.ts';
import type { JacobianSpectrumParamsInput, JacobianSpectrumSummary } from './jacobian-spectrum.ts';
import type { MeanFieldDepthScalesParamsInput, MeanFieldDepthScalesSummary } from './mean-field-depth-scales.ts';
import type { TrainabilitySweepParamsInput, TrainabilitySweepSummary } from './trainability-sweep.ts';
import type { OneUnitWallParamsInput, OneUnitWallSummary } from './one-unit-wall.ts';
import type { LyapunovExtensivityParamsInput, LyapunovExtensivitySummary } from './lyapunov-extensivity.ts';
import type { MlpTrainabilityParamsInput, MlpTrainabilitySummary } from './mlp-trainability.ts';
import type { InitTrainabilityParamsInput, InitTrainabilitySummary } from './init-trainability.ts';
import type { PrecisionHorizonParamsInput, PrecisionHorizonSummary } from './precision-horizon.ts';
import type { FixedPointsParamsInput, FixedPointsSummary } from './fixed-points.ts';
import type { ActivationSaturationParamsInput, ActivationSaturationSummary } from './activation-saturation.ts';

export interface StudyKinds {
  'doya-bifurcation': { params: DoyaBifurcationParamsInput; summary: DoyaBifurcationSummary };
  'doya-geometric-loss': { params: DoyaGeometricLossParamsInput; summary: DoyaGeometricLossSummary };
  'rnn-jacobian-norms': { params: RnnJacobianNormsParamsInput; summary: RnnJacobianNormsSummary };
  'rnn-gradient-flow': { params: RnnGradientFlowParamsInput; summary: RnnGradientFlowSummary };
  'rnn-lyapunov-vs-gain': { params: RnnLyapunovVsGainParamsInput; summary: RnnLyapunovVsGainSummary };
  'lyapunov-spectrum': { params: LyapunovSpectrumParamsInput; summary: LyapunovSpectrumSummary };
  'lstm-vs-rnn-gradient-flow': { params: LstmVsRnnGradientFlowParamsInput; summary: LstmVsRnnGradientFlowSummary };
  'adding-problem-sweep': { params: AddingProblemSweepParamsInput; summary: AddingProblemSweepSummary };
  'latch-sweep': { params: LatchSweepParamsInput; summary: LatchSweepSummary };
  'feedforward-gradient-by-layer': { params: FeedforwardGradientByLayerParamsInput; summary: FeedforwardGradientByLayerSummary };
  'feedforward-training-by-depth': { params: FeedforwardTrainingByDepthParamsInput; summary: FeedforwardTrainingByDepthSummary };
  'equilibrium-continuation': { params: EquilibriumContinuationParamsInput; summary: EquilibriumContinuationSummary };
  'ctrnn-bifurcation': { params: CtrnnBifurcationParamsInput; summary: CtrnnBifurcationSummary };
  'learning-through-bifurcation': { params: LearningThroughBifurcationParamsInput; summary: LearningThroughBifurcationSummary };
  'jacobian-spectrum': { params: JacobianSpectrumParamsInput; summary: JacobianSpectrumSummary };
  'mean-field-depth-scales': { params: MeanFieldDepthScalesParamsInput; summary: MeanFieldDepthScalesSummary };
  'trainability-sweep': { params: TrainabilitySweepParamsInput; summary: TrainabilitySweepSummary };
  'one-unit-wall': { params: OneUnitWallParamsInput; summary: OneUnitWallSummary };
  'lyapunov-extensivity': { params: LyapunovExtensivityParamsInput; summary: LyapunovExtensivitySummary };
  'mlp-trainability': { params: MlpTrainabilityParamsInput; summary: MlpTrainabilitySummary };
  'init-trainability': { params: InitTrainabilityParamsInput; summary: InitTrainabilitySummary };
  'precision-horizon': { params: PrecisionHorizonParamsInput; summary: PrecisionHorizonSummary };
  'fixed-points': { params: FixedPointsParamsInput; summary: FixedPointsSummary };
  'activation-saturation': { params: ActivationSaturationParamsInput; summary: ActivationSaturationSummary };
}

/** A study kind, e.g. 'doya-bifurcation'. */
export type StudyKind = keyof StudyKinds;

/** The kinds in registry order (the test compares it with STUDIES). */
export const STUDY_KINDS = ['doya-bifurcation', 'doya-geometric-loss', 'rnn-jacobian-norms', 'rnn-gradient-flow', 'rnn-lyapunov-vs-gain', 'lyapunov-spectrum', 'lstm-vs-rnn-gradient-flow', 'adding-problem-sweep', 'latch-sweep', 'feedforward-gradient-by-layer', 'feedforward-training-by-depth', 'equilibrium-continuation', 'ctrnn-bifurcation', 'learning-through-bifurcation', 'jacobian-spectrum', 'mean-field-depth-scales', 'trainability-sweep', 'one-unit-wall', 'lyapunov-extensivity', 'mlp-trainability', 'init-trainability', 'precision-horizon', 'fixed-points', 'activation-saturation'] as const satisfies readonly StudyKind[];
