/**
 * The one concurrency limiter: at most N tasks at once, started in arrival order. The client
 * consumer bounds its concurrently handled partitions with it, and retention its sweeps.
 */

/** Runs `work` when a slot is free and resolves or rejects as it does. */
export type Limit = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * A limiter of `concurrency` slots; `option` names the setting in the error for a bad value.
 *
 * @example
 * const limit = createLimiter(1);
 * await Promise.all([limit(() => a()), limit(() => b())]); // b starts after a ends
 */
export function createLimiter(concurrency: number, option = 'concurrency'): Limit {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`${option} must be a positive integer, got ${concurrency}.`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Runs `work` over `items` with at most `limit` calls in flight (at least one), in no
 * particular order of completion. Results are returned in input order; the first failure
 * rejects.
 *
 * @example
 * const sizes = await mapLimit(keys, 8, (key) => headerSize(key));
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const run = createLimiter(Math.max(1, Math.floor(limit)));
  return Promise.all(items.map((item) => run(() => work(item))));
}
