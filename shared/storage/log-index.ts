import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';

/** One committed batch of one partition: records `[baseOffset, baseOffset + count)`. */
export interface IndexEntry {
  readonly topicId: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly count: number;
  readonly segmentKey: string;
  readonly byteStart: number;
  readonly byteLength: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly appendedAt: number;
}

/** What an idempotent producer last appended to one partition. */
export interface ProducerState {
  /** Base sequence of the last appended batch. */
  readonly lastSequence: number;
  readonly lastBaseOffset: number;
  readonly lastCount: number;
  /** The sequence the next batch must start with. */
  readonly nextSequence: number;
}

/** The producer-state check written in the same transaction as the index item. */
export interface ProducerGuard {
  readonly producerId: string;
  readonly sequence: number;
  /** The state read before writing; undefined when the producer is new to this partition. */
  readonly expected: ProducerState | undefined;
}

/**
 * Every outcome of the conditional write at the head (SlateDB style):
 * - `appended`: the slot was free and is now ours;
 * - `already-appended`: the slot holds our own entry (an SDK retry of a write that had
 *   succeeded), so it counts as appended;
 * - `lost-race`: another writer took the slot; `occupant` tells where the head moved;
 * - `sequence-conflict`: the idempotent producer's state changed since it was read.
 */
export type CommitOutcome =
  | { readonly kind: 'appended' }
  | { readonly kind: 'already-appended' }
  | { readonly kind: 'lost-race'; readonly occupant: IndexEntry }
  | { readonly kind: 'sequence-conflict' };

/**
 * Every outcome of the conditional delete retention uses (the item must be unchanged):
 * - `deleted`: the item was there, unchanged, and is now gone;
 * - `already-gone`: no item at that key (another sweeper, or a retry of our own delete
 *   whose first attempt had succeeded) — the goal is reached all the same;
 * - `changed`: an item is there but points elsewhere. Items are never rewritten, so this
 *   means the caller's view is wrong; the occupant is left alone.
 */
export type DeleteOutcome =
  | { readonly kind: 'deleted' }
  | { readonly kind: 'already-gone' }
  | { readonly kind: 'changed'; readonly occupant: IndexEntry };

/** The port to the DynamoDB partition-log index (and the producer state beside it). */
export interface LogIndex {
  /** The entry holding the highest offsets, read consistently. */
  last(topicId: string, partition: number): Promise<IndexEntry | undefined>;
  /** The entry holding the lowest retained offsets. */
  first(topicId: string, partition: number): Promise<IndexEntry | undefined>;
  /** The entry with the greatest base offset ≤ `offset`. */
  floor(topicId: string, partition: number, offset: number): Promise<IndexEntry | undefined>;
  /** Up to `limit` entries with base offset ≥ `fromBaseOffset`, ascending. */
  range(topicId: string, partition: number, fromBaseOffset: number, limit: number): Promise<IndexEntry[]>;
  /** Conditionally writes `entry` at its base offset (and the producer state, when guarded). */
  commit(entry: IndexEntry, guard?: ProducerGuard): Promise<CommitOutcome>;
  producerState(producerId: string, topicId: string, partition: number): Promise<ProducerState | undefined>;
  /** Deletes `entry` only if the item at its key still points at the same section (retention). */
  delete(entry: IndexEntry): Promise<DeleteOutcome>;
  /**
   * Whether an item of the partition still points at `segmentKey`, read consistently from
   * the partition's first item. The walk stops at the first item appended after `lateAfter`
   * (the segment's append time plus the longest a commit can take): that item was committed
   * after any item of the segment could have been, so it sits after it in the chain.
   */
  holdsSegment(topicId: string, partition: number, segmentKey: string, lateAfter: number): Promise<boolean>;
}

export interface DynamoLogIndexOptions {
  readonly dynamodb: DynamoDBClient;
  /** Table of index items (pk S, sk N). */
  readonly logTable: string;
  /** Table of producer state (pk S, sk S). */
  readonly metaTable: string;
}

/**
 * The DynamoDB implementation: one item per committed batch at `pk = {topicId}#{partition}`,
 * `sk = baseOffset`, written with `attribute_not_exists(pk)`. Because every writer writes
 * only at the end of the contiguous chain, that single conditional put serialises appends.
 *
 * @example
 * const index = createDynamoLogIndex({ dynamodb, logTable: config.logTable, metaTable: config.metaTable });
 */
export function createDynamoLogIndex(options: DynamoLogIndexOptions): LogIndex {
  const { dynamodb, logTable, metaTable } = options;

  async function queryOne(
    topicId: string,
    partition: number,
    forward: boolean,
    maxOffset?: number,
  ): Promise<IndexEntry | undefined> {
    const values: Record<string, AttributeValue> = { ':pk': { S: partitionKey(topicId, partition) } };
    if (maxOffset !== undefined) values[':max'] = { N: String(maxOffset) };
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: logTable,
        KeyConditionExpression: maxOffset === undefined ? 'pk = :pk' : 'pk = :pk AND sk <= :max',
        ExpressionAttributeValues: values,
        ScanIndexForward: forward,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] ? fromItem(Items[0]) : undefined;
  }

  async function commit(entry: IndexEntry, guard?: ProducerGuard): Promise<CommitOutcome> {
    const put = {
      TableName: logTable,
      Item: toItem(entry),
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    try {
      if (!guard) {
        await dynamodb.send(new PutItemCommand(put));
      } else {
        await dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Put: put }, { Put: producerPut(entry, guard) }],
          }),
        );
      }
      return { kind: 'appended' };
    } catch (error) {
      let occupantItem: Record<string, AttributeValue> | undefined;
      if (error instanceof ConditionalCheckFailedException) {
        occupantItem = error.Item;
      } else if (error instanceof TransactionCanceledException) {
        const [indexReason, producerReason] = error.CancellationReasons ?? [];
        if (indexReason?.Code === 'ConditionalCheckFailed') occupantItem = indexReason.Item;
        else if (producerReason?.Code === 'ConditionalCheckFailed') return { kind: 'sequence-conflict' };
        else throw error;
      } else {
        throw error;
      }
      if (!occupantItem) throw error;
      const occupant = fromItem(occupantItem);
      const ours = occupant.segmentKey === entry.segmentKey && occupant.byteStart === entry.byteStart;
      return ours ? { kind: 'already-appended' } : { kind: 'lost-race', occupant };
    }
  }

  function producerPut(entry: IndexEntry, guard: ProducerGuard) {
    const state: ProducerState = {
      lastSequence: guard.sequence,
      lastBaseOffset: entry.baseOffset,
      lastCount: entry.count,
      nextSequence: guard.sequence + entry.count,
    };
    return {
      TableName: metaTable,
      Item: {
        pk: { S: producerKey(guard.producerId) },
        sk: { S: partitionKey(entry.topicId, entry.partition) },
        lastSequence: { N: String(state.lastSequence) },
        lastBaseOffset: { N: String(state.lastBaseOffset) },
        lastCount: { N: String(state.lastCount) },
        nextSequence: { N: String(state.nextSequence) },
      },
      ...(guard.expected
        ? {
            ConditionExpression: 'nextSequence = :expected',
            ExpressionAttributeValues: { ':expected': { N: String(guard.expected.nextSequence) } },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    };
  }

  async function remove(entry: IndexEntry): Promise<DeleteOutcome> {
    try {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: logTable,
          Key: {
            pk: { S: partitionKey(entry.topicId, entry.partition) },
            sk: { N: String(entry.baseOffset) },
          },
          // A missing attribute fails the comparison, so an absent item fails the condition too.
          ConditionExpression: 'seg = :seg AND #start = :start',
          ExpressionAttributeNames: { '#start': 'start' },
          ExpressionAttributeValues: {
            ':seg': { S: entry.segmentKey },
            ':start': { N: String(entry.byteStart) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'deleted' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? { kind: 'changed', occupant: fromItem(error.Item) } : { kind: 'already-gone' };
    }
  }

  async function holdsSegment(
    topicId: string,
    partition: number,
    segmentKey: string,
    lateAfter: number,
  ): Promise<boolean> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      // The filter returns the segment's item or the first "late" item, whichever comes
      // first; either answers the question, so one returned item ends the walk.
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: logTable,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'seg = :seg OR #at > :late',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':pk': { S: partitionKey(topicId, partition) },
            ':seg': { S: segmentKey },
            ':late': { N: String(lateAfter) },
          },
          Limit: 100,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      const found = page.Items?.[0];
      if (found) return found.seg.S === segmentKey;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return false;
  }

  return {
    delete: remove,
    holdsSegment,
    last: (topicId, partition) => queryOne(topicId, partition, false),
    first: (topicId, partition) => queryOne(topicId, partition, true),
    floor: (topicId, partition, offset) => queryOne(topicId, partition, false, offset),
    async range(topicId, partition, fromBaseOffset, limit) {
      const { Items } = await dynamodb.send(
        new QueryCommand({
          TableName: logTable,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: {
            ':pk': { S: partitionKey(topicId, partition) },
            ':from': { N: String(fromBaseOffset) },
          },
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return (Items ?? []).map(fromItem);
    },
    commit,
    async producerState(producerId, topicId, partition) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: metaTable,
          Key: { pk: { S: producerKey(producerId) }, sk: { S: partitionKey(topicId, partition) } },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        lastSequence: Number(Item.lastSequence.N),
        lastBaseOffset: Number(Item.lastBaseOffset.N),
        lastCount: Number(Item.lastCount.N),
        nextSequence: Number(Item.nextSequence.N),
      };
    },
  };
}

/** Partition key of a partition's index items: `{topicId}#{partition}`. */
export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}#${partition}`;
}

function producerKey(producerId: string): string {
  return `producer#${producerId}`;
}

function toItem(entry: IndexEntry): Record<string, AttributeValue> {
  return {
    pk: { S: partitionKey(entry.topicId, entry.partition) },
    sk: { N: String(entry.baseOffset) },
    n: { N: String(entry.count) },
    seg: { S: entry.segmentKey },
    start: { N: String(entry.byteStart) },
    len: { N: String(entry.byteLength) },
    fts: { N: String(entry.firstTimestamp) },
    mts: { N: String(entry.maxTimestamp) },
    at: { N: String(entry.appendedAt) },
  };
}

function fromItem(item: Record<string, AttributeValue>): IndexEntry {
  const pk = item.pk.S as string;
  const cut = pk.lastIndexOf('#');
  return {
    topicId: pk.slice(0, cut),
    partition: Number(pk.slice(cut + 1)),
    baseOffset: Number(item.sk.N),
    count: Number(item.n.N),
    segmentKey: item.seg.S as string,
    byteStart: Number(item.start.N),
    byteLength: Number(item.len.N),
    firstTimestamp: Number(item.fts.N),
    maxTimestamp: Number(item.mts.N),
    appendedAt: Number(item.at.N),
  };
}
