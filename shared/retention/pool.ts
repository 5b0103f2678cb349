/**
 * Runs `work` over `items` with at most `limit` calls in flight, in no particular order of
 * completion. Results are returned in input order; the first failure rejects.
 *
 * @example
 * const sizes = await mapLimit(keys, 8, (key) => headerSize(key));
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return results;
}
