import { Duration, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { validateTopicName } from '../shared/topics/names';

/** Where a consumer group with no committed offset starts reading, as in Lambda's Kafka trigger. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/**
 * Options of {@link Sluice.addConsumer}. They mirror the options of a Lambda event source
 * mapping for Kafka, so a handler moved from an MSK / self-managed Kafka trigger keeps its
 * settings.
 */
export interface SluiceConsumerOptions {
  /** Topics the group consumes. At least one; Kafka topic-name rules apply. */
  readonly topics: string[];
  /**
   * The function that processes records. It receives a `SelfManagedKafkaEvent` and may
   * return `{ batchItemFailures: [...] }`.
   */
  readonly handler: lambda.IFunction;
  /**
   * Largest number of records in one event (1..10000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How long the poller gathers records before invoking the handler with a partial batch
   * (0..300 seconds).
   * @default Duration.millis(500)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Where a partition with no committed offset for this group starts.
   *
   * The default differs from Kafka's `auto.offset.reset=latest` on purpose: the first poll
   * of a new group often runs *because* a producer woke it, so `LATEST` would skip the very
   * records that woke it.
   * @default 'TRIM_HORIZON'
   */
  readonly startingPosition?: StartingPosition;
  /**
   * With `startingPosition: 'AT_TIMESTAMP'` (and only then): the first record timestamp
   * to deliver.
   * @default - none
   */
  readonly startingPositionTimestamp?: Date;
  /**
   * How many times a failed batch is retried before it goes to `onFailure` (when set) and
   * the group moves on. `-1` retries until the handler succeeds, which is what Lambda's
   * Kafka trigger does and keeps Kafka's ordering: a poison record blocks its partition
   * until fixed. Range: -1..10000.
   * @default -1
   */
  readonly retryAttempts?: number;
  /**
   * Split a failing batch in two and retry each half, to isolate a poison record.
   * @default false
   */
  readonly bisectOnError?: boolean;
  /**
   * Dead-letter topic: a batch that exhausted `retryAttempts` is produced there (with
   * headers naming the source topic, partition and offset) and the group moves on.
   * Must not be one of `topics`. Ignored while `retryAttempts` is -1.
   * @default - no dead-letter topic: after the last retry the batch is skipped
   */
  readonly onFailure?: string;
}

/** The JSON document in the poller's `SLUICE_CONSUMER_CONFIG` environment variable. */
export interface ConsumerConfigDocument {
  readonly group: string;
  readonly topics: string[];
  /** Name of the handler function (a CloudFormation token until deploy). */
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly startingPosition: StartingPosition;
  /** Milliseconds since the epoch, or null. */
  readonly startingPositionTimestamp: number | null;
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** Dead-letter topic, or null. */
  readonly onFailureTopic: string | null;
}

/** A consumer group id: it becomes a metric dimension and part of construct ids. */
export const GROUP_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const POSITIONS: readonly StartingPosition[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];

/**
 * Checks the options of `addConsumer` and returns the poller's configuration document with
 * every default filled in. Throws an `Error` whose message names the offending option.
 */
export function resolveConsumerOptions(group: string, opts: SluiceConsumerOptions): ConsumerConfigDocument {
  const where = `addConsumer('${group}')`;
  if (!GROUP_NAME.test(group)) {
    throw new Error(
      `addConsumer: group "${group}" is invalid: use 1 to 249 characters from [a-zA-Z0-9._-] ` +
        '(it becomes a metric dimension and part of construct ids).',
    );
  }
  if (!opts || !Array.isArray(opts.topics) || opts.topics.length === 0) {
    throw new Error(`${where}: topics must name at least one topic.`);
  }
  for (const [i, topic] of opts.topics.entries()) checkTopic(`${where}: topics[${i}]`, topic);
  if (new Set(opts.topics).size !== opts.topics.length) {
    throw new Error(`${where}: topics lists a topic twice: ${opts.topics.join(', ')}.`);
  }
  if (!opts.handler) throw new Error(`${where}: handler is required (a lambda.IFunction).`);

  const batchSize = opts.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`${where}: batchSize must be an integer from 1 to 10000, got ${batchSize}.`);
  }

  const window = opts.maxBatchingWindow ?? Duration.millis(500);
  if (Token.isUnresolved(window.toString())) {
    throw new Error(`${where}: maxBatchingWindow must be a concrete duration, not a token.`);
  }
  const maxBatchingWindowMs = window.toMilliseconds();
  if (maxBatchingWindowMs < 0 || maxBatchingWindowMs > 300_000) {
    throw new Error(
      `${where}: maxBatchingWindow must be between 0 and 300 seconds, got ${maxBatchingWindowMs} ms.`,
    );
  }

  const startingPosition = opts.startingPosition ?? 'TRIM_HORIZON';
  if (!POSITIONS.includes(startingPosition)) {
    throw new Error(
      `${where}: startingPosition must be one of ${POSITIONS.join(', ')}, got "${startingPosition}".`,
    );
  }
  let startingPositionTimestamp: number | null = null;
  if (startingPosition === 'AT_TIMESTAMP') {
    const ts = opts.startingPositionTimestamp;
    if (!(ts instanceof Date) || Number.isNaN(ts.getTime())) {
      throw new Error(
        `${where}: startingPositionTimestamp (a valid Date) is required with startingPosition AT_TIMESTAMP.`,
      );
    }
    startingPositionTimestamp = ts.getTime();
  } else if (opts.startingPositionTimestamp !== undefined) {
    throw new Error(
      `${where}: startingPositionTimestamp is only allowed with startingPosition AT_TIMESTAMP.`,
    );
  }

  const retryAttempts = opts.retryAttempts ?? -1;
  if (!Number.isInteger(retryAttempts) || retryAttempts < -1 || retryAttempts > 10_000) {
    throw new Error(
      `${where}: retryAttempts must be an integer from -1 (retry forever) to 10000, got ${retryAttempts}.`,
    );
  }

  let onFailureTopic: string | null = null;
  if (opts.onFailure !== undefined) {
    checkTopic(`${where}: onFailure`, opts.onFailure);
    if (opts.topics.includes(opts.onFailure)) {
      throw new Error(
        `${where}: onFailure "${opts.onFailure}" is one of the consumed topics: failed batches would loop.`,
      );
    }
    onFailureTopic = opts.onFailure;
  }

  return {
    group,
    topics: [...opts.topics],
    functionName: opts.handler.functionName,
    batchSize,
    maxBatchingWindowMs,
    startingPosition,
    startingPositionTimestamp,
    retryAttempts,
    bisectOnError: opts.bisectOnError ?? false,
    onFailureTopic,
  };
}

/** Validates a topic name with the core's rules, naming the option in the message. */
export function checkTopic(where: string, topic: string): void {
  if (typeof topic !== 'string')
    throw new Error(`${where}: a topic name must be a string, got ${typeof topic}.`);
  try {
    validateTopicName(topic);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}
