/**
 * Shared harness of the benchmark workloads: command-line flags, the median timer and the output
 * line ({"impl","workload","n","B","T","usPerStep","gflops","check"} on stdout; a table row on
 * stderr when it is a terminal). Every workload folds its result into `check`, which must be finite,
 * so the work cannot be optimised away (stdlib-js benchmarks do the same).
 */
export interface BenchLine {
  impl: string;
  workload: string;
  n: number;
  B: number;
  T: number;
  usPerStep: number;
  gflops: number;
  check?: number;
  /** Workload-specific extras (e.g. the sweep's wall times). */
  [extra: string]: unknown;
}

const args = process.argv.slice(2);
/** --quick: T = 200 and fewer repeats (a smoke run). */
export const QUICK = args.includes('--quick');
/** --only NAME: run one workload. */
export const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const WARM_UP_MS = QUICK ? 100 : 500;

/** Sequence length of the per-step workloads. */
export const T = QUICK ? 200 : 1000;

/**
 * Median wall time in seconds of `repeats` calls, after warm-up calls for at least WARM_UP_MS (so
 * that V8 has moved the hot WebAssembly and JavaScript functions from its baseline compilers to
 * the optimising ones: a single warm-up call left the first, short workloads 3x slow).
 */
export function medianSeconds(fn: () => void, repeats: number): number {
  const start = performance.now();
  do fn();
  while (performance.now() - start < WARM_UP_MS);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function emit(line: BenchLine): void {
  if (line.check !== undefined && !Number.isFinite(line.check)) throw new Error(`${line.workload} n=${line.n}: non-finite result ${line.check}`);
  process.stdout.write(JSON.stringify(line) + '\n');
  if (process.stderr.isTTY) {
    process.stderr.write(
      `${line.workload.padEnd(15)} n=${String(line.n).padStart(4)} B=${String(line.B).padStart(3)} T=${line.T}  ${line.usPerStep.toFixed(1).padStart(10)} us/step  ${line.gflops.toFixed(2).padStart(6)} GFLOP/s\n`,
    );
  }
}
