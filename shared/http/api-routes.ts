/**
 * The routes of Sluice's HTTP API, declared once: method, path, the routes module that
 * serves it (`area`) and who calls it (`role`). Data only — this module imports nothing —
 * so that the three users can share it:
 * - the router (`router.ts`) registers exactly these routes, each bound to the handler of
 *   the same name that its area's module returns (the types require one per route);
 * - the CDK construct (`infra/routes.ts`) deploys one API Gateway route per entry;
 * - the tests compare what the router serves with what the construct deploys.
 *
 * Paths are written in API Gateway and OpenAPI syntax: `{name}` is a path parameter, any
 * other character (the `:` of `records:batch` included) is literal.
 *
 * @example
 * API_ROUTES.produceRecords; // { method: 'POST', path: '/v3/clusters/{cluster_id}/topics/{topic}/records', … }
 */

/** Who calls a route: producers, consumers, administrators (topic CRUD), or anyone (`discover`: read-only cluster and topic descriptions). */
export type ApiRole = 'produce' | 'consume' | 'admin' | 'discover';

/** Which routes module serves a route (`shared/http/routes/<area>.ts`). */
export type ApiArea = 'topics' | 'produce' | 'consume' | 'groups';

/** One route of the HTTP API. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** `{name}` marks a path parameter; everything else is literal. */
  readonly path: string;
  readonly area: ApiArea;
  readonly role: ApiRole;
  /** What the route serves, in a few words. */
  readonly description: string;
}

const CLUSTER = '/v3/clusters/{cluster_id}';
const TOPIC = `${CLUSTER}/topics/{topic}`;
const GROUP = `${CLUSTER}/consumer-groups/{group}`;
const MEMBER = `${GROUP}/members/{member_id}`;

/** Every route of the HTTP API, by name (the order is the construct's deployment order). */
export const API_ROUTES = {
  listClusters: {
    method: 'GET',
    path: '/v3/clusters',
    area: 'topics',
    role: 'discover',
    description: 'list clusters (this one)',
  },
  getCluster: {
    method: 'GET',
    path: CLUSTER,
    area: 'topics',
    role: 'discover',
    description: 'describe the cluster',
  },
  // Topics (Confluent v3)
  listTopics: {
    method: 'GET',
    path: `${CLUSTER}/topics`,
    area: 'topics',
    role: 'admin',
    description: 'list topics',
  },
  createTopic: {
    method: 'POST',
    path: `${CLUSTER}/topics`,
    area: 'topics',
    role: 'admin',
    description: 'create a topic',
  },
  deleteTopic: {
    method: 'DELETE',
    path: TOPIC,
    area: 'topics',
    role: 'admin',
    description: 'delete a topic',
  },
  getTopic: { method: 'GET', path: TOPIC, area: 'topics', role: 'discover', description: 'describe a topic' },
  listPartitions: {
    method: 'GET',
    path: `${TOPIC}/partitions`,
    area: 'topics',
    role: 'consume',
    description: 'partition offsets',
  },
  // Produce
  produceRecords: {
    method: 'POST',
    path: `${TOPIC}/records`,
    area: 'produce',
    role: 'produce',
    description: 'v3 produce',
  },
  produceBatch: {
    method: 'POST',
    path: `${TOPIC}/records:batch`,
    area: 'produce',
    role: 'produce',
    description: 'v3 records:batch',
  },
  produceV2: {
    method: 'POST',
    path: '/topics/{topic}',
    area: 'produce',
    role: 'produce',
    description: 'v2 produce',
  },
  // Consume
  fetchRecords: {
    method: 'GET',
    path: `${TOPIC}/partitions/{partition}/records`,
    area: 'consume',
    role: 'consume',
    description: 'fetch records of one partition',
  },
  // Consumer groups (Confluent v3)
  listGroups: {
    method: 'GET',
    path: `${CLUSTER}/consumer-groups`,
    area: 'groups',
    role: 'consume',
    description: 'list groups',
  },
  getGroup: { method: 'GET', path: GROUP, area: 'groups', role: 'consume', description: 'describe a group' },
  listLags: {
    method: 'GET',
    path: `${GROUP}/lags`,
    area: 'groups',
    role: 'consume',
    description: 'per-partition lag',
  },
  getLagSummary: {
    method: 'GET',
    path: `${GROUP}/lag-summary`,
    area: 'groups',
    role: 'consume',
    description: 'lag summary',
  },
  // Administration of an empty group (kafka-consumer-groups --reset-offsets / --delete)
  resetGroupOffsets: {
    method: 'POST',
    path: `${GROUP}/reset-offsets`,
    area: 'groups',
    role: 'consume',
    description: 'reset the offsets of an empty group',
  },
  deleteGroup: {
    method: 'DELETE',
    path: GROUP,
    area: 'groups',
    role: 'admin',
    description: 'delete an empty group',
  },
  // Membership of remote consumers (KIP-848-style single heartbeat)
  joinGroup: {
    method: 'POST',
    path: `${GROUP}/members`,
    area: 'groups',
    role: 'consume',
    description: 'join the group',
  },
  heartbeat: {
    method: 'POST',
    path: `${MEMBER}/heartbeat`,
    area: 'groups',
    role: 'consume',
    description: 'heartbeat',
  },
  commitOffsets: {
    method: 'POST',
    path: `${MEMBER}/offsets`,
    area: 'groups',
    role: 'consume',
    description: 'commit offsets',
  },
  leaveGroup: {
    method: 'DELETE',
    path: MEMBER,
    area: 'groups',
    role: 'consume',
    description: 'leave the group',
  },
} as const satisfies Record<string, ApiRoute>;

/** The name of a route of {@link API_ROUTES}. */
export type ApiRouteName = keyof typeof API_ROUTES;

/** The names of the routes one area serves. */
export type AreaRouteName<A extends ApiArea> = {
  [N in ApiRouteName]: (typeof API_ROUTES)[N]['area'] extends A ? N : never;
}[ApiRouteName];
