/**
 * `npm run replications`: run every scenario in scenarios/replications/ (or the files given) into
 * reports/replications/<name>/, record each one's run time, and write
 * reports/replications/index.md (paper, claim, the paper's number, ours, agrees).
 *
 * Unlike `rnn-dynamics run`, a failed check does not stop the set: every scenario runs, the index
 * is written, and the exit code is 1 if any check failed (2 for an invalid scenario, nothing run;
 * 3 if a study failed while running, its older report untouched).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError } from '../scenario/errors.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.ts';
import { runLoaded } from '../scenario/run.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';
import { readTimings, writeReplicationIndex, writeTimings } from '../report/replication-index.ts';
import { createProgress } from './progress.ts';
import { elapsed, startStopwatch } from '../studies/replication.ts';

export const REPLICATION_SCENARIOS = 'scenarios/replications';
export const REPLICATION_REPORTS = 'reports/replications';

export async function runReplications(files: string[], outDir = REPLICATION_REPORTS): Promise<number> {
  const list = files.length > 0 ? files : readdirSync(REPLICATION_SCENARIOS).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(REPLICATION_SCENARIOS, f));
  const loaded: LoadedScenario[] = [];
  const errors: string[] = [];
  for (const f of list) {
    try {
      loaded.push(loadScenarioFile(f, STUDIES_BY_KIND));
    } catch (e) {
      if (e instanceof ScenarioError) errors.push(e.message);
      else throw e;
    }
  }
  if (errors.length > 0) {
    process.stderr.write(errors.join('\n') + '\nreplications: invalid scenarios; nothing was run or written.\n');
    return 2;
  }
  const progress = createProgress();
  let code = 0;
  try {
    for (const l of loaded) {
      const t0 = startStopwatch();
      let outcome;
      try {
        outcome = await runLoaded(l, { outDir, progress: progress.sink });
      } catch (e) {
        progress.stop();
        process.stderr.write(`${l.file}: the ${l.scenario.kind} study failed: ${(e as Error).stack ?? String(e)}\n`);
        code = 3;
        continue;
      }
      const t = elapsed(t0);
      const timings = readTimings(outDir);
      timings[l.scenario.name] = t;
      writeTimings(outDir, timings);
      const { summary } = outcome;
      const passed = summary.checks.filter((c) => c.pass).length;
      progress.log(`${l.scenario.name}: ${passed} of ${summary.checks.length} checks passed, ${t.cpu} s CPU, ${t.wall} s wall`);
      for (const c of summary.checks.filter((c) => !c.pass)) {
        process.stderr.write(`${l.file}: check failed: ${c.name} (${c.path}): ${c.reason ?? ''}\n`);
        code = Math.max(code, 1);
      }
    }
  } finally {
    progress.stop();
  }
  process.stdout.write(`replications: wrote ${writeReplicationIndex(outDir)}\n`);
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runReplications(process.argv.slice(2));
}
