import { Duration, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { GROUP_NAME_PATTERN } from '../shared/groups/group-name';
import {
  CONSUMER_DEFAULTS,
  CONSUMER_SETTINGS,
  CONSUMER_TRIGGERS,
  type ConsumerConfigDocument,
  groupProblem,
  integerProblem,
  STARTING_POSITIONS,
} from '../shared/poller/consumer-config';
import { validateTopicName } from '../shared/topics/names';

export type { ConsumerConfigDocument };

/** Where a consumer group with no committed offset starts reading, as in Lambda's Kafka trigger. */
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

/**
 * Options of {@link Sluice.addConsumer}. They mirror the options of a Lambda event source
 * mapping for Kafka, so a handler moved from an MSK / self-managed Kafka trigger keeps its
 * settings. Their ranges and defaults are those of the one consumer-configuration schema
 * (`shared/poller/consumer-config.ts`), which also names each option here.
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
  /**
   * What drives delivery. `'poller'`: a poller function holds the group's leases and polls
   * each partition while records flow (woken by producers, started every minute). `'stream'`:
   * the cluster's one stream dispatcher (the only reader of the log table's change stream,
   * created with the first such group) starts the group's small function with the partitions
   * of its topics that got new slots; it drains them and returns — nothing polls, and you pay
   * per batch instead; the schedule still starts it every minute to drain whatever is
   * pending, as the safety net. See docs/deploy.md for the cost and latency of each.
   * @default 'stream'
   */
  readonly trigger?: ConsumerTrigger;
}

/** What drives a consumer group's delivery. */
export type ConsumerTrigger = (typeof CONSUMER_TRIGGERS)[number];

/**
 * Who besides its poller may use a consumer group of {@link Sluice.addConsumer}. Not a consumer
 * setting (the poller never reads it): the HTTP function does (`SLUICE_POLLER_GROUPS`).
 */
export interface SluiceConsumerAccessOptions {
  /**
   * Let HTTP members join the group and commit its offsets beside the poller, for the group's
   * topics and those granted with it (`grantConsume({ groups })`). Off, an HTTP join, heartbeat
   * or commit is refused (403 / 40302), so a principal granted the group can read its lags but
   * cannot take its partitions or move its offsets.
   * @default false
   */
  readonly allowHttpMembers?: boolean;
}

/** A consumer group id: it becomes a metric dimension and part of construct ids. */
export const GROUP_NAME = GROUP_NAME_PATTERN;

const { batchSize: BATCH, maxBatchingWindowMs: WINDOW, retryAttempts: RETRIES } = CONSUMER_SETTINGS;

/**
 * Checks the options of `addConsumer` and returns the poller's configuration document with
 * every default filled in. Throws an `Error` whose message names the offending option.
 */
export function resolveConsumerOptions(group: string, opts: SluiceConsumerOptions): ConsumerConfigDocument {
  const where = `addConsumer('${group}')`;
  const badGroup = groupProblem(group);
  if (badGroup !== undefined) {
    throw new Error(`addConsumer: ${badGroup} (it becomes a metric dimension and part of construct ids).`);
  }
  if (!opts || !Array.isArray(opts.topics) || opts.topics.length === 0) {
    throw new Error(`${where}: topics must name at least one topic.`);
  }
  for (const [i, topic] of opts.topics.entries()) checkTopic(`${where}: topics[${i}]`, topic);
  if (new Set(opts.topics).size !== opts.topics.length) {
    throw new Error(`${where}: topics lists a topic twice: ${opts.topics.join(', ')}.`);
  }
  if (!opts.handler) throw new Error(`${where}: handler is required (a lambda.IFunction).`);

  const batchSize = opts.batchSize ?? CONSUMER_DEFAULTS.batchSize;
  const badBatch = integerProblem('batchSize', batchSize, BATCH.names.props);
  if (badBatch !== undefined) throw new Error(`${where}: ${badBatch}.`);

  const window = opts.maxBatchingWindow ?? Duration.millis(CONSUMER_DEFAULTS.maxBatchingWindowMs);
  if (Token.isUnresolved(window.toString())) {
    throw new Error(`${where}: maxBatchingWindow must be a concrete duration, not a token.`);
  }
  const maxBatchingWindowMs = window.toMilliseconds();
  if (integerProblem('maxBatchingWindowMs', maxBatchingWindowMs) !== undefined) {
    throw new Error(
      `${where}: ${WINDOW.names.props} must be between ${WINDOW.min / 1000} and ${WINDOW.max / 1000} seconds (whole milliseconds), got ${maxBatchingWindowMs} ms.`,
    );
  }

  const startingPosition: StartingPosition = opts.startingPosition ?? CONSUMER_DEFAULTS.startingPosition;
  if (!STARTING_POSITIONS.includes(startingPosition)) {
    throw new Error(
      `${where}: startingPosition must be one of ${STARTING_POSITIONS.join(', ')}, got "${startingPosition}".`,
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

  const retryAttempts = opts.retryAttempts ?? CONSUMER_DEFAULTS.retryAttempts;
  if (integerProblem('retryAttempts', retryAttempts) !== undefined) {
    throw new Error(
      `${where}: ${RETRIES.names.props} must be an integer from ${RETRIES.min} (retry forever) to ${RETRIES.max}, got ${retryAttempts}.`,
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

  const trigger: ConsumerTrigger = opts.trigger ?? CONSUMER_DEFAULTS.trigger;
  if (!CONSUMER_TRIGGERS.includes(trigger)) {
    throw new Error(`${where}: trigger must be one of ${CONSUMER_TRIGGERS.join(', ')}, got "${trigger}".`);
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
    bisectOnError: opts.bisectOnError ?? CONSUMER_DEFAULTS.bisectOnError,
    onFailureTopic,
    trigger,
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
