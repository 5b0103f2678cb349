/**
 * The member runtime's two ports over the HTTP API: the group (join, heartbeat, commit,
 * leave — shaped after KIP-848's single heartbeat, every answer carries the member's current
 * assignment) and the partition reads. `createConsumer` plugs them into the core's member
 * runtime (`shared/member/`), as the poller plugs in the direct ones.
 */
import type { MemberState, OffsetReset } from '../../groups/types';
import type { GroupPort, RecordSource } from '../../member/ports';
import { groupPath, memberPath } from '../paths';
import type { Transport } from '../transport';
import { fetchPartition } from './messages';
import type { KafkaMessage } from './types';

/** What an HTTP member joins with. */
export interface RemoteMembership {
  readonly topics: readonly string[];
  /** @default the server's */
  readonly sessionTimeoutMs?: number;
  readonly autoOffsetReset: OffsetReset;
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
    committed_offset: number | string;
  }[];
}

/**
 * The group port of an HTTP member of `groupId`. A join's answer carries a member token that
 * only the joiner sees; the port keeps it and sends it (`Sluice-Member-Token`) with that
 * member's heartbeats, commits and leave, which the server refuses without it. The server
 * mints a new member id on every join, so a member whose session lapsed lets go of its
 * partitions before it joins again; it releases partitions by leaving (its leave frees every
 * lease at once) and never defers a release, so it is never asked to hand one back.
 *
 * @example
 * const port = httpGroupPort(transport, 'billing', { topics: ['orders'], autoOffsetReset: 'earliest' });
 * const me = await port.join();
 */
export function httpGroupPort(transport: Transport, groupId: string, joining: RemoteMembership): GroupPort {
  const group = async () => groupPath(await transport.clusterPath(), groupId);
  const member = async (id: string) => memberPath(await transport.clusterPath(), groupId, id);
  // Tokens of the members this process joined, until it leaves them.
  const tokens = new Map<string, string>();
  const auth = (id: string): Record<string, string> => {
    const token = tokens.get(id);
    return token === undefined ? {} : { 'sluice-member-token': token };
  };
  const memberState = (body: MemberAnswer): MemberState => ({
    group: groupId,
    memberId: body.member_id,
    sessionTimeoutMs: body.session_timeout_ms,
    heartbeatIntervalMs: body.heartbeat_interval_ms,
    assignments: (body.assignments ?? []).map((a) => ({
      topic: a.topic_name,
      partition: a.partition_id,
      epoch: a.epoch,
      // The group resolves where a partition starts when it grants it.
      committedOffset: Number(a.committed_offset),
      // The server's clock decides when a lease lapses; a stale commit is fenced there.
      expiresAt: Number.POSITIVE_INFINITY,
    })),
    revoking: [],
    waitingFor: [],
  });
  return {
    rejoinsAsSameMember: false,
    async join() {
      const { body } = await transport.request<MemberAnswer>({
        method: 'POST',
        path: `${await group()}/members`,
        body: {
          topics: joining.topics,
          ...(joining.sessionTimeoutMs === undefined ? {} : { session_timeout_ms: joining.sessionTimeoutMs }),
          auto_offset_reset: joining.autoOffsetReset,
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
    async commit(claim, offset) {
      await transport.request({
        method: 'POST',
        path: `${await member(claim.owner)}/offsets`,
        headers: auth(claim.owner),
        body: {
          offsets: [{ topic_name: claim.topic, partition_id: claim.partition, epoch: claim.epoch, offset }],
        },
      });
    },
    async release() {
      // Never asked: an HTTP member is never told to hand a partition back (see above).
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

/**
 * The record source of an HTTP member: the fetch endpoint, records as kafkajs messages.
 *
 * @example
 * const { records } = await httpRecordSource(transport).read({ topic: 'orders', partition: 0, offset: 0, maxRecords: 500, maxBytes: 1_048_576, autoOffsetReset: 'earliest' });
 */
export function httpRecordSource(transport: Transport): RecordSource<KafkaMessage> {
  return {
    async read(request) {
      const fetched = await fetchPartition(transport, { ...request, offset: String(request.offset) });
      return {
        records: fetched.messages,
        nextOffset: Number(fetched.nextOffset),
        logEndOffset: Number(fetched.logEndOffset),
      };
    },
  };
}
