/**
 * `rnn-dynamics run`: scenario files, directories, globs or `-`; `--set` overrides; sweeps
 * (`--sweep`, or a `sweep:` block in the scenario) with one combined report; `--json` lines on
 * stdout; warnings (theory rows that disagree, set-ups a study found invalid) on stderr, and
 * `--strict` to make them fail the run.
 *
 * Everything knowable is checked before anything runs: every file, every override, every sweep
 * point, every check path. Exit codes: 0 ok; 1 a declared check failed (or, with --strict, a
 * warning); 2 bad input, nothing run or written; 3 a study failed while running.
 */
import { ScenarioError } from '../scenario/errors.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.ts';
import { axesOfBlock, parseSet, parseSweep, type Override, type SweepAxis, type SweepPoint } from '../scenario/overrides.ts';
import type { ReportFormat, Summary } from '../scenario/run.ts';
import { runJournaled } from '../sweeps/shards.ts';
import { SweepInputError } from '../sweeps/journal.ts';
import type { Shard } from '../sweeps/journal.ts';
import { shardLine } from './cluster.ts';
import { checkSummaryPath } from '../scenario/summary-schema.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';
import { formatNumber } from '../report/format.ts';
import { expandInputs } from './inputs.ts';
import { EXIT } from './exit-codes.ts';
import { createProgress } from './progress.ts';
import { budgetFrom, checkBudget } from './budget.ts';
import { announceOutDir, announceRunning } from './child.ts';
import { exitIfOrphaned } from '../report/write.ts';
import { describeFailure, guardReports } from './guard.ts';
import { planSweep, runPlannedSweep, type PlannedSweep } from './sweep.ts';


export interface RunCommandOptions {
  out: string;
  /** Chart images and report.html to write (default png and html). */
  formats?: readonly ReportFormat[];
  progress: boolean;
  set?: string[];
  sweep?: string[];
  plot?: string[];
  threads?: number;
  json?: boolean;
  strict?: boolean;
  /** Run only this shard of a study's own job list (src/sweeps/), journaled; `merge` builds the report. */
  shard?: Shard;
  /** Continue the journal of a killed run. */
  resume?: boolean;
  /** Refuse scenarios estimated to need more memory (bytes; default half the machine's). */
  maxMemory?: number;
  /** Refuse scenarios estimated to compute longer (seconds; default no limit). */
  maxTime?: number;
}

/** Options shared by run and validate: what to load and how to change it. */
export interface LoadRequest {
  set?: string[];
  sweep?: string[];
  plot?: string[];
  threads?: number;
  maxMemory?: number;
  maxTime?: number;
}

export interface Planned {
  loaded: LoadedScenario;
  /** Present when the scenario is a sweep (from --sweep or its sweep: block). */
  sweep?: PlannedSweep;
}

/**
 * Expand the arguments, parse the overrides and load every scenario (with its sweep points).
 * Returns the plans, or the problems (each naming the file or option) when anything is wrong.
 */
export function planRuns(args: readonly string[], req: LoadRequest): { planned: Planned[]; problems: string[] } {
  const problems: string[] = [];
  const { inputs, problems: inputProblems } = expandInputs(args);
  problems.push(...inputProblems);
  const overrides: Override[] = [];
  const axes: SweepAxis[] = [];
  for (const s of req.set ?? []) {
    try {
      overrides.push(parseSet(s));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const s of req.sweep ?? []) {
    try {
      axes.push(parseSweep(s));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (axes.length > 2) problems.push(`--sweep: expected one parameter (a line) or two (a grid), found ${axes.length}`);
  const planned: Planned[] = [];
  for (const input of inputs) {
    try {
      const loaded = loadScenarioFile(input.file, STUDIES_BY_KIND, { ...(input.text !== undefined ? { text: input.text } : {}), overrides });
      const block = loaded.scenario.sweep;
      const sweepAxes = axes.length > 0 ? axes : block ? axesOfBlock(block) : undefined;
      if (sweepAxes) {
        const plot = req.plot && req.plot.length > 0 ? req.plot : block?.plot;
        planned.push({ loaded, sweep: planSweep(loaded, sweepAxes, plot, req.threads ?? block?.threads) });
      } else {
        if (req.plot && req.plot.length > 0) problems.push(`${input.file}: --plot is for sweeps; give --sweep PATH=VALUES or a sweep: block`);
        planned.push({ loaded });
      }
    } catch (e) {
      if (e instanceof ScenarioError) problems.push(e.message);
      else throw e;
    }
  }
  if (req.plot) {
    for (const p of planned) {
      if (!p.sweep) continue;
      for (const path of req.plot) {
        const bad = problemsOfPlot(p.loaded, path);
        if (bad) problems.push(`${p.loaded.file}: --plot ${path}: ${bad}`);
      }
    }
  }
  // the cost model (src/scenario/cost.ts) refuses what would not fit before anything runs
  problems.push(...checkBudget(planned.flatMap((p) => (p.sweep ? p.sweep.pointScenarios : [p.loaded])), budgetFrom(req)));
  const seen = new Map<string, string>();
  for (const { loaded: l } of planned) {
    const other = seen.get(l.scenario.name);
    if (other) problems.push(`${l.file}: name: expected a name unique among the files run, found "${l.scenario.name}" (also in ${other})`);
    seen.set(l.scenario.name, l.file);
  }
  return { planned, problems };
}

function problemsOfPlot(l: LoadedScenario, path: string): string | null {
  return checkSummaryPath(l.study.summarySchema, path, 'number');
}

/** Print the problems and the exit-2 line. */
export function reportProblems(problems: readonly string[]): void {
  process.stderr.write(problems.join('\n') + '\n');
  process.stderr.write(`rnn-dynamics: ${problems.length === 1 ? 'a scenario is' : 'scenarios are'} invalid; nothing was run or written.\n`);
}

/** One line of --json output per finished report. */
export interface JsonLine {
  name: string;
  file: string;
  kind: string;
  dir: string | null;
  /** For a sweep point: the sweep's name and the point's values. */
  sweep?: string;
  point?: Record<string, unknown>;
  checks: { passed: number; total: number; failed: string[] };
  warnings: string[];
  /** The exit status this report alone would give: 0, 1 (a failed check, or a warning with --strict), 3 (failed). */
  status: number;
  error?: string;
}

function statusOf(checksPassed: boolean, warnings: number, strict: boolean | undefined): number {
  return !checksPassed || (strict && warnings > 0) ? EXIT.checkFailed : EXIT.ok;
}

function checksOf(summary: Pick<Summary, 'checks'>): JsonLine['checks'] {
  return { passed: summary.checks.filter((c) => c.pass).length, total: summary.checks.length, failed: summary.checks.filter((c) => !c.pass).map((c) => c.name) };
}

/** Run the command; returns the exit code. */
export async function runCommand(args: readonly string[], opts: RunCommandOptions): Promise<number> {
  const { planned, problems } = planRuns(args, opts);
  if (opts.shard) {
    for (const p of planned) if (p.sweep) problems.push(`${p.loaded.file}: --shard splits a study's own job list; a parameter sweep (--sweep or sweep:) runs whole points: run it without --shard`);
  }
  if (problems.length > 0) {
    reportProblems(problems);
    return EXIT.badInput;
  }
  // a supervised run whose supervisor was killed while it started does no work (src/cli/child.ts)
  exitIfOrphaned();
  // a lock per report name, and nothing replaced that this tool did not write (throws BadInputError)
  const guard = guardReports(opts.out, planned.map((p) => p.loaded), opts.shard);
  announceOutDir(opts.out);
  const progress = createProgress(opts.progress ? undefined : false);
  const sink: typeof progress.sink = (...a) => {
    exitIfOrphaned();
    progress.sink(...a);
  };
  const json = (line: JsonLine): void => {
    if (opts.json) progress.write(JSON.stringify(line) + '\n');
  };
  // with --json, stdout carries only the JSON lines; the human lines go to stderr
  const say = (line: string): void => (opts.json ? progress.logTo(process.stderr, line) : progress.log(line));
  let failed = false;
  let warned = false;
  try {
    for (const { loaded: l, sweep } of planned) {
      announceRunning(l.scenario.name);
      const warn = (where: string, warnings: readonly string[]): void => {
        for (const w of warnings) progress.logTo(process.stderr, `${where}: warning: ${w}`);
        if (warnings.length > 0) warned = true;
      };
      const failedChecks = (where: string, s: Summary): void => {
        for (const c of s.checks.filter((c) => !c.pass)) {
          failed = true;
          progress.logTo(process.stderr, `${where}: check failed: ${c.name} (${c.path}): measured ${formatNumber(c.measured)}; ${c.reason ?? ''}`);
        }
      };
      try {
        if (sweep) {
          const pointDone = (point: SweepPoint, s: Summary): void => {
            const where = `${l.file} [${point.dir}]`;
            failedChecks(where, s);
            warn(where, s.warnings);
            json({ name: s.name, file: l.file, kind: s.kind, dir: null, sweep: l.scenario.name, point: point.values, checks: checksOf(s), warnings: s.warnings, status: statusOf(s.checksPassed, s.warnings.length, opts.strict) });
          };
          const { summary, reportDir } = await runPlannedSweep(sweep, { outDir: opts.out, progress: sink, onPoint: pointDone, ...(opts.formats ? { formats: opts.formats } : {}) });
          const passed = summary.points.filter((p) => p.checksPassed).length;
          say(`${l.scenario.name}: wrote ${reportDir}/ (sweep of ${summary.points.length} points; checks passed at ${passed} of ${summary.points.length}${summary.warnings.length ? `; ${summary.warnings.length} warning(s)` : ''})`);
          json({
            name: summary.name,
            file: l.file,
            kind: summary.kind,
            dir: reportDir ?? null,
            checks: { passed: summary.points.reduce((n, p) => n + p.summary.checks.filter((c) => c.pass).length, 0), total: summary.points.reduce((n, p) => n + p.summary.checks.length, 0), failed: summary.points.flatMap((p) => p.summary.checks.filter((c) => !c.pass).map((c) => `${p.dir}: ${c.name}`)) },
            warnings: summary.warnings,
            status: statusOf(summary.checksPassed, summary.warnings.length, opts.strict),
          });
        } else {
          // the study's own jobs (training sweeps) are journaled: a killed run resumes with --resume
          const journaled = await runJournaled(l, {
            outDir: opts.out,
            progress: sink,
            ...(opts.formats ? { formats: opts.formats } : {}),
            ...(opts.shard ? { shard: opts.shard } : {}),
            resume: opts.resume ?? false,
            notify: (line) => progress.logTo(process.stderr, line),
          });
          if (journaled.kind === 'shard') {
            say(shardLine(l.scenario.name, journaled));
            continue;
          }
          const { summary, reportDir } = journaled.outcome;
          const c = checksOf(summary);
          say(`${l.scenario.name}: wrote ${reportDir}/ (checks: ${c.passed} of ${c.total} passed${summary.warnings.length ? `; ${summary.warnings.length} warning(s)` : ''})`);
          failedChecks(l.file, summary);
          warn(l.file, summary.warnings);
          json({ name: summary.name, file: l.file, kind: summary.kind, dir: reportDir ?? null, checks: c, warnings: summary.warnings, status: statusOf(summary.checksPassed, summary.warnings.length, opts.strict) });
        }
      } catch (e) {
        progress.stop();
        if (e instanceof SweepInputError) {
          process.stderr.write(`${e.message}\n`);
          return EXIT.badInput;
        }
        process.stderr.write(`${l.file}: the ${l.scenario.kind} study failed: ${describeFailure(e)}\n`);
        process.stderr.write(`rnn-dynamics: no report was written for ${l.scenario.name}; any older report is untouched.\n`);
        json({ name: l.scenario.name, file: l.file, kind: l.scenario.kind, dir: null, checks: { passed: 0, total: l.scenario.checks.length, failed: [] }, warnings: [], status: EXIT.studyFailed, error: (e as Error).message });
        return EXIT.studyFailed;
      }
    }
  } finally {
    progress.stop();
    guard.release();
  }
  if (failed) return EXIT.checkFailed;
  if (opts.strict && warned) {
    process.stderr.write('rnn-dynamics: --strict: the run has warnings (above), exit 1.\n');
    return EXIT.checkFailed;
  }
  return EXIT.ok;
}

