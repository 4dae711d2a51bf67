/**
 * One point of a parameter sweep, as run in a child process of the sweep's pool (point-process.ts)
 * or in-process for one thread: validate the point's scenario, run its study, and return the
 * summary with the point's report files (rendered there, so the charts of several points render in
 * parallel too). A job is plain data and the result does not depend on the process that ran it.
 */
import { validateScenario } from '../scenario/load.ts';
import { computeLoaded, reportFiles, type ReportFormat, type Summary } from '../scenario/run.ts';
import { STUDIES_BY_KIND } from '../studies/index.ts';

export interface PointJob {
  /** The point's scenario as parsed (the base without its sweep block, the point's values set). */
  raw: unknown;
  file: string;
  dir: string;
  /** Render the point's report files (false: the summary only). */
  render: boolean;
  /** Chart images and report.html of the point's report. */
  formats?: ReportFormat[];
}

export interface PointResult {
  summary: Summary;
  files: [string, string | Uint8Array][];
}

export async function runPoint(job: PointJob): Promise<PointResult> {
  const loaded = validateScenario(job.raw, job.file, job.dir, STUDIES_BY_KIND);
  const outcome = await computeLoaded(loaded);
  const files = job.render ? [...(await reportFiles(loaded, outcome, job.formats))] : [];
  return { summary: outcome.summary, files };
}

export default runPoint;
