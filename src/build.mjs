// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build too): compile src/ to dist/
// (ESM .js, .d.ts, source maps with the sources inlined), then the files tsc does not emit.
// dist/ is not committed; everything in the package that runs is JavaScript from here.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// tsc rewrites `./x.ts` to `./x.js` in .js output but keeps `.ts` in declarations; consumers on
// TypeScript before 5.x (or without allowImportingTsExtensions semantics) need `.js`
function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* files(join(dir, e.name));
    else yield join(dir, e.name);
  }
}
const relativeTs = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
for (const f of files(dist)) {
  if (!f.endsWith('.d.ts')) continue;
  const text = readFileSync(f, 'utf8');
  const out = text.replace(relativeTs, '$1$2$3.js$2');
  if (out !== text) writeFileSync(f, out);
}

// what tsc does not emit: the WebAssembly kernels, the plain-JavaScript GEMM thread and run
// supervisor, the CommonJS entry
cpSync(join(root, 'src/linalg/kernels.wasm'), join(dist, 'linalg/kernels.wasm'));
cpSync(join(root, 'src/linalg/gemm-worker.mjs'), join(dist, 'linalg/gemm-worker.mjs'));
cpSync(join(root, 'src/linalg/handoff.mjs'), join(dist, 'linalg/handoff.mjs'));
cpSync(join(root, 'src/cli/supervise.mjs'), join(dist, 'cli/supervise.mjs'));
cpSync(join(root, 'src/require.cjs'), join(dist, 'index.cjs'));

// the JSON Schema of scenario files, for editors (`# yaml-language-server: $schema=...`)
const schema = spawnSync(process.execPath, [join(dist, 'cli/bin.js'), 'schema', '--out', join(dist, 'scenario.schema.json')], { stdio: 'inherit' });
if (schema.status !== 0) process.exit(schema.status ?? 1);
