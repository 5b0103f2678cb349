import { SEGMENT_PREFIX } from '../storage/schema';
import type { DeletedTopic } from '../topics/registry';
import type { RetentionDeps } from './types';

/** What one purge run did to one deleted topic. */
export interface PurgeResult {
  readonly slotsDeleted: number;
  readonly objectsDeleted: number;
  /** Whether everything is gone (the topic's record can be forgotten). */
  readonly done: boolean;
}

/**
 * Deletes the data of a deleted topic: every slot and the sequencer of each partition, the
 * segment objects the slots pointed at, and then whatever objects remain under the topic's
 * prefix (orphans of produces that crashed before committing). At most `budget` deletions per
 * run, so a large topic is purged over several runs; each run starts again where the data
 * still is, so a run that dies half-way loses nothing but time.
 *
 * Only for topics deleted longer ago than a warm writer can still hold their metadata (the
 * caller checks): a late write would otherwise land after the purge.
 *
 * @example
 * const { done } = await purgeTopic(deps, deletedTopic, 1_000);
 */
export async function purgeTopic(
  deps: RetentionDeps,
  topic: DeletedTopic,
  budget: number,
): Promise<PurgeResult> {
  let slotsDeleted = 0;
  let objectsDeleted = 0;
  const spent = () => slotsDeleted + objectsDeleted >= budget;

  for (let partition = 0; partition < topic.partitionCount; partition++) {
    for (;;) {
      if (spent()) return { slotsDeleted, objectsDeleted, done: false };
      const left = budget - slotsDeleted - objectsDeleted;
      const { slots } = await deps.index.slotsAfter(topic.id, partition, -1, Math.min(100, left));
      if (slots.length === 0) break;
      const objects = new Set<string>();
      for (const slot of slots) {
        // Slots first, objects after: nothing ever points at a missing object.
        const outcome = await deps.index.delete(slot);
        if (outcome.kind === 'deleted') slotsDeleted++;
        if (slot.kind === 'data' && slot.inline === undefined) objects.add(slot.segmentKey);
      }
      // Objects the budget does not reach stay under the topic's prefix: the listing below
      // finds them in a later run.
      for (const key of objects) {
        if (spent()) break;
        await deps.segments.delete(key);
        objectsDeleted++;
      }
    }
    await deps.index.deleteSequencer(topic.id, partition);
  }

  // Objects no slot pointed at: the listing is fine here, a deleted topic is off every hot path.
  for (;;) {
    if (spent()) return { slotsDeleted, objectsDeleted, done: false };
    const keys = await deps.segments.list(
      `${SEGMENT_PREFIX}${topic.id}/`,
      Math.min(100, budget - slotsDeleted - objectsDeleted),
    );
    if (keys.length === 0) return { slotsDeleted, objectsDeleted, done: true };
    for (const key of keys) {
      await deps.segments.delete(key);
      objectsDeleted++;
    }
  }
}
