import type { Cluster } from '../../cluster';
import { InvalidRequestError } from '../../errors';
import { checkHttpMembership, grantedTopics } from '../../groups/http-access';
import {
  type ConsumerInstanceService,
  createConsumerInstanceService,
  type InstanceRecord,
  type SeekTarget,
} from '../../groups/instances';
import { createGroupService, type GroupService } from '../../groups/service';
import type { EmbeddedFormat, OffsetReset, TopicPartitionRef } from '../../groups/types';
import * as z from '../../validation';
import { parseJson, parseNonNegativeInteger, validate } from '../body';
import { parseDateTime } from '../records';
import type { HttpRequest, HttpResponse, RouteHandlers } from '../types';
import { MAX_FETCH_BYTES } from './consume';
import { MAX_COMMIT_OFFSETS, MAX_JOIN_TOPICS } from './groups';
import { v2Json } from './v2';

/** The media type of a read answer, by the instance's format (Confluent's embedded formats). */
export const V2_RECORDS_MEDIA_TYPES: Readonly<Record<EmbeddedFormat, string>> = {
  json: 'application/vnd.kafka.json.v2+json',
  binary: 'application/vnd.kafka.binary.v2+json',
};

/** Formats Confluent serves that need a schema registry, which Sluice does not have. */
const SCHEMA_FORMATS = ['avro', 'jsonschema', 'protobuf'];

// Every field may be null, read as absent: Confluent's Java request object serializes each of
// them, the unset ones as null. `responseMinBytes` and `requestWaitMs` are Confluent's aliases.
const createSchema = z.looseObject({
  name: z.nullish(z.string().check(z.minLength(1))),
  id: z.nullish(z.string().check(z.minLength(1))),
  format: z.nullish(z.string()),
  'auto.offset.reset': z.nullish(z.string()),
  'auto.commit.enable': z.nullish(z.union([z.string(), z.boolean()])),
  'fetch.min.bytes': z.nullish(z.union([z.number(), z.string()])),
  responseMinBytes: z.nullish(z.union([z.number(), z.string()])),
  'consumer.request.timeout.ms': z.nullish(z.union([z.number(), z.string()])),
  requestWaitMs: z.nullish(z.union([z.number(), z.string()])),
});

const partitionRef = z.object({
  topic: z.string().check(z.minLength(1)),
  partition: z.union([z.number(), z.string()]),
});
const offsetRef = z.object({
  topic: z.string().check(z.minLength(1)),
  partition: z.union([z.number(), z.string()]),
  offset: z.union([z.number(), z.string()]),
  metadata: z.optional(z.nullable(z.string())),
});

const subscriptionSchema = z.object({
  // Null is absent, as Confluent's Java subscription object sends the field it leaves unset.
  topics: z.nullish(
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(MAX_JOIN_TOPICS)),
  ),
  topic_pattern: z.nullish(z.string().check(z.minLength(1))),
});
const partitionsSchema = z.object({
  partitions: z.array(partitionRef).check(z.maxLength(MAX_COMMIT_OFFSETS)),
});
const offsetsSchema = z.object({
  offsets: z.array(offsetRef).check(z.maxLength(MAX_COMMIT_OFFSETS)),
});
const timestampRef = z.object({
  topic: z.string().check(z.minLength(1)),
  partition: z.union([z.number(), z.string()]),
  timestamp: z.string(),
  metadata: z.optional(z.nullable(z.string())),
});
/** Confluent's seek: by offsets, by timestamps, or both; a list that is absent or null is empty. */
const seekSchema = z.object({
  offsets: z.nullish(z.array(offsetRef).check(z.maxLength(MAX_COMMIT_OFFSETS))),
  timestamps: z.nullish(z.array(timestampRef).check(z.maxLength(MAX_COMMIT_OFFSETS))),
});

/** No content, as Confluent answers a v2 action (`204`). */
function done(): HttpResponse {
  return { status: 204, headers: {}, body: '' };
}

/**
 * Confluent REST Proxy v2 consumer instances: create and delete, subscribe or assign, seek,
 * read records, commit and read offsets. A thin edge over `shared/groups/instances.ts`, which
 * keeps each instance in the meta table and makes it a member of its consumer group.
 *
 * @example
 * const handlers = v2ConsumerRoutes(cluster, groups); // handlers.createConsumerV2, …
 */
export function v2ConsumerRoutes(
  cluster: Cluster,
  groups: GroupService = createGroupService({ cluster }),
): RouteHandlers<'v2-consumers'> {
  const access = cluster.config.groupAccess;
  const instances: ConsumerInstanceService = createConsumerInstanceService({
    cluster,
    groups,
    instanceTimeoutMs: cluster.config.consumerInstanceTimeoutMs,
  });

  const partitionsOf = (list: readonly z.infer<typeof partitionRef>[]): TopicPartitionRef[] =>
    list.map((p, i) => ({
      topic: p.topic,
      partition: parseNonNegativeInteger(p.partition, `partitions[${i}].partition`),
    }));

  return {
    createConsumerV2: async (request, params) => {
      const body = validate(createSchema, optionalJson(request) ?? {}, 'Create consumer instance');
      const format = embeddedFormat(body.format ?? undefined);
      checkHttpMembership(access, { group: params.group, action: 'join' });
      const instance = await instances.create({
        group: params.group,
        // Confluent: an explicit (deprecated) `id` overrides `name`.
        name: body.id ?? body.name ?? undefined,
        format,
        autoOffsetReset: offsetReset(body['auto.offset.reset'] ?? undefined),
        autoCommit: autoCommit(body['auto.commit.enable'] ?? undefined),
        fetchMinBytes: optionalCount(
          body['fetch.min.bytes'] ?? body.responseMinBytes ?? undefined,
          'fetch.min.bytes',
        ),
        requestTimeoutMs: optionalCount(
          body['consumer.request.timeout.ms'] ?? body.requestWaitMs ?? undefined,
          'consumer.request.timeout.ms',
        ),
      });
      const path = `/consumers/${encodeURIComponent(params.group)}/instances/${encodeURIComponent(instance.instanceId)}`;
      return v2Json(200, { instance_id: instance.instanceId, base_uri: `${request.origin ?? ''}${path}` });
    },

    deleteConsumerV2: async (_request, params) => {
      await instances.remove(params.group, params.instance);
      return done();
    },

    subscribeV2: async (request, params) => {
      const body = validate(subscriptionSchema, parseJson(request), 'Subscribe');
      const topics = body.topics ?? undefined;
      const pattern = body.topic_pattern ?? undefined;
      if ((topics === undefined) === (pattern === undefined)) {
        throw new InvalidRequestError(
          'A subscription names either "topics" (a list) or "topic_pattern", not both or neither.',
        );
      }
      checkHttpMembership(access, { group: params.group, action: 'join', topics: topics ?? [] });
      await instances.subscribe(
        params.group,
        params.instance,
        topics !== undefined ? { topics } : { pattern: pattern as string },
        // A pattern's topics are known only once matched: checked then, before anything is written.
        (topics) => checkHttpMembership(access, { group: params.group, action: 'join', topics }),
      );
      return done();
    },

    getSubscriptionV2: async (_request, params) =>
      v2Json(200, { topics: await instances.subscription(params.group, params.instance) }),

    unsubscribeV2: async (_request, params) => {
      await instances.unsubscribe(params.group, params.instance);
      return done();
    },

    assignV2: async (request, params) => {
      const body = validate(partitionsSchema, parseJson(request), 'Assign partitions');
      const partitions = partitionsOf(body.partitions);
      checkHttpMembership(access, {
        group: params.group,
        action: 'join',
        topics: partitions.map((p) => p.topic),
      });
      await instances.assign(params.group, params.instance, partitions);
      return done();
    },

    getAssignmentsV2: async (_request, params) =>
      v2Json(200, { partitions: await instances.assignment(params.group, params.instance) }),

    seekV2: async (request, params) => {
      const body = validate(seekSchema, parseJson(request), 'Seek');
      const targets: SeekTarget[] = [
        ...(body.offsets ?? []).map(
          (o, i): SeekTarget => ({
            topic: o.topic,
            partition: parseNonNegativeInteger(o.partition, `offsets[${i}].partition`),
            to: 'offset',
            offset: parseNonNegativeInteger(o.offset, `offsets[${i}].offset`),
          }),
        ),
        ...(body.timestamps ?? []).map(
          (t, i): SeekTarget => ({
            topic: t.topic,
            partition: parseNonNegativeInteger(t.partition, `timestamps[${i}].partition`),
            to: 'timestamp',
            timestamp: parseDateTime(t.timestamp, `timestamps[${i}].timestamp`),
          }),
        ),
      ];
      await instances.seek(params.group, params.instance, targets);
      return done();
    },

    seekToBeginningV2: async (request, params) => {
      const body = validate(partitionsSchema, parseJson(request), 'Seek to beginning');
      await instances.seek(
        params.group,
        params.instance,
        partitionsOf(body.partitions).map((p) => ({ ...p, to: 'beginning' })),
      );
      return done();
    },

    seekToEndV2: async (request, params) => {
      const body = validate(partitionsSchema, parseJson(request), 'Seek to end');
      await instances.seek(
        params.group,
        params.instance,
        partitionsOf(body.partitions).map((p) => ({ ...p, to: 'end' })),
      );
      return done();
    },

    commitOffsetsV2: async (request, params) => {
      const raw = optionalJson(request);
      const body = raw === undefined ? undefined : validate(offsetsSchema, raw, 'Commit offsets');
      // Confluent commits the offset after each one named: the offset of the last record consumed is sent.
      const offsets = body?.offsets.map((o, i) => ({
        topic: o.topic,
        partition: parseNonNegativeInteger(o.partition, `offsets[${i}].partition`),
        offset: parseNonNegativeInteger(o.offset, `offsets[${i}].offset`) + 1,
      }));
      checkHttpMembership(access, {
        group: params.group,
        action: 'commit',
        topics: offsets?.map((o) => o.topic) ?? [],
      });
      const committed = await instances.commit(params.group, params.instance, offsets);
      return v2Json(
        200,
        committed.map((c) => ({
          topic: c.topic,
          partition: c.partition,
          consumed: c.offset - 1,
          committed: c.offset,
        })),
      );
    },

    getOffsetsV2: async (request, params) => {
      const body = validate(partitionsSchema, parseJson(request), 'Committed offsets');
      const offsets = await instances.committed(params.group, params.instance, partitionsOf(body.partitions));
      return v2Json(200, {
        offsets: offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: '',
        })),
      });
    },

    readRecordsV2: async (request, params) => {
      const format = acceptedFormat(request.headers.accept);
      const records = await instances.read(params.group, params.instance, format, {
        timeoutMs: optionalWait(request.query.timeout),
        maxBytes: maxBytes(request.query.max_bytes),
        // A pattern's new matches are joined only where granted, as a subscribe checks them.
        grantedTopics: (topics) => grantedTopics(access, params.group, topics),
      });
      return {
        status: 200,
        headers: { 'content-type': V2_RECORDS_MEDIA_TYPES[format as EmbeddedFormat] },
        body: JSON.stringify(records.map((r) => v2Record(r, format as EmbeddedFormat))),
      };
    },
  };
}

/** A body that may be empty (create, commit): undefined when it is. */
function optionalJson(request: HttpRequest): unknown {
  return request.body.toString('utf8').trim() === '' ? undefined : parseJson(request);
}

/** The instance's format: `binary` by default, as Confluent's. */
function embeddedFormat(format: string | undefined): EmbeddedFormat {
  const name = (format ?? 'binary').toLowerCase();
  if (name === 'json' || name === 'binary') return name;
  if (SCHEMA_FORMATS.includes(name)) {
    throw new InvalidRequestError(
      `Format "${format}" needs a schema registry, which Sluice does not have: use "json" or "binary".`,
      { errorCode: 42200 },
    );
  }
  throw new InvalidRequestError(`Invalid format type "${format}": use "json" or "binary".`, {
    errorCode: 42200,
  });
}

function offsetReset(value: string | undefined): OffsetReset | undefined {
  if (value === undefined || value === 'earliest' || value === 'latest') return value;
  throw new InvalidRequestError(
    `Invalid consumer configuration: auto.offset.reset must be "earliest" or "latest", got "${value}".`,
    { errorCode: 42204 },
  );
}

function autoCommit(value: string | boolean | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidRequestError(
    `Invalid consumer configuration: auto.commit.enable must be "true" or "false", got "${value}".`,
    { errorCode: 42204 },
  );
}

function optionalCount(value: number | string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  // Confluent's -1: the proxy's default.
  if (Number(value) === -1) return undefined;
  try {
    return parseNonNegativeInteger(value, name);
  } catch {
    throw new InvalidRequestError(
      `Invalid consumer configuration: ${name} must be a non-negative integer (or -1 for the default), got ${JSON.stringify(value)}.`,
      { errorCode: 42204 },
    );
  }
}

/** `timeout` of a read in ms; Confluent's -1 (or none) means the instance's setting. */
function optionalWait(text: string | undefined): number | undefined {
  if (text === undefined || text === '-1') return undefined;
  return parseNonNegativeInteger(text, 'timeout');
}

/** `max_bytes` of a read: at most what a fetch may ask for; Confluent's -1 (or none) means that. */
function maxBytes(text: string | undefined): number {
  if (text === undefined || text === '-1') return MAX_FETCH_BYTES;
  const n = parseNonNegativeInteger(text, 'max_bytes');
  if (n < 1) throw new InvalidRequestError(`max_bytes must be from 1 to ${MAX_FETCH_BYTES}, got ${n}.`);
  return Math.min(n, MAX_FETCH_BYTES);
}

/**
 * The embedded format an `Accept` header asks for, as Confluent's resource picks its method:
 * json for `application/vnd.kafka.json.v2+json`; binary for the binary type, the plain v2 type,
 * `application/json`, a wildcard or no header; undefined for anything else (a schema format),
 * which then never matches the instance.
 */
export function acceptedFormat(accept: string | undefined): EmbeddedFormat | undefined {
  const types = (accept ?? '*/*').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (types.includes(V2_RECORDS_MEDIA_TYPES.json)) return 'json';
  const binary = [
    V2_RECORDS_MEDIA_TYPES.binary,
    'application/vnd.kafka.v2+json',
    'application/json',
    '*/*',
    'application/*',
  ];
  if (types.some((t) => binary.includes(t))) return 'binary';
  return undefined;
}

/** A record of a read, as Confluent's `JsonConsumerRecord` / `BinaryConsumerRecord`. */
function v2Record(record: InstanceRecord, format: EmbeddedFormat) {
  const encode = format === 'json' ? jsonValue : (bytes: Buffer | null) => bytes?.toString('base64') ?? null;
  return {
    topic: record.topic,
    key: encode(record.key),
    value: encode(record.value),
    partition: record.partition,
    offset: record.offset,
  };
}

/**
 * A key or value read as JSON. Bytes that are not JSON (another producer wrote them) are
 * answered as a JSON string of their UTF-8 text rather than failing the whole read.
 */
function jsonValue(bytes: Buffer | null): unknown {
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
