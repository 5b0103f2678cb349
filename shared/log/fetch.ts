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
  const view = await readView(deps, topic, partition);
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
  return freshFetch(deps, request, undefined).then((read) => read.result);
}

/** Sections a {@link LogReader} keeps between fetches, in encoded bytes. */
export const DEFAULT_READER_KEEP_BYTES = 8 * 1024 * 1024;

/** Reads one consumer's partitions, keeping the sections it decoded for the fetches that follow. */
export interface LogReader {
  /** The same answer {@link fetchRecords} gives, or one it gave over the log as it was a moment ago. */
  fetch(request: FetchRequest): Promise<FetchResult>;
}

/**
 * A reader for one consumer (a poller's partition worker, a stream drain): a fetch answers
 * exactly as {@link fetchRecords} does, but the slots and decoded sections of its last fresh
 * read are kept, so the batches that follow in the same sections are cut from memory — no
 * query, no GET — as long as the kept slots cover the request's limits. Once they do not (the
 * request reaches past the last kept slot), the reader reads the log afresh and reuses every
 * kept section that read needs. Settled slots never change (write-once), so a kept section is
 * the log's own content; only the readable end in the answer is the one its read saw, which a
 * fetch may lag anyway. Keeps at most `keepBytes` of encoded sections (one fetch's; a larger
 * fetch is answered and not kept); see docs/design/sequenced-log.md, "Reading a section once".
 *
 * @example
 * const reader = createLogReader(deps);
 * const first = await reader.fetch({ topic, partition: 0, offset: 0, maxRecords: 100 }); // 1 query, 1 GET
 * const next = await reader.fetch({ topic, partition: 0, offset: first.nextOffset, maxRecords: 100 }); // from memory
 */
export function createLogReader(deps: FetchDeps, options: { keepBytes?: number } = {}): LogReader {
  const keepBytes = options.keepBytes ?? DEFAULT_READER_KEEP_BYTES;
  let kept: KeptRead | undefined;
  return {
    async fetch(request) {
      const { maxRecords, maxBytes } = checkLimits(request);
      checkPartition(request.topic, request.partition);
      if (kept && kept.topicId === request.topic.id && kept.partition === request.partition) {
        const { picked, covered } = pickSlots(kept.slots, request.offset, maxRecords, maxBytes);
        if (covered && picked.length > 0 && kept.slots[0].baseOffset <= request.offset) {
          const sections = picked.map((slot) => kept?.sections.get(slotKey(slot)) ?? []);
          const cut = cutRecords(picked, sections, request.offset, maxRecords, maxBytes);
          return { ...cut, logStartOffset: kept.logStartOffset, logEndOffset: kept.logEndOffset };
        }
      }
      const read = await freshFetch(deps, request, kept);
      const bytes = read.slots.reduce((sum, slot) => sum + (slot.kind === 'data' ? slot.byteLength : 0), 0);
      kept =
        read.slots.length > 0 && bytes <= keepBytes
          ? {
              topicId: request.topic.id,
              partition: request.partition,
              logStartOffset: read.result.logStartOffset,
              logEndOffset: read.result.logEndOffset,
              slots: read.slots,
              sections: read.sections,
            }
          : undefined;
      return read.result;
    },
  };
}

/** The slots and decoded sections of a reader's last fresh read. */
interface KeptRead {
  readonly topicId: string;
  readonly partition: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Ascending and contiguous. */
  readonly slots: readonly Slot[];
  /** Decoded sections by {@link slotKey} (voids decode to nothing). */
  readonly sections: ReadonlyMap<string, readonly StoredRecord[]>;
}

/** A slot's identity within its partition: slots are write-once at their end offset. */
function slotKey(slot: Slot): string {
  return `${slot.baseOffset}-${slotEnd(slot)}`;
}

function checkLimits(request: FetchRequest): { maxRecords: number; maxBytes: number } {
  const maxRecords = request.maxRecords ?? 500;
  const maxBytes = request.maxBytes ?? 1_048_576;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new InvalidRequestError(`max_records must be a positive integer, got ${maxRecords}.`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidRequestError(`max_bytes must be a positive integer, got ${maxBytes}.`);
  }
  return { maxRecords, maxBytes };
}

/** A read of the log itself: the view, the slots, their sections (reusing `kept`'s), the answer. */
async function freshFetch(
  deps: FetchDeps,
  request: FetchRequest,
  kept: KeptRead | undefined,
): Promise<{ result: FetchResult; slots: Slot[]; sections: Map<string, readonly StoredRecord[]> }> {
  const { topic, partition } = request;
  const { maxRecords, maxBytes } = checkLimits(request);
  checkPartition(topic, partition);
  const view = await readView(deps, topic, partition);
  const { logStartOffset, readableEnd } = view;
  const offset = resolveOffset(request, logStartOffset, readableEnd);
  if (offset >= readableEnd) {
    return {
      result: { records: [], nextOffset: offset, logStartOffset, logEndOffset: readableEnd },
      slots: [],
      sections: new Map(),
    };
  }

  const reusable =
    kept && kept.topicId === topic.id && kept.partition === partition ? kept.sections : new Map();
  const slots = await slotsToRead(deps, view, topic.id, partition, offset, maxRecords, maxBytes);
  const sections = await Promise.all(
    slots.map(async (slot) => {
      const known = reusable.get(slotKey(slot));
      if (known) return known;
      return slot.kind === 'data'
        ? decodeSection(await sectionBytes(deps.segments, slot), slot.baseOffset)
        : [];
    }),
  );
  const cut = cutRecords(slots, sections, offset, maxRecords, maxBytes);
  return {
    result: { ...cut, logStartOffset, logEndOffset: readableEnd },
    slots,
    sections: new Map(slots.map((slot, i) => [slotKey(slot), sections[i]])),
  };
}

/** The records of `slots` from `offset` within the limits, and the offset to fetch next. */
function cutRecords(
  slots: readonly Slot[],
  sections: readonly (readonly StoredRecord[])[],
  offset: number,
  maxRecords: number,
  maxBytes: number,
): { records: StoredRecord[]; nextOffset: number } {
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
  return { records, nextOffset };
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
  const known = view.slots;
  if (known.length > 0 && known[0].baseOffset <= offset) {
    return pickSlots(known, offset, maxRecords, maxBytes).picked;
  }
  const picked: Slot[] = [];
  const tally = coverage(offset, maxRecords, maxBytes);
  for (let cursor = offset; ; ) {
    // Every data slot holds at least one record, and a query is billed by the bytes it read
    // (inline slots carry their records): never ask for more slots than records wanted.
    const page = await deps.index.slotsAfter(topicId, partition, cursor, Math.min(PAGE, maxRecords));
    for (const slot of page.slots) {
      if (slot.baseOffset >= view.readableEnd) return picked;
      picked.push(slot);
      if (tally(slot)) return picked;
      cursor = slotEnd(slot);
    }
    if (!page.more || page.slots.length === 0 || cursor >= view.readableEnd) return picked;
  }
}

/**
 * The slots of `slots` (ascending, contiguous) from the one holding `offset` until the limits
 * are covered; `covered` is false when the slots ran out first.
 */
function pickSlots(
  slots: readonly Slot[],
  offset: number,
  maxRecords: number,
  maxBytes: number,
): { picked: Slot[]; covered: boolean } {
  const picked: Slot[] = [];
  const tally = coverage(offset, maxRecords, maxBytes);
  for (const slot of slots) {
    if (slotEnd(slot) <= offset) continue;
    picked.push(slot);
    if (tally(slot)) return { picked, covered: true };
  }
  return { picked, covered: false };
}

/** Counts slots read from `offset`: true once they hold enough records or bytes. */
function coverage(offset: number, maxRecords: number, maxBytes: number): (slot: Slot) => boolean {
  let records = 0;
  let bytes = 0;
  return (slot) => {
    if (slot.kind === 'void') return false;
    records += slotEnd(slot) - Math.max(offset, slot.baseOffset);
    bytes += slot.byteLength;
    return records >= maxRecords || bytes >= maxBytes;
  };
}

/** Throws {@link NotFoundError} (40402) for a partition the topic does not have. */
export function checkPartition(topic: Topic, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitionCount) {
    throw new NotFoundError(
      `Partition ${partition} does not exist: topic "${topic.name}" has partitions 0 to ${topic.partitionCount - 1}.`,
      { topic: topic.name, partition, errorCode: 40402 },
    );
  }
}
