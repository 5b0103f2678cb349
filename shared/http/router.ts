import FindMyWay from 'find-my-way';
import type { Cluster } from '../cluster';
import { NotFoundError, RecordTooLargeError } from '../errors';
import { errorResponse } from './errors';
import { consumeRoutes } from './routes/consume';
import { produceRoutes } from './routes/produce';
import { topicRoutes } from './routes/topics';
import type { HttpRequest, HttpResponse, RouteHandler } from './types';

/** A table of routes keyed `"METHOD /path/:param"`, as each routes module returns. */
export type RouteTable = Record<string, RouteHandler>;

export interface HttpApiOptions {
  /** Extra route tables (consumer groups, …) mounted beside the core ones. */
  readonly routes?: readonly RouteTable[];
  /** Called after records were appended to a topic; must not throw or block. */
  readonly onProduced?: (topic: string, records: number) => void;
  /** Called with every 5xx error, for logging. */
  readonly onError?: (error: unknown, request: HttpRequest) => void;
}

/** The HTTP API as one function: a request in, a response out, never a throw. */
export type HttpApi = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Builds the HTTP API that both the Lambda handler and the local server run.
 *
 * @example
 * const api = createHttpApi(createCluster(configFromEnv()));
 * const response = await api({ method: 'GET', path: '/v3/clusters/local/topics', query: {}, headers: {}, body: Buffer.alloc(0) });
 */
export function createHttpApi(cluster: Cluster, options: HttpApiOptions = {}): HttpApi {
  const router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  const tables = [
    topicRoutes(cluster),
    produceRoutes(cluster, { onProduced: options.onProduced }),
    consumeRoutes(cluster),
    ...(options.routes ?? []),
  ];
  for (const table of tables) {
    for (const [route, handler] of Object.entries(table)) {
      const space = route.indexOf(' ');
      router.on(route.slice(0, space) as FindMyWay.HTTPMethod, route.slice(space + 1), () => handler);
    }
  }
  const clusterId = cluster.config.clusterId;
  const limit = cluster.config.maxRequestBytes;

  return async (request) => {
    try {
      const match = router.find(request.method as FindMyWay.HTTPMethod, request.path);
      if (!match) {
        throw new NotFoundError(
          `No route for ${request.method} ${request.path}: see the API reference in docs/http-api.md.`,
          { errorCode: 40400 },
        );
      }
      // find-my-way has already percent-decoded the parameters.
      const params = match.params as Record<string, string>;
      if (params.cluster_id !== undefined && params.cluster_id !== clusterId) {
        throw new NotFoundError(
          `Cluster "${params.cluster_id}" does not exist here: this cluster's id is "${clusterId}".`,
          { errorCode: 40403 },
        );
      }
      if (request.body.length > limit) {
        throw new RecordTooLargeError(
          `The request body is ${request.body.length} bytes, over this deployment's limit of ${limit} bytes: split it into smaller requests.`,
          { errorCode: 41302 },
        );
      }
      const handler = (match.handler as unknown as () => RouteHandler)();
      return await handler(request, params);
    } catch (error) {
      const response = errorResponse(error);
      if (response.status >= 500) options.onError?.(error, request);
      return response;
    }
  };
}
