#!/usr/bin/env node
// Entry point: TypeScript sources run directly through tsx's loader (no build step).
// `run` goes through a supervisor (./supervise.mjs) that takes signals while the study computes.
import { fileURLToPath } from 'node:url';
import { isSupervisedChild, supervise } from './supervise.mjs';

const args = process.argv.slice(2);
if (args[0] === 'run' && !isSupervisedChild()) {
  process.exitCode = await supervise(fileURLToPath(import.meta.url), args, process.execArgv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  process.exitCode = await main(args);
}
