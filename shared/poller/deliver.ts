import type { StoredRecord } from '../codec/types';
import { backoffDelay } from '../retry';

/** The result of one handler invocation for one partition's records. */
export type Attempt =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Lowest offset to retry; everything before it succeeded. */
      readonly failedFrom: number;
      /** Offsets the handler named as failed; empty when the whole batch failed (a throw). */
      readonly failed: readonly number[];
      readonly error: string;
    };

/** What {@link deliverBatch} needs from its partition worker. */
export interface DeliveryContext {
  /** Invokes the handler with these records (never throws: a throw is a failed attempt). */
  invoke(records: readonly StoredRecord[]): Promise<Attempt>;
  /** Commits `offset` as the next to consume; throws `FencedError` when the lease is lost. */
  commit(offset: number): Promise<void>;
  /** Dead-letters (or skips) records that failed their last retry. */
  giveUp(records: readonly StoredRecord[], error: string, attempts: number): Promise<void>;
  onRetry(attempt: number, error: string): void;
  /** -1: forever. */
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** Backoff before retry number `attempt` (1-based). */
  backoff(attempt: number): number;
  /** A sleep that ends early when the worker must stop. */
  sleep(ms: number): Promise<void>;
  /** True once the worker must stop taking new attempts (deadline, drain, lost lease). */
  stopping(): boolean;
}

/**
 * Delivers one partition's batch until every record is handled, dead-lettered or skipped,
 * committing as it goes:
 * - success: commit past the batch;
 * - partial failure: commit up to the lowest failed offset, retry from it;
 * - a throw with `bisectOnError`: split in two, deliver each half in order (splits are free;
 *   only a single record's failures count as retries);
 * - after `retryAttempts` retries without progress: give the failed records up and commit
 *   past them — after a throw the whole rest of the batch; after a partial answer only the
 *   lowest failed record, and the records after it are delivered again.
 * Returns false when it stopped early; the uncommitted rest is then redelivered to whoever
 * holds the partition next, which is at-least-once.
 *
 * @example
 * const done = await deliverBatch(ctx, records);
 */
export async function deliverBatch(ctx: DeliveryContext, records: readonly StoredRecord[]): Promise<boolean> {
  let pending = records;
  let attempt = 0;
  while (pending.length > 0) {
    const outcome = await ctx.invoke(pending);
    if (outcome.ok) {
      await ctx.commit(pending[pending.length - 1].offset + 1);
      return true;
    }
    if (outcome.failedFrom > pending[0].offset) {
      // Progress: the records before the first failure are done, and the failing record
      // is a new one, so its retries start from zero.
      await ctx.commit(outcome.failedFrom);
      pending = pending.filter((r) => r.offset >= outcome.failedFrom);
      attempt = 0;
    }
    const whole = outcome.failed.length === 0;
    if (ctx.bisectOnError && whole && pending.length > 1) {
      const half = Math.ceil(pending.length / 2);
      // The right half may only run once the left one is fully committed, or an early stop
      // in the left half would let the right half's commit skip over it.
      if (!(await deliverBatch(ctx, pending.slice(0, half)))) return false;
      return deliverBatch(ctx, pending.slice(half));
    }
    attempt++;
    if (ctx.retryAttempts >= 0 && attempt > ctx.retryAttempts) {
      if (whole) {
        await ctx.giveUp(pending, outcome.error, attempt);
        await ctx.commit(pending[pending.length - 1].offset + 1);
        return true;
      }
      // A partial answer pins the failure on its lowest record; the records after it count
      // as not processed (Lambda's rule), so they are delivered again, not skipped.
      await ctx.giveUp(pending.slice(0, 1), outcome.error, attempt);
      await ctx.commit(pending[0].offset + 1);
      pending = pending.slice(1);
      attempt = 0;
      continue;
    }
    ctx.onRetry(attempt, outcome.error);
    if (ctx.stopping()) return false;
    await ctx.sleep(ctx.backoff(attempt));
    if (ctx.stopping()) return false;
  }
  return true;
}

/**
 * The backoff before retry number `attempt` (1-based): the core's jittered exponential
 * backoff from `baseMs`, doubling, capped at `maxMs`. The jitter spreads out the retries of
 * many partitions hitting the same failing dependency.
 *
 * @example
 * exponentialBackoff(200, 10_000)(3); // about 800 (± 20 %)
 */
export function exponentialBackoff(baseMs: number, maxMs: number, random: () => number = Math.random) {
  return (attempt: number): number =>
    backoffDelay({ initialRetryTime: baseMs, maxRetryTime: maxMs }, attempt - 1, random);
}
