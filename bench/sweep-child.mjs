// The sweep benchmark's measurements (bench/sweep.ts), each in a plain Node process running the
// compiled package as an installed rnn-dynamics does. (Started from the bench harness, which runs
// under `node --import tsx`, the pool's workers would inherit the tsx loader and pay for it: 0.5 s
// more per sweep, measured.)
//   node bench/sweep-child.mjs speedup SPEC THREADS   one-thread and pool wall times (sweepSpeedup), one JSON line
//   node bench/sweep-child.mjs part SPEC INDICES      the jobs of these indices on this thread, kernels on one thread
import { sweepJobs, sweepSpeedup } from '../dist/training/sweep.js';
import { runJob } from '../dist/training/sweep-worker.js';
import { setGemmThreads } from '../dist/linalg/parallel.js';

const [mode, specText, arg] = process.argv.slice(2);
const spec = JSON.parse(specText);
if (mode === 'speedup') {
  process.stdout.write(JSON.stringify(await sweepSpeedup(spec, Number(arg))) + '\n');
} else if (mode === 'part') {
  setGemmThreads(1);
  const mine = new Set(JSON.parse(arg));
  for (const job of sweepJobs(spec)) if (mine.has(job.index)) runJob(job);
} else {
  throw new Error(`sweep-child: unknown mode ${mode}`);
}
