import type { Cluster } from '../../cluster';
import { InvalidRequestError } from '../../errors';
import { checkHttpMembership } from '../../groups/http-access';
import type { MemberCaller } from '../../groups/member-token';
import {
  createGroupService,
  type GroupDescription,
  type GroupService,
  type MemberState,
  type NumericPartitionLag,
  type ResetTarget,
} from '../../groups/service';
import type { OffsetReset } from '../../groups/types';
import * as z from '../../validation';
import { parseJson, parseNonNegativeInteger, validate } from '../body';
import { type HttpRequest, json, noContent, type RouteHandlers } from '../types';
import { consumerLagResource } from './consumers';

/** The header that carries the member token a join answered with (`member_token`). */
export const MEMBER_TOKEN_HEADER = 'sluice-member-token';

/** Who acts on a member: the token it presents, and the IAM principal on AWS. */
function callerOf(request: HttpRequest): MemberCaller {
  return { token: request.headers[MEMBER_TOKEN_HEADER], principal: request.principal };
}

/**
 * Topics one member may subscribe to, and offsets one commit may carry: every topic costs the
 * join a read per partition, every offset a conditional write.
 */
export const MAX_JOIN_TOPICS = 100;
export const MAX_COMMIT_OFFSETS = 1_000;

const joinSchema = z.object({
  topics: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(MAX_JOIN_TOPICS)),
  session_timeout_ms: z.optional(z.int().check(z.gte(6_000), z.lte(300_000))),
  auto_offset_reset: z.optional(z.enum(['earliest', 'latest'])),
});

const offsetValue = z.union([z.number(), z.string()]);
const commitSchema = z.object({
  offsets: z
    .array(
      z.object({
        topic_name: z.string().check(z.minLength(1)),
        partition_id: offsetValue,
        epoch: offsetValue,
        offset: offsetValue,
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_COMMIT_OFFSETS)),
});

const resetSchema = z.strictObject({
  topic_name: z.string().check(z.minLength(1)),
  to: z.enum(['earliest', 'latest', 'offset', 'timestamp']),
  offset: z.optional(offsetValue),
  timestamp: z.optional(offsetValue),
  validate_only: z.optional(z.boolean()),
});

/** Session length of an HTTP member when the join does not say. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30_000;

/**
 * Consumer-group routes: Confluent v3 group, lag and lag-summary reads, and Sluice's
 * membership protocol for remote consumers (join, heartbeat, commit, leave — KIP-848's
 * single-heartbeat shape). Lambda pollers and HTTP members share one lease protocol. And
 * the administration of an empty group: reset its offsets, delete it.
 *
 * @example
 * const handlers = groupRoutes(cluster); // handlers.joinGroup, handlers.heartbeat, …
 */
export function groupRoutes(
  cluster: Cluster,
  groups: GroupService = createGroupService({ cluster }),
): RouteHandlers<'groups'> {
  const clusterId = cluster.config.clusterId;
  // Groups run by pollers, and the topics each group is granted: checked before any write.
  const access = cluster.config.groupAccess;
  const base = `/v3/clusters/${clusterId}/consumer-groups`;

  function member(state: MemberState) {
    return json(200, {
      kind: 'SluiceConsumerMember',
      metadata: { self: `${base}/${state.group}/members/${state.memberId}` },
      cluster_id: clusterId,
      group_id: state.group,
      member_id: state.memberId,
      // Only the joiner sees it: heartbeat, commit and leave send it as Sluice-Member-Token.
      ...(state.memberToken === undefined ? {} : { member_token: state.memberToken }),
      session_timeout_ms: state.sessionTimeoutMs,
      heartbeat_interval_ms: state.heartbeatIntervalMs,
      assignments: state.assignments.map((a) => ({
        topic_name: a.topic,
        partition_id: a.partition,
        epoch: a.epoch,
        committed_offset: a.committedOffset,
      })),
    });
  }

  function groupResource(group: GroupDescription) {
    const self = `${base}/${group.group}`;
    return {
      kind: 'KafkaConsumerGroup',
      metadata: { self, resource_name: `crn:///kafka=${clusterId}/consumer-group=${group.group}` },
      cluster_id: clusterId,
      consumer_group_id: group.group,
      is_simple: false,
      // Every member speaks the one lease protocol: never a mix of protocols.
      is_mixed_consumer_group: false,
      partition_assignor: 'sluice-lease',
      state: group.state,
      type: 'CONSUMER',
      coordinator: { related: `/v3/clusters/${clusterId}/brokers/0` },
      consumers: { related: `${self}/consumers` },
      lag_summary: { related: `${self}/lag-summary` },
      // Sluice extension: who is in the group right now.
      members: group.members.map((m) => ({ member_id: m.memberId, kind: m.kind, topics: m.topics })),
    };
  }

  function lagResource(group: string, lag: NumericPartitionLag) {
    return consumerLagResource(clusterId, group, lag);
  }

  return {
    joinGroup: async (request, params) => {
      const body = validate(joinSchema, parseJson(request), 'Join consumer group');
      checkHttpMembership(access, { group: params.group, action: 'join', topics: body.topics });
      const reset: OffsetReset = body.auto_offset_reset ?? 'latest';
      const state = await groups.join({
        group: params.group,
        topics: body.topics,
        sessionTimeoutMs: body.session_timeout_ms ?? DEFAULT_SESSION_TIMEOUT_MS,
        policy: {
          startingPosition: reset === 'earliest' ? 'TRIM_HORIZON' : 'LATEST',
          autoOffsetReset: reset,
        },
        kind: 'http',
        principal: request.principal,
      });
      return member(state);
    },

    heartbeat: async (request, params) => {
      optionalObjectBody(request, 'Heartbeat');
      checkHttpMembership(access, { group: params.group, action: 'heartbeat' });
      return member(
        await groups.heartbeat({
          group: params.group,
          memberId: params.member_id,
          caller: callerOf(request),
        }),
      );
    },

    commitOffsets: async (request, params) => {
      const body = validate(commitSchema, parseJson(request), 'Commit offsets');
      const offsets = body.offsets.map((o, i) => ({
        topic: o.topic_name,
        partition: parseNonNegativeInteger(o.partition_id, `offsets[${i}].partition_id`),
        epoch: parseNonNegativeInteger(o.epoch, `offsets[${i}].epoch`),
        offset: parseNonNegativeInteger(o.offset, `offsets[${i}].offset`),
      }));
      checkHttpMembership(access, {
        group: params.group,
        action: 'commit',
        topics: offsets.map((o) => o.topic),
      });
      const committed = await groups.commit(params.group, params.member_id, offsets, callerOf(request));
      return json(200, {
        committed: committed.map((c) => ({
          topic_name: c.topic,
          partition_id: c.partition,
          offset: c.offset,
        })),
      });
    },

    leaveGroup: async (request, params) => {
      await groups.leave(params.group, params.member_id, callerOf(request));
      return noContent();
    },

    listGroups: async () => {
      const list = await groups.list();
      return json(200, {
        kind: 'KafkaConsumerGroupList',
        metadata: { self: base, next: null },
        data: list.sort((a, b) => a.group.localeCompare(b.group)).map(groupResource),
      });
    },

    getGroup: async (_request, params) => json(200, groupResource(await groups.describe(params.group))),

    deleteGroup: async (_request, params) => {
      await groups.deleteGroup(params.group);
      return noContent();
    },

    resetGroupOffsets: async (request, params) => {
      const body = validate(resetSchema, parseJson(request), 'Reset offsets');
      const plan = await groups.resetOffsets({
        group: params.group,
        topic: body.topic_name,
        target: resetTarget(body),
        dryRun: body.validate_only ?? false,
      });
      return json(200, {
        kind: 'SluiceConsumerGroupOffsetReset',
        cluster_id: clusterId,
        consumer_group_id: params.group,
        validate_only: body.validate_only ?? false,
        data: plan.map((p) => ({ topic_name: p.topic, partition_id: p.partition, offset: p.newOffset })),
      });
    },

    listLags: async (_request, params) => {
      const lags = await groups.lags(params.group);
      return json(200, {
        kind: 'KafkaConsumerLagList',
        metadata: { self: `${base}/${params.group}/lags`, next: null },
        data: lags.map((lag) => lagResource(params.group, lag)),
      });
    },

    getLagSummary: async (_request, params) => {
      const lags = await groups.lags(params.group);
      const max = lags.reduce<NumericPartitionLag | undefined>(
        (best, l) => (!best || l.lag > best.lag ? l : best),
        undefined,
      );
      const self = `${base}/${params.group}`;
      return json(200, {
        kind: 'KafkaConsumerGroupLagSummary',
        metadata: { self: `${self}/lag-summary` },
        cluster_id: clusterId,
        consumer_group_id: params.group,
        max_lag_consumer_id: max?.consumerId ?? '',
        max_lag_instance_id: null,
        max_lag_client_id: '',
        max_lag_topic_name: max?.topic ?? '',
        max_lag_partition_id: max?.partition ?? 0,
        max_lag: max?.lag ?? 0,
        total_lag: lags.reduce((sum, l) => sum + l.lag, 0),
        max_lag_consumer: { related: `${self}/consumers/${max?.consumerId ?? ''}` },
        max_lag_partition: {
          related: `/v3/clusters/${clusterId}/topics/${max?.topic ?? ''}/partitions/${max?.partition ?? 0}`,
        },
      });
    },
  };
}

/** `to` with the field it needs: `offset` for `"offset"`, `timestamp` (ms) for `"timestamp"`. */
function resetTarget(body: z.infer<typeof resetSchema>): ResetTarget {
  const needs = (field: 'offset' | 'timestamp') => {
    const value = body[field];
    if (value === undefined) {
      throw new InvalidRequestError(`"to": "${body.to}" needs "${field}" (a non-negative integer).`);
    }
    return parseNonNegativeInteger(value, field);
  };
  switch (body.to) {
    case 'earliest':
    case 'latest':
      return { to: body.to };
    case 'offset':
      return { to: 'offset', offset: needs('offset') };
    case 'timestamp':
      return { to: 'timestamp', timestamp: needs('timestamp') };
  }
}

/** A heartbeat may carry no body or a JSON object (ignored, kept for future fields). */
function optionalObjectBody(request: HttpRequest, what: string): void {
  if (request.body.toString('utf8').trim() === '') return;
  validate(z.looseObject({}), parseJson(request), what);
}
