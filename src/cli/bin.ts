#!/usr/bin/env node
/**
 * The installed `rnn-dynamics` command (package.json "bin": dist/cli/bin.js, compiled JavaScript).
 * `--version` answers from package.json before anything else loads, so it starts about as fast as
 * Node itself; `run` goes through the signal-taking supervisor (supervise.mjs), which starts this
 * same file again as its computing child; every other command loads the CLI (main.ts). In development,
 * src/cli/rnn-dynamics.mjs runs the TypeScript sources through tsx instead.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
// `rnn-dynamics list | head`: a closed pipe ends the output, not with a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else if (argv[0] === 'run' && process.env['RNN_DYNAMICS_SUPERVISED'] !== '1') {
  // `run` computes in a child under a supervisor that takes the signals (supervise.mjs)
  const { supervise } = await import('./supervise.mjs');
  process.exitCode = await supervise(fileURLToPath(import.meta.url), argv, process.execArgv);
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
