/**
 * `npm run bench`: the hot-path workloads, one JSON line per configuration on stdout
 * ({"impl","workload","n","B","T","usPerStep","gflops","check"}), and a table on stderr when it is
 * a terminal. Each workload's result is folded into `check` (and checked finite), so the work
 * cannot be optimised away. Median of several runs.
 *
 *   npm run bench                       all workloads
 *   npm run bench -- --quick            T = 200, fewer repeats (a smoke run)
 *   npm run bench -- --only rnn-bptt    one workload
 *
 * bench/compare.ts runs the same workloads in PyTorch and prints the ratio per configuration.
 */
import { Rng } from '../src/init/rng.ts';
import { initWeights } from '../src/init/weights.ts';
import { TANH } from '../src/activations/index.ts';
import { createRnn, createTape, createGradients, forward, backward, jacobianFactors } from '../src/models/rnn.ts';
import { productNorms } from '../src/analysis/jacobian-products.ts';
import { lyapunovSpectrum } from '../src/analysis/lyapunov.ts';
import { dgemm } from '../src/linalg/blas.ts';
import { allocF64 } from '../src/linalg/wasm.ts';

export interface BenchLine {
  impl: string;
  workload: string;
  n: number;
  B: number;
  T: number;
  usPerStep: number;
  gflops: number;
  check?: number;
}

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const T = QUICK ? 200 : 1000;

function medianSeconds(fn: () => void, repeats: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function emit(line: BenchLine): void {
  if (line.check !== undefined && !Number.isFinite(line.check)) throw new Error(`${line.workload} n=${line.n}: non-finite result ${line.check}`);
  process.stdout.write(JSON.stringify(line) + '\n');
  if (process.stderr.isTTY) {
    process.stderr.write(
      `${line.workload.padEnd(15)} n=${String(line.n).padStart(4)} B=${String(line.B).padStart(3)} T=${line.T}  ${line.usPerStep.toFixed(1).padStart(10)} us/step  ${line.gflops.toFixed(2).padStart(6)} GFLOP/s\n`,
    );
  }
}

function rnnBptt(n: number, B: number): void {
  const rng = new Rng(1);
  const rnn = createRnn({ n, m: 1, W: initWeights('gaussian', n, n, rng, 1), U: initWeights('gaussian', n, 1, rng, 1), b: new Float64Array(n), activation: TANH });
  const tape = createTape(rnn, B, T);
  const grads = createGradients(rnn, B, T);
  const x = rng.fillNormal(allocF64(T * B));
  const h0 = allocF64(B * n);
  const targets = allocF64(B * n);
  const loss = { kind: 'squared-error' as const, steps: 'last' as const, targets };
  let check = 0;
  const s = medianSeconds(() => {
    forward(rnn, x, h0, tape);
    check = backward(rnn, tape, x, loss, grads) + grads.W[0]!;
  }, QUICK ? 3 : 5);
  emit({ impl: 'rnn-dynamics', workload: 'rnn-bptt', n, B, T, usPerStep: (s / T) * 1e6, gflops: (6 * B * n * n * T) / s / 1e9, check });
}

function jacobianNorms(n: number, steps: number): void {
  const rng = new Rng(2);
  const rnn = createRnn({ n, m: 1, W: initWeights('gaussian', n, n, rng, 1), U: initWeights('gaussian', n, 1, rng, 1), b: new Float64Array(n), activation: TANH });
  const tape = createTape(rnn, 1, steps);
  forward(rnn, rng.fillNormal(new Float64Array(steps)), new Float64Array(n), tape);
  const D = jacobianFactors(rnn, tape, 0, new Float64Array(steps * n));
  let check = 0;
  const s = medianSeconds(() => {
    check = productNorms(rnn.W, n, D, steps, { stepNorms: false }).logNorms[steps - 1]!;
  }, QUICK ? 1 : 3);
  emit({ impl: 'rnn-dynamics', workload: 'jacobian-norms', n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: (2 * n ** 3 * steps) / s / 1e9, check });
}

function lyapunov(n: number, steps: number): void {
  const rng = new Rng(3);
  const rnn = createRnn({ n, m: 0, W: initWeights('gaussian', n, n, rng, 1.5), U: new Float64Array(0), b: new Float64Array(n), activation: TANH });
  const h0 = rng.fillNormal(new Float64Array(n), 0, 0.1);
  let check = 0;
  const s = medianSeconds(() => {
    check = lyapunovSpectrum(rnn, { k: n, steps, h0 }).exponents[0]!;
  }, QUICK ? 1 : 3);
  emit({ impl: 'rnn-dynamics', workload: 'lyapunov', n, B: 1, T: steps, usPerStep: (s / steps) * 1e6, gflops: (4 * n ** 3 * steps) / s / 1e9, check });
}

function matmul(n: number): void {
  const rng = new Rng(4);
  const A = rng.fillNormal(allocF64(n * n));
  const Bm = rng.fillNormal(allocF64(n * n));
  const C = allocF64(n * n);
  const reps = Math.max(1, Math.round(2e9 / (2 * n ** 3)));
  const s = medianSeconds(() => {
    for (let r = 0; r < reps; r++) dgemm(false, false, n, n, n, 1, A, 0, n, Bm, 0, n, 0, C, 0, n);
  }, 3);
  emit({ impl: 'rnn-dynamics', workload: 'matmul', n, B: n, T: 1, usPerStep: (s / reps) * 1e6, gflops: (2 * n ** 3 * reps) / s / 1e9, check: C[0]! });
}

const want = (w: string): boolean => ONLY === undefined || ONLY === w;
if (want('rnn-bptt')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) rnnBptt(n, B);
if (want('jacobian-norms')) for (const n of [32, 128, 512]) jacobianNorms(n, n < 512 ? T : T / 5);
if (want('lyapunov')) for (const n of [32, 128, 512]) lyapunov(n, n < 512 ? T : T / 5);
if (want('matmul')) for (const n of [128, 512]) matmul(n);
