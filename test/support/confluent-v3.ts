/**
 * The required fields of Confluent's v3 resources, as facts from Confluent's published OpenAPI
 * document (`api/v3/openapi.yaml` in the public confluentinc/kafka-rest repository,
 * `components.schemas`): each schema's `required` list, its `Resource` / `ResourceCollection`
 * base merged in (`kind`, `metadata` with `self`), and which required fields are
 * `Relationship`s (`{"related": string}`). A generated client rejects an answer that lacks
 * one of them, so the integration tests check every answer of these kinds against this list.
 */

/** Schema name → required fields (besides `kind` and `metadata`) and which of them are relationships. */
export const CONFLUENT_V3_REQUIRED = {
  ClusterData: {
    kind: 'KafkaCluster',
    fields: [
      'cluster_id',
      'acls',
      'brokers',
      'broker_configs',
      'consumer_groups',
      'topics',
      'partition_reassignments',
    ],
    relationships: [
      'acls',
      'brokers',
      'broker_configs',
      'consumer_groups',
      'topics',
      'partition_reassignments',
    ],
  },
  BrokerData: {
    kind: 'KafkaBroker',
    fields: ['cluster_id', 'broker_id', 'configs', 'partition_replicas'],
    relationships: ['configs', 'partition_replicas'],
  },
  TopicData: {
    kind: 'KafkaTopic',
    fields: [
      'cluster_id',
      'topic_name',
      'is_internal',
      'replication_factor',
      'partitions_count',
      'partitions',
      'configs',
      'partition_reassignments',
    ],
    relationships: ['partitions', 'configs', 'partition_reassignments'],
  },
  TopicConfigData: {
    kind: 'KafkaTopicConfig',
    // AbstractConfigData's list plus `topic_name`; `value` is optional and nullable.
    fields: [
      'cluster_id',
      'name',
      'is_default',
      'is_read_only',
      'is_sensitive',
      'source',
      'synonyms',
      'topic_name',
    ],
    relationships: [],
  },
  PartitionData: {
    kind: 'KafkaPartition',
    // `leader` is optional in the schema; Sluice always sends it.
    fields: ['cluster_id', 'topic_name', 'partition_id', 'replicas', 'reassignment'],
    relationships: ['replicas', 'reassignment'],
  },
  ReplicaData: {
    kind: 'KafkaReplica',
    fields: ['cluster_id', 'topic_name', 'partition_id', 'broker_id', 'is_leader', 'is_in_sync', 'broker'],
    relationships: ['broker'],
  },
  ConsumerGroupData: {
    kind: 'KafkaConsumerGroup',
    // The document's required list names `consumers`; its properties spell it `consumer`.
    fields: [
      'cluster_id',
      'consumer_group_id',
      'is_simple',
      'partition_assignor',
      'state',
      'coordinator',
      'consumers',
      'lag_summary',
    ],
    relationships: ['coordinator', 'consumers', 'lag_summary'],
  },
  ConsumerData: {
    kind: 'KafkaConsumer',
    // `instance_id` is optional and nullable.
    fields: ['cluster_id', 'consumer_group_id', 'consumer_id', 'client_id', 'assignments'],
    relationships: ['assignments'],
  },
  ConsumerAssignmentData: {
    kind: 'KafkaConsumerAssignment',
    fields: [
      'cluster_id',
      'consumer_group_id',
      'consumer_id',
      'topic_name',
      'partition_id',
      'partition',
      'lag',
    ],
    relationships: ['partition', 'lag'],
  },
  ConsumerLagData: {
    kind: 'KafkaConsumerLag',
    fields: [
      'cluster_id',
      'consumer_group_id',
      'topic_name',
      'partition_id',
      'current_offset',
      'log_end_offset',
      'lag',
      'consumer_id',
      'client_id',
    ],
    relationships: [],
  },
} as const;

/** Kinds of the lists (ResourceCollection): `metadata.self` and `data` are required. */
export type ConfluentSchema = keyof typeof CONFLUENT_V3_REQUIRED;

/** Config sources of the document's `ConfigSource` enum (extensible; these are its values). */
export const CONFIG_SOURCES = [
  'DYNAMIC_CLUSTER_LINK_CONFIG',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'UNKNOWN',
];

/**
 * What is missing or wrong in a resource for a schema of the document: `[]` when it conforms
 * (required fields present, relationships `{related: string}`, `metadata.self` a string).
 */
export function shapeProblems(schema: ConfluentSchema, resource: unknown): string[] {
  const spec = CONFLUENT_V3_REQUIRED[schema];
  const r = (resource ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (r.kind !== spec.kind) problems.push(`kind is ${JSON.stringify(r.kind)}, not ${spec.kind}`);
  const metadata = r.metadata as Record<string, unknown> | undefined;
  if (typeof metadata?.self !== 'string') problems.push('metadata.self is not a string');
  for (const field of spec.fields) if (!(field in r)) problems.push(`${field} is missing`);
  for (const field of spec.relationships as readonly string[]) {
    const link = r[field] as Record<string, unknown> | undefined;
    if (typeof link?.related !== 'string') problems.push(`${field} is not a relationship {related}`);
  }
  return problems;
}

/** What is wrong in a list (ResourceCollection) of a schema's resources: `[]` when it conforms. */
export function listProblems(kind: string, schema: ConfluentSchema, list: unknown): string[] {
  const l = (list ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (l.kind !== kind) problems.push(`kind is ${JSON.stringify(l.kind)}, not ${kind}`);
  if (typeof (l.metadata as Record<string, unknown> | undefined)?.self !== 'string') {
    problems.push('metadata.self is not a string');
  }
  if (!Array.isArray(l.data)) return [...problems, 'data is not an array'];
  return [
    ...problems,
    ...l.data.flatMap((item, i) => shapeProblems(schema, item).map((p) => `data[${i}]: ${p}`)),
  ];
}
