import type { ApiArea, AreaRouteName } from './api-routes';

/** A transport-neutral HTTP request: what the Lambda handler and the local server both produce. */
export interface HttpRequest {
  readonly method: string;
  /** Path without the query string, not URL-decoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /**
   * The IAM principal (user or role ARN) API Gateway verified for this request, on AWS;
   * undefined locally, where there is none.
   */
  readonly principal?: string;
  /**
   * Where a client reached the API: scheme, host and the stage's path prefix (if any), e.g.
   * `https://abc123.execute-api.eu-west-1.amazonaws.com` or `http://127.0.0.1:8080`. The links
   * of v3 answers (`metadata.self`, `related`) are made absolute with it, as Confluent's are;
   * undefined when unknown (links stay paths).
   */
  readonly origin?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Route parameters, URL-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (request: HttpRequest, params: RouteParams) => Promise<HttpResponse>;

/**
 * The handlers of one area's routes, one per route of that area in `API_ROUTES`, by route
 * name: what each `routes/<area>.ts` module returns.
 */
export type RouteHandlers<A extends ApiArea> = Record<AreaRouteName<A>, RouteHandler>;

/** A JSON response. */
export function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A response with no body (204). */
export function noContent(): HttpResponse {
  return { status: 204, headers: {}, body: '' };
}
