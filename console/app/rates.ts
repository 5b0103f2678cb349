/** Rates the overview measures between two samples of offsets. Pure, so unit-tested in Node. */

/**
 * Records a second between two samples, over the keys both hold: a partition that appeared or
 * went away in between (a topic created or deleted) says nothing about the rate, and an offset
 * that moved back (a group reset) counts as no progress.
 *
 * @example
 * ratePerSecond(new Map([['orders/0', 10]]), new Map([['orders/0', 40]]), 5); // 6
 */
export function ratePerSecond(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  seconds: number,
): number {
  let moved = 0;
  for (const [key, value] of after) {
    const previous = before.get(key);
    if (previous !== undefined && value > previous) moved += value - previous;
  }
  return seconds > 0 ? moved / seconds : 0;
}
