import type { SluiceConfig } from './config';
import { createLog, type Log, type LogOptions } from './log';
import { type AwsClients, type AwsRequestCounter, createAwsClients } from './storage/aws';
import { createDynamoLogIndex, type LogIndex } from './storage/log-index';
import { createS3SegmentStore, type SegmentStore } from './storage/segment-store';
import { createTopicRegistry, type TopicRegistry } from './topics/registry';

/** Everything one process needs to serve a Sluice cluster. */
export interface Cluster {
  readonly config: SluiceConfig;
  readonly clients: AwsClients;
  readonly topics: TopicRegistry;
  readonly log: Log;
  readonly segments: SegmentStore;
  readonly index: LogIndex;
}

export interface ClusterOptions {
  /** Counts AWS calls (tests, benchmark). */
  readonly counter?: AwsRequestCounter;
  /** Wraps the storage ports, e.g. to inject a crash between two writes in a test. */
  readonly wrapSegments?: (store: SegmentStore) => SegmentStore;
  readonly wrapIndex?: (index: LogIndex) => LogIndex;
  readonly log?: Partial<
    Pick<LogOptions, 'partitioner' | 'commitDeadlineMs' | 'holeGraceMs' | 'now' | 'observer'>
  >;
  /** @default 30000 */
  readonly topicCacheTtlMs?: number;
}

/**
 * Wires the core to AWS for a configuration: the same wiring serves the Lambda handlers,
 * the local server, the CLI's embedded mode and the tests.
 *
 * @example
 * const cluster = createCluster(configFromEnv());
 * const topic = await cluster.topics.get('orders');
 */
export function createCluster(config: SluiceConfig, options: ClusterOptions = {}): Cluster {
  const clients = createAwsClients(config, { counter: options.counter });
  const rawSegments = createS3SegmentStore({ s3: clients.s3, bucket: config.bucket });
  const rawIndex = createDynamoLogIndex({
    dynamodb: clients.dynamodb,
    logTable: config.logTable,
    metaTable: config.metaTable,
  });
  const segments = options.wrapSegments ? options.wrapSegments(rawSegments) : rawSegments;
  const index = options.wrapIndex ? options.wrapIndex(rawIndex) : rawIndex;
  return {
    config,
    clients,
    topics: createTopicRegistry({
      dynamodb: clients.dynamodb,
      table: config.metaTable,
      cacheTtlMs: options.topicCacheTtlMs,
    }),
    log: createLog({ segments, index, ...options.log }),
    segments,
    index,
  };
}
