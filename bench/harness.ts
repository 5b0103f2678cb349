import { assertJavaAvailable, type LocalAws, startLocalAws } from '../local/emulators';
import { configFromEnv, type SluiceConfig } from '../shared/config';
import { createAwsClients } from '../shared/storage/aws';
import { provisionResources } from '../shared/storage/provision';
import { startWorker, type Worker } from './workers';

/** The emulators, the provisioned resources and the two worker processes. */
export interface BenchHarness {
  readonly config: SluiceConfig;
  /**
   * Serves the real HTTP API (at {@link BenchHarness.baseUrl}) with a counted cluster, and
   * runs the raw-store baselines and the contention writers.
   */
  readonly server: Worker;
  /** The HTTP load generator of the produce rounds. */
  readonly load: Worker;
  /** `http://127.0.0.1:<port>` of the server worker's HTTP API. */
  readonly baseUrl: string;
  /** The server cluster's AWS calls since the last reset, by `Service.Command`; then resets. */
  takeCounts(): Promise<Record<string, number>>;
  /** Stops the workers and the emulators; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts fresh in-memory emulators (never an endpoint from the environment) behind the local
 * edge, which runs in this process; creates the bucket and tables; and starts the server
 * and load workers. On failure it stops whatever it had started before rethrowing.
 *
 * @example
 * const harness = await startHarness();
 * try { ... } finally { await harness.stop(); }
 */
export async function startHarness(log: (line: string) => void = () => {}): Promise<BenchHarness> {
  assertJavaAvailable();
  const aws: LocalAws = await startLocalAws({ log });
  const workers: Worker[] = [];
  const stop = once(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await aws.stop();
  });
  try {
    // Built from defaults plus our own edge only: an AWS_ENDPOINT_URL in the environment is ignored.
    const config: SluiceConfig = { ...configFromEnv({}), endpoint: aws.endpoint };
    const clients = createAwsClients(config);
    try {
      await provisionResources(config, clients);
    } finally {
      clients.s3.destroy();
      clients.dynamodb.destroy();
    }
    const server = await startWorker('server');
    workers.push(server);
    const load = await startWorker('load');
    workers.push(load);
    const { baseUrl } = await server.call('serve', config);
    return { config, server, load, baseUrl, takeCounts: () => server.call('counts', true), stop };
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
