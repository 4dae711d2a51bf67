#!/usr/bin/env node
// Development entry: runs the TypeScript sources through tsx's loader (no build step). The
// installed command is dist/cli/bin.js, compiled from bin.ts by `npm run build`.
import { register } from 'tsx/esm/api';

register();
// `rnn-dynamics list | head`: a closed pipe ends the output, not with a stack trace
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
