/**
 * Runs the stream-triggered consumer groups of the local backbone, as the construct wires
 * them on AWS: ONE reader of the log table's stream (`stream-reader.ts`, standing in for the
 * dispatcher's event source mapping) hands each batch to the shared stream dispatcher, whose
 * port starts the concerned groups' drains in process without waiting for them (as the
 * dispatcher's asynchronous invokes do); a drain of every partition of each group at the start
 * and then every `tickIntervalMs` stands in for each group's scheduled tick.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Cluster } from '../shared/cluster';
import { describeError, type Logger } from '../shared/logger';
import { streamBatchingWindowSeconds } from '../shared/poller/consumer-config';
import { createStreamDispatcher } from '../shared/poller/stream-dispatch';
import {
  createStreamTrigger,
  type StreamTrigger,
  type StreamTriggerOptions,
} from '../shared/poller/stream-trigger';
import { isProgrammerError, sleep } from '../shared/retry';
import { awsClientSettings, createAwsClients } from '../shared/storage/aws';
import { followLogStream } from './stream-reader';

/** One stream-triggered group: its trigger's options. */
export type StreamGroupOptions = Omit<StreamTriggerOptions, 'cluster'> & {
  /**
   * The consumer's batching window. The one reader gathers a shard's records for the whole
   * seconds of the smallest window of all the stream groups, as the dispatcher's event source
   * mapping does ({@link streamBatchingWindowSeconds}). @default 500 (no wait)
   */
  readonly maxBatchingWindowMs?: number;
  /** The stream trigger to drive. @default one built from these options */
  readonly streamTrigger?: StreamTrigger;
};

/** What {@link runStreamConsumers} runs. */
export interface StreamConsumersOptions {
  readonly cluster: Cluster;
  readonly groups: readonly StreamGroupOptions[];
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The safety net's period. @default 60000, as the deployed schedule */
  readonly tickIntervalMs?: number;
  /** Wait between reads of a quiet stream. @default 100 */
  readonly idleWaitMs?: number;
  /** Called once the stream is followed: records produced from now on trigger delivery. */
  onReady?(): void;
}

/**
 * The batching window of the one stream reader, in ms: the smallest of the groups' windows,
 * in whole seconds, so that no group waits longer than it asked for.
 *
 * @example
 * dispatcherBatchingWindowMs([{ maxBatchingWindowMs: 5_000 }, { maxBatchingWindowMs: 2_500 }]); // 2000
 */
export function dispatcherBatchingWindowMs(groups: readonly { maxBatchingWindowMs?: number }[]): number {
  if (groups.length === 0) return 0;
  return Math.min(...groups.map((g) => streamBatchingWindowSeconds(g.maxBatchingWindowMs ?? 500))) * 1000;
}

/**
 * Runs until `signal` aborts, then waits for the drains in flight.
 *
 * @example
 * await runStreamConsumers({ cluster, groups: [{ group: 'billing', topics: ['orders'], handler }], signal, logger });
 */
export async function runStreamConsumers(options: StreamConsumersOptions): Promise<void> {
  const { cluster, signal, logger } = options;
  if (options.groups.length === 0) return;
  const groups = options.groups.map((g) => ({
    group: g.group,
    topics: g.topics,
    // The signal ends the drains in hand at shutdown (each releases its lease with what it delivered).
    trigger: g.streamTrigger ?? createStreamTrigger({ ...g, cluster, signal }),
  }));
  const clients = createAwsClients(cluster.config);
  const streams = new DynamoDBStreamsClient(awsClientSettings(cluster.config));
  const tickIntervalMs = options.tickIntervalMs ?? 60_000;
  const inFlight = new Set<Promise<void>>();

  async function safely(group: string, what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isProgrammerError(error)) {
        logger.error(`consumer group ${group}: ${what} failed with a programming error`, {
          error: describeError(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
        return;
      }
      logger.warn(`consumer group ${group}: ${what} failed; retrying at the next tick`, {
        error: describeError(error),
      });
    }
  }

  async function tick(entry: (typeof groups)[number]): Promise<void> {
    while (!signal.aborted) {
      await safely(entry.group, 'the scheduled drain', () => entry.trigger.drainAll());
      await sleep(tickIntervalMs, { signal, ref: false }).catch(() => {});
    }
  }

  // The port starts the group's drain and returns at once: the reader never waits for a
  // handler, and a drain running for one group (or one partition) holds up no other.
  const dispatcher = createStreamDispatcher({
    topics: cluster.topics,
    groups,
    triggerGroup: async (entry, partitions) => {
      const running = safely(entry.group, 'a stream drain', () => entry.trigger.drain(partitions));
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    },
  });

  try {
    await Promise.all([
      ...groups.map(tick),
      followLogStream({
        dynamodb: clients.dynamodb,
        streams,
        table: cluster.config.logTable,
        signal,
        idleWaitMs: options.idleWaitMs,
        batchingWindowMs: dispatcherBatchingWindowMs(options.groups),
        logger,
        onReady: options.onReady,
        onBatch: async (records) => {
          await dispatcher.dispatch(records);
        },
      }),
    ]);
  } finally {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    clients.dynamodb.destroy();
    clients.s3.destroy();
    streams.destroy();
  }
}
