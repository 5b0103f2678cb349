import type { DataSlot } from '../storage/log-index';

/**
 * The time retention measures a slot's age from: the largest record timestamp of its
 * section (Kafka's rule for a segment), but never later than the moment it was appended.
 * Record timestamps are chosen by clients; without the cap, one record stamped in the future
 * would hold back deletion of its item, and of every item after it, until that future came.
 * A timestamp in the past is taken as given, as Kafka does with CreateTime: the item becomes
 * eligible early, but still waits behind any unexpired item before it.
 *
 * @example
 * retentionTimestamp({ ...entry, maxTimestamp: 5_000, appendedAt: 9_000 }); // 5000
 * retentionTimestamp({ ...entry, maxTimestamp: 99_000, appendedAt: 9_000 }); // 9000 (future stamp capped)
 */
export function retentionTimestamp(entry: Pick<DataSlot, 'maxTimestamp' | 'appendedAt'>): number {
  return Math.min(entry.maxTimestamp, entry.appendedAt);
}

/**
 * Whether every record of the item is older than `retentionMs` at `now` (Kafka: a segment
 * is deletable when `now - largestTimestamp > retention.ms`). A negative `retentionMs` (-1)
 * keeps records forever.
 *
 * @example
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_501); // true
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_500); // false
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, -1, Number.MAX_SAFE_INTEGER); // false
 */
export function isExpired(
  entry: Pick<DataSlot, 'maxTimestamp' | 'appendedAt'>,
  retentionMs: number,
  now: number,
): boolean {
  if (retentionMs < 0) return false;
  return now - retentionTimestamp(entry) > retentionMs;
}
