/**
 * Slurm job arrays for a sharded sweep: one array task per shard, each running
 * `rnn-dynamics run x.yaml --shard $SLURM_ARRAY_TASK_ID/N --resume` (so a requeued task continues
 * from its journal), and a merge job that starts only when every task has succeeded
 * (`--dependency=afterok:<array id>`; `--kill-on-invalid-dep=yes` cancels it when one fails
 * rather than leaving it pending forever).
 *
 * The scripts hold absolute paths (scenario, output, node and the CLI) because array tasks may
 * start anywhere on a shared file system. RNN_DYNAMICS_THREADS is set to the task's CPUs, so each
 * task's worker pool uses what Slurm gave it and no more.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PACKAGE } from '../version.ts';
import { SweepInputError } from './journal.ts';

/** The command-line entry point that array tasks run (this checkout's). */
/** The command line the array and merge jobs run: the built bin when installed, the tsx entry in the sources. */
export const CLI_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../cli/rnn-dynamics.mjs' : '../cli/bin.js', import.meta.url));

/** What a cluster run needs to know about the sweep (absolute paths). */
export interface ClusterPlan {
  /** The scenario file and its name. */
  file: string;
  name: string;
  /** Output directory (the report goes to <outDir>/<name>/) and the shards' directory. */
  outDir: string;
  shardsDir: string;
  shards: number;
  /** Jobs in the sweep, for the comments. */
  jobs: number;
}

export interface SlurmOptions {
  partition?: string;
  /** Time limit per task, in any form sbatch accepts (e.g. 2:00:00). */
  time?: string;
  /** Memory per task, e.g. 4G. */
  mem?: string;
  /** CPUs per task (the task's worker threads). */
  cpus: number;
}

/** POSIX shell single quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function directives(o: SlurmOptions): string[] {
  return [
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
  ];
}

export interface SlurmScripts {
  /** The job-array script (one task per shard) and the merge script. */
  array: string;
  merge: string;
}

/** The sbatch scripts of a sharded sweep. */
export function slurmScripts(plan: ClusterPlan, o: SlurmOptions, node = process.execPath, cli = CLI_ENTRY): SlurmScripts {
  const q = shellQuote;
  const head = `# ${PACKAGE.name} ${PACKAGE.version}: scenario ${plan.name} (${plan.file}), ${plan.jobs} jobs in ${plan.shards} shards`;
  const array = [
    '#!/bin/bash',
    head,
    `# one array task per shard; a requeued task resumes from its journal in ${plan.shardsDir}`,
    `#SBATCH --job-name=${plan.name}`,
    `#SBATCH --array=0-${plan.shards - 1}`,
    `#SBATCH --cpus-per-task=${o.cpus}`,
    `#SBATCH --output=${plan.shardsDir}/slurm-%A_%a.out`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    ...directives(o),
    'set -euo pipefail',
    'export RNN_DYNAMICS_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `exec ${q(node)} ${q(cli)} run ${q(plan.file)} --shard "\${SLURM_ARRAY_TASK_ID}/${plan.shards}" --resume --out ${q(plan.outDir)}`,
    '',
  ].join('\n');
  const merge = [
    '#!/bin/bash',
    head,
    `# submitted with --dependency=afterok:<array job id>: builds ${plan.outDir}/${plan.name}/ from the shards`,
    `#SBATCH --job-name=${plan.name}-merge`,
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --output=${plan.shardsDir}/slurm-merge-%j.out`,
    '#SBATCH --kill-on-invalid-dep=yes',
    ...directives(o),
    'set -euo pipefail',
    'export RNN_DYNAMICS_THREADS=1',
    `exec ${q(node)} ${q(cli)} merge ${q(plan.shardsDir)} --out ${q(plan.outDir)}`,
    '',
  ].join('\n');
  return { array, merge };
}

/** The shell commands that submit both scripts (printed when not submitting). */
export function submitCommands(arrayFile: string, mergeFile: string): string {
  return `array=$(sbatch --parsable ${shellQuote(arrayFile)}) && sbatch --dependency=afterok:\${array%%;*} ${shellQuote(mergeFile)}\n`;
}

export interface Submitted {
  arrayJob: string;
  mergeJob: string;
  /**
   * With wait: how the merge job ended, from `scontrol show job` (sbatch --wait alone exits 0 for
   * a merge cancelled because a task failed): COMPLETED, FAILED, CANCELLED, ...; null when Slurm
   * no longer knows the job.
   */
  state?: string | null;
  /** With wait: the merge's exit code (Slurm's ExitCode, else sbatch --wait's). */
  exitCode?: number;
}

function sbatch(args: string[], env: NodeJS.ProcessEnv): { stdout: string; status: number | null } {
  const r = spawnSync('sbatch', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    throw new SweepInputError(`sbatch: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH (submit from a Slurm login node, or without --submit to print the commands)' : r.error.message}`);
  }
  if (r.status !== 0 && !args.includes('--wait')) throw new SweepInputError(`sbatch ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return { stdout: r.stdout, status: r.status };
}

/** A job's state and exit code as Slurm reports them (null once its record is purged). */
export function jobState(id: string, env: NodeJS.ProcessEnv = process.env): { state: string; exitCode: number; reason: string } | null {
  const r = spawnSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8', env });
  const state = /JobState=(\S+)/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !state) return null;
  return { state, exitCode: Number(/ExitCode=(\d+)/.exec(r.stdout)?.[1] ?? 0), reason: /Reason=(\S+)/.exec(r.stdout)?.[1] ?? 'None' };
}

/**
 * Submit the array, then the merge job depending on it. With `wait`, block until the merge job
 * has ended (sbatch --wait) and return how it ended.
 */
export function submitSlurm(arrayFile: string, mergeFile: string, wait = false, env: NodeJS.ProcessEnv = process.env): Submitted {
  const arrayJob = sbatch(['--parsable', arrayFile], env).stdout.trim().split(';')[0]!;
  const mergeArgs = ['--parsable', `--dependency=afterok:${arrayJob}`, ...(wait ? ['--wait'] : []), mergeFile];
  const m = sbatch(mergeArgs, env);
  const mergeJob = m.stdout.trim().split('\n')[0]!.split(';')[0]!;
  if (!wait) return { arrayJob, mergeJob };
  const s = jobState(mergeJob, env);
  if (s === null) return { arrayJob, mergeJob, state: null, exitCode: m.status ?? -1 };
  // a cancelled job has ExitCode 0:0: report it as no exit code (-1)
  return { arrayJob, mergeJob, state: s.state, exitCode: s.state === 'COMPLETED' ? 0 : s.exitCode || -1 };
}
