/**
 * Sleeps `ms`, or less when `signal` aborts (Ctrl-C), leaving no timer behind.
 *
 * @example
 * await sleepUnlessAborted(250, io.signal);
 */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
