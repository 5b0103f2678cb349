/**
 * How much one request may ask of the log, and how large one record may be so that every
 * reader can carry it. The HTTP API and the poller answer through AWS Lambda, whose
 * synchronous payloads (a response, an invocation's event) are at most 6 MB; a record that
 * could not fit one would be accepted and then never delivered.
 */
import type { StoredRecord } from '../codec/types';

/** Records one append (one produce request) may hold: bounds the segment, the work and the answer. */
export const MAX_RECORDS_PER_APPEND = 10_000;

/** Lambda's limit on a synchronous invocation's payload and on a function's response. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The largest serialized event the poller sends: Lambda's payload limit less room for the
 * envelope (`eventSource`, `bootstrapServers`, the `topic-partition` keys).
 */
export const MAX_EVENT_BYTES = LAMBDA_PAYLOAD_BYTES - 16 * 1024;

/**
 * An upper bound on the bytes one record adds to a serialized Lambda Kafka event: key and
 * value in base64, each header value as a JSON array of byte numbers (up to four characters a
 * byte), and the record's fields around them. Computed without serializing, so it is cheap per
 * record. The append refuses a record above {@link MAX_EVENT_BYTES} by this measure, so every
 * stored record fits an event (and the smaller base64 shape of a fetch answer) on its own.
 *
 * @example
 * eventRecordBytes('orders', record); // ≥ JSON.stringify of the record's event entry
 */
export function eventRecordBytes(
  topic: string,
  record: Pick<StoredRecord, 'key' | 'value' | 'headers'>,
): number {
  const base64 = (n: number) => 4 * Math.ceil(n / 3);
  let headers = 2;
  for (const header of record.headers) {
    // Names are JSON-escaped: up to six characters per UTF-16 unit.
    headers += 6 * header.key.length + 4 * (header.value?.length ?? 0) + 8;
  }
  // Field names, quotes, commas and numbers of up to 20 digits each.
  return (
    200 + 6 * topic.length + base64(record.key?.length ?? 0) + base64(record.value?.length ?? 0) + headers
  );
}
