import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { AlreadyExistsError, InvalidRequestError, NotFoundError, UnavailableError } from '../errors';
import { type RetryPolicy, retry } from '../retry';
import { queryAll } from '../storage/query-all';
import { META_PARTITION_KEYS } from '../storage/schema';
import {
  applyConfigChanges,
  type ConfigChange,
  DEFAULT_CONFIG_STATE,
  storedConfigState,
  type TopicConfigName,
  type TopicConfigs,
} from './configs';
import { collisionKey, isLegalTopicName, validateTopicName } from './names';

/** A topic as the core sees it. `id` is fresh per creation, so a re-created topic never sees old data. */
export interface Topic {
  readonly name: string;
  readonly id: string;
  readonly partitionCount: number;
  readonly configs: TopicConfigs;
  /** The configs set explicitly; the others hold Kafka's defaults. */
  readonly configOverrides: readonly TopicConfigName[];
  readonly createdAt: number;
}

export interface CreateTopicInput {
  readonly name: string;
  /** @default 1 (Kafka's num.partitions) */
  readonly partitionCount?: number;
  readonly configs?: readonly ConfigChange[];
  /** Validate everything (name free, partitions, configs) and create nothing. @default false */
  readonly validateOnly?: boolean;
}

/** Upper bound on partitions per topic; each partition is one DynamoDB key range. */
export const MAX_PARTITIONS = 10_000;

export interface TopicRegistryOptions {
  readonly dynamodb: DynamoDBClient;
  readonly table: string;
  /** How long a warm function trusts its cached topic metadata, in ms. @default 30000 */
  readonly cacheTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface TopicRegistry {
  /** Creates a topic, or with `validateOnly` only checks that it could (the name is free too). */
  create(input: CreateTopicInput): Promise<Topic>;
  /**
   * Changes a topic's configs (a `null` value resets one to Kafka's default), all or nothing,
   * with a conditional write so concurrent changes are never lost. Other warm functions see
   * the change once their cached copy expires (`cacheTtlMs`). With `validateOnly`, nothing is
   * written. Returns the topic as changed.
   */
  alterConfigs(
    name: string,
    changes: readonly ConfigChange[],
    options?: { validateOnly?: boolean },
  ): Promise<Topic>;
  /**
   * Raises a topic's partition count to `partitionCount`, as Kafka's `CreatePartitions` does:
   * increase only (the same or a lower count is refused with Kafka's message), with a
   * conditional write so two concurrent increases never lose one. Existing partitions keep
   * their records and offsets; the new ones start empty. Keyed records are placed by
   * `murmur2(key) % partitionCount` from then on, so, as in Kafka, a key may move to another
   * partition. Other warm functions see the new count once their cached copy expires
   * (`cacheTtlMs`), as Kafka clients do at their next metadata refresh. With `validateOnly`,
   * nothing is written. Returns the topic as changed.
   */
  addPartitions(name: string, partitionCount: number, options?: { validateOnly?: boolean }): Promise<Topic>;
  /** The topic, from the warm cache when fresh; throws {@link NotFoundError} when absent. */
  get(name: string): Promise<Topic>;
  list(): Promise<Topic[]>;
  /** Deletes the topic; its data stays until the retention sweeper purges it. */
  delete(name: string): Promise<void>;
  /** Topics deleted whose data has not been purged yet. */
  deleted(): Promise<DeletedTopic[]>;
  /** Drops the record of a deleted topic once its data is gone. */
  forget(topicId: string): Promise<void>;
}

/** What is left of a deleted topic until its data is purged. */
export interface DeletedTopic {
  readonly id: string;
  readonly name: string;
  readonly partitionCount: number;
  readonly deletedAt: number;
}

const TOPIC_PK = META_PARTITION_KEYS.topic;
/** How often a config change that lost a race reads and tries again (short waits: an admin is waiting). */
const ALTER_RETRY: RetryPolicy = { retries: 10, initialRetryTime: 20, maxRetryTime: 500 };
/** One item per deleted topic whose data still waits for the sweeper: `sk = topicId`. */
const DELETED_PK = META_PARTITION_KEYS.deletedTopic;
const COLLISION_PK = 'topic-collision';

/**
 * Topics live in the meta table as `pk='topic', sk=<name>`, each guarded by a second item
 * keyed by its collision key, written in one transaction, so two concurrent creations of
 * `a.b` and `a_b` cannot both succeed.
 *
 * @example
 * const topics = createTopicRegistry({ dynamodb, table: config.metaTable });
 * await topics.create({ name: 'orders', partitionCount: 6 });
 */
export function createTopicRegistry(options: TopicRegistryOptions): TopicRegistry {
  const { dynamodb, table } = options;
  const ttl = options.cacheTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { topic: Topic; until: number }>();

  async function create(input: CreateTopicInput): Promise<Topic> {
    validateTopicName(input.name);
    const partitionCount = input.partitionCount ?? 1;
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITIONS) {
      throw new InvalidRequestError(
        `partitions_count must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(input.partitionCount)}.`,
      );
    }
    const { configs, overrides } = applyConfigChanges(DEFAULT_CONFIG_STATE, input.configs ?? []);
    const topic: Topic = {
      name: input.name,
      id: randomBytes(8).toString('hex'),
      partitionCount,
      configs,
      configOverrides: overrides,
      createdAt: now(),
    };
    if (input.validateOnly) {
      await checkNameFree(topic.name);
      return topic;
    }
    try {
      await dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: toItem(topic),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: table,
                Item: {
                  pk: { S: COLLISION_PK },
                  sk: { S: collisionKey(topic.name) },
                  topic: { S: topic.name },
                },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [exists, collides] = error.CancellationReasons ?? [];
        if (exists?.Code === 'ConditionalCheckFailed') {
          throw new AlreadyExistsError(`Topic "${topic.name}" already exists.`, { topic: topic.name });
        }
        if (collides?.Code === 'ConditionalCheckFailed') {
          const other = collides.Item?.topic?.S ?? 'another topic';
          throw new AlreadyExistsError(
            `Topic "${topic.name}" collides with existing topic "${other}": names may not differ only by "." and "_".`,
            { topic: topic.name },
          );
        }
      }
      throw error;
    }
    cache.set(topic.name, { topic, until: now() + ttl });
    return topic;
  }

  /** Throws what a creation would: the name or its collision key is taken. */
  async function checkNameFree(name: string): Promise<void> {
    const read = async (pk: string, sk: string) =>
      (
        await dynamodb.send(
          new GetItemCommand({
            TableName: table,
            Key: { pk: { S: pk }, sk: { S: sk } },
            ConsistentRead: true,
          }),
        )
      ).Item;
    const [exists, collides] = await Promise.all([
      read(TOPIC_PK, name),
      read(COLLISION_PK, collisionKey(name)),
    ]);
    if (exists) throw new AlreadyExistsError(`Topic "${name}" already exists.`, { topic: name });
    if (collides) {
      throw new AlreadyExistsError(
        `Topic "${name}" collides with existing topic "${collides.topic?.S ?? 'another topic'}": names may not differ only by "." and "_".`,
        { topic: name },
      );
    }
  }

  async function alterConfigs(
    name: string,
    changes: readonly ConfigChange[],
    options: { validateOnly?: boolean } = {},
  ): Promise<Topic> {
    // Read, change, write if nobody changed the topic in between; a lost race reads again,
    // after a jittered wait so that concurrent writers spread out.
    const attempt = async (): Promise<Topic> => {
      const item = await readItem(name);
      const current = fromItem(item);
      const { configs, overrides } = applyConfigChanges(
        { configs: current.configs, overrides: current.configOverrides },
        changes,
      );
      const changed: Topic = { ...current, configs, configOverrides: overrides };
      if (options.validateOnly) return changed;
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: TOPIC_PK }, sk: { S: name } },
          UpdateExpression: 'SET configs = :configs, overrides = :overrides',
          // Both attributes as read: a change may alter only the overrides (a config set
          // to its default value), and must not be lost either.
          ConditionExpression: `topicId = :id AND configs = :seen AND ${
            item.overrides ? 'overrides = :seenOverrides' : 'attribute_not_exists(overrides)'
          }`,
          ExpressionAttributeValues: {
            ':configs': { S: JSON.stringify(configs) },
            ':overrides': { S: JSON.stringify(overrides) },
            ':id': { S: current.id },
            ':seen': { S: item.configs.S as string },
            ...(item.overrides && { ':seenOverrides': item.overrides }),
          },
        }),
      );
      cache.set(name, { topic: changed, until: now() + ttl });
      return changed;
    };
    const lostRace = (error: unknown) => error instanceof ConditionalCheckFailedException;
    try {
      return await retry(attempt, { ...ALTER_RETRY, isRetriable: lostRace });
    } catch (error) {
      if (!lostRace(error)) throw error;
      throw new UnavailableError(
        `The configs of topic "${name}" kept changing concurrently; retry the request.`,
        { topic: name, cause: error },
      );
    }
  }

  async function addPartitions(
    name: string,
    partitionCount: number,
    options: { validateOnly?: boolean } = {},
  ): Promise<Topic> {
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITIONS) {
      throw new InvalidRequestError(
        `partitions_count must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(partitionCount)}.`,
        { topic: name },
      );
    }
    const attempt = async (): Promise<Topic> => {
      const current = fromItem(await readItem(name));
      // Kafka's InvalidPartitionsException texts: a topic's partitions can only be added.
      if (partitionCount === current.partitionCount) {
        throw new InvalidRequestError(`Topic already has ${current.partitionCount} partitions.`, {
          topic: name,
        });
      }
      if (partitionCount < current.partitionCount) {
        throw new InvalidRequestError(
          `Topic currently has ${current.partitionCount} partitions, which is higher than the requested ${partitionCount}.`,
          { topic: name },
        );
      }
      const changed: Topic = { ...current, partitionCount };
      if (options.validateOnly) return changed;
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: TOPIC_PK }, sk: { S: name } },
          // `partitions` is a DynamoDB reserved word.
          UpdateExpression: 'SET #partitions = :count',
          ConditionExpression: 'topicId = :id AND #partitions = :seen',
          ExpressionAttributeNames: { '#partitions': 'partitions' },
          ExpressionAttributeValues: {
            ':count': { N: String(partitionCount) },
            ':id': { S: current.id },
            ':seen': { N: String(current.partitionCount) },
          },
        }),
      );
      cache.set(name, { topic: changed, until: now() + ttl });
      return changed;
    };
    const lostRace = (error: unknown) => error instanceof ConditionalCheckFailedException;
    try {
      // A lost race reads again: the other writer's count decides whether this one still adds.
      return await retry(attempt, { ...ALTER_RETRY, isRetriable: lostRace });
    } catch (error) {
      if (!lostRace(error)) throw error;
      throw new UnavailableError(
        `The partitions of topic "${name}" kept changing concurrently; retry the request.`,
        { topic: name, cause: error },
      );
    }
  }

  async function get(name: string): Promise<Topic> {
    const cached = cache.get(name);
    if (cached && cached.until > now()) return cached.topic;
    const topic = fromItem(await readItem(name));
    cache.set(name, { topic, until: now() + ttl });
    return topic;
  }

  /** The topic's item, read consistently; throws {@link NotFoundError} when absent. */
  async function readItem(name: string): Promise<Record<string, AttributeValue>> {
    if (!isLegalTopicName(name)) throw topicNotFound(name);
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: TOPIC_PK }, sk: { S: name } },
        ConsistentRead: true,
      }),
    );
    if (!Item) {
      cache.delete(name);
      throw topicNotFound(name);
    }
    return Item;
  }

  async function list(): Promise<Topic[]> {
    return (await queryAll(dynamodb, table, TOPIC_PK, { consistent: true })).map(fromItem);
  }

  async function remove(name: string): Promise<void> {
    const topic = await get(name);
    cache.delete(name);
    try {
      await dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: table,
                Key: { pk: { S: TOPIC_PK }, sk: { S: name } },
                ConditionExpression: 'topicId = :id',
                ExpressionAttributeValues: { ':id': { S: topic.id } },
              },
            },
            { Delete: { TableName: table, Key: { pk: { S: COLLISION_PK }, sk: { S: collisionKey(name) } } } },
            {
              Put: {
                TableName: table,
                Item: {
                  pk: { S: DELETED_PK },
                  sk: { S: topic.id },
                  name: { S: topic.name },
                  partitions: { N: String(topic.partitionCount) },
                  deletedAt: { N: String(now()) },
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new NotFoundError(`Topic "${name}" does not exist (it was deleted concurrently).`, {
          topic: name,
        });
      }
      throw error;
    }
  }

  async function deleted(): Promise<DeletedTopic[]> {
    return (await queryAll(dynamodb, table, DELETED_PK, { consistent: true })).map((item) => ({
      id: item.sk.S as string,
      name: item.name.S as string,
      partitionCount: Number(item.partitions.N),
      deletedAt: Number(item.deletedAt.N),
    }));
  }

  async function forget(topicId: string): Promise<void> {
    await dynamodb.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: DELETED_PK }, sk: { S: topicId } } }),
    );
  }

  return { create, alterConfigs, addPartitions, get, list, delete: remove, deleted, forget };
}

function toItem(topic: Topic): Record<string, AttributeValue> {
  return {
    pk: { S: TOPIC_PK },
    sk: { S: topic.name },
    topicId: { S: topic.id },
    partitions: { N: String(topic.partitionCount) },
    configs: { S: JSON.stringify(topic.configs) },
    overrides: { S: JSON.stringify(topic.configOverrides) },
    createdAt: { N: String(topic.createdAt) },
  };
}

function fromItem(item: Record<string, AttributeValue>): Topic {
  // `overrides` is absent on topics created before configs could be altered.
  const { configs, overrides } = storedConfigState(
    JSON.parse(item.configs.S as string),
    item.overrides?.S === undefined ? undefined : JSON.parse(item.overrides.S),
  );
  return {
    name: item.sk.S as string,
    id: item.topicId.S as string,
    partitionCount: Number(item.partitions.N),
    configs,
    configOverrides: overrides,
    createdAt: Number(item.createdAt.N),
  };
}

function topicNotFound(name: string): NotFoundError {
  return new NotFoundError(
    `Topic "${name}" does not exist: create it first (POST /v3/clusters/{cluster_id}/topics).`,
    { topic: name },
  );
}
