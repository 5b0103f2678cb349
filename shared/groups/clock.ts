import { sleep } from '../retry';

/** Milliseconds since the epoch. Injected everywhere so tests can move time by hand. */
export type Clock = () => number;

/**
 * Waits `ms` milliseconds, or less once `signal` aborts (a test's sleep may ignore it: the
 * caller does not rely on it, see {@link sleepUnlessAborted}). Injected so tests can skip
 * waits (backoff, polling).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The wall clock. */
export const systemClock: Clock = () => Date.now();

/**
 * The real sleep: the core's one {@link sleep}, which leaves no timer behind once aborted.
 *
 * @example
 * await realSleep(100);
 */
export const realSleep: Sleep = (ms, signal) => sleep(ms, { signal });

/**
 * Sleeps with `wait`, but returns as soon as `signal` aborts, whether `wait` heeds the
 * signal or not: a stopping member must not sit out a long backoff before it hands its
 * leases back.
 *
 * @example
 * await sleepUnlessAborted(realSleep, 5_000, controller.signal);
 */
export function sleepUnlessAborted(wait: Sleep, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    wait(ms, signal).then(done, done);
  });
}

/**
 * Whether a lease held until `expiresAt` is due for renewal at `at`: half of its length or
 * less is left. Before that nobody else can take it, so a holder may keep the commits it owes
 * in memory; once due, it writes them in the same write that renews the lease. The stream
 * trigger's drain and the poller's partition worker both decide by this rule.
 *
 * @example
 * leaseRenewalDue(now + 20_000, now, 30_000); // false: two thirds left
 * leaseRenewalDue(now + 10_000, now, 30_000); // true
 */
export function leaseRenewalDue(expiresAt: number, at: number, leaseDurationMs: number): boolean {
  return expiresAt - at <= leaseDurationMs / 2;
}
