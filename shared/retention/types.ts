import type { Log } from '../log';
import type { LogIndex } from '../storage/log-index';
import type { SegmentStore } from '../storage/segment-store';
import type { TopicRegistry } from '../topics/registry';

/** What a sweep needs: the log's readable end, the two storage ports and a few tuning knobs. */
export interface RetentionDeps {
  readonly log: Pick<Log, 'offsets'>;
  readonly index: LogIndex;
  readonly segments: SegmentStore;
  /**
   * Where the sweeper records that a topic's TTLs were moved after a retention raise
   * ({@link TopicRegistry.settleExpiryFloor}). Without it the TTLs are checked on every sweep.
   */
  readonly topics?: Pick<TopicRegistry, 'settleExpiryFloor'>;
  /** Index items read per query while walking a partition. @default 100 */
  readonly pageSize?: number;
  /**
   * The longest a produce's slot commit can trail its append time (an append gives up 10 s
   * after reserving; the default leaves a wide margin). Bounds the reference check of a
   * shared object, see {@link LogIndex.holdsSegment}. @default 300000
   */
  readonly commitGraceMs?: number;
  /** Partitions (and then objects) of one topic swept at once. @default 16 */
  readonly concurrency?: number;
  /**
   * How long after its deletion a topic's data is purged: longer than a warm writer trusts its
   * cached topic metadata (30 s) plus the commit deadline (10 s), so no write lands after the
   * purge. @default 300000
   */
  readonly purgeDelayMs?: number;
  /** Slots and objects of deleted topics deleted per sweep at most (the rest waits for the next). @default 1000 */
  readonly purgeBudget?: number;
}

/** What a sweep did, as counts (they add up across topics). */
export interface SweepCounts {
  readonly partitions: number;
  /** Index items this sweep deleted. */
  readonly itemsDeleted: number;
  /**
   * Expired inline slots and voids this sweep moved the log start past and left for
   * DynamoDB's TTL to delete (free), instead of deleting them.
   */
  readonly itemsLeftToTtl: number;
  /** Slots whose TTL this sweep moved later (or removed) after their topic's retention was raised. */
  readonly itemsExtended: number;
  /** Expired items already deleted by someone else (a concurrent sweep) when we got there. */
  readonly itemsAlreadyGone: number;
  /** Items that no longer matched what was read; left alone, and their partition's walk stopped. */
  readonly itemsChanged: number;
  readonly objectsDeleted: number;
  /** Objects still referenced by an item of another partition: a later sweep deletes them. */
  readonly objectsKept: number;
  /** Objects already gone from S3 (an earlier sweep deleted them). */
  readonly objectsMissing: number;
}

/** The result of {@link sweepAll}: the counts plus the topics whose sweep failed. */
export interface SweepAllResult extends SweepCounts {
  readonly topics: number;
  /** Deleted topics whose data is now entirely gone (their slots and objects are counted above). */
  readonly deletedTopicsPurged: number;
  readonly failures: readonly { readonly topic: string; readonly error: unknown }[];
}

export const NO_COUNTS: SweepCounts = {
  partitions: 0,
  itemsDeleted: 0,
  itemsLeftToTtl: 0,
  itemsExtended: 0,
  itemsAlreadyGone: 0,
  itemsChanged: 0,
  objectsDeleted: 0,
  objectsKept: 0,
  objectsMissing: 0,
};

/** Field-by-field sum of two counts. */
export function addCounts(a: SweepCounts, b: SweepCounts): SweepCounts {
  return {
    partitions: a.partitions + b.partitions,
    itemsDeleted: a.itemsDeleted + b.itemsDeleted,
    itemsLeftToTtl: a.itemsLeftToTtl + b.itemsLeftToTtl,
    itemsExtended: a.itemsExtended + b.itemsExtended,
    itemsAlreadyGone: a.itemsAlreadyGone + b.itemsAlreadyGone,
    itemsChanged: a.itemsChanged + b.itemsChanged,
    objectsDeleted: a.objectsDeleted + b.objectsDeleted,
    objectsKept: a.objectsKept + b.objectsKept,
    objectsMissing: a.objectsMissing + b.objectsMissing,
  };
}
