/**
 * reports/replications/index.md: one table over every replication report (paper, claim, the
 * paper's number with its source, ours, agrees), built from their summary.json files, with each
 * scenario's measured run time. Written atomically (temporary file, then rename).
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplicationSummary } from '../studies/replication.ts';
import { formatNumber, mdCell } from './format.ts';

/** Run times in seconds by scenario name, kept beside the reports (timings.json). */
export type Timings = Record<string, { wall: number; cpu: number }>;

export function readTimings(dir: string): Timings {
  const f = join(dir, 'timings.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Timings) : {};
}

export function writeTimings(dir: string, t: Timings): void {
  const sorted = Object.fromEntries(Object.entries(t).sort(([a], [b]) => a.localeCompare(b)));
  atomicWrite(join(dir, 'timings.json'), JSON.stringify(sorted, null, 2) + '\n');
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

interface Entry {
  name: string;
  description: string;
  replication: ReplicationSummary;
  checksPassed: boolean;
  checks: { pass: boolean }[];
}

/** The index's markdown from the report directories under `dir`. */
export function replicationIndexMarkdown(dir: string): string {
  const entries: Entry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const f = join(dir, name, 'summary.json');
    if (!existsSync(f)) continue;
    const s = JSON.parse(readFileSync(f, 'utf8')) as { replication?: ReplicationSummary; checksPassed: boolean; checks: { pass: boolean }[]; scenario: { description: string } };
    if (!s.replication) continue;
    entries.push({ name, description: s.scenario.description, replication: s.replication, checksPassed: s.checksPassed, checks: s.checks });
  }
  const timings = readTimings(dir);
  const out: string[] = ['# Replications', ''];
  out.push(
    'Published results run with the paper\'s settings or a stated scaled-down version, our measurement beside the paper\'s number. ' +
      'A claim "agrees" when our value meets the rule given in its scenario; where the paper\'s number could not be found, none is quoted and the row says why. ' +
      'Rates over seeds carry 95 % Wilson intervals in each report. Regenerate with `npm run replications`.',
    '',
  );
  const claims = entries.flatMap((e) => e.replication.claims);
  out.push(`${entries.length} scenarios, ${claims.filter((c) => c.agrees).length} of ${claims.length} claims agree.`, '');
  out.push('| Scenario | Checks | Run time (CPU of all threads; wall on the shared machine) | Claims agreeing |', '|---|---|---|---|');
  for (const e of entries) {
    const passed = e.checks.filter((c) => c.pass).length;
    const t = timings[e.name];
    out.push(`| [${e.name}](${e.name}/report.md) | ${passed} of ${e.checks.length}${e.checksPassed ? '' : ' ❌'} | ${t === undefined ? '—' : `${t.cpu} s CPU, ${t.wall} s wall`} | ${e.replication.agreed} of ${e.replication.claims.length} |`);
  }
  out.push('');
  out.push('| Paper | Claim | Paper\'s number (source) | Ours | Agrees |', '|---|---|---|---|---|');
  for (const e of entries) {
    for (const c of e.replication.claims) {
      const paper = c.paper === null ? `none quoted (${c.source}): ${c.notFound ?? ''}` : `${formatNumber(c.paper)} (${c.source})`;
      const ours = `${formatNumber(c.ours)}; agrees when ${c.rule}${c.survivesScaling ? '' : ' (not expected to survive the scaling)'}`;
      out.push(`| [${mdCell(e.replication.citation)}](${e.name}/report.md) | ${mdCell(c.claim)} | ${mdCell(paper)} | ${mdCell(ours)} | ${c.agrees ? '✅ yes' : '❌ no'} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

/** Write `<dir>/index.md` from the reports under dir. */
export function writeReplicationIndex(dir: string): string {
  const file = join(dir, 'index.md');
  atomicWrite(file, replicationIndexMarkdown(dir));
  return file;
}
