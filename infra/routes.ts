/**
 * The routes of Sluice's HTTPS endpoint, one per operation of the HTTP API
 * (`docs/http-api.md`), each tagged with the role that may call it. The
 * construct turns every entry into an API Gateway route with IAM authorization; the
 * `grant*` methods turn the roles into `execute-api:Invoke` resources.
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

/** Who may call a route: producers, consumers, or administrators (topic CRUD). */
export type RouteRole = 'produce' | 'consume' | 'admin' | 'discover';

/** One API Gateway route of the Sluice endpoint. */
export interface SluiceRoute {
  /** HTTP method, or `ANY`. */
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'ANY';
  /** Route path in API Gateway syntax (`{name}` variables, `{proxy+}` greedy tail). */
  readonly path: string;
  /** Which grant covers it. `discover` routes are read-only and part of every grant. */
  readonly role: RouteRole;
  /** What the route serves. */
  readonly description: string;
}

const TOPIC = '/v3/clusters/{cluster_id}/topics/{topic}';
const GROUP = '/v3/clusters/{cluster_id}/consumer-groups/{group}';

/**
 * Every route of the endpoint. The HTTP handler (`functions/http/handler.ts`) routes the
 * same paths itself, exactly as the local server does.
 */
export const SLUICE_ROUTES: readonly SluiceRoute[] = [
  { method: 'GET', path: '/v3/clusters', role: 'discover', description: 'list clusters (this one)' },
  { method: 'GET', path: '/v3/clusters/{cluster_id}', role: 'discover', description: 'describe the cluster' },
  // Topics (Confluent v3)
  { method: 'GET', path: '/v3/clusters/{cluster_id}/topics', role: 'admin', description: 'list topics' },
  { method: 'POST', path: '/v3/clusters/{cluster_id}/topics', role: 'admin', description: 'create a topic' },
  { method: 'DELETE', path: TOPIC, role: 'admin', description: 'delete a topic' },
  { method: 'GET', path: TOPIC, role: 'discover', description: 'describe a topic' },
  { method: 'GET', path: `${TOPIC}/partitions`, role: 'consume', description: 'partition offsets' },
  // Produce
  { method: 'POST', path: `${TOPIC}/records`, role: 'produce', description: 'v3 produce' },
  { method: 'POST', path: `${TOPIC}/{action}`, role: 'produce', description: 'v3 records:batch' },
  { method: 'POST', path: '/topics/{topic}', role: 'produce', description: 'v2 produce' },
  // Consume
  {
    method: 'GET',
    path: `${TOPIC}/partitions/{partition}/records`,
    role: 'consume',
    description: 'fetch records of one partition',
  },
  // Consumer groups (Confluent v3 + Sluice membership)
  {
    method: 'GET',
    path: '/v3/clusters/{cluster_id}/consumer-groups',
    role: 'consume',
    description: 'list groups',
  },
  { method: 'GET', path: GROUP, role: 'consume', description: 'describe a group' },
  { method: 'GET', path: `${GROUP}/lags`, role: 'consume', description: 'per-partition lag' },
  { method: 'GET', path: `${GROUP}/lag-summary`, role: 'consume', description: 'lag summary' },
  {
    method: 'POST',
    path: `${GROUP}/reset-offsets`,
    role: 'consume',
    description: 'reset the offsets of an empty group',
  },
  { method: 'DELETE', path: GROUP, role: 'admin', description: 'delete an empty group' },
  // Membership of remote consumers (KIP-848-style single heartbeat)
  { method: 'POST', path: `${GROUP}/members`, role: 'consume', description: 'join the group' },
  {
    method: 'POST',
    path: `${GROUP}/members/{member_id}/heartbeat`,
    role: 'consume',
    description: 'heartbeat',
  },
  {
    method: 'POST',
    path: `${GROUP}/members/{member_id}/offsets`,
    role: 'consume',
    description: 'commit offsets',
  },
  { method: 'DELETE', path: `${GROUP}/members/{member_id}`, role: 'consume', description: 'leave the group' },
];

/**
 * The request paths (method + path, IAM wildcard syntax) a role may call for some topics
 * and consumer groups. `*` in IAM matches any characters, `/` included, so a wildcard is
 * only ever placed where everything below it belongs to the same role.
 *
 * @example
 * grantedPaths('produce', 'prod', ['orders'], undefined);
 * // [{ method: 'GET', path: '/v3/clusters' }, …, { method: 'POST', path: '/topics/orders' }]
 */
export function grantedPaths(
  role: 'produce' | 'consume',
  clusterId: string,
  topics: readonly string[] | undefined,
  groups: readonly string[] | undefined,
): { method: string; path: string }[] {
  const cluster = `/v3/clusters/${clusterId}`;
  const topicNames = topics ?? ['*'];
  // IAM's `*` also matches `/`, so `GET …/topics/*` would cover every GET below a topic —
  // fetching records included. Producers get topic descriptions only for named topics.
  const describeTopics = role === 'consume' || topics !== undefined;
  const discover = [
    { method: 'GET', path: '/v3/clusters' },
    { method: 'GET', path: cluster },
    ...(describeTopics ? topicNames.map((t) => ({ method: 'GET', path: `${cluster}/topics/${t}` })) : []),
  ];
  if (role === 'produce') {
    return [
      ...discover,
      ...topicNames.flatMap((t) => [
        { method: 'POST', path: `${cluster}/topics/${t}/records` },
        { method: 'POST', path: `${cluster}/topics/${t}/records:batch` },
        { method: 'POST', path: `/topics/${t}` },
      ]),
    ];
  }
  const groupNames = groups ?? ['*'];
  return [
    ...discover,
    ...topicNames.flatMap((t) => [
      { method: 'GET', path: `${cluster}/topics/${t}/partitions` },
      { method: 'GET', path: `${cluster}/topics/${t}/partitions/*/records` },
    ]),
    { method: 'GET', path: `${cluster}/consumer-groups` },
    ...groupNames.flatMap((g) => [
      { method: 'GET', path: `${cluster}/consumer-groups/${g}` },
      { method: '*', path: `${cluster}/consumer-groups/${g}/*` },
    ]),
  ];
}
