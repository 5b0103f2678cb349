import type { Cluster } from '../../cluster';
import { InvalidRequestError } from '../../errors';
import type { RecordResult } from '../../log';
import { didYouMean } from '../../suggest';
import * as z from '../../validation';
import { mediaType, parseJson, parseJsonStream, validate } from '../body';
import { errorBody, errorResponse, errorStatus } from '../errors';
import { producerFromHeaders } from '../producer-headers';
import { isObject, type ParsedRecord, parseV2Records, parseV3Record, type V2Format } from '../records';
import { type HttpRequest, json, type RouteHandlers } from '../types';

/**
 * A `records:batch` body; each entry is a v3 record with an id (the record's own fields are
 * checked by `parseV3Record`). Nothing but `entries` at the top: a v2 body sent here must be
 * refused, not read as an empty batch.
 */
export const batchSchema = z.strictObject({
  entries: z.array(z.looseObject({ id: z.union([z.string(), z.number()]) })).check(z.minLength(1)),
});

type BatchBody = z.infer<typeof batchSchema>;

/**
 * True only for a body that {@link batchSchema} certainly accepts (see `isPlainV3Record` for
 * why by hand); anything else goes through the schema. `z.number()` refuses Infinity, which
 * JSON.parse makes of 1e400.
 */
export function isPlainBatch(body: unknown): body is BatchBody {
  if (!isObject(body) || !Array.isArray(body.entries) || body.entries.length === 0) return false;
  for (const field in body) if (field !== 'entries') return false;
  return body.entries.every(
    (entry: unknown) =>
      isObject(entry) &&
      (typeof entry.id === 'string' || (typeof entry.id === 'number' && Number.isFinite(entry.id))),
  );
}

const V2_FORMATS: Record<string, V2Format> = {
  'application/vnd.kafka.json.v2+json': 'json',
  'application/vnd.kafka.binary.v2+json': 'binary',
  'application/json': 'json',
};

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

  async function append(topicName: string, request: HttpRequest, parse: (at: number) => ParsedRecord[]) {
    const topic = await cluster.topics.get(topicName);
    const producer = producerFromHeaders(request);
    const parsed = parse(now());
    const results = await cluster.log.append(
      topic,
      parsed.map((p) => p.record),
      producer,
    );
    const appended = results.filter((result) => result.ok).length;
    if (appended > 0) options.onProduced?.(topic.name, appended);
    return { parsed, results };
  }

  function report(topicName: string, parsed: ParsedRecord, result: RecordResult) {
    if (!result.ok) return errorBody(result.error);
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
  function batchReports(
    topicName: string,
    entries: readonly { id: string | number }[],
    parsed: readonly ParsedRecord[],
    results: readonly RecordResult[],
  ) {
    const successes: unknown[] = [];
    const failures: unknown[] = [];
    let lastTimestamp = Number.NaN;
    let lastIso = '';
    for (let i = 0; i < results.length; i++) {
      const result = results[i];
      const id = String(entries[i].id);
      if (!result.ok) {
        failures.push({ id, ...errorBody(result.error) });
        continue;
      }
      if (result.timestamp !== lastTimestamp) {
        lastTimestamp = result.timestamp;
        lastIso = new Date(result.timestamp).toISOString();
      }
      successes.push({
        id,
        error_code: 200,
        cluster_id: clusterId,
        topic_name: topicName,
        partition_id: result.partition,
        offset: result.offset,
        timestamp: lastIso,
        key: parsed[i].key,
        value: parsed[i].value,
      });
    }
    return { successes, failures };
  }

  return {
    produceRecords: async (request, params) => {
      requireJson(request);
      const documents = parseJsonStream(request);
      const { parsed, results } = await append(params.topic, request, (at) =>
        documents.map((doc, i) => parseV3Record(doc, i, at)),
      );
      if (results.length === 1) {
        const [result] = results;
        return result.ok ? json(200, report(params.topic, parsed[0], result)) : errorResponse(result.error);
      }
      // Streaming mode: one delivery report per record, in order, concatenated.
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: results.map((result, i) => JSON.stringify(report(params.topic, parsed[i], result))).join('\n'),
      };
    },

    produceBatch: async (request, params) => {
      requireJson(request);
      const raw = parseJson(request);
      const body = isPlainBatch(raw) ? raw : validateBatch(raw);
      const ids = new Set<string>();
      for (const entry of body.entries) {
        const id = String(entry.id);
        if (ids.has(id))
          throw new InvalidRequestError(`records:batch entry id "${id}" appears twice: ids must be unique.`);
        ids.add(id);
      }
      const { parsed, results } = await append(params.topic, request, (at) =>
        body.entries.map((entry, i) => parseV3Record(entry, i, at, 'batch-entry')),
      );
      return json(207, batchReports(params.topic, body.entries, parsed, results));
    },

    produceV2: async (request, params) => {
      const type = mediaType(request);
      const format = V2_FORMATS[type === '' ? 'application/json' : type];
      if (!format) {
        throw new InvalidRequestError(
          `Content-Type "${type}" is not supported: use application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json.`,
          { errorCode: 41501 },
        );
      }
      const body = parseJson(request);
      const { results } = await append(params.topic, request, (at) =>
        parseV2Records(body, format, at).map((record) => ({ record, key: null, value: null })),
      );
      if (results.every((result) => !result.ok)) return errorResponse(results[0].error);
      return json(200, {
        key_schema_id: null,
        value_schema_id: null,
        offsets: results.map((result) =>
          result.ok
            ? { partition: result.partition, offset: result.offset, error_code: null, error: null }
            : {
                partition: result.partition,
                offset: null,
                error_code: errorStatus(result.error).errorCode,
                error: result.error.message,
              },
        ),
      });
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
  return validate(batchSchema, raw, 'records:batch body');
}

function requireJson(request: HttpRequest): void {
  const type = mediaType(request);
  if (type !== '' && type !== 'application/json') {
    throw new InvalidRequestError(
      `Content-Type "${type}" is not supported here: send the records as application/json.`,
      { errorCode: 41501 },
    );
  }
}
