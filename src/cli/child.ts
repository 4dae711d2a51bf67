/**
 * The computing side of a supervised run (src/cli/supervise.mjs): it tells the supervisor which
 * report directories it uses and which scenario runs (so that a signal leaves nothing behind and
 * the message names the scenario), and ends as soon as the supervisor is gone, so that no orphan
 * writes a report after its parent was killed.
 */
import { resolve } from 'node:path';
import { releaseAllLocks, removeTemporaryDirectories } from '../report/write.ts';

const supervised = process.env.RNN_DYNAMICS_SUPERVISED === '1';
const startParent = process.ppid;

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

/** Called on progress ticks: when the supervisor is gone, clean up and end (exit 143). */
export function exitIfOrphaned(): void {
  if (!supervised || process.ppid === startParent) return;
  removeTemporaryDirectories();
  releaseAllLocks();
  process.exit(143);
}
