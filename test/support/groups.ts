/**
 * Helpers for tests of consumer groups: clocks that tests move by hand, topics with unique
 * names, and a produce shortcut. Not used by production code.
 */
import { randomUUID } from 'node:crypto';
import { runStreamConsumers } from '../../local/stream-consumer';
import type { Cluster } from '../../shared/cluster';
import type { RecordHeader } from '../../shared/codec/types';
import type { Clock } from '../../shared/groups/clock';
import type { GroupService } from '../../shared/groups/service';
import { createPoller, type KafkaEvent, type PollerOptions } from '../../shared/poller';
import { createStreamTrigger, type StreamTriggerOptions } from '../../shared/poller/stream-trigger';
import type { Topic } from '../../shared/topics/registry';

/** A wall clock shifted by an adjustable offset: `advance` jumps it forward, as a paused peer sees time pass. */
export interface ShiftedClock {
  readonly now: Clock;
  advance(ms: number): void;
}

/**
 * @example
 * const clock = shiftedClock(); clock.advance(60_000); // this member now lives a minute ahead
 */
export function shiftedClock(offsetMs = 0): ShiftedClock {
  let offset = offsetMs;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

/**
 * A topic with a unique name.
 *
 * @example
 * const topic = await createTestTopic(cluster, 'orders', 4);
 */
export function createTestTopic(cluster: Cluster, prefix: string, partitions: number): Promise<Topic> {
  return cluster.topics.create({
    name: `${prefix}-${randomUUID().slice(0, 12)}`,
    partitionCount: partitions,
  });
}

/**
 * A consumer group id nobody else uses.
 *
 * @example
 * const group = testGroupName('billing');
 */
export function testGroupName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** A record to produce in a test. */
export interface TestRecord {
  readonly partition: number;
  readonly value: string | null;
  readonly key?: string | null;
  readonly headers?: readonly RecordHeader[];
  readonly timestamp?: number;
}

/**
 * Appends records in one request and returns their offsets; throws if any failed.
 *
 * @example
 * await produce(cluster, topic, [{ partition: 0, value: 'a' }]);
 */
export async function produce(
  cluster: Cluster,
  topic: Topic,
  records: readonly TestRecord[],
): Promise<number[]> {
  const results = await cluster.log.append(
    topic,
    records.map((r) => ({
      partition: r.partition,
      key: r.key === undefined || r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: r.headers ?? [],
      timestamp: r.timestamp ?? Date.now(),
    })),
  );
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.offset;
  });
}

/**
 * Polls `condition` until it holds or `timeoutMs` passes (then throws with `what`).
 *
 * @example
 * await waitFor(() => seen.size === 100, 'all records delivered');
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Poller timings for tests: quick heartbeats and polls, short leases, instant backoff. */
export const FAST_POLLER = {
  leaseDurationMs: 3_000,
  heartbeatIntervalMs: 150,
  pollIntervalMs: 20,
  maxPollIntervalMs: 50,
  maxBatchingWindowMs: 0,
  retryBackoffMs: 1,
  maxRetryBackoffMs: 5,
} as const;

/** A logger that keeps quiet (tests assert on behaviour, not on log lines). */
export const silentLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * A poller of `group` over one topic with the fast test timings and a quiet logger; the
 * handler and anything else come from `overrides`.
 */
export function testPoller(
  cluster: Cluster,
  topic: Topic,
  group: string,
  overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handler'> & { groups?: GroupService },
) {
  return createPoller({
    cluster,
    group,
    topics: [topic.name],
    logger: silentLogger,
    ...FAST_POLLER,
    ...overrides,
  });
}

/**
 * Every delivery of every record a handler saw, in order, and the events themselves; `distinct`
 * counts `{partition}:{offset}` pairs, so a redelivery shows as deliveries > distinct.
 */
export function recorder() {
  const deliveries: { partition: number; offset: number; value: string }[] = [];
  const events: KafkaEvent[] = [];
  return {
    deliveries,
    events,
    record(event: KafkaEvent) {
      events.push(event);
      for (const records of Object.values(event.records)) {
        for (const r of records) {
          deliveries.push({
            partition: r.partition,
            offset: r.offset,
            value: Buffer.from(r.value ?? '', 'base64').toString(),
          });
        }
      }
    },
    distinct: () => new Set(deliveries.map((d) => `${d.partition}:${d.offset}`)).size,
    offsetsOf: (partition: number) =>
      deliveries.filter((d) => d.partition === partition).map((d) => d.offset),
  };
}

/** The stream trigger of `group` over one topic with the poller's fast test timings and a quiet logger. */
export function testStreamTrigger(
  cluster: Cluster,
  topic: Topic,
  group: string,
  overrides: Partial<StreamTriggerOptions> & Pick<PollerOptions, 'handler'>,
) {
  return createStreamTrigger({
    cluster,
    group,
    topics: [topic.name],
    logger: silentLogger,
    ...FAST_POLLER,
    ...overrides,
  });
}

/**
 * The environment the CDK construct gives a polling group's Lambda poller
 * (`SLUICE_CONSUMER_CONFIG` with `trigger: 'poller'`; pass `{ trigger: 'stream' }` for a
 * stream-triggered group's function).
 */
export function consumerEnv(
  group: string,
  topic: Topic,
  extra: Record<string, unknown> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SLUICE_CONSUMER_CONFIG: JSON.stringify({
      group,
      topics: [topic.name],
      functionName: 'order-handler',
      batchSize: 10,
      maxBatchingWindowMs: 0,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: null,
      retryAttempts: -1,
      bisectOnError: false,
      onFailureTopic: null,
      trigger: 'poller',
      ...extra,
    }),
  };
}

/** A consumer of one group running in the background, however it is triggered. */
export interface RunningConsumer {
  /** Stops it; resolves once it has finished. */
  stop(): Promise<void>;
}

/**
 * A stream-triggered consumer of `group` over one topic, as `npm start` runs one: the log
 * table's stream followed through DynamoDB Local's Streams API drives the group's stream
 * trigger. Resolves once the stream is followed, so records produced after it trigger
 * delivery. The safety-net tick runs once at the start and then only every `tickIntervalMs`
 * (an hour unless given), so a test sees what the stream alone delivers.
 */
export async function startStreamConsumer(
  cluster: Cluster,
  topic: Topic,
  group: string,
  overrides: Partial<StreamTriggerOptions> & Pick<PollerOptions, 'handler'> & { tickIntervalMs?: number },
): Promise<RunningConsumer> {
  const { tickIntervalMs, ...trigger } = overrides;
  return startStreamGroups(cluster, topic, [{ group, ...trigger }], tickIntervalMs);
}

/**
 * Several stream-triggered groups over `topic` with ONE reader of the log table's stream, as
 * `npm start` runs them (the stream dispatcher's local port); otherwise as {@link startStreamConsumer}.
 */
export async function startStreamGroups(
  cluster: Cluster,
  topic: Topic,
  groups: readonly (Partial<StreamTriggerOptions> & Pick<PollerOptions, 'handler'> & { group: string })[],
  tickIntervalMs = 3_600_000,
): Promise<RunningConsumer> {
  const controller = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const running = runStreamConsumers({
    cluster,
    groups: groups.map((g) => ({ topics: [topic.name], logger: silentLogger, ...FAST_POLLER, ...g })),
    logger: silentLogger,
    signal: controller.signal,
    tickIntervalMs,
    idleWaitMs: 20,
    onReady: ready,
  });
  await Promise.race([isReady, running]);
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
