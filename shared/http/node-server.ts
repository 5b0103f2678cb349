import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { HttpApi } from './router';
import type { HttpRequest } from './types';

export interface NodeServerOptions {
  readonly api: HttpApi;
  /** Bodies larger than this are not buffered; the API answers 413. */
  readonly maxRequestBytes: number;
}

/**
 * Serves an {@link HttpApi} over node:http for the local backbone: it only translates
 * between node's request/response and the API's, as the Lambda handler does for events.
 *
 * @example
 * const server = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
 * server.listen(8080, '127.0.0.1');
 */
export function createNodeServer(options: NodeServerOptions): Server {
  return createServer(async (req, res) => {
    const response = await options.api(await readRequest(req, options.maxRequestBytes));
    res.writeHead(response.status, {
      ...response.headers,
      'content-length': Buffer.byteLength(response.body),
    });
    res.end(response.body);
  });
}

async function readRequest(req: IncomingMessage, maxBytes: number): Promise<HttpRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    // Keep draining so the client can read our 413, but stop holding bytes once past the
    // limit: what is kept is still longer than the limit, which is all the API checks.
    if (size <= maxBytes) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: Buffer.concat(chunks),
  };
}
