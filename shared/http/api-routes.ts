/**
 * The routes of Sluice's HTTP API, declared once: method, path, the routes module that
 * serves it (`area`) and who calls it (`role`). Data only — this module imports nothing —
 * so that the three users can share it:
 * - the router (`router.ts`) registers exactly these routes, each bound to the handler of
 *   the same name that its area's module returns (the types require one per route);
 * - the CDK construct (`infra/routes.ts`) deploys one API Gateway route per entry;
 * - the tests compare what the router serves with what the construct deploys.
 *
 * Paths are written in API Gateway and OpenAPI syntax: `{name}` is a path parameter, any
 * other character (the `:` of `records:batch` included) is literal.
 *
 * @example
 * API_ROUTES.produceRecords; // { method: 'POST', path: '/v3/clusters/{cluster_id}/topics/{topic}/records', … }
 */

/** Who calls a route: producers, consumers, administrators (topic CRUD), or anyone (`discover`: read-only cluster and topic descriptions). */
export type ApiRole = 'produce' | 'consume' | 'admin' | 'discover';

/** Which routes module serves a route (`shared/http/routes/<area>.ts`). */
export type ApiArea =
  | 'cluster'
  | 'topics'
  | 'produce'
  | 'consume'
  | 'groups'
  | 'consumers'
  | 'v2'
  | 'v2-consumers';

/** One route of the HTTP API. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{name}` marks a path parameter; everything else is literal. */
  readonly path: string;
  readonly area: ApiArea;
  readonly role: ApiRole;
  /** What the route serves, in a few words. */
  readonly description: string;
}

/**
 * The id of the one broker Sluice describes: every function instance is the same broker of
 * the cluster, as far as a Kafka client can tell.
 */
export const BROKER_ID = 0;

const CLUSTER = '/v3/clusters/{cluster_id}';
const TOPIC = `${CLUSTER}/topics/{topic}`;
const PARTITION = `${TOPIC}/partitions/{partition}`;
const BROKER = `${CLUSTER}/brokers/{broker_id}`;
const GROUP = `${CLUSTER}/consumer-groups/{group}`;
const MEMBER = `${GROUP}/members/{member_id}`;
const CONSUMER = `${GROUP}/consumers/{consumer_id}`;
const INSTANCE = '/consumers/{group}/instances/{instance}';

/** Every route of the HTTP API, by name (the order is the construct's deployment order). */
export const API_ROUTES = {
  listClusters: {
    method: 'GET',
    path: '/v3/clusters',
    area: 'cluster',
    role: 'discover',
    description: 'list clusters (this one)',
  },
  getCluster: {
    method: 'GET',
    path: CLUSTER,
    area: 'cluster',
    role: 'discover',
    description: 'describe the cluster',
  },
  // The cluster's relationships (Confluent v3): one broker, and empty lists of what Sluice has none of
  listBrokers: {
    method: 'GET',
    path: `${CLUSTER}/brokers`,
    area: 'cluster',
    role: 'discover',
    description: 'list brokers (the one endpoint)',
  },
  getBroker: {
    method: 'GET',
    path: BROKER,
    area: 'cluster',
    role: 'discover',
    description: 'describe the broker',
  },
  listBrokerConfigs: {
    method: 'GET',
    path: `${BROKER}/configs`,
    area: 'cluster',
    role: 'discover',
    description: "the broker's dynamic configs (none)",
  },
  listBrokerReplicas: {
    method: 'GET',
    path: `${BROKER}/partition-replicas`,
    area: 'cluster',
    role: 'discover',
    description: 'the replicas the broker serves (every partition)',
  },
  listClusterConfigs: {
    method: 'GET',
    path: `${CLUSTER}/broker-configs`,
    area: 'cluster',
    role: 'admin',
    description: 'cluster-wide broker configs (none)',
  },
  listAcls: {
    method: 'GET',
    path: `${CLUSTER}/acls`,
    area: 'cluster',
    role: 'admin',
    description: 'Kafka ACLs (none: access is IAM)',
  },
  listAllReassignments: {
    method: 'GET',
    path: `${CLUSTER}/topics/-/partitions/-/reassignment`,
    area: 'cluster',
    role: 'consume',
    description: 'ongoing replica reassignments (none)',
  },
  listAllTopicConfigs: {
    method: 'GET',
    path: `${CLUSTER}/topics/-/configs`,
    area: 'topics',
    role: 'admin',
    description: 'the configs of every topic',
  },
  // Topics (Confluent v3)
  listTopics: {
    method: 'GET',
    path: `${CLUSTER}/topics`,
    area: 'topics',
    role: 'admin',
    description: 'list topics',
  },
  createTopic: {
    method: 'POST',
    path: `${CLUSTER}/topics`,
    area: 'topics',
    role: 'admin',
    description: 'create a topic',
  },
  deleteTopic: {
    method: 'DELETE',
    path: TOPIC,
    area: 'topics',
    role: 'admin',
    description: 'delete a topic',
  },
  getTopic: { method: 'GET', path: TOPIC, area: 'topics', role: 'discover', description: 'describe a topic' },
  updatePartitionCount: {
    method: 'PATCH',
    path: TOPIC,
    area: 'topics',
    role: 'admin',
    description: "raise a topic's partition count",
  },
  listPartitions: {
    method: 'GET',
    path: `${TOPIC}/partitions`,
    area: 'topics',
    role: 'consume',
    description: 'partition offsets',
  },
  getPartition: {
    method: 'GET',
    path: PARTITION,
    area: 'topics',
    role: 'consume',
    description: 'describe a partition',
  },
  listReplicas: {
    method: 'GET',
    path: `${PARTITION}/replicas`,
    area: 'topics',
    role: 'consume',
    description: "a partition's replicas (one, the leader)",
  },
  getReplica: {
    method: 'GET',
    path: `${PARTITION}/replicas/{broker_id}`,
    area: 'topics',
    role: 'consume',
    description: "a partition's replica",
  },
  getReassignment: {
    method: 'GET',
    path: `${PARTITION}/reassignment`,
    area: 'topics',
    role: 'consume',
    description: "a partition's ongoing reassignment (never any: 404)",
  },
  listTopicReassignments: {
    method: 'GET',
    path: `${TOPIC}/partitions/-/reassignment`,
    area: 'topics',
    role: 'consume',
    description: "a topic's ongoing reassignments (none)",
  },
  // Topic configs (Confluent v3)
  listTopicConfigs: {
    method: 'GET',
    path: `${TOPIC}/configs`,
    area: 'topics',
    role: 'admin',
    description: "a topic's configs, defaults included",
  },
  getTopicConfig: {
    method: 'GET',
    path: `${TOPIC}/configs/{name}`,
    area: 'topics',
    role: 'admin',
    description: "one of a topic's configs",
  },
  updateTopicConfig: {
    method: 'PUT',
    path: `${TOPIC}/configs/{name}`,
    area: 'topics',
    role: 'admin',
    description: "set one of a topic's configs",
  },
  resetTopicConfig: {
    method: 'DELETE',
    path: `${TOPIC}/configs/{name}`,
    area: 'topics',
    role: 'admin',
    description: "reset one of a topic's configs to its default",
  },
  alterTopicConfigs: {
    method: 'POST',
    path: `${TOPIC}/configs:alter`,
    area: 'topics',
    role: 'admin',
    description: "set or reset several of a topic's configs",
  },
  // Produce
  produceRecords: {
    method: 'POST',
    path: `${TOPIC}/records`,
    area: 'produce',
    role: 'produce',
    description: 'v3 produce',
  },
  produceBatch: {
    method: 'POST',
    path: `${TOPIC}/records:batch`,
    area: 'produce',
    role: 'produce',
    description: 'v3 records:batch',
  },
  produceV2: {
    method: 'POST',
    path: '/topics/{topic}',
    area: 'produce',
    role: 'produce',
    description: 'v2 produce',
  },
  produceToPartitionV2: {
    method: 'POST',
    path: '/topics/{topic}/partitions/{partition}',
    area: 'produce',
    role: 'produce',
    description: 'v2 produce to one partition',
  },
  // Confluent REST Proxy v2 reads (answers `application/vnd.kafka.v2+json`); roles as their v3 equivalents
  listTopicsV2: {
    method: 'GET',
    path: '/topics',
    area: 'v2',
    role: 'admin',
    description: 'v2 list of topic names',
  },
  getTopicV2: {
    method: 'GET',
    path: '/topics/{topic}',
    area: 'v2',
    role: 'discover',
    description: 'v2 topic description',
  },
  listPartitionsV2: {
    method: 'GET',
    path: '/topics/{topic}/partitions',
    area: 'v2',
    role: 'consume',
    description: "v2 list of a topic's partitions",
  },
  getPartitionV2: {
    method: 'GET',
    path: '/topics/{topic}/partitions/{partition}',
    area: 'v2',
    role: 'consume',
    description: 'v2 partition description',
  },
  getPartitionOffsetsV2: {
    method: 'GET',
    path: '/topics/{topic}/partitions/{partition}/offsets',
    area: 'v2',
    role: 'consume',
    description: "v2 a partition's first and next offsets",
  },
  listBrokersV2: {
    method: 'GET',
    path: '/brokers',
    area: 'v2',
    role: 'discover',
    description: 'v2 list of broker ids',
  },
  // Confluent REST Proxy v2 consumer instances (members of Sluice's consumer groups); every path names the group
  createConsumerV2: {
    method: 'POST',
    path: '/consumers/{group}',
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 create a consumer instance',
  },
  deleteConsumerV2: {
    method: 'DELETE',
    path: INSTANCE,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 delete a consumer instance',
  },
  subscribeV2: {
    method: 'POST',
    path: `${INSTANCE}/subscription`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 subscribe to topics',
  },
  getSubscriptionV2: {
    method: 'GET',
    path: `${INSTANCE}/subscription`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 subscribed topics',
  },
  unsubscribeV2: {
    method: 'DELETE',
    path: `${INSTANCE}/subscription`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 unsubscribe',
  },
  assignV2: {
    method: 'POST',
    path: `${INSTANCE}/assignments`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 assign partitions manually',
  },
  getAssignmentsV2: {
    method: 'GET',
    path: `${INSTANCE}/assignments`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 partitions the instance reads',
  },
  seekV2: {
    method: 'POST',
    path: `${INSTANCE}/positions`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 seek to offsets',
  },
  seekToBeginningV2: {
    method: 'POST',
    path: `${INSTANCE}/positions/beginning`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 seek to the beginning',
  },
  seekToEndV2: {
    method: 'POST',
    path: `${INSTANCE}/positions/end`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 seek to the end',
  },
  commitOffsetsV2: {
    method: 'POST',
    path: `${INSTANCE}/offsets`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 commit offsets',
  },
  getOffsetsV2: {
    method: 'GET',
    path: `${INSTANCE}/offsets`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 committed offsets',
  },
  readRecordsV2: {
    method: 'GET',
    path: `${INSTANCE}/records`,
    area: 'v2-consumers',
    role: 'consume',
    description: 'v2 read records',
  },
  // Consume
  fetchRecords: {
    method: 'GET',
    path: `${TOPIC}/partitions/{partition}/records`,
    area: 'consume',
    role: 'consume',
    description: 'fetch records of one partition from an offset or a timestamp',
  },
  // Consumer groups (Confluent v3)
  listGroups: {
    method: 'GET',
    path: `${CLUSTER}/consumer-groups`,
    area: 'groups',
    role: 'consume',
    description: 'list groups',
  },
  getGroup: { method: 'GET', path: GROUP, area: 'groups', role: 'consume', description: 'describe a group' },
  listLags: {
    method: 'GET',
    path: `${GROUP}/lags`,
    area: 'groups',
    role: 'consume',
    description: 'per-partition lag',
  },
  getLagSummary: {
    method: 'GET',
    path: `${GROUP}/lag-summary`,
    area: 'groups',
    role: 'consume',
    description: 'lag summary',
  },
  // A group's consumers, their assignments, one partition's lag (Confluent v3)
  getLag: {
    method: 'GET',
    path: `${GROUP}/lags/{topic}/partitions/{partition}`,
    area: 'consumers',
    role: 'consume',
    description: "one partition's lag",
  },
  listConsumers: {
    method: 'GET',
    path: `${GROUP}/consumers`,
    area: 'consumers',
    role: 'consume',
    description: "the group's live members",
  },
  getConsumer: {
    method: 'GET',
    path: CONSUMER,
    area: 'consumers',
    role: 'consume',
    description: 'one live member',
  },
  listConsumerAssignments: {
    method: 'GET',
    path: `${CONSUMER}/assignments`,
    area: 'consumers',
    role: 'consume',
    description: 'the partitions a member holds',
  },
  getConsumerAssignment: {
    method: 'GET',
    path: `${CONSUMER}/assignments/{topic}/partitions/{partition}`,
    area: 'consumers',
    role: 'consume',
    description: 'one partition a member holds',
  },
  // Administration of an empty group (kafka-consumer-groups --reset-offsets / --delete)
  resetGroupOffsets: {
    method: 'POST',
    path: `${GROUP}/reset-offsets`,
    area: 'groups',
    role: 'consume',
    description: 'reset the offsets of an empty group',
  },
  deleteGroup: {
    method: 'DELETE',
    path: GROUP,
    area: 'groups',
    role: 'admin',
    description: 'delete an empty group',
  },
  // Membership of remote consumers (KIP-848-style single heartbeat)
  joinGroup: {
    method: 'POST',
    path: `${GROUP}/members`,
    area: 'groups',
    role: 'consume',
    description: 'join the group',
  },
  heartbeat: {
    method: 'POST',
    path: `${MEMBER}/heartbeat`,
    area: 'groups',
    role: 'consume',
    description: 'heartbeat',
  },
  commitOffsets: {
    method: 'POST',
    path: `${MEMBER}/offsets`,
    area: 'groups',
    role: 'consume',
    description: 'commit offsets',
  },
  leaveGroup: {
    method: 'DELETE',
    path: MEMBER,
    area: 'groups',
    role: 'consume',
    description: 'leave the group',
  },
} as const satisfies Record<string, ApiRoute>;

/** The name of a route of {@link API_ROUTES}. */
export type ApiRouteName = keyof typeof API_ROUTES;

/** The names of the routes one area serves. */
export type AreaRouteName<A extends ApiArea> = {
  [N in ApiRouteName]: (typeof API_ROUTES)[N]['area'] extends A ? N : never;
}[ApiRouteName];
