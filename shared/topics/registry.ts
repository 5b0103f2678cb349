import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, InvalidRequestError, NotFoundError, UnavailableError } from '../errors';
import { type RetryPolicy, retry } from '../retry';
import type {
  DeletedTopicRecord,
  ExpiryFloor,
  NameClaim,
  TopicRecord,
  TopicStore,
} from '../storage/topic-store';
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
  /**
   * Present while slots may carry TTLs from a lower `retention.ms` than the current one needs
   * (it was raised or set to -1): retention's sweeper moves them later, then calls
   * {@link TopicRegistry.settleExpiryFloor}. See docs/retention.md ("Expiry by TTL").
   */
  readonly expiryFloor?: ExpiryFloor;
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
  /** Where topics are stored (`createDynamoTopicStore` on the meta table). */
  readonly store: TopicStore;
  /** How long a warm function trusts its cached topic metadata, in ms. @default 30000 */
  readonly cacheTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * Runs once a topic is deleted, before {@link TopicRegistry.delete} returns: the cluster
   * closes the topic's partition logs here, so that processes still holding it in their
   * cache learn of the deletion at their next append or read instead of after `cacheTtlMs`.
   */
  readonly onDeleted?: (topic: Topic) => Promise<void>;
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
  /**
   * The topic, from the warm cache when fresh; throws {@link NotFoundError} when absent. With
   * `partition`, a cached copy that lacks that partition is read again before it is believed:
   * a partition added by another process is served at once, not once the cache expires (a
   * request naming a partition the topic does not have costs one read). With `fresh`, it is
   * read whatever the cache holds: for answers that describe the topic (an admin's describe,
   * its configs, its partitions), which must show what another process changed.
   */
  get(name: string, options?: { partition?: number; fresh?: boolean }): Promise<Topic>;
  /**
   * Every topic. With `cached`, a listing younger than `cacheTtlMs` taken in this process is
   * answered instead of reading again, as a Kafka client matches a pattern subscription against
   * the metadata of its last refresh: another process's creates and deletes show up within
   * `cacheTtlMs`, this process's own at once.
   */
  list(options?: { cached?: boolean }): Promise<Topic[]>;
  /** Deletes the topic; its data stays until the retention sweeper purges it. */
  delete(name: string): Promise<void>;
  /**
   * Drops this process's cached copy of a topic (and listing), so that the next
   * {@link TopicRegistry.get} reads it: for a caller that learned the copy is stale
   * (a {@link StaleTopicError} from the log).
   */
  evict(name: string): void;
  /** Topics deleted whose data has not been purged yet. */
  deleted(): Promise<DeletedTopic[]>;
  /** Drops the record of a deleted topic once its data is gone. */
  forget(topicId: string): Promise<void>;
  /**
   * Records that every slot of `topic` carries a TTL its current `retention.ms` allows: drops
   * its {@link Topic.expiryFloor} unless a config change replaced it since `topic` was read.
   */
  settleExpiryFloor(topic: Topic): Promise<void>;
}

/** What is left of a deleted topic until its data is purged. */
export type DeletedTopic = DeletedTopicRecord;

/** How often a config change that lost a race reads and tries again (short waits: an admin is waiting). */
const ALTER_RETRY: RetryPolicy = { retries: 10, initialRetryTime: 20, maxRetryTime: 500 };

/** A config change lost the race to a concurrent one: read again and retry. */
class ConfigsChangedConcurrently extends Error {}
/** A lost race of `addPartitions`: another writer changed the partition count. */
class PartitionsChangedConcurrently extends Error {}

/**
 * The topics: names, partition counts and configs validated here, stored through a
 * {@link TopicStore} (whose collision guard keeps `a.b` and `a_b` from both existing), and
 * cached for `cacheTtlMs` in a warm process.
 *
 * @example
 * const topics = createTopicRegistry({ store: createDynamoTopicStore({ dynamodb, table: config.metaTable }) });
 * await topics.create({ name: 'orders', partitionCount: 6 });
 */
export function createTopicRegistry(options: TopicRegistryOptions): TopicRegistry {
  const { store } = options;
  const ttl = options.cacheTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { topic: Topic; until: number }>();
  /** The last listing, for `list({ cached: true })`; dropped by this process's own changes. */
  let listing: { topics: Topic[]; until: number } | undefined;

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
      refuseTaken(topic.name, await store.nameClaim(topic.name, collisionKey(topic.name)));
      return topic;
    }
    refuseTaken(topic.name, await store.create(toRecord(topic), collisionKey(topic.name)));
    cache.set(topic.name, { topic, until: now() + ttl });
    listing = undefined;
    return topic;
  }

  async function alterConfigs(
    name: string,
    changes: readonly ConfigChange[],
    options: { validateOnly?: boolean } = {},
  ): Promise<Topic> {
    // Read, change, write if nobody changed the topic in between; a lost race reads again,
    // after a jittered wait so that concurrent writers spread out.
    const attempt = async (): Promise<Topic> => {
      const record = await readRecord(name);
      const current = fromRecord(record);
      const { configs, overrides } = applyConfigChanges(
        { configs: current.configs, overrides: current.configOverrides },
        changes,
      );
      const expiryFloor = nextExpiryFloor(
        current.expiryFloor,
        current.configs['retention.ms'],
        configs['retention.ms'],
        now(),
      );
      const { expiryFloor: _replaced, ...rest } = current;
      const changed: Topic = {
        ...rest,
        configs,
        configOverrides: overrides,
        ...(expiryFloor && { expiryFloor }),
      };
      if (options.validateOnly) return changed;
      const outcome = await store.replaceConfigs(
        record,
        JSON.stringify(configs),
        JSON.stringify(overrides),
        expiryFloor,
      );
      if (outcome === 'changed') throw new ConfigsChangedConcurrently();
      cache.set(name, { topic: changed, until: now() + ttl });
      listing = undefined;
      return changed;
    };
    const lostRace = (error: unknown) => error instanceof ConfigsChangedConcurrently;
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
      const record = await readRecord(name);
      const current = fromRecord(record);
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
      const outcome = await store.raisePartitions(record, partitionCount);
      if (outcome === 'changed') throw new PartitionsChangedConcurrently();
      cache.set(name, { topic: changed, until: now() + ttl });
      listing = undefined;
      return changed;
    };
    const lostRace = (error: unknown) => error instanceof PartitionsChangedConcurrently;
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

  async function get(name: string, options: { partition?: number; fresh?: boolean } = {}): Promise<Topic> {
    const cached = cache.get(name);
    const lacksPartition =
      options.partition !== undefined &&
      cached !== undefined &&
      options.partition >= cached.topic.partitionCount;
    if (cached && cached.until > now() && !lacksPartition && !options.fresh) return cached.topic;
    const topic = fromRecord(await readRecord(name));
    cache.set(name, { topic, until: now() + ttl });
    return topic;
  }

  /** The topic's record, read consistently; throws {@link NotFoundError} when absent. */
  async function readRecord(name: string): Promise<TopicRecord> {
    if (!isLegalTopicName(name)) throw topicNotFound(name);
    const record = await store.read(name);
    if (!record) {
      cache.delete(name);
      throw topicNotFound(name);
    }
    return record;
  }

  async function list(options: { cached?: boolean } = {}): Promise<Topic[]> {
    if (options.cached && listing && listing.until > now()) return [...listing.topics];
    const topics = (await store.list()).map(fromRecord);
    listing = { topics, until: now() + ttl };
    return topics;
  }

  async function remove(name: string): Promise<void> {
    evict(name);
    // Read, not the cache: the partitions to close are those of the topic as it is now.
    const topic = fromRecord(await readRecord(name));
    if ((await store.remove(toRecord(topic), collisionKey(name), now())) === 'gone') {
      throw new NotFoundError(`Topic "${name}" does not exist (it was deleted concurrently).`, {
        topic: name,
      });
    }
    await options.onDeleted?.(topic);
  }

  function evict(name: string): void {
    cache.delete(name);
    listing = undefined;
  }

  const deleted = () => store.deleted();
  const forget = (topicId: string) => store.forget(topicId);

  async function settleExpiryFloor(topic: Topic): Promise<void> {
    if (!topic.expiryFloor) return;
    // A lost condition means a newer change set its own floor: the next sweep handles that one.
    await store.clearExpiryFloor(topic.name, topic.id, topic.expiryFloor);
    cache.delete(topic.name);
    listing = undefined;
  }

  return {
    create,
    alterConfigs,
    addPartitions,
    get,
    list,
    delete: remove,
    evict,
    deleted,
    forget,
    settleExpiryFloor,
  };
}

/** Refuses a name that is taken, or collides with a taken one. */
function refuseTaken(name: string, claim: NameClaim): void {
  if (claim === 'free') return;
  if (claim === 'exists') throw new AlreadyExistsError(`Topic "${name}" already exists.`, { topic: name });
  throw new AlreadyExistsError(
    `Topic "${name}" collides with existing topic "${claim.collidesWith}": names may not differ only by "." and "_".`,
    { topic: name },
  );
}

function toRecord(topic: Topic): TopicRecord {
  return {
    name: topic.name,
    id: topic.id,
    partitionCount: topic.partitionCount,
    configs: JSON.stringify(topic.configs),
    overrides: JSON.stringify(topic.configOverrides),
    createdAt: topic.createdAt,
    ...(topic.expiryFloor && { expiryFloor: topic.expiryFloor }),
  };
}

/**
 * The expiry floor after `retention.ms` changes from `before` to `after` at `now`: the lowest
 * retention any slot's TTL may have been written with since the sweeper last settled the topic
 * (the previous floor, and `before`, under which writers set TTLs until now; -1 sets none).
 * None when `after` needs no TTL moved (every TTL written is at least what `after` asks);
 * otherwise that lowest value, dated now (writers with a cached copy may still use `before`
 * for a while, see RETENTION_CHANGE_SETTLE_MS).
 *
 * @example
 * nextExpiryFloor(undefined, 3_600_000, 86_400_000, now); // { retentionMs: 3_600_000, since: now }
 * nextExpiryFloor(undefined, 86_400_000, 3_600_000, now); // undefined (lowered: TTLs only run long)
 */
export function nextExpiryFloor(
  previous: ExpiryFloor | undefined,
  before: number,
  after: number,
  now: number,
): ExpiryFloor | undefined {
  if (before === after) return previous;
  const written = [previous?.retentionMs, before].filter((ms): ms is number => ms !== undefined && ms >= 0);
  if (written.length === 0) return undefined;
  const lowest = Math.min(...written);
  if (after >= 0 && after <= lowest) return undefined;
  return { retentionMs: lowest, since: now };
}

function fromRecord(record: TopicRecord): Topic {
  // `overrides` is absent on topics created before configs could be altered.
  const { configs, overrides } = storedConfigState(
    JSON.parse(record.configs),
    record.overrides === undefined ? undefined : JSON.parse(record.overrides),
  );
  return {
    name: record.name,
    id: record.id,
    partitionCount: record.partitionCount,
    configs,
    configOverrides: overrides,
    createdAt: record.createdAt,
    ...(record.expiryFloor && { expiryFloor: record.expiryFloor }),
  };
}

function topicNotFound(name: string): NotFoundError {
  return new NotFoundError(
    `Topic "${name}" does not exist: create it first (POST /v3/clusters/{cluster_id}/topics).`,
    { topic: name },
  );
}
