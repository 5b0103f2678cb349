/**
 * Test support for the client and the CLI: the real HTTP API served in-process on a free
 * loopback port, against the storage `AWS_ENDPOINT_URL` points at (the integration setup's
 * emulators). Not used at run time.
 */
import type { AddressInfo } from 'node:net';
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createNodeServer } from '../../shared/http/node-server';
import { createHttpApi } from '../../shared/http/router';
import type { HttpRequest, HttpResponse } from '../../shared/http/types';
import { checkedApi } from './openapi';

/** A running test server. */
export interface TestServer {
  readonly url: string;
  readonly cluster: Cluster;
  /** Every request served, as `"METHOD /path"`, in arrival order. */
  readonly requests: string[];
  /** Stops the server; rejects if any answer of the API was not as docs/openapi.yaml describes. */
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /**
   * Sees every request before the API does: call `next` to pass it on, or answer without
   * it (fault injection), or change what `next` answered.
   */
  readonly intercept?: (request: HttpRequest, next: () => Promise<HttpResponse>) => Promise<HttpResponse>;
  /** Environment variables the server's configuration reads besides the process's (`SLUICE_*`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts the HTTP API on 127.0.0.1 at a free port.
 *
 * @example
 * const server = await startTestServer();
 * const admin = createAdmin({ url: server.url });
 * afterAll(() => server.close());
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = configFromEnv({ ...process.env, ...options.env });
  if (!config.endpoint)
    throw new Error('AWS_ENDPOINT_URL is not set: run the integration tests through jest.');
  const cluster = createCluster(config);
  // The server keeps answering a client whatever the document says; close() reports mismatches.
  const mismatches: string[] = [];
  const inner = checkedApi(createHttpApi(cluster), (problems) => mismatches.push(problems));
  const requests: string[] = [];
  const server = createNodeServer({
    api: async (request) => {
      requests.push(`${request.method} ${request.path}`);
      return options.intercept ? options.intercept(request, () => inner(request)) : inner(request);
    },
    maxRequestBytes: config.maxRequestBytes,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cluster,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cluster.close();
      if (mismatches.length > 0) throw new Error(mismatches.join('\n\n'));
    },
  };
}
