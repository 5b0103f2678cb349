import { isLegalGroupName } from './groups/group-name';
import { ANY_TOPIC, type GroupAccessPolicy } from './groups/http-access';
import { MAX_REQUEST_BODY_BYTES } from './log/limits';
import { isLegalTopicName } from './topics/names';

/**
 * Where Sluice keeps its data and how it reaches AWS. Read once from the environment so the
 * Lambda functions (configured by the CDK construct) and the local server (configured by
 * the local harness) take the same path.
 */
export interface SluiceConfig {
  /** Cluster id used in `/v3/clusters/{cluster_id}`. @default 'local' */
  readonly clusterId: string;
  /** S3 bucket holding segment objects. @default 'sluice-data' */
  readonly bucket: string;
  /** DynamoDB table of partition-log index items (pk S, sk N). @default 'sluice-log' */
  readonly logTable: string;
  /** DynamoDB table of topics, producer state and leases (pk S, sk S). @default 'sluice-meta' */
  readonly metaTable: string;
  /** AWS region. @default 'us-east-1' */
  readonly region: string;
  /**
   * One endpoint for every AWS service (LocalStack style). Unset means real AWS.
   * @default process.env.AWS_ENDPOINT_URL
   */
  readonly endpoint?: string;
  /**
   * Largest request body the deployment accepts, in bytes (`SLUICE_MAX_REQUEST_BYTES`).
   * @default 4669440 (what fits Lambda's 6 MB event, see `MAX_REQUEST_BODY_BYTES`)
   */
  readonly maxRequestBytes: number;
  /**
   * Which consumer groups HTTP members may use, with which topics: `SLUICE_POLLER_GROUPS` (a
   * JSON list of group ids) and `SLUICE_GROUP_TOPICS` (a JSON object, group id → list of topic
   * names or `"*"`), which the construct writes from `addConsumer` and `grantConsume`.
   * @default - no declarations: every group and topic open (see shared/groups/http-access.ts)
   */
  readonly groupAccess: GroupAccessPolicy;
  /**
   * Produce requests whose every partition section encodes to at most this many bytes are
   * stored in the log table's slot items instead of an S3 object; 0 sends every request to
   * S3. Unset means the log's measured default (`DEFAULT_INLINE_SECTION_MAX_BYTES`).
   * From `SLUICE_INLINE_SECTION_MAX_BYTES`.
   */
  readonly inlineSectionMaxBytes?: number;
  /**
   * How long a Confluent v2 consumer instance may stay silent before it expires (Confluent's
   * `consumer.instance.timeout.ms`): its partitions go back to the group and its requests
   * answer 404 / 40403. From `SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS`.
   * @default 300000
   */
  readonly consumerInstanceTimeoutMs: number;
}

/** Builds the configuration from environment variables, with the local defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  return {
    clusterId: env.SLUICE_CLUSTER_ID ?? 'local',
    bucket: env.SLUICE_BUCKET ?? 'sluice-data',
    logTable: env.SLUICE_LOG_TABLE ?? 'sluice-log',
    metaTable: env.SLUICE_META_TABLE ?? 'sluice-meta',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    maxRequestBytes: positiveInteger(env, 'SLUICE_MAX_REQUEST_BYTES', MAX_REQUEST_BODY_BYTES),
    groupAccess: {
      pollerGroups: pollerGroupsFromEnv(env),
      groupTopics: groupTopicsFromEnv(env),
    },
    ...optionalWholeNumber(env, 'SLUICE_INLINE_SECTION_MAX_BYTES', 'inlineSectionMaxBytes'),
    consumerInstanceTimeoutMs: positiveInteger(env, 'SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS', 300_000),
  };
}

/** A JSON value from the environment, or `undefined` when unset; unparsable JSON is refused at start. */
function jsonVariable(env: NodeJS.ProcessEnv, name: string): unknown {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be JSON, got "${raw}".`);
  }
}

/** `SLUICE_POLLER_GROUPS`: a JSON list of group ids. */
function pollerGroupsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const name = 'SLUICE_POLLER_GROUPS';
  const value = jsonVariable(env, name);
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isLegalGroupName)) {
    throw new Error(`${name} must be a JSON list of consumer group ids, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** `SLUICE_GROUP_TOPICS`: a JSON object, group id → list of topic names or `"*"`. */
function groupTopicsFromEnv(env: NodeJS.ProcessEnv): GroupAccessPolicy['groupTopics'] {
  const name = 'SLUICE_GROUP_TOPICS';
  const value = jsonVariable(env, name);
  if (value === undefined) return {};
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([group, topics]) =>
        isLegalGroupName(group) &&
        (topics === ANY_TOPIC ||
          (Array.isArray(topics) && topics.every((t) => typeof t === 'string' && isLegalTopicName(t)))),
    );
  if (!valid) {
    throw new Error(
      `${name} must be a JSON object from consumer group ids to lists of topic names (or "*"), got ${JSON.stringify(value)}.`,
    );
  }
  // A map without a prototype: a group id such as "constructor" is only ever its own entry.
  return Object.assign(Object.create(null), value);
}

/** A whole number (0 allowed) from the environment under `key`, or nothing when unset. */
function optionalWholeNumber<K extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  key: K,
): { [P in K]?: number } {
  const raw = env[name];
  if (raw === undefined || raw === '') return {};
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new Error(`${name} must be a whole number of bytes (0 or more), got "${raw}".`);
  }
  return { [key]: value } as { [P in K]?: number };
}

/**
 * A positive whole number from the environment, or the default when unset. Anything else is
 * refused at start: a limit that silently became `NaN` would switch the limit off.
 */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, got "${raw}".`);
  }
  return value;
}
