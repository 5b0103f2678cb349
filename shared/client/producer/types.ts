/** The producer's public shapes, named and typed as kafkajs names them. */

/** One message to produce. */
export interface Message {
  /** Decides the partition (murmur2, as Kafka's Java client) when `partition` is not given. @default null */
  readonly key?: string | Buffer | null;
  /** `null` is a tombstone. */
  readonly value: string | Buffer | null;
  /** Pins the partition. @default - chosen from the key, or sticky for keyless messages */
  readonly partition?: number;
  /** Header values; an array repeats the header. @default {} */
  readonly headers?: Readonly<Record<string, string | Buffer | readonly (string | Buffer)[] | undefined>>;
  /** Milliseconds since the epoch as a decimal string (kafkajs) or an ISO-8601 date-time. @default - the server's clock */
  readonly timestamp?: string;
}

/** What `send` takes. */
export interface ProducerRecord {
  readonly topic: string;
  readonly messages: readonly Message[];
  /** Accepted for kafkajs parity: a record is acknowledged only once durable in S3 and DynamoDB. */
  readonly acks?: number;
}

/** Per partition of a `send`, as kafkajs reports it: `baseOffset` is the first offset written there. */
export interface RecordMetadata {
  readonly topicName: string;
  readonly partition: number;
  readonly errorCode: 0;
  readonly baseOffset: string;
  readonly logAppendTime: string;
  readonly logStartOffset: string;
}

/** Where one message landed. */
export interface MessageMetadata {
  readonly topicName: string;
  readonly partition: number;
  /** Decimal string. */
  readonly offset: string;
  /** Milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}
