import type { Partitioner } from '../partitioner';
import type { LogIndex } from '../storage/log-index';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';
import { type AppendRecord, appendRecords, type ProducerIdentity, type RecordResult } from './append';
import {
  type FetchRequest,
  type FetchResult,
  fetchRecords,
  type PartitionOffsets,
  partitionOffsets,
} from './fetch';
import { createHeadCache } from './head-cache';

export type { AppendRecord, ProducerIdentity, RecordResult } from './append';
export type { AutoOffsetReset, FetchRequest, FetchResult, PartitionOffsets } from './fetch';

/** The partition log: append and read, over the two storage ports. */
export interface Log {
  append(
    topic: Topic,
    records: readonly AppendRecord[],
    producer?: ProducerIdentity,
  ): Promise<RecordResult[]>;
  fetch(request: FetchRequest): Promise<FetchResult>;
  offsets(topic: Topic, partition: number): Promise<PartitionOffsets>;
}

export interface LogOptions {
  readonly segments: SegmentStore;
  readonly index: LogIndex;
  /** A new partitioner per request (sticky batches). @default createDefaultPartitioner */
  readonly partitioner?: () => Partitioner;
  /** @default 100 */
  readonly maxCommitAttempts?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Builds the log. One instance per warm process: it owns the head cache.
 *
 * @example
 * const log = createLog({ segments: createS3SegmentStore({ s3, bucket }), index: createDynamoLogIndex({ dynamodb, logTable, metaTable }) });
 * const [result] = await log.append(topic, [{ key: null, value: Buffer.from('hi'), headers: [], timestamp: Date.now() }]);
 */
export function createLog(options: LogOptions): Log {
  const deps = {
    segments: options.segments,
    index: options.index,
    heads: createHeadCache(),
    partitioner: options.partitioner,
    maxCommitAttempts: options.maxCommitAttempts,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
  return {
    append: (topic, records, producer) => appendRecords(deps, { topic, records, producer }),
    fetch: (request) => fetchRecords(deps, request),
    offsets: (topic, partition) => partitionOffsets(deps, topic, partition),
  };
}
