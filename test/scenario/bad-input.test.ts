/**
 * Every named bad or hostile input of issue 17 (test/fixtures/bad-input/cases.ts) through the CLI:
 * the exit code, a message naming the file and the field, no stack trace, and nothing outside
 * --out touched (nothing at all for exit 2).
 */
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAD_INPUTS } from '../fixtures/bad-input/cases.ts';
import { cliInProcess, makeFiles, snapshot, STACK } from '../helpers/cli-in-process.ts';

for (const c of BAD_INPUTS) {
  test.serial(c.name, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `bad-${c.name}-`));
    const out = join(dir, 'reports');
    makeFiles(dir, c.files);
    const before = snapshot(dir);
    const args = c.args.map((a) => a.replaceAll('{dir}', dir).replaceAll('{out}', out));
    const r = await cliInProcess(args);
    t.is(r.code, c.code, r.stderr);
    t.regex(r.stderr, c.stderr);
    t.notRegex(r.stderr + r.stdout, STACK);
    t.true(r.stderr.length < 4000, `stderr has ${r.stderr.length} characters`);
    const after = snapshot(dir, [out]);
    t.deepEqual([...after], [...before].filter(([p]) => p !== out && !p.startsWith(out + '/')));
    if (c.code === 2) t.false(existsSync(out), 'bad input writes nothing');
  });
}
