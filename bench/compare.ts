/**
 * `npm run bench:compare`: the benchmark workloads in rnn-dynamics and in PyTorch (Debian's
 * python3-torch, run with /usr/bin/python3) on the same machine, one after the other, and the
 * ratio per configuration (speed-up = PyTorch time / rnn-dynamics time; > 1 means faster).
 * Prints one JSON line per configuration and a table on stderr when it is a terminal.
 * Pass --quick for T = 200 and fewer repeats.
 */
import { execFileSync } from 'node:child_process';
import type { BenchLine } from './run.ts';

const extra = process.argv.slice(2);
function lines(cmd: string, args: string[]): BenchLine[] {
  const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchLine);
}

const ours = lines(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...extra]);
const theirs = lines('/usr/bin/python3', ['bench/pytorch_workloads.py', ...extra]);
const key = (l: BenchLine): string => `${l.workload}/${l.n}/${l.B}/${l.T}`;
const ref = new Map(theirs.map((l) => [key(l), l]));
if (process.stderr.isTTY) process.stderr.write(`${'workload'.padEnd(15)} ${'n'.padStart(4)} ${'B'.padStart(3)}  ${'ours us/step'.padStart(13)} ${'ref us/step'.padStart(12)}  speed-up  ours GFLOP/s  ref GFLOP/s\n`);
for (const o of ours) {
  const r = ref.get(key(o));
  if (!r) continue;
  const speedup = r.usPerStep / o.usPerStep;
  process.stdout.write(JSON.stringify({ workload: o.workload, n: o.n, B: o.B, T: o.T, usPerStep: o.usPerStep, refImpl: r.impl, refUsPerStep: r.usPerStep, speedup, gflops: o.gflops, refGflops: r.gflops }) + '\n');
  if (process.stderr.isTTY) {
    process.stderr.write(
      `${o.workload.padEnd(15)} ${String(o.n).padStart(4)} ${String(o.B).padStart(3)}  ${o.usPerStep.toFixed(1).padStart(13)} ${r.usPerStep.toFixed(1).padStart(12)}  ${speedup.toFixed(2).padStart(8)}  ${o.gflops.toFixed(2).padStart(12)}  ${r.gflops.toFixed(2).padStart(11)}\n`,
    );
  }
}
