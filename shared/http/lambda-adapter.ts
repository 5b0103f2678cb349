import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './types';

/**
 * Translates an API Gateway HTTP API (payload v2) or function URL event into a request.
 * `rawPath` keeps the percent-encoding, which the router decodes once.
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) query[name] = value;
  const body =
    event.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const principal = iamPrincipal(event);
  const origin = apiOrigin(event);
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query,
    headers,
    body,
    ...(principal === undefined ? {} : { principal }),
    ...(origin === undefined ? {} : { origin }),
  };
}

/**
 * The URL the client called the API at: `https://` + the domain name API Gateway (or the
 * function URL) answered on, plus `/<stage>` for a named stage (the `$default` stage has no
 * prefix).
 */
function apiOrigin(event: APIGatewayProxyEventV2): string | undefined {
  const { domainName, stage } = event.requestContext;
  if (!domainName) return undefined;
  const prefix = stage && stage !== '$default' ? `/${encodeURIComponent(stage)}` : '';
  return `https://${domainName}${prefix}`;
}

/**
 * The caller's ARN from an IAM-authorized request (`requestContext.authorizer.iam.userArn`).
 * An assumed role's session name is dropped (`arn:aws:sts::1234:assumed-role/R/session` →
 * `arn:aws:sts::1234:assumed-role/R`): IAM grants to the role, and a consumer whose
 * credentials are refreshed under another session name is still the same caller.
 */
function iamPrincipal(event: APIGatewayProxyEventV2): string | undefined {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } };
  const arn = context.authorizer?.iam?.userArn;
  if (typeof arn !== 'string' || arn === '') return undefined;
  const session = /^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.*$/.exec(arn);
  return session ? session[1] : arn;
}

export function toApiGatewayResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: response.body,
    isBase64Encoded: false,
  };
}
