import type { Cluster } from '../cluster';
import type { StoredRecord } from '../codec/types';
import {
  AlreadyExistsError,
  FencedError,
  InvalidRequestError,
  NotFoundError,
  UnavailableError,
} from '../errors';
import { eventRecordBytes, MAX_EVENT_BYTES } from '../log';
import { retry, sleep } from '../retry';
import { type Clock, systemClock } from './clock';
import { newMemberId, validateGroupName, validateMemberId } from './names';
import type { GroupService, PartitionOffset } from './service';
import type {
  Assignment,
  ConsumerInstanceRecord,
  EmbeddedFormat,
  InstancePosition,
  OffsetReset,
  TopicPartitionRef,
} from './types';

/** Error code of "no such consumer instance" (Confluent's v2 40403). */
export const UNKNOWN_INSTANCE_ERROR_CODE = 40403;

/** What a v2 consumer instance is created with (Confluent's `CreateConsumerInstanceRequest`). */
export interface CreateInstanceRequest {
  readonly group: string;
  /** @default `rest-consumer-<uuid>` */
  readonly name?: string;
  readonly format: EmbeddedFormat;
  /** @default 'latest' (Kafka's default) */
  readonly autoOffsetReset?: OffsetReset;
  /** @default true (Kafka's `enable.auto.commit`) */
  readonly autoCommit?: boolean;
  /** @default 1: answer as soon as any record is fetched */
  readonly fetchMinBytes?: number;
  /** @default {@link DEFAULT_REQUEST_TIMEOUT_MS} */
  readonly requestTimeoutMs?: number;
}

/** What a read asks for. */
export interface ReadRequest {
  /** How long to wait for `fetch.min.bytes` (ms); the instance's setting when undefined. */
  readonly timeoutMs?: number;
  /** Key and value bytes to fetch at most (at least one record is always answered). */
  readonly maxBytes: number;
  /**
   * Of the topics a pattern subscription newly matches, those the instance may join (the
   * group's grants); the others are left out, as a subscribe would refuse them.
   * @default every topic
   */
  readonly grantedTopics?: (topics: readonly string[]) => readonly string[];
}

/** A record of a read, with its topic. */
export interface InstanceRecord extends StoredRecord {
  readonly topic: string;
}

/** Where a seek moves an instance's position on a partition. */
export type SeekTarget =
  | (TopicPartitionRef & { readonly to: 'offset'; readonly offset: number })
  | (TopicPartitionRef & { readonly to: 'beginning' | 'end' })
  /** The first offset whose record timestamp (ms) is at or after it; the end when none is. */
  | (TopicPartitionRef & { readonly to: 'timestamp'; readonly timestamp: number });

/** How a subscription names its topics: a list, or a pattern (Java regex syntax, matched whole). */
export type Subscription = { readonly topics: readonly string[] } | { readonly pattern: string };

/**
 * Confluent's default wait of a read that names no `timeout` (the proxy's
 * `consumer.request.timeout.ms`).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 1_000;

/**
 * The longest a read waits for records: an HTTP answer through API Gateway must come within
 * its 30 s integration timeout.
 */
export const MAX_READ_WAIT_MS = 20_000;

/**
 * How often a request of an instance runs again when another request of the same instance
 * saved it first; after that it answers 503 / 50003 (retriable).
 */
export const INSTANCE_RETRIES = 5;

/** The pause between two fetch rounds of a read that waits for records. */
const READ_POLL_INTERVAL_MS = 200;

/** The errors of a save that found the instance saved by another request since it was read. */
const savedMeanwhile = new WeakSet<object>();

/** Room for a read answer's envelope within Lambda's response limit. */
const MAX_READ_ANSWER_BYTES = MAX_EVENT_BYTES;

export interface ConsumerInstanceServiceOptions {
  readonly cluster: Cluster;
  readonly groups: GroupService;
  /** Silence after which an instance expires (Confluent's `consumer.instance.timeout.ms`). */
  readonly instanceTimeoutMs: number;
  /** @default Date.now */
  readonly now?: Clock;
}

/**
 * Confluent REST Proxy v2 consumer instances, kept in the meta table so that any server may
 * serve an instance's next request. A subscribed instance is a member of its consumer group —
 * its member id is its name, its session the instance timeout — and holds leases like any
 * other member (pollers, client consumers): the group splits the partitions among all of
 * them, and its commits are fenced by the lease epochs. A manually assigned instance holds no
 * lease (Kafka's `assign()`), and commits only where no live member holds the partition.
 *
 * Every request of an instance counts as its heartbeat: it renews the instance and, while
 * subscribed, the member and its leases. An instance silent for the instance timeout has
 * expired: its member session ends with it and its leases no later (they are as long), so
 * the group's other members take its partitions, and its requests answer 404 / 40403 without
 * writing anything. The meta table's TTL removes its item.
 *
 * @example
 * const instances = createConsumerInstanceService({ cluster, groups, instanceTimeoutMs: 300_000 });
 * const { instanceId } = await instances.create({ group: 'billing', format: 'json' });
 */
export function createConsumerInstanceService(options: ConsumerInstanceServiceOptions) {
  const { cluster, groups, instanceTimeoutMs } = options;
  const store = cluster.groups;
  const now = options.now ?? systemClock;

  function unknownInstance(group: string, instanceId: string): NotFoundError {
    return new NotFoundError(
      `Consumer instance "${instanceId}" of consumer group "${group}" does not exist: it was never created, was deleted, ` +
        `or expired after ${instanceTimeoutMs} ms without a request. Create a new instance.`,
      { errorCode: UNKNOWN_INSTANCE_ERROR_CODE },
    );
  }

  const expired = (instance: ConsumerInstanceRecord, at: number) => instance.expiresAt <= at;

  /** Gives an instance's leases back and deletes it: its member, then its item. */
  async function discard(instance: ConsumerInstanceRecord): Promise<void> {
    if (instance.subscription !== undefined) await groups.leave(instance.group, instance.instanceId);
    await store.removeInstance(instance.group, instance.instanceId);
  }

  /**
   * The instance, live: a missing or expired one answers 40403, writing nothing. An expired
   * instance's member session and leases ended with it, so the group has moved on already; its
   * item goes with the table's TTL, or when an instance of the same name is created.
   */
  async function load(group: string, instanceId: string): Promise<ConsumerInstanceRecord> {
    validateGroupName(group);
    validateMemberId(instanceId);
    const instance = await store.instance(group, instanceId);
    if (!instance || expired(instance, now())) throw unknownInstance(group, instanceId);
    return instance;
  }

  /** Saves the instance as changed by a request, which also counts as its heartbeat. */
  async function save(
    instance: ConsumerInstanceRecord,
    change: Partial<ConsumerInstanceRecord> = {},
  ): Promise<ConsumerInstanceRecord> {
    const next = {
      ...instance,
      ...change,
      expiresAt: now() + instanceTimeoutMs,
      version: instance.version + 1,
    };
    if ((await store.saveInstance(next)) === 'changed') {
      const error = new UnavailableError(
        `Other requests of consumer instance "${instance.instanceId}" kept changing it at the same time: send one request at a time, and retry this one.`,
      );
      savedMeanwhile.add(error);
      throw error;
    }
    return next;
  }

  /** The member's heartbeat: the partitions it holds now (joining again if its member is gone). */
  async function heldPartitions(instance: ConsumerInstanceRecord): Promise<readonly Assignment[]> {
    const { subscription, group, instanceId } = instance;
    if (subscription === undefined || subscription.topics.length === 0) return [];
    try {
      return (await groups.heartbeat({ group, memberId: instanceId })).assignments;
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.errorCode !== 40405) throw error;
      return (await join(instance, subscription.topics)).assignments;
    }
  }

  function join(instance: ConsumerInstanceRecord, topics: readonly string[]) {
    return groups.join({
      group: instance.group,
      memberId: instance.instanceId,
      topics,
      sessionTimeoutMs: instanceTimeoutMs,
      policy: {
        startingPosition: instance.autoOffsetReset === 'earliest' ? 'TRIM_HORIZON' : 'LATEST',
        autoOffsetReset: instance.autoOffsetReset,
      },
      kind: 'http',
    });
  }

  /** The partitions an instance reads now, each with the epoch its position must carry. */
  async function readable(
    instance: ConsumerInstanceRecord,
  ): Promise<{ partitions: (TopicPartitionRef & { epoch: number; start?: number })[] }> {
    if (instance.assignment !== undefined) {
      return { partitions: instance.assignment.map((p) => ({ ...p, epoch: 0 })) };
    }
    const held = await heldPartitions(instance);
    return {
      partitions: held.map((a) => ({
        topic: a.topic,
        partition: a.partition,
        epoch: a.epoch,
        start: a.committedOffset,
      })),
    };
  }

  const key = (p: TopicPartitionRef) => `${p.topic}#${p.partition}`;

  /**
   * Runs a request of an instance again when another request of the same instance saved it
   * meanwhile (each save is conditional on the version read): a client's overlapping requests
   * take turns, as Confluent's proxy serializes them. Every step before the save may be
   * repeated (heartbeats, fenced commits, reads from the positions read).
   */
  function again<A extends [group: string, instanceId: string, ...rest: unknown[]], R>(
    request: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> {
    return async (...args) => {
      let attempts = 0;
      try {
        return await retry(
          () => {
            attempts++;
            return request(...args);
          },
          {
            retries: INSTANCE_RETRIES,
            initialRetryTime: 20,
            maxRetryTime: 500,
            isRetriable: (error) => savedMeanwhile.has(error as object),
          },
        );
      } catch (error) {
        if (
          attempts > 1 &&
          error instanceof NotFoundError &&
          error.errorCode === UNKNOWN_INSTANCE_ERROR_CODE
        ) {
          await endOrphanedMembership(args[0], args[1]);
        }
        throw error;
      }
    };
  }

  /**
   * After a subscribe joined (or left) the group: a request of the instance that saved between
   * the subscribe's save and its join — a delete, an unsubscribe, another subscribe — decided
   * the membership first, so the group follows what the instance holds now. One read of the
   * instance when nothing came between.
   */
  async function settleMembership(subscribed: ConsumerInstanceRecord): Promise<void> {
    const current = await store.instance(subscribed.group, subscribed.instanceId);
    const live = current !== undefined && !expired(current, now()) ? current : undefined;
    const topics = live?.subscription?.topics ?? [];
    if (topics.join('\n') === (subscribed.subscription?.topics ?? []).join('\n')) return;
    if (live !== undefined && topics.length > 0) await join(live, topics);
    else await endOrphanedMembership(subscribed.group, subscribed.instanceId);
  }

  /**
   * An attempt that ran while the instance existed may have joined its group again (a
   * heartbeat finding its member gone re-joins) after a concurrent delete had ended the
   * membership: the instance is gone now, so that member would hold partitions for a whole
   * session with nobody behind it. It leaves; nothing is written when there is none.
   */
  async function endOrphanedMembership(group: string, instanceId: string): Promise<void> {
    const { members, leases } = await store.snapshot(group);
    if (members.some((m) => m.memberId === instanceId) || leases.some((l) => l.owner === instanceId)) {
      await groups.leave(group, instanceId);
    }
  }

  /**
   * Where the instance reads each partition: its own position when it was taken under the
   * current epoch, else the committed offset (as after a rebalance), else the reset policy.
   */
  async function positionsOf(
    instance: ConsumerInstanceRecord,
    partitions: readonly (TopicPartitionRef & { epoch: number; start?: number })[],
  ): Promise<InstancePosition[]> {
    const own = new Map(instance.positions.map((p) => [key(p), p]));
    const unknown = partitions.filter((p) => {
      const mine = own.get(key(p));
      return (mine === undefined || mine.epoch !== p.epoch) && p.start === undefined;
    });
    const committed = new Map(
      (unknown.length === 0 ? [] : await groups.committedOffsets(instance.group, unknown)).map((o) => [
        key(o),
        o.offset,
      ]),
    );
    return Promise.all(
      partitions.map(async (p) => {
        const mine = own.get(key(p));
        if (mine !== undefined && mine.epoch === p.epoch) return mine;
        const offset = p.start ?? committed.get(key(p)) ?? (await resetPosition(instance, p));
        return { topic: p.topic, partition: p.partition, offset, epoch: p.epoch };
      }),
    );
  }

  async function resetPosition(instance: ConsumerInstanceRecord, p: TopicPartitionRef): Promise<number> {
    const topic = await cluster.topics.get(p.topic);
    const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, p.partition);
    return instance.autoOffsetReset === 'earliest' ? logStartOffset : logEndOffset;
  }

  /**
   * Commits positions: under the lease epoch while subscribed, as a lease-less commit while
   * assigned. `quiet` (auto-commit) skips partitions that moved to another member meanwhile.
   */
  async function commitPositions(
    instance: ConsumerInstanceRecord,
    positions: readonly InstancePosition[],
    quiet: boolean,
  ): Promise<void> {
    if (positions.length === 0) return;
    if (instance.assignment !== undefined) {
      try {
        await groups.commitUnassigned(instance.group, positions);
      } catch (error) {
        if (!(quiet && error instanceof FencedError)) throw error;
      }
      return;
    }
    await groups
      .commit(
        instance.group,
        instance.instanceId,
        positions.map((p) => ({ topic: p.topic, partition: p.partition, epoch: p.epoch, offset: p.offset })),
      )
      .catch((error: unknown) => {
        if (!(quiet && error instanceof FencedError)) throw error;
      });
  }

  /**
   * The partitions the instance reads now, read without writing (no heartbeat): so that a
   * request refused for naming others writes nothing.
   */
  async function heldWithoutHeartbeat(instance: ConsumerInstanceRecord): Promise<TopicPartitionRef[]> {
    if (instance.assignment !== undefined) return [...instance.assignment];
    if (instance.subscription === undefined) return [];
    const at = now();
    const { leases } = await store.snapshot(instance.group);
    return leases
      .filter((l) => l.owner === instance.instanceId && l.expiresAt > at)
      .map((l) => ({ topic: l.topic, partition: l.partition }));
  }

  /** Refuses partitions the instance does not read now (Kafka's IllegalStateException). */
  function requireHeld(
    held: readonly TopicPartitionRef[],
    wanted: readonly TopicPartitionRef[],
    what: string,
  ) {
    const names = new Set(held.map(key));
    const missing = wanted.filter((p) => !names.has(key(p)));
    if (missing.length > 0) {
      throw new InvalidRequestError(
        `The consumer instance does not hold ${missing.map((p) => `${p.topic}-${p.partition}`).join(', ')}, so it cannot ${what} there: ` +
          'subscribe (and read once, to be given partitions) or assign them first; GET …/assignments lists what it holds.',
        { errorCode: 40906 },
      );
    }
  }

  return {
    /** Creates an instance; a live instance of the same name answers 409 / 40905. */
    async create(request: CreateInstanceRequest): Promise<ConsumerInstanceRecord> {
      validateGroupName(request.group);
      const instanceId = request.name ?? newMemberId('consumer').replace(/^consumer-/, 'rest-consumer-');
      validateMemberId(instanceId);
      const instance: ConsumerInstanceRecord = {
        group: request.group,
        instanceId,
        format: request.format,
        autoOffsetReset: request.autoOffsetReset ?? 'latest',
        autoCommit: request.autoCommit ?? true,
        fetchMinBytes: request.fetchMinBytes ?? 1,
        requestTimeoutMs: request.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        positions: [],
        expiresAt: now() + instanceTimeoutMs,
        version: 1,
      };
      // Read first, so that a name in use is refused without a write; the conditional put
      // still refuses one created meanwhile.
      const existing = await store.instance(request.group, instanceId);
      if (existing === undefined || expired(existing, now())) {
        // An expired instance of that name is gone as far as anyone can tell: replace it.
        if (existing) await discard(existing);
        if ((await store.createInstance(instance)) === 'saved') return instance;
      }
      throw new AlreadyExistsError(
        `A consumer instance named "${instanceId}" already exists in consumer group "${request.group}": choose another name, or delete that instance first.`,
        { errorCode: 40905 },
      );
    },

    /** Deletes an instance: auto-commits what it read, gives its leases back. */
    remove: again(async (group: string, instanceId: string): Promise<void> => {
      const instance = await load(group, instanceId);
      if (instance.autoCommit) await autoCommit(instance);
      await discard(instance);
    }),

    /**
     * Subscribes; `allowTopics` sees the topics (a pattern's matches) before anything is
     * written, and throws to refuse them.
     */
    subscribe: again(
      async (
        group: string,
        instanceId: string,
        subscription: Subscription,
        allowTopics: (topics: readonly string[]) => void = () => {},
      ): Promise<void> => {
        const instance = await load(group, instanceId);
        if (instance.assignment !== undefined) {
          throw new InvalidRequestError(
            'The consumer instance is assigned partitions manually: subscription and assignment are mutually exclusive (as in Kafka). Delete it and create another to subscribe.',
            { errorCode: 40906 },
          );
        }
        const pattern = 'pattern' in subscription ? subscription.pattern : undefined;
        const topics =
          pattern === undefined
            ? [...new Set((subscription as { topics: string[] }).topics)]
            : await existing(await matching(pattern));
        allowTopics(topics);
        if (pattern === undefined) await Promise.all(topics.map((t) => cluster.topics.get(t)));
        // The save comes first: a request of the instance that saved meanwhile (an assignment,
        // a delete) makes this one run again before it has written anything, so a refusal then
        // leaves no membership behind. The group is joined only once the subscription is the
        // instance's.
        const saved = await save(instance, {
          subscription: { topics, ...(pattern === undefined ? {} : { pattern }) },
          positions: [],
        });
        if (topics.length > 0) await join(saved, topics);
        else if (instance.subscription !== undefined) await groups.leave(group, instanceId);
        await settleMembership(saved);
      },
    ),

    subscription: again(async (group: string, instanceId: string): Promise<readonly string[]> => {
      const instance = await load(group, instanceId);
      await heldPartitions(instance);
      await save(instance);
      return instance.subscription?.topics ?? [];
    }),

    unsubscribe: again(async (group: string, instanceId: string): Promise<void> => {
      const instance = await load(group, instanceId);
      if (instance.subscription === undefined) {
        await save(instance);
        return;
      }
      if (instance.autoCommit) await autoCommit(instance);
      await groups.leave(group, instanceId);
      await save(instance, { subscription: undefined, positions: [] });
    }),

    assign: again(
      async (group: string, instanceId: string, partitions: readonly TopicPartitionRef[]): Promise<void> => {
        const instance = await load(group, instanceId);
        if (instance.subscription !== undefined) {
          throw new InvalidRequestError(
            'The consumer instance is subscribed: subscription and assignment are mutually exclusive (as in Kafka). Unsubscribe first (DELETE …/subscription).',
            { errorCode: 40906 },
          );
        }
        await Promise.all(
          partitions.map(async (p) => {
            const topic = await cluster.topics.get(p.topic);
            if (p.partition >= topic.partitionCount) {
              throw new NotFoundError(
                `Partition ${p.partition} of topic "${p.topic}" does not exist: the topic has ${topic.partitionCount}.`,
                { errorCode: 40402, topic: p.topic, partition: p.partition },
              );
            }
          }),
        );
        const unique = [
          ...new Map(partitions.map((p) => [key(p), { topic: p.topic, partition: p.partition }])).values(),
        ];
        const kept = new Set(unique.map(key));
        await save(instance, {
          assignment: unique,
          positions: instance.positions.filter((p) => kept.has(key(p))),
        });
      },
    ),

    /** The partitions the instance reads now: its manual assignment, or what its member holds. */
    assignment: again(async (group: string, instanceId: string): Promise<TopicPartitionRef[]> => {
      const instance = await load(group, instanceId);
      const { partitions } = await readable(instance);
      await save(instance);
      return partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    }),

    seek: again(async (group: string, instanceId: string, targets: readonly SeekTarget[]): Promise<void> => {
      /** The offset a seek that names no offset moves to: the log's start or end, or a time's first record. */
      const seekOffset = async (t: Exclude<SeekTarget, { to: 'offset' }>): Promise<number> => {
        const topic = await cluster.topics.get(t.topic);
        if (t.to === 'timestamp') return cluster.log.offsetForTimestamp(topic, t.partition, t.timestamp);
        const range = await cluster.log.offsets(topic, t.partition);
        return t.to === 'beginning' ? range.logStartOffset : range.logEndOffset;
      };
      const instance = await load(group, instanceId);
      requireHeld(await heldWithoutHeartbeat(instance), targets, 'seek');
      const { partitions } = await readable(instance);
      const epochs = new Map(partitions.map((p) => [key(p), p.epoch]));
      // A partition the heartbeat just gave back keeps no position: its next owner starts from the commit.
      const kept = targets.filter((t) => epochs.has(key(t)));
      const moved = await Promise.all(
        kept.map(async (t): Promise<InstancePosition> => {
          const offset = t.to === 'offset' ? t.offset : await seekOffset(t);
          return { topic: t.topic, partition: t.partition, offset, epoch: epochs.get(key(t)) as number };
        }),
      );
      const changed = new Set(moved.map(key));
      await save(instance, {
        positions: [...instance.positions.filter((p) => !changed.has(key(p))), ...moved],
      });
    }),

    /**
     * Commits offsets (each the next offset to consume); without any, the positions of
     * everything the instance read. Answers what was committed.
     */
    commit: again(
      async (
        group: string,
        instanceId: string,
        offsets: readonly PartitionOffset[] | undefined,
      ): Promise<PartitionOffset[]> => {
        const instance = await load(group, instanceId);
        if (offsets !== undefined) notHeld(instanceId, group, await heldWithoutHeartbeat(instance), offsets);
        const { partitions } = await readable(instance);
        let positions: InstancePosition[];
        if (offsets === undefined) {
          const held = new Set(partitions.map(key));
          const epochs = new Map(partitions.map((p) => [key(p), p.epoch]));
          positions = instance.positions.filter((p) => held.has(key(p)) && epochs.get(key(p)) === p.epoch);
        } else {
          const epochs = new Map(partitions.map((p) => [key(p), p.epoch]));
          notHeld(instanceId, group, partitions, offsets);
          positions = offsets.map((o) => ({ ...o, epoch: epochs.get(key(o)) as number }));
        }
        await commitPositions(instance, positions, false);
        await save(instance);
        return positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset }));
      },
    ),

    committed: again(
      async (
        group: string,
        instanceId: string,
        partitions: readonly TopicPartitionRef[],
      ): Promise<PartitionOffset[]> => {
        const instance = await load(group, instanceId);
        await heldPartitions(instance);
        const offsets = await groups.committedOffsets(group, partitions);
        await save(instance);
        return offsets;
      },
    ),

    /**
     * Reads records from every partition the instance reads now, from its positions, until
     * `fetch.min.bytes` arrived or the wait is over; the positions move past what is answered.
     * Throws 406 / 40601 when `format` is not the instance's.
     */
    read: again(
      async (
        group: string,
        instanceId: string,
        format: EmbeddedFormat | undefined,
        request: ReadRequest,
      ): Promise<InstanceRecord[]> => {
        const loaded = await load(group, instanceId);
        if (format !== loaded.format) {
          throw new InvalidRequestError(
            `Consumer instance "${instanceId}" reads records in the ${loaded.format} format: ask for them with ` +
              `Accept: application/vnd.kafka.${loaded.format}.v2+json (the requested embedded format does not match the instance's).`,
            { errorCode: 40601 },
          );
        }
        const instance = await followPattern(loaded, request.grantedTopics ?? ((topics) => topics));
        const { partitions } = await readable(instance);
        let positions = await positionsOf(instance, partitions);
        if (instance.autoCommit) {
          // Kafka's auto-commit: a poll commits what the polls before it returned (only what
          // moved past the committed offset, so an idle poll writes nothing).
          const starts = new Map(partitions.map((p) => [key(p), p.start]));
          const read = new Set(instance.positions.map((p) => `${key(p)}@${p.epoch}`));
          await commitPositions(
            instance,
            positions.filter((p) => read.has(`${key(p)}@${p.epoch}`) && starts.get(key(p)) !== p.offset),
            true,
          );
        }
        const wait = Math.min(request.timeoutMs ?? instance.requestTimeoutMs, MAX_READ_WAIT_MS);
        const deadline = now() + wait;
        const records: InstanceRecord[] = [];
        let bytes = 0;
        let answerBytes = 0;
        for (;;) {
          for (const [i, position] of positions.entries()) {
            if (bytes >= request.maxBytes) break;
            const topic = await cluster.topics.get(position.topic);
            const page = await cluster.log.fetch({
              topic,
              partition: position.partition,
              offset: position.offset,
              maxBytes: request.maxBytes - bytes,
              autoOffsetReset: instance.autoOffsetReset,
            });
            let next = page.nextOffset;
            for (const record of page.records) {
              const size = eventRecordBytes(topic.name, record);
              if (records.length > 0 && answerBytes + size > MAX_READ_ANSWER_BYTES) {
                next = record.offset;
                break;
              }
              answerBytes += size;
              bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
              records.push({ ...record, topic: topic.name });
            }
            positions[i] = { ...position, offset: next };
          }
          const enough = Math.min(instance.fetchMinBytes, request.maxBytes);
          // A record with no key or value counts as arrived even at `fetch.min.bytes` 1.
          if (enough === 0 || (records.length > 0 && (enough <= 1 || bytes >= enough))) break;
          if (now() >= deadline || partitions.length === 0) break;
          await sleep(Math.min(READ_POLL_INTERVAL_MS, Math.max(0, deadline - now())));
        }
        const untouched = instance.positions.filter((p) => !positions.some((q) => key(q) === key(p)));
        positions = [...untouched, ...positions];
        await save(instance, { positions });
        return records;
      },
    ),
  };

  /** Refuses a commit naming partitions the instance does not hold (Kafka's CommitFailedException). */
  function notHeld(
    instanceId: string,
    group: string,
    held: readonly TopicPartitionRef[],
    offsets: readonly TopicPartitionRef[],
  ): void {
    const names = new Set(held.map(key));
    const missing = offsets.filter((o) => !names.has(key(o)));
    if (missing.length === 0) return;
    throw new FencedError(
      `Consumer instance "${instanceId}" does not hold ${missing.map((o) => `${o.topic}-${o.partition}`).join(', ')} in consumer group "${group}": ` +
        'the partitions moved to another member (or were never its); nothing was committed.',
      { topic: missing[0].topic, partition: missing[0].partition },
    );
  }

  async function autoCommit(instance: ConsumerInstanceRecord): Promise<void> {
    const { partitions } = await readable(instance);
    const epochs = new Map(partitions.map((p) => [key(p), p.epoch]));
    const current = instance.positions.filter((p) => epochs.get(key(p)) === p.epoch);
    await commitPositions(instance, current, true);
  }

  /**
   * A pattern subscription follows the topics created since it was made, as Kafka's consumer
   * re-matches its pattern at each metadata refresh: matched against the warm process's cached
   * topic list (no read of its own while that is fresh), a new granted match joins the group
   * with the subscription's other topics. Topics deleted since are left out then (the group
   * skips them anyway). Answers the instance as it reads now; the caller's save keeps it.
   */
  async function followPattern(
    instance: ConsumerInstanceRecord,
    grantedTopics: (topics: readonly string[]) => readonly string[],
  ): Promise<ConsumerInstanceRecord> {
    const subscription = instance.subscription;
    if (subscription?.pattern === undefined) return instance;
    const subscribed = new Set(subscription.topics);
    const added = grantedTopics(
      (await matching(subscription.pattern, { cached: true })).filter((t) => !subscribed.has(t)),
    );
    if (added.length === 0) return instance;
    const kept = await existing(subscription.topics);
    const topics = [...new Set([...kept, ...added])].sort();
    await join(instance, topics);
    return { ...instance, subscription: { ...subscription, topics } };
  }

  /** The topics that still exist (a topic deleted since would make a join fail). */
  async function existing(topics: readonly string[]): Promise<string[]> {
    const found = await Promise.all(
      topics.map((t) =>
        cluster.topics.get(t).then(
          () => true,
          (error: unknown) => {
            if (error instanceof NotFoundError) return false;
            throw error;
          },
        ),
      ),
    );
    return topics.filter((_, i) => found[i]);
  }

  /** The topics whose whole name matches the pattern, sorted; `cached` as `cluster.topics.list`. */
  async function matching(pattern: string, options: { cached?: boolean } = {}): Promise<string[]> {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      throw new InvalidRequestError(`topic_pattern is not a valid pattern: ${(error as Error).message}.`);
    }
    return (await cluster.topics.list(options))
      .map((t) => t.name)
      .filter((name) => regex.test(name))
      .sort();
  }
}

/** The v2 consumer instance operations. */
export type ConsumerInstanceService = ReturnType<typeof createConsumerInstanceService>;
