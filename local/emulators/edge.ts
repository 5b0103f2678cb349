import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EmulatedService, serviceOfRequest } from './routing';

/** Options of {@link startEdge}. */
export interface EdgeOptions {
  /** Base URL of each emulator, e.g. `{ dynamodb: 'http://127.0.0.1:8000', s3: ... }`. */
  readonly upstreams: Readonly<Record<EmulatedService, string>>;
  /** Port to listen on; 0 or undefined picks a free one. */
  readonly port?: number;
  /** When `port` is taken, listen on a free one instead of failing. @default false */
  readonly fallbackToFreePort?: boolean;
  /** Receives one line per request the edge cannot serve. */
  readonly log?: (line: string) => void;
}

/** A running edge. */
export interface Edge {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  close(): Promise<void>;
}

// Per-connection headers (RFC 9110 §7.6.1) plus `expect`: this server has already answered
// `100 Continue` itself, so the emulator must not be asked again.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/**
 * Starts one HTTP endpoint in front of the emulators, as LocalStack serves every service on
 * port 4566: each request is streamed, unchanged apart from per-connection headers, to the
 * emulator {@link serviceOfRequest} names; unknown services get a 400 with a JSON body.
 * The `Host` header is passed on as received; neither emulator checks SigV4 signatures.
 *
 * Listens on 127.0.0.1 only, and answers 403 to a request whose `Host` is not a loopback
 * name with the edge's port: a web page whose own name an attacker points at 127.0.0.1 (DNS
 * rebinding) sends that name, and would otherwise read and write every table and bucket.
 *
 * @example
 * const edge = await startEdge({ upstreams: { dynamodb: ddb.endpoint, s3: s3.endpoint } });
 * process.env.AWS_ENDPOINT_URL = edge.endpoint;
 */
export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  // DynamoDB Local sometimes resets a connection idle for ~30 s; dropping idle sockets after
  // 10 s avoids sending a request down one that is about to be reset.
  const agent = new Agent({ keepAlive: true, timeout: 10_000 });
  const upstreams = new Map(Object.entries(opts.upstreams).map(([name, url]) => [name, new URL(url)]));
  const server = createServer((req, res) => {
    if (!isLoopbackHost(req.headers.host, req.socket.localPort)) {
      opts.log?.(`[edge] ${req.method} ${req.url}: refused Host ${req.headers.host ?? '(none)'}`);
      req.resume();
      return sendJson(
        res,
        403,
        'AccessDeniedException',
        'the local edge answers only requests addressed to 127.0.0.1, localhost or [::1] on its own port',
      );
    }
    const service = serviceOfRequest(req.headers, req.url ?? '/');
    const upstream = service === undefined ? undefined : upstreams.get(service);
    if (!upstream) {
      opts.log?.(`[edge] ${req.method} ${req.url}: no emulator for service ${service ?? '(unsigned)'}`);
      req.resume();
      const known = [...upstreams.keys()].join(', ');
      const reason = service ? `service '${service}' is not emulated` : 'request names no AWS service';
      return sendJson(res, 400, 'UnknownServiceException', `${reason}; the local edge serves ${known}`);
    }
    forward(req, res, upstream, agent);
  });
  try {
    await listen(server, opts.port ?? 0);
  } catch (error) {
    if (!opts.fallbackToFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(server, 0);
  }
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, agent: Agent): void {
  const upstreamReq = httpRequest({
    agent,
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers: withoutHopByHop(req.headers),
  });
  // Plain .pipe() rather than pipeline(): pipeline() builds an AbortController and a
  // DOMException per stream, which showed up in profiles of the benchmark. The listeners
  // below do the part of pipeline() that matters here: a side that fails or goes away
  // takes the other side down with it.
  upstreamReq.on('response', (upstreamRes) => {
    res.writeHead(
      upstreamRes.statusCode ?? 502,
      upstreamRes.statusMessage,
      withoutHopByHop(upstreamRes.headers),
    );
    upstreamRes.on('error', () => res.destroy());
    upstreamRes.pipe(res);
  });
  // A listener for the whole life of the request: the emulator can fail after the body was
  // sent, and an unheard 'error' would crash the process.
  upstreamReq.on('error', (error) => {
    if (res.headersSent) res.destroy();
    else sendJson(res, 502, 'EdgeUpstreamError', `emulator at ${upstream.host} failed: ${error.message}`);
  });
  req.on('error', () => upstreamReq.destroy());
  // The client went away before the whole answer was written: stop the upstream request too.
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

/**
 * `127.0.0.1`, `localhost`, `[::1]` or a name under `localhost` (which resolves only to this
 * machine, so it cannot be rebound), with the given port.
 */
function isLoopbackHost(host: string | undefined, port: number | undefined): boolean {
  const match = /^(.+):(\d+)$/.exec((host ?? '').toLowerCase());
  if (!match || Number(match[2]) !== port) return false;
  const name = match[1];
  return name === '127.0.0.1' || name === '[::1]' || name === 'localhost' || name.endsWith('.localhost');
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

function sendJson(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
