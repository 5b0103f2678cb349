/**
 * The segment codec: how a produce request's records become one S3 object, and how a
 * consumer turns one byte range of it back into records. See `docs/segment-format.md`.
 */
export type { EncodeSegmentOptions, SegmentDirectoryEntry } from './segment';
export {
  decodeSection,
  decodeSegment,
  decodeSegmentHeader,
  encodeSegment,
  MAX_RECORD_TIMESTAMP,
  SEGMENT_CONTENT_TYPE,
  segmentHeaderSize,
} from './segment';
export type {
  Compression,
  ProducedRecord,
  RecordHeader,
  SectionInput,
  SectionLocation,
  StoredRecord,
} from './types';
