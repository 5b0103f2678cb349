import type { Cluster } from '../cluster';
import { InvalidRequestError } from '../errors';
import { type Clock, realSleep, type Sleep, systemClock } from '../groups/clock';
import { newMemberId, validateGroupName } from '../groups/names';
import { heartbeatIntervalFor } from '../groups/service';
import type { OffsetReset, StartingPosition, StartPolicy } from '../groups/types';
import { type Logger, stderrLogger } from '../logger';
import {
  CONSUMER_DEFAULTS as DEFAULTS,
  type IntegerSettingName,
  integerProblem,
  STARTING_POSITIONS as SCHEMA_STARTING_POSITIONS,
} from './consumer-config';
import type { KafkaEvent, KafkaHandlerResult } from './event';

/** Hooks for metrics: called after the fact, must not throw. */
export interface PollerObserver {
  /** A batch (or its successful part) was handled and committed. */
  onCommitted?(info: { topic: string; partition: number; records: number; offset: number }): void;
  /** Records were sent to the dead-letter topic (or skipped when there is none) after the last retry. */
  onDeadLettered?(info: { topic: string; partition: number; offsets: number[]; error: string }): void;
  /** A batch failed and will be retried. */
  onRetry?(info: { topic: string; partition: number; attempt: number; error: string }): void;
}

/** The options of {@link createPoller}; they mirror a Lambda event source mapping for Kafka. */
export interface PollerOptions {
  readonly cluster: Cluster;
  readonly group: string;
  readonly topics: readonly string[];
  /**
   * The consumer function: receives an event shaped like AWS Lambda's self-managed Kafka
   * event, one partition per event, and may return `{ batchItemFailures }`. A throw fails
   * the whole batch; see {@link KafkaHandlerResult} for the answers understood. (Declared as a method so a handler typed with `@types/aws-lambda`'s
   * `SelfManagedKafkaEvent` is accepted.)
   */
  handler(event: KafkaEvent): Promise<unknown> | unknown;
  /** Most records in one event (1..10000). @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before invoking with a partial batch, in ms (0..300000). @default 500 */
  readonly maxBatchingWindowMs?: number;
  /** Where partitions with no committed offset start. @default 'TRIM_HORIZON' */
  readonly startingPosition?: StartingPosition;
  /** Milliseconds since the epoch; required with `AT_TIMESTAMP`. */
  readonly startingPositionTimestamp?: number;
  /** When the committed offset fell out of the log. @default 'latest' for LATEST, else 'earliest' */
  readonly autoOffsetReset?: OffsetReset;
  /** Retries of a failed batch before it is dead-lettered (or skipped); -1 retries forever. @default -1 */
  readonly retryAttempts?: number;
  /** Split a batch whose handler threw in two and retry each half (does not count as a retry). @default false */
  readonly bisectOnError?: boolean;
  /**
   * What drives delivery in a deployment: the poller runs either way (as the whole consumer,
   * or as the once-a-minute safety net of a stream-triggered group), so it only reads it to
   * pass it on. @default 'stream'
   */
  readonly trigger?: 'poller' | 'stream';
  /** Dead-letter topic for records that failed every retry. @default none: they are skipped */
  readonly onFailureTopic?: string;
  /** Stop taking work at this time (by `now`), then hand the leases back. @default none */
  readonly deadline?: number;
  /** Stop when aborted. */
  readonly signal?: AbortSignal;
  /** Stop after this long without a record on any partition. @default none (run until stopped) */
  readonly idleTimeoutMs?: number;
  /** Lease (and member session) length. @default 30000 */
  readonly leaseDurationMs?: number;
  /** Heartbeat: renew, rebalance, learn of lost leases. @default leaseDurationMs / 3, at most 5000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * While a partition stays behind (records keep arriving before its reads reach the end of
   * the log), its commit is written at most this often, or earlier when its lease is due for
   * renewal (carried in that write); a partition that caught up commits at once, and so does
   * one that stops or is handed back. Delivery stays at least once: after a crash the next
   * holder starts from the last written commit. 0 writes a commit after every batch.
   * @default 5000
   */
  readonly commitIntervalMs?: number;
  /** First wait of an idle partition between fetches; doubles up to `maxPollIntervalMs`. @default 100 */
  readonly pollIntervalMs?: number;
  /** @default 1000 */
  readonly maxPollIntervalMs?: number;
  /** First retry backoff; doubles per retry up to `maxRetryBackoffMs`. @default 200 */
  readonly retryBackoffMs?: number;
  /** @default 10000 */
  readonly maxRetryBackoffMs?: number;
  /** Soft cap on key+value bytes per event; whatever it says, an encoded event stays within Lambda's 6 MB payload limit (MAX_EVENT_BYTES). @default 4194304 */
  readonly maxBatchBytes?: number;
  /** The event's `bootstrapServers`. @default `sluice://{clusterId}` */
  readonly bootstrapServers?: string;
  /** @default a fresh `poller-…` id */
  readonly memberId?: string;
  /** Keep the group's "poller running" marker fresh, for wake-on-produce. @default false */
  readonly markRunning?: boolean;
  /** @default 1000 */
  readonly clockSkewToleranceMs?: number;
  /** @default Date.now */
  readonly now?: Clock;
  /** @default setTimeout-based */
  readonly sleep?: Sleep;
  /** @default warnings and errors to stderr */
  readonly logger?: Logger;
  readonly observer?: PollerObserver;
}

/**
 * How often, at most, a poller's partition that stays behind writes its commit: Kafka's
 * `auto.commit.interval.ms` default. One conditional write per partition every 5 s costs about
 * 0.5 M writes a month, against 26 M for one write per batch at 10 batches a second; in
 * exchange a crash redelivers up to 5 s of records and the group's lag trails by as much while
 * a flow keeps the partition behind (docs/consumer-groups.md, "When a commit is written").
 */
export const COMMIT_INTERVAL_MS = 5_000;

/** Longest commit interval accepted: an hour (the lease renewal writes the commit sooner anyway). */
const MAX_COMMIT_INTERVAL_MS = 3_600_000;

/** Options with every default applied. */
export type ResolvedPollerOptions = Required<
  Omit<
    PollerOptions,
    | 'handler'
    | 'startingPositionTimestamp'
    | 'onFailureTopic'
    | 'deadline'
    | 'signal'
    | 'idleTimeoutMs'
    | 'observer'
  >
> &
  Pick<PollerOptions, 'handler' | 'onFailureTopic' | 'deadline' | 'signal' | 'idleTimeoutMs' | 'observer'> & {
    readonly policy: StartPolicy;
  };

/** The starting positions a poller accepts: the schema's, typed as the lease protocol's. */
const STARTING_POSITIONS: readonly StartingPosition[] = SCHEMA_STARTING_POSITIONS;

const defaultLogger = stderrLogger('sluice poller');

/**
 * Applies defaults and checks every option, naming the one that is wrong.
 *
 * @example
 * const resolved = resolvePollerOptions({ cluster, group: 'g', topics: ['t'], handler: async () => {} });
 */
export function resolvePollerOptions(options: PollerOptions): ResolvedPollerOptions {
  validateGroupName(options.group);
  if (options.topics.length === 0) throw invalid('topics must name at least one topic');
  if (typeof options.handler !== 'function') throw invalid('handler must be a function');
  const batchSize = ranged('batchSize', options.batchSize ?? DEFAULTS.batchSize);
  const maxBatchingWindowMs = ranged(
    'maxBatchingWindowMs',
    options.maxBatchingWindowMs ?? DEFAULTS.maxBatchingWindowMs,
  );
  const retryAttempts = ranged('retryAttempts', options.retryAttempts ?? DEFAULTS.retryAttempts);
  const leaseDurationMs = ranged('leaseDurationMs', options.leaseDurationMs ?? DEFAULTS.leaseDurationMs);
  const heartbeatIntervalMs = integer(
    'heartbeatIntervalMs',
    options.heartbeatIntervalMs ?? heartbeatIntervalFor(leaseDurationMs),
    1,
    Math.floor(leaseDurationMs / 2),
  );
  const startingPosition = options.startingPosition ?? DEFAULTS.startingPosition;
  if (!STARTING_POSITIONS.includes(startingPosition)) {
    throw invalid(`startingPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got "${startingPosition}"`);
  }
  if (startingPosition === 'AT_TIMESTAMP' && !Number.isFinite(options.startingPositionTimestamp)) {
    throw invalid(
      'startingPositionTimestamp (ms since the epoch) is required with startingPosition AT_TIMESTAMP',
    );
  }
  if (options.onFailureTopic !== undefined && options.topics.includes(options.onFailureTopic)) {
    throw invalid(
      `onFailureTopic "${options.onFailureTopic}" is one of the consumed topics: failed records would loop`,
    );
  }
  return {
    cluster: options.cluster,
    group: options.group,
    topics: [...new Set(options.topics)],
    handler: options.handler.bind(options),
    batchSize,
    maxBatchingWindowMs,
    startingPosition,
    autoOffsetReset: options.autoOffsetReset ?? (startingPosition === 'LATEST' ? 'latest' : 'earliest'),
    policy: {
      startingPosition,
      startingPositionTimestamp: options.startingPositionTimestamp,
      autoOffsetReset: options.autoOffsetReset ?? (startingPosition === 'LATEST' ? 'latest' : 'earliest'),
    },
    retryAttempts,
    bisectOnError: options.bisectOnError ?? DEFAULTS.bisectOnError,
    onFailureTopic: options.onFailureTopic,
    trigger: options.trigger ?? DEFAULTS.trigger,
    deadline: options.deadline,
    signal: options.signal,
    idleTimeoutMs: options.idleTimeoutMs,
    leaseDurationMs,
    heartbeatIntervalMs,
    commitIntervalMs: integer(
      'commitIntervalMs',
      options.commitIntervalMs ?? COMMIT_INTERVAL_MS,
      0,
      MAX_COMMIT_INTERVAL_MS,
    ),
    pollIntervalMs: ranged('pollIntervalMs', options.pollIntervalMs ?? DEFAULTS.pollIntervalMs),
    maxPollIntervalMs: ranged('maxPollIntervalMs', options.maxPollIntervalMs ?? DEFAULTS.maxPollIntervalMs),
    retryBackoffMs: ranged('retryBackoffMs', options.retryBackoffMs ?? DEFAULTS.retryBackoffMs),
    maxRetryBackoffMs: ranged('maxRetryBackoffMs', options.maxRetryBackoffMs ?? DEFAULTS.maxRetryBackoffMs),
    maxBatchBytes: ranged('maxBatchBytes', options.maxBatchBytes ?? DEFAULTS.maxBatchBytes),
    bootstrapServers: options.bootstrapServers ?? `sluice://${options.cluster.config.clusterId}`,
    memberId: options.memberId ?? newMemberId('poller'),
    markRunning: options.markRunning ?? false,
    clockSkewToleranceMs: ranged(
      'clockSkewToleranceMs',
      options.clockSkewToleranceMs ?? DEFAULTS.clockSkewToleranceMs,
    ),
    now: options.now ?? systemClock,
    sleep: options.sleep ?? realSleep,
    logger: options.logger ?? defaultLogger,
    observer: options.observer,
  };
}

/** An integer setting of the schema, checked against its range there. */
function ranged(name: IntegerSettingName, value: number): number {
  const problem = integerProblem(name, value);
  if (problem !== undefined) throw invalid(problem);
  return value;
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError(`Poller: ${message}.`);
}
