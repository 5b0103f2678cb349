/**
 * The cost phase: what each request shape of the cost table costs in AWS calls and DynamoDB
 * capacity units, measured through the real HTTP API on metered clusters (their own HTTP
 * servers in the server worker, apart from the throughput rounds), and what one retention
 * sweep over many idle topics costs.
 */
import { encodeSegment } from '../shared/codec';
import { awsCalls } from './aws-calls';
import type { ShapeCosts } from './cost';
import { payload } from './data';
import type { BenchHarness } from './harness';
import { batchBody, checkBatchAnswer, createTopic, fetchPage, send, topicUrls } from './http-client';
import type { BenchPlan } from './plan';
import { nowMs, summarize } from './stats';
import type { MeteredCounts } from './worker';

/** The two metered clusters: the default inline threshold, and every section in S3. */
const METERED = { default: 'metered-default', 0: 'metered-s3' } as const;

/** The metered servers' base URLs, by threshold. */
export type MeteredUrls = Record<ShapeCosts['threshold'], string>;

/**
 * Starts the two metered servers in the server worker.
 *
 * @example
 * const urls = await startMetered(harness);
 */
export async function startMetered(harness: BenchHarness): Promise<MeteredUrls> {
  const byDefault = await harness.server.call('serveMetered', { name: METERED.default });
  const s3Only = await harness.server.call('serveMetered', { name: METERED[0], inlineSectionMaxBytes: 0 });
  return { default: byDefault.baseUrl, 0: s3Only.baseUrl };
}

/**
 * Measures one request shape: `plan.costRequests` produce requests to a fresh one-partition
 * topic (with a producer id and sequences when idempotent), then one fetch per request's
 * section from the start, then polls at the end, then one retention sweep once all expired.
 *
 * @example
 * const shape = await measureShape(harness, plan, urls, { recordsPerRequest: 1, recordBytes: 1024, idempotent: true, threshold: 'default' });
 */
export async function measureShape(
  harness: BenchHarness,
  plan: BenchPlan,
  urls: MeteredUrls,
  shape: Pick<ShapeCosts, 'recordsPerRequest' | 'recordBytes' | 'idempotent' | 'threshold'>,
): Promise<ShapeCosts> {
  const name = METERED[shape.threshold];
  const baseUrl = urls[shape.threshold];
  const topic = `bench-cost-${shape.recordsPerRequest}x${shape.recordBytes}-${shape.idempotent ? 'idem' : 'plain'}-${shape.threshold}`;
  await createTopic(baseUrl, harness.config.clusterId, topic, 1);
  const topicUrl = topicUrls(baseUrl, harness.config.clusterId, topic);
  const body = batchBody(shape.recordsPerRequest, shape.recordBytes, 0);
  const producerId = `bench-${topic}`;
  let sequence = 0;
  const produce = async () => {
    const headers: Record<string, string> = shape.idempotent
      ? { 'Sluice-Producer-Id': producerId, 'Sluice-Producer-Seq': String(sequence) }
      : {};
    const { status, text } = await send(topicUrl.batch, 'POST', body, undefined, headers);
    checkBatchAnswer(status, text);
    sequence += shape.recordsPerRequest;
  };
  await produce(); // warm: the topic cache, the producer state
  const take = (): Promise<MeteredCounts> => harness.server.call('meteredCounts', name);
  await take();

  const requests = plan.costRequests;
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = nowMs();
    await produce();
    latencies.push(nowMs() - t0);
  }
  const produced = await take();
  const producedCalls = awsCalls(produced.calls);

  let offset = shape.recordsPerRequest; // past the warm-up request
  let fetches = 0;
  let logEnd = Number.POSITIVE_INFINITY;
  while (fetches < requests && offset < logEnd) {
    const page = await fetchPage(topicUrl.partition(0), offset, shape.recordsPerRequest);
    if (page.count === 0) break;
    offset = page.nextOffset;
    logEnd = page.logEndOffset;
    fetches++;
  }
  const fetched = await take();
  const fetchedCalls = awsCalls(fetched.calls);

  const polls = 10;
  for (let i = 0; i < polls; i++) {
    const page = await fetchPage(topicUrl.partition(0), logEnd, shape.recordsPerRequest);
    if (page.count !== 0)
      throw new Error('a poll at the end returned records: is something still producing?');
  }
  const polled = await take();

  const removed = await harness.server.call('meteredRetention', { name, topic });
  const retention = await take();

  return {
    ...shape,
    inline: producedCalls.s3Put === 0,
    perRequest: {
      s3Put: producedCalls.s3Put / requests,
      dynamodbWrite: producedCalls.dynamodbWrite / requests,
      dynamodbRead: producedCalls.dynamodbRead / requests,
      writeUnits: awsWriteUnits(produced) / requests,
      readUnits: awsReadUnits(produced) / requests,
    },
    // Per slot retention removes: its conditional deletes (none for a slot TTL deletes). The
    // log start's move is one update per sweep, whatever the number of slots.
    deleteWriteUnits: (retention.unitsByCommand.DeleteItem ?? 0) / removed,
    perFetch: {
      s3Get: fetchedCalls.s3Get / fetches,
      dynamodbRead: fetchedCalls.dynamodbRead / fetches,
      readUnits: awsReadUnits(fetched) / fetches,
    },
    perEmptyFetch: {
      dynamodbRead: awsCalls(polled.calls).dynamodbRead / polls,
      readUnits: awsReadUnits(polled) / polls,
    },
    produceLatencyMs: summarize(latencies),
    bodyBytes: Buffer.byteLength(body),
    sectionBytes: sampleSectionBytes(shape),
    serverCpuMsPerRequest: produced.cpuUs / requests / 1000,
    serverMaxRssMb: produced.maxRssBytes / 2 ** 20,
  };
}

/**
 * Creates `topics` idle one-partition topics on the default metered cluster and measures one
 * retention sweep of the whole cluster (every topic the cost phase created is in it too).
 *
 * @example
 * const sweep = await measureIdleSweep(harness, 1000);
 */
export async function measureIdleSweep(
  harness: BenchHarness,
  topics: number,
): Promise<{
  topics: number;
  readUnits: number;
  writeUnits: number;
  ms: number;
  calls: Record<string, number>;
}> {
  const name = METERED.default;
  await harness.server.call('meteredIdleTopics', { name, prefix: 'bench-idle', count: topics });
  await harness.server.call('meteredCounts', name);
  const ms = await harness.server.call('meteredSweep', { name, prefix: 'bench-idle' });
  const counts = await harness.server.call('meteredCounts', name);
  return { topics, readUnits: awsReadUnits(counts), writeUnits: counts.units.write, ms, calls: counts.calls };
}

/** Bytes of the one section a request of this shape encodes to (no header: what an inline slot holds). */
function sampleSectionBytes(shape: Pick<ShapeCosts, 'recordsPerRequest' | 'recordBytes'>): number {
  const records = Array.from({ length: shape.recordsPerRequest }, (_, i) => ({
    key: null,
    value: payload(shape.recordBytes, i),
    headers: [],
    timestamp: Date.now(),
  }));
  return encodeSegment([{ partition: 0, records }]).sections[0].byteLength;
}

/**
 * Write units as AWS bills them. DynamoDB Local reports 4 units per KB for each item of a
 * `TransactWriteItems` (4 for a 100 B item, 8 for a 1.5 KB one, measured against it);
 * AWS documents 2 per KB per item, so transactions count half of what the emulator reports.
 * Every other write is taken as reported (1 per KB, as documented).
 */
export function awsWriteUnits(counts: Pick<MeteredCounts, 'units' | 'unitsByCommand'>): number {
  const transactional = counts.unitsByCommand.TransactWriteItems ?? 0;
  return counts.units.write - transactional / 2;
}

/**
 * Read units as AWS bills them: DynamoDB Local reports 0 units for a query that found nothing
 * (an idle partition), while AWS bills at least one unit for a consistent read (all of
 * Sluice's log reads are consistent); each such read counts 1.
 */
export function awsReadUnits(counts: Pick<MeteredCounts, 'units' | 'zeroUnitReads'>): number {
  return counts.units.read + counts.zeroUnitReads;
}
