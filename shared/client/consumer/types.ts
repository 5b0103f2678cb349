/** The consumer's public shapes, named and typed as kafkajs names them. */
import type { RetryOptions } from '../retry';
import type { ConnectionOptions } from '../transport';

/** A consumed record. Offsets and timestamps are decimal strings, as in kafkajs. */
export interface KafkaMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Milliseconds since the epoch. */
  readonly timestamp: string;
  readonly attributes: number;
  readonly offset: string;
  /** A header sent once is a Buffer; a header name sent several times gives an array. */
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  /** Bytes of key and value. */
  readonly size: number;
}

/** What `eachMessage` receives. */
export interface EachMessagePayload {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  /** Sends a heartbeat now; the consumer also heartbeats on its own. */
  heartbeat(): Promise<void>;
}

/** One partition's fetched records. */
export interface Batch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's log end offset when fetched. */
  readonly highWatermark: string;
  readonly messages: readonly KafkaMessage[];
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  /** Records between the last message of the batch and the high watermark. */
  offsetLag(): string;
}

/** What `eachBatch` receives. */
export interface EachBatchPayload {
  readonly batch: Batch;
  /** Marks a message processed: the next commit covers it. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** Commits resolved offsets now instead of after the batch. */
  commitOffsetsIfNecessary(): Promise<void>;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True once this partition was revoked or fenced: stop, the new owner redoes the rest. */
  isStale(): boolean;
}

/** What `run` takes: exactly one of `eachMessage` and `eachBatch`. */
export interface ConsumerRunConfig {
  readonly eachMessage?: (payload: EachMessagePayload) => Promise<void>;
  readonly eachBatch?: (payload: EachBatchPayload) => Promise<void>;
  /** Resolve the whole batch when `eachBatch` returns. @default true */
  readonly eachBatchAutoResolve?: boolean;
  /** Partitions processed at the same time (each partition stays in order). @default 1 */
  readonly partitionsConsumedConcurrently?: number;
}

/** What `subscribe` takes. */
export interface ConsumerSubscribeTopics {
  readonly topics: readonly string[];
  /** Where partitions with no committed offset start: the beginning, or only new records. @default false */
  readonly fromBeginning?: boolean;
}

/** Something went wrong in the background; the consumer carries on unless `fatal`. */
export interface ConsumerErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  /** A programmer error (`TypeError`, `RangeError`, …) that is not retried: the consumer stops. */
  readonly fatal?: boolean;
}

/** Options of `createConsumer`. */
export interface ConsumerOptions extends ConnectionOptions {
  readonly groupId: string;
  /** How long the group keeps this member's partitions without a heartbeat, in ms. @default the server's (30000) */
  readonly sessionTimeout?: number;
  /** Default for `subscribe`'s `fromBeginning`. @default false */
  readonly fromBeginning?: boolean;
  /** Most records fetched per partition at a time. @default 500 */
  readonly maxBatchSize?: number;
  /** Soft cap on bytes fetched per partition at a time. @default 1048576 */
  readonly maxBytesPerPartition?: number;
  /** How long a partition with nothing new waits before it is fetched again, in ms. @default 250 */
  readonly pollIntervalMs?: number;
  /** Backoff after a handler error (the batch is retried from the first unprocessed message, forever). */
  readonly handlerRetry?: RetryOptions;
  /** Told about background errors (handler errors, failed heartbeats). @default console.error */
  readonly onError?: (error: unknown, context: ConsumerErrorContext) => void;
}

/** A kafkajs-shaped consumer in a Sluice consumer group. */
export interface Consumer {
  /** Resolves the cluster id. */
  connect(): Promise<void>;
  subscribe(
    subscription: ConsumerSubscribeTopics | { readonly topic: string; readonly fromBeginning?: boolean },
  ): Promise<void>;
  /** Joins the group and starts consuming in the background; resolves once joined. */
  run(config: ConsumerRunConfig): Promise<void>;
  /** Finishes the message in hand, commits, leaves the group. */
  disconnect(): Promise<void>;
  /** The member id while joined. */
  memberId(): string | undefined;
  /** Partitions currently assigned to this member. */
  assignment(): { topic: string; partition: number }[];
}
