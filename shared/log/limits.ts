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
 * Room kept in an HTTP API invocation's event for everything but the body: the headers
 * (API Gateway takes at most 10 KB of them), the request context and the event's own fields.
 */
const HTTP_EVENT_ENVELOPE_BYTES = 64 * 1024;

/**
 * The largest request body that reaches the HTTP function on AWS whatever API Gateway does
 * with it: the body travels inside the invocation's event, base64-encoded when API Gateway
 * takes it for binary (4 characters per 3 bytes), and that event must fit Lambda's 6 MB.
 * The server's default limit (`SLUICE_MAX_REQUEST_BYTES`, locally and in the construct), so
 * a body that reaches the function and is larger is refused with 413 (41302) rather than
 * failing somewhere between API Gateway and Lambda; the client's default `batchBytes` stays
 * below it. 4,669,440 bytes.
 */
export const MAX_REQUEST_BODY_BYTES = Math.floor(
  ((LAMBDA_PAYLOAD_BYTES - HTTP_EVENT_ENVELOPE_BYTES) * 3) / 4,
);

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
  let headers = 2;
  for (const header of record.headers) {
    // Names are JSON-escaped: up to six characters per UTF-16 unit.
    headers += 6 * header.key.length + 4 * (header.value?.length ?? 0) + 8;
  }
  // Field names, quotes, commas and numbers of up to 20 digits each.
  return (
    200 +
    6 * topic.length +
    base64Length(record.key?.length ?? 0) +
    base64Length(record.value?.length ?? 0) +
    headers
  );
}

/** Characters of the base64 text of `n` bytes. At module level: this runs for every produced record. */
function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}
