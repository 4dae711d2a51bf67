// Types of handoff.mjs (plain JavaScript, shared with the worker thread, which starts without a compiler).
/** The main thread's claim of the job it posted as `seq`: true when it takes the share itself. */
export function claimByMain(I: Int32Array, slots: { readonly claim: number }, seq: number): boolean;
/** The worker's claim of job `seen`: true when the job is still the posted one and unclaimed, and it took it. */
export function claimByWorker(I: Int32Array, slots: { readonly seq: number; readonly claim: number }, seen: number): boolean;
