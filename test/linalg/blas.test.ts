/**
 * The BLAS front gives op(A) op(B) for every transpose combination, offsets and leading
 * dimensions, whether it runs the WebAssembly SIMD kernels (operands in the kernel heap) or the
 * JavaScript loops, against a naive triple loop.
 */
import test from 'ava';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dgemm, dgemv, dnrm2 } from '../../src/linalg/blas.ts';
import { ABI, allocF64, freeF64, inWasm, jobArgs, kernels, ptr, setArg } from '../../src/linalg/wasm.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL, relativeError } from '../helpers/tolerance.ts';

function naive(tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, beta: number, C: Float64Array, cOff: number, ldc: number): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? A[aOff + p * lda + i]! : A[aOff + i * lda + p]!) * (tB ? B[bOff + j * ldb + p]! : B[bOff + p * ldb + j]!);
      out[cOff + i * ldc + j] = alpha * s + beta * C[cOff + i * ldc + j]!;
    }
  return out;
}

for (const heap of ['wasm', 'js'] as const) {
  test(`dgemm (${heap}) matches the triple loop for all transposes, offsets and leading dimensions`, (t) => {
    fc.assert(
      fc.property(
        fc.record({ m: fc.integer({ min: 1, max: 37 }), n: fc.integer({ min: 1, max: 37 }), k: fc.integer({ min: 1, max: 37 }), tA: fc.boolean(), tB: fc.boolean(), pad: fc.integer({ min: 0, max: 3 }), off: fc.integer({ min: 0, max: 5 }), beta: fc.constantFrom(0, 1, -0.5), seed: fc.nat() }),
        ({ m, n, k, tA, tB, pad, off, beta, seed }) => {
          const rng = new Rng(seed);
          const lda = (tA ? m : k) + pad;
          const ldb = (tB ? k : n) + pad;
          const ldc = n + pad;
          const alloc = (len: number) => (heap === 'wasm' ? allocF64(len) : new Float64Array(len));
          const A = rng.fillNormal(alloc(off + (tA ? k : m) * lda));
          const B = rng.fillNormal(alloc(off + (tB ? n : k) * ldb));
          const C = rng.fillNormal(alloc(off + m * ldc));
          const expected = naive(tA, tB, m, n, k, 1.25, A, off, lda, B, off, ldb, beta, C, off, ldc);
          dgemm(tA, tB, m, n, k, 1.25, A, off, lda, B, off, ldb, beta, C, off, ldc);
          let err = 0;
          for (let i = 0; i < C.length; i++) err = Math.max(err, Math.abs(C[i]! - expected[i]!));
          if (heap === 'wasm') [A, B, C].forEach(freeF64);
          return err < TOL.roundoff * 10 * k;
        },
      ),
      { numRuns: 300, seed: 11 },
    );
    t.pass();
  });
}

test('dgemv (wasm heap) matches the loop, both orientations; A^T x with the same bits', (t) => {
  const rng = new Rng(5);
  for (const [m, n] of [[1, 1], [3, 300], [64, 64], [129, 17]] as const) {
    for (const trans of [false, true]) {
      for (const beta of [0, 1, 2]) {
        const A = rng.fillNormal(allocF64(m * n));
        const x = rng.fillNormal(allocF64(trans ? m : n));
        x[0] = 0; // a skipped row of A^T x
        const y = rng.fillNormal(allocF64(trans ? n : m));
        const yj = Float64Array.from(y);
        dgemv(trans, m, n, 0.5, A, 0, n, x, 0, beta, y, 0);
        dgemv(trans, m, n, 0.5, Float64Array.from(A), 0, n, Float64Array.from(x), 0, beta, yj, 0);
        // A^T x: the kernel adds the rows in the loop's order; A x: dot products in two-lane pairs
        if (trans) t.deepEqual(Array.from(y), Array.from(yj));
        else for (let i = 0; i < y.length; i++) t.true(Math.abs(y[i]! - yj[i]!) < TOL.roundoff * 10 * n);
      }
    }
  }
});

test('heap buffers survive memory growth and are recognised as kernel operands', (t) => {
  const a = allocF64(10);
  a.fill(3);
  const big = allocF64(8 * 1024 * 1024); // 64 MiB: forces growth past the initial 4 MiB
  t.true(inWasm(a) && inWasm(big));
  t.is(a.length, 10);
  t.deepEqual([...a], new Array(10).fill(3));
  freeF64(big);
  freeF64(a);
  t.false(inWasm(new Float64Array(4)));
});

test('dnrm2 avoids overflow and underflow', (t) => {
  // a naive sum of squares gives Infinity and 0 here
  t.true(relativeError(dnrm2(2, new Float64Array([3e200, 4e200])), 5e200) < TOL.roundoff);
  t.true(relativeError(dnrm2(2, new Float64Array([3e-200, 4e-200])), 5e-200) < TOL.roundoff);
  t.is(dnrm2(3, new Float64Array([1, 9, 2, 9, 2]), 0, 2), 3);
});

test('the committed kernels.wasm is the build of src/linalg/assembly/kernels.ts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-'));
  const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts['build:wasm'] as string;
  const args = script.split(/\s+/).slice(1).map((a) => (a === 'src/linalg/kernels.wasm' ? join(dir, 'k.wasm') : a));
  execFileSync(join('node_modules', '.bin', 'asc'), args, { stdio: 'pipe' });
  t.true(readFileSync(join(dir, 'k.wasm')).equals(readFileSync('src/linalg/kernels.wasm')), 'run `npm run build:wasm` and commit kernels.wasm');
});

test('the boundary table (wasm.ts ABI) matches the compiled kernels: every job names an export with that many parameters', (t) => {
  const kinds = new Set<number>();
  for (const [name, job] of Object.entries(ABI.jobs)) {
    const fn = (kernels as unknown as Record<string, unknown>)[job.fn];
    t.is(typeof fn, 'function', `${name}: export ${job.fn}`);
    // an exported WebAssembly function's length is its parameter count
    t.is((fn as (...a: number[]) => void).length, job.args.length + (job.work ? 1 : 0), `${name}: parameters of ${job.fn}`);
    t.false(kinds.has(job.kind), `${name}: kind ${job.kind} is unique`);
    kinds.add(job.kind);
    t.true(ABI.control.args + job.args.length <= ABI.control.doubles, `${name}: its arguments fit the control block`);
  }
  // the control block's Int32 handshake slots lie before its first Float64 argument slot
  const intSlots = [ABI.control.seq, ABI.control.done, ABI.control.ready, ABI.control.claim, ABI.control.kind, ABI.control.progress];
  t.is(new Set(intSlots).size, intSlots.length);
  t.true(Math.max(...intSlots) < 2 * ABI.control.args);
});

test('jobArgs orders a job\'s arguments by the table and resolves heap arrays to pointers', (t) => {
  const job = ABI.jobs.gemmPacked;
  const A = allocF64(8);
  const C = allocF64(8);
  const args = jobArgs(job, { transA: true, m: 2, n: 3, k: 4, alpha: 0.5, A, lda: 4, Bp: [C, 2], beta: 0, C: null, ldc: 3 });
  t.deepEqual(Array.from(args), [1, 2, 3, 4, 0.5, ptr(A), 4, ptr(C, 2), 0, 0, 3]);
  setArg(job, args, 'k', 7);
  t.is(args[3], 7);
  t.throws(() => jobArgs(job, { transA: 1 }), { message: /no value for m/ });
  t.throws(() => setArg(job, args, 'q', 1), { message: /has no argument q/ });
});
