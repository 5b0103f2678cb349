import type { Cluster } from '../../cluster';
import { NotFoundError } from '../../errors';
import {
  type ConsumerDescription,
  type GroupService,
  type NumericPartitionLag,
  UNKNOWN_MEMBER_ERROR_CODE,
} from '../../groups/service';
import { json, type RouteHandlers } from '../types';
import { resourceList } from './cluster';

/**
 * Confluent v3 `ConsumerLagData` of one partition of a group. `current_offset` and `lag` are
 * null where the group has committed nothing yet (Kafka's tools show `-`).
 *
 * @example
 * consumerLagResource('local', 'billing', lag); // { kind: 'KafkaConsumerLag', … }
 */
export function consumerLagResource(clusterId: string, group: string, lag: NumericPartitionLag) {
  const base = `/v3/clusters/${clusterId}/consumer-groups/${group}`;
  return {
    kind: 'KafkaConsumerLag',
    metadata: { self: `${base}/lags/${lag.topic}/partitions/${lag.partition}` },
    cluster_id: clusterId,
    consumer_group_id: group,
    topic_name: lag.topic,
    partition_id: lag.partition,
    current_offset: lag.committed ? lag.currentOffset : null,
    log_end_offset: lag.logEndOffset,
    lag: lag.committed ? lag.lag : null,
    consumer_id: lag.consumerId,
    instance_id: null,
    client_id: '',
  };
}

/**
 * A group's consumers (Confluent v3 `ConsumerData` and `ConsumerAssignmentData`) and the lag
 * of one partition (`ConsumerLagData`). A consumer is a live member of the group — an HTTP
 * member or a poller — and its assignments are the partitions whose lease it holds. Member
 * ids are public (docs/security.md); a member's token never appears in any of these.
 *
 * @example
 * const handlers = consumerRoutes(cluster, groups); // handlers.listConsumers, …
 */
export function consumerRoutes(cluster: Cluster, groups: GroupService): RouteHandlers<'consumers'> {
  const clusterId = cluster.config.clusterId;
  const groupPath = (group: string) => `/v3/clusters/${clusterId}/consumer-groups/${group}`;
  const consumerPath = (group: string, id: string) => `${groupPath(group)}/consumers/${id}`;

  function consumerResource(group: string, consumer: ConsumerDescription) {
    const self = consumerPath(group, consumer.memberId);
    return {
      kind: 'KafkaConsumer',
      metadata: {
        self,
        resource_name: `crn:///kafka=${clusterId}/consumer-group=${group}/consumer=${consumer.memberId}`,
      },
      cluster_id: clusterId,
      consumer_group_id: group,
      consumer_id: consumer.memberId,
      instance_id: null,
      // Sluice has no client ids; the member's kind (an HTTP member or a poller) stands in.
      client_id: consumer.kind === 'poller' ? 'sluice-poller' : 'sluice-http',
      assignments: { related: `${self}/assignments` },
    };
  }

  function assignmentResource(group: string, consumerId: string, topic: string, partition: number) {
    return {
      kind: 'KafkaConsumerAssignment',
      metadata: { self: `${consumerPath(group, consumerId)}/assignments/${topic}/partitions/${partition}` },
      cluster_id: clusterId,
      consumer_group_id: group,
      consumer_id: consumerId,
      topic_name: topic,
      partition_id: partition,
      partition: { related: `/v3/clusters/${clusterId}/topics/${topic}/partitions/${partition}` },
      lag: { related: `${groupPath(group)}/lags/${topic}/partitions/${partition}` },
    };
  }

  async function consumerOf(group: string, id: string): Promise<ConsumerDescription> {
    const consumer = (await groups.consumers(group)).find((c) => c.memberId === id);
    if (!consumer) {
      throw new NotFoundError(
        `Consumer "${id}" is not a live member of consumer group "${group}": list them at GET ${groupPath(group)}/consumers.`,
        { errorCode: UNKNOWN_MEMBER_ERROR_CODE },
      );
    }
    return consumer;
  }

  return {
    listConsumers: async (_request, params) => {
      const consumers = await groups.consumers(params.group);
      return json(
        200,
        resourceList(
          'KafkaConsumerList',
          `${groupPath(params.group)}/consumers`,
          consumers.map((consumer) => consumerResource(params.group, consumer)),
        ),
      );
    },

    getConsumer: async (_request, params) =>
      json(200, consumerResource(params.group, await consumerOf(params.group, params.consumer_id))),

    listConsumerAssignments: async (_request, params) => {
      const consumer = await consumerOf(params.group, params.consumer_id);
      return json(
        200,
        resourceList(
          'KafkaConsumerAssignmentList',
          `${consumerPath(params.group, consumer.memberId)}/assignments`,
          consumer.assignments.map((a) =>
            assignmentResource(params.group, consumer.memberId, a.topic, a.partition),
          ),
        ),
      );
    },

    getConsumerAssignment: async (_request, params) => {
      const consumer = await consumerOf(params.group, params.consumer_id);
      const held = consumer.assignments.find(
        (a) => a.topic === params.topic && String(a.partition) === params.partition,
      );
      if (!held) {
        throw new NotFoundError(
          `Consumer "${consumer.memberId}" of group "${params.group}" does not hold partition ${params.partition} of topic "${params.topic}": see GET ${consumerPath(params.group, consumer.memberId)}/assignments.`,
          { errorCode: 40402 },
        );
      }
      return json(200, assignmentResource(params.group, consumer.memberId, held.topic, held.partition));
    },

    getLag: async (_request, params) => {
      const lag = (await groups.lags(params.group)).find(
        (l) => l.topic === params.topic && String(l.partition) === params.partition,
      );
      if (!lag) {
        throw new NotFoundError(
          `Consumer group "${params.group}" has no position on partition ${params.partition} of topic "${params.topic}": no member has taken it yet (see GET ${groupPath(params.group)}/lags).`,
          { errorCode: 40402 },
        );
      }
      return json(200, consumerLagResource(clusterId, params.group, lag));
    },
  };
}
