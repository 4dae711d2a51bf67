/**
 * The long-lag tasks by name, with the zod schema of their options, so a scenario (or a sweep job
 * sent to a worker thread) can name a task as plain data: `{ name: 'adding-le2015', T: 100 }`.
 *
 * | name          | paper                                              | factory              |
 * |---------------|----------------------------------------------------|----------------------|
 * | adding-1997   | Hochreiter and Schmidhuber 1997, experiment 4      | addingProblem1997    |
 * | adding-le2015 | Le, Jaitly and Hinton 2015, section 4.1            | addingProblemLe2015  |
 * | temporal-order| Hochreiter and Schmidhuber 1997, experiment 6a     | temporalOrder        |
 * | latch         | Bengio, Simard and Frasconi 1994, section IV       | latch                |
 * | copy-memory   | Arjovsky, Shah and Bengio 2016, section 4.1        | copyMemory           |
 * | long-lag-2a   | Hochreiter and Schmidhuber 1997, experiment 2a     | noiseFreeLongLag     |
 * | long-lag-2c   | Hochreiter and Schmidhuber 1997, experiment 2c     | noisyLongLag         |
 * | flip-flop     | Sussillo and Barak 2013, section 3.1               | flipFlop             |
 *
 * Every option is optional here and takes the factory's default (the paper's value) when left out;
 * the factories check ranges again, so an out-of-range value from code that skipped the schema
 * still fails with a message naming the option.
 *
 * @example makeTask({ name: 'latch', T: 50 }).minimalLag // 47
 */
import { z } from 'zod';
import { addingProblem1997, addingProblemLe2015 } from './adding.ts';
import { copyMemory } from './copy-memory.ts';
import { flipFlop } from './flip-flop.ts';
import { latch } from './latch.ts';
import { noiseFreeLongLag, noisyLongLag } from './long-lag-1997.ts';
import { temporalOrder } from './temporal-order.ts';
import type { LongLagTask } from './task.ts';

const testSize = z.number().int().min(1).max(100000).optional().describe('test sequences of the success criterion (default 2560, the 1997 paper)');
const maxWrong = z.number().int().min(0).optional().describe('wrong test sequences the success criterion tolerates (default 0)');

const adding1997 = z
  .object({
    name: z.literal('adding-1997'),
    T: z.number().int().min(6).max(10000).optional().describe('minimal sequence length T (default 100)'),
    lengthJitter: z.boolean().optional().describe('draw lengths in [T, T + T/10] as the paper (default true)'),
    tolerance: z.number().positive().optional().describe('absolute error below which a sequence counts as correct (default 0.04)'),
    testSize,
    maxWrong,
  })
  .strict()
  .describe('the adding problem of Hochreiter and Schmidhuber (1997), experiment 4');

const addingLe2015 = z
  .object({
    name: z.literal('adding-le2015'),
    T: z.number().int().min(2).max(10000).optional().describe('sequence length T (default 100)'),
    mseThreshold: z.number().positive().optional().describe('success when the test MSE is below this (default 0.01; the baseline is 1/6)'),
    tolerance: z.number().positive().optional().describe('absolute error of the per-sequence rule counted as wrong (default 0.04)'),
    testSize,
  })
  .strict()
  .describe('the adding problem of Le, Jaitly and Hinton (2015), values in [0, 1], one marker per half');

const temporalOrderSpec = z
  .object({
    name: z.literal('temporal-order'),
    T: z.number().int().min(10).max(10000).optional().describe('scale: minimal length; the symbol windows scale with it (default 100)'),
    errorThreshold: z.number().positive().max(1).optional().describe('correct when every output is within this of its target (default 0.3)'),
    loss: z.enum(['cross-entropy', 'squared-error']).optional().describe("cross-entropy on softmax outputs (default) or the 1997 paper's squared error on one-hot targets"),
    testSize,
    maxWrong,
  })
  .strict()
  .describe('the temporal order problem of Hochreiter and Schmidhuber (1997), experiment 6a');

const latchSpec = z
  .object({
    name: z.literal('latch'),
    T: z.number().int().min(2).max(10000).optional().describe('sequence length T (default 100)'),
    L: z.number().int().min(1).optional().describe('leading steps that carry the class (default 3)'),
    noise: z.number().nonnegative().optional().describe('variance of the noise after step L (default 0.2)'),
    signalNoise: z.number().nonnegative().optional().describe('variance of the noise on the first L steps (default 0)'),
    target: z.number().positive().optional().describe('target magnitude (default 0.8)'),
    testSize,
    maxWrong,
  })
  .strict()
  .describe('the latch (two-sequence) problem of Bengio, Simard and Frasconi (1994)');

const copyMemorySpec = z
  .object({
    name: z.literal('copy-memory'),
    T: z.number().int().min(1).max(10000).optional().describe('delay between the symbols and the delimiter (default 100)'),
    symbols: z.number().int().min(1).optional().describe('symbols to remember (default 10)'),
    categories: z.number().int().min(2).optional().describe('data categories (default 8)'),
    successFraction: z.number().positive().max(1).optional().describe('success below this fraction of the memoryless baseline (default 0.1)'),
    testSize,
  })
  .strict()
  .describe('the copy-memory task of Arjovsky, Shah and Bengio (2016)');

const longLag2a = z
  .object({
    name: z.literal('long-lag-2a'),
    T: z.number().int().min(2).max(5000).optional().describe('the delay p: p + 1 symbols, p input steps (default 100)'),
    errorThreshold: z.number().positive().max(1).optional().describe('correct when every output is within this of its target (default 0.25)'),
    testSize,
    maxWrong,
  })
  .strict()
  .describe('noise-free sequences with long time lags: Hochreiter and Schmidhuber (1997), experiment 2a');

const longLag2c = z
  .object({
    name: z.literal('long-lag-2c'),
    T: z.number().int().min(1).max(5000).optional().describe('q: the minimal time lag is q + 1 (default 100)'),
    p: z.number().int().min(1).max(5000).optional().describe('distractor symbols (default: q, the upper block of the paper\'s table)'),
    kMax: z.number().int().min(0).max(5000).optional().describe('most distractors after the prefix (default 100)'),
    errorThreshold: z.number().positive().max(1).optional().describe('correct when both outputs are within this of their targets (default 0.2)'),
    testSize,
    maxWrong,
  })
  .strict()
  .describe('very long time lags with distractors: Hochreiter and Schmidhuber (1997), experiment 2c');

const flipFlopSpec = z
  .object({
    name: z.literal('flip-flop'),
    T: z.number().int().min(1).max(10000).optional().describe('sequence length T (default 50)'),
    bits: z.number().int().min(1).max(16).optional().describe('bits K: input and output lines (default 3)'),
    pulseProbability: z.number().min(0).max(1).optional().describe('probability of a pulse per step and line after step 1 (default 0.05)'),
    testSize: z.number().int().min(1).max(100000).optional().describe('test sequences of the success criterion (default 512)'),
    maxWrong,
  })
  .strict()
  .describe('the K-bit flip-flop of Sussillo and Barak (2013): hold the sign of the last pulse on each line');

/** A task by name with its options: the scenario-facing schema. */
export const TaskSpec = z.discriminatedUnion('name', [adding1997, addingLe2015, temporalOrderSpec, latchSpec, copyMemorySpec, longLag2a, longLag2c, flipFlopSpec]);
export type TaskSpec = z.infer<typeof TaskSpec>;

/** The task names, in table order. */
export const TASK_NAMES = ['adding-1997', 'adding-le2015', 'temporal-order', 'latch', 'copy-memory', 'long-lag-2a', 'long-lag-2c', 'flip-flop'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Build the task a spec names (trusted: parse scenario input with TaskSpec first). */
export function makeTask(spec: TaskSpec): LongLagTask {
  const { name, ...opts } = spec;
  switch (name) {
    case 'adding-1997':
      return addingProblem1997(opts as Omit<z.infer<typeof adding1997>, 'name'>);
    case 'adding-le2015':
      return addingProblemLe2015(opts as Omit<z.infer<typeof addingLe2015>, 'name'>);
    case 'temporal-order':
      return temporalOrder(opts as Omit<z.infer<typeof temporalOrderSpec>, 'name'>);
    case 'latch':
      return latch(opts as Omit<z.infer<typeof latchSpec>, 'name'>);
    case 'copy-memory':
      return copyMemory(opts as Omit<z.infer<typeof copyMemorySpec>, 'name'>);
    case 'long-lag-2a': {
      const { T, ...rest } = opts as Omit<z.infer<typeof longLag2a>, 'name'>;
      return noiseFreeLongLag({ ...rest, ...(T !== undefined ? { p: T } : {}) });
    }
    case 'long-lag-2c': {
      const { T, ...rest } = opts as Omit<z.infer<typeof longLag2c>, 'name'>;
      return noisyLongLag({ ...rest, ...(T !== undefined ? { q: T } : {}) });
    }
    case 'flip-flop':
      return flipFlop(opts as Omit<z.infer<typeof flipFlopSpec>, 'name'>);
  }
}
