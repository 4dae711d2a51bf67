/**
 * startup: how long the installed command takes to answer `rnn-dynamics --version` (the compiled
 * dist/cli/bin.js, as `npm install` puts it on the PATH) against a bare `node -e 0` on the same
 * machine: median of alternating runs, so a load change hits both. Target (issue 11): within 3x.
 * usPerStep is the command's median start-up in microseconds; check is the ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emit, QUICK } from './common.ts';

const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function seconds(args: string[]): { s: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`startup: node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { s, stdout: r.stdout };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

export function startup(): void {
  if (!existsSync(BIN)) throw new Error('startup: dist/cli/bin.js is missing; run `npm run build` first');
  const repeats = QUICK ? 5 : 21;
  const node: number[] = [];
  const cli: number[] = [];
  for (let r = 0; r < repeats; r++) {
    node.push(seconds(['-e', '0']).s);
    const v = seconds([BIN, '--version']);
    if (v.stdout.trim() !== VERSION) throw new Error(`startup: --version printed ${JSON.stringify(v.stdout)}, expected ${VERSION}`);
    cli.push(v.s);
  }
  const ratio = median(cli) / median(node);
  emit({ impl: 'rnn-dynamics', workload: 'startup', n: 0, B: 0, T: 0, usPerStep: median(cli) * 1e6, gflops: 0, check: ratio, nodeMs: median(node) * 1e3, versionMs: median(cli) * 1e3, ratio });
}
