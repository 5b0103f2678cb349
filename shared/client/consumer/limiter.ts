/**
 * At most `concurrency` tasks at once, started in arrival order.
 *
 * @example
 * const limit = createLimiter(1);
 * await Promise.all([limit(() => a()), limit(() => b())]); // b starts after a ends
 */
export function createLimiter(concurrency: number): <T>(work: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`partitionsConsumedConcurrently must be a positive integer, got ${concurrency}.`);
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
