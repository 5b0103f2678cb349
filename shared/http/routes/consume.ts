import type { Cluster } from '../../cluster';
import type { StoredRecord } from '../../codec/types';
import { InvalidRequestError } from '../../errors';
import { type AutoOffsetReset, eventRecordBytes, LAMBDA_PAYLOAD_BYTES } from '../../log';
import { parseNonNegativeInteger } from '../body';
import { json, type RouteHandlers } from '../types';
import { partitionInPath } from './topics';

const RESETS: readonly AutoOffsetReset[] = ['earliest', 'latest', 'none'];

/** Records one fetch may ask for (`max_records`). */
export const MAX_FETCH_RECORDS = 10_000;

/** Key and value bytes one fetch may ask for (`max_bytes`); base64 makes 4 of every 3. */
export const MAX_FETCH_BYTES = 4 * 1024 * 1024;

/**
 * Fetch: read one partition from an offset, or from the first record at or after a timestamp
 * (Sluice extension in Confluent style).
 */
export function consumeRoutes(cluster: Cluster): RouteHandlers<'consume'> {
  return {
    fetchRecords: async (request, params) => {
      // A partition added elsewhere is read afresh rather than refused (registry `get`).
      const named = /^\d+$/.test(params.partition) ? { partition: Number(params.partition) } : {};
      const topic = await cluster.topics.get(params.topic, named);
      const partition = parseNonNegativeInteger(params.partition, 'partition');
      const { query } = request;
      const reset = (query.auto_offset_reset ?? 'none') as AutoOffsetReset;
      if (!RESETS.includes(reset)) {
        throw new InvalidRequestError(`auto_offset_reset must be earliest, latest or none, got "${reset}".`);
      }
      // Every parameter is checked before the start is looked up: a refused fetch touches no storage.
      const maxRecords = bounded(query.max_records, 'max_records', MAX_FETCH_RECORDS);
      const maxBytes = bounded(query.max_bytes, 'max_bytes', MAX_FETCH_BYTES);
      const result = await cluster.log.fetch({
        topic,
        partition,
        offset: await startOffset(cluster, params, query),
        maxRecords,
        maxBytes,
        autoOffsetReset: reset,
      });
      const { records, nextOffset } = withinAnswerLimit(result.records, result.nextOffset);
      return json(200, {
        records: records.map((record) => ({
          partition_id: record.partition,
          offset: record.offset,
          timestamp: new Date(record.timestamp).toISOString(),
          key: record.key?.toString('base64') ?? null,
          value: record.value?.toString('base64') ?? null,
          headers: record.headers.map((h) => ({ name: h.key, value: h.value?.toString('base64') ?? null })),
        })),
        next_offset: nextOffset,
        log_start_offset: result.logStartOffset,
        log_end_offset: result.logEndOffset,
      });
    },
  };
}

/**
 * Where a fetch starts: `offset` (default 0), or with `timestamp` (ms since the epoch) the
 * first offset whose record timestamp is at or after it — the readable end when there is none,
 * as Kafka's ListOffsets by timestamp answers. One or the other, not both.
 */
async function startOffset(
  cluster: Cluster,
  params: Readonly<Record<string, string>>,
  query: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  if (query.timestamp === undefined) {
    return query.offset === undefined ? 0 : parseNonNegativeInteger(query.offset, 'offset');
  }
  if (query.offset !== undefined) {
    throw new InvalidRequestError('Give offset or timestamp to start the fetch from, not both.');
  }
  const timestamp = parseNonNegativeInteger(query.timestamp, 'timestamp');
  const { topic, partition } = await partitionInPath(cluster, params);
  return cluster.log.offsetForTimestamp(topic, partition, timestamp);
}

/** An optional query number from 1 to `max`. */
function bounded(text: string | undefined, name: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = parseNonNegativeInteger(text, name);
  if (n < 1 || n > max) throw new InvalidRequestError(`${name} must be from 1 to ${max}, got ${n}.`);
  return n;
}

/** Room for the answer's envelope (offsets, field names) within Lambda's response limit. */
const MAX_ANSWER_BYTES = LAMBDA_PAYLOAD_BYTES - 16 * 1024;

/**
 * The fetched records that fit one answer, and where the next fetch starts. `max_bytes` counts
 * raw key and value bytes, but the answer carries them in base64 with every record's fields
 * around them, so a large fetch of small records could outgrow the function's response. Every
 * record fits on its own (the append refuses any that would not fit a Lambda event, a larger
 * shape), so the answer always makes progress.
 */
function withinAnswerLimit(records: StoredRecord[], nextOffset: number) {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    bytes += eventRecordBytes('', records[i]);
    if (i > 0 && bytes > MAX_ANSWER_BYTES)
      return { records: records.slice(0, i), nextOffset: records[i].offset };
  }
  return { records, nextOffset };
}
