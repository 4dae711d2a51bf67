/**
 * The command line past one machine: `merge` (the report from shard journals), `status` (progress
 * across shards), `slurm` (a job array and a merge job; `--k8s` for Kubernetes manifests), and the
 * `run` command's `--shard i/N` and `--resume` (src/sweeps/).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ScenarioError } from '../scenario/errors.ts';
import { loadScenarioFile } from '../scenario/load.ts';
import { DEFAULT_FORMATS, REPORT_FORMATS, type Summary } from '../scenario/run.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';
import { formatNumber } from '../report/format.ts';
import { PACKAGE } from '../version.ts';
import { DEFAULT_K8S, k8sManifests } from '../sweeps/k8s.ts';
import { SweepInputError, type Shard } from '../sweeps/journal.ts';
import { defaultMergeOut, mergeShards, parseShard, planJobs, shardsDir, type JournaledOutcome } from '../sweeps/shards.ts';
import { slurmScripts, submitCommands, submitSlurm, type ClusterPlan } from '../sweeps/slurm.ts';
import { formatStatus, sweepStatus, type SweepStatus } from '../sweeps/status.ts';
import { parseFormats } from './formats.ts';
import { describeFailure } from './guard.ts';
import { createProgress } from './progress.ts';

const EXIT = { ok: 0, checkFailed: 1, badInput: 2, studyFailed: 3 } as const;

/** How a command ends with an exit code (main.ts's ExitError). */
export type Fail = (code: number) => Error;

/** Print a bad-input message and end with exit 2. */
function badInput(fail: Fail, message: string): Error {
  process.stderr.write(message.trimEnd() + '\n');
  return fail(EXIT.badInput);
}

/** The run command's --shard value, or exit 2 with the reason. */
export function shardOption(text: string | undefined, fail: Fail): Shard | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (e) {
    throw badInput(fail, `rnn-dynamics run: ${(e as Error).message}`);
  }
}

/** One line for a finished shard. */
export function shardLine(name: string, o: Extract<JournaledOutcome, { kind: 'shard' }>): string {
  const resumed = o.resumed > 0 ? ` (${o.resumed} from the journal)` : '';
  return `${name}: shard ${o.shard.index}/${o.shard.count} done: ${o.assigned} of ${o.total} ${o.jobKind} jobs${resumed} in ${o.journal}`;
}

/** Print failed checks on stderr; returns how many failed. */
export function printFailedChecks(file: string, summary: Summary): number {
  const failed = summary.checks.filter((c) => !c.pass);
  for (const c of failed) process.stderr.write(`${file}: check failed: ${c.name} (${c.path}): measured ${formatNumber(c.measured)}; ${c.reason ?? ''}\n`);
  return failed.length;
}

function positiveInt(text: string, option: string, fail: Fail): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw badInput(fail, `rnn-dynamics: ${option}: expected a whole number >= 1, found "${text}"`);
  return n;
}

export function addClusterCommands(program: Command, fail: Fail): void {
  program
    .command('merge')
    .description("Build the report of a sharded run from its shards' journals (written by run --shard i/N)")
    .argument('<dirs...>', 'shards directories (<out>/<name>.shards) or journal files')
    .option('-o, --out <dir>', 'directory that receives <name>/ (default: the one holding the first shards directory)')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('-f, --format <list>', `comma-separated report formats: ${REPORT_FORMATS.join(', ')}`, DEFAULT_FORMATS.join(','))
    .action(async (dirs: string[], opts: { out?: string; progress: boolean; format: string }) => {
      const formats = parseFormats(opts.format, fail);
      const out = opts.out ?? defaultMergeOut(dirs);
      const progress = createProgress(opts.progress ? undefined : false);
      let m;
      try {
        m = await mergeShards(dirs, { outDir: out, formats, progress: progress.sink });
      } catch (e) {
        progress.stop();
        if (e instanceof SweepInputError) throw badInput(fail, `rnn-dynamics merge: ${e.message}`);
        process.stderr.write(`rnn-dynamics merge: the study failed while merging: ${describeFailure(e)}\nno report was written; any older report is untouched.\n`);
        throw fail(EXIT.studyFailed);
      } finally {
        progress.stop();
      }
      const { summary, reportDir } = m.outcome;
      const passed = summary.checks.filter((c) => c.pass).length;
      const shards = m.shards > 0 ? `${m.journals.length} of ${m.shards} shards` : `${m.journals.length} journals`;
      process.stdout.write(`${summary.name}: merged ${shards} into ${reportDir}/ (checks: ${passed} of ${summary.checks.length} passed)\n`);
      if (printFailedChecks(summary.scenario.name, summary) > 0) throw fail(EXIT.checkFailed);
    });

  program
    .command('status')
    .description('Jobs done, total and failed, and the time left, from the journals under each directory')
    .argument('<dirs...>', 'output directories, shards directories (<out>/<name>.shards) or journal files')
    .option('--wait', 'poll until every job of every scenario found is done (prints the status when it changes)')
    .option('--interval <seconds>', 'seconds between polls with --wait', '10')
    .action(async (dirs: string[], opts: { wait?: boolean; interval: string }) => {
      const interval = Number(opts.interval);
      if (!(interval > 0)) throw badInput(fail, `rnn-dynamics status: --interval: expected seconds > 0, found "${opts.interval}"`);
      let lastDone = -1;
      for (;;) {
        let statuses: SweepStatus[];
        try {
          statuses = sweepStatus(dirs);
        } catch (e) {
          if (e instanceof SweepInputError && !opts.wait) throw badInput(fail, `rnn-dynamics status: ${e.message}`);
          if (!(e instanceof SweepInputError)) throw e;
          statuses = [];
        }
        const done = statuses.reduce((a, s) => a + s.done, 0);
        if (!opts.wait) {
          if (statuses.length === 0) throw badInput(fail, `rnn-dynamics status: no results journals under ${dirs.join(', ')}`);
          process.stdout.write(formatStatus(statuses));
          return;
        }
        const complete = statuses.length > 0 && statuses.every((s) => s.complete);
        if (done !== lastDone || complete) process.stdout.write(statuses.length > 0 ? formatStatus(statuses) : `waiting for journals under ${dirs.join(', ')}\n`);
        lastDone = done;
        if (complete) return;
        await new Promise((r) => setTimeout(r, interval * 1000));
      }
    });

  program
    .command('slurm')
    .description('Write a Slurm job array that runs a sweep in N shards and a merge job after it; --submit submits both; --k8s writes Kubernetes manifests instead')
    .argument('<file>', 'scenario YAML file of a sweep')
    .requiredOption('--shards <N>', 'number of shards (array tasks)')
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'time limit per task (sbatch --time)')
    .option('--mem <size>', `memory per task (sbatch --mem; with --k8s a Kubernetes quantity, default ${DEFAULT_K8S.mem})`)
    .option('--cpus <C>', 'CPUs per task: the worker threads of each shard', '1')
    .option('-o, --out <dir>', 'directory that receives <name>/ and <name>.shards/ (shared by every node)', 'reports')
    .option('--submit', 'submit the array and the merge job (sbatch)')
    .option('--wait', 'with --submit: wait until the merge job has ended and exit with its status')
    .option('--k8s', 'write Kubernetes manifests (an Indexed Job and a merge Job) instead of sbatch scripts')
    .option('--image <image>', 'with --k8s: container image with rnn-dynamics installed', `rnn-dynamics:${PACKAGE.version}`)
    .option('--claim <name>', 'with --k8s: ReadWriteMany PersistentVolumeClaim for journals and reports', DEFAULT_K8S.claim)
    .option('--mount <path>', 'with --k8s: where pods mount the claim', DEFAULT_K8S.mountPath)
    .option('--parallelism <n>', 'with --k8s: shard pods at a time (default: all)')
    .option('--command <words>', 'with --k8s: the command that runs rnn-dynamics in the image', DEFAULT_K8S.command.join(' '))
    .action(
      async (
        file: string,
        opts: {
          shards: string; partition?: string; time?: string; mem?: string; cpus: string; out: string; submit?: boolean; wait?: boolean;
          k8s?: boolean; image: string; claim: string; mount: string; parallelism?: string; command: string;
        },
      ) => {
        const shards = positiveInt(opts.shards, '--shards', fail);
        const cpus = positiveInt(opts.cpus, '--cpus', fail);
        let loaded;
        try {
          loaded = loadScenarioFile(file, STUDIES_BY_KIND);
        } catch (e) {
          if (e instanceof ScenarioError) throw badInput(fail, e.message);
          throw e;
        }
        const jobs = await planJobs(loaded);
        if (jobs === null) throw badInput(fail, `${file}: the ${loaded.scenario.kind} study runs no sweep of jobs, so there is nothing to shard`);
        if (shards > jobs.total) throw badInput(fail, `${file}: --shards: expected at most ${jobs.total} (the sweep has ${jobs.total} jobs), found ${shards}`);
        const outDir = resolve(opts.out);
        const plan: ClusterPlan = { file: resolve(file), name: loaded.scenario.name, outDir, shardsDir: shardsDir(outDir, loaded.scenario.name), shards, jobs: jobs.total };
        mkdirSync(plan.shardsDir, { recursive: true });

        if (opts.k8s) {
          if (opts.submit) throw badInput(fail, 'rnn-dynamics slurm --k8s: there is no --submit for Kubernetes; apply the written manifest with kubectl apply -f');
          let m;
          try {
            m = k8sManifests(plan, readFileSync(file, 'utf8'), {
              image: opts.image,
              command: opts.command.split(/\s+/).filter(Boolean),
              claim: opts.claim,
              mountPath: opts.mount,
              cpus,
              mem: opts.mem ?? DEFAULT_K8S.mem,
              ...(opts.parallelism !== undefined ? { parallelism: positiveInt(opts.parallelism, '--parallelism', fail) } : {}),
              retriesPerShard: DEFAULT_K8S.retriesPerShard,
            });
          } catch (e) {
            if (e instanceof SweepInputError) throw badInput(fail, e.message);
            throw e;
          }
          const f = join(plan.shardsDir, 'k8s.yaml');
          writeFileSync(f, m.yaml);
          process.stdout.write(m.yaml);
          process.stderr.write(`wrote ${f}: apply it with kubectl apply -f ${f}\n`);
          return;
        }

        const scripts = slurmScripts(plan, { cpus, ...(opts.partition ? { partition: opts.partition } : {}), ...(opts.time ? { time: opts.time } : {}), ...(opts.mem ? { mem: opts.mem } : {}) });
        const arrayFile = join(plan.shardsDir, 'array.sbatch');
        const mergeFile = join(plan.shardsDir, 'merge.sbatch');
        writeFileSync(arrayFile, scripts.array);
        writeFileSync(mergeFile, scripts.merge);
        chmodSync(arrayFile, 0o755);
        chmodSync(mergeFile, 0o755);
        if (!opts.submit) {
          process.stdout.write(`# ${arrayFile}\n${scripts.array}\n# ${mergeFile}\n${scripts.merge}\n# submit both:\n${submitCommands(arrayFile, mergeFile)}`);
          return;
        }
        let s;
        try {
          s = submitSlurm(arrayFile, mergeFile, opts.wait ?? false);
        } catch (e) {
          if (e instanceof SweepInputError) throw badInput(fail, `rnn-dynamics slurm: ${e.message}`);
          throw e;
        }
        process.stdout.write(`${plan.name}: submitted array job ${s.arrayJob} (${shards} tasks) and merge job ${s.mergeJob} (after all succeed); follow with: rnn-dynamics status ${plan.shardsDir}\n`);
        if (s.exitCode !== undefined) {
          if (s.state === 'COMPLETED' || (s.state === null && s.exitCode === 0)) {
            process.stdout.write(`${plan.name}: merge job ${s.mergeJob} done: ${join(outDir, plan.name)}/\n`);
          } else {
            const how = s.state === 'CANCELLED' ? 'was cancelled (a shard failed, so its dependency can never be met)' : s.state === null ? `ended (exit code ${s.exitCode}; Slurm no longer knows how)` : `ended ${s.state} (exit code ${s.exitCode})`;
            process.stderr.write(`${plan.name}: merge job ${s.mergeJob} ${how}: see ${plan.shardsDir}/slurm-*.out and rnn-dynamics status ${plan.shardsDir}\n`);
            throw fail(s.exitCode === EXIT.checkFailed ? EXIT.checkFailed : EXIT.studyFailed);
          }
        }
      },
    );
}
