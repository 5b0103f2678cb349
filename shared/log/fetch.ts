import { decodeSection } from '../codec';
import type { StoredRecord } from '../codec/types';
import { InvalidRequestError, NotFoundError, OffsetOutOfRangeError } from '../errors';
import type { IndexEntry, LogIndex } from '../storage/log-index';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';

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
  /** The offset to fetch next. */
  readonly nextOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface PartitionOffsets {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface FetchDeps {
  readonly segments: SegmentStore;
  readonly index: LogIndex;
}

/** Index entries read per query while walking forward. */
const PAGE = 16;

/**
 * The partition's first retained offset and its end (the next offset to be written).
 *
 * @example
 * const { logStartOffset, logEndOffset } = await partitionOffsets(deps, topic, 0);
 */
export async function partitionOffsets(
  deps: FetchDeps,
  topic: Topic,
  partition: number,
): Promise<PartitionOffsets> {
  checkPartition(topic, partition);
  const [first, last] = await Promise.all([
    deps.index.first(topic.id, partition),
    deps.index.last(topic.id, partition),
  ]);
  // The two reads race with appends (and retention), so derive nothing from the other one:
  // no first item means the partition was still empty, and offsets start at 0; the start
  // is clamped so a retention sweep between the reads cannot make the range inverted.
  const logEndOffset = endOf(last);
  return { logStartOffset: Math.min(first?.baseOffset ?? 0, logEndOffset), logEndOffset };
}

/**
 * Reads records from `offset` on. Cost is independent of the partition's history: three
 * point queries (start, end, the entry holding `offset`), one walk forward, and one ranged
 * GET per segment section touched — S3 is never listed.
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
  const { logStartOffset, logEndOffset } = await partitionOffsets(deps, topic, partition);
  const offset = resolveOffset(request, logStartOffset, logEndOffset);
  const empty = { records: [], nextOffset: offset, logStartOffset, logEndOffset };
  if (offset >= logEndOffset) return empty;

  const holder = await deps.index.floor(topic.id, partition, offset);
  if (!holder) return empty;
  const entries = await entriesToRead(deps.index, holder, offset, maxRecords, maxBytes);
  const sections = await Promise.all(
    entries.map(async (entry) =>
      decodeSection(
        await deps.segments.getRange(entry.segmentKey, entry.byteStart, entry.byteLength),
        entry.baseOffset,
      ),
    ),
  );

  const records: StoredRecord[] = [];
  let bytes = 0;
  for (const record of sections.flat()) {
    if (record.offset < offset) continue;
    const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (records.length >= maxRecords || (records.length > 0 && bytes + size > maxBytes)) break;
    records.push(record);
    bytes += size;
  }
  const nextOffset = records.length > 0 ? records[records.length - 1].offset + 1 : offset;
  return { records, nextOffset, logStartOffset, logEndOffset };
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

/** Entries from the one holding `offset` until enough records or bytes are covered. */
async function entriesToRead(
  index: LogIndex,
  holder: IndexEntry,
  offset: number,
  maxRecords: number,
  maxBytes: number,
): Promise<IndexEntry[]> {
  const picked: IndexEntry[] = [];
  let records = 0;
  let bytes = 0;
  let from = holder.baseOffset;
  for (;;) {
    const page = await index.range(holder.topicId, holder.partition, from, PAGE);
    for (const entry of page) {
      picked.push(entry);
      records += entry.baseOffset + entry.count - Math.max(offset, entry.baseOffset);
      bytes += entry.byteLength;
      if (records >= maxRecords || bytes >= maxBytes) return picked;
    }
    if (page.length < PAGE) return picked;
    from = page[page.length - 1].baseOffset + 1;
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

function endOf(entry: IndexEntry | undefined): number {
  return entry ? entry.baseOffset + entry.count : 0;
}
