import type { SluiceConfig } from './config';
import { createDynamoGroupStore, type GroupStore } from './groups/store';
import { createLimiter } from './limit';
import { createLog, type Log, type LogOptions } from './log';
import { type AwsClients, type AwsRequestCounter, createAwsClients } from './storage/aws';
import { createDynamoLogIndex, type LogIndex } from './storage/log-index';
import { createS3SegmentStore, type SegmentStore } from './storage/segment-store';
import { createDynamoTopicStore } from './storage/topic-store';
import { createTopicRegistry, type TopicRegistry } from './topics/registry';

/** How many partition logs a topic's deletion closes at once. */
const CLOSE_CONCURRENCY = 16;

/**
 * Everything one process needs to serve a Sluice cluster, as ports: the log (and the two
 * storage ports under it), the topic registry and the consumer-group store. No raw SDK client
 * leaves it; the code that owns the clients (a test, the local backbone) passes them in.
 */
export interface Cluster {
  readonly config: SluiceConfig;
  readonly topics: TopicRegistry;
  readonly log: Log;
  /** The segment objects in S3 (retention and tests reach them directly). */
  readonly segments: SegmentStore;
  /** The partition logs' slots and sequencers in DynamoDB. */
  readonly index: LogIndex;
  /** Consumer-group members, leases and markers. */
  readonly groups: GroupStore;
  /** Releases the SDK clients' sockets, if the cluster created them. */
  close(): void;
}

export interface ClusterOptions {
  /** SDK clients to use; the caller keeps them (and closes them). @default new clients for `config` */
  readonly clients?: AwsClients;
  /** Counts AWS calls (tests, benchmark); only for clients the cluster creates. */
  readonly counter?: AwsRequestCounter;
  /** Wraps the storage ports, e.g. to inject a crash between two writes in a test. */
  readonly wrapSegments?: (store: SegmentStore) => SegmentStore;
  readonly wrapIndex?: (index: LogIndex) => LogIndex;
  readonly log?: Partial<
    Pick<
      LogOptions,
      'partitioner' | 'commitDeadlineMs' | 'holeGraceMs' | 'inlineSectionMaxBytes' | 'now' | 'observer'
    >
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
  const clients = options.clients ?? createAwsClients(config, { counter: options.counter });
  const rawSegments = createS3SegmentStore({ s3: clients.s3, bucket: config.bucket });
  const rawIndex = createDynamoLogIndex({
    dynamodb: clients.dynamodb,
    logTable: config.logTable,
    metaTable: config.metaTable,
  });
  const segments = options.wrapSegments ? options.wrapSegments(rawSegments) : rawSegments;
  const index = options.wrapIndex ? options.wrapIndex(rawIndex) : rawIndex;
  const topics = createTopicRegistry({
    store: createDynamoTopicStore({ dynamodb: clients.dynamodb, table: config.metaTable }),
    cacheTtlMs: options.topicCacheTtlMs,
    // Other processes may hold the deleted topic warm: its closed logs tell them at their next
    // append or read (docs/design/sequenced-log.md, "A deleted topic's log is closed").
    onDeleted: async (topic) => {
      const limit = createLimiter(CLOSE_CONCURRENCY);
      await Promise.all(
        Array.from({ length: topic.partitionCount }, (_, partition) =>
          limit(() => index.close(topic.id, partition)),
        ),
      );
    },
  });
  return {
    config,
    topics,
    log: createLog({
      segments,
      index,
      onStaleTopic: (topic) => topics.evict(topic.name),
      ...(config.inlineSectionMaxBytes === undefined
        ? {}
        : { inlineSectionMaxBytes: config.inlineSectionMaxBytes }),
      ...options.log,
    }),
    segments,
    index,
    groups: createDynamoGroupStore({ dynamodb: clients.dynamodb, table: config.metaTable }),
    close() {
      if (options.clients) return;
      clients.s3.destroy();
      clients.dynamodb.destroy();
    },
  };
}
