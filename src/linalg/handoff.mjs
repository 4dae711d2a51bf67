// Who computes the second share of a posted job (see parallel.ts): the main thread posts job `seq`
// (arguments, kind, then the new sequence number in slot `seq`), and the main thread and the
// worker thread race to claim it by a compare-and-swap on slot `claim`; the one that wins
// computes the share, so a worker that comes late (descheduled on a busy machine) never holds the
// main thread up. Plain JavaScript, shared by the worker (gemm-worker.mjs, started without a
// TypeScript loader) and parallel.ts.
//
// Invariant: the main thread posts a new job only after the current one was claimed (and, when the
// worker claimed it, done), so while slot seq holds s, slot claim holds s - 1 (unclaimed) or s.

/**
 * The main thread's claim of the job it posted as `seq`: true when it takes the share itself.
 * @param {Int32Array} I the control block's Int32 view
 * @param {{ claim: number }} slots
 * @param {number} seq
 */
export function claimByMain(I, slots, seq) {
  const c = Atomics.load(I, slots.claim);
  return c !== seq && Atomics.compareExchange(I, slots.claim, c, seq) === c;
}

/**
 * The worker's claim of job `seen`, the sequence number it read: true when it takes the share.
 * The claim slot is read, then the job is checked to be still the posted one, before the
 * compare-and-swap: a worker descheduled after reading `seen` may otherwise find the claim of a
 * later job (the main thread took `seen` itself, posted and claimed the next) and swap it back to
 * `seen`, then run the later job's share a second time beside the main thread (the arguments in
 * the control block are the later job's), which broke bit-for-bit results on loaded machines.
 * With the check, a successful swap found the claim at seen - 1: `seen` is posted and unclaimed.
 * @param {Int32Array} I
 * @param {{ seq: number, claim: number }} slots
 * @param {number} seen
 */
export function claimByWorker(I, slots, seen) {
  const c = Atomics.load(I, slots.claim);
  if (c === seen || Atomics.load(I, slots.seq) !== seen) return false;
  return Atomics.compareExchange(I, slots.claim, c, seen) === c;
}
