/**
 * Modified Gram-Schmidt on two threads (kernels.ts mgs_share: blocks of four rows alternate between
 * the threads, each waiting for the rows it projects on) gives the same bits as on one, and both
 * leave orthonormal rows with V = R^T Q.
 */
import test from 'ava';
import { allocF64 } from '../../src/linalg/wasm.ts';
import { gemmThreads, mgsQr, setGemmThreads } from '../../src/linalg/parallel.ts';
import { Rng } from '../../src/init/rng.ts';
import { TOL } from '../helpers/tolerance.ts';

test('two-thread Gram-Schmidt: same bits as one thread, orthonormal rows, R_ii > 0', async (t) => {
  const rng = new Rng(41);
  setGemmThreads(2);
  for (let i = 0; i < 200 && gemmThreads() < 2; i++) await new Promise((r) => setTimeout(r, 25));
  t.is(gemmThreads(), 2, 'the worker thread is running');
  for (const [k, n] of [[128, 128], [45, 70], [66, 66], [64, 200]] as const) {
    const V0 = rng.fillNormal(new Float64Array(k * n));
    const a = allocF64(k * n);
    const b = allocF64(k * n);
    const ra = allocF64(k);
    const rb = allocF64(k);
    a.set(V0);
    b.set(V0);
    setGemmThreads(1);
    mgsQr(a, k, n, ra);
    setGemmThreads(2);
    mgsQr(b, k, n, rb);
    t.deepEqual(Array.from(b), Array.from(a), `${k} x ${n}: Q`);
    t.deepEqual(Array.from(rb), Array.from(ra), `${k} x ${n}: R_ii`);
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
