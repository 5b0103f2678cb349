/**
 * How a group member reaches its group and reads its partitions. The member runtime is
 * written once against these two ports; the poller plugs in the direct ones below (the group
 * service and the log, in process), the client's consumer plugs in its HTTP ones
 * (`shared/client/consumer/remote.ts`).
 */
import type { Cluster } from '../cluster';
import type { StoredRecord } from '../codec/types';
import type { GroupService, MemberState } from '../groups/service';
import type { LeaseClaim, OffsetReset, StartPolicy } from '../groups/types';
import type { Logger } from '../logger';
import type { Topic } from '../topics/registry';

/** The lease protocol as one member sees it. */
export interface GroupPort {
  /**
   * Whether joining again after the session lapsed keeps the member id, so leases nobody took
   * meanwhile are still this member's at the same epoch (a poller). When not (an HTTP member,
   * whose id the server mints), the runtime stops every partition before it joins again.
   */
  readonly rejoinsAsSameMember: boolean;
  /** Joins (or joins again) and answers what the member holds. */
  join(): Promise<MemberState>;
  /** Renews the session, rebalances; throws NotFoundError (40405) once the member is unknown. */
  heartbeat(memberId: string): Promise<MemberState>;
  /** Commits the next offset to consume under the claim; `extendTo` renews the lease in the same write where the port can. Throws FencedError when the claim is stale. */
  commit(claim: LeaseClaim, offset: number, extendTo: number): Promise<void>;
  /** Hands one drained partition back to the group. */
  release(claim: LeaseClaim): Promise<void>;
  /** Leaves the group; `held` are the partitions its workers stopped cleanly on. */
  leave(memberId: string, held: readonly LeaseClaim[]): Promise<void>;
}

/** One read of a partition from `offset`. */
export interface RecordRead {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly autoOffsetReset: OffsetReset;
}

/** What a read found: `nextOffset` is where the next read starts. */
export interface RecordsRead<R> {
  readonly records: readonly R[];
  readonly nextOffset: number;
  readonly logEndOffset: number;
}

/** How a member reads its partitions; `R` is the record as its deliveries want it. */
export interface RecordSource<R> {
  read(request: RecordRead): Promise<RecordsRead<R>>;
}

/** What the direct group port joins with. */
export interface DirectMembership {
  readonly group: string;
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly policy: StartPolicy;
  /** Keep the group's "poller running" marker fresh (wake-on-produce). */
  readonly markRunning: boolean;
  readonly now: () => number;
  readonly logger: Logger;
}

/**
 * The group port of an in-process member (a poller): the group service itself. It joins as a
 * poller that finishes its batch before giving a partition back (`deferRelease`), and keeps
 * the "poller running" marker fresh around its joins and heartbeats.
 *
 * @example
 * const port = directGroupPort(createGroupService({ cluster }), { group: 'billing', memberId, topics: ['orders'], sessionTimeoutMs: 30_000, policy, markRunning: true, now: Date.now, logger });
 */
export function directGroupPort(groups: GroupService, member: DirectMembership): GroupPort {
  const { group, memberId, logger } = member;
  let markerUntil = 0;
  async function refreshMarker(): Promise<void> {
    if (!member.markRunning) return;
    const at = member.now();
    if (markerUntil - at > member.sessionTimeoutMs / 2) return;
    markerUntil = at + member.sessionTimeoutMs;
    await groups.store.refreshMarker(group, memberId, markerUntil);
  }
  return {
    rejoinsAsSameMember: true,
    async join() {
      await refreshMarker();
      return groups.join({
        group,
        topics: member.topics,
        sessionTimeoutMs: member.sessionTimeoutMs,
        policy: member.policy,
        kind: 'poller',
        memberId,
        deferRelease: true,
      });
    },
    async heartbeat() {
      const state = await groups.heartbeat({ group, memberId, deferRelease: true });
      await refreshMarker();
      return state;
    },
    commit: (claim, offset, extendTo) => groups.commitClaim(group, claim, offset, extendTo),
    async release(claim) {
      await groups.release(group, claim);
    },
    async leave(_memberId, held) {
      await Promise.all(
        held.map((claim) =>
          groups
            .release(group, claim)
            .catch((error) =>
              logger.warn('could not release a lease; it will expire', { group, error: String(error) }),
            ),
        ),
      );
      await groups.store.removeMember(group, memberId).catch(() => {});
      if (member.markRunning) await groups.store.clearMarker(group, memberId).catch(() => {});
    },
  };
}

/**
 * The record source of an in-process member: the cluster's log, for topics resolved once.
 *
 * @example
 * const source = logRecordSource(cluster, new Map([['orders', await cluster.topics.get('orders')]]));
 */
export function logRecordSource(
  cluster: Cluster,
  topics: ReadonlyMap<string, Topic>,
): RecordSource<StoredRecord> {
  return {
    async read(request) {
      const topic = topics.get(request.topic);
      if (!topic) throw new TypeError(`logRecordSource: topic "${request.topic}" was not resolved.`);
      const result = await cluster.log.fetch({
        topic,
        partition: request.partition,
        offset: request.offset,
        maxRecords: request.maxRecords,
        maxBytes: request.maxBytes,
        autoOffsetReset: request.autoOffsetReset,
      });
      return { records: result.records, nextOffset: result.nextOffset, logEndOffset: result.logEndOffset };
    },
  };
}
