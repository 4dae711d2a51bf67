/**
 * The scenario arguments of `run` and `validate`: files, directories (their *.yaml and *.yml,
 * sorted), glob patterns expanded here when the shell did not (a quoted 'scenarios/*.yaml'), and
 * `-` for a scenario on standard input. Problems are collected and reported together, naming the
 * argument and what was expected.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { limit, LIMITS } from '../scenario/limits.ts';
import { sleepSync } from '../report/write.ts';
import { formatBytes, readBounded } from '../scenario/safe-read.ts';

/** One scenario to load: its file name (as shown in messages) and, for stdin, its text. */
export interface ScenarioInput {
  file: string;
  text?: string;
}

/** The name standard input goes by in messages. */
export const STDIN = '<stdin>';

/**
 * Standard input, read up to the scenario size limit (as a file is): a larger input is refused
 * before it is all held in memory. @throws Error naming the limit and its variable.
 */
export function readStdinBounded(max: number = limit(LIMITS.scenarioBytes), fd = 0): string {
  // a non-blocking stdin (a terminal some shells hand over) may have no data yet: wait and retry
  const bytes = readBounded(fd, max, { wait: () => sleepSync(10) });
  if (bytes === null) throw new Error(`${STDIN}: the scenario is larger than the limit of ${formatBytes(max)} (${LIMITS.scenarioBytes.env} changes it)`);
  return bytes.toString('utf8');
}

export function expandInputs(args: readonly string[], readStdin: () => string = () => readStdinBounded()): { inputs: ScenarioInput[]; problems: string[] } {
  const inputs: ScenarioInput[] = [];
  const problems: string[] = [];
  let stdinUsed = false;
  for (const arg of args) {
    if (arg === '-') {
      if (stdinUsed) {
        problems.push('-: standard input can be given only once');
        continue;
      }
      stdinUsed = true;
      try {
        inputs.push({ file: STDIN, text: readStdin() });
      } catch (e) {
        problems.push((e as Error).message);
      }
      continue;
    }
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(arg);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      const yaml = readdirSync(arg)
        .filter((f) => /\.ya?ml$/i.test(f))
        .sort();
      if (yaml.length === 0) problems.push(`${arg}: expected a directory with *.yaml scenario files, found none`);
      for (const f of yaml) inputs.push({ file: join(arg, f) });
    } else if (stat) {
      inputs.push({ file: arg });
    } else if (isDynamicPattern(arg)) {
      const matches = globSync(arg, { onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) problems.push(`${arg}: expected the pattern to match scenario files, found none`);
      for (const f of matches) inputs.push({ file: f });
    } else {
      // a missing file: the loader names it with the reason
      inputs.push({ file: arg });
    }
  }
  return { inputs, problems };
}
