/**
 * The consumer-group data model shared by the lease store, the planner, the group service,
 * the poller runtime and the HTTP routes. See `docs/consumer-groups.md`.
 */

/** Where a partition with no committed offset starts, as in Lambda's Kafka trigger. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/** What to do when the committed offset is outside the log (Kafka's `auto.offset.reset`). */
export type OffsetReset = 'earliest' | 'latest';

/** How a member chooses its first offset on a partition. */
export interface StartPolicy {
  readonly startingPosition: StartingPosition;
  /** Milliseconds since the epoch; required with `AT_TIMESTAMP`. */
  readonly startingPositionTimestamp?: number;
  /** Used when the committed offset fell below the log start (retention) or beyond its end. */
  readonly autoOffsetReset: OffsetReset;
}

/** A member of a group: an HTTP consumer or a poller. */
export interface MemberRecord {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Wall-clock time after which the member counts as gone. */
  readonly expiresAt: number;
  /** Lease and session length of this member, in ms. */
  readonly sessionTimeoutMs: number;
  readonly policy: StartPolicy;
  readonly kind: 'http' | 'poller';
  readonly joinedAt: number;
  /**
   * What a caller must present to act as this member over HTTP. Set for every member that
   * joined over HTTP; absent for pollers, which run in-process and are never driven over HTTP.
   */
  readonly binding?: MemberBinding;
}

/**
 * Binds a member to whoever joined: its member id is public (group describe, lags), so it
 * proves nothing on its own.
 */
export interface MemberBinding {
  /** SHA-256 (base64url) of the member token the join answer returned; the token is never stored. */
  readonly tokenHash: string;
  /** The IAM principal (user or role ARN) that joined, on AWS: only it may act as the member. */
  readonly principal?: string;
}

/** The lease item of one (group, topic, partition). */
export interface LeaseRecord {
  readonly topic: string;
  readonly partition: number;
  /** Id of the topic incarnation the committed offset belongs to. */
  readonly topicId?: string;
  /** Absent when the lease is free (never taken, or released). */
  readonly owner?: string;
  readonly expiresAt: number;
  /** Fencing token: +1 on every change of ownership (acquire and release). */
  readonly epoch: number;
  /** Kafka meaning: the next offset to consume. */
  readonly committed?: number;
  /**
   * The topic incarnation a member (or an offset reset) last committed on. While it differs
   * from `topicId`, `committed` is only the start position an acquisition wrote: the group
   * has committed nothing there, and lag shows `-` as Kafka does.
   */
  readonly commitTopicId?: string;
}

/** The "a poller is running for this group" marker that wake-on-produce checks. */
export interface PollerMarker {
  readonly owner: string;
  readonly expiresAt: number;
}

/** Everything stored under one group's partition key, read with one query. */
export interface GroupSnapshot {
  readonly leases: readonly LeaseRecord[];
  readonly members: readonly MemberRecord[];
  readonly marker?: PollerMarker;
}

/** Identifies a held lease: every write on it is conditional on both fields. */
export interface LeaseClaim {
  readonly topic: string;
  readonly partition: number;
  readonly owner: string;
  readonly epoch: number;
}

/** One partition a member holds, as the join and heartbeat answers report it. */
export interface Assignment {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** Where to start reading: the committed offset (or the resolved start when none). */
  readonly committedOffset: number;
  readonly expiresAt: number;
}

/** `{topic}#{partition}`: the planner's name for a partition. */
export function partitionName(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

/** A member's view after a join or heartbeat. */
export interface MemberState {
  readonly group: string;
  readonly memberId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Partitions held, with their epochs and start offsets (including those in `revoking`). */
  readonly assignments: readonly Assignment[];
  /** With `deferRelease`: held partitions the member should finish and give back. */
  readonly revoking: readonly Assignment[];
  /**
   * Partitions of the member's topics that nobody can take yet because a silent owner still
   * holds them: a member that stopped heartbeating (or is gone) without giving its leases
   * back. The group consumes them again once the lease expires; a runtime logs this so the
   * wait has a reason.
   */
  readonly waitingFor: readonly StaleLease[];
  /**
   * Only in the answer to an HTTP member's join: the secret that heartbeats, commits and
   * leaves of this member must present. It is returned once and stored only as a hash.
   */
  readonly memberToken?: string;
}

/** A lease held by a member that no longer heartbeats, and when it expires. */
export interface StaleLease {
  readonly topic: string;
  readonly partition: number;
  readonly owner: string;
  readonly expiresAt: number;
}

/** Error code of "no such member": the client must join again. */
export const UNKNOWN_MEMBER_ERROR_CODE = 40405;

/** The embedded formats a Confluent v2 consumer instance reads records in. */
export type EmbeddedFormat = 'json' | 'binary';

/** One partition of a topic. */
export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Where a v2 consumer instance reads a partition next. `epoch` is the lease epoch the position
 * was taken under (subscribed instances): a position of an older epoch is stale — the partition
 * changed hands since — and the committed offset applies instead, as after a Kafka rebalance.
 * Manually assigned instances hold no lease and keep `epoch` 0.
 */
export interface InstancePosition extends TopicPartitionRef {
  readonly offset: number;
  readonly epoch: number;
}

/**
 * A Confluent v2 consumer instance as stored: everything a server needs to serve its next
 * request, so that any server may (`docs/http-api.md`, "v2 consumers").
 */
export interface ConsumerInstanceRecord {
  readonly group: string;
  /** The instance's name: also its member id in the group while it is subscribed. */
  readonly instanceId: string;
  readonly format: EmbeddedFormat;
  readonly autoOffsetReset: OffsetReset;
  /** Commit what was fetched at the next read, at delete and at unsubscribe (Kafka's `enable.auto.commit`). */
  readonly autoCommit: boolean;
  /** A read answers once this many key and value bytes were fetched, or at its timeout. */
  readonly fetchMinBytes: number;
  /** How long a read waits for `fetchMinBytes` when the request names no `timeout`. */
  readonly requestTimeoutMs: number;
  /** Set while subscribed: the topics, and the pattern they were matched with, if any. */
  readonly subscription?: { readonly topics: readonly string[]; readonly pattern?: string };
  /** Set while manually assigned. */
  readonly assignment?: readonly TopicPartitionRef[];
  readonly positions: readonly InstancePosition[];
  /**
   * When the instance expires unless another request comes (ms since the epoch): the last
   * request's time plus the instance timeout then in force, as Confluent computes it.
   */
  readonly expiresAt: number;
  /** +1 on every save: a save is conditional on the version it read. */
  readonly version: number;
}
