/**
 * The poller of one consumer group: started every minute by a schedule and woken by
 * producers (wake-on-produce), it holds the group's partition leases, invokes the group's
 * handler function synchronously with Lambda's self-managed Kafka event, commits, and hands
 * its leases back before its own timeout. All the work is the shared poller runtime.
 *
 * A group with `trigger: 'stream'` is invoked by the cluster's stream dispatcher instead
 * (`functions/stream-dispatch/handler.ts`, asynchronously, with the partitions a batch of the
 * log table's stream touched): the shared stream trigger drains those partitions and returns;
 * the schedule's start drains every partition with pending records the same way, as the
 * safety net. A DynamoDB stream event (the group's own event source mapping before the
 * dispatcher existed) is still drained the same way, for the upgrade.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { type Clock, createGroupService, newMemberId, type Sleep, systemClock } from '../../shared/groups';
import type { Logger as SluiceLogger } from '../../shared/logger';
import {
  createLambdaClient,
  createLambdaHandlerInvoker,
  type HandlerInvoker,
  type KafkaEvent,
  type PollerSummary,
  runPoller,
  type WakeEvent,
} from '../../shared/poller';
import { CONSUMER_DEFAULTS } from '../../shared/poller/consumer-config';
import { runtimeSettingsFrom } from '../../shared/poller/consumer-config-zod';
import { streamTriggerPartitions } from '../../shared/poller/stream-dispatch';
import {
  createStreamTrigger,
  type LogStreamRecord,
  type StreamDrainSummary,
  type StreamTrigger,
  touchedPartitions,
} from '../../shared/poller/stream-trigger';
import { type ConsumerConfig, consumerConfigFromEnv } from './config';
import { createPollerMetrics, type PollerMetrics } from './metrics';

/** The part of Lambda's context the poller reads. */
export interface PollerContext {
  getRemainingTimeInMillis(): number;
}

/** What one invocation did. */
export type PollerHandlerResult =
  | ({ readonly status: 'ran' } & PollerSummary)
  | ({ readonly status: 'drained' } & StreamDrainSummary)
  | { readonly status: 'already-running' | 'nothing-to-do'; readonly memberId: string };

export interface PollerHandlerOptions {
  /** @default createCluster(configFromEnv()) */
  readonly cluster?: Cluster;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How the group's handler function is called. @default Lambda InvokeCommand, RequestResponse */
  readonly invoke?: HandlerInvoker;
  /**
   * Time kept free at the end of the invocation: no batch starts after
   * `remaining - margin`, leaving room to finish the batch in hand and release the leases.
   * @default SLUICE_POLLER_SAFETY_MARGIN_MS, else 10 % of the remaining time, 1 to 30 s
   */
  readonly safetyMarginMs?: number;
  /** Stop after this long without records. @default SLUICE_POLLER_IDLE_MS, else 10000 */
  readonly idleTimeoutMs?: number;
  /** @default the schema's (`CONSUMER_DEFAULTS.leaseDurationMs`) */
  readonly leaseDurationMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly pollIntervalMs?: number;
  readonly retryBackoffMs?: number;
  readonly clockSkewToleranceMs?: number;
  /** @default Date.now */
  readonly now?: Clock;
  readonly sleep?: Sleep;
  /** @default a Powertools Logger with service name `sluice-poller` (it fits the core's logger interface as it is) */
  readonly logger?: SluiceLogger;
  /** @default Powertools Metrics in the `Sluice` namespace */
  readonly metrics?: PollerMetrics;
}

/**
 * Builds the poller's Lambda handler; tests pass an in-process `invoke` and a cluster.
 *
 * @example
 * const handle = createPollerHandler({ invoke: async (_name, event) => myHandler(event) });
 * await handle({}, { getRemainingTimeInMillis: () => 60_000 });
 */
export function createPollerHandler(options: PollerHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const consumer: ConsumerConfig = consumerConfigFromEnv(env);
  const cluster = options.cluster ?? createCluster(configFromEnv(env));
  const now = options.now ?? systemClock;
  const logger: SluiceLogger = options.logger ?? new Logger({ serviceName: 'sluice-poller' });
  const invoke =
    options.invoke ?? createLambdaHandlerInvoker(createLambdaClient({ region: cluster.config.region }));
  const metrics = options.metrics ?? createPollerMetrics(cluster.config.clusterId, consumer.group);
  const settings = runtimeSettingsFrom('env', consumer);
  const leaseDurationMs = options.leaseDurationMs ?? CONSUMER_DEFAULTS.leaseDurationMs;
  const clockSkewToleranceMs = options.clockSkewToleranceMs ?? CONSUMER_DEFAULTS.clockSkewToleranceMs;
  const groups = createGroupService({ cluster, now, clockSkewToleranceMs });
  const idleTimeoutMs = options.idleTimeoutMs ?? Number(env.SLUICE_POLLER_IDLE_MS ?? 10_000);
  const policy = {
    startingPosition: consumer.startingPosition,
    startingPositionTimestamp: consumer.startingPositionTimestamp ?? undefined,
    autoOffsetReset: consumer.startingPosition === 'LATEST' ? ('latest' as const) : ('earliest' as const),
  };

  // What the poller and the stream trigger share: the group, its handler and the settings of the document.
  const delivery = {
    cluster,
    groups,
    // Every setting of the document, by its runtime name (group, topics, batchSize, …).
    ...settings,
    group: consumer.group,
    topics: consumer.topics,
    handler: (kafkaEvent: KafkaEvent) => invoke(consumer.functionName, kafkaEvent),
    autoOffsetReset: policy.autoOffsetReset,
    leaseDurationMs,
    retryBackoffMs: options.retryBackoffMs,
    clockSkewToleranceMs,
    bootstrapServers: env.SLUICE_ENDPOINT_URL || undefined,
    now,
    sleep: options.sleep,
    logger,
    observer: metrics.observer,
  };

  let streamTrigger: StreamTrigger | undefined;
  function streamTriggerOnce(): StreamTrigger {
    streamTrigger ??= createStreamTrigger(delivery);
    return streamTrigger;
  }

  return async function handler(event: unknown, context: PollerContext): Promise<PollerHandlerResult> {
    const start = now();
    const remaining = context.getRemainingTimeInMillis();
    const margin =
      options.safetyMarginMs ??
      (env.SLUICE_POLLER_SAFETY_MARGIN_MS
        ? Number(env.SLUICE_POLLER_SAFETY_MARGIN_MS)
        : Math.min(30_000, Math.max(1_000, Math.floor(remaining / 10))));
    const streamRecords = logStreamRecordsOf(event);
    const touched =
      streamTriggerPartitions(event, consumer.group) ??
      (streamRecords ? touchedPartitions(streamRecords) : undefined);
    if (touched) {
      const summary = await streamTriggerOnce().drain(touched, start + remaining - margin);
      metrics.publish();
      return { status: 'drained', ...summary };
    }
    const memberId = newMemberId('poller');
    if (consumer.trigger === 'stream') {
      // The schedule's safety net of a stream group: drain what a failed or skipped drain left,
      // and only when something is pending (a few reads otherwise, no writes).
      if (!(await groups.hasPendingRecords(consumer.group, consumer.topics, policy))) {
        return { status: 'nothing-to-do', memberId };
      }
      const summary = await streamTriggerOnce().drainAll(start + remaining - margin);
      metrics.publish();
      return { status: 'drained', ...summary };
    }
    const wake = wakeOf(event, consumer.group);

    // One poller per group: the schedule and every producer's wake-up race for the marker.
    const claim = await groups.claimMarker(
      consumer.group,
      memberId,
      start + leaseDurationMs,
      start,
      wake?.token,
    );
    if (claim.kind !== 'claimed') return { status: 'already-running', memberId };
    // A scheduled start with nothing to read costs a few reads, not a round of lease writes.
    if (!wake && !(await groups.hasPendingRecords(consumer.group, consumer.topics, policy))) {
      await groups.clearMarker(consumer.group, memberId);
      return { status: 'nothing-to-do', memberId };
    }

    const summary = await runPoller({
      ...delivery,
      deadline: start + remaining - margin,
      idleTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      pollIntervalMs: options.pollIntervalMs,
      memberId,
      markRunning: true,
    });
    try {
      const lags = await groups.lags(consumer.group);
      metrics.lag(lags.reduce((max, l) => Math.max(max, l.lag), 0));
    } catch (error) {
      logger.warn('could not compute the group lag', { error: String(error) });
    }
    metrics.publish();
    return { status: 'ran', ...summary };
  };
}

/**
 * The records of a DynamoDB stream event, if it is one: what a group's own event source
 * mapping on the log table sent before the dispatcher (kept for the upgrade's window).
 */
function logStreamRecordsOf(event: unknown): readonly LogStreamRecord[] | undefined {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return undefined;
  return records.filter(
    (r): r is LogStreamRecord => (r as { eventSource?: unknown } | null)?.eventSource === 'aws:dynamodb',
  );
}

/** The wake-up payload of this group, if the invocation is one. */
function wakeOf(event: unknown, group: string): WakeEvent | undefined {
  const e = event as Partial<WakeEvent> | null;
  return e?.source === 'sluice.wake' && e.group === group && typeof e.token === 'string'
    ? (e as WakeEvent)
    : undefined;
}

let cached: ReturnType<typeof createPollerHandler> | undefined;

/**
 * The Lambda entry point (schedule or wake-up event).
 *
 * @example
 * // CDK: entry functions/poller/handler.ts, handler 'handler', env SLUICE_CONSUMER_CONFIG
 */
export async function handler(event: unknown, context: PollerContext): Promise<PollerHandlerResult> {
  cached ??= createPollerHandler();
  return cached(event, context);
}
