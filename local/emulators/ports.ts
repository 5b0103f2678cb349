import { createServer } from 'node:net';

/**
 * Asks the kernel for a port that is free on `host` right now. Another process may take it
 * before the caller binds it, so callers that cannot bind port 0 themselves (DynamoDB Local)
 * retry on "address in use".
 *
 * @example
 * const port = await findFreePort();
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`No free port found on ${host}`))));
    });
  });
}
