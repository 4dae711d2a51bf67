/**
 * CSV (RFC 4180) of a table; numbers are written with full float64 precision (shortest round-trip
 * representation), empty cells for missing values. A text cell that a spreadsheet would run as a
 * formula (starting with =, +, -, @, a tab or a carriage return, and not a plain number) gets a
 * leading ' (OWASP's advice against CSV injection: a series label comes from a scenario file).
 */
import type { CsvTable } from './chart-spec.ts';

function cell(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const safe = /^[=+\-@\t\r]/.test(v) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(table: CsvTable): string {
  const lines = [table.header.map(cell).join(',')];
  for (const row of table.rows) lines.push(row.map(cell).join(','));
  return lines.join('\n') + '\n';
}
