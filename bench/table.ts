/**
 * Aligned plain-text tables for the benchmark report: the first column left-aligned, the
 * others right-aligned (they hold numbers).
 *
 * @example
 * renderTable(['metric', 'value'], [['req/s', '812']]);
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * A number for people: thousands separators, `digits` decimals, `n/a` when not finite.
 *
 * @example
 * fmt(1234.567, 1); // '1,234.6'
 */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * US dollars with cents, or with more precision below one dollar.
 *
 * @example
 * usd(0.0123); // '$0.0123'
 */
export function usd(value: number): string {
  if (value >= 1) return `$${fmt(value, 2)}`;
  return `$${value.toPrecision(3)}`;
}
