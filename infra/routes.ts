/**
 * The routes of Sluice's HTTPS endpoint, derived from the HTTP API's own route table
 * (`shared/http/api-routes.ts`, a data-only module: the one thing infra imports from the
 * HTTP side), so the router and the deployed API cannot drift apart. The construct turns
 * every entry into an API Gateway route with IAM authorization; the `grant*` methods turn
 * the roles into `execute-api:Invoke` resources.
 *
 * Why explicit routes rather than one `$default` catch-all: an unknown path is answered by
 * API Gateway (404, no Lambda invocation, no cost), and a reader of the template sees the
 * whole surface. IAM authorization itself is evaluated against the *request* path, so the
 * grants below are exact either way.
 *
 * `records:batch`: API Gateway's documentation does not promise that a colon is legal in a
 * literal HTTP API route segment (REST APIs rejected it for years), so the batch endpoint is
 * served by `POST /v3/clusters/{cluster_id}/topics/{topic}/{action}` — a single-segment
 * variable that matches `records:batch` (the literal `records` route is more specific and
 * wins for single records). The handler answers anything else there with 404. Grants still
 * name `.../records:batch` exactly, because IAM matches the request path, not the route.
 */

import { API_ROUTES, type ApiRole, type ApiRoute, BROKER_ID } from '../shared/http/api-routes';

/** Who may call a route: producers, consumers, or administrators (topic CRUD). */
export type RouteRole = ApiRole;

/** One API Gateway route of the Sluice endpoint. */
export interface SluiceRoute {
  /** HTTP method, or `ANY`. */
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';
  /** Route path in API Gateway syntax (`{name}` variables, `{proxy+}` greedy tail). */
  readonly path: string;
  /** Which grant covers it. `discover` routes are read-only and part of every grant. */
  readonly role: RouteRole;
  /** What the route serves. */
  readonly description: string;
}

/**
 * The API Gateway route path serving a path of the HTTP API: a segment with a literal
 * colon (`records:batch`) becomes the variable `{action}` (see above).
 */
export function gatewayPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment.includes(':') && !/^\{\w+\}$/.test(segment) ? '{action}' : segment))
    .join('/');
}

/**
 * Every route of the endpoint: one per route of the HTTP API (`API_ROUTES` in
 * `shared/http/api-routes.ts`, which the router serves), in its order; routes that map to
 * the same API Gateway route are deployed once.
 */
export const SLUICE_ROUTES: readonly SluiceRoute[] = Object.values(API_ROUTES as Record<string, ApiRoute>)
  .map((route) => ({
    method: route.method,
    path: gatewayPath(route.path),
    role: route.role,
    description: route.description,
  }))
  .filter((route, i, all) => all.findIndex((r) => r.method === route.method && r.path === route.path) === i);

/** Which consumer-group routes a consume grant covers, besides fetching. */
export interface GrantedGroups {
  /**
   * Group ids whose routes are granted: describe, lags, lag summary, join, heartbeat, commit,
   * leave, reset offsets, and the group's v2 consumer instances (every path contains the group
   * id). None: no group route at all.
   */
  readonly groups?: readonly string[];
  /** Also `GET …/consumer-groups`, the list of every group (names, states, members). */
  readonly listGroups?: boolean;
}

/**
 * The request paths (method + path, IAM wildcard syntax) a role may call for some topics
 * and consumer groups. `*` in IAM matches any characters, `/` included, so a wildcard is
 * only ever placed where everything below it belongs to the same role. Consumer groups are
 * only ever named: a path wildcard over group ids would also reach groups run by pollers and
 * groups of other teams.
 *
 * @example
 * grantedPaths('produce', 'prod', ['orders']);
 * // [{ method: 'GET', path: '/v3/clusters' }, …, { method: 'POST', path: '/topics/orders' }]
 * grantedPaths('consume', 'prod', ['orders'], { groups: ['billing'] });
 * // […, { method: 'GET', path: '/v3/clusters/prod/consumer-groups/billing' }, …]
 */
/**
 * The most digits a partition id has: a topic has at most 10,000 partitions
 * (`MAX_PARTITIONS` in shared/topics/registry.ts, which infra does not import; a test checks
 * the two agree), numbered 0 to 9,999.
 */
export const PARTITION_ID_DIGITS = 4;

export function grantedPaths(
  role: 'produce' | 'consume',
  clusterId: string,
  topics: readonly string[] | undefined,
  consumerGroups: GrantedGroups = {},
): { method: string; path: string }[] {
  const cluster = `/v3/clusters/${clusterId}`;
  const topicNames = topics ?? ['*'];
  // IAM's `*` also matches `/`, so `GET …/topics/*` would cover every GET below a topic —
  // fetching records included. Producers get topic descriptions only for named topics.
  const describeTopics = role === 'consume' || topics !== undefined;
  const discover = [
    { method: 'GET', path: '/v3/clusters' },
    { method: 'GET', path: cluster },
    // The one broker, by its id: a GET wildcard here would be as wide as IAM's `*` is.
    { method: 'GET', path: `${cluster}/brokers` },
    ...['', '/configs', '/partition-replicas'].map((tail) => ({
      method: 'GET',
      path: `${cluster}/brokers/${BROKER_ID}${tail}`,
    })),
    // The v2 equivalents: the broker list, and the topic descriptions under the same rule.
    { method: 'GET', path: '/brokers' },
    ...(describeTopics
      ? topicNames.flatMap((t) => [
          { method: 'GET', path: `${cluster}/topics/${t}` },
          { method: 'GET', path: `/topics/${t}` },
        ])
      : []),
  ];
  if (role === 'produce') {
    return [
      ...discover,
      ...topicNames.flatMap((t) => [
        { method: 'POST', path: `${cluster}/topics/${t}/records` },
        { method: 'POST', path: `${cluster}/topics/${t}/records:batch` },
        { method: 'POST', path: `/topics/${t}` },
        // v2 produce to one partition, by IAM's one-character wildcard rather than `*`: a
        // partition id has one to PARTITION_ID_DIGITS digits, so this grants no more than the
        // partitions and keeps a named-topic grant free of `*` (cdk-nag's IAM5 stays quiet).
        ...Array.from({ length: PARTITION_ID_DIGITS }, (_, i) => ({
          method: 'POST',
          path: `/topics/${t}/partitions/${'?'.repeat(i + 1)}`,
        })),
      ]),
    ];
  }
  return [
    ...discover,
    ...topicNames.flatMap((t) => [
      { method: 'GET', path: `${cluster}/topics/${t}/partitions` },
      // Everything below a partition is the consumer's: records, replicas, reassignment.
      { method: 'GET', path: `${cluster}/topics/${t}/partitions/*` },
      // The v2 partition reads (descriptions, offsets), as their v3 equivalents.
      { method: 'GET', path: `/topics/${t}/partitions` },
      { method: 'GET', path: `/topics/${t}/partitions/*` },
    ]),
    { method: 'GET', path: `${cluster}/topics/-/partitions/-/reassignment` },
    ...(consumerGroups.listGroups ? [{ method: 'GET', path: `${cluster}/consumer-groups` }] : []),
    ...(consumerGroups.groups ?? []).flatMap((g) => [
      { method: 'GET', path: `${cluster}/consumer-groups/${g}` },
      // Below a group everything is a consumer's (lags, members, reset-offsets); deleting the
      // group itself is `DELETE …/consumer-groups/{g}`, which this does not match.
      { method: '*', path: `${cluster}/consumer-groups/${g}/*` },
      // The group's v2 consumer instances: creating one, and everything below (subscribe,
      // assign, seek, read, commit, delete). Reading names no topic in its path: the HTTP
      // function keeps an instance to the topics granted with the group (40303).
      { method: 'POST', path: `/consumers/${g}` },
      { method: '*', path: `/consumers/${g}/*` },
    ]),
  ];
}
