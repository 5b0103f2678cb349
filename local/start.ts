/**
 * `npm start`: the whole backbone on this machine. Starts the AWS-API emulators (unless
 * AWS_ENDPOINT_URL points elsewhere) behind one endpoint on 127.0.0.1:${SLUICE_AWS_PORT:-4577},
 * creates the bucket and tables, serves the HTTP API and the web console (`/console/`) on
 * 127.0.0.1:${PORT:-8080} and runs the consumer groups declared in sluice.config.json. Data lives under ${SLUICE_DATA_DIR:-.sluice}
 * and survives restarts. Ctrl-C, SIGTERM or SIGHUP (or the end of the process that started it,
 * such as npm on a SIGTERM) stop it in order: pollers hand their
 * leases back, the server closes, then the emulators (in their own process group, so the
 * terminal's Ctrl-C does not reach them first) stop.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { buildConsoleAssets, CONSOLE_PATH, withConsole } from '../console/server/assets';
import { createCluster } from '../shared/cluster';
import { configFromEnv } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { sweepAll } from '../shared/retention';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { ensureTopics, runConsumers, withAppPollerGroups } from './app';
import { DEFAULT_APP_CONFIG_FILE, readLocalApp } from './app-config';
import { assertJavaAvailable, DEFAULT_LOCAL_AWS_PORT, type LocalAws, startLocalAws } from './emulators';

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

/**
 * The first signal starts the orderly stop; later ones are absorbed, never fatal. A Ctrl-C
 * reaches this process twice under `npm start` (from the terminal, to the whole foreground
 * process group, and again forwarded by npm), and a default-handled second SIGINT would kill
 * it before the pollers had released their leases. SIGKILL still ends it at once; the
 * emulators then stop by themselves (see docs/local-aws.md).
 */
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    console.error(`${signal}: already stopping (handing leases back, then stopping the emulators)`);
    return;
  }
  void stop(signal);
}

/** `SLUICE_AWS_PORT`: the emulators' endpoint port; 0 picks any free port. */
function awsPortFromEnv(raw = process.env.SLUICE_AWS_PORT): number {
  if (raw === undefined || raw === '') return DEFAULT_LOCAL_AWS_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65_535) {
    throw new Error(`SLUICE_AWS_PORT must be a port number from 0 to 65535, got "${raw}".`);
  }
  return port;
}

/**
 * Starts the orderly stop once the process that started this one has gone. Under `npm start`
 * that is a shell that passes no signal on: a SIGTERM to npm (how a supervisor or a test
 * harness stops the child it spawned) ends npm and the shell at once, and this process, left
 * running on its own, would keep its ports and its emulators. Polled: Node has no event for it.
 */
function stopWhenOrphaned(pollMs = 250): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    void stop('the process that started this one exited');
  }, pollMs);
  timer.unref();
}

async function main(): Promise<void> {
  // Handlers first, so Ctrl-C during start-up still stops the emulators it started.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  stopWhenOrphaned();

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
    const awsPort = awsPortFromEnv();
    aws = await startLocalAws({
      dataDir: process.env.SLUICE_DATA_DIR ?? join(process.cwd(), '.sluice'),
      port: awsPort,
      fallbackToFreePort: true,
    });
    if (stopping) {
      // Stopped while the emulators were starting: the stop did not know them yet.
      await stopping;
      await aws.stop();
      return;
    }
    process.env.AWS_ENDPOINT_URL = aws.endpoint;
    if (awsPort !== 0 && !aws.endpoint.endsWith(`:${awsPort}`)) {
      console.error(
        `port ${awsPort} for the AWS APIs is taken (another npm start? set SLUICE_AWS_PORT to choose one): using ${aws.endpoint} instead`,
      );
    }
  }
  if (stopping) return;
  // The app's consumer groups are run here by pollers: HTTP members may not join them.
  const config = withAppPollerGroups(configFromEnv(), app);
  const clients = createAwsClients(config);
  await provisionResources(config, clients);
  const cluster = createCluster(config, { clients });
  await ensureTopics(cluster, app);

  const api = createHttpApi(cluster, { onError: (error) => console.error('request failed:', error) });
  // The web console beside the API, same origin, behind the same Host and Origin checks.
  const consoleAssets = await buildConsoleAssets();
  server = createNodeServer({
    api: withConsole(api, consoleAssets),
    maxRequestBytes: config.maxRequestBytes,
  });
  const listening = server;
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(port, '127.0.0.1', resolve);
  });
  if (stopping) return stop('stopped during start-up');
  const address = listening.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  if (aws)
    console.error(
      `AWS APIs (DynamoDB, S3) at ${aws.endpoint}: for sluice run-consumer, export AWS_ENDPOINT_URL=${aws.endpoint}`,
    );
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
  console.log(`Web console at http://127.0.0.1:${actualPort}${CONSOLE_PATH}`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
  await stop('start-up failed');
});
