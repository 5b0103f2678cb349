/**
 * Topic and consumer-group administration over the HTTP API, shaped like kafkajs's admin
 * client (offsets as decimal strings).
 */
import { AlreadyExistsError } from '../errors';
import { groupPath, offsetString, topicPath } from './paths';
import { type ConnectionOptions, createTransport, type Transport } from './transport';

/** A topic to create. */
export interface NewTopic {
  readonly topic: string;
  /** @default 1 */
  readonly numPartitions?: number;
  /** Topic configs such as `retention.ms`. @default [] */
  readonly configEntries?: readonly { name: string; value: string }[];
}

/** A topic as the server describes it. */
export interface TopicInfo {
  readonly name: string;
  readonly partitionsCount: number;
  /** Every config with its effective value. */
  readonly configs: Readonly<Record<string, string | null>>;
}

/** One partition's retained range: `logEndOffset` is the next offset to be written. */
export interface PartitionInfo {
  readonly partitionId: number;
  readonly logStartOffset: string;
  readonly logEndOffset: string;
}

/** A topic with its partitions. */
export interface TopicDescription extends TopicInfo {
  readonly partitions: readonly PartitionInfo[];
}

/** One row of `groupLags`, as `kafka-consumer-groups.sh --describe` shows it. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset, or null when the group has committed nothing there. */
  readonly currentOffset: string | null;
  readonly logEndOffset: string;
  /** `logEndOffset − currentOffset`, or null with `currentOffset` (Kafka's tools show `-`). */
  readonly lag: string | null;
  /** The member holding the partition, or null. */
  readonly consumerId: string | null;
}

/** A consumer group and its state. */
export interface GroupOverview {
  readonly groupId: string;
  readonly state: string;
}

/** Where {@link Admin.resetGroupOffsets} moves a group, as kafka-consumer-groups.sh's `--to-…` options. */
export type OffsetResetTarget =
  | { readonly to: 'earliest' | 'latest' }
  /** Clamped into each partition's log. */
  | { readonly to: 'offset'; readonly offset: number | string }
  /** The first record at or after this time; the log end where none is. */
  | { readonly to: 'timestamp'; readonly timestamp: number | Date };

/** One partition of a reset: where the group's offset goes (or would go, in a dry run). */
export interface PlannedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Administration operations. */
export interface Admin {
  /** Resolves the cluster id; optional, every call connects on its own. */
  connect(): Promise<void>;
  /** Nothing to release over HTTP; kept for kafkajs parity. */
  disconnect(): Promise<void>;
  /** Creates a topic; throws {@link AlreadyExistsError} when the name is taken. */
  createTopic(topic: NewTopic): Promise<TopicInfo>;
  /** kafkajs-style: true when every topic was created, false when some already existed. */
  createTopics(args: { topics: readonly NewTopic[] }): Promise<boolean>;
  /** Topic names, sorted. */
  listTopics(): Promise<string[]>;
  /** A topic with its partitions' offsets; throws NotFoundError (40401) when absent. */
  describeTopic(topic: string): Promise<TopicDescription>;
  deleteTopic(topic: string): Promise<void>;
  /**
   * kafkajs-style: raises each topic's partition count to `count` (increase only; the same
   * or a lower count throws InvalidRequestError with Kafka's message). Keyed records are
   * placed by the new count from then on, so a key may move to another partition.
   *
   * @example
   * await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 12 }] });
   */
  createPartitions(args: { topicPartitions: readonly { topic: string; count: number }[] }): Promise<boolean>;
  /** kafkajs-style bulk delete. */
  deleteTopics(args: { topics: readonly string[] }): Promise<void>;
  /** The partitions of a topic with their log start and end offsets. */
  partitions(topic: string): Promise<PartitionInfo[]>;
  /** kafkajs-style: `high` is the log end offset, `low` the log start. */
  fetchTopicOffsets(
    topic: string,
  ): Promise<{ partition: number; offset: string; high: string; low: string }[]>;
  /** Consumer groups the cluster knows. */
  listGroups(): Promise<GroupOverview[]>;
  /** Per-partition lag of a group. */
  groupLags(groupId: string): Promise<PartitionLag[]>;
  /**
   * Moves an empty group's offsets on every partition of `topic`; with `dryRun`, only says
   * where. Throws InvalidRequestError (409 / 40903) while the group has live members.
   */
  resetGroupOffsets(
    args: { groupId: string; topic: string; dryRun?: boolean } & OffsetResetTarget,
  ): Promise<PlannedOffset[]>;
  /** Deletes an empty group and its offsets; 409 / 40903 while it has live members, 404 / 40404 when unknown. */
  deleteGroup(groupId: string): Promise<void>;
}

/**
 * Builds an admin client.
 *
 * @example
 * const admin = createAdmin({ url: 'http://127.0.0.1:8080' });
 * await admin.createTopic({ topic: 'orders', numPartitions: 6, configEntries: [{ name: 'retention.ms', value: '86400000' }] });
 * console.log(await admin.describeTopic('orders'));
 */
export function createAdmin(options: ConnectionOptions = {}): Admin {
  const transport: Transport = createTransport(options);
  const cluster = () => transport.clusterPath();

  async function createTopic(topic: NewTopic): Promise<TopicInfo> {
    const { body } = await transport.request<TopicAnswer>({
      method: 'POST',
      path: `${await cluster()}/topics`,
      body: {
        topic_name: topic.topic,
        partitions_count: topic.numPartitions ?? 1,
        configs: (topic.configEntries ?? []).map(({ name, value }) => ({ name, value })),
      },
    });
    return topicInfo(body, await configs(topic.topic));
  }

  /** A topic's configs, by name (its `configs` relationship, Kafka's defaults included). */
  async function configs(topic: string): Promise<Record<string, string | null>> {
    const { body } = await transport.request<{ data: { name: string; value: string | null }[] }>({
      method: 'GET',
      path: `${topicPath(await cluster(), topic)}/configs`,
    });
    return Object.fromEntries(body.data.map((c) => [c.name, c.value]));
  }

  async function partitions(topic: string): Promise<PartitionInfo[]> {
    const { body } = await transport.request<{ data: PartitionAnswer[] }>({
      method: 'GET',
      path: `${topicPath(await cluster(), topic)}/partitions`,
    });
    return body.data
      .map((p) => ({
        partitionId: p.partition_id,
        logStartOffset: offsetString(p.log_start_offset),
        logEndOffset: offsetString(p.log_end_offset),
      }))
      .sort((a, b) => a.partitionId - b.partitionId);
  }

  async function deleteTopic(topic: string): Promise<void> {
    await transport.request({ method: 'DELETE', path: topicPath(await cluster(), topic) });
  }

  return {
    connect: async () => {
      await cluster();
    },
    disconnect: async () => {},
    createTopic,
    async createTopics({ topics }) {
      let all = true;
      for (const topic of topics) {
        try {
          await createTopic(topic);
        } catch (error) {
          if (!(error instanceof AlreadyExistsError)) throw error;
          all = false;
        }
      }
      return all;
    },
    async listTopics() {
      const { body } = await transport.request<{ data: TopicAnswer[] }>({
        method: 'GET',
        path: `${await cluster()}/topics`,
      });
      return body.data.map((t) => t.topic_name).sort();
    },
    async describeTopic(topic) {
      const path = topicPath(await cluster(), topic);
      const [{ body }, topicConfigs, topicPartitions] = await Promise.all([
        transport.request<TopicAnswer>({ method: 'GET', path }),
        configs(topic),
        partitions(topic),
      ]);
      return { ...topicInfo(body, topicConfigs), partitions: topicPartitions };
    },
    deleteTopic,
    async createPartitions({ topicPartitions }) {
      for (const { topic, count } of topicPartitions) {
        await transport.request({
          method: 'PATCH',
          path: topicPath(await cluster(), topic),
          body: { partitions_count: count },
        });
      }
      return true;
    },
    async deleteTopics({ topics }) {
      for (const topic of topics) await deleteTopic(topic);
    },
    partitions,
    async fetchTopicOffsets(topic) {
      return (await partitions(topic)).map((p) => ({
        partition: p.partitionId,
        offset: p.logEndOffset,
        high: p.logEndOffset,
        low: p.logStartOffset,
      }));
    },
    async listGroups() {
      const { body } = await transport.request<{ data: { consumer_group_id: string; state?: string }[] }>({
        method: 'GET',
        path: `${await cluster()}/consumer-groups`,
      });
      return body.data.map((g) => ({ groupId: g.consumer_group_id, state: g.state ?? 'UNKNOWN' }));
    },
    async groupLags(groupId) {
      const { body } = await transport.request<{ data: LagAnswer[] }>({
        method: 'GET',
        path: `${groupPath(await cluster(), groupId)}/lags`,
      });
      return body.data
        .map((row) => ({
          topic: row.topic_name,
          partition: row.partition_id,
          currentOffset:
            row.current_offset === null || row.current_offset === undefined
              ? null
              : offsetString(row.current_offset),
          logEndOffset: offsetString(row.log_end_offset),
          lag: row.lag === null || row.lag === undefined ? null : offsetString(row.lag),
          consumerId: row.consumer_id ? row.consumer_id : null,
        }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
    async resetGroupOffsets(args) {
      const { body } = await transport.request<{
        data: { topic_name: string; partition_id: number; offset: number | string }[];
      }>({
        method: 'POST',
        path: `${groupPath(await cluster(), args.groupId)}/reset-offsets`,
        body: {
          topic_name: args.topic,
          to: args.to,
          ...(args.to === 'offset' ? { offset: args.offset } : {}),
          ...(args.to === 'timestamp'
            ? { timestamp: args.timestamp instanceof Date ? args.timestamp.getTime() : args.timestamp }
            : {}),
          validate_only: args.dryRun ?? false,
        },
      });
      return body.data
        .map((p) => ({ topic: p.topic_name, partition: p.partition_id, offset: offsetString(p.offset) }))
        .sort((a, b) => a.partition - b.partition);
    },
    async deleteGroup(groupId) {
      await transport.request({ method: 'DELETE', path: groupPath(await cluster(), groupId) });
    },
  };
}

interface TopicAnswer {
  topic_name: string;
  partitions_count: number;
}

interface PartitionAnswer {
  partition_id: number;
  log_start_offset: number | string;
  log_end_offset: number | string;
}

interface LagAnswer {
  topic_name: string;
  partition_id: number;
  current_offset?: number | string | null;
  log_end_offset: number | string;
  lag?: number | string | null;
  consumer_id?: string | null;
}

function topicInfo(body: TopicAnswer, configs: Record<string, string | null>): TopicInfo {
  return { name: body.topic_name, partitionsCount: body.partitions_count, configs };
}
