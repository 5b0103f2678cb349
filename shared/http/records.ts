import { MAX_RECORD_TIMESTAMP } from '../codec';
import type { RecordHeader } from '../codec/types';
import { InvalidRequestError } from '../errors';
import type { AppendRecord } from '../log';
import { didYouMean } from '../suggest';
import * as z from '../validation';
import { decodeBase64, validate } from './body';

/** Confluent's three data types for a key or a value without a schema. */
export type DataType = 'BINARY' | 'STRING' | 'JSON';

/**
 * The fields of Confluent's v3 `ProduceRequestData`. Those after `type` name a schema in a
 * schema registry, which Sluice does not have: they are recognised so that the refusal can
 * say so, rather than calling them unknown.
 */
const DATA_FIELDS = [
  'type',
  'data',
  'subject',
  'subject_name_strategy',
  'schema_id',
  'schema_version',
  'schema',
];
const SCHEMA_FIELDS = DATA_FIELDS.slice(2);

const data = z.optional(
  z.nullable(
    z.strictObject({
      type: z.optional(z.nullable(z.enum(['BINARY', 'STRING', 'JSON']))),
      data: z.optional(z.unknown()),
      subject: z.optional(z.unknown()),
      subject_name_strategy: z.optional(z.unknown()),
      schema_id: z.optional(z.unknown()),
      schema_version: z.optional(z.unknown()),
      schema: z.optional(z.unknown()),
    }),
  ),
);

const recordFields = {
  partition_id: z.optional(z.nullable(z.int())),
  headers: z.optional(
    z.nullable(z.array(z.strictObject({ name: z.string(), value: z.optional(z.nullable(z.string())) }))),
  ),
  key: data,
  value: data,
  timestamp: z.optional(z.nullable(z.string())),
};

/**
 * One record of a v3 produce request: exactly the fields of Confluent's `ProduceRequest`
 * (`partition_id`, `headers`, `key`, `value`, `timestamp`). Anything else is refused: a
 * v2-shaped body (`{"records":[…]}`) or a misspelt field would otherwise be stored as a
 * record with a null key and value.
 */
export const v3RecordSchema = z.strictObject(recordFields);

/** An entry of a `records:batch` request: a v3 record and its `id` (checked by `batchSchema`). */
export const v3BatchEntrySchema = z.strictObject({ ...recordFields, id: z.optional(z.unknown()) });

export type V3Record = z.infer<typeof v3RecordSchema>;

/** Where a v3 record came from: its own request (or streamed document), or a `records:batch` entry. */
export type V3RecordShape = 'record' | 'batch-entry';

const RECORD_FIELDS = Object.keys(recordFields);
const RECORD_FIELD_SET = new Set(RECORD_FIELDS);
const ENTRY_FIELD_SET = new Set([...RECORD_FIELDS, 'id']);
const DATA_FIELD_SET = new Set(DATA_FIELDS);
const HEADER_FIELD_SET = new Set(['name', 'value']);

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
 * the REST Proxy does for topics without a schema. A field outside Confluent's
 * `ProduceRequest` is refused with a message that names the right endpoint or field.
 *
 * @example
 * parseV3Record({ key: { type: 'STRING', data: 'a' }, value: { data: { x: 1 } } }, 0, Date.now());
 * parseV3Record({ records: [{ key: 'a' }] }, 0, Date.now()); // throws: `records` is the v2 shape
 */
export function parseV3Record(
  raw: unknown,
  index: number,
  now: number,
  shape: V3RecordShape = 'record',
): ParsedRecord {
  const input = isPlainV3Record(raw, shape) ? raw : validateV3Record(raw, index, shape);
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
      timestamp: input.timestamp ? parseDateTime(input.timestamp, `Record ${index} timestamp`) : now,
      ...(input.timestamp ? {} : { timestampAssigned: true }),
      partition: input.partition_id ?? undefined,
    },
    key: key && { type: key.type, size: key.bytes.length },
    value: value && { type: value.type, size: value.bytes.length },
  };
}

/** The schema's verdict, with an unknown top-level field explained first. */
function validateV3Record(raw: unknown, index: number, shape: V3RecordShape): V3Record {
  if (isObject(raw)) {
    const allowed = shape === 'record' ? RECORD_FIELD_SET : ENTRY_FIELD_SET;
    const unknown = Object.keys(raw).find((field) => !allowed.has(field));
    if (unknown !== undefined) throw unknownRecordField(unknown, index, shape);
  }
  return validate(shape === 'record' ? v3RecordSchema : v3BatchEntrySchema, raw, `Record ${index}`);
}

function unknownRecordField(field: string, index: number, shape: V3RecordShape): InvalidRequestError {
  const what = `Record ${index} has the field "${field}", which a v3 record does not have`;
  const fields = `A v3 record has only ${RECORD_FIELDS.join(', ')}${shape === 'batch-entry' ? ' (and its id)' : ''}`;
  if (field === 'records') {
    return new InvalidRequestError(
      `${what}: \`records\` is the v2 shape: POST /topics/{topic} (Content-Type application/vnd.kafka.json.v2+json). ` +
        `Here, send one record per JSON document, e.g. {"key":{"type":"STRING","data":"a"},"value":{"type":"JSON","data":{"x":1}}}, ` +
        'or several as {"entries":[…]} to POST /v3/clusters/{cluster_id}/topics/{topic}/records:batch.',
    );
  }
  if (field === 'entries' || (field === 'id' && shape === 'record')) {
    return new InvalidRequestError(
      `${what}: \`${field}\` belongs to the batch shape: POST /v3/clusters/{cluster_id}/topics/{topic}/records:batch with {"entries":[{"id":"1",…record fields…}]}.`,
    );
  }
  const candidates = shape === 'record' ? RECORD_FIELDS : [...RECORD_FIELDS, 'id'];
  return new InvalidRequestError(`${what}${didYouMean(field, candidates)}. ${fields}.`);
}

/**
 * True only for a record that {@link v3RecordSchema} (or {@link v3BatchEntrySchema} for a
 * batch entry) certainly accepts, checked by hand: zod/mini validates objects with an
 * interpreter, about 15 µs of a `records:batch` request of 10 records, as much as JSON.parse
 * of its body. Whatever this does not recognise goes through the schema, which accepts or
 * refuses it and names the field, so what is accepted is exactly what the schema accepts. The
 * record is then read as it came. A test checks the two agree.
 */
export function isPlainV3Record(raw: unknown, shape: V3RecordShape = 'record'): raw is V3Record {
  if (!isObject(raw) || !onlyFields(raw, shape === 'record' ? RECORD_FIELD_SET : ENTRY_FIELD_SET))
    return false;
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
    (isObject(data) &&
      onlyFields(data, DATA_FIELD_SET) &&
      (data.type === undefined || DATA_TYPES.includes(data.type)))
  );
}

function isPlainHeader(header: unknown): boolean {
  return (
    isObject(header) &&
    onlyFields(header, HEADER_FIELD_SET) &&
    typeof header.name === 'string' &&
    (header.value === undefined || header.value === null || typeof header.value === 'string')
  );
}

function onlyFields(object: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const field in object) if (!allowed.has(field)) return false;
  return true;
}

/** An object as zod's object schemas take it: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseData(input: V3Record['key'], what: string): { type: DataType; bytes: Buffer } | null {
  if (input === null || input === undefined) return null;
  // A schema field that is null names no schema (Confluent's document makes each of them nullable).
  const schemaField = SCHEMA_FIELDS.find((field) => {
    const value = input[field as keyof typeof input];
    return value !== undefined && value !== null;
  });
  if (schemaField !== undefined) {
    throw new InvalidRequestError(
      `${what} names a schema (${schemaField}), but Sluice has no schema registry: send type BINARY, STRING or JSON.`,
    );
  }
  // `data: null` is no key or value in every type, as Confluent reads it (not the JSON text "null").
  if (input.data === undefined || input.data === null) return null;
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

/**
 * An RFC 3339 date-time, as Confluent reads a timestamp (`Instant`): a date, a time, and `Z` or
 * an offset — without one, the text names no instant (JavaScript would read it as local time).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of a timestamp given as text (a record's, a v2 seek's), refusing
 * with 400 what names no instant or lies outside Kafka's record timestamps.
 *
 * @example
 * parseDateTime('1970-01-01T00:00:01Z', 'Record 0 timestamp'); // 1000
 */
export function parseDateTime(text: string, what: string): number {
  const ms = Date.parse(text);
  const date = DATE_TIME.exec(text);
  if (!date || Number.isNaN(ms) || !isCalendarDay(Number(date[1]), Number(date[2]), Number(date[3]))) {
    throw new InvalidRequestError(
      `${what} "${text}" is not an ISO-8601 date-time with a zone: use e.g. 2026-01-02T03:04:05Z.`,
    );
  }
  if (ms < 0 || ms > MAX_RECORD_TIMESTAMP) {
    throw new InvalidRequestError(
      `${what} "${text}" is out of range: Kafka record timestamps start at 1970-01-01T00:00:00Z.`,
    );
  }
  return ms;
}

/** True when the month has that day (Date.parse would roll 2024-02-30 over to March). */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay;
}

/** The v2 embedded formats: values are JSON documents or base64 bytes. */
export type V2Format = 'json' | 'binary';

/** Where a v2 produce goes: a topic (each record may name its partition) or one partition (the path names it). */
export type V2Target = 'topic' | 'partition';

/**
 * The fields of Confluent's v2 produce body that name a schema (Avro, Protobuf, JSON Schema
 * formats, which need a schema registry). Recognised so the refusal can say why.
 */
const V2_SCHEMA_FIELDS = ['key_schema', 'value_schema', 'key_schema_id', 'value_schema_id'];

const v2BodySchema = z.strictObject({ records: z.array(z.unknown()).check(z.minLength(1)) });

const v2TopicRecordSchema = z.strictObject({
  key: z.optional(z.unknown()),
  value: z.optional(z.unknown()),
  partition: z.optional(z.nullable(z.int())),
});

const v2PartitionRecordSchema = z.strictObject({
  key: z.optional(z.unknown()),
  value: z.optional(z.unknown()),
});

/**
 * The records of a v2 produce body (`{"records":[…]}`), unread: what concerns the request — not
 * an object, no records, a schema, an unknown field — refuses it whole; each record is then read
 * by {@link parseV2Record}, so a bad one fails on its own.
 *
 * @example
 * v2ProduceRecords({ records: [{ value: 1 }] }); // [{ value: 1 }]
 * v2ProduceRecords({ value_schema: '"int"', records: [{ value: 1 }] }); // throws: no schema registry
 */
export function v2ProduceRecords(raw: unknown): readonly unknown[] {
  if (isObject(raw)) {
    const schemaField = V2_SCHEMA_FIELDS.find((field) => raw[field] !== undefined && raw[field] !== null);
    if (schemaField !== undefined) {
      throw new InvalidRequestError(
        `The v2 produce body names a schema (${schemaField}), but Sluice has no schema registry: send the records with Content-Type application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json and no schema.`,
      );
    }
    const unknown = Object.keys(raw).find(
      (field) => field !== 'records' && !V2_SCHEMA_FIELDS.includes(field),
    );
    if (unknown !== undefined) {
      throw new InvalidRequestError(
        `The v2 produce body has the field "${unknown}"${didYouMean(unknown, ['records'])}: it takes {"records":[{"key":…,"value":…}]}.`,
      );
    }
    if (Array.isArray(raw.records) && raw.records.length === 0) {
      throw new InvalidRequestError('The v2 produce body has no records: send at least one.');
    }
  }
  // The schema fields, when present, are null (checked above): only the records are left to check.
  return validate(v2BodySchema, isObject(raw) ? { records: raw.records } : raw, 'v2 produce body').records;
}

/**
 * Reads record `index` of a v2 produce: `key` and `value` are JSON documents (`json`) or base64
 * bytes (`binary`); a record sent to a topic may name its partition, one sent to a partition
 * may not (the path names it). Throws an {@link InvalidRequestError} that concerns this record
 * alone, which the produce reports in the record's own result.
 *
 * @example
 * parseV2Record({ key: 'k', value: { n: 1 } }, 0, 'json', 'topic', Date.now()).record.value; // '{"n":1}' as bytes
 */
export function parseV2Record(
  raw: unknown,
  index: number,
  format: V2Format,
  target: V2Target,
  now: number,
): { readonly record: AppendRecord } {
  if (target === 'partition' && isObject(raw) && raw.partition !== undefined) {
    throw new InvalidRequestError(
      `Record ${index} has the field "partition": a record sent to POST /topics/{topic}/partitions/{partition} goes to the partition its path names.`,
    );
  }
  const record =
    target === 'topic'
      ? validate(v2TopicRecordSchema, raw, `Record ${index}`)
      : { ...validate(v2PartitionRecordSchema, raw, `Record ${index}`), partition: undefined };
  return {
    record: {
      key: v2Data(record.key, format, `Record ${index} key`),
      value: v2Data(record.value, format, `Record ${index} value`),
      headers: [],
      timestamp: now,
      timestampAssigned: true,
      partition: record.partition ?? undefined,
    },
  };
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
