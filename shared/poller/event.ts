import type { StoredRecord } from '../codec/types';

/**
 * One record in the shape of AWS Lambda's self-managed Kafka event. `key` is omitted for a
 * keyless record and `value` for a tombstone (a null value), as Lambda does; an empty value
 * is `""`. So a handler can tell a tombstone from an empty value, and Powertools'
 * `kafkaConsumer` gives it `record.value === undefined` for the one and `""` for the other.
 */
export interface KafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** Always `CREATE_TIME` (the producer's timestamp); typed like Lambda's event so handlers fit. */
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string;
  /** Base64; absent for a tombstone (a null value). `@types/aws-lambda` types it as always present. */
  value?: string;
  /** One object per header, its value as byte numbers (0–255): `[{ "h": [104, 105] }]`. */
  headers: Record<string, number[]>[];
}

/**
 * The event a consumer function receives: AWS Lambda's self-managed Kafka event, so a
 * handler typed with `SelfManagedKafkaEvent`, validated by Powertools'
 * `KafkaSelfManagedEventSchema` or wrapped by `kafkaConsumer` runs unchanged.
 */
export interface KafkaEvent {
  eventSource: 'SelfManagedKafka';
  bootstrapServers: string;
  /** Records by `"{topic}-{partition}"`, each list in offset order. */
  records: Record<string, KafkaEventRecord[]>;
}

/** A partial batch response item, as Lambda's Kafka trigger accepts it. */
export interface BatchItemFailure {
  itemIdentifier: { partition: string; offset: number | string };
}

/** What a handler may return: nothing (all succeeded) or the records that failed. */
export type KafkaHandlerResult = undefined | null | { batchItemFailures?: BatchItemFailure[] | null };

export { eventRecordBytes, MAX_EVENT_BYTES } from '../log/limits';

/**
 * Builds the event for records of one or more partitions.
 *
 * @example
 * const event = toKafkaEvent([{ topic: 'orders', records }], 'https://sluice.example.com');
 * // event.records['orders-0'][0].value is base64
 */
export function toKafkaEvent(
  batches: readonly { topic: string; records: readonly StoredRecord[] }[],
  bootstrapServers: string,
): KafkaEvent {
  const records: Record<string, KafkaEventRecord[]> = {};
  for (const { topic, records: batch } of batches) {
    for (const record of batch) {
      const name = `${topic}-${record.partition}`;
      if (!records[name]) records[name] = [];
      records[name].push(toEventRecord(topic, record));
    }
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers, records };
}

function toEventRecord(topic: string, record: StoredRecord): KafkaEventRecord {
  return {
    topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: 'CREATE_TIME',
    ...(record.key === null ? {} : { key: record.key.toString('base64') }),
    ...(record.value === null ? {} : { value: record.value.toString('base64') }),
    headers: record.headers.map((h) => ({ [h.key]: h.value === null ? [] : [...h.value] })),
  };
}

/**
 * What a handler's answer says about one partition's batch:
 * - `{ ok: true }` — every record succeeded;
 * - `{ ok: false, failedFrom, failed }` — records from `failedFrom` on must be retried;
 *   `failed` lists the offsets the handler named (empty when the whole batch failed).
 * An answer that names records outside the batch, or is malformed, fails the whole batch:
 * delivery stays at-least-once.
 *
 * @example
 * readBatchResponse({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 7 } }] }, 'orders-0', [5, 6, 7, 8]);
 * // { ok: false, failedFrom: 7, failed: [7] }
 */
export function readBatchResponse(
  response: unknown,
  partitionKey: string,
  offsets: readonly number[],
): { ok: true } | { ok: false; failedFrom: number; failed: number[] } {
  const whole = { ok: false as const, failedFrom: offsets[0], failed: [] as number[] };
  if (response === undefined || response === null || typeof response !== 'object') return { ok: true };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { ok: true };
  if (!Array.isArray(failures)) return whole;
  if (failures.length === 0) return { ok: true };
  const inBatch = new Set(offsets);
  const failed: number[] = [];
  for (const failure of failures) {
    const id = (failure as BatchItemFailure | null)?.itemIdentifier;
    const offset = typeof id?.offset === 'string' && /^\d+$/.test(id.offset) ? Number(id.offset) : id?.offset;
    if (id?.partition !== partitionKey || typeof offset !== 'number' || !inBatch.has(offset)) return whole;
    failed.push(offset);
  }
  failed.sort((a, b) => a - b);
  return { ok: false, failedFrom: failed[0], failed };
}
