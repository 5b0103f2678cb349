/**
 * The segment object format (v1): one S3 object per produce request, one independently
 * decodable section per partition. Layout, rationale and corruption handling are in
 * `docs/segment-format.md`; the offsets below must stay in step with that table.
 */
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { CorruptDataError } from '../errors';
import type {
  Compression,
  ProducedRecord,
  RecordHeader,
  SectionInput,
  SectionLocation,
  StoredRecord,
} from './types';
import { VarintReader, writeZigzag, zigzagSize } from './varint';

/**
 * MIME type to store segment objects under, so a stray object is recognisable in S3.
 *
 * @example
 * ```ts
 * await s3.send(new PutObjectCommand({ Bucket, Key, Body: bytes, ContentType: SEGMENT_CONTENT_TYPE }));
 * ```
 */
export const SEGMENT_CONTENT_TYPE = 'application/vnd.sluice.segment.v1';

/**
 * Options for {@link encodeSegment}.
 *
 * @example
 * ```ts
 * const opts: EncodeSegmentOptions = { compression: 'gzip' };
 * ```
 */
export interface EncodeSegmentOptions {
  /** Applied to each section's payload separately so each stays decodable alone. @default 'none' */
  readonly compression?: Compression;
}

const FORMAT_VERSION = 1;
const SEGMENT_MAGIC = 0x534c4345; // "SLCE"
const SECTION_MAGIC = 0x534c4353; // "SLCS": differs from the object magic so a misaligned range is caught

// Object header: magic u32, version u8, section count u32, directory, header CRC u32.
const SEG_VERSION = 4;
const SEG_COUNT = 5;
const SEG_DIRECTORY = 9;
const DIRECTORY_ENTRY_SIZE = 12; // partition i32, byteStart u32, byteLength u32

// Section header, 42 bytes. All integers big-endian, as in Kafka.
const SEC_VERSION = 4;
const SEC_ATTRIBUTES = 5;
const SEC_PARTITION = 6;
const SEC_RECORD_COUNT = 10;
const SEC_FIRST_TIMESTAMP = 14;
const SEC_MAX_TIMESTAMP = 22;
const SEC_PAYLOAD_LENGTH = 30;
const SEC_PAYLOAD_CRC = 34;
const SEC_HEADER_CRC = 38;
const SECTION_HEADER_SIZE = 42;

const COMPRESSION_MASK = 0x03;
const CODEC_NONE = 0;
const CODEC_GZIP = 1;

/**
 * The latest record timestamp a segment holds (ms since the epoch, about the year 144,683): the
 * earliest is 0, as Kafka's producer demands, and this bound keeps every delta exact when
 * zigzag-encoded.
 */
export const MAX_RECORD_TIMESTAMP = 2 ** 52 - 1;
const MAX_TIMESTAMP = MAX_RECORD_TIMESTAMP;
/** Length, timestamp delta, offset delta, key length, value length and header count: one byte each at least. */
const MIN_RECORD_SIZE = 6;
/** Name length and value length: one byte each at least. */
const MIN_HEADER_SIZE = 2;
const UINT32_LIMIT = 2 ** 32;

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** Sizes computed once so the write pass never measures (or UTF-8 encodes) anything twice. */
interface SectionPlan {
  readonly partition: number;
  readonly records: readonly ProducedRecord[];
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly bodySizes: number[];
  readonly nameSizes: number[];
  readonly payloadSize: number;
}

function bytesFieldSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : zigzagSize(bytes.length) + bytes.length;
}

function planSection(section: SectionInput): SectionPlan {
  const { partition, records } = section;
  if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new Error(`Partition must be an int32 ≥ 0, got ${partition}`);
  }
  if (records.length === 0) throw new Error(`Section for partition ${partition} has no records`);
  if (records.length > 0x7fffffff) throw new Error(`Section for partition ${partition} has too many records`);
  const firstTimestamp = records[0].timestamp;
  let maxTimestamp = firstTimestamp;
  const bodySizes = new Array<number>(records.length);
  const nameSizes: number[] = [];
  let payloadSize = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const { timestamp, headers } = record;
    if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
      throw new Error(`Record timestamp must be an integer in [0, 2^52), got ${timestamp}`);
    }
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    let size =
      zigzagSize(timestamp - firstTimestamp) +
      zigzagSize(i) +
      bytesFieldSize(record.key) +
      bytesFieldSize(record.value) +
      zigzagSize(headers.length);
    for (const header of headers) {
      const nameSize = Buffer.byteLength(header.key, 'utf8');
      nameSizes.push(nameSize);
      size += zigzagSize(nameSize) + nameSize + bytesFieldSize(header.value);
    }
    bodySizes[i] = size;
    payloadSize += zigzagSize(size) + size;
  }
  return { partition, records, firstTimestamp, maxTimestamp, bodySizes, nameSizes, payloadSize };
}

function writeBytesField(buf: Buffer, offset: number, bytes: Buffer | null): number {
  if (bytes === null) return writeZigzag(buf, offset, -1);
  const pos = writeZigzag(buf, offset, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

function writeRecords(buf: Buffer, offset: number, plan: SectionPlan): void {
  const { records, bodySizes, nameSizes, firstTimestamp } = plan;
  let pos = offset;
  let nameIndex = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    pos = writeZigzag(buf, pos, bodySizes[i]);
    pos = writeZigzag(buf, pos, record.timestamp - firstTimestamp);
    pos = writeZigzag(buf, pos, i);
    pos = writeBytesField(buf, pos, record.key);
    pos = writeBytesField(buf, pos, record.value);
    pos = writeZigzag(buf, pos, record.headers.length);
    for (const header of record.headers) {
      const nameSize = nameSizes[nameIndex++];
      pos = writeZigzag(buf, pos, nameSize);
      pos += buf.write(header.key, pos, nameSize, 'utf8');
      pos = writeBytesField(buf, pos, header.value);
    }
  }
}

/** Int64 as two words: exact for any safe integer, and no BigInt on the hot path. */
function writeInt64(buf: Buffer, offset: number, value: number): void {
  const high = Math.floor(value / UINT32_LIMIT);
  buf.writeInt32BE(high, offset);
  buf.writeUInt32BE(value - high * UINT32_LIMIT, offset + 4);
}

function writeSectionHeader(
  buf: Buffer,
  offset: number,
  plan: SectionPlan,
  codec: number,
  payloadLength: number,
): void {
  const payloadStart = offset + SECTION_HEADER_SIZE;
  buf.writeUInt32BE(SECTION_MAGIC, offset);
  buf[offset + SEC_VERSION] = FORMAT_VERSION;
  buf[offset + SEC_ATTRIBUTES] = codec;
  buf.writeInt32BE(plan.partition, offset + SEC_PARTITION);
  buf.writeInt32BE(plan.records.length, offset + SEC_RECORD_COUNT);
  writeInt64(buf, offset + SEC_FIRST_TIMESTAMP, plan.firstTimestamp);
  writeInt64(buf, offset + SEC_MAX_TIMESTAMP, plan.maxTimestamp);
  buf.writeUInt32BE(payloadLength, offset + SEC_PAYLOAD_LENGTH);
  buf.writeUInt32BE(
    crc32(buf.subarray(payloadStart, payloadStart + payloadLength)),
    offset + SEC_PAYLOAD_CRC,
  );
  buf.writeUInt32BE(crc32(buf.subarray(offset, offset + SEC_HEADER_CRC)), offset + SEC_HEADER_CRC);
}

/**
 * Encodes the sections of one produce request into one segment object. Each section gets
 * offset deltas 0..n-1 because its base offset is only assigned when the index item is
 * committed, after the object is written. Throws a plain `Error` for programmer errors: no
 * sections, an empty section, a repeated partition, or a timestamp outside [0, 2^52).
 *
 * @example
 * ```ts
 * const { bytes, sections } = encodeSegment(
 *   [{ partition: 3, records: [{ key: null, value: Buffer.from('hi'), headers: [], timestamp: Date.now() }] }],
 *   { compression: 'gzip' },
 * );
 * // store `bytes`; remember sections[0].byteStart/byteLength for the range GET
 * ```
 */
export function encodeSegment(
  sections: readonly SectionInput[],
  opts: EncodeSegmentOptions = {},
): { bytes: Buffer; sections: SectionLocation[] } {
  const compression = opts.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') throw new Error(`Unknown compression ${compression}`);
  if (sections.length === 0) throw new Error('A segment needs at least one section');
  const plans = sections.map(planSection);
  if (new Set(plans.map((p) => p.partition)).size !== plans.length) {
    throw new Error('A segment holds at most one section per partition');
  }

  const headerSize = SEG_DIRECTORY + DIRECTORY_ENTRY_SIZE * plans.length + 4;
  const locations: SectionLocation[] = [];
  let bytes: Buffer;
  if (compression === 'none') {
    let total = headerSize;
    for (const plan of plans) total += SECTION_HEADER_SIZE + plan.payloadSize;
    if (total >= UINT32_LIMIT) throw new Error('Segment would exceed 4 GiB');
    bytes = Buffer.allocUnsafe(total);
    let pos = headerSize;
    for (const plan of plans) {
      writeRecords(bytes, pos + SECTION_HEADER_SIZE, plan);
      writeSectionHeader(bytes, pos, plan, CODEC_NONE, plan.payloadSize);
      locations.push(locate(plan, pos, SECTION_HEADER_SIZE + plan.payloadSize));
      pos += SECTION_HEADER_SIZE + plan.payloadSize;
    }
  } else {
    // The compressed size is unknown until gzip runs, so payloads are staged, then copied once.
    const payloads = plans.map((plan) => {
      const raw = Buffer.allocUnsafe(plan.payloadSize);
      writeRecords(raw, 0, plan);
      return gzipSync(raw);
    });
    let total = headerSize;
    for (const payload of payloads) total += SECTION_HEADER_SIZE + payload.length;
    if (total >= UINT32_LIMIT) throw new Error('Segment would exceed 4 GiB');
    bytes = Buffer.allocUnsafe(total);
    let pos = headerSize;
    for (let i = 0; i < plans.length; i++) {
      const payload = payloads[i];
      bytes.set(payload, pos + SECTION_HEADER_SIZE);
      writeSectionHeader(bytes, pos, plans[i], CODEC_GZIP, payload.length);
      locations.push(locate(plans[i], pos, SECTION_HEADER_SIZE + payload.length));
      pos += SECTION_HEADER_SIZE + payload.length;
    }
  }

  bytes.writeUInt32BE(SEGMENT_MAGIC, 0);
  bytes[SEG_VERSION] = FORMAT_VERSION;
  bytes.writeUInt32BE(locations.length, SEG_COUNT);
  let entry = SEG_DIRECTORY;
  for (const location of locations) {
    bytes.writeInt32BE(location.partition, entry);
    bytes.writeUInt32BE(location.byteStart, entry + 4);
    bytes.writeUInt32BE(location.byteLength, entry + 8);
    entry += DIRECTORY_ENTRY_SIZE;
  }
  bytes.writeUInt32BE(crc32(bytes.subarray(0, entry)), entry);
  return { bytes, sections: locations };
}

function locate(plan: SectionPlan, byteStart: number, byteLength: number): SectionLocation {
  return {
    partition: plan.partition,
    byteStart,
    byteLength,
    recordCount: plan.records.length,
    firstTimestamp: plan.firstTimestamp,
    maxTimestamp: plan.maxTimestamp,
  };
}

function corrupt(message: string, partition?: number, cause?: unknown): CorruptDataError {
  return new CorruptDataError(`Corrupt segment: ${message}`, { partition, cause });
}

function readTimestamp(bytes: Buffer, offset: number, partition: number): number {
  const value = bytes.readInt32BE(offset) * UINT32_LIMIT + bytes.readUInt32BE(offset + 4);
  if (value < 0 || value > MAX_TIMESTAMP) throw corrupt(`timestamp ${value} out of range`, partition);
  return value;
}

function readBytesField(reader: VarintReader, partition: number): Buffer | null {
  const length = reader.readZigzag();
  if (length === -1) return null;
  if (length < -1 || length > reader.end - reader.pos) {
    throw corrupt(`byte field of length ${length} runs past its record`, partition);
  }
  const start = reader.pos;
  reader.pos = start + length;
  return reader.buf.subarray(start, start + length);
}

function decodeHeaders(reader: VarintReader, recordEnd: number, partition: number): readonly RecordHeader[] {
  const count = reader.readZigzag();
  if (count === 0) return EMPTY_HEADERS;
  if (count < 0 || count * MIN_HEADER_SIZE > recordEnd - reader.pos) {
    throw corrupt(`header count ${count} does not fit its record`, partition);
  }
  const headers = new Array<RecordHeader>(count);
  for (let i = 0; i < count; i++) {
    const nameLength = reader.readZigzag();
    if (nameLength < 0 || nameLength > reader.end - reader.pos) {
      throw corrupt(`header name of length ${nameLength} runs past its record`, partition);
    }
    const key = reader.buf.toString('utf8', reader.pos, reader.pos + nameLength);
    reader.pos += nameLength;
    headers[i] = { key, value: readBytesField(reader, partition) };
  }
  return headers;
}

function decodeRecords(
  data: Buffer,
  partition: number,
  recordCount: number,
  firstTimestamp: number,
  maxTimestamp: number,
  baseOffset: number,
): StoredRecord[] {
  if (recordCount * MIN_RECORD_SIZE > data.length) {
    throw corrupt(`${recordCount} records cannot fit in ${data.length} bytes`, partition);
  }
  const records = new Array<StoredRecord>(recordCount);
  const reader = new VarintReader(data, 0, data.length);
  let seenMax = firstTimestamp;
  for (let i = 0; i < recordCount; i++) {
    reader.end = data.length;
    const bodyLength = reader.readZigzag();
    if (bodyLength < 0 || bodyLength > data.length - reader.pos) {
      throw corrupt(`record ${i} of length ${bodyLength} runs past the payload`, partition);
    }
    const recordEnd = reader.pos + bodyLength;
    reader.end = recordEnd;
    const timestampDelta = reader.readZigzag();
    if (i === 0 && timestampDelta !== 0) {
      throw corrupt('first record does not match firstTimestamp', partition);
    }
    const timestamp = firstTimestamp + timestampDelta;
    if (timestamp < 0 || timestamp > maxTimestamp) {
      throw corrupt(`record ${i} timestamp ${timestamp} is outside the section's range`, partition);
    }
    if (timestamp > seenMax) seenMax = timestamp;
    if (reader.readZigzag() !== i) throw corrupt(`record ${i} has the wrong offset delta`, partition);
    const key = readBytesField(reader, partition);
    const value = readBytesField(reader, partition);
    const headers = decodeHeaders(reader, recordEnd, partition);
    if (reader.pos !== recordEnd) throw corrupt(`record ${i} length disagrees with its fields`, partition);
    records[i] = { key, value, headers, timestamp, partition, offset: baseOffset + i };
  }
  if (reader.pos !== data.length) throw corrupt('bytes left over after the last record', partition);
  if (seenMax !== maxTimestamp) throw corrupt('maxTimestamp disagrees with the records', partition);
  return records;
}

/**
 * Decodes one section: exactly the bytes `[byteStart, byteStart + byteLength)` of a segment,
 * as a range GET returns them. Records get `offset = baseOffset + delta` and the section's
 * partition. Uncompressed keys, values and header values are views into `bytes`, not
 * copies. Any structural problem throws {@link CorruptDataError}.
 *
 * @example
 * ```ts
 * const slice = bytes.subarray(loc.byteStart, loc.byteStart + loc.byteLength);
 * const records = decodeSection(slice, 1_000); // offsets 1000, 1001, …
 * ```
 */
export function decodeSection(bytes: Buffer, baseOffset: number): StoredRecord[] {
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
    throw new RangeError(`Base offset must be a safe integer ≥ 0, got ${baseOffset}`);
  }
  const length = bytes.length;
  if (length < SECTION_HEADER_SIZE) throw corrupt(`section of ${length} bytes is shorter than its header`);
  if (bytes.readUInt32BE(0) !== SECTION_MAGIC) throw corrupt('bad section magic');
  const version = bytes[SEC_VERSION];
  if (version !== FORMAT_VERSION) throw corrupt(`unknown section format version ${version}`);
  // Checked before any field is trusted: a flipped header byte must not steer the decoder.
  if (crc32(bytes.subarray(0, SEC_HEADER_CRC)) !== bytes.readUInt32BE(SEC_HEADER_CRC)) {
    throw corrupt('section header checksum mismatch');
  }
  const partition = bytes.readInt32BE(SEC_PARTITION);
  const attributes = bytes[SEC_ATTRIBUTES];
  const codec = attributes & COMPRESSION_MASK;
  if (attributes !== codec || codec > CODEC_GZIP) {
    throw corrupt(`unknown attributes ${attributes}`, partition);
  }
  if (partition < 0) throw corrupt(`negative partition ${partition}`);
  const recordCount = bytes.readInt32BE(SEC_RECORD_COUNT);
  if (recordCount < 1) throw corrupt(`record count ${recordCount}`, partition);
  const firstTimestamp = readTimestamp(bytes, SEC_FIRST_TIMESTAMP, partition);
  const maxTimestamp = readTimestamp(bytes, SEC_MAX_TIMESTAMP, partition);
  if (maxTimestamp < firstTimestamp) throw corrupt('maxTimestamp precedes firstTimestamp', partition);
  const payloadLength = bytes.readUInt32BE(SEC_PAYLOAD_LENGTH);
  const expected = SECTION_HEADER_SIZE + payloadLength;
  if (expected > length) throw corrupt(`section truncated: ${length} of ${expected} bytes`, partition);
  if (expected < length) throw corrupt(`${length - expected} trailing bytes after the section`, partition);
  const payload = bytes.subarray(SECTION_HEADER_SIZE);
  if (crc32(payload) !== bytes.readUInt32BE(SEC_PAYLOAD_CRC)) {
    throw corrupt('section payload checksum mismatch', partition);
  }
  let data = payload;
  if (codec === CODEC_GZIP) {
    try {
      data = gunzipSync(payload);
    } catch (cause) {
      throw corrupt('gzip payload does not decompress', partition, cause);
    }
  }
  return decodeRecords(data, partition, recordCount, firstTimestamp, maxTimestamp, baseOffset);
}

/**
 * Decodes a whole segment object (header, directory and every section) for tooling and
 * garbage collection, where no base offsets are known: offsets are the in-section deltas.
 * Checks that the directory tiles the object exactly and agrees with each section.
 *
 * @example
 * ```ts
 * for (const { partition, records } of decodeSegment(objectBytes)) {
 *   console.log(partition, records.length);
 * }
 * ```
 */
export function decodeSegment(bytes: Buffer): { partition: number; records: StoredRecord[] }[] {
  const length = bytes.length;
  if (length < SEG_DIRECTORY + 4) throw corrupt(`object of ${length} bytes is shorter than its header`);
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) throw corrupt('bad segment magic');
  const version = bytes[SEG_VERSION];
  if (version !== FORMAT_VERSION) throw corrupt(`unknown segment format version ${version}`);
  const count = bytes.readUInt32BE(SEG_COUNT);
  const crcAt = SEG_DIRECTORY + DIRECTORY_ENTRY_SIZE * count;
  if (count < 1) throw corrupt('segment has no sections');
  if (crcAt + 4 > length) throw corrupt(`directory of ${count} sections runs past the object`);
  if (crc32(bytes.subarray(0, crcAt)) !== bytes.readUInt32BE(crcAt)) {
    throw corrupt('segment header checksum mismatch');
  }
  const result: { partition: number; records: StoredRecord[] }[] = [];
  let expectedStart = crcAt + 4;
  for (let entry = SEG_DIRECTORY; entry < crcAt; entry += DIRECTORY_ENTRY_SIZE) {
    const partition = bytes.readInt32BE(entry);
    const byteStart = bytes.readUInt32BE(entry + 4);
    const byteLength = bytes.readUInt32BE(entry + 8);
    if (byteStart !== expectedStart) throw corrupt('directory leaves a gap or overlap', partition);
    expectedStart = byteStart + byteLength;
    if (expectedStart > length) throw corrupt('directory points past the object', partition);
    const records = decodeSection(bytes.subarray(byteStart, expectedStart), 0);
    if (records[0].partition !== partition) {
      throw corrupt('directory and section disagree on partition', partition);
    }
    result.push({ partition, records });
  }
  if (expectedStart !== length) {
    throw corrupt(`${length - expectedStart} trailing bytes after the last section`);
  }
  return result;
}

/** One directory entry of a segment object: where a partition's section lies. */
export interface SegmentDirectoryEntry {
  readonly partition: number;
  readonly byteStart: number;
  readonly byteLength: number;
}

/**
 * How many bytes the object header occupies, from a prefix of at least 9 bytes (magic,
 * version and section count), so a reader can fetch exactly the header with a ranged GET.
 *
 * @example
 * ```ts
 * const size = segmentHeaderSize(await segments.getRange(key, 0, 9)); // 13 + 12 × sections
 * ```
 */
export function segmentHeaderSize(prefix: Buffer): number {
  if (prefix.length < SEG_DIRECTORY) throw corrupt(`header prefix of ${prefix.length} bytes is too short`);
  if (prefix.readUInt32BE(0) !== SEGMENT_MAGIC) throw corrupt('bad segment magic');
  if (prefix[SEG_VERSION] !== FORMAT_VERSION)
    throw corrupt(`unknown segment format version ${prefix[SEG_VERSION]}`);
  const count = prefix.readUInt32BE(SEG_COUNT);
  if (count < 1) throw corrupt('segment has no sections');
  return SEG_DIRECTORY + DIRECTORY_ENTRY_SIZE * count + 4;
}

/**
 * Decodes the object header's directory (which partitions have a section, and where) from
 * the first bytes of a segment; trailing section bytes are ignored. Retention uses it to
 * learn which partitions may still reference an object. Throws {@link CorruptDataError}
 * when the bytes are not a whole, checksummed header.
 *
 * @example
 * ```ts
 * const directory = decodeSegmentHeader(await segments.getRange(key, 0, 4096));
 * directory.map((d) => d.partition); // e.g. [0, 3]
 * ```
 */
export function decodeSegmentHeader(bytes: Buffer): SegmentDirectoryEntry[] {
  const size = segmentHeaderSize(bytes);
  if (size > bytes.length) throw corrupt(`header of ${size} bytes is cut at ${bytes.length}`);
  const crcAt = size - 4;
  if (crc32(bytes.subarray(0, crcAt)) !== bytes.readUInt32BE(crcAt)) {
    throw corrupt('segment header checksum mismatch');
  }
  const directory: SegmentDirectoryEntry[] = [];
  for (let entry = SEG_DIRECTORY; entry < crcAt; entry += DIRECTORY_ENTRY_SIZE) {
    directory.push({
      partition: bytes.readInt32BE(entry),
      byteStart: bytes.readUInt32BE(entry + 4),
      byteLength: bytes.readUInt32BE(entry + 8),
    });
  }
  return directory;
}
