/**
 * The computing side of a supervised run (src/cli/supervise.mjs): it tells the supervisor which
 * report directories it uses and which scenario runs (so that a signal leaves nothing behind and
 * the message names the scenario). Ending as soon as the supervisor is gone, so that no orphan
 * writes a report after its parent was killed, is src/report/write.ts exitIfOrphaned (the sweep
 * journal calls it too).
 */
import { resolve } from 'node:path';
import { SUPERVISOR } from '../report/write.ts';

const supervised = SUPERVISOR > 0;

/** Send the supervisor a message (nothing when not supervised). */
function announce(message: Record<string, unknown>): void {
  if (!supervised || typeof process.send !== 'function') return;
  try {
    process.send(message);
  } catch {
    /* the supervisor is gone: exitIfOrphaned ends this process at the next tick */
  }
}

export function announceOutDir(outDir: string): void {
  announce({ out: resolve(outDir) });
}

export function announceRunning(name: string | null): void {
  announce({ running: name });
}
