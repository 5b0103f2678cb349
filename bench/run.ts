/**
 * `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (about a minute).
 *
 * Starts its own in-memory emulators, serves the real HTTP API on a free loopback port in
 * this process, measures produce, fetch, end-to-end latency, the codec and write contention,
 * each beside a baseline measured in the same run, prints a report and writes
 * `bench/results/latest.json`. The emulators are stopped at the end, also on failure.
 * See docs/benchmarks.md for what each number means.
 */
import { join } from 'node:path';
import { measureDynamoPut, measureRawChain, measureS3Put } from './baseline';
import { measureCodec } from './codec';
import { measureEndToEnd, measureFetchCost } from './consume';
import { measureContention } from './contention';
import { costTable, type MeasuredCosts } from './cost';
import { type BenchHarness, startHarness } from './harness';
import { planFromArgs } from './plan';
import { measureProduce, sampleSegment } from './produce';
import { renderReport, toJson, writeJson } from './report';
import { nowMs } from './stats';

const RESULTS = join(__dirname, 'results', 'latest.json');

// The SDK warns that its releases after January 2027 need Node 22; that one warning is noise here.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) console.error(warning);
});

/** Progress goes to stderr, the report to stdout. */
function step(message: string): void {
  console.error(`[bench] ${message}`);
}

async function main(): Promise<void> {
  const plan = planFromArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const begin = nowMs();

  // Pure CPU first, before the JVM and s3rver compete for the cores.
  step(`codec: Sluice segment codec vs kafkajs RecordBatch (${plan.codecRecords} records per batch)`);
  const codec = await measureCodec({
    records: plan.codecRecords,
    valueBytes: plan.recordBytes,
    measureMs: plan.codecMs,
  });

  step('starting in-memory emulators (DynamoDB Local + s3rver) and the HTTP API');
  let harness: BenchHarness | undefined;
  const interrupt = () => {
    step('interrupted: stopping the emulators');
    void (harness?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    harness = await startHarness();
    const config = harness.config;
    const segment = sampleSegment(plan);
    const baseline = {
      config,
      concurrency: plan.concurrency,
      total: plan.baselineOps,
      maxMs: plan.baselineMaxMs,
    };

    step(`baseline: raw S3 PutObject of ${segment.length} B, ${plan.concurrency} concurrent`);
    const s3Put = await measureS3Put(baseline, segment);
    step(`baseline: raw DynamoDB PutItem, ${plan.concurrency} concurrent`);
    const dynamodbPut = await measureDynamoPut(baseline);
    step(`produce: up to ${plan.produceRequests} records:batch requests through HTTP`);
    const produce = await measureProduce(harness, plan);
    step('fetch: AWS calls per fetch');
    const fetch = await measureFetchCost(harness, plan, produce.topic);
    step(`end to end: up to ${plan.endToEndSamples} produce-then-poll samples`);
    const endToEnd = await measureEndToEnd(harness, plan);
    step('baseline: raw PutObject → PutItem → Query → GetObject, one at a time');
    const rawChain = await measureRawChain(
      config,
      sampleSegment({ ...plan, recordsPerRequest: 1 }),
      plan.endToEndSamples,
      plan.endToEndMaxMs,
    );
    step(
      `contention: ${plan.contentionProducers} producers on one partition for ${plan.contentionMs / 1000} s`,
    );
    const contention = await measureContention(harness, {
      producers: plan.contentionProducers,
      durationMs: plan.contentionMs,
      recordBytes: plan.recordBytes,
    });

    const rawBytes = plan.recordsPerRequest * plan.recordBytes;
    const measuredCosts: MeasuredCosts = {
      produce: produce.perRequest,
      fetch: fetch.perFetch,
      emptyFetch: fetch.perEmptyFetch,
      segmentOverhead: produce.segmentBytes / rawBytes,
      bodyOverhead: produce.requestBodyBytes / rawBytes,
      produceMs: endToEnd.unloadedProduceMs.p50,
    };
    const results = {
      plan,
      startedAt,
      durationMs: nowMs() - begin,
      codec,
      s3Put,
      dynamodbPut,
      produce,
      fetch,
      endToEnd,
      rawChain,
      contention,
      measuredCosts,
      cost: costTable(measuredCosts),
    };
    await writeJson(RESULTS, toJson(results));
    console.log(renderReport(results));
    step(`wrote ${RESULTS}`);
  } finally {
    step('stopping the emulators');
    await harness?.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
