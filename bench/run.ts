/**
 * `npm run bench`: the hot-path workloads, one file each in bench/, one JSON line per
 * configuration on stdout ({"impl","workload","n","B","T","usPerStep","gflops","check"}) and a
 * table on stderr when it is a terminal. Median of several runs.
 *
 *   npm run bench                       all workloads
 *   npm run bench -- --quick            T = 200, fewer repeats (a smoke run)
 *   npm run bench -- --only rnn-bptt    one workload (rnn-bptt, lstm-bptt, gru-bptt, jacobian-norms,
 *                                       lyapunov, lyapunov-lstm, lyapunov-gru, matmul, matmul-f32, rnn-bptt-f32,
 *                                       lstm-bptt-f32, gru-bptt-f32, sweep, slurm-sweep,
 *                                       startup, continuation, fixed-points)
 *
 * bench/compare.ts runs the same workloads in PyTorch and prints the ratio per configuration;
 * bench/RESULTS.md holds the last measured table.
 */
import { ONLY, T } from './common.ts';
import { rnnBptt } from './rnn-bptt.ts';
import { lstmBptt } from './lstm-bptt.ts';
import { jacobianNorms } from './jacobian-norms.ts';
import { gruBptt } from './gru-bptt.ts';
import { lyapunov, lyapunovCell } from './lyapunov.ts';
import { matmul, matmulFloat32 } from './matmul.ts';
import { sweep } from './sweep.ts';
import { slurmSweep } from './slurm-sweep.ts';
import { startup } from './startup.ts';
import { continuation } from './continuation.ts';
import { fixedPoints } from './fixed-points.ts';

export type { BenchLine } from './common.ts';

const want = (w: string): boolean => ONLY === undefined || ONLY === w;
if (want('rnn-bptt')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) rnnBptt(n, B);
if (want('rnn-bptt-f32')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) rnnBptt(n, B, 'float32');
if (want('lstm-bptt')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) lstmBptt(n, B);
if (want('lstm-bptt-f32')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) lstmBptt(n, B, 'float32');
if (want('gru-bptt')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) gruBptt(n, B);
if (want('gru-bptt-f32')) for (const n of [8, 32, 128, 512]) for (const B of [1, 32]) gruBptt(n, B, 'float32');
if (want('jacobian-norms')) for (const n of [32, 128, 512]) jacobianNorms(n, n < 512 ? T : T / 5);
if (want('lyapunov')) for (const n of [32, 128, 512]) lyapunov(n, n < 512 ? T : T / 5);
for (const kind of ['lstm', 'gru'] as const) if (want(`lyapunov-${kind}`)) lyapunovCell(kind, 128, T / 5);
if (want('matmul')) for (const n of [128, 512]) matmul(n);
if (want('matmul-f32')) for (const n of [128, 512]) matmulFloat32(n);
if (want('sweep')) await sweep(2);
if (want('startup')) startup();
if (want('slurm-sweep')) await slurmSweep();
if (want('continuation')) {
  continuation(1000, false);
  continuation(1000, true);
}
if (want('fixed-points')) fixedPoints(128, 1000);
