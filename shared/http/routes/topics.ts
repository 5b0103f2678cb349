import type { Cluster } from '../../cluster';
import { NotFoundError } from '../../errors';
import {
  type ConfigChange,
  DEFAULT_TOPIC_CONFIGS,
  isTopicConfigName,
  TOPIC_CONFIG_SPECS,
  type TopicConfigName,
} from '../../topics/configs';
import type { Topic } from '../../topics/registry';
import * as z from '../../validation';
import { BROKER_ID } from '../api-routes';
import { parseJson, validate } from '../body';
import { json, noContent, type RouteHandlers } from '../types';
import { replicaResource, resourceList } from './cluster';

const configEntrySchema = z.object({ name: z.string(), value: z.optional(z.nullable(z.string())) });

const createTopicSchema = z.object({
  topic_name: z.string(),
  partitions_count: z.optional(z.int()),
  replication_factor: z.optional(z.int()),
  configs: z.optional(z.array(configEntrySchema)),
  validate_only: z.optional(z.boolean()),
});

/** Confluent's AlterConfigBatchRequestData: `operation` DELETE resets a config, SET (the default) sets it. */
const alterConfigsSchema = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      value: z.optional(z.nullable(z.string())),
      operation: z.optional(z.nullable(z.enum(['SET', 'DELETE', 'set', 'delete']))),
    }),
  ),
  validate_only: z.optional(z.boolean()),
});

const updateConfigSchema = z.object({ value: z.optional(z.nullable(z.string())) });

/** Confluent's `UpdatePartitionCountRequest`: the new, larger partition count. */
const updatePartitionCountSchema = z.strictObject({ partitions_count: z.int() });

/**
 * Confluent v3 `TopicData`: `configs` and `partition_reassignments` are relationships, as in
 * Confluent's document and kafka-rest's integration tests (the reassignments link is
 * `…/partitions/-/reassignment`, the path the document defines).
 */
export function topicResource(clusterId: string, topic: Pick<Topic, 'name' | 'partitionCount'>) {
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
    configs: { related: `${self}/configs` },
    partition_reassignments: { related: `${self}/partitions/-/reassignment` },
    authorized_operations: [],
  };
}

/**
 * Confluent v3 `TopicConfigData` of one config: its value, whether it is Kafka's default
 * (`source` DEFAULT_CONFIG) or set on the topic (DYNAMIC_TOPIC_CONFIG), and its synonyms —
 * the topic's own value when set, then the broker default it falls back to.
 */
export function topicConfigResource(clusterId: string, topic: Topic, name: TopicConfigName) {
  const value = String(topic.configs[name]);
  const isSet = topic.configOverrides.includes(name);
  const { brokerDefault } = TOPIC_CONFIG_SPECS[name];
  const fallback = { name: brokerDefault.name, value: brokerDefault.value, source: 'DEFAULT_CONFIG' };
  return {
    kind: 'KafkaTopicConfig',
    metadata: {
      self: `/v3/clusters/${clusterId}/topics/${topic.name}/configs/${name}`,
      resource_name: `crn:///kafka=${clusterId}/topic=${topic.name}/config=${name}`,
    },
    cluster_id: clusterId,
    topic_name: topic.name,
    name,
    value,
    is_default: !isSet,
    is_read_only: false,
    is_sensitive: false,
    source: isSet ? 'DYNAMIC_TOPIC_CONFIG' : 'DEFAULT_CONFIG',
    synonyms: isSet ? [{ name, value, source: 'DYNAMIC_TOPIC_CONFIG' }, fallback] : [fallback],
  };
}

/** Confluent v3 `PartitionData` (plus Sluice's offsets): leader, replicas and reassignment links resolve. */
export function partitionResource(
  clusterId: string,
  topic: string,
  partition: number,
  offsets?: { logStartOffset: number; logEndOffset: number },
) {
  const self = `/v3/clusters/${clusterId}/topics/${topic}/partitions/${partition}`;
  return {
    kind: 'KafkaPartition',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}/topic=${topic}/partition=${partition}` },
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: partition,
    leader: { related: `${self}/replicas/${BROKER_ID}` },
    replicas: { related: `${self}/replicas` },
    reassignment: { related: `${self}/reassignment` },
    ...(offsets && { log_start_offset: offsets.logStartOffset, log_end_offset: offsets.logEndOffset }),
  };
}

/**
 * The partition a path names (`{topic}`, `{partition}`), of an existing topic: 404 / 40401 for
 * a missing topic, 404 / 40402 for a partition it does not have.
 */
export async function partitionInPath(cluster: Cluster, params: Readonly<Record<string, string>>) {
  const numeric = /^\d+$/.test(params.partition);
  const partition = Number(params.partition);
  const topic = await cluster.topics.get(params.topic, numeric ? { partition } : {});
  if (!numeric || partition >= topic.partitionCount) {
    throw new NotFoundError(
      `Partition ${params.partition} of topic "${topic.name}" does not exist: it has partitions 0 to ${topic.partitionCount - 1}.`,
      { errorCode: 40402, topic: topic.name },
    );
  }
  return { topic, partition };
}

const CONFIG_NAMES = Object.keys(DEFAULT_TOPIC_CONFIGS) as TopicConfigName[];

/**
 * How the describing routes read a topic: from the table, not the warm cache, as Kafka's admin
 * client asks the controller, so that they show at once what another process changed (one
 * read; the listing reads the table too).
 */
export const FRESH = { fresh: true } as const;

/** Topic administration routes: create, list, describe, delete, configs, partitions. */
export function topicRoutes(cluster: Cluster): RouteHandlers<'topics'> {
  const clusterId = cluster.config.clusterId;
  const topicPath = (topic: string) => `/v3/clusters/${clusterId}/topics/${topic}`;

  const partitionOf = (params: Readonly<Record<string, string>>) => partitionInPath(cluster, params);

  function configName(topic: Topic, name: string): TopicConfigName {
    if (isTopicConfigName(name)) return name;
    throw new NotFoundError(
      `Topic config "${name}" does not exist on topic "${topic.name}": Sluice knows ${CONFIG_NAMES.join(', ')}.`,
      { errorCode: 40407, topic: topic.name },
    );
  }

  const configList = (self: string, topics: readonly Topic[]) =>
    resourceList(
      'KafkaTopicConfigList',
      self,
      topics.flatMap((topic) => CONFIG_NAMES.map((name) => topicConfigResource(clusterId, topic, name))),
    );

  async function setConfig(topicName: string, changes: readonly ConfigChange[], validateOnly = false) {
    await cluster.topics.alterConfigs(topicName, changes, { validateOnly });
    return noContent();
  }

  return {
    createTopic: async (request) => {
      const body = validate(createTopicSchema, parseJson(request), 'Create topic');
      const topic = await cluster.topics.create({
        name: body.topic_name,
        partitionCount: body.partitions_count,
        configs: body.configs?.map(({ name, value }) => ({ name, value: value ?? null })),
        validateOnly: body.validate_only === true,
      });
      // Confluent: 200 for a dry run (nothing created), 201 for a creation.
      return json(body.validate_only === true ? 200 : 201, topicResource(clusterId, topic));
    },
    listTopics: async () => {
      const topics = await cluster.topics.list();
      return json(
        200,
        resourceList(
          'KafkaTopicList',
          `/v3/clusters/${clusterId}/topics`,
          topics.map((topic) => topicResource(clusterId, topic)),
        ),
      );
    },
    getTopic: async (_request, params) =>
      json(200, topicResource(clusterId, await cluster.topics.get(params.topic, FRESH))),
    updatePartitionCount: async (request, params) => {
      const body = validate(updatePartitionCountSchema, parseJson(request), 'Update partition count');
      const topic = await cluster.topics.addPartitions(params.topic, body.partitions_count);
      // Confluent answers with the topic (GetTopicResponse), as changed.
      return json(200, topicResource(clusterId, topic));
    },
    deleteTopic: async (_request, params) => {
      await cluster.topics.delete(params.topic);
      return noContent();
    },
    listAllTopicConfigs: async () =>
      json(200, configList(`/v3/clusters/${clusterId}/topics/-/configs`, await cluster.topics.list())),
    listTopicConfigs: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic, FRESH);
      return json(200, configList(`${topicPath(topic.name)}/configs`, [topic]));
    },
    getTopicConfig: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic, FRESH);
      return json(200, topicConfigResource(clusterId, topic, configName(topic, params.name)));
    },
    updateTopicConfig: async (request, params) => {
      const body = validate(updateConfigSchema, parseJson(request), 'Update topic config');
      const name = configName(await cluster.topics.get(params.topic), params.name);
      return setConfig(params.topic, [{ name, value: body.value ?? null }]);
    },
    resetTopicConfig: async (_request, params) => {
      const name = configName(await cluster.topics.get(params.topic), params.name);
      return setConfig(params.topic, [{ name, value: null }]);
    },
    alterTopicConfigs: async (request, params) => {
      const body = validate(alterConfigsSchema, parseJson(request), 'Alter topic configs');
      const changes = body.data.map(({ name, value, operation }) => ({
        name,
        value: operation?.toUpperCase() === 'DELETE' ? null : (value ?? null),
      }));
      return setConfig(params.topic, changes, body.validate_only === true);
    },
    listPartitions: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic, FRESH);
      const partitions = await Promise.all(
        Array.from({ length: topic.partitionCount }, async (_, partition) =>
          partitionResource(clusterId, topic.name, partition, await cluster.log.offsets(topic, partition)),
        ),
      );
      return json(200, resourceList('KafkaPartitionList', `${topicPath(topic.name)}/partitions`, partitions));
    },
    getPartition: async (_request, params) => {
      const { topic, partition } = await partitionOf(params);
      const offsets = await cluster.log.offsets(topic, partition);
      return json(200, partitionResource(clusterId, topic.name, partition, offsets));
    },
    listReplicas: async (_request, params) => {
      const { topic, partition } = await partitionOf(params);
      return json(
        200,
        resourceList('KafkaReplicaList', `${topicPath(topic.name)}/partitions/${partition}/replicas`, [
          replicaResource(clusterId, topic.name, partition),
        ]),
      );
    },
    getReplica: async (_request, params) => {
      const { topic, partition } = await partitionOf(params);
      if (params.broker_id !== String(BROKER_ID)) {
        throw new NotFoundError(
          `Partition ${partition} of topic "${topic.name}" has no replica on broker "${params.broker_id}": its one replica is on broker ${BROKER_ID}.`,
          { errorCode: 40406, topic: topic.name, partition },
        );
      }
      return json(200, replicaResource(clusterId, topic.name, partition));
    },
    getReassignment: async (_request, params) => {
      const { topic, partition } = await partitionOf(params);
      throw new NotFoundError(
        `Partition ${partition} of topic "${topic.name}" has no ongoing reassignment: Sluice never moves replicas.`,
        { errorCode: 40408, topic: topic.name, partition },
      );
    },
    listTopicReassignments: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic);
      return json(
        200,
        resourceList('KafkaReassignmentList', `${topicPath(topic.name)}/partitions/-/reassignment`, []),
      );
    },
  };
}
