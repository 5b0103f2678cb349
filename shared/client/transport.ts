/**
 * The client's one way to the HTTP API: builds the URL, signs when the endpoint needs it,
 * maps error answers to error classes, and retries what is safe to retry.
 */
import { DEFAULT_CODE, NotFoundError } from '../errors';
import { ConnectionError, errorFromAnswer, ServerError } from './errors';
import { type RetryDeps, type RetryOptions, withRetry } from './retry';
import { createSigV4Signer, type RequestSigner, shouldSign } from './sign';

/** Where a client connects and how. Every client factory takes these. */
export interface ConnectionOptions {
  /** Base URL of the HTTP API, with any stage path. @default 'http://127.0.0.1:8080' */
  readonly url?: string;
  /** The cluster id in `/v3/clusters/{id}`. @default the first cluster `GET /v3/clusters` lists */
  readonly clusterId?: string;
  /**
   * `true` signs every request with SigV4 (service `execute-api`, or `lambda` for a function
   * URL's `*.lambda-url.<region>.on.aws` host; region from `AWS_REGION`, credentials from the
   * default chain), `false` never, or a signer of your own.
   * @default true for an https URL that is not localhost, else false
   */
  readonly sign?: boolean | RequestSigner;
  /** Backoff for retriable failures (503/50003, throttling, network errors). @default kafkajs's */
  readonly retry?: RetryOptions;
  /** Time allowed for one HTTP exchange before it counts as a network error, in ms. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** The fetch to use (tests wrap it to count or drop requests). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Replaces the transport entirely; the options above are then ignored. */
  readonly transport?: Transport;
}

/** One HTTP exchange. `path` starts with `/` and is already percent-encoded. */
export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent verbatim as a JSON body, so a retry resends the very same bytes. */
  readonly bodyText?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A successful answer (2xx) with its parsed JSON body (undefined when empty). */
export interface TransportResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** The connection every admin, producer and consumer of one client shares. */
export interface Transport {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  /** One attempt: resolves with a 2xx answer, throws a mapped error otherwise. */
  send<T = unknown>(request: TransportRequest): Promise<TransportResponse<T>>;
  /** {@link Transport.send} retried with backoff while the error is retriable. */
  request<T = unknown>(request: TransportRequest): Promise<TransportResponse<T>>;
  /** `/v3/clusters/{cluster_id}`, asking the server for the id once when none was given. */
  clusterPath(): Promise<string>;
  /** Backoff settings, for callers that retry a whole exchange themselves. */
  readonly retry: RetryOptions;
}

/**
 * Builds the transport for a base URL.
 *
 * @example
 * const transport = createTransport({ url: 'http://127.0.0.1:8080' });
 * const { body } = await transport.request({ method: 'GET', path: `${await transport.clusterPath()}/topics` });
 */
export function createTransport(options: ConnectionOptions = {}, deps: RetryDeps = {}): Transport {
  if (options.transport) return options.transport;
  const base = new URL(options.url ?? 'http://127.0.0.1:8080');
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`url must be an http:// or https:// URL, got "${options.url}".`);
  }
  const url = base.href.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const retry = options.retry ?? {};
  const signer = pickSigner(options.sign, base);
  let clusterPath: Promise<string> | undefined;

  async function send<T>(request: TransportRequest): Promise<TransportResponse<T>> {
    const target = new URL(url + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) target.searchParams.set(name, String(value));
    }
    const body = request.bodyText ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    let headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (signer) headers = await signer({ method: request.method, url: target, headers, body });

    let response: Response;
    let text: string;
    try {
      response = await doFetch(target, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ConnectionError(
        `Cannot reach ${url} (${describeNetworkError(error)}): check the URL and that the server is running.`,
        error,
      );
    }
    const parsed = parseBody(text);
    if (response.status >= 200 && response.status < 300) {
      if (parsed.ok) return { status: response.status, body: parsed.value as T };
      throw new ServerError(
        `${request.method} ${request.path} answered ${response.status} with a body that is not JSON.`,
        { status: response.status, errorCode: DEFAULT_CODE.internal },
      );
    }
    const answer =
      parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : undefined;
    throw errorFromAnswer(response.status, answer ?? { message: text.trim().slice(0, 200) || undefined });
  }

  const transport: Transport = {
    url,
    retry,
    send,
    request: (request) => withRetry(() => send(request), retry, deps),
    clusterPath() {
      clusterPath ??= resolveClusterPath(transport, options.clusterId).catch((error: unknown) => {
        clusterPath = undefined;
        throw error;
      });
      return clusterPath;
    },
  };
  return transport;
}

async function resolveClusterPath(transport: Transport, clusterId: string | undefined): Promise<string> {
  if (clusterId !== undefined) return `/v3/clusters/${encodeURIComponent(clusterId)}`;
  const { body } = await transport.request<{ data?: { cluster_id?: string }[] }>({
    method: 'GET',
    path: '/v3/clusters',
  });
  const id = body?.data?.[0]?.cluster_id;
  if (typeof id !== 'string') {
    throw new NotFoundError(
      `${transport.url} lists no cluster: pass the cluster id explicitly (clusterId / --cluster).`,
    );
  }
  return `/v3/clusters/${encodeURIComponent(id)}`;
}

function pickSigner(sign: ConnectionOptions['sign'], base: URL): RequestSigner | undefined {
  if (typeof sign === 'function') return sign;
  if (sign ?? shouldSign(base)) return createSigV4Signer();
  return undefined;
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
