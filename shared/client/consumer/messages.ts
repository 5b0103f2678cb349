/** Reads one partition through the fetch endpoint and turns its records into kafkajs messages. */
import { offsetString, topicPath } from '../paths';
import type { Transport } from '../transport';
import type { KafkaMessage } from './types';

/** A fetch request. */
export interface FetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** @default 500 */
  readonly maxRecords?: number;
  /** @default 1048576 */
  readonly maxBytes?: number;
  /** What the server does when `offset` is outside the log. @default 'none' (an error) */
  readonly autoOffsetReset?: 'earliest' | 'latest' | 'none';
}

/** A fetch answer. */
export interface FetchedRecords {
  readonly messages: KafkaMessage[];
  readonly nextOffset: string;
  readonly logStartOffset: string;
  readonly logEndOffset: string;
}

interface FetchAnswer {
  records: {
    offset: number | string;
    timestamp: string;
    key: string | null;
    value: string | null;
    headers?: { name: string; value: string | null }[];
  }[];
  next_offset: number | string;
  log_start_offset: number | string;
  log_end_offset: number | string;
}

/**
 * Fetches records of one partition from an offset (one attempt per retriable failure, with
 * the transport's backoff).
 *
 * @example
 * const { messages, nextOffset } = await fetchPartition(transport, { topic: 'orders', partition: 0, offset: '0' });
 */
export async function fetchPartition(
  transport: Transport,
  request: FetchPartitionRequest,
): Promise<FetchedRecords> {
  const { body } = await transport.request<FetchAnswer>({
    method: 'GET',
    path: `${topicPath(await transport.clusterPath(), request.topic)}/partitions/${request.partition}/records`,
    query: {
      offset: request.offset,
      max_records: request.maxRecords,
      max_bytes: request.maxBytes,
      auto_offset_reset: request.autoOffsetReset,
    },
  });
  return {
    messages: body.records.map(toKafkaMessage),
    nextOffset: offsetString(body.next_offset),
    logStartOffset: offsetString(body.log_start_offset),
    logEndOffset: offsetString(body.log_end_offset),
  };
}

/**
 * One fetched record as kafkajs hands it out.
 *
 * @example
 * toKafkaMessage({ offset: 3, timestamp: '2026-01-02T03:04:05.000Z', key: null, value: 'aGk=', headers: [] }).value; // <Buffer 68 69>
 */
export function toKafkaMessage(record: FetchAnswer['records'][number]): KafkaMessage {
  const key = record.key === null ? null : Buffer.from(record.key, 'base64');
  const value = record.value === null ? null : Buffer.from(record.value, 'base64');
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const header of record.headers ?? []) {
    const bytes = header.value === null ? Buffer.alloc(0) : Buffer.from(header.value, 'base64');
    const seen = headers[header.name];
    headers[header.name] =
      seen === undefined ? bytes : Array.isArray(seen) ? [...seen, bytes] : [seen, bytes];
  }
  return {
    key,
    value,
    timestamp: String(Date.parse(record.timestamp)),
    attributes: 0,
    offset: offsetString(record.offset),
    headers,
    size: (key?.length ?? 0) + (value?.length ?? 0),
  };
}
