/**
 * The local stand-in for the stream dispatcher's event source mapping on the log table's
 * stream: it follows DynamoDB Local's stream through the real Streams API (DescribeStream,
 * GetShardIterator, GetRecords) and hands each batch of records, in shard order, to a
 * callback — the stream dispatcher of every stream-triggered group
 * (`shared/poller/stream-dispatch.ts`). Only translation lives here; what a batch means is the
 * core's.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { describeError, type Logger } from '../shared/logger';
import type { LogStreamRecord } from '../shared/poller/stream-trigger';
import { isProgrammerError, sleep } from '../shared/retry';

/** What {@link followLogStream} needs. */
export interface LogStreamFollowerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  /** The log table; its stream must be enabled (`provisionResources` does it). */
  readonly table: string;
  /** One batch of one shard; awaited before the shard's next batch, as Lambda does (the dispatcher's port returns once the drains are started). */
  onBatch(records: readonly LogStreamRecord[]): Promise<void>;
  readonly signal: AbortSignal;
  /** Wait between reads of a stream with nothing new. @default 100 */
  readonly idleWaitMs?: number;
  /** Most records per batch (Lambda's BatchSize). @default 100 */
  readonly batchSize?: number;
  /**
   * How long a shard's batch keeps gathering once its first record is read, as the event source
   * mapping's batching window does: the batch is handed over when it is full, the window has
   * passed or the shard closes. @default 0 (handed over as read)
   */
  readonly batchingWindowMs?: number;
  /** Called once the shards are positioned (records written after this are seen). */
  onReady?(): void;
  readonly logger: Logger;
}

/**
 * Follows the log table's stream until `signal` aborts: the shards open at the start are read
 * from their newest record on (LATEST: what was produced before is the scheduled tick's),
 * shards that appear later (a rollover) from their oldest (TRIM_HORIZON), so nothing written
 * while following is missed. A failing callback is logged and the batch is not retried: the
 * dispatcher fails only when it cannot look a topic up, and the safety net is the groups' tick.
 *
 * @example
 * await followLogStream({ dynamodb, streams, table: config.logTable, onBatch: (records) => dispatcher.dispatch(records).then(() => {}), signal, logger });
 */
export async function followLogStream(options: LogStreamFollowerOptions): Promise<void> {
  const { dynamodb, streams, table, signal, logger } = options;
  const idleWaitMs = options.idleWaitMs ?? 100;
  const batchSize = options.batchSize ?? 100;
  const batchingWindowMs = options.batchingWindowMs ?? 0;
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`The table ${table} has no stream: start the backbone again to enable it.`);

  const known = new Set<string>();
  const iterators = new Map<string, string>();

  async function discover(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId as string;
        if (known.has(id)) continue;
        known.add(id);
        // A shard already closed at the start holds only history; one that closes later was
        // being read and its children start at their beginning.
        if (position === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) continue;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: position }),
        );
        if (ShardIterator) iterators.set(id, ShardIterator);
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  /**
   * Reads on from `next` into `records` until the batch is full, the window since its first
   * record has passed or the shard closes; returns the last answer's iterator.
   */
  async function gather(
    records: StreamRecord[],
    next: string | undefined,
  ): Promise<{ NextShardIterator?: string }> {
    const closesAt = Date.now() + batchingWindowMs;
    let iterator = next;
    while (iterator && records.length < batchSize && !signal.aborted) {
      const left = closesAt - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(idleWaitMs, left), { signal, ref: false }).catch(() => {});
      const more = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize - records.length }),
      );
      records.push(...(more.Records ?? []));
      iterator = more.NextShardIterator;
    }
    return { NextShardIterator: iterator };
  }

  await discover('LATEST');
  options.onReady?.();
  while (!signal.aborted) {
    let seen = 0;
    let closed = false;
    for (const [shardId, iterator] of [...iterators]) {
      if (signal.aborted) break;
      let answer: { Records?: StreamRecord[]; NextShardIterator?: string };
      try {
        answer = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      } catch (error) {
        if (isNamed(error, 'ExpiredIteratorException', 'TrimmedDataAccessException')) {
          // Re-position at the shard's oldest record: a record seen twice is delivered at most
          // once more (the trigger starts from the committed offset), a record skipped is lost.
          const { ShardIterator } = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          );
          if (ShardIterator) iterators.set(shardId, ShardIterator);
          continue;
        }
        throw error;
      }
      const records = answer.Records ?? [];
      if (records.length > 0 && batchingWindowMs > 0) {
        answer = await gather(records, answer.NextShardIterator);
      }
      seen += records.length;
      if (records.length > 0) {
        try {
          await options.onBatch(records as LogStreamRecord[]);
        } catch (error) {
          if (isProgrammerError(error)) throw error;
          logger.warn('a stream batch failed; the scheduled tick delivers what it left', {
            error: describeError(error),
          });
        }
      }
      if (answer.NextShardIterator) iterators.set(shardId, answer.NextShardIterator);
      else {
        iterators.delete(shardId);
        closed = true;
      }
    }
    if (closed || iterators.size === 0) await discover('TRIM_HORIZON');
    if (seen === 0) await sleep(idleWaitMs, { signal, ref: false }).catch(() => {});
  }
}

/** By name: SDK errors may come from another module realm (jest). */
function isNamed(error: unknown, ...names: string[]): boolean {
  return names.includes((error as { name?: unknown } | null)?.name as string);
}
