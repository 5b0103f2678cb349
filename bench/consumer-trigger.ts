/**
 * The consumer side, under both triggers, in the same run: end-to-end latency from sending a
 * record to the group's handler being invoked with it, and the consumer's own AWS requests
 * per delivered batch and per idle minute. `poller` is today's poller runtime with its
 * defaults; `stream` is the stream trigger driven by DynamoDB Local's stream, read the way a
 * Lambda event source mapping reads one (four reads a second per shard while it is quiet).
 */
import { runStreamConsumers } from '../local/stream-consumer';
import { createCluster } from '../shared/cluster';
import { createGroupService } from '../shared/groups';
import { createPoller, type KafkaEvent } from '../shared/poller';
import { createStreamTrigger, type StreamTrigger } from '../shared/poller/stream-trigger';
import { sleep } from '../shared/retry';
import { AwsRequestCounter } from '../shared/storage/aws';
import type { SectionDeliveryCosts } from './cost';
import type { BenchHarness } from './harness';
import { batchBody, createTopic, produceBatch, topicUrls } from './http-client';
import type { BenchPlan } from './plan';
import { type LatencySummary, nowMs, summarize } from './stats';

/** The consumer's requests, per delivered batch or per idle minute. */
export interface ConsumerRequests {
  readonly dynamodbRead: number;
  readonly dynamodbWrite: number;
  readonly s3Get: number;
  /** Capacity units as AWS bills them (an empty consistent read counts one). */
  readonly readUnits: number;
  readonly writeUnits: number;
}

/** One trigger's measurement. */
export interface TriggerMeasurement {
  readonly samples: number;
  readonly timedOut: number;
  /** From sending the produce request to the handler receiving the record. */
  readonly endToEndMs: LatencySummary;
  /** Handler invocations during the samples. */
  readonly batches: number;
  readonly perDeliveredBatch: ConsumerRequests;
  readonly perIdleMinute: ConsumerRequests;
  /** The raw counts of the sample phase, by `Service.Command`. */
  readonly sampleCalls: Record<string, number>;
  /** One large section (one produce request of {@link LARGE_SECTION_RECORDS}) delivered in batches. */
  readonly perLargeSection: SectionDelivery;
}

/** What delivering one large section cost the consumer: its batches and its requests. */
export interface SectionDelivery extends ConsumerRequests {
  readonly records: number;
  readonly batches: number;
  /**
   * CPU of the bench's main process from the produce until the last commit, ms: the consumer
   * (reading, decoding, building events, committing) plus sending the produce request, so an
   * upper bound on the consumer's own.
   */
  readonly processCpuMs: number;
  /** The main process's resident memory once the section was delivered, MB (the consumer runs in it). */
  readonly processRssMb: number;
  /** The raw counts, by `Service.Command`. */
  readonly calls: Record<string, number>;
}

/**
 * The section of the 1 MB/s workload with the client's defaults: 2,000 records of 1 KB in one
 * produce request, which the consumer delivers in batches of 100 (its default batch size).
 */
export const LARGE_SECTION_RECORDS = 2_000;

/** Both triggers, measured one after the other on the same emulators. */
export interface ConsumerTriggersResult {
  readonly poller: TriggerMeasurement;
  readonly stream: TriggerMeasurement;
}

/** Give up on one sample after this long. */
const SAMPLE_TIMEOUT_MS = 5_000;
/** Lambda reads a quiet DynamoDB stream shard about four times a second. */
const STREAM_POLL_MS = 250;

/**
 * Measures the poller, then the stream trigger: one record at a time through the HTTP API,
 * each sample the time until the handler got it; then the consumer left idle; then one large
 * section ({@link LARGE_SECTION_RECORDS} records in one request) delivered in batches.
 *
 * @example
 * const triggers = await measureConsumerTriggers(harness, plan);
 */
export async function measureConsumerTriggers(
  harness: BenchHarness,
  plan: BenchPlan,
): Promise<ConsumerTriggersResult> {
  return {
    poller: await measureTrigger(harness, plan, 'poller'),
    stream: await measureTrigger(harness, plan, 'stream'),
  };
}

async function measureTrigger(
  harness: BenchHarness,
  plan: BenchPlan,
  trigger: 'poller' | 'stream',
): Promise<TriggerMeasurement> {
  const counter = new AwsRequestCounter({ capacity: true });
  const cluster = createCluster(harness.config, { counter });
  const uncounted = createCluster(harness.config);
  const observer = createGroupService({ cluster: uncounted });
  const topic = `bench-trigger-${trigger}`;
  const group = `bench-trigger-${trigger}`;
  await createTopic(harness.baseUrl, harness.config.clusterId, topic, 1);
  const urls = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
  const body = batchBody(1, plan.recordBytes, 0);
  const seenAt = new Map<number, number>();
  let batches = 0;
  const handler = async (event: KafkaEvent) => {
    batches++;
    const at = nowMs();
    for (const records of Object.values(event.records)) {
      for (const record of records) if (!seenAt.has(record.offset)) seenAt.set(record.offset, at);
    }
  };
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const controller = new AbortController();
  let running: Promise<unknown>;
  if (trigger === 'poller') {
    const poller = createPoller({ cluster, group, topics: [topic], handler, logger: quiet });
    running = poller.run();
    controller.signal.addEventListener('abort', () => void poller.stop(), { once: true });
  } else {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    // The consumer drains every partition once at its start (the local tick): wait for that
    // too, so its requests are not counted as the samples'.
    const trigger = createStreamTrigger({ cluster, group, topics: [topic], handler, logger: quiet });
    let firstTick!: () => void;
    const ticked = new Promise<void>((resolve) => (firstTick = resolve));
    const streamTrigger: StreamTrigger = {
      drain: (touched, deadline) => trigger.drain(touched, deadline),
      drainAll: (deadline) => trigger.drainAll(deadline).finally(firstTick),
    };
    running = runStreamConsumers({
      cluster,
      groups: [{ streamTrigger, group, topics: [topic], handler, logger: quiet }],
      logger: quiet,
      signal: controller.signal,
      idleWaitMs: STREAM_POLL_MS,
      onReady: ready,
    });
    await Promise.race([Promise.all([isReady, ticked]), running]);
  }
  try {
    const waitFor = async (offset: number) => {
      const until = nowMs() + SAMPLE_TIMEOUT_MS;
      while (!seenAt.has(offset) && nowMs() < until) await sleep(2);
      return seenAt.get(offset);
    };
    // The handler has the record before the consumer's commit lands: wait for the commit, so
    // each phase counts its own requests only (read through an uncounted cluster).
    const settled = async () => {
      const until = nowMs() + SAMPLE_TIMEOUT_MS;
      while (nowMs() < until) {
        const lags = await observer.lags(group).catch(() => []);
        if (lags.length > 0 && lags.every((l) => l.lag === 0)) return;
        await sleep(10);
      }
    };
    await waitFor(await produceBatch(urls.batch, body)); // warm-up: caches, the group's first lease
    await settled();
    counter.reset();
    batches = 0;
    const latencies: number[] = [];
    let timedOut = 0;
    const begin = nowMs();
    for (let i = 0; i < plan.triggerSamples && nowMs() - begin < plan.endToEndMaxMs * 2; i++) {
      const t0 = nowMs();
      const seen = await waitFor(await produceBatch(urls.batch, body));
      if (seen === undefined) timedOut++;
      else latencies.push(seen - t0);
    }
    await settled();
    const sampleCalls = counter.snapshot();
    const perDeliveredBatch = requestsOf(counter, batches);

    counter.reset();
    await sleep(plan.triggerIdleMs);
    const perIdleMinute = requestsOf(counter, plan.triggerIdleMs / 60_000);

    // One large section, from the produce until its last batch is committed.
    const sectionBody = batchBody(LARGE_SECTION_RECORDS, plan.recordBytes, 0);
    counter.reset();
    batches = 0;
    const cpuBefore = process.cpuUsage();
    const first = await produceBatch(urls.batch, sectionBody);
    await waitFor(first + LARGE_SECTION_RECORDS - 1);
    await settled();
    const cpu = process.cpuUsage(cpuBefore);
    const perLargeSection: SectionDelivery = {
      records: LARGE_SECTION_RECORDS,
      batches,
      processCpuMs: (cpu.user + cpu.system) / 1000,
      processRssMb: process.memoryUsage().rss / 2 ** 20,
      ...requestsOf(counter, 1),
      calls: counter.snapshot(),
    };
    return {
      samples: latencies.length,
      timedOut,
      endToEndMs: summarize(latencies),
      batches,
      perDeliveredBatch,
      perIdleMinute,
      sampleCalls,
      perLargeSection,
    };
  } finally {
    controller.abort();
    await running.catch(() => {});
    cluster.close();
    uncounted.close();
  }
}

/** The counter's requests divided by `per` (batches, or minutes). */
function requestsOf(counter: AwsRequestCounter, per: number): ConsumerRequests {
  const counts = counter.snapshot();
  const sum = (names: readonly string[]) =>
    names.reduce((total, name) => total + (counts[`DynamoDB.${name}`] ?? 0), 0);
  const units = counter.capacityUnits();
  const divide = (n: number) => (per > 0 ? n / per : 0);
  return {
    dynamodbRead: divide(sum(['Query', 'GetItem', 'Scan', 'BatchGetItem'])),
    dynamodbWrite: divide(sum(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems'])),
    s3Get: divide(counts['S3.GetObject'] ?? 0),
    readUnits: divide(units.read + counter.zeroUnitReads()),
    writeUnits: divide(units.write),
  };
}

/**
 * The cost model's view of a large section's delivery: its S3 GETs per section.
 *
 * @example
 * sectionDeliveryCosts(triggers.stream.perLargeSection); // { records: 2000, batches: 20, s3Get: 1 }
 */
export function sectionDeliveryCosts(section: SectionDelivery): SectionDeliveryCosts {
  return { records: section.records, batches: section.batches, s3Get: section.s3Get };
}
