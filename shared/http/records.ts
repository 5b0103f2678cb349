import { MAX_RECORD_TIMESTAMP } from '../codec';
import type { RecordHeader } from '../codec/types';
import { InvalidRequestError } from '../errors';
import type { AppendRecord } from '../log';
import * as z from '../validation';
import { decodeBase64, validate } from './body';

/** Confluent's three data types for a key or a value without a schema. */
export type DataType = 'BINARY' | 'STRING' | 'JSON';

const data = z.optional(
  z.nullable(
    z.object({
      type: z.optional(z.enum(['BINARY', 'STRING', 'JSON'])),
      data: z.optional(z.unknown()),
      schema_id: z.optional(z.unknown()),
      subject: z.optional(z.unknown()),
    }),
  ),
);

/** One record of a v3 produce request (`records` or an entry of `records:batch`). */
export const v3RecordSchema = z.object({
  partition_id: z.optional(z.nullable(z.int())),
  headers: z.optional(
    z.nullable(z.array(z.object({ name: z.string(), value: z.optional(z.nullable(z.string())) }))),
  ),
  key: data,
  value: data,
  timestamp: z.optional(z.nullable(z.string())),
});

export type V3Record = z.infer<typeof v3RecordSchema>;

/** Sizes reported back in a v3 delivery report. */
export interface DataSummary {
  readonly type: DataType;
  readonly size: number;
}

/** A parsed v3 record with what its delivery report needs. */
export interface ParsedRecord {
  readonly record: AppendRecord;
  readonly key: DataSummary | null;
  readonly value: DataSummary | null;
}

/**
 * Validates and converts one v3 record. `type` defaults to JSON when `data` is given, as
 * the REST Proxy does for topics without a schema.
 */
export function parseV3Record(raw: unknown, index: number, now: number): ParsedRecord {
  const input = isPlainV3Record(raw) ? raw : validate(v3RecordSchema, raw, `Record ${index}`);
  const key = parseData(input.key, `Record ${index} key`);
  const value = parseData(input.value, `Record ${index} value`);
  const headers: RecordHeader[] = (input.headers ?? []).map((header, h) => ({
    key: header.name,
    value:
      header.value === null || header.value === undefined
        ? null
        : decodeBase64(header.value, `Record ${index} header ${h} ("${header.name}") value`),
  }));
  return {
    record: {
      key: key?.bytes ?? null,
      value: value?.bytes ?? null,
      headers,
      timestamp: input.timestamp ? parseTimestamp(input.timestamp, index) : now,
      partition: input.partition_id ?? undefined,
    },
    key: key && { type: key.type, size: key.bytes.length },
    value: value && { type: value.type, size: value.bytes.length },
  };
}

/**
 * True only for a record that {@link v3RecordSchema} certainly accepts, checked by hand:
 * zod/mini validates objects with an interpreter, about 15 µs of a `records:batch` request
 * of 10 records, as much as JSON.parse of its body. Whatever this does not recognise goes
 * through the schema, which accepts or refuses it and names the field, so what is accepted is
 * exactly what the schema accepts. The record is then read as it came: the schema's output
 * differs only in dropping unknown keys, which the reader never looks at. A test checks the
 * two agree.
 */
export function isPlainV3Record(raw: unknown): raw is V3Record {
  if (!isObject(raw)) return false;
  const { partition_id, headers, key, value, timestamp } = raw;
  return (
    (partition_id === undefined || partition_id === null || Number.isSafeInteger(partition_id)) &&
    (timestamp === undefined || timestamp === null || typeof timestamp === 'string') &&
    isPlainData(key) &&
    isPlainData(value) &&
    (headers === undefined || headers === null || (Array.isArray(headers) && headers.every(isPlainHeader)))
  );
}

const DATA_TYPES: readonly unknown[] = ['BINARY', 'STRING', 'JSON'];

function isPlainData(data: unknown): boolean {
  return (
    data === undefined ||
    data === null ||
    (isObject(data) && (data.type === undefined || DATA_TYPES.includes(data.type)))
  );
}

function isPlainHeader(header: unknown): boolean {
  return (
    isObject(header) &&
    typeof header.name === 'string' &&
    (header.value === undefined || header.value === null || typeof header.value === 'string')
  );
}

/** An object as zod's object schemas take it: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseData(input: V3Record['key'], what: string): { type: DataType; bytes: Buffer } | null {
  if (input === null || input === undefined) return null;
  if (input.schema_id !== undefined || input.subject !== undefined) {
    throw new InvalidRequestError(
      `${what} names a schema, but Sluice has no schema registry: send type BINARY, STRING or JSON.`,
    );
  }
  if (input.data === undefined) return null;
  const type = input.type ?? 'JSON';
  switch (type) {
    case 'BINARY':
      if (typeof input.data !== 'string')
        throw new InvalidRequestError(`${what}: BINARY data must be a base64 string.`);
      return { type, bytes: decodeBase64(input.data, what) };
    case 'STRING':
      if (typeof input.data !== 'string')
        throw new InvalidRequestError(`${what}: STRING data must be a JSON string.`);
      return { type, bytes: Buffer.from(input.data, 'utf8') };
    case 'JSON':
      return { type, bytes: Buffer.from(JSON.stringify(input.data), 'utf8') };
  }
}

function parseTimestamp(text: string, index: number): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new InvalidRequestError(
      `Record ${index} timestamp "${text}" is not an ISO-8601 date-time: use e.g. 2026-01-02T03:04:05Z.`,
    );
  }
  if (ms < 0 || ms > MAX_RECORD_TIMESTAMP) {
    throw new InvalidRequestError(
      `Record ${index} timestamp "${text}" is out of range: Kafka record timestamps start at 1970-01-01T00:00:00Z.`,
    );
  }
  return ms;
}

/** The v2 embedded formats: values are JSON documents or base64 bytes. */
export type V2Format = 'json' | 'binary';

const v2BodySchema = z.object({
  records: z
    .array(
      z.object({
        key: z.optional(z.unknown()),
        value: z.optional(z.unknown()),
        partition: z.optional(z.nullable(z.int())),
      }),
    )
    .check(z.minLength(1)),
});

/** Validates and converts a v2 produce body (`{"records":[{key, value, partition}]}`). */
export function parseV2Records(raw: unknown, format: V2Format, now: number): AppendRecord[] {
  const body = validate(v2BodySchema, raw, 'v2 produce body');
  return body.records.map((record, i) => ({
    key: v2Data(record.key, format, `Record ${i} key`),
    value: v2Data(record.value, format, `Record ${i} value`),
    headers: [],
    timestamp: now,
    partition: record.partition ?? undefined,
  }));
}

function v2Data(input: unknown, format: V2Format, what: string): Buffer | null {
  if (input === null || input === undefined) return null;
  if (format === 'json') return Buffer.from(JSON.stringify(input), 'utf8');
  if (typeof input !== 'string') {
    throw new InvalidRequestError(
      `${what} must be a base64 string with Content-Type application/vnd.kafka.binary.v2+json.`,
    );
  }
  return decodeBase64(input, what);
}
