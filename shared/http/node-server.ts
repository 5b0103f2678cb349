import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidRequestError } from '../errors';
import { errorResponse } from './errors';
import type { HttpApi } from './router';
import type { HttpRequest, HttpResponse } from './types';

/** Options of {@link createNodeServer}; the defaults are the ones `npm start` needs. */
export interface NodeServerOptions {
  readonly api: HttpApi;
  /** Bodies larger than this are not buffered; the API answers 413. */
  readonly maxRequestBytes: number;
  /**
   * Serve only requests addressed to this machine: the `Host` header must name a loopback
   * host (`127.0.0.1`, `localhost`, `[::1]`) with the port the request arrived on, and an
   * `Origin` header, when sent, must be the server's own loopback origin. Anything else is
   * answered 403 (error code 40301) before the API sees it. Stops DNS rebinding (a web page
   * whose name resolves to 127.0.0.1 sends its own name as `Host`) and requests a browser
   * sends on behalf of another site. Turn off only behind a proxy that checks this itself.
   * @default true
   */
  readonly loopbackOnly?: boolean;
  /**
   * Refuse, with 415 (error code 41501), a request that carries a `Content-Type` other than
   * JSON (`application/json` or `application/…+json`), or a body without a `Content-Type`.
   * The forms a web page can send to another site without asking it first (`text/plain`,
   * `application/x-www-form-urlencoded`, `multipart/form-data`) never reach a route.
   * @default true
   */
  readonly requireJsonContentType?: boolean;
}

const LOOPBACK_HOSTNAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Serves an {@link HttpApi} over node:http for the local backbone: it only translates
 * between node's request/response and the API's, as the Lambda handler does for events, and
 * keeps the server to this machine (see {@link NodeServerOptions}). A client that goes away
 * mid-body, a request target that is not a URL, or an API that throws never stops the server.
 *
 * @example
 * const server = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
 * server.listen(8080, '127.0.0.1');
 */
export function createNodeServer(options: NodeServerOptions): Server {
  const loopbackOnly = options.loopbackOnly ?? true;
  const requireJson = options.requireJsonContentType ?? true;
  return createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // Only a failure to write the answer lands here (the client is gone): drop the socket.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = loopbackOnly ? foreignAddressing(req) : undefined;
    const body = await readBody(req, options.maxRequestBytes);
    // The client went away mid-body: nobody is left to answer, and nothing reaches the API.
    if (body === undefined) return;
    if (refusal) return write(res, errorResponse(refusal));
    const url = parseTarget(req.url);
    if (!url) {
      return write(
        res,
        errorResponse(new InvalidRequestError(`The request target "${req.url}" is not a valid path.`)),
      );
    }
    const request = toHttpRequest(req, url, body);
    if (requireJson) {
      const refused = nonJsonBody(request);
      if (refused) return write(res, errorResponse(refused));
    }
    let response: HttpResponse;
    try {
      response = await options.api(request);
    } catch (error) {
      // The router answers every error itself; this is the last guard, a 500 without details.
      response = errorResponse(error);
    }
    write(res, response);
  }
}

function write(res: ServerResponse, response: HttpResponse): void {
  // A flat [name, value, …] list: node takes it without the work an object costs (a few µs).
  // The length is always the one computed here.
  const headers: string[] = [];
  for (const name in response.headers) {
    if (name.toLowerCase() !== 'content-length') headers.push(name, response.headers[name]);
  }
  headers.push('content-length', String(Buffer.byteLength(response.body)));
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** The `Host` values (and origins without their scheme) that name this machine, by local port. */
const allowedHostsByPort = new Map<number | undefined, ReadonlySet<string>>();

function allowedHosts(port: number | undefined): ReadonlySet<string> {
  let allowed = allowedHostsByPort.get(port);
  if (!allowed) {
    allowed = new Set(
      LOOPBACK_HOSTNAMES.flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`])),
    );
    allowedHostsByPort.set(port, allowed);
  }
  return allowed;
}

/** Why a request addressed to a name or sent by a page other than this server is refused. */
function foreignAddressing(req: IncomingMessage): InvalidRequestError | undefined {
  const port = req.socket.localPort;
  // Built once per port, not on every request.
  const allowed = allowedHosts(port);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    return new InvalidRequestError(
      `The Host header "${req.headers.host ?? ''}" does not name this machine: the local server answers only requests to 127.0.0.1, localhost or [::1] on port ${port}.`,
      { errorCode: 40301 },
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.has(origin.toLowerCase().replace(/^http:\/\//, ''))) {
    return new InvalidRequestError(
      `Requests from the web origin "${origin}" are refused: the local server takes no requests that a browser sends for another site.`,
      { errorCode: 40301 },
    );
  }
  return undefined;
}

function nonJsonBody(request: HttpRequest): InvalidRequestError | undefined {
  const header = request.headers['content-type'];
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  const isJson = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
  if (header === undefined ? request.body.length === 0 : isJson) return undefined;
  return new InvalidRequestError(
    header === undefined
      ? 'The request has a body but no Content-Type: send it as application/json.'
      : `Content-Type "${type}" is not supported: send JSON bodies as application/json (or a Kafka REST v2 type ending in +json).`,
    { errorCode: 41501 },
  );
}

function parseTarget(target: string | undefined): URL | undefined {
  // Only origin-form targets ("/path?query"); "//x" or "http://[" would make URL throw or
  // read part of the path as a host.
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

function toHttpRequest(req: IncomingMessage, url: URL, body: Buffer): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    // Links in answers name the host the client called (checked to be this machine unless
    // the server was opened beyond loopback on purpose).
    ...(req.headers.host ? { origin: `http://${req.headers.host}` } : {}),
  };
}

/**
 * Buffers the body with plain 'data' and 'end' events (an async iterator over the stream
 * cost 10–15 µs more per request); undefined when the client aborts before the end.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      // Keep draining so the client can read our 413, but stop holding bytes once past the
      // limit: what is kept is still longer than the limit, which is all the API checks.
      if (size <= maxBytes) chunks.push(chunk);
      size += chunk.length;
    });
    // 'close' before 'end' is an abort too (resolving twice keeps the first value).
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  });
}
