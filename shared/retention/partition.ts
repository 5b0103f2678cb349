import type { IndexEntry } from '../storage/log-index';
import type { Topic } from '../topics/registry';
import { isExpired } from './expiry';
import type { RetentionDeps } from './types';

/** An object whose index item this sweep removed (or found removed) in one partition. */
export interface TouchedSegment {
  readonly segmentKey: string;
  readonly partition: number;
  /** Same for every section of the object: one append time per produce request. */
  readonly appendedAt: number;
  /** Where this partition's section starts; the object header always ends before it. */
  readonly byteStart: number;
}

export interface PartitionSweep {
  readonly itemsDeleted: number;
  readonly itemsAlreadyGone: number;
  readonly itemsChanged: number;
  readonly touched: readonly TouchedSegment[];
}

/**
 * Deletes one partition's expired index items from the front, Kafka style: walk from the
 * first item in offset (= append) order, stop at the first item that is not expired, and
 * never delete the partition's last item: it holds the head, so the next produce continues
 * after it and offsets are never reused. Deleting the front items is what moves the log
 * start offset up. Costs one query when nothing has expired.
 *
 * @example
 * const { itemsDeleted, touched } = await sweepPartition(deps, topic, 0, Date.now());
 */
export async function sweepPartition(
  deps: RetentionDeps,
  topic: Topic,
  partition: number,
  now: number,
): Promise<PartitionSweep> {
  const pageSize = deps.pageSize ?? 100;
  const retentionMs = topic.configs['retention.ms'];
  const result = { itemsDeleted: 0, itemsAlreadyGone: 0, itemsChanged: 0, touched: [] as TouchedSegment[] };
  // Read only once something is about to be deleted, so an idle partition costs one query.
  let last: IndexEntry | undefined;
  let from = 0;
  for (;;) {
    const page = await deps.index.range(topic.id, partition, from, pageSize);
    for (const entry of page) {
      if (!isExpired(entry, retentionMs, now)) return result;
      last ??= await deps.index.last(topic.id, partition);
      // Items appended after this read sit above `last`, so they are never reached either.
      if (!last || entry.baseOffset >= last.baseOffset) return result;
      const outcome = await deps.index.delete(entry);
      if (outcome.kind === 'changed') {
        // Items are never rewritten, so our view is stale: stop rather than guess.
        result.itemsChanged++;
        return result;
      }
      if (outcome.kind === 'deleted') result.itemsDeleted++;
      else result.itemsAlreadyGone++;
      // Already gone counts too: the sweeper that deleted it may have died before the object.
      result.touched.push({
        segmentKey: entry.segmentKey,
        partition,
        appendedAt: entry.appendedAt,
        byteStart: entry.byteStart,
      });
    }
    if (page.length < pageSize) return result;
    from = page[page.length - 1].baseOffset + 1;
  }
}
