/**
 * Turns a kafkajs-style message into a v3 produce entry once, at `send` time, so a batch
 * that is retried resends the very same bytes.
 */
import type { Message } from './types';

/** A message ready to batch: its v3 fields, its key bytes (for partitioning) and its size. */
export interface EncodedMessage {
  /** v3 record fields without `id` and `partition_id`, which depend on the batch. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly key: Buffer | null;
  readonly partition?: number;
  /** Bytes this entry adds to the request body. */
  readonly size: number;
}

/** Room for `"id":"123","partition_id":1234,` and the separating comma. */
const ENTRY_OVERHEAD = 40;

/**
 * Encodes one message; throws a TypeError naming the message when it is malformed.
 *
 * @example
 * encodeMessage({ key: 'k', value: Buffer.from([1, 2]) }, 0).fields;
 * // { key: { type: 'STRING', data: 'k' }, value: { type: 'BINARY', data: 'AQI=' } }
 */
export function encodeMessage(message: Message, index: number): EncodedMessage {
  if (typeof message !== 'object' || message === null || !('value' in message)) {
    throw new TypeError(`messages[${index}] must be an object with a value (null for a tombstone).`);
  }
  const fields: Record<string, unknown> = {};
  const key = data(message.key, `messages[${index}].key`);
  const value = data(message.value, `messages[${index}].value`);
  if (key) fields.key = key;
  if (value) fields.value = value;
  const headers = encodeHeaders(message.headers, index);
  if (headers.length > 0) fields.headers = headers;
  if (message.timestamp !== undefined) fields.timestamp = isoTimestamp(message.timestamp, index);
  if (message.partition !== undefined && (!Number.isInteger(message.partition) || message.partition < 0)) {
    throw new TypeError(
      `messages[${index}].partition must be a non-negative integer, got ${message.partition}.`,
    );
  }
  return {
    fields,
    key: keyBytes(message.key),
    partition: message.partition,
    size: Buffer.byteLength(JSON.stringify(fields)) + ENTRY_OVERHEAD,
  };
}

function data(input: string | Buffer | null | undefined, what: string) {
  if (input === null || input === undefined) return undefined;
  if (typeof input === 'string') return { type: 'STRING', data: input };
  if (Buffer.isBuffer(input)) return { type: 'BINARY', data: input.toString('base64') };
  throw new TypeError(`${what} must be a string, a Buffer or null.`);
}

/** The bytes the server will store as the key: the partitioner must hash the same ones. */
function keyBytes(key: string | Buffer | null | undefined): Buffer | null {
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

function encodeHeaders(headers: Message['headers'], index: number): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
        throw new TypeError(
          `messages[${index}].headers.${name} must be a string, a Buffer or an array of them.`,
        );
      }
      out.push({ name, value: Buffer.from(value).toString('base64') });
    }
  }
  return out;
}

function isoTimestamp(timestamp: string, index: number): string {
  const text = String(timestamp).trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new TypeError(
      `messages[${index}].timestamp "${timestamp}" is neither milliseconds since the epoch nor an ISO-8601 date-time.`,
    );
  }
  return new Date(ms).toISOString();
}
