/**
 * The limits that protect a run from hostile or mistaken input, each with its default and the
 * environment variable that changes it (the README's "Errors and limits" section lists them).
 * A limit is checked before any work starts, and exceeding it is bad input (exit 2).
 */
import { totalmem } from 'node:os';

export interface Limit {
  /** Environment variable that overrides the default. */
  env: string;
  default: number;
  /** What is limited, for messages. */
  what: string;
}

export const LIMITS = {
  scenarioBytes: { env: 'RNN_DYNAMICS_MAX_SCENARIO_BYTES', default: 1 << 20, what: 'size of a scenario file in bytes' },
  scenarioNodes: { env: 'RNN_DYNAMICS_MAX_SCENARIO_NODES', default: 100_000, what: 'values and keys in a scenario file' },
  weightsBytes: { env: 'RNN_DYNAMICS_MAX_WEIGHTS_BYTES', default: 256 << 20, what: 'size of a weights file in bytes' },
} as const satisfies Record<string, Limit>;

/** The limit in force: the environment variable when it holds a positive number, else the default. */
export function limit(l: Limit): number {
  const raw = process.env[l.env];
  if (raw === undefined || raw.trim() === '') return l.default;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${l.env}: expected a positive number, found ${JSON.stringify(raw.slice(0, 40))}`);
  return v;
}

/**
 * Default memory budget of one study: half of the machine's memory (or of the container's limit
 * when Node reports one), so that the estimate's error and the process's own overhead still fit.
 */
export function defaultMaxMemory(): number {
  const constrained = (process as unknown as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const total = constrained && constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return Math.floor(total / 2);
}
