// The second kernel thread (see parallel.ts): instantiates kernels.wasm on the shared kernel memory
// and runs the share of a job that the main thread posts in the control block. Every slot and job
// comes from the one table in wasm.ts (`abi`, passed in workerData): a job's arguments are the
// Float64 slots from abi.control.args in its table order, followed by this thread's GEMM scratch
// pointer when the job takes one. Plain JavaScript so that the worker starts without a TypeScript
// loader.
import { workerData } from 'node:worker_threads';
import { claimByWorker } from './handoff.mjs';

const { memory, module, ctrl, work, spin, abi } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
k.configure(abi.routes.blockedMinWork, abi.routes.blockedMinDim);
const C = abi.control;
const I = new Int32Array(memory.buffer, ctrl, 2 * C.doubles);
const F = new Float64Array(memory.buffer, ctrl, C.doubles);
// per job kind: the kernel and an argument list reused for every call
const byKind = [];
for (const job of Object.values(abi.jobs)) {
  const args = new Array(job.args.length + (job.work ? 1 : 0)).fill(0);
  if (job.work) args[job.args.length] = work;
  byKind[job.kind] = { fn: k[job.fn], args, count: job.args.length };
}
Atomics.store(I, C.ready, 1);
Atomics.notify(I, C.ready);
let seen = 0;
for (;;) {
  // spin first: in a time loop the next product comes within microseconds, and a futex wake-up
  // costs more than the product; then sleep so an idle process leaves the core to others
  let s = 0;
  while (Atomics.load(I, C.seq) === seen) {
    if (++s > spin) {
      Atomics.wait(I, C.seq, seen);
      s = 0;
    }
  }
  seen = Atomics.load(I, C.seq);
  if (seen < 0) break;
  // the main thread takes the share itself when this thread comes late (a busy machine)
  if (!claimByWorker(I, C, seen)) continue;
  const job = byKind[I[C.kind]];
  for (let i = 0; i < job.count; i++) job.args[i] = F[C.args + i];
  job.fn.apply(null, job.args);
  Atomics.store(I, C.done, seen);
  Atomics.notify(I, C.done);
}
