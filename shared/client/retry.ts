/**
 * The client's retries: the core's bounded, jittered retry (`shared/retry.ts`) with the
 * client's rule of what is retriable — a programmer error or a rejected request fails at once.
 */
import { type RetryPolicy, retry } from '../retry';
import { isRetriable } from './errors';

/** Backoff settings, named as kafkajs names them. */
export type RetryOptions = RetryPolicy;

/** Dependencies a test replaces to run without waiting. */
export interface RetryDeps {
  /** @default the core's sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * Calls `attempt` until it resolves, a non-retriable error is thrown, or the retries run
 * out (then the last error is thrown). `attempt` gets the attempt number, from 0.
 *
 * @example
 * const topics = await withRetry(() => transport.send({ method: 'GET', path }), { retries: 3 });
 */
export function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
  deps: RetryDeps = {},
): Promise<T> {
  return retry(attempt, { ...options, ...deps, isRetriable });
}
