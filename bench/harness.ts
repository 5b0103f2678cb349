import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Cluster, createCluster } from '../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { assertJavaAvailable, type LocalAws, startLocalAws } from '../shared/local';
import { AwsRequestCounter } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';

/** The emulators, the provisioned resources and the HTTP API the benchmark talks to. */
export interface BenchHarness {
  readonly config: SluiceConfig;
  /** The server's cluster; its calls are counted by {@link BenchHarness.counter}. */
  readonly cluster: Cluster;
  readonly counter: AwsRequestCounter;
  /** `http://127.0.0.1:<port>` of the in-process HTTP API. */
  readonly baseUrl: string;
  /** Stops the server and the emulators; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts fresh in-memory emulators (never an endpoint from the environment), creates the
 * bucket and tables, and serves the real HTTP API on a free loopback port in this process.
 * On failure it stops whatever it had started before rethrowing.
 *
 * @example
 * const harness = await startHarness();
 * try { ... } finally { await harness.stop(); }
 */
export async function startHarness(log: (line: string) => void = () => {}): Promise<BenchHarness> {
  assertJavaAvailable();
  const aws: LocalAws = await startLocalAws({ log });
  let server: Server | undefined;
  let cluster: Cluster | undefined;
  const stop = once(async () => {
    if (server) {
      const open = server;
      open.closeAllConnections();
      await new Promise<void>((resolve) => open.close(() => resolve()));
    }
    cluster?.clients.s3.destroy();
    cluster?.clients.dynamodb.destroy();
    await aws.stop();
  });
  try {
    // Built from defaults plus our own edge only: an AWS_ENDPOINT_URL in the environment is ignored.
    const config: SluiceConfig = { ...configFromEnv({}), endpoint: aws.endpoint };
    const counter = new AwsRequestCounter();
    cluster = createCluster(config, { counter });
    await provisionResources(config, cluster.clients);
    const api = createHttpApi(cluster, { onError: (error) => log(`request failed: ${String(error)}`) });
    const listening = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(0, '127.0.0.1', resolve);
    });
    const { port } = listening.address() as AddressInfo;
    return { config, cluster, counter, baseUrl: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}
