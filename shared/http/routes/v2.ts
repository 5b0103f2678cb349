import type { Cluster } from '../../cluster';
import { DEFAULT_TOPIC_CONFIGS, type TopicConfigName } from '../../topics/configs';
import type { Topic } from '../../topics/registry';
import { BROKER_ID } from '../api-routes';
import { type HttpResponse, json, type RouteHandlers } from '../types';
import { FRESH, partitionInPath } from './topics';

/** The media type of every Confluent v2 answer, errors included. */
export const V2_MEDIA_TYPE = 'application/vnd.kafka.v2+json';

/** A JSON answer of the v2 API: as {@link json}, with the v2 media type. */
export function v2Json(status: number, body: unknown): HttpResponse {
  return withV2MediaType(json(status, body));
}

/** The same answer, labelled with the v2 media type (for error answers built elsewhere). */
export function withV2MediaType(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, 'content-type': V2_MEDIA_TYPE } };
}

const CONFIG_NAMES = Object.keys(DEFAULT_TOPIC_CONFIGS) as TopicConfigName[];

/**
 * Confluent v2 `Partition`: its leader and replicas by broker id. Sluice has one broker, which
 * leads every partition and is always in sync.
 *
 * @example
 * v2Partition(0); // { partition: 0, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] }
 */
export function v2Partition(partition: number) {
  return { partition, leader: BROKER_ID, replicas: [{ broker: BROKER_ID, leader: true, in_sync: true }] };
}

/**
 * Confluent v2 `Topic`: name, every config Sluice knows with its effective value (Kafka's
 * default unless set, as the v2 proxy shows them: strings by name), and the partitions.
 */
export function v2Topic(topic: Topic) {
  return {
    name: topic.name,
    configs: Object.fromEntries(CONFIG_NAMES.map((name) => [name, String(topic.configs[name])])),
    partitions: Array.from({ length: topic.partitionCount }, (_, partition) => v2Partition(partition)),
  };
}

/**
 * The read routes of Confluent's REST Proxy v2 (topics, partitions, offsets, brokers), served
 * by the same core calls as their v3 equivalents. Errors are the v2 shape
 * (`{"error_code", "message"}`, the codes of `shared/errors.ts`); the router gives them the v2
 * media type too.
 */
export function v2Routes(cluster: Cluster): RouteHandlers<'v2'> {
  return {
    listTopicsV2: async () =>
      v2Json(
        200,
        (await cluster.topics.list()).map((topic) => topic.name),
      ),
    getTopicV2: async (_request, params) =>
      v2Json(200, v2Topic(await cluster.topics.get(params.topic, FRESH))),
    listPartitionsV2: async (_request, params) => {
      const topic = await cluster.topics.get(params.topic, FRESH);
      return v2Json(
        200,
        Array.from({ length: topic.partitionCount }, (_, partition) => v2Partition(partition)),
      );
    },
    getPartitionV2: async (_request, params) => {
      const { partition } = await partitionInPath(cluster, params);
      return v2Json(200, v2Partition(partition));
    },
    getPartitionOffsetsV2: async (_request, params) => {
      const { topic, partition } = await partitionInPath(cluster, params);
      const offsets = await cluster.log.offsets(topic, partition);
      // Kafka's beginning offset is the first retained record; its end offset the next to be written.
      return v2Json(200, { beginning_offset: offsets.logStartOffset, end_offset: offsets.logEndOffset });
    },
    listBrokersV2: async () => v2Json(200, { brokers: [BROKER_ID] }),
  };
}
