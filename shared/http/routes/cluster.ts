import type { Cluster } from '../../cluster';
import { NotFoundError } from '../../errors';
import { BROKER_ID } from '../api-routes';
import { json, type RouteHandlers } from '../types';

/**
 * The cluster and its relationships in Confluent v3 shapes (ClusterData, BrokerData, …). Sluice
 * has one broker (every function instance serves every partition, so a Kafka client sees one
 * node), no Kafka ACLs (access is IAM), no cluster-wide broker configs and never a replica
 * reassignment: those answer empty lists, so a generated client can follow every link.
 */
export function clusterRoutes(cluster: Cluster): RouteHandlers<'cluster'> {
  const clusterId = cluster.config.clusterId;
  const base = `/v3/clusters/${clusterId}`;
  const broker = () => brokerResource(clusterId);
  return {
    listClusters: async () =>
      json(200, resourceList('KafkaClusterList', '/v3/clusters', [clusterResource(clusterId)])),
    getCluster: async () => json(200, clusterResource(clusterId)),
    listBrokers: async () => json(200, resourceList('KafkaBrokerList', `${base}/brokers`, [broker()])),
    getBroker: async (_request, params) => {
      requireBroker(params.broker_id);
      return json(200, broker());
    },
    listBrokerConfigs: async (_request, params) => {
      requireBroker(params.broker_id);
      return json(200, resourceList('KafkaBrokerConfigList', `${base}/brokers/${BROKER_ID}/configs`, []));
    },
    listBrokerReplicas: async (_request, params) => {
      requireBroker(params.broker_id);
      const topics = await cluster.topics.list();
      const replicas = topics.flatMap((topic) =>
        Array.from({ length: topic.partitionCount }, (_, partition) =>
          replicaResource(clusterId, topic.name, partition),
        ),
      );
      return json(
        200,
        resourceList('KafkaReplicaList', `${base}/brokers/${BROKER_ID}/partition-replicas`, replicas),
      );
    },
    listClusterConfigs: async () =>
      json(200, resourceList('KafkaClusterConfigList', `${base}/broker-configs`, [])),
    listAcls: async () => json(200, resourceList('KafkaAclList', `${base}/acls`, [])),
    listAllReassignments: async () =>
      json(200, resourceList('KafkaReassignmentList', `${base}/topics/-/partitions/-/reassignment`, [])),
  };
}

/** Confluent's ResourceCollection: `kind`, `metadata.self` (and `next`, always null: one page), `data`. */
export function resourceList(kind: string, self: string, data: readonly unknown[]) {
  return { kind, metadata: { self, next: null }, data };
}

/** Confluent v3 `ClusterData`: every relationship resolves to a route of this API. */
export function clusterResource(clusterId: string) {
  const self = `/v3/clusters/${clusterId}`;
  return {
    kind: 'KafkaCluster',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}` },
    cluster_id: clusterId,
    controller: { related: `${self}/brokers/${BROKER_ID}` },
    acls: { related: `${self}/acls` },
    brokers: { related: `${self}/brokers` },
    broker_configs: { related: `${self}/broker-configs` },
    consumer_groups: { related: `${self}/consumer-groups` },
    topics: { related: `${self}/topics` },
    partition_reassignments: { related: `${self}/topics/-/partitions/-/reassignment` },
  };
}

/** Confluent v3 `BrokerData` of the one broker; it has no host and port of its own (the API's URL is the endpoint). */
export function brokerResource(clusterId: string) {
  const self = `/v3/clusters/${clusterId}/brokers/${BROKER_ID}`;
  return {
    kind: 'KafkaBroker',
    metadata: { self, resource_name: `crn:///kafka=${clusterId}/broker=${BROKER_ID}` },
    cluster_id: clusterId,
    broker_id: BROKER_ID,
    host: null,
    port: null,
    rack: null,
    configs: { related: `${self}/configs` },
    partition_replicas: { related: `${self}/partition-replicas` },
  };
}

/** Confluent v3 `ReplicaData`: the one broker leads every partition and is always in sync. */
export function replicaResource(clusterId: string, topic: string, partition: number) {
  const partitionPath = `/v3/clusters/${clusterId}/topics/${topic}/partitions/${partition}`;
  return {
    kind: 'KafkaReplica',
    metadata: {
      self: `${partitionPath}/replicas/${BROKER_ID}`,
      resource_name: `crn:///kafka=${clusterId}/topic=${topic}/partition=${partition}/replica=${BROKER_ID}`,
    },
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: partition,
    broker_id: BROKER_ID,
    is_leader: true,
    is_in_sync: true,
    broker: { related: `/v3/clusters/${clusterId}/brokers/${BROKER_ID}` },
  };
}

/** Throws 404 / 40406 unless `id` names the one broker. */
export function requireBroker(id: string | undefined): void {
  if (id !== String(BROKER_ID)) {
    throw new NotFoundError(
      `Broker "${id}" does not exist: this cluster has one broker, ${BROKER_ID} (GET …/brokers).`,
      { errorCode: 40406 },
    );
  }
}
