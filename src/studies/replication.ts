/**
 * What every replication study shares: the paper's numbers as the scenario states them (each with
 * its source: section, table or figure; or null with the reason none is quoted), their comparison
 * with our measurement, and rates over seeds with their 95 % Wilson intervals.
 *
 * A scenario under scenarios/replications/ carries, in its params (optional: without a paper the
 * study runs as a plain study, with no claims and no `replication` in its summary),
 *
 *     paper:
 *       citation: Bengio, Simard and Frasconi 1994, IEEE Trans. Neural Networks 5(2)
 *       setup: what the paper ran; what we run instead and why (the scaling)
 *       claims:
 *         - id: collapse
 *           claim: the probability of learning the latch falls with T
 *           source: section IV, figure 3
 *           paper: null                      # a number or a statement; null: none found
 *           notFound: the figure gives no table of values
 *           measured: rates["100"].upper     # a path into the study's summary
 *           agree: { max: 0.5 }              # when ours agrees (same fields as a scenario check)
 *           survivesScaling: true            # does the claim hold at our scaled-down setup
 *
 * The study evaluates every claim on its own summary (the same rules as the scenario's checks) and
 * returns the comparison under `replication` in summary.json and as the first rows of the report's
 * table; `npm run replications` gathers them into reports/replications/index.md.
 */
import { z } from 'zod';
import { wilsonInterval } from '../analysis/statistics.ts';
import { lineChart, type ChartSpec, type Series } from '../report/chart-spec.ts';
import { formatNumber } from '../report/format.ts';
import { evaluateCheck } from '../scenario/checks.ts';
import { count, fields, flag, list, measured, text } from '../scenario/summary-schema.ts';
import type { TheoryRow } from './study.ts';

export const claimSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/).describe('short name of the claim (lower-case words joined by "-")'),
    claim: z.string().min(1).describe('the claim, in words'),
    source: z.string().min(1).describe('where the paper states it: section, table or figure'),
    paper: z.union([z.number(), z.string()]).nullable().describe("the paper's number or statement; null when none could be found"),
    notFound: z.string().optional().describe('why no number is quoted (required when paper is null)'),
    measured: z.string().min(1).describe("path into the study's summary of our value, e.g. rates[\"100\"].rate"),
    agree: z
      .object({
        expected: z.number().optional(),
        tolerance: z.number().nonnegative().optional(),
        relative: z.boolean().optional(),
        min: z.number().optional(),
        max: z.number().optional(),
        equals: z.union([z.string(), z.boolean()]).optional(),
      })
      .strict()
      .describe('when our value agrees: expected with tolerance, min/max, or equals (as a scenario check)'),
    survivesScaling: z.boolean().default(true).describe('whether the claim is expected to hold at our (scaled-down) setup'),
    note: z.string().optional().describe('what differs between the paper and our measurement of this claim'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.paper === null && !c.notFound) ctx.addIssue({ code: 'custom', path: ['notFound'], message: 'expected the reason no number is quoted when paper is null' });
  });
export type Claim = z.infer<typeof claimSchema>;

export const paperSchema = z
  .object({
    citation: z.string().min(1).describe('authors, year, venue'),
    setup: z.string().min(1).describe("the paper's setup, ours, and how and why ours is scaled down"),
    claims: z.array(claimSchema).min(1).describe("the paper's claims with their numbers and sources"),
  })
  .strict()
  .describe('the paper this scenario replicates, its numbers and their sources');
export type Paper = z.infer<typeof paperSchema>;

/** One claim against our measurement, as stored in summary.json (replication.claims[i]). */
export interface ClaimResult {
  id: string;
  claim: string;
  source: string;
  paper: number | string | null;
  notFound?: string;
  ours: number | string | boolean | null;
  /** The agreement rule in words, e.g. "<= 0.5". */
  rule: string;
  agrees: boolean;
  survivesScaling: boolean;
  note?: string;
}

export interface ReplicationSummary {
  citation: string;
  setup: string;
  claims: ClaimResult[];
  agreed: number;
}

// --- summary.json pieces every replication study shares (declared with src/scenario/summary-schema.ts) ---
/** `replication` in summary.json: the paper's claims against ours (ReplicationSummary). */
export const replicationSummarySchema = fields(
  {
    citation: text("the paper: authors, year, venue"),
    setup: text("the paper's setup, ours, and how ours is scaled down"),
    claims: list(
      fields({
        id: text('short name of the claim'),
        claim: text('the claim, in words'),
        source: text('where the paper states it: section, table or figure'),
        paper: z.union([z.number(), z.string()]).nullable().describe("the paper's number or statement; null when none could be found"),
        notFound: text('why no number is quoted').optional(),
        ours: z.union([z.number(), z.string(), z.boolean()]).nullable().describe('our value, read from this summary at the claim\'s path'),
        rule: text('when ours agrees, e.g. "≤ 0.5"'),
        agrees: flag('whether ours meets the rule'),
        survivesScaling: flag('whether the claim is expected to hold at our scaled-down setup'),
        note: text('what differs between the paper and our measurement of this claim').optional(),
      }),
      "the paper's claims, each against our measurement",
    ),
    agreed: count('claims whose measurement agrees'),
  },
  'the paper this scenario replicates, its claims and ours side by side (reports/replications/index.md gathers them)',
);

/** The fields of a rate over seeds (Rate) with its 95 % Wilson interval. */
export const rateFields = {
  solved: count('trainings that met the criterion'),
  runs: count('trainings'),
  rate: measured('solved / runs'),
  lower: measured('lower end of the 95 % Wilson interval (Wilson 1927)'),
  upper: measured('upper end of the 95 % Wilson interval'),
};

function ruleText(a: Claim['agree']): string {
  if (a.equals !== undefined) return `= ${String(a.equals)}`;
  if (a.expected !== undefined) return `${formatNumber(a.expected)} ± ${formatNumber(a.tolerance ?? 0)}${a.relative ? ' (relative)' : ''}`;
  if (a.min !== undefined && a.max !== undefined) return `in [${formatNumber(a.min)}, ${formatNumber(a.max)}]`;
  if (a.min !== undefined) return `≥ ${formatNumber(a.min)}`;
  return `≤ ${formatNumber(a.max)}`;
}

/** Evaluate the paper's claims on the study's summary (a plain JSON value, as summary.json holds it). */
export function compareWithPaper(paper: Paper, summary: Record<string, unknown>): ReplicationSummary {
  const json = JSON.parse(JSON.stringify(summary, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? null : v))) as Record<string, unknown>;
  const claims = paper.claims.map((c): ClaimResult => {
    const r = evaluateCheck({ path: c.measured, ...c.agree } as Parameters<typeof evaluateCheck>[0], json);
    return {
      id: c.id,
      claim: c.claim,
      source: c.source,
      paper: c.paper,
      ...(c.notFound ? { notFound: c.notFound } : {}),
      ours: r.measured,
      rule: ruleText(c.agree),
      agrees: r.pass,
      survivesScaling: c.survivesScaling,
      ...(c.note ? { note: c.note } : {}),
    };
  });
  return { citation: paper.citation, setup: paper.setup, claims, agreed: claims.filter((c) => c.agrees).length };
}

/** The claims as the first rows of the report's theory table: paper against ours (none without a paper). */
export function claimRows(r: ReplicationSummary | undefined): TheoryRow[] {
  if (!r) return [];
  return r.claims.map((c) => ({
    quantity: c.claim,
    theory: c.paper === null ? `none quoted: ${c.notFound ?? ''}` : `${formatNumber(c.paper)}`,
    measured: `${formatNumber(c.ours)} (agrees when ${c.rule})`,
    source: `${r.citation}, ${c.source}`,
    agrees: c.agrees,
    tolerance: `agrees when ${c.rule}`,
  }));
}

/** A rate over seeds with its 95 % Wilson interval. */
export interface Rate {
  solved: number;
  runs: number;
  rate: number;
  lower: number;
  upper: number;
}

/** k of m with the Wilson score interval (statistics.ts). */
export function rate(solved: number, runs: number): Rate {
  const w = wilsonInterval(solved, runs);
  return { solved, runs, rate: w.rate, lower: w.lower, upper: w.upper };
}

/** "3/5 (0.60, 95 % CI 0.23-0.88)". */
export function rateText(r: Rate): string {
  return `${r.solved}/${r.runs} (${r.rate.toFixed(2)}, 95 % CI ${r.lower.toFixed(2)}-${r.upper.toFixed(2)})`;
}

/** Rates against x, one line per group, each point with its 95 % Wilson interval as an error bar. */
export function rateChart(opts: {
  id: string;
  title: string;
  subtitle?: string;
  caption: string;
  xTitle: string;
  xLog?: boolean;
  groups: { label: string; x: number[]; rates: Rate[] }[];
}): ChartSpec {
  const series: Series[] = opts.groups.map((g, k) => ({
    label: g.label,
    x: g.x,
    y: g.rates.map((r) => r.rate),
    lower: g.rates.map((r) => r.lower),
    upper: g.rates.map((r) => r.upper),
    pointRadius: 6,
    // neighbouring groups share x values: offset them so their bars stay apart
    dodge: (k - (opts.groups.length - 1) / 2) * 8,
  }));
  return lineChart({
    id: opts.id,
    title: opts.title,
    ...(opts.subtitle ? { subtitle: opts.subtitle } : {}),
    caption: `${opts.caption} Bars: the 95 % Wilson interval of each rate.`,
    x: { title: opts.xTitle, ...(opts.xLog ? { log: true } : {}) },
    y: { title: 'success rate', min: 0, max: 1 },
    series,
  });
}

/** A start mark for the run-time line of a report: wall clock and the process's CPU time (all threads). */
export interface Stopwatch {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

export function startStopwatch(): Stopwatch {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/** Wall and CPU seconds since the mark (never in summary.json: they are not deterministic). */
export function elapsed(s: Stopwatch): { wall: number; cpu: number } {
  const c = process.cpuUsage(s.cpu);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { wall: r((performance.now() - s.wall) / 1000), cpu: r((c.user + c.system) / 1e6) };
}

/**
 * The report's closing paragraph: setup and scaling, and the measured run time. The CPU time
 * counts every thread of the process (worker threads of a sweep included): on the 2-core machine
 * with nothing else running, the wall time is about half of it for parallel sweeps, all of it for
 * single-threaded studies.
 */
export function setupParagraph(paper: Paper | undefined, s: Stopwatch): string {
  const t = elapsed(s);
  return `${paper ? `**Setup and scaling.** ${paper.setup.trim()}\n\n` : ''}**Run time:** ${t.cpu} s of CPU time (all threads), ${t.wall} s of wall time on this machine (2 cores, shared with other work while it ran, so the wall time can exceed the CPU time).`;
}
