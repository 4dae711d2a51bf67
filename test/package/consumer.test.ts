/**
 * The package as another project gets it: `npm pack` (which builds dist/ through `prepare`), the
 * tarball unpacked into a temporary consumer project's node_modules as `npm install <tarball>`
 * would (its dependencies linked from this checkout's node_modules: no network), then
 *   - a plain Node ES module imports it, runs a scenario and reads the shipped JSON Schema;
 *   - `require('rnn-dynamics')` works where Node supports require(esm), else says what to do;
 *   - a strict TypeScript consumer (NodeNext, exactOptionalPropertyTypes) type-checks, and a
 *     wrong parameter type is an error (the types are real, not `any`);
 *   - the installed command runs a sweep (points in child processes) and a training sweep (pool
 *     workers) from the compiled JavaScript alone.
 * The tarball holds dist/, the scenarios, README and LICENSE, and no reports/, test/, bench/ or src/.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve('.');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

function sh(cmd: string, args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the packed package installs into a consumer and works from ESM, require, strict TypeScript and its command', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'consumer-'));
  const pack = sh('npm', ['pack', '--json', '--pack-destination', work], REPO);
  t.is(pack.code, 0, pack.stderr);
  const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info[0]!.files.map((f) => f.path);
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.js.map', 'dist/cli/bin.js', 'dist/cli/point-process.js', 'dist/training/sweep-worker.js', 'dist/linalg/kernels.wasm', 'dist/linalg/gemm-worker.mjs', 'dist/linalg/handoff.mjs', 'dist/scenario.schema.json', 'scenarios/doya-bifurcation.yaml', 'LICENSE', 'README.md', 'package.json']) {
    t.true(files.includes(f), `the tarball has ${f}`);
  }
  t.deepEqual(files.filter((f) => /^(reports|test|bench|src|scripts)\//.test(f)), [], 'no reports/, test/, bench/, src/ or scripts/');

  // the consumer project: the tarball unpacked as npm does, the dependencies linked
  const consumer = join(work, 'consumer');
  const nm = join(consumer, 'node_modules');
  mkdirSync(join(nm, 'rnn-dynamics'), { recursive: true });
  mkdirSync(join(nm, '@types'), { recursive: true });
  t.is(sh('tar', ['-xzf', join(work, info[0]!.filename), '-C', join(nm, 'rnn-dynamics'), '--strip-components=1'], work).code, 0);
  for (const dep of [...Object.keys(PKG.dependencies), '@types/node']) {
    mkdirSync(join(nm, dep, '..'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', dep), join(nm, dep), 'dir');
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'rnn-dynamics': PKG.version } }));

  // plain ES module
  writeFileSync(
    join(consumer, 'main.mjs'),
    `import { runScenario, PACKAGE, weightMatrix, rnnTrajectory } from 'rnn-dynamics';
import schema from 'rnn-dynamics/scenario.schema.json' with { type: 'json' };
const { summary } = await runScenario({ name: 'fold', kind: 'doya-bifurcation', description: 'Folds at w = 5.', seed: 1,
  params: { w: 5, branchPoints: 20, ramp: { rate: 0.01 }, twoParameter: { points: 20 } } });
const W = weightMatrix('orthogonal', 4, 4, { seed: 1, gain: 0.5 });
const h = rnnTrajectory({ W, activation: 'tanh' }, { steps: 3 }, W.pick(0, null));
console.log(JSON.stringify({ b: summary.foldPoints[0].b, version: PACKAGE.version, title: schema.title, shape: h.shape }));
`,
  );
  const esm = sh(process.execPath, ['main.mjs'], consumer);
  t.is(esm.code, 0, esm.stderr);
  const out = JSON.parse(esm.stdout) as { b: number; version: string; title: string; shape: number[] };
  t.true(Math.abs(out.b - -2.65561) < 1e-5);
  t.is(out.version, PKG.version);
  t.is(out.title, 'rnn-dynamics scenario');
  t.deepEqual(out.shape, [4, 4]);

  // require: works with require(esm) (Node >= 20.19), else a message that says what to do
  writeFileSync(join(consumer, 'main.cjs'), `const m = require('rnn-dynamics');\nconsole.log(typeof m.runScenario);\n`);
  const cjs = sh(process.execPath, ['main.cjs'], consumer);
  if ((process as { features: { require_module?: boolean } }).features.require_module) {
    t.is(cjs.code, 0, cjs.stderr);
    t.is(cjs.stdout.trim(), 'function');
  } else {
    t.not(cjs.code, 0);
    t.regex(cjs.stderr, /cannot require\(\) it\. Use Node\.js >= 20\.19/);
  }

  // strict TypeScript
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, exactOptionalPropertyTypes: true, noEmit: true, types: ['node'] }, files: ['main.ts', 'wrong.ts'] }),
  );
  writeFileSync(
    join(consumer, 'main.ts'),
    `import { runScenario, weightMatrix, rnnJacobians, type NdArray, type StudyKind } from 'rnn-dynamics';
const kind: StudyKind = 'rnn-gradient-flow';
const { summary } = await runScenario({ name: 'fold', kind: 'doya-bifurcation', description: 'd', seed: 1, params: { w: 5, ramp: { rate: 0.01 } } });
const b: number | null = summary.foldPoints[0]!.b;
const width: number | null = summary.bistableInterval.width;
const W: NdArray<Float64Array> = weightMatrix('gaussian', 3, 3, { seed: 2 });
const J: NdArray<Float64Array> = rnnJacobians({ W, activation: 'tanh' }, { steps: 5 });
console.log(kind, b, width, J.shape);
`,
  );
  writeFileSync(
    join(consumer, 'wrong.ts'),
    `import { runScenario } from 'rnn-dynamics';
// @ts-expect-error w is a number
await runScenario({ name: 'x', kind: 'doya-bifurcation', description: 'd', seed: 1, params: { w: 'five' } });
// @ts-expect-error an unknown kind
await runScenario({ name: 'x', kind: 'doya-bifurcaton', description: 'd', seed: 1 });
const r = await runScenario({ name: 'x', kind: 'latch-sweep', description: 'd', seed: 1 });
// @ts-expect-error latch-sweep's summary has no foldPoints
r.summary.foldPoints;
`,
  );
  const tsc = sh(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], consumer);
  t.is(tsc.code, 0, tsc.stdout + tsc.stderr);

  // the installed command, from the compiled JavaScript only: version, a sweep in child processes,
  // and a study whose trainings run on pool workers
  const bin = join(nm, 'rnn-dynamics', 'dist', 'cli', 'bin.js');
  const version = sh(process.execPath, [bin, '--version'], consumer);
  t.is(version.stdout.trim(), PKG.version);
  writeFileSync(join(consumer, 'latch.yaml'), `name: latch
kind: latch-sweep
description: A tiny latch sweep.
seed: 1
params:
  task: { name: latch, testSize: 32 }
  lags: [5, 10]
  repetitions: 2
  training: { steps: 20, evalEvery: 10, testSize: 32, evalBatchSize: 32 }
  threads: 2
`);
  const run = sh(process.execPath, [bin, 'run', 'latch.yaml', '--out', 'reports', '--sweep', 'seed=1,2', '--threads', '2', '--json'], consumer);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: number });
  t.is(lines.length, 3);
  t.true(lines.every((l) => l.status === 0));
  // the Slurm scripts of an installed package run its own built command (a shard of the sweep
  // through the printed command line works)
  const slurm = sh(process.execPath, [bin, 'slurm', 'latch.yaml', '--shards', '2', '--out', 'cluster'], consumer);
  t.is(slurm.code, 0, slurm.stderr);
  const exec = /^exec (\S+) (\S+) run /m.exec(slurm.stdout);
  t.truthy(exec, slurm.stdout);
  t.is(exec![2], bin);
  const shard = sh(exec![1]!, [exec![2]!, 'run', 'latch.yaml', '--shard', '0/2', '--out', 'cluster'], consumer);
  t.is(shard.code, 0, shard.stderr);
  t.regex(shard.stdout, /latch: shard 0\/2 done/);
});
