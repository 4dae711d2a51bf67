/**
 * The rnn-dynamics command line.
 *
 * Exit codes: 0 success; 1 a declared check failed; 2 bad input (malformed scenario, unknown kind,
 * bad option); 3 a study failed while running (a bug or a numerical breakdown: please report it).
 */
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../scenario/errors.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.ts';
import { DEFAULT_FORMATS, REPORT_FORMATS, type ReportFormat } from '../scenario/run.ts';
import { scenarioJsonSchema } from '../scenario/schema.ts';
import { STUDIES, STUDIES_BY_KIND } from '../studies/index.ts';
import { PACKAGE } from '../version.ts';
import { createProgress } from './progress.ts';
import { formatNumber } from '../report/format.ts';
import { BadInputError, describeFailure, guardReports, writeUserFile } from './guard.ts';
import { announceOutDir, announceRunning, exitIfOrphaned } from './child.ts';
import { budgetFrom, checkBudget, costNote, parseDuration, parseMemory } from './budget.ts';
import { addClusterCommands, shardLine, shardOption } from './cluster.ts';
import { runJournaled } from '../sweeps/shards.ts';
import { SweepInputError } from '../sweeps/journal.ts';

export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, studyFailed: 3 } as const;

class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Validate every file first: one bad file means nothing is run and nothing is written. */
function loadAll(files: string[]): LoadedScenario[] {
  const loaded: LoadedScenario[] = [];
  const errors: string[] = [];
  for (const f of files) {
    try {
      loaded.push(loadScenarioFile(f, STUDIES_BY_KIND));
    } catch (e) {
      if (e instanceof ScenarioError) errors.push(e.message);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  for (const l of loaded) {
    const other = seen.get(l.scenario.name);
    if (other) errors.push(`${l.file}: name: expected a name unique among the files run, found "${l.scenario.name}" (also in ${other})`);
    seen.set(l.scenario.name, l.file);
  }
  if (errors.length > 0) {
    process.stderr.write(errors.join('\n') + '\n');
    process.stderr.write(`rnn-dynamics: ${errors.length === 1 ? 'a scenario is' : 'scenarios are'} invalid; nothing was run or written.\n`);
    throw new ExitError(EXIT.badInput);
  }
  return loaded;
}

/** `--format png,svg`: the formats named, each known; anything else is bad input (exit 2). */
function parseFormats(list: string): ReportFormat[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    process.stderr.write(`rnn-dynamics: --format: expected a comma-separated list of ${REPORT_FORMATS.join(', ')}, found ${JSON.stringify(list)}\n`);
    throw new ExitError(EXIT.badInput);
  }
  return [...new Set(names)] as ReportFormat[];
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('rnn-dynamics')
    .description('Simulate the vanishing and exploding gradient problem in recurrent networks: run scenario files into PNG reports.')
    .version(PACKAGE.version)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', `\nExit codes: 0 ok, 1 a declared check failed, 2 bad input, 3 a study failed while running.`);

  program
    .command('run')
    .description('Run scenario files and write reports/<name>/ (charts, report.md, summary.json, CSV)')
    .argument('<files...>', 'scenario YAML files')
    .option('-o, --out <dir>', 'directory that receives <name>/ per scenario', 'reports')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('-f, --format <list>', `comma-separated report formats: ${REPORT_FORMATS.join(', ')} (charts as PNG, SVG, PDF; interactive report.html)`, DEFAULT_FORMATS.join(','))
    .option('--shard <i/N>', "run only the i-th (from 0) of N deterministic subsets of a sweep's jobs into <out>/<name>.shards/; then `rnn-dynamics merge`")
    .option('--resume', 'continue the journal of a killed run (or shard): only unfinished jobs run')
    .option('--max-memory <size>', 'refuse scenarios estimated to need more memory (default: half the machine\'s)', parseMemory)
    .option('--max-time <duration>', 'refuse scenarios estimated to compute longer, e.g. 10m (default: no limit)', parseDuration)
    .action(async (files: string[], opts: { out: string; progress: boolean; format: string; shard?: string; resume?: boolean; maxMemory?: number; maxTime?: number }) => {
      const formats = parseFormats(opts.format);
      const shard = shardOption(opts.shard, (code) => new ExitError(code));
      const loaded = loadAll(files);
      const overBudget = checkBudget(loaded, budgetFrom(opts));
      if (overBudget.length > 0) throw new BadInputError(overBudget.join('\n'));
      const guard = guardReports(opts.out, loaded, shard);
      announceOutDir(opts.out);
      const progress = createProgress(opts.progress ? undefined : false);
      const sink: typeof progress.sink = (...a) => {
        exitIfOrphaned();
        progress.sink(...a);
      };
      let failedChecks = 0;
      try {
        for (const l of loaded) {
          let outcome;
          announceRunning(l.scenario.name);
          try {
            outcome = await runJournaled(l, {
              outDir: opts.out,
              formats,
              progress: sink,
              ...(shard ? { shard } : {}),
              resume: opts.resume ?? false,
              notify: (line) => process.stderr.write(line + '\n'),
            });
          } catch (e) {
            progress.stop();
            if (e instanceof SweepInputError) {
              process.stderr.write(`${e.message}\n`);
              throw new ExitError(EXIT.badInput);
            }
            process.stderr.write(`${l.file}: the ${l.scenario.kind} study failed: ${describeFailure(e)}\n`);
            process.stderr.write(`rnn-dynamics: no report was written for ${l.scenario.name}; any older report is untouched.\n`);
            throw new ExitError(EXIT.studyFailed);
          }
          if (outcome.kind === 'shard') {
            progress.log(shardLine(l.scenario.name, outcome));
            continue;
          }
          const { summary, reportDir } = outcome.outcome;
          const passed = summary.checks.filter((c) => c.pass).length;
          progress.log(`${l.scenario.name}: wrote ${reportDir}/ (checks: ${passed} of ${summary.checks.length} passed)`);
          for (const c of summary.checks.filter((c) => !c.pass)) {
            failedChecks++;
            process.stderr.write(`${l.file}: check failed: ${c.name} (${c.path}): measured ${formatNumber(c.measured)}; ${c.reason ?? ''}\n`);
          }
        }
      } finally {
        progress.stop();
        guard.release();
      }
      if (failedChecks > 0) throw new ExitError(EXIT.checkFailed);
    });

  program
    .command('validate')
    .description('Check scenario files against the schema without running them')
    .argument('<files...>', 'scenario YAML files')
    .option('--max-memory <size>', 'as for run: refuse scenarios estimated to need more memory', parseMemory)
    .option('--max-time <duration>', 'as for run: refuse scenarios estimated to compute longer', parseDuration)
    .action((files: string[], opts: { maxMemory?: number; maxTime?: number }) => {
      const loaded = loadAll(files);
      const overBudget = checkBudget(loaded, budgetFrom(opts));
      if (overBudget.length > 0) throw new BadInputError(overBudget.join('\n'));
      for (const l of loaded) process.stdout.write(`${l.file}: valid ${l.scenario.kind} scenario "${l.scenario.name}"${costNote(l)}\n`);
    });

  program
    .command('list')
    .description('List the study kinds a scenario can name, one line each')
    .action(() => {
      const width = Math.max(...STUDIES.map((s) => s.kind.length), 4);
      for (const s of STUDIES) process.stdout.write(`${s.kind.padEnd(width)}  ${s.summary}\n`);
    });

  program
    .command('schema')
    .description('Print the JSON Schema of scenario files (for editor autocompletion)')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .action((opts: { out?: string }) => {
      const text = JSON.stringify(scenarioJsonSchema(STUDIES), null, 2) + '\n';
      if (opts.out) writeUserFile(opts.out, text);
      else process.stdout.write(text);
    });

  addClusterCommands(program, (code) => new ExitError(code));

  return program;
}

/** Run the CLI on argv and return the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ExitError) return e.code;
    if (e instanceof BadInputError) {
      process.stderr.write(`${e.message}\nrnn-dynamics: nothing was run or written.\n`);
      return EXIT.badInput;
    }
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    process.stderr.write(`rnn-dynamics: ${describeFailure(e)}\n`);
    return EXIT.studyFailed;
  }
}
