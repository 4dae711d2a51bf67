/**
 * sweep: the parallel speed-up of a training sweep (issue 4): the same small adding-problem sweep
 * (2 models x 2 lags x 4 repetitions, 2000 training steps each; 300 with --quick) on one thread and on a pool of `threads`
 * workers, with a check that both give the same result. Wall times include the pool's start-up.
 * It runs the compiled package (dist/, built by `npm run bench`) in a plain Node process
 * (bench/sweep-child.mjs), so the workers start as they do for an installed rnn-dynamics. The line's usPerStep is the parallel wall time per training step (jobs x steps of batch 16);
 * jobs, threads, oneThreadMs, parallelMs and speedup are extra fields.
 *
 * What the machine allows: `twoProcessMs` is the wall time of the same jobs in two independent
 * Node processes (no pool, no shared isolate: bench/sweep-child.mjs part), split as the pool splits them
 * (largest first, greedy), and `boundSpeedup` = oneThreadMs / twoProcessMs. On the project's 2-core
 * machine a job runs about 13 % slower while the other core trains too, and each isolate pays its
 * own JIT warm-up, so this bound sits near 1.6 for this 6-second sweep; the pool's speed-up is
 * to be read against it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SweepSpec } from '../src/training/sweep.ts';
import { emit, QUICK } from './common.ts';

// The compiled package (dist/), as an installed rnn-dynamics runs it: its pool workers start
// without a TypeScript loader (from the sources each worker registers tsx, about a second).
const DIST = new URL('../dist/training/sweep.js', import.meta.url);
type SweepModule = typeof import('../src/training/sweep.ts');

const STEPS = QUICK ? 300 : 2000;

export async function sweep(threads: number): Promise<void> {
  const spec: SweepSpec = {
    task: { name: 'adding-le2015', testSize: 256 },
    lags: [20, 40],
    models: [{ kind: 'rnn-tanh', n: 8 }, { kind: 'lstm-forget', n: 8 }],
    repetitions: 4,
    training: { batchSize: 16, steps: STEPS, evalEvery: 100, testSize: 256, stopAtSuccess: false },
    seed: 1,
  };
  if (!existsSync(DIST)) throw new Error('sweep: dist/ is missing; run `npm run build` first');
  const { sweepJobs, trainingWork } = (await import(DIST.href)) as SweepModule;
  const child = new URL('./sweep-child.mjs', import.meta.url).pathname;
  const run = (args: string[]) => promisify(execFile)(process.execPath, [child, ...args], { maxBuffer: 1 << 24 });
  const r = JSON.parse((await run(['speedup', JSON.stringify(spec), String(threads)])).stdout) as Awaited<ReturnType<SweepModule['sweepSpeedup']>>;
  // the two-process bound: the pool's greedy largest-first split, each part in its own process
  const parts: number[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  for (const job of [...sweepJobs(spec)].sort((a, b) => trainingWork(b) - trainingWork(a))) {
    const k = load.indexOf(Math.min(...load));
    parts[k]!.push(job.index);
    load[k]! += trainingWork(job);
  }
  const t0 = performance.now();
  await Promise.all(parts.map((p) => run(['part', JSON.stringify(spec), JSON.stringify(p)])));
  const twoProcessMs = performance.now() - t0;
  if (!r.identical) throw new Error('sweep: the parallel sweep differs from the one-thread sweep');
  emit({
    impl: 'rnn-dynamics', workload: 'sweep', n: 8, B: 16, T: STEPS,
    usPerStep: (r.parallelMs * 1e3) / (r.jobs * STEPS), gflops: 0, check: r.speedup,
    jobs: r.jobs, threads: r.threads, oneThreadMs: r.oneThreadMs, parallelMs: r.parallelMs, speedup: r.speedup,
    twoProcessMs, boundSpeedup: r.oneThreadMs / twoProcessMs,
  });
}
