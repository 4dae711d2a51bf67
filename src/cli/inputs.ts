/**
 * The scenario arguments of `run` and `validate`: files, directories (their *.yaml and *.yml,
 * sorted), glob patterns expanded here when the shell did not (a quoted 'scenarios/*.yaml'), and
 * `-` for a scenario on standard input. Problems are collected and reported together, naming the
 * argument and what was expected.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';

/** One scenario to load: its file name (as shown in messages) and, for stdin, its text. */
export interface ScenarioInput {
  file: string;
  text?: string;
}

/** The name standard input goes by in messages. */
export const STDIN = '<stdin>';

export function expandInputs(args: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): { inputs: ScenarioInput[]; problems: string[] } {
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
      inputs.push({ file: STDIN, text: readStdin() });
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
