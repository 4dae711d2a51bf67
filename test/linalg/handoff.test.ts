/**
 * The hand-off of a job's second share between the main thread and the worker (handoff.mjs), by
 * interleavings written out step by step on a control block: exactly one thread takes each job,
 * and a worker that read an old sequence number takes nothing. The last case is the interleaving
 * of a descheduled worker on a loaded machine that made the flip-flop training differ from its
 * committed result in about 1 run in 100 (the worker swapped a later job's claim back and ran that
 * job's share a second time).
 */
import test from 'ava';
import { claimByMain, claimByWorker } from '../../src/linalg/handoff.mjs';
import { ABI } from '../../src/linalg/wasm.ts';

const C = ABI.control;

/** A control block after `s` jobs, each claimed, and job s posted (claim at s - 1). */
function posted(s: number): Int32Array {
  const I = new Int32Array(8);
  I[C.claim] = s - 1;
  I[C.seq] = s;
  return I;
}

test('the first to claim a posted job takes it, the other does not', (t) => {
  const a = posted(5);
  t.true(claimByWorker(a, C, 5));
  t.false(claimByMain(a, C, 5));
  t.is(a[C.claim], 5);
  const b = posted(5);
  t.true(claimByMain(b, C, 5));
  t.false(claimByWorker(b, C, 5));
  t.is(b[C.claim], 5);
});

test('a worker that read job s takes nothing after the main thread took s and posted and took s + 1', (t) => {
  // the worker read seq = 5 and was descheduled; the main thread took job 5 itself, posted job 6
  // and took job 6 too
  const I = posted(5);
  t.true(claimByMain(I, C, 5));
  I[C.seq] = 6;
  t.true(claimByMain(I, C, 6));
  // the worker resumes with seen = 5: the job it read is gone, and job 6 is the main thread's
  t.false(claimByWorker(I, C, 5));
  t.is(I[C.claim], 6, 'the claim of job 6 stays');
  // once posted, job 7 goes to whichever thread claims first, once
  I[C.seq] = 7;
  t.true(claimByWorker(I, C, 7));
  t.false(claimByMain(I, C, 7));
});

test('a worker that read job s takes nothing after the main thread took s and posted s + 1', (t) => {
  const I = posted(5);
  t.true(claimByMain(I, C, 5));
  I[C.seq] = 6;
  t.false(claimByWorker(I, C, 5));
  t.is(I[C.claim], 5);
  // job 6 is still open to either thread
  t.true(claimByWorker(I, C, 6));
  t.false(claimByMain(I, C, 6));
});

test('after the sequence number wraps, the hand-off still works', (t) => {
  const I = posted(0x3fffffff);
  t.true(claimByMain(I, C, 0x3fffffff));
  I[C.seq] = 1;
  t.false(claimByWorker(I, C, 0x3fffffff));
  t.true(claimByWorker(I, C, 1));
  t.false(claimByMain(I, C, 1));
});
