import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { queryAll } from '../storage/query-all';
import { META_TABLE_TTL_ATTRIBUTE } from '../storage/schema';
import type {
  ConsumerInstanceRecord,
  GroupSnapshot,
  LeaseClaim,
  LeaseRecord,
  MemberRecord,
  OffsetReset,
  PollerMarker,
  StartingPosition,
} from './types';

/**
 * Every outcome of the conditional write that takes a lease:
 * - `acquired`: the lease was free (never taken, released, or expired) and is now ours,
 *   with a new epoch; `previousOwner` names the member it was taken over from, if any;
 * - `lost-race`: between our read and our write someone else acquired, renewed or
 *   released it; `current` is what the table holds now.
 */
export type AcquireOutcome =
  | { readonly kind: 'acquired'; readonly lease: LeaseRecord; readonly previousOwner?: string }
  | { readonly kind: 'lost-race'; readonly current?: LeaseRecord };

/**
 * Outcomes of a write conditional on `owner = me AND epoch = e` (renew, commit, release):
 * the write happened, or the claim is stale — the lease changed hands — and it is `fenced`.
 */
export type RenewOutcome = 'renewed' | 'fenced';
export type OffsetCommitOutcome = 'committed' | 'fenced';
export type ReleaseOutcome = 'released' | 'fenced';

/**
 * Outcome of an administrative write on a lease (an offset reset, a group delete): `done`, or
 * `held` when a live member holds the lease — or it changed since it was read.
 */
export type AdminLeaseOutcome = 'done' | 'held';

/** An offset reset of one partition, written only while no live member holds it. */
export interface OffsetResetRequest {
  /** The item as read (undefined: no item yet). The write is conditional on it. */
  readonly seen: LeaseRecord | undefined;
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly offset: number;
  /** A lease whose expiry is below this counts as expired (now minus the skew tolerance). */
  readonly expiredBefore: number;
}

/** A consumer instance's save: `saved`, or `changed` when another request saved it (or deleted it) since it was read. */
export type InstanceSaveOutcome = 'saved' | 'changed';

/** A member's heartbeat write: `renewed`, or `unknown` when the item is gone or expired. */
export type MemberRenewOutcome = 'renewed' | 'unknown';

/** The wake marker's claim: `claimed`, or `already-running` with the live marker. */
export type MarkerClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'already-running'; readonly marker?: PollerMarker };

/** What a lease acquisition writes. */
export interface AcquireRequest {
  /** The item as read (undefined: no item yet). The write is conditional on it. */
  readonly seen: LeaseRecord | undefined;
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly owner: string;
  readonly expiresAt: number;
  /** A lease whose expiry is below this counts as expired (now minus the skew tolerance). */
  readonly expiredBefore: number;
  /** The offset to start from, written with the acquisition so every later owner agrees. */
  readonly committed: number;
}

/**
 * The port to the meta table's consumer-group items. Every item of a group shares the
 * partition key `group#{group}`, so one query reads the whole group — no scans, ever:
 * - `lease#{topic}#{partition}` — owner, expiry, epoch, committed offset;
 * - `member#{memberId}` — topics, heartbeat expiry, session length, start policy;
 * - `poller` — the "a poller is running" marker of wake-on-produce;
 * - `instance#{instanceId}` — a Confluent v2 consumer instance (`ConsumerInstanceRecord`).
 * Group names are listed under `pk = 'consumer-groups'`.
 */
export interface GroupStore {
  snapshot(group: string): Promise<GroupSnapshot>;
  registerGroup(group: string, now: number): Promise<void>;
  groupExists(group: string): Promise<boolean>;
  listGroups(): Promise<string[]>;
  putMember(group: string, member: MemberRecord): Promise<void>;
  /** One member item, read consistently (undefined when there is none). */
  member(group: string, memberId: string): Promise<MemberRecord | undefined>;
  renewMember(group: string, memberId: string, expiresAt: number, now: number): Promise<MemberRenewOutcome>;
  /** Deletes a member item; with `ifExpiresAt`, only if it was not renewed meanwhile. */
  removeMember(group: string, memberId: string, ifExpiresAt?: number): Promise<void>;
  acquire(group: string, request: AcquireRequest): Promise<AcquireOutcome>;
  renew(group: string, claim: LeaseClaim, expiresAt: number): Promise<RenewOutcome>;
  /** Moves the committed offset; with `extendTo`, the same write renews the lease. */
  commit(group: string, claim: LeaseClaim, offset: number, extendTo?: number): Promise<OffsetCommitOutcome>;
  /**
   * Gives the lease back (its epoch moves on); with `offset`, the same write commits it, so a
   * short-lived holder (the stream trigger) pays one write for its last commit and its release.
   */
  release(group: string, claim: LeaseClaim, offset?: number): Promise<ReleaseOutcome>;
  /**
   * Sets a free (or expired) lease's committed offset, moving its epoch on so an expired
   * owner's late commit is fenced. `held` while a live member holds it.
   */
  resetOffset(group: string, request: OffsetResetRequest): Promise<AdminLeaseOutcome>;
  /** Deletes a free (or expired) lease, offset and all; `held` while a live member holds it. */
  deleteLease(group: string, seen: LeaseRecord, expiredBefore: number): Promise<AdminLeaseOutcome>;
  /** Removes the group from the list of groups. */
  unregisterGroup(group: string): Promise<void>;
  readMarker(group: string): Promise<PollerMarker | undefined>;
  /** Claims the marker if it is absent, expired, or held by `takeoverFrom` (a waker's token). */
  claimMarker(
    group: string,
    owner: string,
    expiresAt: number,
    now: number,
    takeoverFrom?: string,
  ): Promise<MarkerClaimOutcome>;
  refreshMarker(group: string, owner: string, expiresAt: number): Promise<void>;
  clearMarker(group: string, owner: string): Promise<void>;
  /** One v2 consumer instance, read consistently (undefined when there is none). */
  instance(group: string, instanceId: string): Promise<ConsumerInstanceRecord | undefined>;
  /** Writes a new instance (its `version` as given); `changed` when one of that name exists. */
  createInstance(instance: ConsumerInstanceRecord): Promise<InstanceSaveOutcome>;
  /** Writes the instance if its stored version is `instance.version - 1`. */
  saveInstance(instance: ConsumerInstanceRecord): Promise<InstanceSaveOutcome>;
  removeInstance(group: string, instanceId: string): Promise<void>;
}

export interface DynamoGroupStoreOptions {
  readonly dynamodb: DynamoDBClient;
  /** The meta table (pk S, sk S). */
  readonly table: string;
}

const GROUPS_PK = 'consumer-groups';
const MARKER_SK = 'poller';
const NAMES = {
  '#owner': 'owner',
  '#exp': 'expiresAt',
  '#epoch': 'epoch',
  '#off': 'committed',
};
/** Which topic incarnation the group last committed on: absent while `committed` is only a start position. */
const COMMIT_NAMES = { '#ctid': 'commitTopicId', '#tid': 'topicId' };
/** The lease is free, or its owner's expiry is past the cutoff: the acquire condition. */
const FREE_SINCE_SEEN = '#epoch = :seen AND (attribute_not_exists(#owner) OR #exp < :cutoff)';

/**
 * The DynamoDB implementation of {@link GroupStore}: every lease change is one conditional
 * UpdateItem, so no transaction is ever needed.
 *
 * @example
 * const store = createDynamoGroupStore({ dynamodb, table: config.metaTable });
 * const { leases, members } = await store.snapshot('billing');
 */
export function createDynamoGroupStore(options: DynamoGroupStoreOptions): GroupStore {
  const { dynamodb, table } = options;

  async function conditional<T>(write: () => Promise<unknown>, ok: T, failed: T): Promise<T> {
    try {
      await write();
      return ok;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return failed;
      throw error;
    }
  }

  function claimed(group: string, claim: LeaseClaim) {
    return {
      TableName: table,
      Key: leaseKey(group, claim.topic, claim.partition),
      ConditionExpression: '#owner = :me AND #epoch = :epoch',
    };
  }

  const claimValues = (claim: LeaseClaim): Record<string, AttributeValue> => ({
    ':me': { S: claim.owner },
    ':epoch': { N: String(claim.epoch) },
  });

  return {
    async snapshot(group) {
      const leases: LeaseRecord[] = [];
      const members: MemberRecord[] = [];
      let marker: PollerMarker | undefined;
      for (const item of await queryAll(dynamodb, table, groupKey(group), { consistent: true })) {
        const sk = item.sk.S ?? '';
        if (sk.startsWith('lease#')) leases.push(leaseFromItem(item));
        else if (sk.startsWith('member#')) members.push(memberFromItem(item));
        else if (sk === MARKER_SK) marker = markerFromItem(item);
      }
      return { leases, members, marker };
    },

    async registerGroup(group, now) {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: GROUPS_PK }, sk: { S: group } },
          UpdateExpression: 'SET #at = if_not_exists(#at, :now)',
          ExpressionAttributeNames: { '#at': 'createdAt' },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    },

    async groupExists(group) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: GROUPS_PK }, sk: { S: group } } }),
      );
      return Item !== undefined;
    },

    async listGroups() {
      return (await queryAll(dynamodb, table, GROUPS_PK)).map((item) => item.sk.S as string);
    },

    async putMember(group, member) {
      await dynamodb.send(new PutItemCommand({ TableName: table, Item: memberToItem(group, member) }));
    },

    async member(group, memberId) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: table, Key: memberKey(group, memberId), ConsistentRead: true }),
      );
      return Item ? memberFromItem(Item) : undefined;
    },

    renewMember(group, memberId, expiresAt, now) {
      return conditional<MemberRenewOutcome>(
        () =>
          dynamodb.send(
            new UpdateItemCommand({
              TableName: table,
              Key: memberKey(group, memberId),
              UpdateExpression: 'SET #exp = :exp',
              ConditionExpression: 'attribute_exists(pk) AND #exp > :now',
              ExpressionAttributeNames: { '#exp': NAMES['#exp'] },
              ExpressionAttributeValues: { ':exp': { N: String(expiresAt) }, ':now': { N: String(now) } },
            }),
          ),
        'renewed',
        'unknown',
      );
    },

    async removeMember(group, memberId, ifExpiresAt) {
      await conditional(
        () =>
          dynamodb.send(
            new DeleteItemCommand({
              TableName: table,
              Key: memberKey(group, memberId),
              ...(ifExpiresAt === undefined
                ? {}
                : {
                    ConditionExpression: '#exp = :exp',
                    ExpressionAttributeNames: { '#exp': NAMES['#exp'] },
                    ExpressionAttributeValues: { ':exp': { N: String(ifExpiresAt) } },
                  }),
            }),
          ),
        true,
        false,
      );
    },

    async acquire(group, request) {
      const { seen } = request;
      const epoch = (seen?.epoch ?? 0) + 1;
      const values: Record<string, AttributeValue> = {
        ':t': { S: request.topic },
        ':p': { N: String(request.partition) },
        ':tid': { S: request.topicId },
        ':me': { S: request.owner },
        ':exp': { N: String(request.expiresAt) },
        ':next': { N: String(epoch) },
        ':off': { N: String(request.committed) },
      };
      if (seen) {
        values[':seen'] = { N: String(seen.epoch) };
        values[':cutoff'] = { N: String(request.expiredBefore) };
      }
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: leaseKey(group, request.topic, request.partition),
            UpdateExpression:
              'SET #topic = :t, #part = :p, #tid = :tid, #owner = :me, #exp = :exp, #epoch = :next, #off = :off',
            // Re-checked at write time against the stored item: a renewal after our read
            // makes the lease live again and the write fails, so a live lease is never stolen.
            ConditionExpression: seen
              ? '#epoch = :seen AND (attribute_not_exists(#owner) OR #exp < :cutoff)'
              : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: {
              ...NAMES,
              '#topic': 'topic',
              '#part': 'partition',
              '#tid': 'topicId',
            },
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return { kind: 'lost-race', current: error.Item ? leaseFromItem(error.Item) : undefined };
        }
        throw error;
      }
      const lease: LeaseRecord = {
        topic: request.topic,
        partition: request.partition,
        topicId: request.topicId,
        owner: request.owner,
        expiresAt: request.expiresAt,
        epoch,
        committed: request.committed,
      };
      return { kind: 'acquired', lease, previousOwner: seen?.owner };
    },

    renew(group, claim, expiresAt) {
      return conditional<RenewOutcome>(
        () =>
          dynamodb.send(
            new UpdateItemCommand({
              ...claimed(group, claim),
              UpdateExpression: 'SET #exp = :exp',
              ExpressionAttributeNames: {
                '#owner': NAMES['#owner'],
                '#epoch': NAMES['#epoch'],
                '#exp': NAMES['#exp'],
              },
              ExpressionAttributeValues: { ...claimValues(claim), ':exp': { N: String(expiresAt) } },
            }),
          ),
        'renewed',
        'fenced',
      );
    },

    commit(group, claim, offset, extendTo) {
      return conditional<OffsetCommitOutcome>(
        () =>
          dynamodb.send(
            new UpdateItemCommand({
              ...claimed(group, claim),
              // The commit marks the incarnation it was made on, so lag can tell a committed
              // offset from a start position an acquisition wrote.
              UpdateExpression:
                'SET #off = :off, #ctid = if_not_exists(#tid, :none)' +
                (extendTo === undefined ? '' : ', #exp = :exp'),
              ExpressionAttributeNames:
                extendTo === undefined
                  ? {
                      '#owner': NAMES['#owner'],
                      '#epoch': NAMES['#epoch'],
                      '#off': NAMES['#off'],
                      ...COMMIT_NAMES,
                    }
                  : { ...NAMES, ...COMMIT_NAMES },
              ExpressionAttributeValues: {
                ...claimValues(claim),
                ':off': { N: String(offset) },
                ':none': { S: '' },
                ...(extendTo === undefined ? {} : { ':exp': { N: String(extendTo) } }),
              },
            }),
          ),
        'committed',
        'fenced',
      );
    },

    release(group, claim, offset) {
      return conditional<ReleaseOutcome>(
        () =>
          dynamodb.send(
            new UpdateItemCommand({
              ...claimed(group, claim),
              // The epoch moves on release too, so a claim taken before it can never match again.
              UpdateExpression:
                'SET #epoch = :next, #exp = :zero' +
                (offset === undefined ? '' : ', #off = :off, #ctid = if_not_exists(#tid, :none)') +
                ' REMOVE #owner',
              ExpressionAttributeNames: {
                '#owner': NAMES['#owner'],
                '#epoch': NAMES['#epoch'],
                '#exp': NAMES['#exp'],
                ...(offset === undefined ? {} : { '#off': NAMES['#off'], ...COMMIT_NAMES }),
              },
              ExpressionAttributeValues: {
                ...claimValues(claim),
                ':next': { N: String(claim.epoch + 1) },
                ':zero': { N: '0' },
                ...(offset === undefined ? {} : { ':off': { N: String(offset) }, ':none': { S: '' } }),
              },
            }),
          ),
        'released',
        'fenced',
      );
    },

    resetOffset(group, request) {
      const { seen } = request;
      const values: Record<string, AttributeValue> = {
        ':t': { S: request.topic },
        ':p': { N: String(request.partition) },
        ':tid': { S: request.topicId },
        ':off': { N: String(request.offset) },
        ':zero': { N: '0' },
        ':next': { N: String(seen === undefined ? 0 : seen.epoch + 1) },
      };
      if (seen) {
        values[':seen'] = { N: String(seen.epoch) };
        values[':cutoff'] = { N: String(request.expiredBefore) };
      }
      return conditional<AdminLeaseOutcome>(
        () =>
          dynamodb.send(
            new UpdateItemCommand({
              TableName: table,
              Key: leaseKey(group, request.topic, request.partition),
              UpdateExpression:
                'SET #topic = :t, #part = :p, #tid = :tid, #ctid = :tid, #off = :off, #epoch = :next, #exp = :zero REMOVE #owner',
              ConditionExpression: seen ? FREE_SINCE_SEEN : 'attribute_not_exists(pk)',
              ExpressionAttributeNames: {
                ...NAMES,
                ...COMMIT_NAMES,
                '#topic': 'topic',
                '#part': 'partition',
              },
              ExpressionAttributeValues: values,
            }),
          ),
        'done',
        'held',
      );
    },

    deleteLease(group, seen, expiredBefore) {
      return conditional<AdminLeaseOutcome>(
        () =>
          dynamodb.send(
            new DeleteItemCommand({
              TableName: table,
              Key: leaseKey(group, seen.topic, seen.partition),
              ConditionExpression: FREE_SINCE_SEEN,
              ExpressionAttributeNames: {
                '#epoch': NAMES['#epoch'],
                '#owner': NAMES['#owner'],
                '#exp': NAMES['#exp'],
              },
              ExpressionAttributeValues: {
                ':seen': { N: String(seen.epoch) },
                ':cutoff': { N: String(expiredBefore) },
              },
            }),
          ),
        'done',
        'held',
      );
    },

    async unregisterGroup(group) {
      await dynamodb.send(
        new DeleteItemCommand({ TableName: table, Key: { pk: { S: GROUPS_PK }, sk: { S: group } } }),
      );
    },

    async readMarker(group) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: groupKey(group) }, sk: { S: MARKER_SK } } }),
      );
      return Item ? markerFromItem(Item) : undefined;
    },

    async claimMarker(group, owner, expiresAt, now, takeoverFrom) {
      const values: Record<string, AttributeValue> = {
        ':me': { S: owner },
        ':exp': { N: String(expiresAt) },
        ':now': { N: String(now) },
      };
      if (takeoverFrom !== undefined) values[':from'] = { S: takeoverFrom };
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: groupKey(group) }, sk: { S: MARKER_SK } },
            UpdateExpression: 'SET #owner = :me, #exp = :exp',
            ConditionExpression:
              'attribute_not_exists(pk) OR #exp <= :now' +
              (takeoverFrom === undefined ? '' : ' OR #owner = :from'),
            ExpressionAttributeNames: { '#owner': NAMES['#owner'], '#exp': NAMES['#exp'] },
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'claimed' };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return { kind: 'already-running', marker: error.Item ? markerFromItem(error.Item) : undefined };
        }
        throw error;
      }
    },

    async refreshMarker(group, owner, expiresAt) {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: groupKey(group) }, sk: { S: MARKER_SK } },
          UpdateExpression: 'SET #owner = :me, #exp = :exp',
          ExpressionAttributeNames: { '#owner': NAMES['#owner'], '#exp': NAMES['#exp'] },
          ExpressionAttributeValues: { ':me': { S: owner }, ':exp': { N: String(expiresAt) } },
        }),
      );
    },

    async instance(group, instanceId) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: table, Key: instanceKey(group, instanceId), ConsistentRead: true }),
      );
      return Item ? instanceFromItem(group, instanceId, Item) : undefined;
    },

    createInstance(instance) {
      return conditional<InstanceSaveOutcome>(
        () =>
          dynamodb.send(
            new PutItemCommand({
              TableName: table,
              Item: instanceToItem(instance),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        'saved',
        'changed',
      );
    },

    saveInstance(instance) {
      return conditional<InstanceSaveOutcome>(
        () =>
          dynamodb.send(
            new PutItemCommand({
              TableName: table,
              Item: instanceToItem(instance),
              ConditionExpression: '#v = :read',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':read': { N: String(instance.version - 1) } },
            }),
          ),
        'saved',
        'changed',
      );
    },

    async removeInstance(group, instanceId) {
      await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: instanceKey(group, instanceId) }));
    },

    async clearMarker(group, owner) {
      await conditional(
        () =>
          dynamodb.send(
            new DeleteItemCommand({
              TableName: table,
              Key: { pk: { S: groupKey(group) }, sk: { S: MARKER_SK } },
              ConditionExpression: '#owner = :me',
              ExpressionAttributeNames: { '#owner': NAMES['#owner'] },
              ExpressionAttributeValues: { ':me': { S: owner } },
            }),
          ),
        true,
        false,
      );
    },
  };
}

function groupKey(group: string): string {
  return `group#${group}`;
}

function leaseKey(group: string, topic: string, partition: number): Record<string, AttributeValue> {
  return { pk: { S: groupKey(group) }, sk: { S: `lease#${topic}#${partition}` } };
}

function memberKey(group: string, memberId: string): Record<string, AttributeValue> {
  return { pk: { S: groupKey(group) }, sk: { S: `member#${memberId}` } };
}

function instanceKey(group: string, instanceId: string): Record<string, AttributeValue> {
  return { pk: { S: groupKey(group) }, sk: { S: `instance#${instanceId}` } };
}

/** The instance's settings and positions as one JSON attribute: they are always read and written whole. */
function instanceToItem(instance: ConsumerInstanceRecord): Record<string, AttributeValue> {
  const { group, instanceId, version, expiresAt, ...state } = instance;
  return {
    ...instanceKey(group, instanceId),
    version: { N: String(version) },
    expiresAt: { N: String(expiresAt) },
    // The table's TTL deletes an instance nobody came back for (a request past its expiry
    // only answers 40403, and writes nothing).
    [META_TABLE_TTL_ATTRIBUTE]: { N: String(Math.ceil(expiresAt / 1000)) },
    state: { S: JSON.stringify(state) },
  };
}

function instanceFromItem(
  group: string,
  instanceId: string,
  item: Record<string, AttributeValue>,
): ConsumerInstanceRecord {
  const state = JSON.parse(item.state.S as string) as Omit<
    ConsumerInstanceRecord,
    'group' | 'instanceId' | 'version' | 'expiresAt'
  >;
  return {
    ...state,
    group,
    instanceId,
    version: Number(item.version.N),
    expiresAt: Number(item.expiresAt.N),
  };
}

function leaseFromItem(item: Record<string, AttributeValue>): LeaseRecord {
  return {
    topic: item.topic.S as string,
    partition: Number(item.partition.N),
    topicId: item.topicId?.S,
    owner: item.owner?.S,
    expiresAt: Number(item.expiresAt?.N ?? 0),
    epoch: Number(item.epoch?.N ?? 0),
    committed: item.committed?.N === undefined ? undefined : Number(item.committed.N),
    commitTopicId: item.commitTopicId?.S,
  };
}

function memberToItem(group: string, member: MemberRecord): Record<string, AttributeValue> {
  const { policy } = member;
  return {
    ...memberKey(group, member.memberId),
    topics: { S: JSON.stringify(member.topics) },
    expiresAt: { N: String(member.expiresAt) },
    session: { N: String(member.sessionTimeoutMs) },
    start: { S: policy.startingPosition },
    ...(policy.startingPositionTimestamp === undefined
      ? {}
      : { startTs: { N: String(policy.startingPositionTimestamp) } }),
    reset: { S: policy.autoOffsetReset },
    kind: { S: member.kind },
    joinedAt: { N: String(member.joinedAt) },
    ...(member.binding ? { tokenHash: { S: member.binding.tokenHash } } : {}),
    ...(member.binding?.principal === undefined ? {} : { principal: { S: member.binding.principal } }),
  };
}

function memberFromItem(item: Record<string, AttributeValue>): MemberRecord {
  return {
    memberId: (item.sk.S as string).slice('member#'.length),
    topics: JSON.parse(item.topics.S as string) as string[],
    expiresAt: Number(item.expiresAt.N),
    sessionTimeoutMs: Number(item.session.N),
    policy: {
      startingPosition: item.start.S as StartingPosition,
      startingPositionTimestamp: item.startTs?.N === undefined ? undefined : Number(item.startTs.N),
      autoOffsetReset: item.reset.S as OffsetReset,
    },
    kind: item.kind.S === 'poller' ? 'poller' : 'http',
    joinedAt: Number(item.joinedAt.N),
    ...(item.tokenHash?.S === undefined
      ? {}
      : {
          binding: {
            tokenHash: item.tokenHash.S,
            ...(item.principal?.S === undefined ? {} : { principal: item.principal.S }),
          },
        }),
  };
}

function markerFromItem(item: Record<string, AttributeValue>): PollerMarker {
  return { owner: item.owner?.S ?? '', expiresAt: Number(item.expiresAt?.N ?? 0) };
}
