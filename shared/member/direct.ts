/**
 * The direct implementations of the member runtime's ports (`ports.ts`): the group service and
 * the log, in process, as the poller uses them. Kept apart from the port interfaces so that a
 * member over HTTP (the client's consumer) never depends on the storage side.
 */
import type { Cluster } from '../cluster';
import type { StoredRecord } from '../codec/types';
import type { GroupService } from '../groups/service';
import type { StartPolicy } from '../groups/types';
import type { LogReader } from '../log';
import type { Logger } from '../logger';
import type { Topic } from '../topics/registry';
import type { GroupPort, RecordSource } from './ports';

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
    await groups.refreshMarker(group, memberId, markerUntil);
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
      await groups.removeMember(group, memberId).catch(() => {});
      if (member.markRunning) await groups.clearMarker(group, memberId).catch(() => {});
    },
  };
}

/**
 * The record source of an in-process member: the cluster's log, for topics resolved once. It
 * keeps one log reader per partition, so the batches a member cuts from a large section cost
 * that section's one GET and one log read, not one of each per batch (`createLogReader`).
 *
 * @example
 * const source = logRecordSource(cluster, new Map([['orders', await cluster.topics.get('orders')]]));
 */
export function logRecordSource(
  cluster: Cluster,
  topics: ReadonlyMap<string, Topic>,
): RecordSource<StoredRecord> {
  const readers = new Map<string, LogReader>();
  return {
    async read(request) {
      const topic = topics.get(request.topic);
      if (!topic) throw new TypeError(`logRecordSource: topic "${request.topic}" was not resolved.`);
      const key = `${topic.name}-${request.partition}`;
      let reader = readers.get(key);
      if (!reader) {
        reader = cluster.log.reader();
        readers.set(key, reader);
      }
      const result = await reader.fetch({
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
