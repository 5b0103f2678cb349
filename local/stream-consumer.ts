/**
 * Runs one stream-triggered consumer group on the local backbone, as the construct wires it
 * on AWS: the log table's stream (followed by `stream-reader.ts`, standing in for the event
 * source mapping) drives the group's stream trigger, and a drain of every partition at the
 * start and then every `tickIntervalMs` stands in for the group's scheduled tick.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Cluster } from '../shared/cluster';
import { describeError, type Logger } from '../shared/logger';
import { streamBatchingWindowSeconds } from '../shared/poller/consumer-config';
import {
  createStreamTrigger,
  type StreamTrigger,
  type StreamTriggerOptions,
  touchedPartitions,
} from '../shared/poller/stream-trigger';
import { isProgrammerError, sleep } from '../shared/retry';
import { awsClientSettings, createAwsClients } from '../shared/storage/aws';
import { followLogStream } from './stream-reader';

/** What {@link runStreamConsumer} runs. */
export interface StreamConsumerOptions extends StreamTriggerOptions {
  readonly cluster: Cluster;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The safety net's period. @default 60000, as the deployed schedule */
  readonly tickIntervalMs?: number;
  /** Wait between reads of a quiet stream. @default 100 */
  readonly idleWaitMs?: number;
  /**
   * The consumer's batching window: stream records gather for its whole seconds before a
   * drain, as the construct's event source mapping waits ({@link streamBatchingWindowSeconds}).
   * @default 500 (no wait)
   */
  readonly maxBatchingWindowMs?: number;
  /** Called once the stream is followed: records produced from now on trigger delivery. */
  onReady?(): void;
  /** The stream trigger to drive. @default one built from these options */
  readonly streamTrigger?: StreamTrigger;
}

/**
 * Runs until `signal` aborts.
 *
 * @example
 * await runStreamConsumer({ cluster, group: 'billing', topics: ['orders'], handler, signal, logger });
 */
export async function runStreamConsumer(options: StreamConsumerOptions): Promise<void> {
  const { cluster, signal, logger } = options;
  const trigger = options.streamTrigger ?? createStreamTrigger(options);
  const clients = createAwsClients(cluster.config);
  const streams = new DynamoDBStreamsClient(awsClientSettings(cluster.config));
  const tickIntervalMs = options.tickIntervalMs ?? 60_000;

  async function safely(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isProgrammerError(error)) throw error;
      logger.warn(`consumer group ${options.group}: ${what} failed; retrying at the next tick`, {
        error: describeError(error),
      });
    }
  }

  async function tick(): Promise<void> {
    while (!signal.aborted) {
      await safely('the scheduled drain', () => trigger.drainAll());
      await sleep(tickIntervalMs, { signal, ref: false });
    }
  }

  try {
    await Promise.all([
      tick(),
      followLogStream({
        dynamodb: clients.dynamodb,
        streams,
        table: cluster.config.logTable,
        signal,
        idleWaitMs: options.idleWaitMs,
        batchSize: options.batchSize,
        batchingWindowMs: streamBatchingWindowSeconds(options.maxBatchingWindowMs ?? 500) * 1000,
        logger,
        onReady: options.onReady,
        onBatch: (records) => safely('a stream batch', () => trigger.drain(touchedPartitions(records))),
      }),
    ]);
  } finally {
    clients.dynamodb.destroy();
    clients.s3.destroy();
    streams.destroy();
  }
}
