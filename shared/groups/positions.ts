import type { Cluster } from '../cluster';
import { decodeSection } from '../codec';
import type { Topic } from '../topics/registry';
import type { LeaseRecord, StartPolicy } from './types';

/**
 * The first offset whose record timestamp is at or after `timestamp`, or the log end when
 * there is none. A binary search over the partition's index items by their max timestamp —
 * O(log n) point queries, never a walk over the history — then one ranged GET to find the
 * record inside the batch. Like Kafka's time index, it assumes batch max timestamps grow
 * with offsets; producers that send timestamps out of order get an approximate answer.
 *
 * @example
 * const offset = await offsetForTimestamp(cluster, topic, 0, Date.parse('2026-01-01T00:00:00Z'));
 */
export async function offsetForTimestamp(
  cluster: Pick<Cluster, 'index' | 'segments' | 'log'>,
  topic: Topic,
  partition: number,
  timestamp: number,
): Promise<number> {
  const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, partition);
  let lo = logStartOffset;
  let hi = logEndOffset;
  let found:
    | { baseOffset: number; count: number; segmentKey: string; byteStart: number; byteLength: number }
    | undefined;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const entry = await cluster.index.floor(topic.id, partition, mid);
    if (!entry) break;
    if (entry.maxTimestamp >= timestamp) {
      found = entry;
      hi = entry.baseOffset;
    } else {
      lo = entry.baseOffset + entry.count;
    }
  }
  if (!found) return logEndOffset;
  const bytes = await cluster.segments.getRange(found.segmentKey, found.byteStart, found.byteLength);
  const first = decodeSection(bytes, found.baseOffset).find(
    (record) => record.timestamp >= timestamp && record.offset >= logStartOffset,
  );
  return first ? first.offset : found.baseOffset + found.count;
}

/**
 * Where a member that just took a partition starts: the committed offset when it is inside
 * the log, the `auto.offset.reset` position when it fell out of it (retention moved the log
 * start past it, or the topic was re-created), the starting position when nothing was
 * committed yet.
 *
 * @example
 * const start = await resolveStartOffset(cluster, topic, 0, seenLease, { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' });
 */
export async function resolveStartOffset(
  cluster: Pick<Cluster, 'index' | 'segments' | 'log'>,
  topic: Topic,
  partition: number,
  seen: LeaseRecord | undefined,
  policy: StartPolicy,
): Promise<number> {
  const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, partition);
  const committed = seen?.topicId === topic.id ? seen.committed : undefined;
  if (committed !== undefined) {
    if (committed >= logStartOffset && committed <= logEndOffset) return committed;
    return policy.autoOffsetReset === 'earliest' ? logStartOffset : logEndOffset;
  }
  switch (policy.startingPosition) {
    case 'TRIM_HORIZON':
      return logStartOffset;
    case 'LATEST':
      return logEndOffset;
    case 'AT_TIMESTAMP':
      return offsetForTimestamp(cluster, topic, partition, policy.startingPositionTimestamp ?? 0);
  }
}
