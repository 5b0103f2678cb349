import type { Cluster } from '../cluster';
import { FencedError, GroupNotEmptyError, InvalidRequestError, NotFoundError } from '../errors';
import type { Topic } from '../topics/registry';
import { planAssignment } from './balance';
import { type Clock, systemClock } from './clock';
import { callerMayActAs, type MemberCaller, mintMemberToken } from './member-token';
import { newMemberId, validateGroupName, validateMemberId } from './names';
import { resolveStartOffset } from './positions';
import type { GroupStore, ReleaseOutcome } from './store';
import {
  type Assignment,
  type GroupSnapshot,
  type LeaseClaim,
  type LeaseRecord,
  type MemberRecord,
  type MemberState,
  partitionName,
  type StaleLease,
  type StartPolicy,
  type TopicPartitionRef,
  UNKNOWN_MEMBER_ERROR_CODE,
} from './types';

export type { MemberState, StaleLease } from './types';
export { UNKNOWN_MEMBER_ERROR_CODE };

export interface GroupServiceOptions {
  readonly cluster: Cluster;
  /** @default the DynamoDB store on the cluster's meta table */
  readonly store?: GroupStore;
  /** @default Date.now */
  readonly now?: Clock;
  /**
   * How far two members' wall clocks may disagree. A lease or a member counts as expired
   * only this long after its expiry time, so a member whose clock runs ahead does not take
   * a lease its owner still believes it holds.
   * @default 1000
   */
  readonly clockSkewToleranceMs?: number;
}

export interface JoinRequest {
  readonly group: string;
  readonly topics: readonly string[];
  /** Session (and lease) length: a member that does not heartbeat within it is gone. */
  readonly sessionTimeoutMs: number;
  readonly policy: StartPolicy;
  /** @default 'http' */
  readonly kind?: 'http' | 'poller';
  /** @default a fresh id */
  readonly memberId?: string;
  /** Give back surplus leases only when the caller says so (pollers finish their batch first). @default false */
  readonly deferRelease?: boolean;
  /**
   * The IAM principal joining over HTTP on AWS: the member is bound to it (with its token), so
   * no other principal can act as the member.
   */
  readonly principal?: string;
}

export interface HeartbeatRequest {
  readonly group: string;
  readonly memberId: string;
  /** @default false */
  readonly deferRelease?: boolean;
  /** Over HTTP: who is acting (see {@link GroupService.heartbeat}). In-process callers pass none. */
  readonly caller?: MemberCaller;
}

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** Next offset to consume. */
  readonly offset: number;
}

export interface GroupDescription {
  readonly group: string;
  readonly state: 'STABLE' | 'EMPTY';
  readonly members: readonly MemberRecord[];
  readonly leases: readonly LeaseRecord[];
}

/** A live member of a group with the partitions it holds: Confluent's "consumer". */
export interface ConsumerDescription {
  readonly memberId: string;
  readonly kind: MemberRecord['kind'];
  readonly topics: readonly string[];
  /** Partitions whose lease the member holds now, by topic then partition. */
  readonly assignments: readonly { readonly topic: string; readonly partition: number }[];
}

/**
 * One partition's lag as the group service computes it, with numeric offsets. The HTTP routes
 * turn it into Confluent's lag resource; the client's `PartitionLag` (`shared/client/admin.ts`)
 * is that resource read back kafkajs-style, with decimal-string offsets and `null` where
 * nothing is committed.
 */
export interface NumericPartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset, or the start position an acquisition fixed (see `committed`). */
  readonly currentOffset: number;
  readonly logEndOffset: number;
  readonly lag: number;
  /**
   * False while no member has committed there yet: `currentOffset` is then only where the
   * group will start, and Kafka's tools show `-` for the offset and the lag.
   */
  readonly committed: boolean;
  /** Member holding the partition, or '' when nobody does. */
  readonly consumerId: string;
}

/** Where an offset reset moves a group's position on each partition of a topic (Kafka's `--to-…`). */
export type ResetTarget =
  | { readonly to: 'earliest' }
  | { readonly to: 'latest' }
  /** Clamped into the log, as Kafka does. */
  | { readonly to: 'offset'; readonly offset: number }
  /** The first record at or after this time (ms since the epoch); the log end when none is. */
  | { readonly to: 'timestamp'; readonly timestamp: number };

export interface ResetOffsetsRequest {
  readonly group: string;
  readonly topic: string;
  readonly target: ResetTarget;
  /** Only compute the plan. @default false */
  readonly dryRun?: boolean;
}

/**
 * One partition of a reset plan, with a numeric offset; the client's `PlannedOffset`
 * (`shared/client/admin.ts`) is the same row read back with a decimal-string offset.
 */
export interface NumericPlannedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly newOffset: number;
}

/**
 * The lease protocol as operations: the HTTP routes and the poller runtime both call these.
 *
 * A member's id is not a secret (group describe and lags show it). An HTTP member (`kind:
 * 'http'`) gets a member token from its join; heartbeat, commit and leave over HTTP pass a
 * `caller`, and act only if its token (and, where the member joined with one, its IAM
 * principal) is the member's — otherwise they answer "unknown member" (404 / 40405), the same
 * as for a member that does not exist. A poller's members have no token and cannot be driven
 * with a caller at all. In-process callers (the poller runtime, tests) pass no caller.
 *
 * The store stays inside: callers get the operations, never the store itself. The marker
 * operations are the store's, unchanged — the poller claims, refreshes and clears the
 * "poller running" marker that wake-on-produce (`shared/poller/wake.ts`) checks.
 */
export interface GroupService extends Pick<GroupStore, 'claimMarker' | 'refreshMarker' | 'clearMarker'> {
  join(request: JoinRequest): Promise<MemberState>;
  heartbeat(request: HeartbeatRequest): Promise<MemberState>;
  /**
   * Commits offsets; throws {@link FencedError} if any claim is stale (the others still commit).
   * With a `caller`, first reads the member item to check the caller may act as it.
   */
  commit(
    group: string,
    memberId: string,
    offsets: readonly OffsetCommit[],
    caller?: MemberCaller,
  ): Promise<OffsetCommit[]>;
  /** One conditional commit; `extendTo` renews the lease in the same write. Throws {@link FencedError}. */
  commitClaim(group: string, claim: LeaseClaim, offset: number, extendTo?: number): Promise<void>;
  /** Gives a lease back; with `offset`, the same conditional write commits it. */
  release(group: string, claim: LeaseClaim, offset?: number): Promise<ReleaseOutcome>;
  /**
   * Takes the leases of some partitions for one short drain by a holder that is no member of
   * the group (the stream trigger): one consistent read of the group, then per partition the
   * same conditional acquisition members use, so a partition a live member (a poller, a
   * client consumer, an HTTP member) holds is skipped, never taken. The holder delivers, then
   * gives each lease back with {@link GroupService.release} (committing in the same write).
   */
  takePartitions(request: TakePartitionsRequest): Promise<TakenPartitions>;
  /**
   * Takes a partition back right after its holder released it (the stream trigger, when the
   * end check after its release found new records): the release wrote the lease item itself —
   * epoch `claim.epoch + 1`, no owner, `offset` committed — so the acquisition is conditional
   * on that state with no read of the group first. Its outcomes: acquired (nobody wrote the
   * lease since the release); lost to a live holder, which is returned as held; or the item
   * moved on and is free (an offset reset, a deleted group), when the partition is taken as
   * {@link GroupService.takePartitions} takes it, from a fresh read.
   */
  retakePartition(request: RetakePartitionRequest): Promise<TakenPartitions>;
  /** Releases the member's leases, so others take them at once, and removes the member. */
  leave(group: string, memberId: string, caller?: MemberCaller): Promise<void>;
  /**
   * Removes an in-process member without touching its leases: an in-process member that
   * stops hands back only the partitions whose workers stopped cleanly (with
   * {@link GroupService.release}); the others expire, so nobody takes a partition while a
   * worker may still be delivering from it.
   */
  removeMember(group: string, memberId: string): Promise<void>;
  list(): Promise<GroupDescription[]>;
  /** Throws {@link NotFoundError} (40404) for a group nobody ever joined. */
  describe(group: string): Promise<GroupDescription>;
  lags(group: string): Promise<NumericPartitionLag[]>;
  /**
   * The group's live members with the partitions each holds (a lease it owns that has not
   * expired), sorted by member id. Throws {@link NotFoundError} (40404) for an unknown group.
   */
  consumers(group: string): Promise<ConsumerDescription[]>;
  /**
   * Moves the group's committed offsets on every partition of a topic, or with `dryRun` only
   * says where they would go. Refused (409 / 40903) while the group has live members, as
   * Kafka refuses for a group that is not empty.
   */
  resetOffsets(request: ResetOffsetsRequest): Promise<NumericPlannedOffset[]>;
  /** Deletes a group with its offsets; refused (409 / 40903) while it has live members; 404 / 40404 when unknown. */
  deleteGroup(group: string): Promise<void>;
  /**
   * The offsets the group committed on these partitions (the next offset to consume), leaving
   * out those where nothing was committed on the topic's current incarnation.
   */
  committedOffsets(group: string, partitions: readonly TopicPartitionRef[]): Promise<PartitionOffset[]>;
  /**
   * Commits offsets for a consumer that holds no lease (a manually assigned v2 consumer
   * instance, Kafka's `assign()`): each is written only while no live member holds the
   * partition, and the write moves the lease epoch on, so a late commit of an expired owner
   * is fenced. Throws {@link FencedError} (409 / 40901) if a live member holds any of them
   * (the others are still committed).
   */
  commitUnassigned(group: string, offsets: readonly PartitionOffset[]): Promise<void>;
  /** Whether any partition of `topics` has records the group has not consumed yet. */
  hasPendingRecords(group: string, topics: readonly string[], policy: StartPolicy): Promise<boolean>;
}

/** An offset of one partition: the next offset to consume. */
export interface PartitionOffset extends TopicPartitionRef {
  readonly offset: number;
}

/** What {@link GroupService.takePartitions} takes. */
export interface TakePartitionsRequest {
  readonly group: string;
  /** The holder's id, written as the leases' owner (fencing: every later write names it and the epoch). */
  readonly owner: string;
  readonly partitions: readonly { readonly topic: Topic; readonly partition: number }[];
  /** How long the leases are held unless renewed by a commit. */
  readonly leaseDurationMs: number;
  /** Where a partition the group never consumed starts. */
  readonly policy: StartPolicy;
}

/** What {@link GroupService.retakePartition} takes back: one partition its holder just released. */
export interface RetakePartitionRequest extends Omit<TakePartitionsRequest, 'partitions'> {
  readonly topic: Topic;
  readonly partition: number;
  /** The claim the holder released, and the offset the release committed (or left committed). */
  readonly released: { readonly epoch: number; readonly offset: number };
}

/** The partitions {@link GroupService.takePartitions} took, and those a live holder kept. */
export interface TakenPartitions {
  readonly taken: readonly Assignment[];
  /** Held by a live member (or another drain), or lost to one between the read and the write. */
  readonly held: readonly { readonly topic: string; readonly partition: number }[];
}

/** Error code of "no such consumer group". */
export const UNKNOWN_GROUP_ERROR_CODE = 40404;
/** Error code of "the group has live members" (Kafka's NON_EMPTY_GROUP, {@link GroupNotEmptyError}). */
export const GROUP_NOT_EMPTY_ERROR_CODE = 40903;

/**
 * Suggested heartbeat interval for a session: a third of it, so two heartbeats may be lost
 * before the session ends, and at most 5 s, so rebalances stay quick.
 */
export function heartbeatIntervalFor(sessionTimeoutMs: number): number {
  return Math.max(10, Math.min(5_000, Math.floor(sessionTimeoutMs / 3)));
}

/**
 * Leases held, and not yet expired, by an owner that has missed at least two heartbeats (its
 * member item was not renewed for two intervals) or has no member item at all: it stopped
 * without giving its leases back, and nobody can take them before they expire.
 */
function staleLeases(
  me: string,
  leases: ReadonlyMap<string, LeaseRecord>,
  members: readonly MemberRecord[],
  at: number,
): StaleLease[] {
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const silent = (owner: string) => {
    const member = byId.get(owner);
    if (!member) return true;
    const lastHeartbeat = member.expiresAt - member.sessionTimeoutMs;
    return at - lastHeartbeat > 2 * heartbeatIntervalFor(member.sessionTimeoutMs);
  };
  const stale: StaleLease[] = [];
  for (const lease of leases.values()) {
    if (lease.owner === undefined || lease.owner === me || lease.expiresAt <= at) continue;
    if (silent(lease.owner))
      stale.push({
        topic: lease.topic,
        partition: lease.partition,
        owner: lease.owner,
        expiresAt: lease.expiresAt,
      });
  }
  return stale.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * Builds the group service over a cluster.
 *
 * @example
 * const groups = createGroupService({ cluster });
 * const member = await groups.join({ group: 'billing', topics: ['orders'], sessionTimeoutMs: 30_000,
 *   policy: { startingPosition: 'LATEST', autoOffsetReset: 'latest' } });
 * await groups.commit('billing', member.memberId, [{ topic: 'orders', partition: 0, epoch: member.assignments[0].epoch, offset: 10 }]);
 */
export function createGroupService(options: GroupServiceOptions): GroupService {
  const { cluster } = options;
  const store = options.store ?? cluster.groups;
  const now = options.now ?? systemClock;
  const skew = options.clockSkewToleranceMs ?? 1_000;

  /**
   * One partition's lease for `owner` until `leaseDurationMs` from now, conditional on the
   * lease item being `seen` (and free or expired), with `committed` as its committed offset.
   */
  function acquireLease(
    group: string,
    owner: string,
    topic: Topic,
    partition: number,
    seen: LeaseRecord | undefined,
    committed: number,
    leaseDurationMs: number,
  ) {
    const at = now();
    return store.acquire(group, {
      seen,
      topic: topic.name,
      partition,
      topicId: topic.id,
      owner,
      expiresAt: at + leaseDurationMs,
      expiredBefore: at - skew,
      committed,
    });
  }

  async function topicOrUndefined(name: string): Promise<Topic | undefined> {
    try {
      return await cluster.topics.get(name);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  function unknownMember(group: string, memberId: string): NotFoundError {
    return new NotFoundError(
      `Member "${memberId}" is not a live member of consumer group "${group}": its session expired or it left. Join the group again.`,
      { errorCode: UNKNOWN_MEMBER_ERROR_CODE },
    );
  }

  /**
   * Refuses a caller that may not act as the member. The answer is the one for a member that
   * does not exist, so it tells an outsider nothing about which member ids are live.
   */
  function authorize(
    group: string,
    memberId: string,
    member: MemberRecord | undefined,
    caller?: MemberCaller,
  ) {
    if (caller === undefined) return;
    if (callerMayActAs(member?.binding, caller)) return;
    throw new NotFoundError(
      `Member "${memberId}" is not a live member of consumer group "${group}" that this request may act as: ` +
        'its session expired or it left, or the request lacks the Sluice-Member-Token the join answer returned ' +
        '(or comes from another principal). Join the group again.',
      { errorCode: UNKNOWN_MEMBER_ERROR_CODE },
    );
  }

  async function rebalance(
    group: string,
    me: MemberRecord,
    snapshot: GroupSnapshot,
    deferRelease: boolean,
  ): Promise<MemberState> {
    const at = now();
    const topics = (await Promise.all(me.topics.map(topicOrUndefined))).filter((t): t is Topic => !!t);
    const byName = new Map<string, { topic: Topic; partition: number }>();
    for (const topic of topics) {
      for (let p = 0; p < topic.partitionCount; p++)
        byName.set(partitionName(topic.name, p), { topic, partition: p });
    }
    const leases = new Map<string, LeaseRecord>();
    for (const lease of snapshot.leases) {
      const name = partitionName(lease.topic, lease.partition);
      if (byName.has(name)) leases.set(name, lease);
    }
    const mySet = new Set(me.topics);
    const members = snapshot.members
      .filter((m) => m.memberId === me.memberId || m.expiresAt + skew > at)
      .filter((m) => m.topics.some((t) => mySet.has(t)))
      .map((m) => m.memberId);
    const plan = planAssignment({
      me: me.memberId,
      partitions: [...byName.keys()],
      leases,
      members,
      now: at,
      skewToleranceMs: skew,
    });

    const releasing = new Set(plan.release);
    const assignments: Assignment[] = [];
    const revoking: Assignment[] = [];
    await Promise.all(
      plan.mine.map(async (name) => {
        const lease = leases.get(name) as LeaseRecord;
        const { topic, partition } = byName.get(name) as { topic: Topic; partition: number };
        const claim = { topic: topic.name, partition, owner: me.memberId, epoch: lease.epoch };
        if (releasing.has(name) && !deferRelease) {
          await store.release(group, claim);
          return;
        }
        let expiresAt = lease.expiresAt;
        // Renew only past half-life: a heartbeat every third of the session renews each
        // lease about every other beat, halving the writes.
        if (expiresAt - now() < me.sessionTimeoutMs / 2) {
          expiresAt = now() + me.sessionTimeoutMs;
          if ((await store.renew(group, claim, expiresAt)) === 'fenced') return;
        }
        const committedOffset =
          lease.committed !== undefined && lease.topicId === topic.id
            ? lease.committed
            : await resolveStartOffset(cluster, topic, partition, lease, me.policy);
        const assignment = { topic: topic.name, partition, epoch: lease.epoch, committedOffset, expiresAt };
        assignments.push(assignment);
        if (releasing.has(name)) revoking.push(assignment);
      }),
    );

    // Acquire in rounds of "as many as still wanted", so a lost race costs one more round.
    let next = 0;
    let acquired = 0;
    while (acquired < plan.want && next < plan.candidates.length) {
      const round = plan.candidates.slice(next, next + (plan.want - acquired));
      next += round.length;
      const outcomes = await Promise.all(
        round.map(async (name) => {
          const { topic, partition } = byName.get(name) as { topic: Topic; partition: number };
          const seen = leases.get(name);
          const committed = await resolveStartOffset(cluster, topic, partition, seen, me.policy);
          return acquireLease(group, me.memberId, topic, partition, seen, committed, me.sessionTimeoutMs);
        }),
      );
      for (const outcome of outcomes) {
        if (outcome.kind !== 'acquired') continue;
        acquired++;
        const { lease } = outcome;
        assignments.push({
          topic: lease.topic,
          partition: lease.partition,
          epoch: lease.epoch,
          committedOffset: lease.committed ?? 0,
          expiresAt: lease.expiresAt,
        });
      }
    }
    const order = (a: Assignment, b: Assignment) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition;
    return {
      group,
      memberId: me.memberId,
      sessionTimeoutMs: me.sessionTimeoutMs,
      heartbeatIntervalMs: heartbeatIntervalFor(me.sessionTimeoutMs),
      assignments: assignments.sort(order),
      revoking: revoking.sort(order),
      waitingFor: staleLeases(me.memberId, leases, snapshot.members, at),
    };
  }

  /** Deletes member items that expired long ago: DynamoDB TTL is not relied on (locally it never deletes). */
  async function sweepMembers(group: string, snapshot: GroupSnapshot, at: number): Promise<void> {
    const stale = snapshot.members.filter((m) => m.expiresAt + Math.max(60_000, 2 * m.sessionTimeoutMs) < at);
    await Promise.all(stale.map((m) => store.removeMember(group, m.memberId, m.expiresAt)));
  }

  async function commitClaim(group: string, claim: LeaseClaim, offset: number, extendTo?: number) {
    if ((await store.commit(group, claim, offset, extendTo)) === 'fenced') {
      throw new FencedError(
        `Member "${claim.owner}" no longer holds ${claim.topic}-${claim.partition} at epoch ${claim.epoch} ` +
          `in consumer group "${group}": the partition moved to another member. Heartbeat (or join again) to learn the current assignment.`,
        { topic: claim.topic, partition: claim.partition, offset },
      );
    }
  }

  async function describe(group: string): Promise<GroupDescription> {
    validateGroupName(group);
    const [exists, snapshot] = await Promise.all([store.groupExists(group), store.snapshot(group)]);
    if (!exists && snapshot.leases.length === 0 && snapshot.members.length === 0) {
      throw new NotFoundError(`Consumer group "${group}" does not exist: no member ever joined it.`, {
        errorCode: UNKNOWN_GROUP_ERROR_CODE,
      });
    }
    const at = now();
    const members = snapshot.members.filter((m) => m.expiresAt > at);
    return { group, state: members.length > 0 ? 'STABLE' : 'EMPTY', members, leases: snapshot.leases };
  }

  /** Refuses an administrative change while anyone is in the group, as Kafka does. */
  function refuseWhileActive(group: string, members: readonly MemberRecord[], what: string): void {
    if (members.length === 0) return;
    const ids = members.map((m) => m.memberId).join(', ');
    throw new GroupNotEmptyError(
      `Consumer group "${group}" has ${members.length} live member${members.length === 1 ? '' : 's'} (${ids}): ` +
        `${what} only while the group is empty. Stop its consumers, or wait for their sessions to expire, and try again.`,
    );
  }

  function heldMeanwhile(group: string, what: string): GroupNotEmptyError {
    return new GroupNotEmptyError(
      `A member of consumer group "${group}" took a partition while ${what}: stop its consumers and try again.`,
    );
  }

  async function targetOffset(topic: Topic, partition: number, target: ResetTarget): Promise<number> {
    const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, partition);
    switch (target.to) {
      case 'earliest':
        return logStartOffset;
      case 'latest':
        return logEndOffset;
      case 'offset':
        return Math.min(Math.max(target.offset, logStartOffset), logEndOffset);
      case 'timestamp':
        return cluster.log.offsetForTimestamp(topic, partition, target.timestamp);
    }
  }

  const service: GroupService = {
    // The "poller running" marker of wake-on-produce, held by the group's poller.
    claimMarker: (group, owner, expiresAt, at, takeoverFrom) =>
      store.claimMarker(group, owner, expiresAt, at, takeoverFrom),
    refreshMarker: (group, owner, expiresAt) => store.refreshMarker(group, owner, expiresAt),
    clearMarker: (group, owner) => store.clearMarker(group, owner),

    async join(request) {
      validateGroupName(request.group);
      const memberId = request.memberId ?? newMemberId(request.kind === 'poller' ? 'poller' : 'consumer');
      validateMemberId(memberId);
      if (request.topics.length === 0) throw new InvalidRequestError('topics must name at least one topic.');
      if (!Number.isInteger(request.sessionTimeoutMs) || request.sessionTimeoutMs <= 0) {
        throw new InvalidRequestError(
          `session timeout must be a positive integer, got ${request.sessionTimeoutMs}.`,
        );
      }
      if (
        request.policy.startingPosition === 'AT_TIMESTAMP' &&
        request.policy.startingPositionTimestamp === undefined
      ) {
        throw new InvalidRequestError('startingPosition AT_TIMESTAMP needs startingPositionTimestamp.');
      }
      // Unknown topics are refused here (404); a topic deleted later is just skipped.
      await Promise.all(request.topics.map((t) => cluster.topics.get(t)));
      const at = now();
      const kind = request.kind ?? 'http';
      const credential = kind === 'http' ? mintMemberToken(request.principal) : undefined;
      const me: MemberRecord = {
        memberId,
        topics: [...new Set(request.topics)],
        expiresAt: at + request.sessionTimeoutMs,
        sessionTimeoutMs: request.sessionTimeoutMs,
        policy: request.policy,
        kind,
        joinedAt: at,
        ...(credential ? { binding: credential.binding } : {}),
      };
      await Promise.all([store.registerGroup(request.group, at), store.putMember(request.group, me)]);
      const snapshot = await store.snapshot(request.group);
      const state = await rebalance(request.group, me, snapshot, request.deferRelease ?? false);
      return credential ? { ...state, memberToken: credential.token } : state;
    },

    async heartbeat({ group, memberId, deferRelease, caller }) {
      validateGroupName(group);
      validateMemberId(memberId);
      const snapshot = await store.snapshot(group);
      const at = now();
      const found = snapshot.members.find((m) => m.memberId === memberId);
      authorize(group, memberId, found, caller);
      if (!found || found.expiresAt <= at) {
        if (found) await store.removeMember(group, memberId, found.expiresAt);
        throw unknownMember(group, memberId);
      }
      const expiresAt = at + found.sessionTimeoutMs;
      if ((await store.renewMember(group, memberId, expiresAt, at)) === 'unknown')
        throw unknownMember(group, memberId);
      await sweepMembers(group, snapshot, at);
      return rebalance(group, { ...found, expiresAt }, snapshot, deferRelease ?? false);
    },

    async commit(group, memberId, offsets, caller) {
      validateGroupName(group);
      validateMemberId(memberId);
      // The lease's condition (owner and epoch) fences a member that lost a partition; the
      // binding check keeps anyone else from committing in its name.
      if (caller !== undefined) authorize(group, memberId, await store.member(group, memberId), caller);
      const results = await Promise.allSettled(
        offsets.map((o) =>
          commitClaim(
            group,
            { topic: o.topic, partition: o.partition, owner: memberId, epoch: o.epoch },
            o.offset,
          ),
        ),
      );
      const fenced = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ error: r.reason, commit: offsets[i] }] : [],
      );
      if (fenced.length > 0) {
        const other = fenced.find((f) => !(f.error instanceof FencedError));
        if (other) throw other.error;
        const list = fenced
          .map((f) => `${f.commit.topic}-${f.commit.partition} (epoch ${f.commit.epoch})`)
          .join(', ');
        throw new FencedError(
          `Member "${memberId}" no longer holds ${list} in consumer group "${group}": those partitions moved to ` +
            'another member and their offsets were not committed. Heartbeat to learn the current assignment.',
          { topic: fenced[0].commit.topic, partition: fenced[0].commit.partition },
        );
      }
      return [...offsets];
    },

    commitClaim,

    release: (group, claim, offset) => store.release(group, claim, offset),

    async takePartitions(request) {
      const { group, owner } = request;
      validateGroupName(group);
      const snapshot = await store.snapshot(group);
      const leases = new Map(snapshot.leases.map((l) => [partitionName(l.topic, l.partition), l]));
      if (snapshot.leases.length === 0) await store.registerGroup(group, now());
      const taken: Assignment[] = [];
      const held: { topic: string; partition: number }[] = [];
      await Promise.all(
        request.partitions.map(async ({ topic, partition }) => {
          const seen = leases.get(partitionName(topic.name, partition));
          const at = now();
          // The acquisition below re-checks this at write time; reading it first saves the
          // write (and the start-offset read) for a partition a live holder keeps.
          if (seen?.owner !== undefined && seen.expiresAt >= at - skew) {
            held.push({ topic: topic.name, partition });
            return;
          }
          // A committed offset of this incarnation is used as it is: when retention moved the
          // log start past it, the drain's fetch applies auto.offset.reset.
          const committed =
            seen?.committed !== undefined && seen.topicId === topic.id
              ? seen.committed
              : await resolveStartOffset(cluster, topic, partition, seen, request.policy);
          const outcome = await acquireLease(
            group,
            owner,
            topic,
            partition,
            seen,
            committed,
            request.leaseDurationMs,
          );
          if (outcome.kind !== 'acquired') {
            held.push({ topic: topic.name, partition });
            return;
          }
          const { lease } = outcome;
          taken.push({
            topic: lease.topic,
            partition: lease.partition,
            epoch: lease.epoch,
            committedOffset: committed,
            expiresAt: lease.expiresAt,
          });
        }),
      );
      const order = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
        a.topic.localeCompare(b.topic) || a.partition - b.partition;
      return { taken: taken.sort(order), held: held.sort(order) };
    },

    async retakePartition(request) {
      const { group, owner, topic, partition, released } = request;
      validateGroupName(group);
      const at = now();
      const seen: LeaseRecord = {
        topic: topic.name,
        partition,
        topicId: topic.id,
        expiresAt: 0,
        epoch: released.epoch + 1,
        committed: released.offset,
      };
      const outcome = await acquireLease(
        group,
        owner,
        topic,
        partition,
        seen,
        released.offset,
        request.leaseDurationMs,
      );
      if (outcome.kind === 'acquired') {
        const { lease } = outcome;
        return {
          taken: [
            {
              topic: lease.topic,
              partition: lease.partition,
              epoch: lease.epoch,
              committedOffset: released.offset,
              expiresAt: lease.expiresAt,
            },
          ],
          held: [],
        };
      }
      const { current } = outcome;
      // The same test takePartitions makes on its read: the failed write's ALL_OLD is that read.
      if (current?.owner !== undefined && current.expiresAt >= at - skew) {
        return { taken: [], held: [{ topic: topic.name, partition }] };
      }
      return service.takePartitions({ ...request, partitions: [{ topic, partition }] });
    },

    async leave(group, memberId, caller) {
      validateGroupName(group);
      validateMemberId(memberId);
      const snapshot = await store.snapshot(group);
      authorize(
        group,
        memberId,
        snapshot.members.find((m) => m.memberId === memberId),
        caller,
      );
      await Promise.all(
        snapshot.leases
          .filter((l) => l.owner === memberId)
          .map((l) =>
            store.release(group, { topic: l.topic, partition: l.partition, owner: memberId, epoch: l.epoch }),
          ),
      );
      await store.removeMember(group, memberId);
    },

    removeMember: (group, memberId) => store.removeMember(group, memberId),

    async list() {
      const names = await store.listGroups();
      return Promise.all(names.map(describe));
    },

    describe,

    async consumers(group) {
      const { members, leases } = await describe(group);
      const at = now();
      return [...members]
        .sort((a, b) => a.memberId.localeCompare(b.memberId))
        .map((member) => ({
          memberId: member.memberId,
          kind: member.kind,
          topics: member.topics,
          assignments: leases
            .filter((lease) => lease.owner === member.memberId && lease.expiresAt > at)
            .map((lease) => ({ topic: lease.topic, partition: lease.partition }))
            .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        }));
    },

    async lags(group) {
      const { leases } = await describe(group);
      const at = now();
      const lags = await Promise.all(
        leases.map(async (lease): Promise<NumericPartitionLag | undefined> => {
          if (lease.committed === undefined) return undefined;
          const topic = await topicOrUndefined(lease.topic);
          if (!topic || topic.id !== lease.topicId || lease.partition >= topic.partitionCount)
            return undefined;
          const { logEndOffset } = await cluster.log.offsets(topic, lease.partition);
          const live = lease.owner !== undefined && lease.expiresAt + skew > at;
          return {
            topic: lease.topic,
            partition: lease.partition,
            currentOffset: lease.committed,
            logEndOffset,
            lag: Math.max(0, logEndOffset - lease.committed),
            committed: lease.commitTopicId === topic.id,
            consumerId: live ? (lease.owner as string) : '',
          };
        }),
      );
      return lags
        .filter((l): l is NumericPartitionLag => !!l)
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },

    async resetOffsets({ group, topic: topicName, target, dryRun }) {
      validateGroupName(group);
      const topic = await cluster.topics.get(topicName);
      const snapshot = await store.snapshot(group);
      const at = now();
      refuseWhileActive(
        group,
        snapshot.members.filter((m) => m.expiresAt > at),
        'offsets can be reset',
      );
      const plan = await Promise.all(
        Array.from({ length: topic.partitionCount }, async (_, partition) => ({
          topic: topic.name,
          partition,
          newOffset: await targetOffset(topic, partition, target),
        })),
      );
      if (dryRun) return plan;
      const leases = new Map(snapshot.leases.map((l) => [partitionName(l.topic, l.partition), l]));
      const outcomes = await Promise.all(
        plan.map((p) =>
          store.resetOffset(group, {
            seen: leases.get(partitionName(p.topic, p.partition)),
            topic: p.topic,
            partition: p.partition,
            topicId: topic.id,
            offset: p.newOffset,
            expiredBefore: at - skew,
          }),
        ),
      );
      // Offsets now exist for the group, so it is listed, as in Kafka.
      await store.registerGroup(group, at);
      if (outcomes.includes('held')) throw heldMeanwhile(group, 'its offsets were reset');
      return plan;
    },

    async deleteGroup(group) {
      const { members, leases } = await describe(group);
      refuseWhileActive(group, members, 'a group can be deleted');
      const snapshot = await store.snapshot(group);
      const cutoff = now() - skew;
      const outcomes = await Promise.all(leases.map((lease) => store.deleteLease(group, lease, cutoff)));
      if (outcomes.includes('held')) throw heldMeanwhile(group, 'the group was deleted');
      await Promise.all([
        ...snapshot.members.map((m) => store.removeMember(group, m.memberId, m.expiresAt)),
        ...(snapshot.marker ? [store.clearMarker(group, snapshot.marker.owner)] : []),
      ]);
      await store.unregisterGroup(group);
    },

    async committedOffsets(group, partitions) {
      validateGroupName(group);
      const snapshot = await store.snapshot(group);
      const leases = new Map(snapshot.leases.map((l) => [partitionName(l.topic, l.partition), l]));
      const found = await Promise.all(
        partitions.map(async ({ topic: name, partition }): Promise<PartitionOffset | undefined> => {
          const lease = leases.get(partitionName(name, partition));
          if (lease?.committed === undefined) return undefined;
          const topic = await topicOrUndefined(name);
          // Only a commit marks the incarnation; an acquisition's start position is not one.
          if (!topic || lease.commitTopicId !== topic.id) return undefined;
          return { topic: name, partition, offset: lease.committed };
        }),
      );
      return found.filter((o): o is PartitionOffset => !!o);
    },

    async commitUnassigned(group, offsets) {
      validateGroupName(group);
      const snapshot = await store.snapshot(group);
      const leases = new Map(snapshot.leases.map((l) => [partitionName(l.topic, l.partition), l]));
      const at = now();
      const heldError = (held: readonly TopicPartitionRef[]) =>
        new FencedError(
          `A live member of consumer group "${group}" holds ${held.map((h) => `${h.topic}-${h.partition}`).join(', ')}: ` +
            'a consumer without a lease may not commit there (those offsets were not committed). Subscribe instead, or use another group.',
          { topic: held[0].topic, partition: held[0].partition },
        );
      // Refused before anything is written when the snapshot shows a live holder (the
      // writes' condition still catches one that took a partition since).
      const heldBefore = offsets.filter((o) => {
        const lease = leases.get(partitionName(o.topic, o.partition));
        return lease?.owner !== undefined && lease.expiresAt >= at - skew;
      });
      if (heldBefore.length > 0) throw heldError(heldBefore);
      const outcomes = await Promise.all(
        offsets.map(async (o) => {
          const topic = await cluster.topics.get(o.topic);
          const outcome = await store.resetOffset(group, {
            seen: leases.get(partitionName(o.topic, o.partition)),
            topic: o.topic,
            partition: o.partition,
            topicId: topic.id,
            offset: o.offset,
            expiredBefore: at - skew,
          });
          return { ...o, outcome };
        }),
      );
      await store.registerGroup(group, at);
      const held = outcomes.filter((o) => o.outcome === 'held');
      if (held.length > 0) throw heldError(held);
    },

    async hasPendingRecords(group, topicNames, policy) {
      const snapshot = await store.snapshot(group);
      const leases = new Map(snapshot.leases.map((l) => [partitionName(l.topic, l.partition), l]));
      const topics = (await Promise.all(topicNames.map(topicOrUndefined))).filter((t): t is Topic => !!t);
      const checks = topics.flatMap((topic) =>
        Array.from({ length: topic.partitionCount }, async (_, partition) => {
          const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, partition);
          const lease = leases.get(partitionName(topic.name, partition));
          if (lease?.committed !== undefined && lease.topicId === topic.id)
            return logEndOffset > lease.committed;
          return policy.startingPosition !== 'LATEST' && logEndOffset > logStartOffset;
        }),
      );
      return (await Promise.all(checks)).some(Boolean);
    },
  };
  return service;
}
