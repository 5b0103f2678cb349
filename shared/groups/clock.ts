import { sleep } from '../retry';

/** Milliseconds since the epoch. Injected everywhere so tests can move time by hand. */
export type Clock = () => number;

/** Waits `ms` milliseconds. Injected so tests can skip waits (backoff, polling). */
export type Sleep = (ms: number) => Promise<void>;

/** The wall clock. */
export const systemClock: Clock = () => Date.now();

/**
 * A real timer-based sleep.
 *
 * @example
 * await realSleep(100);
 */
export const realSleep: Sleep = (ms) => sleep(ms);

/**
 * Sleeps, but returns as soon as `interrupt` settles: a stopping poller must not sit out a
 * long backoff before it hands its leases back.
 *
 * @example
 * await sleepUnless(realSleep, 5_000, stopped);
 */
export function sleepUnless(sleep: Sleep, ms: number, interrupt: Promise<unknown>): Promise<void> {
  return Promise.race([sleep(ms), interrupt.then(() => undefined)]);
}
