/**
 * Example Sluice consumer: the handler of consumer group `orders-app` in the example stack
 * (`infra/example-stack.ts`). It is an ordinary handler for AWS Lambda's self-managed Kafka
 * trigger — Sluice's poller invokes it with the same event — so it runs unchanged behind
 * MSK or a self-managed Kafka cluster, and locally with
 * `sluice run-consumer --group orders-app --topics orders --handler functions/examples/order-handler.ts`.
 *
 * It logs each record's decoded key, value and headers; a tombstone (Lambda leaves out the
 * `value` of a record whose value is null) is logged as an order of `null`, a deletion to
 * apply, never a failure. A value that is not JSON is reported
 * in `batchItemFailures`: Sluice commits everything before it, retries from it, and after
 * the group's `retryAttempts` sends it to the dead-letter topic (`orders-dlq`).
 */
import type { SelfManagedKafkaEvent, SelfManagedKafkaRecord } from 'aws-lambda';

/** One record the handler could not process, as Lambda's Kafka trigger expects it. */
export interface KafkaBatchItemFailure {
  itemIdentifier: { partition: string; offset: number };
}

/** Partial batch response: records from the lowest failed offset of a partition on are retried. */
export interface KafkaBatchResponse {
  batchItemFailures: KafkaBatchItemFailure[];
}

/**
 * Logs every record and reports the first undecodable record of each partition.
 *
 * @example
 * const res = await handler({ eventSource: 'SelfManagedKafka', bootstrapServers: 'x', records: {} });
 * // res.batchItemFailures is []
 */
export async function handler(event: SelfManagedKafkaEvent): Promise<KafkaBatchResponse> {
  const batchItemFailures: KafkaBatchItemFailure[] = [];
  for (const [partition, records] of Object.entries(event.records)) {
    for (const record of records) {
      const failure = processRecord(record);
      if (failure) {
        console.error(
          JSON.stringify({ msg: 'cannot process record', partition, offset: record.offset, error: failure }),
        );
        // Later records of this partition are redelivered anyway: stop here to keep order.
        batchItemFailures.push({ itemIdentifier: { partition, offset: record.offset } });
        break;
      }
    }
  }
  return { batchItemFailures };
}

/** Logs one record; returns why it cannot be processed, or undefined. */
function processRecord(record: SelfManagedKafkaRecord): string | undefined {
  const key = decode(record.key);
  const value = decode(record.value);
  let order: unknown = null;
  if (value !== null) {
    try {
      order = JSON.parse(value);
    } catch {
      return 'value is not JSON';
    }
  }
  console.log(
    JSON.stringify({
      msg: 'order',
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: new Date(record.timestamp).toISOString(),
      key,
      order,
      headers: decodeHeaders(record.headers),
    }),
  );
  return undefined;
}

/**
 * Base64 to UTF-8; a missing key or a tombstone's missing value is null. (`@types/aws-lambda`
 * types `value` as always present; Lambda and Sluice leave it out for a tombstone.)
 */
function decode(data: string | undefined | null): string | null {
  return data === undefined || data === null ? null : Buffer.from(data, 'base64').toString('utf8');
}

/** Kafka headers arrive as byte arrays: `[{ "h": [104, 105] }]` becomes `{ h: 'hi' }`. */
function decodeHeaders(headers: SelfManagedKafkaRecord['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) out[name] = Buffer.from(bytes).toString('utf8');
  }
  return out;
}
