/**
 * `npm start`: the whole backbone on this machine. Starts the AWS-API emulators (unless
 * AWS_ENDPOINT_URL points elsewhere), creates the bucket and tables, serves the HTTP API on
 * 127.0.0.1:${PORT:-8080} and runs the consumer groups declared in sluice.config.json.
 * Data lives under .sluice/ and survives restarts.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createCluster } from '../shared/cluster';
import { configFromEnv } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { groupRoutes } from '../shared/http/routes/groups';
import { sweepAll } from '../shared/retention';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { ensureTopics, runConsumers } from './app';
import { DEFAULT_APP_CONFIG_FILE, readLocalApp } from './app-config';
import { assertJavaAvailable, type LocalAws, startLocalAws } from './emulators';

// The SDK warns that releases after January 2027 need Node 22; Node 20 is supported here
// through the lock file, so that one warning is noise for a local user.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) console.error(warning);
});

let aws: LocalAws | undefined;
let server: Server | undefined;
let consumers: Promise<void> | undefined;
let stopping: Promise<void> | undefined;
let retention: NodeJS.Timeout | undefined;
const stopConsumers = new AbortController();

/** Stops what has started so far; safe to call during start-up and more than once. */
function stop(reason: string): Promise<void> {
  stopping ??= (async () => {
    console.error(`${reason}: stopping…`);
    clearInterval(retention);
    // Pollers first: they release their leases while the emulators are still up.
    stopConsumers.abort();
    await consumers;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
    await aws?.stop();
    console.error('stopped');
  })();
  return stopping;
}

async function main(): Promise<void> {
  // Handlers first, so Ctrl-C during start-up still stops the emulators it started.
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const port = Number(process.env.PORT ?? 8080);
  const retentionIntervalMs = Number(process.env.SLUICE_RETENTION_INTERVAL_MS ?? 60_000);
  if (!Number.isInteger(retentionIntervalMs) || retentionIntervalMs < 1) {
    throw new Error(
      `SLUICE_RETENTION_INTERVAL_MS must be a positive number of milliseconds, got "${process.env.SLUICE_RETENTION_INTERVAL_MS}".`,
    );
  }
  // Before the emulators start: a typo in the app's config fails at once.
  const app = readLocalApp(process.env.SLUICE_CONFIG ?? DEFAULT_APP_CONFIG_FILE, {
    explicit: process.env.SLUICE_CONFIG !== undefined,
  });
  if (!process.env.AWS_ENDPOINT_URL && !process.env.SLUICE_USE_AWS) {
    assertJavaAvailable();
    aws = await startLocalAws({ dataDir: process.env.SLUICE_DATA_DIR ?? join(process.cwd(), '.sluice') });
    process.env.AWS_ENDPOINT_URL = aws.endpoint;
  }
  if (stopping) return;
  const config = configFromEnv();
  const clients = createAwsClients(config);
  await provisionResources(config, clients);
  const cluster = createCluster(config, { clients });
  await ensureTopics(cluster, app);

  const api = createHttpApi(cluster, {
    routes: [groupRoutes(cluster)],
    onError: (error) => console.error('request failed:', error),
  });
  server = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
  const listening = server;
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(port, '127.0.0.1', resolve);
  });
  if (stopping) return stop('stopped during start-up');
  const address = listening.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  if (aws)
    console.error(`AWS APIs (DynamoDB, S3) at ${aws.endpoint}: AWS_ENDPOINT_URL for sluice run-consumer`);
  // The retention sweeper: a failed sweep is logged and the next tick tries again.
  let sweeping = false;
  retention = setInterval(() => {
    if (sweeping || stopping) return;
    sweeping = true;
    sweepAll(cluster, Date.now())
      .then(({ failures }) => {
        for (const { topic, error } of failures) console.error(`retention of "${topic}" failed:`, error);
      })
      .catch((error: unknown) => console.error('retention sweep failed:', error))
      .finally(() => {
        sweeping = false;
      });
  }, retentionIntervalMs).unref();
  consumers = runConsumers(cluster, app, stopConsumers.signal).catch((error: unknown) => {
    console.error('consumers stopped:', error instanceof Error ? error.message : error);
  });
  console.log(`Sluice is ready at http://127.0.0.1:${actualPort} (cluster id "${config.clusterId}")`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
  await stop('start-up failed');
});
