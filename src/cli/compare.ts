/**
 * `rnn-dynamics compare A B`: read two report directories and write the comparison report
 * (src/report/compare.ts) atomically to <out>/<name>/. Exit 2 when either is not a report.
 */
import { basename } from 'node:path';
import { compareReports, readReport } from '../report/compare.ts';
import { writeReportAtomically } from '../report/write.ts';

export async function compareCommand(a: string, b: string, opts: { out: string; name?: string }): Promise<number> {
  const A = readReport(a);
  const B = readReport(b);
  const problems = [A, B].filter((r): r is string => typeof r === 'string');
  if (typeof A === 'string' || typeof B === 'string') {
    process.stderr.write(problems.join('\n') + '\nrnn-dynamics compare: nothing was written.\n');
    return 2;
  }
  const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'report';
  const nameA = slug(String(A.summary.name ?? basename(a)));
  const nameB = slug(String(B.summary.name ?? basename(b)));
  const name = opts.name ?? `compare-${nameA === nameB ? slug(basename(a)) : nameA}-vs-${nameA === nameB ? slug(basename(b)) : nameB}`;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    process.stderr.write(`rnn-dynamics compare: --name ${JSON.stringify(name)}: expected lower-case letters, digits and "-"\n`);
    return 2;
  }
  const files = await compareReports(A, B, name);
  const dir = await writeReportAtomically(opts.out, name, async (out) => {
    for (const [f, c] of files) out.set(f, c);
  });
  process.stdout.write(`wrote ${dir}/ (comparison of ${a} and ${b})\n`);
  return 0;
}
