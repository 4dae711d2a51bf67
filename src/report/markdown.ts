/**
 * report.md: the scenario's description, the theory-versus-measured table, the declared checks,
 * every chart with its caption and data file, and the study's discussion.
 */
import type { CheckResult } from '../scenario/checks.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { StudyResult } from '../studies/study.ts';
import { formatNumber, mdCell } from './format.ts';

export function reportMarkdown(opts: {
  scenario: Scenario;
  studySummary: string;
  result: StudyResult;
  charts: ChartSpec[];
  checks: CheckResult[];
  version: string;
  extraTables: string[];
  /** Disagreements and invalid set-ups (runLoaded collects them): listed first, before any number. */
  warnings?: readonly string[];
}): string {
  const { scenario, studySummary, result, charts, checks, version, extraTables } = opts;
  const warnings = opts.warnings ?? [];
  const out: string[] = [];
  out.push(`# ${scenario.name}`, '');
  out.push(scenario.description.trim(), '');
  out.push(`*Study:* \`${scenario.kind}\` — ${studySummary}  `);
  out.push(`*Seed:* ${scenario.seed} · *rnn-dynamics* ${version} · every number below is in [summary.json](summary.json).`, '');

  if (warnings.length > 0) {
    out.push(`## ⚠️ Warnings (${warnings.length})`, '');
    out.push('What this run measured does not (all) support the theory below, or the set-up cannot show it:', '');
    for (const w of warnings) out.push(`- ${mdCell(w)}`);
    out.push('');
  }

  if (result.theory.length > 0) {
    out.push('## Theory against simulation', '');
    out.push('| Quantity | Theory | Measured | Tolerance | Agrees | Source |', '|---|---|---|---|---|---|');
    for (const r of result.theory) {
      const agrees = r.agrees === undefined ? '' : r.agrees ? '✅ yes' : '❌ no';
      const tolerance = r.agrees === undefined ? 'not judged' : (r.tolerance ?? '');
      out.push(`| ${mdCell(r.quantity)} | ${mdCell(formatNumber(r.theory))} | ${mdCell(formatNumber(r.measured))} | ${mdCell(tolerance)} | ${agrees} | ${mdCell(r.source ?? '')} |`);
    }
    out.push('');
  }

  if (checks.length > 0) {
    const passed = checks.filter((c) => c.pass).length;
    out.push(`## Checks: ${passed} of ${checks.length} passed`, '');
    out.push('| Check | Measured | Expected | Result |', '|---|---|---|---|');
    for (const c of checks) {
      let expected: string;
      if (c.min !== undefined || c.max !== undefined) {
        expected = c.min !== undefined && c.max !== undefined ? `between ${formatNumber(c.min)} and ${formatNumber(c.max)}` : c.min !== undefined ? `≥ ${formatNumber(c.min)}` : `≤ ${formatNumber(c.max)}`;
      } else if (c.tolerance !== undefined) {
        expected = `${formatNumber(c.expected)} ± ${formatNumber(c.tolerance)}${c.relative ? ' (relative)' : ''}`;
      } else expected = formatNumber(c.expected);
      const res = c.pass ? '✅ pass' : `❌ fail${c.reason ? `: ${c.reason}` : ''}`;
      out.push(`| ${mdCell(c.name)} | ${mdCell(formatNumber(c.measured))} | ${mdCell(expected)} | ${mdCell(res)} |`);
    }
    out.push('');
  }

  if (charts.length > 0) {
    out.push('## Charts', '');
    for (const c of charts) {
      out.push(`### ${c.title}`, '', `![${c.title}](${c.id}.png)`, '', `${c.caption.trim()} Data: [${c.id}.csv](${c.id}.csv).`, '');
    }
  }

  if (result.discussion.trim()) out.push('## What this shows', '', result.discussion.trim(), '');
  if (extraTables.length > 0) {
    out.push('## Data files', '', ...extraTables.map((t) => `- [${t}.csv](${t}.csv)`), '');
  }
  return out.join('\n');
}
