/**
 * Retries with exponential backoff and jitter, for retriable errors only: a programmer error
 * or a rejected request fails at once.
 */
import { isRetriable } from './errors';

/** Backoff settings, named as kafkajs names them. */
export interface RetryOptions {
  /** Attempts after the first. @default 5 */
  readonly retries?: number;
  /** Wait before the first retry, in ms. @default 100 */
  readonly initialRetryTime?: number;
  /** Longest wait between attempts, in ms. @default 5000 */
  readonly maxRetryTime?: number;
  /** Each wait is the previous one times this. @default 2 */
  readonly multiplier?: number;
  /** Jitter: each wait is randomized by ± this fraction. @default 0.2 */
  readonly factor?: number;
}

/** Dependencies a test replaces to run without waiting. */
export interface RetryDeps {
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * A setTimeout-based sleep.
 *
 * @example
 * await sleep(100);
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it resolves, a non-retriable error is thrown, or the retries run
 * out (then the last error is thrown). `attempt` gets the attempt number, from 0.
 *
 * @example
 * const topics = await withRetry(() => transport.send({ method: 'GET', path }), { retries: 3 });
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
  deps: RetryDeps = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  const maxWait = options.maxRetryTime ?? 5000;
  const multiplier = options.multiplier ?? 2;
  const factor = options.factor ?? 0.2;
  const wait = deps.sleep ?? sleep;
  const random = deps.random ?? Math.random;
  let delay = options.initialRetryTime ?? 100;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= retries || !isRetriable(error)) throw error;
      await wait(Math.min(maxWait, delay * (1 - factor + 2 * factor * random())));
      delay *= multiplier;
    }
  }
}
