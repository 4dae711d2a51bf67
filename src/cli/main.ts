/**
 * The rnn-dynamics command line.
 *
 * Exit codes: 0 success; 1 a declared check failed; 2 bad input (malformed scenario, unknown kind,
 * bad option); 3 a study failed while running (a bug or a numerical breakdown: please report it).
 */
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DEFAULT_FORMATS, REPORT_FORMATS } from '../scenario/run.ts';
import { scenarioJsonSchema } from '../scenario/schema.ts';
import { STUDIES, STUDIES_BY_KIND } from '../studies/index.ts';
import { PACKAGE } from '../version.ts';
import { costNote, parseDuration, parseMemory } from './budget.ts';
import { addClusterCommands, shardOption } from './cluster.ts';
import { compareCommand } from './compare.ts';
import { describeStudy, studyOrError, writeNewScenario } from './describe.ts';
import { EXIT } from './exit-codes.ts';
import { parseFormats } from './formats.ts';
import { BadInputError, describeFailure, writeUserFile } from './guard.ts';
import { planRuns, reportProblems, runCommand, type RunCommandOptions } from './run-command.ts';

export { EXIT };

class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Commander collects a repeatable option into a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, found ${JSON.stringify(value)}`);
  return n;
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
    .description('Run scenarios and write reports/<name>/ (charts, report.md, summary.json, CSV); sweeps write one combined report')
    .argument('<files...>', 'scenario YAML files, directories (their *.yaml), glob patterns, or - for standard input')
    .option('-o, --out <dir>', 'directory that receives <name>/ per scenario', 'reports')
    .option('--set <path=value...>', 'override a field before validation, e.g. --set params.w=6 --set seed=3 (repeatable)', collect, [])
    .option('--sweep <path=values...>', 'sweep a field: a range 4.5:8:0.5 (stop included), a list a,b,c; twice for a grid', collect, [])
    .option('--plot <path...>', 'summary paths to tabulate and chart against the swept parameter (default: the check paths)', collect, [])
    .option('--threads <n>', 'sweep points run at once (default: every core)', positiveInt)
    .option('--json', 'print one JSON line per finished report on stdout (name, dir, checks, warnings, status)')
    .option('--strict', 'exit 1 when a report has warnings (a theory row that disagrees, an invalid set-up)')
    .option('--no-progress', 'no progress bar or progress lines')
    .option('-f, --format <list>', `comma-separated report formats: ${REPORT_FORMATS.join(', ')} (charts as PNG, SVG, PDF; interactive report.html)`, DEFAULT_FORMATS.join(','))
    .option('--shard <i/N>', "run only the i-th (from 0) of N deterministic subsets of a study's jobs into <out>/<name>.shards/; then `rnn-dynamics merge`")
    .option('--resume', 'continue the journal of a killed run (or shard): only unfinished jobs run')
    .option('--max-memory <size>', "refuse scenarios estimated to need more memory, e.g. 4G (default: half the machine's)", parseMemory)
    .option('--max-time <duration>', 'refuse scenarios estimated to compute longer, e.g. 10m (default: no limit)', parseDuration)
    .action(async (files: string[], opts: Omit<RunCommandOptions, 'formats' | 'shard'> & { format: string; shard?: string }) => {
      const formats = parseFormats(opts.format, (code) => new ExitError(code));
      const shard = shardOption(opts.shard, (code) => new ExitError(code));
      const { shard: _text, format: _format, ...rest } = opts;
      const code = await runCommand(files, { ...rest, formats, ...(shard ? { shard } : {}) });
      if (code !== EXIT.ok) throw new ExitError(code);
    });

  program
    .command('validate')
    .description('Check scenarios (fields, check paths, overrides, every sweep point) without running them')
    .argument('<files...>', 'scenario YAML files, directories, glob patterns, or - for standard input')
    .option('--set <path=value...>', 'override a field first, as run does', collect, [])
    .option('--sweep <path=values...>', 'validate every point of a sweep, as run does', collect, [])
    .option('--plot <path...>', 'sweep plot paths to check', collect, [])
    .option('--max-memory <size>', 'as for run: refuse scenarios estimated to need more memory', parseMemory)
    .option('--max-time <duration>', 'as for run: refuse scenarios estimated to compute longer', parseDuration)
    .action((files: string[], opts: { set: string[]; sweep: string[]; plot: string[]; maxMemory?: number; maxTime?: number }) => {
      const { planned, problems } = planRuns(files, opts);
      if (problems.length > 0) {
        reportProblems(problems);
        throw new ExitError(EXIT.badInput);
      }
      for (const { loaded: l, sweep } of planned) {
        const what = sweep ? ` (a sweep of ${sweep.points.length} points over ${sweep.axes.map((a) => a.path).join(' x ')})` : costNote(l);
        process.stdout.write(`${l.file}: valid ${l.scenario.kind} scenario "${l.scenario.name}"${what}\n`);
      }
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
    .description('Print the JSON Schema of scenario files (for editor autocompletion and validation)')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .option('--kind <kind>', 'the schema of one study kind only')
    .action((opts: { out?: string; kind?: string }) => {
      if (opts.kind !== undefined) {
        const s = studyOrError(opts.kind, STUDIES_BY_KIND);
        if (typeof s === 'string') {
          process.stderr.write(`rnn-dynamics schema: --kind: ${s}\n`);
          throw new ExitError(EXIT.badInput);
        }
      }
      const text = JSON.stringify(scenarioJsonSchema(STUDIES, opts.kind !== undefined ? { kind: opts.kind } : {}), null, 2) + '\n';
      if (opts.out) writeUserFile(opts.out, text);
      else process.stdout.write(text);
    });

  program
    .command('describe')
    .description("Describe a study kind: its parameters (type, default, range, meaning), charts, and every summary.json path")
    .argument('<kind>', 'a study kind (rnn-dynamics list)')
    .action((kind: string) => {
      const s = studyOrError(kind, STUDIES_BY_KIND);
      if (typeof s === 'string') {
        process.stderr.write(`rnn-dynamics describe: ${s}\n`);
        throw new ExitError(EXIT.badInput);
      }
      process.stdout.write(describeStudy(s));
    });

  program
    .command('new')
    .description('Write a scenario file with every parameter at its default, commented (name.yaml, default name: the kind)')
    .argument('<kind>', 'a study kind (rnn-dynamics list)')
    .argument('[name]', 'scenario name and file name (lower-case letters, digits, -)')
    .option('-o, --out <dir>', 'directory for the file', '.')
    .option('--force', 'replace an existing file')
    .action((kind: string, name: string | undefined, opts: { out: string; force?: boolean }) => {
      const s = studyOrError(kind, STUDIES_BY_KIND);
      if (typeof s === 'string') {
        process.stderr.write(`rnn-dynamics new: ${s}\n`);
        throw new ExitError(EXIT.badInput);
      }
      const file = join(opts.out, `${name ?? kind}.yaml`);
      const error = writeNewScenario(s, name ?? kind, file, opts.force ?? false);
      if (error) {
        process.stderr.write(`rnn-dynamics new: ${error}\n`);
        throw new ExitError(EXIT.badInput);
      }
      process.stdout.write(`wrote ${file}: a ${kind} scenario with every default (run it: rnn-dynamics run ${file})\n`);
    });

  program
    .command('compare')
    .description('Write a comparison report of two reports: changed parameters, summary numbers side by side, overlaid charts')
    .argument('<a>', 'a report directory (with summary.json)')
    .argument('<b>', 'the other report directory')
    .option('-o, --out <dir>', 'directory that receives the comparison report', 'reports')
    .option('--name <name>', 'name of the comparison report (default: compare-<a>-vs-<b>)')
    .action(async (a: string, b: string, opts: { out: string; name?: string }) => {
      const code = await compareCommand(a, b, opts);
      if (code !== EXIT.ok) throw new ExitError(code);
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
