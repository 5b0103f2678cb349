/**
 * `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (about a minute and a
 * half).
 *
 * Starts its own in-memory emulators behind the local edge (in this process), a server
 * worker serving the real HTTP API and a load-generator worker, on 127.0.0.1. Warms the
 * emulators, then measures produce, fetch, end-to-end latency, the codec and write
 * contention, each beside the raw store work it stands for, measured in the same run in
 * interleaved rounds. Prints a report and writes `bench/results/latest.json`. Everything is
 * stopped at the end, also on failure. See docs/benchmarks.md for what each number means.
 */
import { join } from 'node:path';
import { measureCodec } from './codec';
import { measureEndToEnd, measureFetchCost } from './consume';
import { measureConsumerTriggers, sectionDeliveryCosts } from './consumer-trigger';
import { measureContention } from './contention';
import { costTable, type MeasuredCosts, shapesToMeasure } from './cost';
import { measureIdleSweep, measureShape, startMetered } from './cost-shapes';
import { type BenchHarness, startHarness } from './harness';
import { planFromArgs } from './plan';
import { measureProduce, sampleSegment } from './produce';
import { quietSdkWarnings } from './quiet';
import { renderReport, toJson, writeJson } from './report';
import { nowMs } from './stats';
import { measureStreamDrain } from './stream-drain';

const RESULTS = join(__dirname, 'results', 'latest.json');

quietSdkWarnings();

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

  step('starting in-memory emulators (DynamoDB Local + s3rver), the server worker and the load worker');
  let harness: BenchHarness | undefined;
  const interrupt = () => {
    step('interrupted: stopping the workers and the emulators');
    void (harness?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    harness = await startHarness();
    const { server } = harness;
    const single = {
      concurrency: plan.concurrency,
      recordsPerRequest: plan.recordsPerRequest,
      recordBytes: plan.recordBytes,
    };
    const segmentBytes = sampleSegment(plan).length;

    step(`warm-up: up to ${plan.warmupOps} raw PutObject and PutItem calls (s3rver starts cold)`);
    await server.call('s3Put', { ...single, total: plan.warmupOps, maxMs: plan.warmupMaxMs });
    await server.call('dynamodbPut', { ...single, total: plan.warmupOps, maxMs: plan.warmupMaxMs / 2 });

    step(`baseline: raw S3 PutObject of ${segmentBytes} B, then raw PutItem, ${plan.concurrency} concurrent`);
    const limits = { concurrency: plan.concurrency, total: plan.baselineOps, maxMs: plan.baselineMaxMs };
    const s3Put = await server.call('s3Put', { ...single, ...limits });
    const dynamodbPut = await server.call('dynamodbPut', limits);

    step(
      `produce: ${plan.produceRounds} rounds of the raw chain and of records:batch through HTTP, interleaved`,
    );
    const produce = await measureProduce(harness, plan);
    step('fetch: AWS calls per fetch');
    const fetch = await measureFetchCost(harness, plan, produce.topic);
    step(`end to end: up to ${plan.endToEndSamples} produce-then-poll samples`);
    const endToEnd = await measureEndToEnd(harness, plan);
    step('baseline: raw PutObject → PutItem → Query → GetObject, one at a time');
    const rawChain = await server.call('rawChainLatency', {
      samples: plan.endToEndSamples,
      maxMs: plan.endToEndMaxMs,
      recordBytes: plan.recordBytes,
    });
    const contention = await measureContention(harness, plan, step);
    step(
      `consumer triggers: ${plan.triggerSamples} produce-to-handler samples and ${plan.triggerIdleMs / 1000} s idle, poller then stream`,
    );
    const triggers = await measureConsumerTriggers(harness, plan);
    step(
      `stream drain: CPU and requests of ${plan.drainSamples} one-record drains and ${plan.largeDrainSamples} drains of a 2,000-record section, in a process of their own`,
    );
    const streamDrain = await measureStreamDrain(harness, plan);

    step(
      'cost: AWS calls and DynamoDB capacity units per request shape of the cost table, on metered clusters',
    );
    const metered = await startMetered(harness);
    const shapes = [];
    for (const shape of shapesToMeasure()) shapes.push(await measureShape(harness, plan, metered, shape));
    step(`cost: one retention sweep over ${plan.costIdleTopics} idle topics`);
    const sweep = await measureIdleSweep(harness, plan.costIdleTopics);
    const measuredCosts: MeasuredCosts = {
      shapes,
      produceMs: endToEnd.unloadedProduceMs.p50,
      streamTrigger: triggers.stream.perDeliveredBatch,
      streamDrain,
      sectionDelivery: {
        poller: sectionDeliveryCosts(triggers.poller.perLargeSection),
        stream: sectionDeliveryCosts(triggers.stream.perLargeSection),
      },
      sweep: { topics: sweep.topics, readUnits: sweep.readUnits, writeUnits: sweep.writeUnits, ms: sweep.ms },
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
      triggers,
      rawChain,
      contention,
      measuredCosts,
      sweepCalls: sweep.calls,
      cost: costTable(measuredCosts),
    };
    await writeJson(RESULTS, toJson(results));
    console.log(renderReport(results));
    step(`wrote ${RESULTS}`);
  } finally {
    step('stopping the workers and the emulators');
    await harness?.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
