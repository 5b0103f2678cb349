/**
 * The topic registry's storage port: topic items in the meta table (`pk='topic', sk=<name>`),
 * each guarded by a second item keyed by its collision key and written in the same
 * transaction, so two concurrent creations of `a.b` and `a_b` cannot both succeed; plus one
 * item per deleted topic whose data still waits for the sweeper. Every conditional write
 * answers with a typed outcome; the registry (`shared/topics/registry.ts`) holds the rules.
 */
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
import { queryAll } from './query-all';
import { META_PARTITION_KEYS } from './schema';

/** A topic as stored: its configs and overrides as the JSON texts written. */
export interface TopicRecord {
  readonly name: string;
  readonly id: string;
  readonly partitionCount: number;
  readonly configs: string;
  /** Absent on topics created before configs could be altered. */
  readonly overrides?: string;
  readonly createdAt: number;
  /** Slots may carry TTLs from a lower retention than the current one (`xfr`, `xfs`). */
  readonly expiryFloor?: ExpiryFloor;
}

/**
 * The lowest `retention.ms` that slots of the topic may still carry a TTL from, when that is
 * lower than what the current `retention.ms` needs (it was raised, or set to -1), and when the
 * change was made. Retention's sweeper moves those TTLs later, then drops the record.
 */
export interface ExpiryFloor {
  readonly retentionMs: number;
  /** When the `retention.ms` change that left this floor was written. */
  readonly since: number;
}

/** What is left of a deleted topic until its data is purged. */
export interface DeletedTopicRecord {
  readonly id: string;
  readonly name: string;
  readonly partitionCount: number;
  readonly deletedAt: number;
}

/** Whether a name can be taken: free, taken by the topic itself, or by one it collides with. */
export type NameClaim = 'free' | 'exists' | { readonly collidesWith: string };

/** The storage port of the topic registry. */
export interface TopicStore {
  /** Writes the topic and its collision guard, both only if absent. */
  create(record: TopicRecord, collisionKey: string): Promise<NameClaim>;
  /** Reads (consistently) whether the name or its collision key is taken. */
  nameClaim(name: string, collisionKey: string): Promise<NameClaim>;
  /** The topic's record, read consistently. */
  read(name: string): Promise<TopicRecord | undefined>;
  /**
   * Replaces the configs and the expiry floor (none: removed) if the topic is still `seen`
   * (same id, configs and overrides); `changed` otherwise.
   */
  replaceConfigs(
    seen: TopicRecord,
    configs: string,
    overrides: string,
    expiryFloor: ExpiryFloor | undefined,
  ): Promise<'replaced' | 'changed'>;
  /** Drops the topic's expiry floor if it is still `seen` (same topic id, same floor). */
  clearExpiryFloor(name: string, topicId: string, seen: ExpiryFloor): Promise<'cleared' | 'changed'>;
  /** Sets the partition count if the topic is still `seen` (same id and count); `changed` otherwise. */
  raisePartitions(seen: TopicRecord, partitionCount: number): Promise<'raised' | 'changed'>;
  list(): Promise<TopicRecord[]>;
  /** Deletes the topic if it is still `record` (same id) with its guard, and records it as deleted. */
  remove(record: TopicRecord, collisionKey: string, deletedAt: number): Promise<'deleted' | 'gone'>;
  deleted(): Promise<DeletedTopicRecord[]>;
  /** Drops the record of a deleted topic. */
  forget(topicId: string): Promise<void>;
}

export interface DynamoTopicStoreOptions {
  readonly dynamodb: DynamoDBClient;
  /** The meta table. */
  readonly table: string;
}

const TOPIC_PK = META_PARTITION_KEYS.topic;
/** One item per deleted topic whose data still waits for the sweeper: `sk = topicId`. */
const DELETED_PK = META_PARTITION_KEYS.deletedTopic;
const COLLISION_PK = 'topic-collision';

/**
 * The topic store on DynamoDB.
 *
 * @example
 * const store = createDynamoTopicStore({ dynamodb, table: config.metaTable });
 * await store.read('orders');
 */
export function createDynamoTopicStore(options: DynamoTopicStoreOptions): TopicStore {
  const { dynamodb, table } = options;
  const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
  const read = async (pk: string, sk: string) =>
    (await dynamodb.send(new GetItemCommand({ TableName: table, Key: key(pk, sk), ConsistentRead: true })))
      .Item;

  return {
    async create(record, collisionKey) {
      try {
        await dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table,
                  Item: toItem(record),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: table,
                  Item: { ...key(COLLISION_PK, collisionKey), topic: { S: record.name } },
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        );
        return 'free';
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const [exists, collides] = error.CancellationReasons ?? [];
          if (exists?.Code === 'ConditionalCheckFailed') return 'exists';
          if (collides?.Code === 'ConditionalCheckFailed') {
            return { collidesWith: collides.Item?.topic?.S ?? 'another topic' };
          }
        }
        throw error;
      }
    },

    async nameClaim(name, collisionKey) {
      const [exists, collides] = await Promise.all([read(TOPIC_PK, name), read(COLLISION_PK, collisionKey)]);
      if (exists) return 'exists';
      if (collides) return { collidesWith: collides.topic?.S ?? 'another topic' };
      return 'free';
    },

    async read(name) {
      const item = await read(TOPIC_PK, name);
      return item ? fromItem(item) : undefined;
    },

    async replaceConfigs(seen, configs, overrides, expiryFloor) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(TOPIC_PK, seen.name),
            UpdateExpression: `SET configs = :configs, overrides = :overrides${
              expiryFloor ? ', xfr = :xfr, xfs = :xfs' : ' REMOVE xfr, xfs'
            }`,
            // Both attributes as read: a change may alter only the overrides (a config set
            // to its default value), and must not be lost either.
            ConditionExpression: `topicId = :id AND configs = :seen AND ${
              seen.overrides === undefined ? 'attribute_not_exists(overrides)' : 'overrides = :seenOverrides'
            }`,
            ExpressionAttributeValues: {
              ':configs': { S: configs },
              ':overrides': { S: overrides },
              ':id': { S: seen.id },
              ':seen': { S: seen.configs },
              ...(seen.overrides !== undefined && { ':seenOverrides': { S: seen.overrides } }),
              ...(expiryFloor && {
                ':xfr': { N: String(expiryFloor.retentionMs) },
                ':xfs': { N: String(expiryFloor.since) },
              }),
            },
          }),
        );
        return 'replaced';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'changed';
        throw error;
      }
    },

    async clearExpiryFloor(name, topicId, seen) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(TOPIC_PK, name),
            UpdateExpression: 'REMOVE xfr, xfs',
            ConditionExpression: 'topicId = :id AND xfr = :xfr AND xfs = :xfs',
            ExpressionAttributeValues: {
              ':id': { S: topicId },
              ':xfr': { N: String(seen.retentionMs) },
              ':xfs': { N: String(seen.since) },
            },
          }),
        );
        return 'cleared';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'changed';
        throw error;
      }
    },

    async raisePartitions(seen, partitionCount) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(TOPIC_PK, seen.name),
            // `partitions` is a DynamoDB reserved word.
            UpdateExpression: 'SET #partitions = :count',
            ConditionExpression: 'topicId = :id AND #partitions = :seen',
            ExpressionAttributeNames: { '#partitions': 'partitions' },
            ExpressionAttributeValues: {
              ':count': { N: String(partitionCount) },
              ':id': { S: seen.id },
              ':seen': { N: String(seen.partitionCount) },
            },
          }),
        );
        return 'raised';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'changed';
        throw error;
      }
    },

    async list() {
      return (await queryAll(dynamodb, table, TOPIC_PK, { consistent: true })).map(fromItem);
    },

    async remove(record, collisionKey, deletedAt) {
      try {
        await dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: table,
                  Key: key(TOPIC_PK, record.name),
                  ConditionExpression: 'topicId = :id',
                  ExpressionAttributeValues: { ':id': { S: record.id } },
                },
              },
              { Delete: { TableName: table, Key: key(COLLISION_PK, collisionKey) } },
              {
                Put: {
                  TableName: table,
                  Item: {
                    ...key(DELETED_PK, record.id),
                    name: { S: record.name },
                    partitions: { N: String(record.partitionCount) },
                    deletedAt: { N: String(deletedAt) },
                  },
                },
              },
            ],
          }),
        );
        return 'deleted';
      } catch (error) {
        if (error instanceof TransactionCanceledException) return 'gone';
        throw error;
      }
    },

    async deleted() {
      return (await queryAll(dynamodb, table, DELETED_PK, { consistent: true })).map((item) => ({
        id: item.sk.S as string,
        name: item.name.S as string,
        partitionCount: Number(item.partitions.N),
        deletedAt: Number(item.deletedAt.N),
      }));
    },

    async forget(topicId) {
      await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key(DELETED_PK, topicId) }));
    },
  };
}

function toItem(record: TopicRecord): Record<string, AttributeValue> {
  return {
    pk: { S: TOPIC_PK },
    sk: { S: record.name },
    topicId: { S: record.id },
    partitions: { N: String(record.partitionCount) },
    configs: { S: record.configs },
    ...(record.overrides !== undefined && { overrides: { S: record.overrides } }),
    createdAt: { N: String(record.createdAt) },
    ...(record.expiryFloor && {
      xfr: { N: String(record.expiryFloor.retentionMs) },
      xfs: { N: String(record.expiryFloor.since) },
    }),
  };
}

function fromItem(item: Record<string, AttributeValue>): TopicRecord {
  return {
    name: item.sk.S as string,
    id: item.topicId.S as string,
    partitionCount: Number(item.partitions.N),
    configs: item.configs.S as string,
    ...(item.overrides?.S !== undefined && { overrides: item.overrides.S }),
    createdAt: Number(item.createdAt.N),
    ...(item.xfr?.N !== undefined &&
      item.xfs?.N !== undefined && {
        expiryFloor: { retentionMs: Number(item.xfr.N), since: Number(item.xfs.N) },
      }),
  };
}
