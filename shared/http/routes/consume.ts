import type { Cluster } from '../../cluster';
import { InvalidRequestError } from '../../errors';
import type { AutoOffsetReset } from '../../log';
import { parseNonNegativeInteger } from '../body';
import { json, type RouteHandlers } from '../types';

const RESETS: readonly AutoOffsetReset[] = ['earliest', 'latest', 'none'];

/** Fetch: read one partition from an offset (Sluice extension in Confluent style). */
export function consumeRoutes(cluster: Cluster): RouteHandlers<'consume'> {
  return {
    fetchRecords: async (request, params) => {
      const topic = await cluster.topics.get(params.topic);
      const partition = parseNonNegativeInteger(params.partition, 'partition');
      const { query } = request;
      const reset = (query.auto_offset_reset ?? 'none') as AutoOffsetReset;
      if (!RESETS.includes(reset)) {
        throw new InvalidRequestError(`auto_offset_reset must be earliest, latest or none, got "${reset}".`);
      }
      const result = await cluster.log.fetch({
        topic,
        partition,
        offset: query.offset === undefined ? 0 : parseNonNegativeInteger(query.offset, 'offset'),
        maxRecords:
          query.max_records === undefined
            ? undefined
            : parseNonNegativeInteger(query.max_records, 'max_records'),
        maxBytes:
          query.max_bytes === undefined ? undefined : parseNonNegativeInteger(query.max_bytes, 'max_bytes'),
        autoOffsetReset: reset,
      });
      return json(200, {
        records: result.records.map((record) => ({
          partition_id: record.partition,
          offset: record.offset,
          timestamp: new Date(record.timestamp).toISOString(),
          key: record.key?.toString('base64') ?? null,
          value: record.value?.toString('base64') ?? null,
          headers: record.headers.map((h) => ({ name: h.key, value: h.value?.toString('base64') ?? null })),
        })),
        next_offset: result.nextOffset,
        log_start_offset: result.logStartOffset,
        log_end_offset: result.logEndOffset,
      });
    },
  };
}
