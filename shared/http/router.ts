import FindMyWay from 'find-my-way';
import type { Cluster } from '../cluster';
import { InvalidRequestError, NotFoundError, RecordTooLargeError, StaleTopicError } from '../errors';
import { createGroupService, type GroupService } from '../groups/service';
import { API_ROUTES, type ApiArea, type ApiRouteName } from './api-routes';
import { mediaType } from './body';
import { errorResponse } from './errors';
import { clusterRoutes } from './routes/cluster';
import { consumeRoutes } from './routes/consume';
import { consumerRoutes } from './routes/consumers';
import { groupRoutes } from './routes/groups';
import { produceRoutes } from './routes/produce';
import { topicRoutes } from './routes/topics';
import { v2Routes, withV2MediaType } from './routes/v2';
import { v2ConsumerRoutes } from './routes/v2-consumers';
import type { HttpRequest, HttpResponse, RouteHandler } from './types';

export interface HttpApiOptions {
  /** Called after records were appended to a topic; must not throw or block. */
  readonly onProduced?: (topic: string, records: number) => void;
  /** Called with every 5xx error, for logging. */
  readonly onError?: (error: unknown, request: HttpRequest) => void;
  /**
   * The consumer-group service behind the group routes.
   * @default createGroupService({ cluster })
   */
  readonly groups?: GroupService;
}

/** The HTTP API as one function: a request in, a response out, never a throw. */
export type HttpApi = (request: HttpRequest) => Promise<HttpResponse>;

/** A handler for every route of {@link API_ROUTES}, by route name. */
export type ApiHandlers = Record<ApiRouteName, RouteHandler>;

/**
 * The handler of every route: each area's routes module serves its own. The return type
 * makes a route of `API_ROUTES` without a handler a compile error.
 */
export function apiHandlers(cluster: Cluster, options: HttpApiOptions = {}): ApiHandlers {
  const groups = options.groups ?? createGroupService({ cluster });
  return {
    ...clusterRoutes(cluster),
    ...topicRoutes(cluster),
    ...produceRoutes(cluster, { onProduced: options.onProduced }),
    ...consumeRoutes(cluster),
    ...groupRoutes(cluster, groups),
    ...consumerRoutes(cluster, groups),
    ...v2Routes(cluster),
    ...v2ConsumerRoutes(cluster, groups),
  };
}

/** The longest path parameter the router matches; a longer one answers 404 / 40400. */
const MAX_PARAM_LENGTH = 2048;

/** A route path in find-my-way's syntax: `{name}` → `:name`, a literal `:` → `::`. */
export function routerPath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      /^\{\w+\}$/.test(segment) ? `:${segment.slice(1, -1)}` : segment.replaceAll(':', '::'),
    )
    .join('/');
}

/**
 * The router: every route of {@link API_ROUTES}, and nothing else, bound to its handler.
 * The only place routes are registered.
 */
export function createRouter(handlers: ApiHandlers): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> {
  // A parameter may be as long as a legal topic or group name (249 characters) and more:
  // find-my-way's default (100) would answer "no route" to a legal name past 100.
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    caseSensitive: true,
    maxParamLength: MAX_PARAM_LENGTH,
  });
  for (const name of Object.keys(API_ROUTES) as ApiRouteName[]) {
    const { method, path, area } = API_ROUTES[name];
    const handler = LINKED_AREAS.has(area) ? withAbsoluteLinks(handlers[name]) : handlers[name];
    // The store tells the error path whether a v2 route answered (its errors carry the v2 media type).
    router.on(method, routerPath(path), () => handler, { v2: isV2Path(path) });
  }
  return router;
}

/** Every method some route of {@link API_ROUTES} takes, in the order a 405's `Allow` lists them. */
const ROUTE_METHODS: readonly FindMyWay.HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
  (method) => Object.values(API_ROUTES).some((route) => route.method === method),
) as FindMyWay.HTTPMethod[];

/**
 * The methods the router takes on a path, each with whether its route is a v2 one: empty when
 * no route has the path at all. HEAD and OPTIONS are not routes, so they are never listed.
 *
 * @example
 * allowedMethods(router, '/v3/clusters/local/topics'); // [{ method: 'GET', v2: false }, { method: 'POST', v2: false }]
 */
export function allowedMethods(
  router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>,
  path: string,
): { method: FindMyWay.HTTPMethod; v2: boolean }[] {
  return ROUTE_METHODS.flatMap((method) => {
    const match = router.find(method, path);
    return match ? [{ method, v2: (match.store as { v2: boolean }).v2 }] : [];
  });
}

/**
 * The 405 answer to a method a path does not take, as Confluent's REST Proxy gives it (its
 * `error_code` is the status, 405): an `Allow` header lists the methods the path takes, so a
 * client can tell a wrong method from a wrong path (which answers 404 / 40400).
 */
function methodNotAllowed(request: HttpRequest, allowed: readonly string[]): HttpResponse {
  const error = new InvalidRequestError(
    `${request.method} is not allowed on ${request.path}: this path takes ${allowed.join(', ')} (see the API reference in docs/http-api.md).`,
    { errorCode: 405 },
  );
  const response = errorResponse(error);
  return { ...response, headers: { ...response.headers, allow: allowed.join(', ') } };
}

/**
 * True for a route of Confluent's REST Proxy v2 — every route outside `/v3/` (Sluice's own
 * routes live under `/v3/` too) — whose answers, errors included, carry the v2 media type.
 *
 * @example
 * isV2Path('/topics/{topic}'); // true
 * isV2Path('/v3/clusters/{cluster_id}'); // false
 */
export function isV2Path(path: string): boolean {
  return !path.startsWith('/v3/');
}

/**
 * Refuses (415 / 41501) a body of a v3 route sent as anything but `application/json` (or with
 * no Content-Type), as Confluent's v3 does: a v2 media type there means the client has the
 * wrong endpoint. v2 routes read their own media types.
 */
function requireJsonBody(request: HttpRequest): void {
  const type = mediaType(request);
  if (type !== '' && type !== 'application/json') {
    throw new InvalidRequestError(
      `Content-Type "${type}" is not supported here: send the body as application/json${type.includes('.v2+') ? ' (the v2 media types belong to the v2 routes, e.g. POST /topics/{topic})' : ''}.`,
      { errorCode: 41501 },
    );
  }
}

/** Areas whose answers are Confluent v3 resources with links; produce and fetch answers have none. */
const LINKED_AREAS: ReadonlySet<ApiArea> = new Set<ApiArea>(['cluster', 'topics', 'groups', 'consumers']);

/** The fields of a v3 resource that hold a link: `metadata.self`, `metadata.next`, a relationship's `related`. */
const LINK_FIELDS = new Set(['self', 'next', 'related']);

/**
 * Makes the links of a handler's successful answer absolute, as Confluent's are, so a client
 * behind API Gateway can follow them: the handlers write links as paths of the API (they do
 * not know where it is reached), and the request's `origin` — scheme, host and stage prefix —
 * is put in front. Without an origin the links stay paths.
 */
function withAbsoluteLinks(handler: RouteHandler): RouteHandler {
  return async (request, params) => {
    const response = await handler(request, params);
    if (request.origin === undefined || response.status >= 300 || response.body === '') return response;
    return { ...response, body: JSON.stringify(absoluteLinks(JSON.parse(response.body), request.origin)) };
  };
}

/**
 * A copy of a JSON value with every link field that holds a path (`/v3/…`) prefixed by `origin`.
 *
 * @example
 * absoluteLinks({ metadata: { self: '/v3/clusters/local' } }, 'https://api.example.com');
 * // { metadata: { self: 'https://api.example.com/v3/clusters/local' } }
 */
export function absoluteLinks(value: unknown, origin: string): unknown {
  if (Array.isArray(value)) return value.map((item) => absoluteLinks(item, origin));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] =
      LINK_FIELDS.has(key) && typeof field === 'string' && field.startsWith('/')
        ? `${origin}${field}`
        : absoluteLinks(field, origin);
  }
  return copy;
}

/**
 * Builds the HTTP API that both the Lambda handler and the local server run: every route
 * of `API_ROUTES` (topics, produce, fetch, consumer groups), so an edge has nothing to
 * assemble.
 *
 * @example
 * const api = createHttpApi(createCluster(configFromEnv()), { onError: (e) => console.error(e) });
 * const response = await api({ method: 'GET', path: '/v3/clusters/local/topics', query: {}, headers: {}, body: Buffer.alloc(0) });
 */
export function createHttpApi(cluster: Cluster, options: HttpApiOptions = {}): HttpApi {
  const router = createRouter(apiHandlers(cluster, options));
  const clusterId = cluster.config.clusterId;
  const limit = cluster.config.maxRequestBytes;

  return async (request) => {
    let v2 = false;
    try {
      const match = router.find(request.method as FindMyWay.HTTPMethod, request.path);
      if (!match) {
        const allowed = allowedMethods(router, request.path);
        if (allowed.length > 0) {
          const response = methodNotAllowed(
            request,
            allowed.map(({ method }) => method),
          );
          return allowed.some((route) => route.v2) ? withV2MediaType(response) : response;
        }
        throw new NotFoundError(
          `No route for ${request.method} ${request.path}: see the API reference in docs/http-api.md.`,
          { errorCode: 40400 },
        );
      }
      v2 = (match.store as { v2: boolean }).v2;
      // find-my-way has already percent-decoded the parameters.
      const params = match.params as Record<string, string>;
      if (params.cluster_id !== undefined && params.cluster_id !== clusterId) {
        throw new NotFoundError(
          `Cluster "${params.cluster_id}" does not exist here: this cluster's id is "${clusterId}".`,
          { errorCode: 404 },
        );
      }
      if (request.body.length > limit) {
        throw new RecordTooLargeError(
          `The request body is ${request.body.length} bytes, over this deployment's limit of ${limit} bytes: split it into smaller requests.`,
          { errorCode: 41302 },
        );
      }
      if (!v2 && request.body.length > 0) requireJsonBody(request);
      const handler = (match.handler as unknown as () => RouteHandler)();
      try {
        return await handler(request, params);
      } catch (error) {
        // The topic was deleted (perhaps re-created) by another process since this one cached
        // it: the log acknowledged and served nothing of it, and dropped the cached copy, so
        // the request runs once more against the topic as it now is (or answers 404).
        if (!(error instanceof StaleTopicError)) throw error;
        return await handler(request, params);
      }
    } catch (error) {
      const response = errorResponse(error);
      if (response.status >= 500) options.onError?.(error, request);
      return v2 ? withV2MediaType(response) : response;
    }
  };
}
