/**
 * `npm run bench:compare`: the benchmark workloads in rnn-dynamics and in PyTorch (Debian's
 * python3-torch, run with /usr/bin/python3) on the same machine, one after the other, and the
 * ratio per configuration (speed-up = PyTorch time / rnn-dynamics time; > 1 means faster).
 * Prints one JSON line per configuration and a table on stderr when it is a terminal.
 * Pass --quick for T = 200 and fewer repeats, --only NAME for one workload.
 *
 * Set-up (Debian): apt-get install -y python3-torch python3-numpy libopenblas0-pthread.
 * Without OpenBLAS, Debian's numpy and torch fall back to the reference BLAS (about 8 GFLOP/s
 * here instead of about 100), and the comparison flatters us: the script refuses to compare then.
 *
 * PyTorch runs twice, in the two thread layouts that make sense on this machine: torch's own
 * threads = 1 with OpenBLAS on all cores, and torch threads = 2 with OpenBLAS on one (both at 2
 * give 4 threads on 2 cores and run up to 5x slower). Each configuration is compared with the
 * faster of the two. PyTorch runs in float64 and again in float32 (--float32, its default dtype):
 * our float32 rows ("-f32", e.g. rnn-bptt-f32) are compared with PyTorch float32, the float64 rows
 * with PyTorch float64.
 */
import { execFileSync } from 'node:child_process';
import type { BenchLine } from './common.ts';

const extra = process.argv.slice(2);
function lines(cmd: string, args: string[], env: Record<string, string> = {}): BenchLine[] {
  const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, env: { ...process.env, ...env } });
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchLine);
}

const key = (l: BenchLine): string => `${l.workload}/${l.n}/${l.B}/${l.T}`;
const ours = lines(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...extra]);
const layouts: { name: string; env: Record<string, string> }[] = [
  { name: 'torch 1 thread, OpenBLAS 2', env: { TORCH_THREADS: '1' } },
  { name: 'torch 2 threads, OpenBLAS 1', env: { TORCH_THREADS: '2', OPENBLAS_NUM_THREADS: '1' } },
];
const ref = new Map<string, BenchLine & { layout: string }>();
// each layout in PyTorch's float64 and float32 (rows named "-f32", as ours)
for (const layout of layouts) {
  const both = [...lines('/usr/bin/python3', ['bench/pytorch_workloads.py', ...extra], layout.env), ...lines('/usr/bin/python3', ['bench/pytorch_workloads.py', '--float32', ...extra], layout.env)];
  for (const l of both) {
    const best = ref.get(key(l));
    if (!best || l.usPerStep < best.usPerStep) ref.set(key(l), { ...l, layout: layout.name });
  }
}
// the continuation workload has no PyTorch side: its reference is the same algorithm in numpy
for (const l of lines('/usr/bin/python3', ['bench/continuation_numpy.py', ...extra])) ref.set(key(l), { ...l, layout: 'numpy' });
// the fixed-point search: SciPy's L-BFGS-B on the same q, once per start or on all starts jointly; the faster is the reference
for (const l of lines('/usr/bin/python3', ['bench/fixed_points_scipy.py', ...extra])) {
  const best = ref.get(key(l));
  if (!best || l.usPerStep < best.usPerStep) ref.set(key(l), { ...l, layout: `scipy ${String(l.layout)}` });
}
const blas = [...ref.values()].find((l) => l.workload === 'matmul' && l.n === 512);
if (blas && blas.gflops < 20) {
  throw new Error(`numpy's 512 x 512 matmul runs at ${blas.gflops.toFixed(1)} GFLOP/s: the reference BLAS, not OpenBLAS (apt-get install -y libopenblas0-pthread)`);
}
if (process.stderr.isTTY) process.stderr.write(`${'workload'.padEnd(15)} ${'n'.padStart(4)} ${'B'.padStart(3)}  ${'ours us/step'.padStart(13)} ${'ref us/step'.padStart(12)}  speed-up  ours GFLOP/s  ref GFLOP/s\n`);
for (const o of ours) {
  const r = ref.get(key(o));
  if (!r) continue;
  const speedup = r.usPerStep / o.usPerStep;
  process.stdout.write(JSON.stringify({ workload: o.workload, n: o.n, B: o.B, T: o.T, usPerStep: o.usPerStep, refImpl: r.impl, refLayout: r.layout, refUsPerStep: r.usPerStep, speedup, gflops: o.gflops, refGflops: r.gflops }) + '\n');
  if (process.stderr.isTTY) {
    process.stderr.write(
      `${o.workload.padEnd(15)} ${String(o.n).padStart(4)} ${String(o.B).padStart(3)}  ${o.usPerStep.toFixed(1).padStart(13)} ${r.usPerStep.toFixed(1).padStart(12)}  ${speedup.toFixed(2).padStart(8)}  ${o.gflops.toFixed(2).padStart(12)}  ${r.gflops.toFixed(2).padStart(11)}\n`,
    );
  }
}
// lines without a reference (the sweep speed-up) pass through
for (const o of ours) if (!ref.has(key(o))) process.stdout.write(JSON.stringify(o) + '\n');
