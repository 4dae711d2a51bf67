/** Number formatting for report.md: 6 significant digits, exponent form for very small/large. */
export function formatNumber(v: unknown): string {
  if (typeof v === 'number') {
    // a study reports faults and missing values itself; this keeps "-Infinity" out of report.md
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'not a number' : v > 0 ? '∞' : '−∞';
    if (v === 0) return '0';
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(6)));
    return v.toExponential(3);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '—';
  return String(v);
}

/** Escape a table cell for GitHub-flavoured markdown. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
