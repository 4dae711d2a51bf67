#!/usr/bin/env node
// Development entry: runs the TypeScript sources through tsx's loader (no build step). The
// installed command is dist/cli/bin.js, compiled from bin.ts by `npm run build`.
// `run` goes through a supervisor (./supervise.mjs) that takes signals while the study computes.
import { fileURLToPath } from 'node:url';
import { isSupervisedChild, supervise } from './supervise.mjs';

// `rnn-dynamics list | head`: a closed pipe ends the output, not with a stack trace
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const args = process.argv.slice(2);
if (args[0] === 'run' && !isSupervisedChild()) {
  process.exitCode = await supervise(fileURLToPath(import.meta.url), args, process.execArgv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  process.exitCode = await main(args);
}
