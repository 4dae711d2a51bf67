// The second GEMM thread (see parallel.ts): instantiates kernels.wasm on the shared kernel memory
// and runs the share of a product that the main thread posts in the control block. Plain
// JavaScript so that the worker starts without a TypeScript loader.
import { workerData } from 'node:worker_threads';

const { memory, module, ctrl, spin } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
// control block layout (Int32 indices): 0 job sequence, 1 done sequence, 2 ready, 3 claim (the
// job whose share has been taken, by this thread or by the main thread), 4..15 GEMM arguments
// (15: this thread's GEMM work pointer), 20 job kind (0 GEMM, 1 rnn_forward, 2 rnn_backward,
// 3 mgs_share with parity 1, 48 being its progress counter; 4 gemm_packed in the GEMM slots;
// 5 lstm_forward; 6 lstm_backward, whose only argument is its argument block's pointer, at 24),
// 24..47 integer arguments of the other kinds; Float64 indices 8, 9: alpha, beta
const I = new Int32Array(memory.buffer, ctrl, 64);
const F = new Float64Array(memory.buffer, ctrl, 32);
Atomics.store(I, 2, 1);
Atomics.notify(I, 2);
let seen = 0;
for (;;) {
  // spin first: in a time loop the next product comes within microseconds, and a futex wake-up
  // costs more than the product; then sleep so an idle process leaves the core to others
  let s = 0;
  while (Atomics.load(I, 0) === seen) {
    if (++s > spin) {
      Atomics.wait(I, 0, seen);
      s = 0;
    }
  }
  seen = Atomics.load(I, 0);
  if (seen < 0) break;
  // the main thread takes the share itself when this thread comes late (a busy machine)
  const c = Atomics.load(I, 3);
  if (c === seen || Atomics.compareExchange(I, 3, c, seen) !== c) continue;
  const kind = I[20];
  if (kind === 0) k.gemm(I[4], I[5], I[6], I[7], I[8], F[8], I[9], I[10], I[11], I[12], F[9], I[13], I[14], I[15]);
  else if (kind === 1) k.rnn_forward(I[24], I[25], I[26], I[27], I[28], I[29], I[30], I[31], I[32], I[33], I[34], I[35], I[36], I[37], I[38], I[15]);
  else if (kind === 2) k.rnn_backward(I[24], I[25], I[26], I[27], I[28], I[29], I[30], I[31], I[32], I[33], I[34], I[35], I[36], I[37], I[15]);
  else if (kind === 3) k.mgs_share(I[24], I[25], I[26], I[27], 1, I[28]);
  else if (kind === 4) k.gemm_packed(I[4], I[6], I[7], I[8], F[8], I[9], I[10], I[11], F[9], I[13], I[14], I[15]);
  else if (kind === 6) k.lstm_backward(I[24], I[15]);
  else k.lstm_forward(I[24], I[25], I[26], I[27], I[28], I[29], I[30], I[31], I[32], I[33], I[34], I[35], I[36], I[37], I[38], I[39], I[40], I[41], I[42], I[43], I[44], I[45], I[46], I[47], I[15]);
  Atomics.store(I, 1, seen);
  Atomics.notify(I, 1);
}
