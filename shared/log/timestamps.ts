import { decodeSection } from '../codec';
import type { DataSlot } from '../storage/log-index';
import { slotEnd } from '../storage/log-index';
import type { Topic } from '../topics/registry';
import { type FetchDeps, sectionBytes } from './fetch';
import { readView } from './view';

/** Slots read per probe: enough to step over a void or two to the next batch. */
const PROBE = 8;

/**
 * The first offset whose record timestamp is at or after `timestamp`, or the readable end
 * when there is none (Kafka's ListOffsets by timestamp). A binary search over the partition's
 * slots by their max timestamp — O(log n) queries, never a walk over the history — then the
 * batch's section (one ranged GET, none for an inline slot) to find the record inside it. Like Kafka's time index, it assumes batch
 * max timestamps grow with offsets; producers that send timestamps out of order get an
 * approximate answer. Voided ranges hold no records and are stepped over.
 *
 * @example
 * const offset = await offsetForTimestamp(deps, topic, 0, Date.parse('2026-01-01T00:00:00Z'));
 */
export async function offsetForTimestamp(
  deps: FetchDeps,
  topic: Topic,
  partition: number,
  timestamp: number,
): Promise<number> {
  const { logStartOffset, readableEnd } = await readView(deps, topic, partition);
  let lo = logStartOffset;
  let hi = readableEnd;
  let found: DataSlot | undefined;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const { slots } = await deps.index.slotsAfter(topic.id, partition, mid, PROBE);
    const slot = slots.find((s): s is DataSlot => s.kind === 'data');
    if (!slot || slot.baseOffset >= readableEnd) {
      hi = mid;
    } else if (slot.maxTimestamp >= timestamp) {
      found = slot;
      hi = Math.min(mid, slot.baseOffset);
    } else {
      lo = slotEnd(slot);
    }
  }
  if (!found) return readableEnd;
  const bytes = await sectionBytes(deps.segments, found);
  const first = decodeSection(bytes, found.baseOffset).find(
    (record) => record.timestamp >= timestamp && record.offset >= logStartOffset,
  );
  return first ? first.offset : slotEnd(found);
}
