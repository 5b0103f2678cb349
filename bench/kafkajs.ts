/**
 * A typed door into kafkajs's own RecordBatch (magic v2) codec — the code its producer uses
 * to encode a partition's batch and its consumer uses to decode a fetched one. These are
 * internal modules (`kafkajs/src/protocol/...`), so the shapes below are only what the
 * benchmark calls.
 */
import type { ProducedRecord } from '../shared/codec/types';

interface KafkajsEncoder {
  readonly buffer: Buffer;
}

type RecordFn = (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}) => KafkajsEncoder;

type RecordBatchFn = (batch: {
  records: KafkajsEncoder[];
  firstTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
}) => Promise<KafkajsEncoder>;

interface DecodedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | Buffer[]>;
}

type RecordBatchDecoderFn = (decoder: unknown) => Promise<{ records: DecodedRecord[] }>;
type DecoderClass = new (buffer: Buffer) => unknown;

const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as RecordFn;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: RecordBatchFn };
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as RecordBatchDecoderFn;
const Decoder = require('kafkajs/src/protocol/decoder') as DecoderClass;

/**
 * Encodes records as one uncompressed Kafka RecordBatch the way kafkajs's producer does
 * (`produce/v3/request.js`): one Record encoder per record, then the batch with its CRC-32C.
 *
 * @example
 * const bytes = await kafkajsEncode(records);
 */
export async function kafkajsEncode(records: readonly ProducedRecord[]): Promise<Buffer> {
  let first = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    first = Math.min(first, record.timestamp);
    max = Math.max(max, record.timestamp);
  }
  const encoded = records.map((record, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: record.timestamp - first,
      key: record.key,
      value: record.value,
      headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value as Buffer])),
    }),
  );
  const batch = await RecordBatch({
    records: encoded,
    firstTimestamp: first,
    maxTimestamp: max,
    lastOffsetDelta: records.length - 1,
  });
  return batch.buffer;
}

/**
 * Decodes one RecordBatch (as produced by {@link kafkajsEncode}) with kafkajs's consumer-side
 * decoder.
 *
 * @example
 * const records = await kafkajsDecode(bytes);
 */
export async function kafkajsDecode(bytes: Buffer): Promise<DecodedRecord[]> {
  const { records } = await decodeRecordBatch(new Decoder(bytes));
  return records;
}
