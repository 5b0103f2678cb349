/**
 * The one way Sluice waits and retries: an abortable sleep, a jittered exponential backoff
 * (named as kafkajs names its retry settings), and a bounded retry that never retries a
 * programmer error.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Backoff settings, named as kafkajs names them. */
export interface BackoffPolicy {
  /** Wait before the first retry, in ms. @default 100 */
  readonly initialRetryTime?: number;
  /** Longest wait between attempts, in ms. @default 5000 */
  readonly maxRetryTime?: number;
  /** Each wait is the previous one times this. @default 2 */
  readonly multiplier?: number;
  /** Jitter: each wait is randomised by ± this fraction, so many retriers spread out. @default 0.2 */
  readonly factor?: number;
}

/** A retry policy: the backoff, and how many attempts after the first. */
export interface RetryPolicy extends BackoffPolicy {
  /** Attempts after the first. @default 5 */
  readonly retries?: number;
}

/**
 * The wait before retry number `retry` (0 for the first retry).
 *
 * @example
 * backoffDelay({ initialRetryTime: 100 }, 3, () => 0.5); // 800
 */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const initial = policy.initialRetryTime ?? 100;
  const max = policy.maxRetryTime ?? 5000;
  const factor = policy.factor ?? 0.2;
  const base = Math.min(max, initial * (policy.multiplier ?? 2) ** Math.max(0, retry));
  return Math.round(Math.min(max, base * (1 - factor + 2 * factor * random())));
}

const PROGRAMMER_ERRORS = [
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
];

/**
 * Errors that say the code is wrong, not that the world is briefly unwell: retrying them only
 * hides the bug. Judged by name as well as class, because an error thrown by Node's internals
 * may come from another realm (vm, jest), where `instanceof TypeError` is false.
 *
 * @example
 * isProgrammerError(new TypeError('x is not a function')); // true
 */
export function isProgrammerError(error: unknown): boolean {
  if (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError ||
    error instanceof URIError
  ) {
    return true;
  }
  const name = (error as { name?: unknown } | null)?.name;
  return typeof error === 'object' && typeof name === 'string' && PROGRAMMER_ERRORS.includes(name);
}

/**
 * Sleeps `ms`, or less when `signal` aborts; never rejects, and leaves no timer behind (a
 * pending timer would keep a finished CLI process alive). `ref: false` lets the process exit
 * during the sleep.
 *
 * @example
 * await sleep(250, { signal: controller.signal });
 */
export async function sleep(
  ms: number,
  options: { signal?: AbortSignal; ref?: boolean } = {},
): Promise<void> {
  const { signal, ref = true } = options;
  if (signal?.aborted) return;
  try {
    await delay(Math.max(0, ms), undefined, { signal, ref });
  } catch (error) {
    // By name, not instanceof: the error comes from Node's realm, which may not be ours (vm, jest).
    if ((error as { name?: unknown } | null)?.name !== 'AbortError') throw error;
  }
}

/** What {@link retry} needs besides the work. */
export interface RetryOptions extends RetryPolicy {
  /** Whether an error is worth another attempt. Programmer errors never are. */
  readonly isRetriable: (error: unknown) => boolean;
  /** @default sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** Called before each wait (logs, metrics). */
  readonly onRetry?: (error: unknown, retry: number, waitMs: number) => void;
}

/**
 * Calls `attempt` until it resolves, throws an error that is not retriable (or is a
 * programmer error), or the retries run out — then the last error is thrown. `attempt` gets
 * the attempt number, from 0.
 *
 * @example
 * const topics = await retry(() => transport.send(request), { retries: 3, isRetriable });
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retries = options.retries ?? 5;
  const wait = options.sleep ?? sleep;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= retries || isProgrammerError(error) || !options.isRetriable(error)) throw error;
      const ms = backoffDelay(options, n, options.random);
      options.onRetry?.(error, n, ms);
      await wait(ms);
    }
  }
}

/**
 * The waits of a loop that runs until it is stopped (a partition worker, a heartbeat, a
 * rejoin): each failure in a row waits longer (jittered, capped), a success starts over, and
 * a programmer error is never waited on — {@link LoopBackoff.failed} throws it back, so the
 * loop ends with it instead of retrying a bug forever.
 */
export interface LoopBackoff {
  /**
   * Counts a failure and returns the wait before the next try.
   * @throws `error` itself when it is a programmer error
   */
  failed(error: unknown): number;
  /** A try went through: the next failure waits the initial time again. */
  succeeded(): void;
  /** Failures in a row so far. */
  readonly failures: number;
}

/**
 * Creates the backoff of one long-running loop.
 *
 * @example
 * const backoff = loopBackoff({ initialRetryTime: 200, maxRetryTime: 10_000 });
 * while (running) {
 *   try { await step(); backoff.succeeded(); }
 *   catch (error) { await sleep(backoff.failed(error)); } // a TypeError ends the loop
 * }
 */
export function loopBackoff(policy: BackoffPolicy = {}, random: () => number = Math.random): LoopBackoff {
  let failures = 0;
  return {
    failed(error) {
      if (isProgrammerError(error)) throw error;
      return backoffDelay(policy, failures++, random);
    },
    succeeded() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}
