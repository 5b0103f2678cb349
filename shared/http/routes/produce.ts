import type { Cluster } from '../../cluster';
import { InvalidRequestError, SluiceError } from '../../errors';
import { type AppendRecord, checkRecordCount, type RecordResult, recordProblem } from '../../log';
import { didYouMean } from '../../suggest';
import * as z from '../../validation';
import { mediaType, parseJson, parseJsonStream, validate } from '../body';
import { errorBody, errorResponse } from '../errors';
import { producerFromHeaders } from '../producer-headers';
import {
  isObject,
  type ParsedRecord,
  parseV2Record,
  parseV3Record,
  type V2Format,
  type V2Target,
  v2ProduceRecords,
} from '../records';
import { type HttpRequest, json, type RouteHandlers } from '../types';
import { partitionInPath } from './topics';
import { v2Json } from './v2';

/**
 * A `records:batch` body: nothing but `entries`, a non-empty list of objects. Each entry's id is
 * checked by {@link checkEntryIds} and its record fields by `parseV3Record`, so that a bad
 * record is reported as that entry's failure rather than refusing the batch. A v2 body sent here
 * must be refused, not read as an empty batch.
 */
export const batchSchema = z.strictObject({
  entries: z.array(z.looseObject({})).check(z.minLength(1)),
});

type BatchBody = z.infer<typeof batchSchema>;

/**
 * True only for a body that {@link batchSchema} certainly accepts (see `isPlainV3Record` for
 * why by hand); anything else goes through the schema.
 */
export function isPlainBatch(body: unknown): body is BatchBody {
  if (!isObject(body) || !Array.isArray(body.entries) || body.entries.length === 0) return false;
  for (const field in body) if (field !== 'entries') return false;
  return body.entries.every(isObject);
}

/**
 * Confluent's rule for a batch entry id: a JSON string (not a number, so that the answer's id is
 * the request's, character for character) of 1 to 80 letters, digits, `-` or `_`.
 */
const ENTRY_ID = /^[0-9A-Za-z_-]{1,80}$/;

/**
 * The ids of a batch's entries, checked: each follows {@link ENTRY_ID} (else 422 / 42202) and
 * appears once (else 422 / 42208). Either refuses the whole request: without a usable id an
 * entry's result could not be told apart from another's.
 *
 * @example
 * checkEntryIds([{ id: 'a' }, { id: 'b' }]); // ['a', 'b']
 * checkEntryIds([{ id: 1 }]); // throws: 42202
 */
export function checkEntryIds(entries: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const id = entry.id;
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      throw new InvalidRequestError(
        `records:batch entry ${i} has the id ${JSON.stringify(id) ?? 'undefined'}: an entry id is a JSON string of 1 to 80 letters, digits, "-" or "_" (e.g. "1"), so that its result carries the same id.`,
        { errorCode: 42202 },
      );
    }
    if (seen.has(id)) {
      throw new InvalidRequestError(`records:batch entry id "${id}" appears twice: ids must be distinct.`, {
        errorCode: 42208,
      });
    }
    seen.add(id);
    return id;
  });
}

/**
 * The code a produce's result carries for a record refused on its own (Confluent's per-record
 * `error_code`); the message says which rule it broke.
 */
export const REFUSED_RECORD_CODE = 400;

/**
 * What happened to the records of a produce request, by request index: `refused[i]` for a
 * record refused on its own, else `parsed[i]` and `results[i]` (appended, or its partition's
 * commit failed). Parallel arrays rather than an object per record: a produce of many records
 * allocates nothing per record beyond what the append needs, and `refused` is absent in the
 * common case of no bad record.
 */
interface RecordOutcomes<Parsed = ParsedRecord> {
  readonly parsed: readonly (Parsed | undefined)[];
  readonly results: readonly (RecordResult | undefined)[];
  readonly refused?: readonly (SluiceError | undefined)[];
}

/**
 * A refusal that concerns one record alone — its fields, its size, its timestamp, the partition
 * it names — and not the request: the produce reports it in that record's result.
 */
function isRecordRefusal(error: unknown): error is SluiceError {
  return error instanceof SluiceError && (error.kind === 'invalid-request' || error.kind === 'too-large');
}

/** `{"error_code": 400, "message"}`: the result of a record refused on its own. */
function refusal(error: SluiceError): { error_code: number; message: string } {
  return { error_code: REFUSED_RECORD_CODE, message: error.message };
}

const V2_FORMATS: Record<string, V2Format> = {
  'application/vnd.kafka.json.v2+json': 'json',
  'application/vnd.kafka.binary.v2+json': 'binary',
  'application/json': 'json',
};

/** Confluent's v2 media types of the formats that need a schema registry, by the name users know them by. */
const V2_SCHEMA_FORMATS: Record<string, string> = {
  'application/vnd.kafka.avro.v2+json': 'Avro',
  'application/vnd.kafka.protobuf.v2+json': 'Protobuf',
  'application/vnd.kafka.jsonschema.v2+json': 'JSON Schema',
};

/** The embedded format a v2 produce's Content-Type names (none: JSON); any other is refused (415 / 41501). */
function v2Format(request: HttpRequest): V2Format {
  const type = mediaType(request);
  const format = V2_FORMATS[type === '' ? 'application/json' : type];
  if (format) return format;
  const schemaFormat = V2_SCHEMA_FORMATS[type];
  throw new InvalidRequestError(
    schemaFormat
      ? `Content-Type "${type}" asks for the ${schemaFormat} format, which needs a schema registry, and Sluice has none: send the records as application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json.`
      : `Content-Type "${type}" is not supported: use application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json.`,
    { errorCode: 41501 },
  );
}

/** A v2 record's failure: Confluent's `PartitionOffset` with no partition or offset. */
function v2Failure(errorCode: number, error: SluiceError) {
  return { partition: null, offset: null, error_code: errorCode, error: error.message };
}

/** Produce routes: v3 single and streaming, v3 `records:batch`, and v2. */
export interface ProduceRouteOptions {
  /** Called after records were appended to a topic (wake-on-produce for idle consumer groups). */
  readonly onProduced?: (topic: string, records: number) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

export function produceRoutes(cluster: Cluster, options: ProduceRouteOptions = {}): RouteHandlers<'produce'> {
  const now = options.now ?? Date.now;
  const clusterId = cluster.config.clusterId;

  /**
   * Appends the records of a v3 request that keep every rule and reports each record's fate
   * in request order: refused on its own (shape, size, timestamp, partition), appended, or
   * failed with its partition's commit. What concerns the request — the topic, the producer
   * headers, the number of records — refuses it whole before anything is written.
   */
  async function appendEach<Parsed extends { readonly record: AppendRecord }>(
    topicName: string,
    request: HttpRequest,
    raws: readonly unknown[],
    parse: (raw: unknown, index: number, at: number) => Parsed,
  ): Promise<RecordOutcomes<Parsed>> {
    let topic = await cluster.topics.get(topicName);
    const producer = producerFromHeaders(request);
    checkRecordCount(topic, raws.length);
    const at = now();
    const parsed = new Array<Parsed | undefined>(raws.length);
    const records: AppendRecord[] = [];
    let refused: (SluiceError | undefined)[] | undefined;
    const outcomes = raws.map((raw, i): Parsed | SluiceError => {
      try {
        return parse(raw, i, at);
      } catch (error) {
        if (!isRecordRefusal(error)) throw error;
        return error;
      }
    });
    // A partition this process does not know yet may have been added elsewhere: read the topic
    // afresh (registry `get`) before refusing records for it.
    const highest = outcomes.reduce(
      (most, o) => (o instanceof SluiceError ? most : Math.max(most, o.record.partition ?? -1)),
      -1,
    );
    if (highest >= topic.partitionCount) topic = await cluster.topics.get(topicName, { partition: highest });
    for (let i = 0; i < raws.length; i++) {
      const outcome = outcomes[i];
      const problem = outcome instanceof SluiceError ? outcome : recordProblem(topic, outcome.record, i);
      if (!problem && !(outcome instanceof SluiceError)) {
        parsed[i] = outcome;
        records.push(outcome.record);
      }
      if (problem) {
        refused ??= new Array<SluiceError | undefined>(raws.length);
        refused[i] = problem;
      }
    }
    const appended = records.length === 0 ? [] : await cluster.log.append(topic, records, producer);
    let count = 0;
    for (const result of appended) if (result.ok) count++;
    if (count > 0) options.onProduced?.(topic.name, count);
    if (!refused) return { parsed, results: appended };
    // Spread the append's results back over the request's indexes, skipping refused records.
    const results = new Array<RecordResult | undefined>(raws.length);
    for (let i = 0, next = 0; i < raws.length; i++) if (!refused[i]) results[i] = appended[next++];
    return { parsed, results, refused };
  }

  /** The delivery report of record `i`: appended, refused on its own, or failed with its partition. */
  function report(topicName: string, outcomes: RecordOutcomes, i: number) {
    const refused = outcomes.refused?.[i];
    if (refused) return refusal(refused);
    const result = outcomes.results[i] as RecordResult;
    if (!result.ok) return errorBody(result.error);
    const parsed = outcomes.parsed[i] as ParsedRecord;
    return {
      error_code: 200,
      cluster_id: clusterId,
      topic_name: topicName,
      partition_id: result.partition,
      offset: result.offset,
      timestamp: new Date(result.timestamp).toISOString(),
      key: parsed.key,
      value: parsed.value,
    };
  }

  /**
   * The delivery report of one `records:batch` entry: `{id, ...report(...)}` with the same keys
   * in the same order, built as one literal. The records of a request nearly always share a
   * timestamp (the time of the request), so its ISO form is formatted once per request.
   */
  function batchReports(topicName: string, ids: readonly string[], outcomes: RecordOutcomes) {
    const successes: unknown[] = [];
    const failures: unknown[] = [];
    let lastTimestamp = Number.NaN;
    let lastIso = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const refused = outcomes.refused?.[i];
      if (refused) {
        failures.push({ id, ...refusal(refused) });
        continue;
      }
      const result = outcomes.results[i] as RecordResult;
      if (!result.ok) {
        failures.push({ id, ...errorBody(result.error) });
        continue;
      }
      if (result.timestamp !== lastTimestamp) {
        lastTimestamp = result.timestamp;
        lastIso = new Date(result.timestamp).toISOString();
      }
      const parsed = outcomes.parsed[i] as ParsedRecord;
      successes.push({
        id,
        error_code: 200,
        cluster_id: clusterId,
        topic_name: topicName,
        partition_id: result.partition,
        offset: result.offset,
        timestamp: lastIso,
        key: parsed.key,
        value: parsed.value,
      });
    }
    return { successes, failures };
  }

  /**
   * Confluent's v2 produce: each record's result in `offsets`, in request order — its partition
   * and offset, or, for a record refused on its own or whose partition's commit failed,
   * `error_code` and `error` with a null partition and offset; the other records are appended.
   * What concerns the request (its media type, its body, the topic) refuses it whole. When
   * every record failed to commit and none was refused, the request fails as a whole (503,
   * retriable), as a lone v3 record does.
   */
  async function produceV2(request: HttpRequest, topicName: string, target: V2Target, partition?: number) {
    const format = v2Format(request);
    const raws = v2ProduceRecords(parseJson(request));
    const outcomes = await appendEach(topicName, request, raws, (raw, i, at) => {
      const parsed = parseV2Record(raw, i, format, target, at);
      return partition === undefined ? parsed : { record: { ...parsed.record, partition } };
    });
    const first = outcomes.results[0];
    if (!outcomes.refused && first && !first.ok && outcomes.results.every((result) => !result?.ok)) {
      return errorResponse(first.error);
    }
    return v2Json(200, {
      key_schema_id: null,
      value_schema_id: null,
      offsets: raws.map((_, i) => {
        const refused = outcomes.refused?.[i];
        if (refused) return v2Failure(REFUSED_RECORD_CODE, refused);
        const result = outcomes.results[i] as RecordResult;
        if (!result.ok) return v2Failure(errorBody(result.error).error_code, result.error);
        return { partition: result.partition, offset: result.offset, error_code: null, error: null };
      }),
    });
  }

  return {
    produceRecords: async (request, params) => {
      const documents = parseJsonStream(request);
      const outcomes = await appendEach(params.topic, request, documents, parseV3Record);
      if (documents.length === 1) {
        // A lone record whose partition failed to commit is a retriable failure of the request.
        const result = outcomes.results[0];
        if (result && !result.ok) return errorResponse(result.error);
        return json(200, report(params.topic, outcomes, 0));
      }
      // Streaming mode: one delivery report per record, in order, concatenated.
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: documents.map((_, i) => JSON.stringify(report(params.topic, outcomes, i))).join('\n'),
      };
    },

    produceBatch: async (request, params) => {
      const raw = parseJson(request);
      const body = isPlainBatch(raw) ? raw : validateBatch(raw);
      const ids = checkEntryIds(body.entries);
      const outcomes = await appendEach(params.topic, request, body.entries, (entry, i, at) =>
        parseV3Record(entry, i, at, 'batch-entry'),
      );
      return json(207, batchReports(params.topic, ids, outcomes));
    },

    produceV2: (request, params) => produceV2(request, params.topic, 'topic'),

    produceToPartitionV2: async (request, params) => {
      // A partition the topic does not have refuses the request (404 / 40402), as Confluent's v2 does.
      const { topic, partition } = await partitionInPath(cluster, params);
      return produceV2(request, topic.name, 'partition', partition);
    },
  };
}

/** The schema's verdict on a `records:batch` body, with a v2 or single-record body explained first. */
function validateBatch(raw: unknown): BatchBody {
  if (isObject(raw)) {
    const unknown = Object.keys(raw).find((field) => field !== 'entries');
    if (unknown === 'records') {
      throw new InvalidRequestError(
        'The records:batch body has the field "records": `records` is the v2 shape: POST /topics/{topic} (Content-Type application/vnd.kafka.json.v2+json). Here, send {"entries":[{"id":"1","key":{"type":"STRING","data":"a"},"value":{"type":"JSON","data":{"x":1}}}]}.',
      );
    }
    if (unknown !== undefined) {
      throw new InvalidRequestError(
        `The records:batch body has the field "${unknown}"${didYouMean(unknown, ['entries'])}: it takes only {"entries":[{"id":…,…record fields…}]}; a single record goes to POST /v3/clusters/{cluster_id}/topics/{topic}/records.`,
      );
    }
  }
  if (isObject(raw) && Array.isArray(raw.entries) && raw.entries.length === 0) {
    throw new InvalidRequestError('The records:batch body has no entries: send at least one.', {
      errorCode: 42208,
    });
  }
  return validate(batchSchema, raw, 'records:batch body');
}
