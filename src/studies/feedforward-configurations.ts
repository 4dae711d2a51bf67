/**
 * The network configurations and the teacher task shared by the two feed-forward studies
 * (feedforward-gradient-by-layer, feedforward-training-by-depth): the problem (sigmoid with a poor
 * initialisation) and its remedies, their scenario schema and their colours, so that a remedy has
 * the same name and colour in every chart of both studies.
 */
import { z } from 'zod';
import { INITIALISATIONS, type InitName } from '../init/weights.ts';
import { styleByName } from '../report/chart-spec.ts';

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
