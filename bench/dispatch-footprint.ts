/**
 * `node --import tsx bench/dispatch-footprint.ts [--dispatches 300] [--groups 3]`: what the
 * stream dispatcher function uses per dispatch — CPU and wall time of a warm dispatch of one
 * new slot to `--groups` stream groups, and the heap it keeps — the evidence behind its
 * 128 MB (`STREAM_DISPATCHER_MEMORY_MB`, docs/design/stream-trigger.md) and the cost model's
 * `ASSUMPTIONS.streamDispatchMs`.
 *
 * The dispatcher runs in this process (the handler module `functions/stream-dispatch/handler.ts`,
 * over DynamoDB Local, its warm topic cache), and its asynchronous invokes go through its own
 * Lambda client to a stand-in for the Invoke API in this same process, so the CPU counted
 * includes that stand-in's side of each call: an upper bound.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createStreamDispatchHandler } from '../functions/stream-dispatch/handler';
import { startLocalAws } from '../local/emulators';
import { createCluster } from '../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../shared/config';
import { createLambdaAsyncInvoker } from '../shared/poller/lambda-invoke';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { startFakeLambdaService } from '../test/support/fake-lambda-service';
import { quietSdkWarnings } from './quiet';

quietSdkWarnings();

function argument(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const dispatches = argument('dispatches') ?? 300;
  const groupCount = argument('groups') ?? 3;
  const aws = await startLocalAws({ log: () => {} });
  const lambda = await startFakeLambdaService(async () => ({ ok: true, result: null }));
  const config: SluiceConfig = { ...configFromEnv({}), endpoint: aws.endpoint };
  const cluster = createCluster(config);
  try {
    const clients = createAwsClients(config);
    await provisionResources(config, clients);
    clients.s3.destroy();
    clients.dynamodb.destroy();
    const topic = await cluster.topics.create({ name: 'orders', partitionCount: 4 });
    const groups = Array.from({ length: groupCount }, (_, i) => ({
      group: `group-${i}`,
      topics: ['orders'],
      functionName: `group-${i}-function`,
    }));
    const handle = createStreamDispatchHandler({
      cluster,
      env: { ...process.env, SLUICE_STREAM_GROUPS: JSON.stringify(groups) },
      invoke: createLambdaAsyncInvoker(
        new LambdaClient({
          endpoint: lambda.endpoint,
          region: config.region,
          credentials: { accessKeyId: 'sluice', secretAccessKey: 'sluice-local' },
        }),
      ),
    });
    const event = (i: number) => ({
      Records: [
        {
          eventName: 'INSERT',
          eventSource: 'aws:dynamodb',
          dynamodb: { Keys: { pk: { S: `${topic.id}#${i % 4}` }, sk: { N: String(i + 1) } } },
        },
      ],
    });
    for (let i = 0; i < 20; i++) await handle(event(i)); // warm: clients, topic cache
    lambda.received.length = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < dispatches; i++) await handle(event(i));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    if (lambda.received.length !== dispatches * groupCount)
      throw new Error(`expected ${dispatches * groupCount} invokes, saw ${lambda.received.length}`);
    const perDispatch = (n: number) => (n / dispatches).toFixed(2);
    process.stdout.write(
      `${JSON.stringify(
        {
          dispatches,
          groups: groupCount,
          cpuMsPerDispatch: Number(perDispatch((cpu.user + cpu.system) / 1000)),
          wallMsPerDispatch: Number(perDispatch(wallMs)),
          heapUsedMb: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
          heapGrowthMb: Number(((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1)),
          rssMb: Number((process.memoryUsage().rss / 2 ** 20).toFixed(1)),
        },
        null,
        2,
      )}\n`,
    );
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
