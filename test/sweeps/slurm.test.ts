/**
 * Slurm: the job-array and merge scripts, and a 4-shard sweep through a real single-node Slurm
 * cluster (munged, slurmctld and slurmd from Debian's packages, started under a temporary
 * directory and stopped by PID) whose merged summary.json equals the single-process run's. Without
 * the packages the cluster test is skipped with the reason, except under CI, where it fails.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/index.ts';
import { runLoaded } from '../../src/scenario/run.ts';
import { shellQuote, slurmScripts, submitCommands, submitSlurm } from '../../src/sweeps/slurm.ts';
import { smallAddingSweep, summaryText, writeScenario } from '../helpers/small-sweep.ts';
import { SLURM_PACKAGES, slurmMissing, startSlurmCluster } from '../helpers/slurm-cluster.ts';

const BIN = join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the array script runs shard $SLURM_ARRAY_TASK_ID/N with --resume; the merge job depends on the array', async (t) => {
  const plan = { file: '/data/my scenarios/x.yaml', name: 'x', outDir: '/data/out', shardsDir: '/data/out/x.shards', shards: 4, jobs: 64 };
  const s = slurmScripts(plan, { cpus: 2, partition: 'short', time: '1:00:00', mem: '4G' }, '/usr/bin/node', '/opt/rnn/cli.mjs');
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --cpus-per-task=2', '#SBATCH --requeue', '#SBATCH --partition=short', '#SBATCH --time=1:00:00', '#SBATCH --mem=4G', '#SBATCH --output=/data/out/x.shards/slurm-%A_%a.out']) {
    t.true(s.array.includes(`${line}\n`), line);
  }
  t.true(s.array.includes(`exec /usr/bin/node /opt/rnn/cli.mjs run '/data/my scenarios/x.yaml' --shard "\${SLURM_ARRAY_TASK_ID}/4" --resume --out /data/out\n`));
  t.true(s.array.includes('export RNN_DYNAMICS_THREADS="${SLURM_CPUS_PER_TASK:-1}"'));
  t.true(s.merge.includes('#SBATCH --kill-on-invalid-dep=yes\n'));
  t.true(s.merge.includes('exec /usr/bin/node /opt/rnn/cli.mjs merge /data/out/x.shards --out /data/out\n'));
  t.is(submitCommands('/a b/array.sbatch', '/m.sbatch'), `array=$(sbatch --parsable '/a b/array.sbatch') && sbatch --dependency=afterok:\${array%%;*} /m.sbatch\n`);
  t.is(shellQuote("it's"), `'it'\\''s'`);
  // the scripts are valid bash
  for (const script of [s.array, s.merge]) t.is(spawnSync('bash', ['-n'], { input: script }).status, 0);

  const dir = mkdtempSync(join(tmpdir(), 'slurm-scripts-'));
  const file = writeScenario(dir, smallAddingSweep());
  const printed = await cli(['slurm', file, '--shards', '3', '--out', join(dir, 'out')]);
  t.is(printed.code, 0, printed.stderr);
  t.regex(printed.stdout, /#SBATCH --array=0-2\n/);
  t.regex(printed.stdout, /# submit both:\narray=\$\(sbatch --parsable .*array\.sbatch\) && sbatch --dependency=afterok:/);
  t.true(existsSync(join(dir, 'out', 'small-adding-sweep.shards', 'merge.sbatch')));
  const tooMany = await cli(['slurm', file, '--shards', '13', '--out', join(dir, 'out')]);
  t.is(tooMany.code, 2);
  t.regex(tooMany.stderr, /--shards: expected at most 12 \(the sweep has 12 jobs\), found 13/);
});

const missing = slurmMissing();
const title = 'a 4-shard sweep through a real Slurm cluster (job array, then the afterok merge) equals the single-process run';
if (missing.length > 0 && !process.env.CI) {
  test.skip(`${title} [skipped: ${missing.join(', ')} not installed; apt-get install --no-install-recommends ${SLURM_PACKAGES}]`, () => {});
} else {
  test(title, async (t) => {
    if (missing.length > 0) {
      t.fail(`CI is set but ${missing.join(', ')} are missing: .ci/run installs ${SLURM_PACKAGES}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'slurm-sweep-'));
    const scenario = smallAddingSweep({ threads: null });
    const file = writeScenario(dir, scenario);
    const reference = summaryText((await runLoaded(loadScenario(scenario))).summary);
    const cluster = await startSlurmCluster();
    t.teardown(() => cluster.stop());
    const out = join(dir, 'out');
    const r = await cli(['slurm', file, '--shards', '4', '--out', out, '--submit', '--wait'], cluster.env);
    const shards = join(out, 'small-adding-sweep.shards');
    // on failure, print what each array task and the merge wrote (CI keeps no files)
    const taskLogs = (): string =>
      existsSync(shards)
        ? readdirSync(shards)
            .filter((f) => f.startsWith('slurm-'))
            .map((f) => `--- ${f}\n${readFileSync(join(shards, f), 'utf8')}`)
            .join('\n')
        : '(no shards directory)';
    t.is(r.code, 0, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}\n${taskLogs()}\n(cluster logs in ${cluster.dir})`);
    t.regex(r.stdout, /small-adding-sweep: submitted array job (\d+) \(4 tasks\) and merge job (\d+) \(after all succeed\)/);
    t.is(readFileSync(join(out, 'small-adding-sweep', 'summary.json'), 'utf8'), reference);

    t.deepEqual(readdirSync(shards).filter((f) => f.endsWith('.jsonl')).sort(), [0, 1, 2, 3].map((i) => `shard-${i}-of-4.jsonl`));
    // Slurm's own record: four array tasks and the merge, all completed with exit code 0
    const jobs = readFileSync(cluster.jobComp, 'utf8').trim().split('\n');
    t.is(jobs.length, 5, jobs.join('\n'));
    for (const j of jobs) t.regex(j, /JobState=COMPLETED .*ExitCode=0:0/);
    t.deepEqual(jobs.map((j) => /ArrayTaskId=(\d+)/.exec(j)?.[1]).filter(Boolean).sort(), ['0', '1', '2', '3']);
    t.is(jobs.filter((j) => j.includes('Name=small-adding-sweep-merge')).length, 1);
    const status = await cli(['status', shards]);
    t.regex(status.stdout, /small-adding-sweep: 12 of 12 jobs done, 0 failed; 4 of 4 shards started; complete/);

    // a failed array task: the merge is cancelled, and --wait reports it (sbatch --wait alone exits 0)
    const failing = join(dir, 'failing.sbatch');
    writeFileSync(failing, `#!/bin/bash\n#SBATCH --array=0-1\n#SBATCH --output=${dir}/failing-%a.out\nexit 3\n`);
    const s = submitSlurm(failing, join(shards, 'merge.sbatch'), true, cluster.env);
    t.is(s.state, 'CANCELLED');
    t.not(s.exitCode, 0);
  });
}
