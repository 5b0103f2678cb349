import { decodeSection, encodeSegment } from '../shared/codec';
import type { ProducedRecord } from '../shared/codec/types';
import { payload } from './data';
import { kafkajsDecode, kafkajsEncode } from './kafkajs';
import { geometricMean, nowMs, percentile } from './stats';

/** Encode and decode speed of Sluice's segment codec and kafkajs's RecordBatch codec. */
export interface CodecResult {
  readonly encodeMBps: number;
  readonly decodeMBps: number;
  readonly kafkajsEncodeMBps: number;
  readonly kafkajsDecodeMBps: number;
  /** Geometric mean of (Sluice ÷ kafkajs) for encode and for decode. */
  readonly ratioVsKafkajs: number;
  /** Records per batch and record bytes (key + value + header) per batch. */
  readonly recordsPerBatch: number;
  readonly recordBytesPerBatch: number;
  /** Encoded size of one batch in each format. */
  readonly sluiceBatchBytes: number;
  readonly kafkajsBatchBytes: number;
}

export interface CodecOptions {
  readonly records: number;
  readonly valueBytes: number;
  /** Time spent on each of the four measurements (split over three interleaved rounds). */
  readonly measureMs: number;
}

type Op = () => unknown;

/**
 * Measures both codecs in this process on the same records (16-byte key, `valueBytes` value,
 * one 16-byte header each): warm-up, a round-trip check, then three interleaved rounds of
 * each operation, reporting the median round. MB/s counts record bytes (key + value +
 * header), 1 MB = 10^6 bytes, so both codecs are judged on the same work.
 *
 * @example
 * const codec = await measureCodec({ records: 100, valueBytes: 1024, measureMs: 2000 });
 */
export async function measureCodec(options: CodecOptions): Promise<CodecResult> {
  const records = sampleRecords(options.records, options.valueBytes);
  const recordBytes = records.reduce(
    (sum, r) => sum + (r.key?.length ?? 0) + (r.value?.length ?? 0) + headerBytes(r),
    0,
  );
  const segment = encodeSegment([{ partition: 0, records }]);
  const [location] = segment.sections;
  const section = segment.bytes.subarray(location.byteStart, location.byteStart + location.byteLength);
  const kafkaBatch = await kafkajsEncode(records);
  await checkRoundTrip(records, section, kafkaBatch);

  const ops: Record<'encode' | 'decode' | 'kafkajsEncode' | 'kafkajsDecode', Op> = {
    encode: () => encodeSegment([{ partition: 0, records }]),
    decode: () => decodeSection(section, 0),
    kafkajsEncode: () => kafkajsEncode(records),
    kafkajsDecode: () => kafkajsDecode(kafkaBatch),
  };
  const names = Object.keys(ops) as (keyof typeof ops)[];
  for (const name of names) await opsPerSecond(ops[name], options.measureMs / 4);
  const rounds: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < 3; round++) {
    for (const name of names) {
      const rate = await opsPerSecond(ops[name], options.measureMs / 3);
      rounds[name].push((rate * recordBytes) / 1e6);
    }
  }
  const mbps = (name: string) => percentile(rounds[name], 50);
  const encodeMBps = mbps('encode');
  const decodeMBps = mbps('decode');
  const kafkajsEncodeMBps = mbps('kafkajsEncode');
  const kafkajsDecodeMBps = mbps('kafkajsDecode');
  return {
    encodeMBps,
    decodeMBps,
    kafkajsEncodeMBps,
    kafkajsDecodeMBps,
    ratioVsKafkajs: geometricMean([encodeMBps / kafkajsEncodeMBps, decodeMBps / kafkajsDecodeMBps]),
    recordsPerBatch: records.length,
    recordBytesPerBatch: recordBytes,
    sluiceBatchBytes: section.length,
    kafkajsBatchBytes: kafkaBatch.length,
  };
}

/** Runs `op` back to back for `ms` and returns calls per second. Awaits only real promises. */
async function opsPerSecond(op: Op, ms: number): Promise<number> {
  let calls = 0;
  const start = nowMs();
  let elapsed = 0;
  while (elapsed < ms) {
    // Batches of 10 calls keep the clock reads out of the measurement.
    for (let i = 0; i < 10; i++) {
      const result = op();
      if (result instanceof Promise) await result;
    }
    calls += 10;
    elapsed = nowMs() - start;
  }
  return (calls * 1000) / elapsed;
}

/** Both codecs must give back the records they were given, or the comparison means nothing. */
async function checkRoundTrip(records: readonly ProducedRecord[], section: Buffer, kafkaBatch: Buffer) {
  const ours = decodeSection(section, 0);
  const theirs = await kafkajsDecode(kafkaBatch);
  records.forEach((record, i) => {
    const same =
      ours[i].value?.equals(record.value as Buffer) &&
      ours[i].key?.equals(record.key as Buffer) &&
      theirs[i].value?.equals(record.value as Buffer) &&
      theirs[i].key?.equals(record.key as Buffer) &&
      String(ours[i].timestamp) === theirs[i].timestamp;
    if (!same)
      throw new Error(`codec round trip differs at record ${i}: the comparison would be meaningless`);
  });
}

function sampleRecords(count: number, valueBytes: number): ProducedRecord[] {
  const base = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
    value: payload(valueBytes, i),
    headers: [{ key: 'trace-id', value: payload(8, 10_000 + i) }],
    timestamp: base + i,
  }));
}

function headerBytes(record: ProducedRecord): number {
  return record.headers.reduce((sum, h) => sum + Buffer.byteLength(h.key) + (h.value?.length ?? 0), 0);
}
