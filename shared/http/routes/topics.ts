import type { Cluster } from '../../cluster';
import { configEntries } from '../../topics/configs';
import type { Topic } from '../../topics/registry';
import * as z from '../../validation';
import { parseJson, validate } from '../body';
import { json, noContent, type RouteHandlers } from '../types';

const createTopicSchema = z.object({
  topic_name: z.string(),
  partitions_count: z.optional(z.int()),
  replication_factor: z.optional(z.int()),
  configs: z.optional(z.array(z.object({ name: z.string(), value: z.nullable(z.string()) }))),
});

/** Confluent v3 `KafkaTopic`, plus the topic's configs inline. */
export function topicResource(clusterId: string, topic: Topic) {
  const self = `/v3/clusters/${clusterId}/topics/${topic.name}`;
  return {
    kind: 'KafkaTopic',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}/topic=${topic.name}` },
    cluster_id: clusterId,
    topic_name: topic.name,
    is_internal: false,
    // S3 and DynamoDB keep data across three availability zones.
    replication_factor: 3,
    partitions_count: topic.partitionCount,
    partitions: { related: `${self}/partitions` },
    configs: configEntries(topic.configs),
    authorized_operations: [],
  };
}

/** Topic administration routes: create, list, describe, delete, partitions. */
export function topicRoutes(cluster: Cluster): RouteHandlers<'topics'> {
  const clusterId = cluster.config.clusterId;
  return {
    createTopic: async (request) => {
      const body = validate(createTopicSchema, parseJson(request), 'Create topic');
      const topic = await cluster.topics.create({
        name: body.topic_name,
        partitionCount: body.partitions_count,
        configs: body.configs,
      });
      return json(201, topicResource(clusterId, topic));
    },
    listTopics: async () => {
      const topics = await cluster.topics.list();
      return json(200, {
        kind: 'KafkaTopicList',
        metadata: { self: `/v3/clusters/${clusterId}/topics`, next: null },
        data: topics.map((topic) => topicResource(clusterId, topic)),
      });
    },
    getTopic: async (_request, params) =>
      json(200, topicResource(clusterId, await cluster.topics.get(params.topic))),
    deleteTopic: async (_request, params) => {
      await cluster.topics.delete(params.topic);
      return noContent();
    },
    listPartitions: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic);
      const partitions = await Promise.all(
        Array.from({ length: topic.partitionCount }, async (_, partition) => {
          const offsets = await cluster.log.offsets(topic, partition);
          return {
            kind: 'KafkaPartition',
            metadata: { self: `/v3/clusters/${clusterId}/topics/${topic.name}/partitions/${partition}` },
            cluster_id: clusterId,
            topic_name: topic.name,
            partition_id: partition,
            log_start_offset: offsets.logStartOffset,
            log_end_offset: offsets.logEndOffset,
          };
        }),
      );
      return json(200, { kind: 'KafkaPartitionList', metadata: {}, data: partitions });
    },
    listClusters: async () =>
      json(200, { kind: 'KafkaClusterList', metadata: {}, data: [clusterResource(clusterId)] }),
    getCluster: async () => json(200, clusterResource(clusterId)),
  };
}

function clusterResource(clusterId: string) {
  return {
    kind: 'KafkaCluster',
    metadata: { self: `/v3/clusters/${clusterId}` },
    cluster_id: clusterId,
    topics: { related: `/v3/clusters/${clusterId}/topics` },
    consumer_groups: { related: `/v3/clusters/${clusterId}/consumer-groups` },
  };
}
