/**
 * `node --import tsx bench/dispatch-footprint.ts [--dispatches 500] [--groups 3] [--heap-mb 48]`:
 * what the stream dispatcher function uses — CPU and wall time of a warm dispatch of one new
 * slot to `--groups` stream groups, the first (cold) dispatch with the module load, and the
 * peak resident memory — the evidence behind its 128 MB (`STREAM_DISPATCHER_MEMORY_MB`,
 * docs/design/stream-trigger.md) and the cost model's `ASSUMPTIONS.streamDispatchMs`.
 *
 * The dispatcher measured is the one `cdk synth` ships: the example stack's dispatcher bundle
 * (with `--groups` stream groups added), run in its own plain Node process with the template's
 * environment, so the numbers are the dispatcher's alone; V8's young generation is held to
 * 1 MB and the old space to `--heap-mb`, as in a small function. Its asynchronous invokes go
 * through its own Lambda client to a stand-in for the Invoke API in this process; the
 * emulators run outside the measured process too.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLocalAws } from '../local/emulators';
import { createCluster } from '../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../shared/config';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { startFakeLambdaService } from '../test/support/fake-lambda-service';
import { functionNamed, localEnvironment, synthesizeExampleStack } from '../test/support/lambda-bundles';
import { quietSdkWarnings } from './quiet';

quietSdkWarnings();

const DRIVER = path.join(__dirname, 'dispatch-footprint-driver.cjs');

function argument(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const dispatches = argument('dispatches') ?? 500;
  const groups = argument('groups') ?? 3;
  const heapMb = argument('heap-mb') ?? 48;
  const synthesized = synthesizeExampleStack((stack) => {
    for (let i = 0; i < groups; i++) {
      stack.sluice.addConsumer(`stream-${i}`, {
        topics: ['orders'],
        handler: stack.orderHandler.function,
        trigger: 'stream',
      });
    }
  });
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
    const dispatcher = functionNamed(synthesized.functions, 'SluiceStreamDispatcherFunction');
    const resources = { bucket: config.bucket, logTable: config.logTable, metaTable: config.metaTable };
    const env = localEnvironment(synthesized, dispatcher, {
      resources,
      awsEndpoint: aws.endpoint,
      lambdaEndpoint: lambda.endpoint,
    });
    // Not spawnSync: the emulator edge and the Invoke API's stand-in answer from this process.
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${heapMb}`,
        '--max-semi-space-size=1',
        DRIVER,
        dispatcher.assetDir,
        topic.id,
        String(dispatches),
      ],
      { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`the dispatcher bundle failed (exit ${code})`);
    const invokes = lambda.received.filter((r) => r.invocationType === 'Event').length;
    if (invokes !== (dispatches + 1) * groups)
      throw new Error(`expected ${(dispatches + 1) * groups} asynchronous invokes, saw ${invokes}`);
    process.stdout.write(
      `${JSON.stringify({ dispatches, groups, heapMb, ...JSON.parse(output) }, null, 2)}\n`,
    );
  } finally {
    cluster.close();
    await lambda.close();
    await aws.stop();
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
