import { type Slot, slotEnd } from '../storage/log-index';
import type { Topic } from '../topics/registry';
import { expiresByTtl, isExpired, voidAgedFrom } from './expiry';
import type { RetentionDeps } from './types';

/** An object whose slot this sweep removed (or found removed) in one partition. */
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
  /** Expired slots left for DynamoDB's TTL (inline slots and voids that carry one). */
  readonly itemsLeftToTtl: number;
  /** The partition's log start as this sweep left it. */
  readonly logStartOffset: number;
  readonly itemsAlreadyGone: number;
  readonly itemsChanged: number;
  readonly touched: readonly TouchedSegment[];
}

/**
 * Deletes one partition's expired slots from the front, Kafka style: walk from the log start
 * in offset order, stop at the first slot that is not expired or at the readable end. Every
 * expired slot may go, the last one included: the next offset comes from the sequencer, not
 * from the slots, so the log start may reach the log end and no offset is ever handed out
 * twice. The log start is moved up first, then the slots are deleted, so a reader never
 * looks for a slot that is gone. An inline slot or a void that carries a TTL is not deleted
 * here: it is already below the log start, and DynamoDB deletes it when its TTL passes, for
 * free (docs/retention.md, "Expiry by TTL"). Costs two queries when nothing has expired.
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
  const result = {
    itemsDeleted: 0,
    itemsLeftToTtl: 0,
    itemsAlreadyGone: 0,
    itemsChanged: 0,
    touched: [] as TouchedSegment[],
    logStartOffset: 0,
  };
  const { logStartOffset, logEndOffset } = await deps.log.offsets(topic, partition);
  result.logStartOffset = logStartOffset;

  const expired: Slot[] = [];
  let cursor = logStartOffset;
  walk: while (cursor < logEndOffset) {
    const page = await deps.index.slotsAfter(topic.id, partition, cursor, pageSize);
    for (const slot of page.slots) {
      if (slotEnd(slot) > logEndOffset || !isExpired(expiryTimes(slot), retentionMs, now)) break walk;
      expired.push(slot);
      cursor = slotEnd(slot);
    }
    if (!page.more || page.slots.length === 0) break;
  }
  if (expired.length === 0) return result;

  await deps.index.advance(topic.id, partition, { logStartOffset: cursor, readableHint: logEndOffset });
  result.logStartOffset = cursor;
  for (const slot of expired) {
    if (expiresByTtl(slot)) {
      result.itemsLeftToTtl++;
      continue;
    }
    const outcome = await deps.index.delete(slot);
    if (outcome.kind === 'changed') {
      // Slots are write-once, so our view is stale: stop rather than guess.
      result.itemsChanged++;
      return result;
    }
    if (outcome.kind === 'deleted') result.itemsDeleted++;
    else result.itemsAlreadyGone++;
    // Already gone counts too: the sweeper that deleted it may have died before the object.
    // An inline slot has no object: deleting the item deleted its records.
    if (slot.kind === 'data' && slot.inline === undefined) {
      result.touched.push({
        segmentKey: slot.segmentKey,
        partition,
        appendedAt: slot.appendedAt,
        byteStart: slot.byteStart,
      });
    }
  }
  return result;
}

/** A void holds no records: it ages with its range's reservation ({@link voidAgedFrom}). */
function expiryTimes(slot: Slot): { maxTimestamp: number; appendedAt: number } {
  if (slot.kind === 'data') return slot;
  const agedFrom = voidAgedFrom(slot);
  return { maxTimestamp: agedFrom, appendedAt: agedFrom };
}
