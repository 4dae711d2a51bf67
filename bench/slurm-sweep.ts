/**
 * slurm-sweep: 64 trainings (latch task, tanh RNN n = 8, 4 lags x 16 seeds, a fixed 300 steps of
 * batch 16 each; 100 with --quick) run two ways, each through the command line from a cold start:
 *
 * - one process with the worker pool: `rnn-dynamics run x.yaml` with RNN_DYNAMICS_THREADS=2;
 * - 4 shards on a local single-node Slurm cluster: `rnn-dynamics slurm x.yaml --shards 4 --cpus 1
 *   --submit --wait` (array tasks of one CPU, two at a time on two cores, then the afterok merge).
 *
 * The merged summary.json must equal the single process's, byte for byte (else the benchmark
 * throws). The line's usPerStep is the Slurm wall time per training step; extra fields: both wall
 * times, the overhead per job ((slurm - pool) / 64), and the cluster's start and stop times (not
 * in either wall time). Skipped with a note when Slurm's packages are missing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLURM_PACKAGES, slurmMissing, startSlurmCluster } from '../test/helpers/slurm-cluster.ts';
import { smallLatchSweep, writeScenario } from '../test/helpers/small-sweep.ts';
import { emit, QUICK } from './common.ts';

const STEPS = QUICK ? 100 : 300;
const JOBS = 64;
const SHARDS = 4;
const BIN = new URL('../src/cli/rnn-dynamics.mjs', import.meta.url).pathname;

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`rnn-dynamics ${args[0]} exited ${code}: ${stderr}`))));
  });
}

export async function slurmSweep(): Promise<void> {
  const missing = slurmMissing();
  if (missing.length > 0) {
    process.stderr.write(`slurm-sweep: skipped: ${missing.join(', ')} not installed (apt-get install --no-install-recommends ${SLURM_PACKAGES})\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-slurm-'));
  const scenario = smallLatchSweep({ name: 'bench-slurm-sweep', lags: [10, 20, 40, 80], repetitions: 16, steps: STEPS, stopAtSuccess: false, threads: null });
  (scenario.params as { model: unknown }).model = { kind: 'rnn-tanh', n: 8 };
  (scenario.params as { training: Record<string, unknown> }).training.batchSize = 16;
  const file = writeScenario(dir, scenario);

  const poolMs = await timed(['run', file, '--out', join(dir, 'pool')], { ...process.env, RNN_DYNAMICS_THREADS: '2' });
  const t0 = performance.now();
  const cluster = await startSlurmCluster();
  const clusterStartMs = performance.now() - t0;
  let slurmMs: number;
  try {
    slurmMs = await timed(['slurm', file, '--shards', String(SHARDS), '--cpus', '1', '--out', join(dir, 'slurm'), '--submit', '--wait'], cluster.env);
  } finally {
    const t1 = performance.now();
    await cluster.stop();
    process.stderr.write(`slurm-sweep: cluster start ${(clusterStartMs / 1000).toFixed(1)} s, stop ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
  }
  const a = readFileSync(join(dir, 'pool', 'bench-slurm-sweep', 'summary.json'));
  const b = readFileSync(join(dir, 'slurm', 'bench-slurm-sweep', 'summary.json'));
  if (!a.equals(b)) throw new Error(`slurm-sweep: the merged summary differs from the single process's (${dir})`);
  emit({
    impl: 'rnn-dynamics', workload: 'slurm-sweep', n: 8, B: 16, T: STEPS,
    usPerStep: (slurmMs * 1e3) / (JOBS * STEPS), gflops: 0, check: 1,
    jobs: JOBS, shards: SHARDS, poolMs, slurmMs, overheadPerJobMs: (slurmMs - poolMs) / JOBS, clusterStartMs,
  });
}
