/**
 * `npm start`: the whole backbone on this machine. Starts the AWS-API emulators (unless
 * AWS_ENDPOINT_URL points elsewhere), creates the bucket and tables, and serves the HTTP
 * API on 127.0.0.1:${PORT:-8080}. Data lives under .sluice/ and survives restarts.
 */
import { join } from 'node:path';
import { createCluster } from '../shared/cluster';
import { configFromEnv } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { assertJavaAvailable, type LocalAws, startLocalAws } from '../shared/local';
import { provisionResources } from '../shared/storage/provision';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  let aws: LocalAws | undefined;
  if (!process.env.AWS_ENDPOINT_URL && !process.env.SLUICE_USE_AWS) {
    assertJavaAvailable();
    aws = await startLocalAws({
      dataDir: join(process.cwd(), '.sluice'),
      log: (line) => console.error(line),
    });
    process.env.AWS_ENDPOINT_URL = aws.endpoint;
  }
  const config = configFromEnv();
  const cluster = createCluster(config);
  await provisionResources(config, cluster.clients);

  const api = createHttpApi(cluster, { onError: (error) => console.error('request failed:', error) });
  const server = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  console.log(`Sluice is ready at http://127.0.0.1:${port} (cluster id "${config.clusterId}")`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping…`);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await aws?.stop();
    console.error('stopped');
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
