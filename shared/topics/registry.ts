import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { AlreadyExistsError, InvalidRequestError, NotFoundError } from '../errors';
import { queryAll } from '../storage/query-all';
import { META_PARTITION_KEYS } from '../storage/schema';
import { parseTopicConfigs, type TopicConfigs } from './configs';
import { collisionKey, isLegalTopicName, validateTopicName } from './names';

/** A topic as the core sees it. `id` is fresh per creation, so a re-created topic never sees old data. */
export interface Topic {
  readonly name: string;
  readonly id: string;
  readonly partitionCount: number;
  readonly configs: TopicConfigs;
  readonly createdAt: number;
}

export interface CreateTopicInput {
  readonly name: string;
  /** @default 1 (Kafka's num.partitions) */
  readonly partitionCount?: number;
  readonly configs?: readonly { name: string; value: string | null }[];
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
  create(input: CreateTopicInput): Promise<Topic>;
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
    const topic: Topic = {
      name: input.name,
      id: randomBytes(8).toString('hex'),
      partitionCount,
      configs: parseTopicConfigs(input.configs ?? []),
      createdAt: now(),
    };
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

  async function get(name: string): Promise<Topic> {
    const cached = cache.get(name);
    if (cached && cached.until > now()) return cached.topic;
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
    const topic = fromItem(Item);
    cache.set(name, { topic, until: now() + ttl });
    return topic;
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

  return { create, get, list, delete: remove, deleted, forget };
}

function toItem(topic: Topic): Record<string, AttributeValue> {
  return {
    pk: { S: TOPIC_PK },
    sk: { S: topic.name },
    topicId: { S: topic.id },
    partitions: { N: String(topic.partitionCount) },
    configs: { S: JSON.stringify(topic.configs) },
    createdAt: { N: String(topic.createdAt) },
  };
}

function fromItem(item: Record<string, AttributeValue>): Topic {
  return {
    name: item.sk.S as string,
    id: item.topicId.S as string,
    partitionCount: Number(item.partitions.N),
    configs: JSON.parse(item.configs.S as string) as TopicConfigs,
    createdAt: Number(item.createdAt.N),
  };
}

function topicNotFound(name: string): NotFoundError {
  return new NotFoundError(
    `Topic "${name}" does not exist: create it first (POST /v3/clusters/{cluster_id}/topics).`,
    { topic: name },
  );
}
