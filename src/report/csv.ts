/**
 * CSV (RFC 4180) of a table; numbers are written with full float64 precision (shortest round-trip
 * representation), empty cells for missing values.
 */
import type { CsvTable } from './chart-spec.ts';

function cell(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(table: CsvTable): string {
  const lines = [table.header.map(cell).join(',')];
  for (const row of table.rows) lines.push(row.map(cell).join(','));
  return lines.join('\n') + '\n';
}
