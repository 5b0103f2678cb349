import { StaleTopicError } from '../errors';
import type { Partitioner } from '../partitioner';
import type { LogIndex } from '../storage/log-index';
import { DEFAULT_INLINE_SECTION_MAX_BYTES, MAX_INLINE_SECTION_BYTES } from '../storage/schema';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';
import { type AppendRecord, appendRecords, type ProducerIdentity, type RecordResult } from './append';
import {
  checkPartition,
  createLogReader,
  type FetchRequest,
  type FetchResult,
  fetchRecords,
  type LogReader,
  type PartitionOffsets,
  partitionOffsets,
} from './fetch';
import { offsetForTimestamp } from './timestamps';
import { type LogObserver, readableEndAbove } from './view';
import { createWarmProducerStates } from './warm-producers';

export type { AppendRecord, ProducerIdentity, RecordResult } from './append';
export type { AutoOffsetReset, FetchRequest, FetchResult, LogReader, PartitionOffsets } from './fetch';
export { DEFAULT_READER_KEEP_BYTES } from './fetch';
export {
  eventRecordBytes,
  LAMBDA_PAYLOAD_BYTES,
  MAX_EVENT_BYTES,
  MAX_RECORDS_PER_APPEND,
  MAX_REQUEST_BODY_BYTES,
} from './limits';
export { checkRecordCount, recordProblem, recordSize } from './record-rules';
export type { LogObserver, PartitionView, VoidedBy } from './view';

/** The partition log: append and read, over the two storage ports. */
export interface Log {
  append(
    topic: Topic,
    records: readonly AppendRecord[],
    producer?: ProducerIdentity,
  ): Promise<RecordResult[]>;
  fetch(request: FetchRequest): Promise<FetchResult>;
  /**
   * A reader for one consumer: fetches like {@link Log.fetch}, and cuts the batches that follow
   * in the sections it already read from memory (one GET and one log read per section, not
   * per batch). `keepBytes` bounds what it keeps. @default DEFAULT_READER_KEEP_BYTES
   */
  reader(options?: { keepBytes?: number }): LogReader;
  /** The log start and the readable end (high watermark). */
  offsets(topic: Topic, partition: number): Promise<PartitionOffsets>;
  /**
   * The readable end when it is above `offset`, else undefined; usually one read of the
   * sequencer alone, a fraction of {@link Log.offsets}'s units (`readableEndAbove` in `view.ts`).
   */
  readableEndAbove(topic: Topic, partition: number, offset: number): Promise<number | undefined>;
  /** The first offset with a record timestamp at or after `timestamp`, or the readable end. */
  offsetForTimestamp(topic: Topic, partition: number, timestamp: number): Promise<number>;
}

/**
 * The longest an append may take from reserving its offsets to sending its slot put. The API
 * function's timeout is 29 s; an append needs a few hundred ms, so 10 s is already a writer in
 * trouble.
 */
export const DEFAULT_COMMIT_DEADLINE_MS = 10_000;

/**
 * How long a reserved range may stay unwritten before a reader voids it: the commit deadline
 * plus a margin for a put sent just before it to land and for clocks between hosts to differ.
 */
export const DEFAULT_HOLE_GRACE_MS = 30_000;

export { DEFAULT_INLINE_SECTION_MAX_BYTES } from '../storage/schema';

export interface LogOptions {
  readonly segments: SegmentStore;
  readonly index: LogIndex;
  /** A new partitioner per request (sticky batches). @default createDefaultPartitioner */
  readonly partitioner?: () => Partitioner;
  /** @default DEFAULT_COMMIT_DEADLINE_MS */
  readonly commitDeadlineMs?: number;
  /** Must exceed `commitDeadlineMs` by the margin explained at its default. @default DEFAULT_HOLE_GRACE_MS */
  readonly holeGraceMs?: number;
  /**
   * Sections up to this many bytes live in their slot item instead of an S3 object; 0 sends
   * everything to S3. At most {@link MAX_INLINE_SECTION_BYTES}.
   * @default DEFAULT_INLINE_SECTION_MAX_BYTES
   */
  readonly inlineSectionMaxBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly observer?: LogObserver;
  /**
   * Told when an append or a read met the closed log of a topic deleted elsewhere (the
   * {@link StaleTopicError} it then throws): the cluster drops its cached copy of the topic
   * here, so that the retry reads the topic as it is now.
   */
  readonly onStaleTopic?: (topic: Topic) => void;
}

/**
 * Builds the log. Any number of processes may append to and read the same partitions: what
 * it keeps in memory (the producer states its own claims wrote, so that an idempotent
 * producer's next batch skips its reads) only saves requests, and is checked by every claim.
 * Design note: docs/design/sequenced-log.md.
 *
 * @example
 * const log = createLog({ segments: createS3SegmentStore({ s3, bucket }), index: createDynamoLogIndex({ dynamodb, logTable, metaTable }) });
 * const [result] = await log.append(topic, [{ key: null, value: Buffer.from('hi'), headers: [], timestamp: Date.now() }]);
 */
export function createLog(options: LogOptions): Log {
  const commitDeadlineMs = options.commitDeadlineMs ?? DEFAULT_COMMIT_DEADLINE_MS;
  const holeGraceMs = options.holeGraceMs ?? DEFAULT_HOLE_GRACE_MS;
  if (!(holeGraceMs > commitDeadlineMs)) {
    throw new RangeError(
      `holeGraceMs (${holeGraceMs}) must be longer than commitDeadlineMs (${commitDeadlineMs}), or readers could void a range its writer is still committing.`,
    );
  }
  const inlineSectionMaxBytes = options.inlineSectionMaxBytes ?? DEFAULT_INLINE_SECTION_MAX_BYTES;
  if (
    !Number.isInteger(inlineSectionMaxBytes) ||
    inlineSectionMaxBytes < 0 ||
    inlineSectionMaxBytes > MAX_INLINE_SECTION_BYTES
  ) {
    throw new RangeError(
      `inlineSectionMaxBytes (${inlineSectionMaxBytes}) must be a whole number from 0 to ${MAX_INLINE_SECTION_BYTES}: a slot item holds at most 400 KB.`,
    );
  }
  const deps = {
    segments: options.segments,
    index: options.index,
    partitioner: options.partitioner,
    commitDeadlineMs,
    inlineSectionMaxBytes,
    holeGraceMs,
    now: options.now ?? Date.now,
    observer: options.observer,
    warmProducers: createWarmProducerStates(),
  };
  /** Runs `work` on `topic`; a closed log makes the topic stale for this process, named in the error. */
  const onTopic = async <T>(topic: Topic, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof StaleTopicError) || error.topicId !== topic.id) throw error;
      options.onStaleTopic?.(topic);
      throw new StaleTopicError(topic.id, { topic: topic.name, partition: error.partition, cause: error });
    }
  };
  return {
    append: (topic, records, producer) =>
      onTopic(topic, () => appendRecords(deps, { topic, records, producer })),
    fetch: (request) => onTopic(request.topic, () => fetchRecords(deps, request)),
    reader: (readerOptions) => {
      const reader = createLogReader(deps, readerOptions);
      return { fetch: (request) => onTopic(request.topic, () => reader.fetch(request)) };
    },
    offsets: (topic, partition) => onTopic(topic, () => partitionOffsets(deps, topic, partition)),
    readableEndAbove: (topic, partition, offset) => {
      checkPartition(topic, partition);
      return onTopic(topic, () => readableEndAbove(deps, topic, partition, offset));
    },
    offsetForTimestamp: (topic, partition, timestamp) =>
      onTopic(topic, () => offsetForTimestamp(deps, topic, partition, timestamp)),
  };
}
