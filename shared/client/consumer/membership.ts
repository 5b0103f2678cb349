/**
 * The group-membership calls of a remote consumer (join, heartbeat, commit, leave), shaped
 * after KIP-848's single heartbeat: every answer carries the member's current assignment.
 */
import { groupPath, memberPath, offsetString } from '../paths';
import type { Transport } from '../transport';

/** A partition leased to this member. */
export interface Assignment {
  readonly topic: string;
  readonly partition: number;
  /** Lease epoch: commits carry it, and a newer owner's epoch fences older ones. */
  readonly epoch: number;
  /** Where to start reading (the group's committed offset), or null when nothing is committed. */
  readonly committedOffset: string | null;
}

/** The answer to a join or heartbeat. */
export interface MemberState {
  readonly memberId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly assignments: readonly Assignment[];
}

/** One offset to commit: the next one to consume. */
export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly offset: string;
}

/**
 * The calls, bound to one group. A join's answer carries a member token that only the joiner
 * sees; the membership keeps it and sends it (`Sluice-Member-Token`) with that member's
 * heartbeats, commits and leave, which the server refuses without it.
 */
export interface Membership {
  join(request: {
    topics: readonly string[];
    sessionTimeoutMs?: number;
    autoOffsetReset: 'earliest' | 'latest';
  }): Promise<MemberState>;
  /** Throws NotFoundError (40405) when the member expired: join again. */
  heartbeat(memberId: string): Promise<MemberState>;
  /** Throws FencedError (40901) when an epoch is stale. */
  commit(memberId: string, offsets: readonly OffsetCommit[]): Promise<void>;
  leave(memberId: string): Promise<void>;
}

interface MemberAnswer {
  member_id: string;
  member_token?: string;
  session_timeout_ms: number;
  heartbeat_interval_ms: number;
  assignments?: {
    topic_name: string;
    partition_id: number;
    epoch: number;
    committed_offset?: number | string | null;
  }[];
}

/**
 * Binds the membership calls to a group.
 *
 * @example
 * const membership = createMembership(transport, 'billing');
 * const me = await membership.join({ topics: ['orders'], autoOffsetReset: 'earliest' });
 */
export function createMembership(transport: Transport, groupId: string): Membership {
  const group = async () => groupPath(await transport.clusterPath(), groupId);
  const member = async (id: string) => memberPath(await transport.clusterPath(), groupId, id);
  // Tokens of the members this process joined, until it leaves them.
  const tokens = new Map<string, string>();
  const auth = (id: string): Record<string, string> => {
    const token = tokens.get(id);
    return token === undefined ? {} : { 'sluice-member-token': token };
  };
  return {
    async join({ topics, sessionTimeoutMs, autoOffsetReset }) {
      const { body } = await transport.request<MemberAnswer>({
        method: 'POST',
        path: `${await group()}/members`,
        body: {
          topics,
          ...(sessionTimeoutMs === undefined ? {} : { session_timeout_ms: sessionTimeoutMs }),
          auto_offset_reset: autoOffsetReset,
        },
      });
      if (body.member_token !== undefined) tokens.set(body.member_id, body.member_token);
      return memberState(body);
    },
    async heartbeat(memberId) {
      const { body } = await transport.request<MemberAnswer>({
        method: 'POST',
        path: `${await member(memberId)}/heartbeat`,
        headers: auth(memberId),
        body: {},
      });
      return memberState(body);
    },
    async commit(memberId, offsets) {
      await transport.request({
        method: 'POST',
        path: `${await member(memberId)}/offsets`,
        headers: auth(memberId),
        body: {
          offsets: offsets.map((o) => ({
            topic_name: o.topic,
            partition_id: o.partition,
            epoch: o.epoch,
            offset: Number(o.offset),
          })),
        },
      });
    },
    async leave(memberId) {
      try {
        await transport.request({ method: 'DELETE', path: await member(memberId), headers: auth(memberId) });
      } finally {
        // The consumer leaves every member it stops using (also one the server forgot, before
        // it joins again), so this is where a token is dropped.
        tokens.delete(memberId);
      }
    },
  };
}

function memberState(body: MemberAnswer): MemberState {
  return {
    memberId: body.member_id,
    sessionTimeoutMs: body.session_timeout_ms,
    heartbeatIntervalMs: body.heartbeat_interval_ms,
    assignments: (body.assignments ?? []).map((a) => ({
      topic: a.topic_name,
      partition: a.partition_id,
      epoch: a.epoch,
      committedOffset:
        a.committed_offset === null || a.committed_offset === undefined
          ? null
          : offsetString(a.committed_offset),
    })),
  };
}
