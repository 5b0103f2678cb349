/**
 * Left-aligned columns separated by two spaces, as Kafka's console tools print them.
 *
 * @example
 * formatTable(['TOPIC', 'LAG'], [['orders', '3']]); // ['TOPIC   LAG', 'orders  3']
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
