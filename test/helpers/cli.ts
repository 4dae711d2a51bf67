/**
 * The command line run in this process (no start-up per call): `main(argv)` with stdout and stderr
 * captured. Tests that use it run serially (test.serial), since the capture is process-wide.
 */
import { main } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cliInProcess(argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const ci = process.env.CI;
  process.env.CI = 'true';
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  }
}
