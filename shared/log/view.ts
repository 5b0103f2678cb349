import { expiryField } from '../retention/expiry';
import type { LogIndex, Slot, VoidOutcome } from '../storage/log-index';
import { slotEnd } from '../storage/log-index';
import type { Topic } from '../topics/registry';

/** A partition as readers see it: where it starts, how far it is readable, what was reserved. */
export interface PartitionView {
  readonly logStartOffset: number;
  /**
   * The end of the contiguous prefix of written or void slots (Kafka's high watermark): every
   * offset below it is settled, and readers never go past it.
   */
  readonly readableEnd: number;
  /** The sequencer's next offset: reservations up to here may still be in flight. */
  readonly nextOffset: number;
  /** The newest slots read on the way, ascending and contiguous, ending at `readableEnd`. */
  readonly slots: readonly Slot[];
}

/** Who voided a range, for metrics: its own writer, or a reader that found it open too long. */
export type VoidedBy = 'writer' | 'reader';

/** Hooks for what the log does besides its answers (metrics, logs). */
export interface LogObserver {
  /** A void was written over `[baseOffset, baseOffset + count)` (`outcome.kind === 'voided'`) or found there. */
  onVoid?(event: {
    readonly topicId: string;
    readonly partition: number;
    readonly baseOffset: number;
    readonly count: number;
    readonly by: VoidedBy;
    readonly outcome: VoidOutcome['kind'];
  }): void;
}

export interface ViewDeps {
  readonly index: LogIndex;
  readonly now: () => number;
  /** How long a reserved range may stay unwritten before a reader voids it. */
  readonly holeGraceMs: number;
  readonly observer?: LogObserver;
}

/**
 * Slots read from the top with the sequencer: enough for a consumer near the end. Every poll
 * reads this page, and DynamoDB bills a query by the bytes of the items it read, so the page
 * is kept short: an inline slot carries its records (up to the inline threshold), and 8 of
 * them cost a poll about a sixth of what 64 did (docs/design/sequenced-log.md, "Inline slots").
 */
const TAIL_PAGE = 8;
/** Slots read per query when the walk from the readable hint is longer than one tail page. */
const DEEP_PAGE = 1000;
/** Readers persist a new readable hint once they walked this many slots past the old one. */
const HINT_STEP = TAIL_PAGE / 2;
/** Holes voided in one call before giving up (each void is followed by a fresh read). */
const MAX_FILLS = 8;

/**
 * Reads a partition's log start, readable end and reserved end: one query in the common case
 * (the sequencer and the newest slots come back together). The readable end is found by
 * walking from the persisted readable hint; a hole on the way whose range has been open longer
 * than the grace period is voided here, by the same write-once put its writer would have used.
 *
 * @example
 * const { logStartOffset, readableEnd } = await readView(deps, topic, 0);
 */
export async function readView(
  deps: ViewDeps,
  topic: Pick<Topic, 'id' | 'configs'>,
  partition: number,
): Promise<PartitionView> {
  const topicId = topic.id;
  for (let fills = 0; ; fills++) {
    const page = await deps.index.tail(topicId, partition, TAIL_PAGE);
    if (!page.sequencer) return firstFormatView(deps, topicId, partition, page.slots);
    const { logStartOffset, readableHint, nextOffset, lastReservedAt } = page.sequencer;
    const floor = Math.max(logStartOffset, readableHint);
    const newest = [...page.slots].reverse();

    let walked = 0;
    let pos = floor;
    let next: Slot | undefined; // the slot just after a hole, if one was found
    let gap = false;
    const lowest = newest[0];
    if (page.more && lowest && lowest.baseOffset > floor) {
      // The newest slots do not reach back to the hint: walk up to them first.
      for (let cursor = floor; !gap && pos < lowest.baseOffset; cursor = pos) {
        const up = await deps.index.slotsAfter(topicId, partition, cursor, DEEP_PAGE);
        for (const slot of up.slots) {
          if (slotEnd(slot) <= pos) continue;
          if (slot.baseOffset > pos) {
            next = slot;
            gap = true;
            break;
          }
          pos = slotEnd(slot);
          walked++;
        }
        if (!up.more || up.slots.length === 0) break;
      }
    }
    // Slots of the page below the floor are settled already (the hint says so); keep them too,
    // so a fetch just behind the end needs no second query.
    const settled: Slot[] = newest.filter((slot) => slotEnd(slot) <= floor && slotEnd(slot) > logStartOffset);
    if (!gap) {
      for (const slot of newest) {
        if (slotEnd(slot) <= pos) continue;
        if (slot.baseOffset > pos) {
          next = slot;
          gap = true;
          break;
        }
        settled.push(slot);
        pos = slotEnd(slot);
        walked++;
      }
    }
    if (!gap && pos < nextOffset) gap = true; // open reservations at the top

    if (gap && fills < MAX_FILLS) {
      const holeEnd = next ? next.baseOffset : nextOffset;
      // Every range in the hole was reserved before the slot after it (or the latest reservation).
      const reservedBefore = next ? reservationTime(next) : lastReservedAt;
      const now = deps.now();
      if (now - reservedBefore > deps.holeGraceMs) {
        const outcome = await deps.index.void({
          kind: 'void',
          topicId,
          partition,
          baseOffset: pos,
          count: holeEnd - pos,
          voidedAt: now,
          reservedAt: reservedBefore,
          // A void ages from its range's reservation bound (shared/retention/expiry.ts:voidAgedFrom).
          ...expiryField(reservedBefore, topic.configs['retention.ms']),
        });
        deps.observer?.onVoid?.({
          topicId,
          partition,
          baseOffset: pos,
          count: holeEnd - pos,
          by: 'reader',
          outcome: outcome.kind,
        });
        continue;
      }
    }
    if (walked >= HINT_STEP && pos > readableHint) {
      await deps.index.advance(topicId, partition, { readableHint: pos });
    }
    return { logStartOffset, readableEnd: pos, nextOffset, slots: settled };
  }
}

/**
 * The readable end when it is above `offset`, else undefined: whether anything became readable
 * at or past `offset` (a consumer's committed position) since it was read. The sequencer alone
 * answers the common case in one small read: when it reserved nothing at or above `offset`,
 * nothing can be readable there (every slot lies inside a reserved range, so the readable end
 * never passes the sequencer's next offset). Only when something was reserved there is the
 * readable end read as {@link readView} reads it, and it may still stop at `offset` (a range
 * reserved and not written yet). Exact either way: the same answer as comparing `readView`'s
 * readable end with `offset`, for a sequencer's read unit instead of a page of slots.
 *
 * @example
 * const end = await readableEndAbove(deps, topic, 0, released);
 * if (end !== undefined) {
 *   // records [released, end) landed since: drain them
 * }
 */
export async function readableEndAbove(
  deps: ViewDeps,
  topic: Pick<Topic, 'id' | 'configs'>,
  partition: number,
  offset: number,
): Promise<number | undefined> {
  const sequencer = await deps.index.sequencer(topic.id, partition);
  // No sequencer: a log of the first format (or none); its view is read as it always was.
  if (sequencer && sequencer.nextOffset <= offset) return undefined;
  const { readableEnd } = await readView(deps, topic, partition);
  return readableEnd > offset ? readableEnd : undefined;
}

/** A log written before the sequencer existed: a gapless chain, readable to its last slot. */
async function firstFormatView(
  deps: ViewDeps,
  topicId: string,
  partition: number,
  newestFirst: readonly Slot[],
): Promise<PartitionView> {
  const top = newestFirst[0];
  if (!top) return { logStartOffset: 0, readableEnd: 0, nextOffset: 0, slots: [] };
  const { slots } = await deps.index.slotsAfter(topicId, partition, -1, 1);
  const end = slotEnd(top);
  const logStartOffset = Math.min(slots[0]?.baseOffset ?? end, end);
  return { logStartOffset, readableEnd: end, nextOffset: end, slots: [...newestFirst].reverse() };
}

function reservationTime(slot: Slot): number {
  if (slot.reservedAt !== undefined) return slot.reservedAt;
  return slot.kind === 'data' ? slot.appendedAt : slot.voidedAt;
}
