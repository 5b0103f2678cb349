/**
 * `node --import tsx bench/poller-footprint.ts [--seconds 60] [--records-per-s 1000] [--heap-mb N]`:
 * what the poller function uses — CPU per second of wall time and peak resident memory —
 * under the cost model's 1 MB/s workload (one producer with the client's defaults: 2,000
 * records of 1 KB per request every 2 s, over 2 partitions). `--records-per-s` scales the
 * requests (at most 2,000: a request stays under the 4.6 MB limit); 0 leaves the poller idle
 * after one record (its polling floor). The evidence behind the poller's default memory (docs/deploy.md,
 * `ASSUMPTIONS.pollerMemoryMb` in bench/cost.ts).
 *
 * The poller measured is the one `cdk synth` ships: the example stack's poller bundle, run in
 * its own plain Node process (no tsx) with the template's environment, as Lambda runs it, so
 * the numbers are the poller's alone. Its handler calls go through its own Lambda client to a
 * stand-in for the Invoke API in this process that answers at once; the producer and the
 * emulators run outside the measured process too. `--heap-mb` caps the poller's V8 old space
 * (as a smaller function would), to see that it still keeps up and what the collector costs.
 */
import * as fs from 'node:fs';
import { startLocalAws } from '../local/emulators';
import { createCluster } from '../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../shared/config';
import { createGroupService } from '../shared/groups';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { startFakeLambdaService } from '../test/support/fake-lambda-service';
import {
  functionNamed,
  invokeBundle,
  localEnvironment,
  synthesizeExampleStack,
} from '../test/support/lambda-bundles';
import { quietSdkWarnings } from './quiet';

quietSdkWarnings();

const RECORD_BYTES = 1024;
const REQUEST_INTERVAL_MS = 2_000;
const PARTITIONS = 2;

function argument(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : Number(process.argv[at + 1]);
}

function step(message: string): void {
  console.error(`[poller-footprint] ${message}`);
}

async function main(): Promise<void> {
  const seconds = argument('seconds') ?? 60;
  const heapMb = argument('heap-mb');
  const recordsPerSecond = argument('records-per-s') ?? 1_000;
  if (!(recordsPerSecond >= 0 && recordsPerSecond <= 2_000))
    throw new Error('--records-per-s is from 0 to 2000');
  const synthesized = synthesizeExampleStack();
  try {
    await measure(synthesized, seconds, recordsPerSecond, heapMb);
  } finally {
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  }
}

async function measure(
  synthesized: ReturnType<typeof synthesizeExampleStack>,
  seconds: number,
  recordsPerSecond: number,
  heapMb: number | undefined,
): Promise<void> {
  const recordsPerRequest = Math.max(1, (recordsPerSecond * REQUEST_INTERVAL_MS) / 1000);
  const aws = await startLocalAws({ log: () => {} });
  let delivered = 0;
  const lambda = await startFakeLambdaService(async (_name, payload) => {
    for (const records of Object.values<{ offset: number }[]>(payload.records ?? {}))
      delivered += records.length;
    // Keep this process's memory flat: only the count matters here.
    lambda.received.length = 0;
    return { ok: true, result: { batchItemFailures: [] } };
  });
  const config: SluiceConfig = { ...configFromEnv({}), endpoint: aws.endpoint };
  const cluster = createCluster(config);
  try {
    const clients = createAwsClients(config);
    await provisionResources(config, clients);
    clients.s3.destroy();
    clients.dynamodb.destroy();
    const topic = await cluster.topics.create({ name: 'orders', partitionCount: PARTITIONS });
    await cluster.topics.create({ name: 'orders-dlq', partitionCount: 1 });

    let produced = 0;
    let requests = 0;
    const value = Buffer.alloc(RECORD_BYTES, 'x');
    const produceOnce = async () => {
      const partition = requests++ % PARTITIONS;
      const results = await cluster.log.append(
        topic,
        Array.from({ length: recordsPerRequest }, () => ({
          partition,
          key: null,
          value,
          headers: [],
          timestamp: Date.now(),
        })),
      );
      if (results.some((r) => !r.ok)) throw new Error('a produce failed');
      produced += recordsPerRequest;
    };
    await produceOnce(); // pending, so the scheduled start runs the poller
    const load = setInterval(
      () => recordsPerSecond > 0 && void produceOnce().catch((e) => step(`produce: ${e}`)),
      REQUEST_INTERVAL_MS,
    );

    const poller = functionNamed(synthesized.functions, 'SluiceConsumerordersappPoller');
    const resources = { bucket: config.bucket, logTable: config.logTable, metaTable: config.metaTable };
    const env = localEnvironment(
      synthesized,
      poller,
      { resources, awsEndpoint: aws.endpoint, lambdaEndpoint: lambda.endpoint },
      {
        ...(heapMb ? { NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${heapMb}` } : {}),
        // Idle, the poller would stop after 10 s without records: keep it polling.
        ...(recordsPerSecond === 0 ? { SLUICE_POLLER_IDLE_MS: String(seconds * 2000) } : {}),
      },
    );
    // The invocation's margin is a tenth of its time: give it enough to run `seconds`.
    const timeoutMs = Math.ceil((seconds * 1000) / 0.9);
    step(`poller bundle: ${seconds} s, ${recordsPerSecond} records/s of ${RECORD_BYTES} bytes`);
    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    const outcome = await invokeBundle(poller, env, scheduled, timeoutMs);
    clearInterval(load);
    if (!outcome.ok)
      throw new Error(`poller failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);
    const lags = await createGroupService({ cluster }).lags('orders-app');
    const { usage } = outcome;
    const runMs = usage.wallMs - usage.loadWallMs;
    const report = {
      seconds: runMs / 1000,
      heapMb: heapMb ?? null,
      recordsPerSecond,
      producedRecords: produced,
      deliveredRecords: delivered,
      lagAtEnd: lags.reduce((sum, l) => sum + l.lag, 0),
      poller: outcome.result,
      loadCpuMs: usage.loadCpuMs,
      cpuMsPerSecond: (usage.cpuMs - usage.loadCpuMs) / (runMs / 1000),
      maxRssMb: usage.maxRssMb,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    cluster.close();
    await lambda.close();
    await aws.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
