/**
 * What one drain of a stream-triggered group's function costs the function itself: its CPU
 * and its requests, per drain and per delivered batch. The cost model prices the group's
 * Lambda time from these (`streamDrainMs` in bench/cost.ts), measured in the same run.
 *
 * The drain runs in a worker process of its own (the "drain" worker) that does nothing else:
 * the records are produced through the HTTP API (the server worker) before each drain, the
 * emulators' edge runs in the benchmark's main process, and the group's handler is invoked
 * as the deployed function invokes it — a synchronous `Invoke` through a real Lambda client —
 * at a stand-in in the main process that answers at once (a no-op handler). So the drain
 * worker's CPU around a drain is the drain's alone: the lease, the log read, an S3 GET when
 * the section is in S3, decoding, building each batch's event and sending it, the release
 * with the commit and the end check after it.
 */
import { startFakeLambdaService } from '../test/support/fake-lambda-service';
import { LARGE_SECTION_RECORDS } from './consumer-trigger';
import type { StreamDrainCosts } from './cost';
import type { BenchHarness } from './harness';
import { batchBody, createTopic, produceBatch, topicUrls } from './http-client';
import type { BenchPlan } from './plan';
import type { DrainSample } from './worker';
import { startWorker } from './workers';

/** Both drains the model needs, measured in one drain worker. */
export interface StreamDrainMeasurement {
  /** A drain of one 1 KB record (its own inline section): the 1 rec/s case. */
  readonly oneRecord: StreamDrainCosts;
  /** A drain of one {@link LARGE_SECTION_RECORDS}-record section in S3, in batches of 100. */
  readonly largeSection: StreamDrainCosts;
}

/**
 * Measures a drain of one record ({@link BenchPlan.drainSamples} of them) and a drain of one
 * large section ({@link BenchPlan.largeDrainSamples}), each after its records were produced,
 * and checks that each delivered exactly what was produced.
 *
 * @example
 * const drains = await measureStreamDrain(harness, plan);
 * drains.largeSection.cpuMs / drains.largeSection.batches; // CPU per delivered batch, ms
 */
export async function measureStreamDrain(
  harness: BenchHarness,
  plan: BenchPlan,
): Promise<StreamDrainMeasurement> {
  const lambda = await startFakeLambdaService(async () => ({ ok: true, result: { batchItemFailures: [] } }));
  const worker = await startWorker('drain');
  try {
    const topic = 'bench-drain';
    await createTopic(harness.baseUrl, harness.config.clusterId, topic, 1);
    const urls = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
    await worker.call('drainOpen', {
      config: harness.config,
      topic,
      group: 'bench-drain',
      lambdaEndpoint: lambda.endpoint,
    });
    const drainAfter = async (body: string, records: number, check: boolean) => {
      await produceBatch(urls.batch, body);
      const sample = await worker.call('drainOnce');
      if (check && sample.committedRecords !== records)
        throw new Error(`a drain committed ${sample.committedRecords} records, not ${records}`);
      // Keep the stand-in's memory flat: only the worker's own counts matter here.
      lambda.received.length = 0;
      return sample;
    };
    const single = batchBody(1, plan.recordBytes, 0);
    // The group's first drain starts at the end of the log: nothing to check until it has a lease.
    // The group's first lease, the caches and the JIT: see BenchPlan.drainWarmups.
    for (let i = 0; i < plan.drainWarmups; i++) await drainAfter(single, 1, i > 0);
    const oneRecord: DrainSample[] = [];
    for (let i = 0; i < plan.drainSamples; i++) oneRecord.push(await drainAfter(single, 1, true));
    const section = batchBody(LARGE_SECTION_RECORDS, plan.recordBytes, 0);
    await drainAfter(section, LARGE_SECTION_RECORDS, true);
    const largeSection: DrainSample[] = [];
    for (let i = 0; i < plan.largeDrainSamples; i++)
      largeSection.push(await drainAfter(section, LARGE_SECTION_RECORDS, true));
    await worker.call('drainClose');
    return { oneRecord: drainCosts(oneRecord), largeSection: drainCosts(largeSection) };
  } finally {
    await worker.stop();
    await lambda.close();
  }
}

/**
 * The mean drain of a set of samples: CPU, batches (handler invokes) and requests by kind.
 *
 * @example
 * drainCosts([{ cpuUs: 6000, invokes: 1, committedRecords: 1, calls: { 'DynamoDB.Query': 3 } }]);
 * // { drains: 1, cpuMs: 6, records: 1, batches: 1, dynamodbRequests: 3, s3Gets: 0 }
 */
export function drainCosts(samples: readonly DrainSample[]): StreamDrainCosts {
  if (samples.length === 0) throw new Error('no drain was measured');
  const mean = (of: (s: DrainSample) => number) =>
    samples.reduce((sum, s) => sum + of(s), 0) / samples.length;
  const dynamodb = (s: DrainSample) =>
    Object.entries(s.calls)
      .filter(([name]) => name.startsWith('DynamoDB.'))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    drains: samples.length,
    cpuMs: mean((s) => s.cpuUs) / 1000,
    records: mean((s) => s.committedRecords),
    batches: mean((s) => s.invokes),
    dynamodbRequests: mean(dynamodb),
    s3Gets: mean((s) => s.calls['S3.GetObject'] ?? 0),
  };
}
