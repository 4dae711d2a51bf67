/** The `--format` option of `run` and `merge`: report formats as a comma-separated list. */
import { REPORT_FORMATS, type ReportFormat } from '../scenario/run.ts';
import { EXIT } from './exit-codes.ts';

/** `--format png,svg`: the formats named, each known; anything else is bad input (exit 2 through `fail`). */
export function parseFormats(list: string, fail: (code: number) => Error): ReportFormat[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    process.stderr.write(`rnn-dynamics: --format: expected a comma-separated list of ${REPORT_FORMATS.join(', ')}, found ${JSON.stringify(list)}\n`);
    throw fail(EXIT.badInput);
  }
  return [...new Set(names)] as ReportFormat[];
}
