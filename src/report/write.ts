/**
 * Writing a report directory atomically: everything goes to a hidden temporary directory beside the
 * target, which is renamed into place only when complete. A failed run leaves any older report
 * untouched and removes its temporary directory.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files of a report: name -> contents. */
export type ReportFiles = Map<string, string | Buffer>;

/**
 * Write `files` as `<outDir>/<name>/`. `produce` may add files asynchronously (rendering); if it
 * throws, nothing is replaced.
 */
export async function writeReportAtomically(outDir: string, name: string, produce: (files: ReportFiles) => Promise<void>): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const target = join(outDir, name);
  const tmp = mkdtempSync(join(outDir, `.tmp-${name}-`));
  try {
    const files: ReportFiles = new Map();
    await produce(files);
    for (const [file, contents] of files) {
      // a sweep's report holds each point's report in points/<point>/
      if (file.includes('/')) mkdirSync(dirname(join(tmp, file)), { recursive: true });
      writeFileSync(join(tmp, file), contents);
    }
    if (existsSync(target)) {
      const old = mkdtempSync(join(outDir, `.old-${name}-`));
      rmSync(old, { recursive: true });
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
    return target;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
