import { decodeSection } from '../codec';
import type { StoredRecord } from '../codec/types';
import { InvalidRequestError, NotFoundError, OffsetOutOfRangeError } from '../errors';
import type { DataSlot, Slot } from '../storage/log-index';
import { slotEnd } from '../storage/log-index';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';
import { type PartitionView, readView, type ViewDeps } from './view';

/** What to do when the requested offset is outside the log (Kafka's `auto.offset.reset`). */
export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface FetchRequest {
  readonly topic: Topic;
  readonly partition: number;
  readonly offset: number;
  /** @default 500 (Kafka's max.poll.records) */
  readonly maxRecords?: number;
  /** Soft cap on the bytes of keys and values; at least one record is always returned. @default 1048576 */
  readonly maxBytes?: number;
  /** @default 'none' (an out-of-range offset is an error) */
  readonly autoOffsetReset?: AutoOffsetReset;
}

export interface FetchResult {
  readonly records: StoredRecord[];
  /** The offset to fetch next (past any voided range the fetch walked over). */
  readonly nextOffset: number;
  readonly logStartOffset: number;
  /** The readable end (high watermark): the end of the settled prefix of the log. */
  readonly logEndOffset: number;
}

export interface PartitionOffsets {
  readonly logStartOffset: number;
  /** The readable end: never an offset whose reservation is still open. */
  readonly logEndOffset: number;
}

export interface FetchDeps extends ViewDeps {
  readonly segments: SegmentStore;
}

/** Slots read per query while walking forward from an offset below the newest slots. */
const PAGE = 32;

/**
 * The partition's first retained offset and its readable end. One query in the common case.
 *
 * @example
 * const { logStartOffset, logEndOffset } = await partitionOffsets(deps, topic, 0);
 */
export async function partitionOffsets(
  deps: ViewDeps,
  topic: Topic,
  partition: number,
): Promise<PartitionOffsets> {
  checkPartition(topic, partition);
  const view = await readView(deps, topic.id, partition);
  return { logStartOffset: view.logStartOffset, logEndOffset: view.readableEnd };
}

/**
 * Reads records from `offset` on, never past the readable end, skipping voided ranges. Cost
 * is independent of the partition's history: one query for the sequencer and the newest
 * slots (which already hold what a consumer near the end needs), one more forward query when
 * `offset` is older, and one ranged GET per section touched — S3 is never listed.
 *
 * @example
 * const { records, nextOffset } = await fetchRecords(deps, { topic, partition: 0, offset: 0, maxRecords: 100 });
 */
export async function fetchRecords(deps: FetchDeps, request: FetchRequest): Promise<FetchResult> {
  const { topic, partition } = request;
  const maxRecords = request.maxRecords ?? 500;
  const maxBytes = request.maxBytes ?? 1_048_576;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new InvalidRequestError(`max_records must be a positive integer, got ${maxRecords}.`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidRequestError(`max_bytes must be a positive integer, got ${maxBytes}.`);
  }
  checkPartition(topic, partition);
  const view = await readView(deps, topic.id, partition);
  const { logStartOffset, readableEnd } = view;
  const offset = resolveOffset(request, logStartOffset, readableEnd);
  if (offset >= readableEnd) {
    return { records: [], nextOffset: offset, logStartOffset, logEndOffset: readableEnd };
  }

  const slots = await slotsToRead(deps, view, topic.id, partition, offset, maxRecords, maxBytes);
  const sections = await Promise.all(
    slots.map(async (slot) =>
      slot.kind === 'data' ? decodeSection(await sectionBytes(deps.segments, slot), slot.baseOffset) : [],
    ),
  );

  const records: StoredRecord[] = [];
  let bytes = 0;
  let nextOffset = offset;
  walk: for (let i = 0; i < slots.length; i++) {
    for (const record of sections[i]) {
      if (record.offset < offset) continue;
      const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
      if (records.length >= maxRecords || (records.length > 0 && bytes + size > maxBytes)) break walk;
      records.push(record);
      bytes += size;
      nextOffset = record.offset + 1;
    }
    // A slot read to its end (or a void) moves the position past it, even without records.
    nextOffset = Math.max(nextOffset, slotEnd(slots[i]));
  }
  return { records, nextOffset, logStartOffset, logEndOffset: readableEnd };
}

/**
 * The encoded section of a data slot: the slot's own bytes when it is inline, else one ranged
 * GET of its part of the segment object.
 *
 * @example
 * const records = decodeSection(await sectionBytes(deps.segments, slot), slot.baseOffset);
 */
export async function sectionBytes(segments: SegmentStore, slot: DataSlot): Promise<Buffer> {
  if (slot.inline !== undefined) return slot.inline;
  return segments.getRange(slot.segmentKey, slot.byteStart, slot.byteLength);
}

function resolveOffset(request: FetchRequest, logStartOffset: number, logEndOffset: number): number {
  const { offset, topic, partition } = request;
  if (offset >= logStartOffset && offset <= logEndOffset) return offset;
  switch (request.autoOffsetReset ?? 'none') {
    case 'earliest':
      return logStartOffset;
    case 'latest':
      return logEndOffset;
    case 'none':
      throw new OffsetOutOfRangeError(
        `Offset ${offset} is outside ${topic.name}-${partition}, which holds offsets ${logStartOffset} to ${logEndOffset}` +
          ' (exclusive): fetch from within that range, or set auto_offset_reset=earliest|latest.',
        { topic: topic.name, partition, offset, logStartOffset, logEndOffset },
      );
  }
}

/**
 * Slots from the one holding `offset` until enough records or bytes are covered, all below the
 * readable end. Reuses the newest slots the view already read when `offset` is among them.
 */
async function slotsToRead(
  deps: FetchDeps,
  view: PartitionView,
  topicId: string,
  partition: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
): Promise<Slot[]> {
  const picked: Slot[] = [];
  let records = 0;
  let bytes = 0;
  /** Adds a slot; true once the limits are covered. */
  const take = (slot: Slot): boolean => {
    picked.push(slot);
    if (slot.kind === 'void') return false;
    records += slotEnd(slot) - Math.max(offset, slot.baseOffset);
    bytes += slot.byteLength;
    return records >= maxRecords || bytes >= maxBytes;
  };

  const known = view.slots;
  if (known.length > 0 && known[0].baseOffset <= offset) {
    for (const slot of known) {
      if (slotEnd(slot) <= offset) continue;
      if (take(slot)) break;
    }
    return picked;
  }
  for (let cursor = offset; ; ) {
    // Every data slot holds at least one record, and a query is billed by the bytes it read
    // (inline slots carry their records): never ask for more slots than records wanted.
    const page = await deps.index.slotsAfter(topicId, partition, cursor, Math.min(PAGE, maxRecords));
    for (const slot of page.slots) {
      if (slot.baseOffset >= view.readableEnd) return picked;
      if (take(slot)) return picked;
      cursor = slotEnd(slot);
    }
    if (!page.more || page.slots.length === 0 || cursor >= view.readableEnd) return picked;
  }
}

function checkPartition(topic: Topic, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitionCount) {
    throw new NotFoundError(
      `Partition ${partition} does not exist: topic "${topic.name}" has partitions 0 to ${topic.partitionCount - 1}.`,
      { topic: topic.name, partition, errorCode: 40402 },
    );
  }
}
