/**
 * A throw-away single-node Slurm cluster (munged + slurmctld + slurmd from Debian's packages) under
 * one temporary directory, for the real-Slurm test and the Slurm benchmark. Nothing goes to /etc;
 * clients find the cluster through SLURM_CONF (in `env`). The ports are picked free, so the cluster
 * does not collide with another one on the machine. `stop()` cancels what is left and ends the
 * three daemons by the PIDs started here (TERM, then KILL after 10 s).
 *
 * Facts this relies on (tested on Debian 12, Slurm 22.05, as root without systemd): cgroup-free
 * plugins (proctrack/linuxproc, task/none), select/cons_tres with CR_CPU so one array task takes
 * one CPU, MinJobAge=5 so `sbatch --wait` sees the job's end, and the munge socket's directory
 * and every parent traversable by all (o+x).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Debian packages and the programs the cluster needs. */
export const SLURM_PACKAGES = 'slurmctld slurmd slurm-client munge';
const PROGRAMS = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'sinfo', 'scancel'];

/** Where each program is, or null when one is missing. */
export function slurmMissing(): string[] {
  return PROGRAMS.filter((p) => spawnSync('sh', ['-c', `command -v ${p} || test -x /usr/sbin/${p}`]).status !== 0);
}

export interface SlurmCluster {
  dir: string;
  /** Environment for clients (sbatch, sinfo, the CLI's --submit): SLURM_CONF set. */
  env: NodeJS.ProcessEnv;
  /** File with one line per finished job (jobcomp/filetxt). */
  jobComp: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sbin = (p: string) => (existsSync(`/usr/sbin/${p}`) ? `/usr/sbin/${p}` : p);

/** Start munged, slurmctld and slurmd; resolves when the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'slurm-'));
  chmodSync(dir, 0o755); // munge refuses a socket whose directory or parents are not o+x
  const munge = join(dir, 'munge');
  mkdirSync(munge, { mode: 0o755 });
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'spool'));
  const key = join(munge, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(munge, 'munge.socket.2');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const node = execFileSync(sbin('slurmd'), ['-C'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^NodeName=\S+/, 'NodeName=localhost NodeAddr=127.0.0.1');
  const conf = join(dir, 'slurm.conf');
  const jobComp = join(dir, 'jobcomp.log');
  writeFileSync(
    conf,
    [
      'ClusterName=rnntest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'MailProg=/bin/true',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${jobComp}`,
      'MinJobAge=5',
      'ReturnToService=2',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      node,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const start = (cmd: string, args: string[], log: string) => {
    const out = openSync(join(dir, log), 'a');
    const p = spawn(sbin(cmd), args, { env, stdio: ['ignore', out, out] });
    p.on('error', () => {});
    daemons.push(p);
  };
  const stop = async () => {
    spawnSync('scancel', ['--user=root'], { env, stdio: 'ignore' });
    const alive = daemons.filter((p) => p.exitCode === null && p.signalCode === null);
    const exited = alive.map((p) => new Promise<void>((r) => p.once('exit', () => r())));
    for (const p of alive) p.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const p of alive) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }, 10_000);
    await Promise.all(exited);
    clearTimeout(timer);
  };
  try {
    start('munged', ['-F', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(munge, 'munged.log')}`, `--pid-file=${join(munge, 'munged.pid')}`, `--seed-file=${join(munge, 'munged.seed')}`], 'munged.out');
    await waitFor(() => spawnSync('sh', ['-c', `munge -n -S ${socket} | unmunge -S ${socket}`], { stdio: 'ignore' }).status === 0, 15_000, 'munged');
    start('slurmctld', ['-D', '-f', conf], 'slurmctld.out');
    start('slurmd', ['-D', '-N', 'localhost', '-f', conf], 'slurmd.out');
    await waitFor(() => spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout?.trim() === 'idle', 30_000, 'the node to become idle');
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; logs in ${dir}`);
  }
  return { dir, env, jobComp, stop };
}

async function waitFor(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`Slurm: timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
