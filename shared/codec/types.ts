/** A Kafka record header: a string name and a byte value (null allowed, as in Kafka). */
export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as a producer hands it in, before it has an offset. */
export interface ProducedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  /** Milliseconds since the epoch (CREATE_TIME). */
  readonly timestamp: number;
}

/** A record read back from the log. */
export interface StoredRecord extends ProducedRecord {
  readonly partition: number;
  readonly offset: number;
}

/** The records of one request that land in one partition, in request order. */
export interface SectionInput {
  readonly partition: number;
  readonly records: readonly ProducedRecord[];
}

/** Where one partition's section sits inside an encoded segment object. */
export interface SectionLocation {
  readonly partition: number;
  readonly byteStart: number;
  readonly byteLength: number;
  readonly recordCount: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
}

export type Compression = 'none' | 'gzip';
