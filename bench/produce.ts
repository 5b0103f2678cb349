import { encodeSegment } from '../shared/codec';
import { type AwsCalls, awsCalls, perOperation } from './aws-calls';
import { payload } from './data';
import type { BenchHarness } from './harness';
import { batchBody, createTopic, produceBatch, topicUrls } from './http-client';
import { runClosedLoop } from './load';
import type { BenchPlan } from './plan';
import { type LatencySummary, perSecond, summarize } from './stats';

/** Produce throughput through the HTTP API and what each request cost in AWS calls. */
export interface ProduceResult {
  readonly topic: string;
  readonly requests: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly requestsPerSec: number;
  readonly recordsPerSec: number;
  /** Record value bytes per second, 1 MB = 10^6 bytes. */
  readonly mbPerSec: number;
  readonly latencyMs: LatencySummary;
  /** AWS calls per successful produce request. */
  readonly perRequest: Omit<AwsCalls, 'raw'>;
  readonly calls: AwsCalls;
  /** Bytes of the HTTP body and of the S3 object one request makes. */
  readonly requestBodyBytes: number;
  readonly segmentBytes: number;
}

/**
 * `plan.concurrency` clients, each with a keep-alive connection, send `records:batch`
 * requests of `recordsPerRequest` × `recordBytes` BINARY records back to back. Client i pins
 * its records to partition i of a topic with one partition per client, so the run measures
 * the produce path itself; racing writers on one partition are the contention benchmark's
 * subject. After one warm-up request per client (topic metadata and head caches, as in a
 * warm Lambda) the server's AWS calls are counted from zero.
 *
 * @example
 * const produce = await measureProduce(harness, QUICK_PLAN);
 */
export async function measureProduce(harness: BenchHarness, plan: BenchPlan): Promise<ProduceResult> {
  const topic = 'bench-produce';
  await createTopic(harness.baseUrl, harness.config.clusterId, topic, plan.concurrency);
  const { batch } = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
  const bodies = Array.from({ length: plan.concurrency }, (_, p) =>
    batchBody(plan.recordsPerRequest, plan.recordBytes, p),
  );
  await Promise.all(bodies.map((body) => produceBatch(batch, body)));

  harness.counter.reset();
  const run = await runClosedLoop({
    concurrency: plan.concurrency,
    total: plan.produceRequests,
    maxMs: plan.produceMaxMs,
    operation: async (worker) => {
      await produceBatch(batch, bodies[worker]);
      return true;
    },
  });
  const calls = awsCalls(harness.counter);
  if (run.ok === 0) throw new Error(`every produce request failed: ${String(run.firstError)}`);
  const requestsPerSec = perSecond(run.ok, run.elapsedMs);
  return {
    topic,
    requests: run.ok,
    failed: run.failed,
    firstError: run.firstError === undefined ? undefined : String(run.firstError),
    requestsPerSec,
    recordsPerSec: requestsPerSec * plan.recordsPerRequest,
    mbPerSec: (requestsPerSec * plan.recordsPerRequest * plan.recordBytes) / 1e6,
    latencyMs: summarize(run.latenciesMs),
    perRequest: perOperation(calls, run.ok),
    calls,
    requestBodyBytes: Buffer.byteLength(bodies[0]),
    segmentBytes: sampleSegment(plan).length,
  };
}

/**
 * The S3 object one produce request of this plan writes (same records, one partition), for
 * the raw S3 baseline.
 *
 * @example
 * const bytes = sampleSegment(QUICK_PLAN);
 */
export function sampleSegment(plan: BenchPlan): Buffer {
  const now = Date.now();
  const records = Array.from({ length: plan.recordsPerRequest }, (_, i) => ({
    key: null,
    value: payload(plan.recordBytes, i),
    headers: [],
    timestamp: now,
  }));
  return encodeSegment([{ partition: 0, records }]).bytes;
}
