/**
 * Modified Gram-Schmidt on two threads (kernels.ts mgs_share and, for float32, smgs_share: blocks
 * of four rows alternate between the threads, each waiting for the rows it projects on) gives the
 * same bits as on one, and both leave orthonormal rows with V = R^T Q. The kernels are checked on
 * two threads of their own (a worker made here) for every shape of the last block, and through the
 * route that the Lyapunov spectrum takes (parallel.ts mgsQr, one thread against two).
 */
import test, { type ExecutionContext } from 'ava';
import { Worker } from 'node:worker_threads';
import { allocF64, allocReal, freeF64, kernelMemory, kernelModule, kernels, ptr } from '../../src/linalg/wasm.ts';
import { precisionOf, type Real } from '../../src/linalg/precision.ts';
import { gemmThreads, mgsQr, setGemmThreads } from '../../src/linalg/parallel.ts';
import { mgsKernel } from '../../src/analysis/lyapunov.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';

async function twoThreads(t: ExecutionContext): Promise<void> {
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
}

/** mgsQr of copies of V0 (in the heap, V0's precision) on one thread and on two: the same bits; returns the factors. */
function qrOnOneAndTwo(t: ExecutionContext, V0: Real, k: number, n: number): { Q: Real; r: Float64Array } {
  const precision = precisionOf(V0);
  const out = [1, 2].map((threads) => {
    const Q = allocReal(precision, k * n);
    const r = allocF64(k);
    Q.set(V0);
    setGemmThreads(threads as 1 | 2);
    mgsQr(Q, k, n, r);
    return { Q, r };
  });
  t.deepEqual(Array.from(out[1]!.Q), Array.from(out[0]!.Q), `${precision} ${k} x ${n}: Q`);
  t.deepEqual(Array.from(out[1]!.r), Array.from(out[0]!.r), `${precision} ${k} x ${n}: R_ii`);
  return out[1]!;
}

test('two-thread Gram-Schmidt: same bits as one thread, orthonormal rows, R_ii > 0', async (t) => {
  const rng = new Rng(41);
  await twoThreads(t);
  for (const [k, n] of [[128, 128], [45, 70], [66, 66], [64, 200]] as const) {
    const V0 = rng.fillNormal(new Float64Array(k * n));
    const { Q: a, r: ra } = qrOnOneAndTwo(t, V0, k, n);
    let worst = 0;
    for (let i = 0; i < k; i++) {
      t.true(ra[i]! > 0);
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let l = 0; l < n; l++) dot += a[i * n + l]! * a[j * n + l]!;
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    t.true(worst < TOL.roundoff, `${k} x ${n}: |Q Q^T - I| = ${worst}`);
    // prod R_ii = sqrt(det(V V^T)), the volume of the rows: checked through the first row
    t.true(Math.abs(ra[0]! - Math.hypot(...V0.subarray(0, n))) <= TOL.roundoff * ra[0]!);
  }
  setGemmThreads('auto');
});

test('two-thread float32 Gram-Schmidt (smgs_share): same bits as one thread (smgs), and the factorisation of the TypeScript float32 reference', async (t) => {
  const rng = new Rng(43);
  await twoThreads(t);
  // k^2 n at or above routes.mgsMinWork, so that mgsQr splits; k % 8 and n % 4 take every value
  // of the last block's rows and of the tail of the f32x4 lanes. k < n keeps the rows well
  // conditioned, so the float32 results stay within the float32 Gram-Schmidt tolerance (n <= 101).
  for (const [k, n] of [[60, 101], [61, 97], [70, 98], [52, 99], [67, 100], [73, 101]] as const) {
    const V0 = Float32Array.from(rng.fillNormal(new Float64Array(k * n)));
    const { Q, r } = qrOnOneAndTwo(t, V0, k, n);
    const c = Float32Array.from(V0);
    const rc = new Float64Array(k);
    mgsKernel(c, k, n, rc); // the TypeScript float32 loops (plain arrays)
    let eq = 0;
    let er = 0;
    for (let i = 0; i < k * n; i++) eq = Math.max(eq, Math.abs(Q[i]! - c[i]!));
    for (let i = 0; i < k; i++) er = Math.max(er, Math.abs(r[i]! - rc[i]!) / rc[i]!);
    t.true(eq <= TOL.float32Gramschmidt && er <= TOL.float32Gramschmidt, `${k} x ${n}: Q ${eq}, r ${er}`);
    t.true(eq > 0, 'float32 arithmetic in lanes, not in order');
  }
  setGemmThreads('auto');
});

/**
 * Run a Gram-Schmidt share kernel on this thread (parity 0) and on a worker of its own (parity 1)
 * over the same rows, as parallel.ts does; resolves to the final count of finished rows.
 */
function shareOnTwoThreads(worker: Worker, fn: 'mgs_share' | 'smgs_share', V: number, k: number, n: number, r: number): Promise<number> {
  const slot = allocF64(1);
  const progress = new Int32Array(slot.buffer, slot.byteOffset, 1);
  Atomics.store(progress, 0, 0);
  const done = new Promise<number>((resolve) =>
    worker.once('message', () => {
      resolve(Atomics.load(progress, 0));
      freeF64(slot);
    }),
  );
  worker.postMessage({ fn, args: [V, k, n, r, 1, ptr(slot)] });
  kernels[fn](V, k, n, r, 0, ptr(slot));
  return done;
}

test('the share kernels on two threads of their own give the one-thread kernel\'s bits for every shape of the last block (mgs_share, smgs_share)', async (t) => {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const k = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
     parentPort.on('message', ({ fn, args }) => { k[fn](...args); parentPort.postMessage('done'); });`,
    { eval: true, workerData: { module: kernelModule, memory: kernelMemory } },
  );
  const rng = new Rng(47);
  try {
    for (const precision of ['float64', 'float32'] as const) {
      const f32 = precision === 'float32';
      for (const k of [3, 5, 8, 9, 12, 14, 17, 23]) {
        for (const n of [1, 2, 3, 5, 8, 13, 34]) {
          const V0 = rng.fillNormal(new Float64Array(k * n));
          const a = allocReal(precision, k * n);
          const b = allocReal(precision, k * n);
          const ra = allocF64(k);
          const rb = allocF64(k);
          a.set(V0);
          b.set(V0);
          (f32 ? kernels.smgs : kernels.mgs)(ptr(a), k, n, ptr(ra));
          t.is(await shareOnTwoThreads(worker, f32 ? 'smgs_share' : 'mgs_share', ptr(b), k, n, ptr(rb)), k, 'every row final');
          t.deepEqual(Array.from(b), Array.from(a), `${precision} ${k} x ${n}: Q`);
          t.deepEqual(Array.from(rb), Array.from(ra), `${precision} ${k} x ${n}: R_ii`);
        }
      }
    }
  } finally {
    await worker.terminate();
  }
});
