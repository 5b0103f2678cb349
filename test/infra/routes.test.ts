import { SLUICE_ROUTES } from '../../infra';
import type { Cluster } from '../../shared/cluster';
import { API_ROUTES } from '../../shared/http/api-routes';
import { type ApiHandlers, createHttpApi, createRouter } from '../../shared/http/router';
import { json } from '../../shared/http/types';
import { resourcesOf, synthSluice } from './support';

interface Route {
  readonly method: string;
  readonly path: string;
}

/**
 * What the router really has registered (find-my-way's own list), in API Gateway syntax:
 * `:name` is a parameter, `::` an escaped literal colon.
 */
function servedRoutes(): Route[] {
  const handlers = new Proxy({}, { get: () => async () => json(200, {}) }) as ApiHandlers;
  const router = createRouter(handlers) as unknown as { routes?: Route[] };
  return (router.routes ?? []).map(({ method, path }) => ({
    method,
    path: path
      .split('::')
      .map((part) => part.replace(/:(\w+)/g, '{$1}'))
      .join(':'),
  }));
}

/** What the construct deploys: the route keys of the synthesized template. */
function deployedRoutes(): Route[] {
  const { template } = synthSluice({}, 'Routes');
  return Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map((route) => {
    const [method, path] = (route.Properties.RouteKey as string).split(' ');
    return { method, path };
  });
}

/** Whether an API Gateway route matches a router path (`{x}` in the router path is a value). */
function matches(route: Route, request: Route): boolean {
  if (route.method !== 'ANY' && route.method !== request.method) return false;
  const r = route.path.split('/');
  const p = request.path.split('/');
  for (let i = 0; i < r.length; i++) {
    if (/^\{\w+\+\}$/.test(r[i])) return p.length > i;
    if (i >= p.length) return false;
    if (/^\{\w+\}$/.test(r[i])) continue;
    if (r[i] !== p[i]) return false;
  }
  return r.length === p.length;
}

/** The most specific deployed route for a request, as API Gateway picks it. */
function routeFor(deployed: readonly Route[], request: Route): Route | undefined {
  const literalSegments = (path: string) => path.split('/').filter((s) => !s.startsWith('{')).length;
  return deployed
    .filter((r) => matches(r, request))
    .sort((a, b) => literalSegments(b.path) - literalSegments(a.path))[0];
}

describe('the deployed routes and the router', () => {
  const served = servedRoutes();
  const deployed = deployedRoutes();

  it('come from the one route table', () => {
    expect(served).toHaveLength(Object.keys(API_ROUTES).length);
    expect(deployed).toHaveLength(SLUICE_ROUTES.length);
  });

  it('deploy a route for every route the router serves', () => {
    const unrouted = served.filter((s) => !routeFor(deployed, s)).map((s) => `${s.method} ${s.path}`);
    expect(unrouted).toEqual([]);
  });

  it('deploy no route the router does not serve', () => {
    const dead = deployed
      .filter((d) => !served.some((s) => matches(d, s)))
      .map((d) => `${d.method} ${d.path}`);
    expect(dead).toEqual([]);
  });

  it('send records:batch to the {action} route and single records to the literal records route', () => {
    const topic = '/v3/clusters/{cluster_id}/topics/{topic}';
    expect(routeFor(deployed, { method: 'POST', path: `${topic}/records:batch` })?.path).toBe(
      `${topic}/{action}`,
    );
    expect(routeFor(deployed, { method: 'POST', path: `${topic}/records` })?.path).toBe(`${topic}/records`);
    expect(served).toContainEqual({ method: 'POST', path: `${topic}/records:batch` });
  });
});

describe('the HTTP API', () => {
  // A cluster that only knows its id: every handler that reaches storage fails, which is
  // not the router's "no route" answer (40400) this test looks for.
  const cluster = { config: { clusterId: 'c', maxRequestBytes: 1_000_000 } } as unknown as Cluster;
  const api = createHttpApi(cluster);
  const call = async (method: string, path: string) => {
    const response = await api({ method, path, query: {}, headers: {}, body: Buffer.alloc(0) });
    return JSON.parse(response.body || '{}').error_code as number | undefined;
  };

  it('has a handler for every route the router serves, consumer groups included', async () => {
    const unanswered: string[] = [];
    for (const route of servedRoutes()) {
      const path = route.path.replace('{cluster_id}', 'c').replace(/\{(\w+)\}/g, '0');
      if ((await call(route.method, path)) === 40400) unanswered.push(`${route.method} ${path}`);
    }
    expect(unanswered).toEqual([]);
  });

  it('answers a path outside the table with "no route"', async () => {
    expect(await call('GET', '/v3/clusters/c/topics/t/leaders')).toBe(40400);
    expect(await call('POST', '/v3/clusters/c/topics/t/records:other')).toBe(40400);
  });

  it('answers a method a served path does not take 405, its Allow naming the methods it takes', async () => {
    const answer = (method: string, path: string) =>
      api({ method, path, query: {}, headers: {}, body: Buffer.alloc(0) });
    const topic = await answer('POST', '/v3/clusters/c/topics/t');
    expect(topic.status).toBe(405);
    expect(topic.headers.allow).toBe('GET, PATCH, DELETE');
    expect(JSON.parse(topic.body).error_code).toBe(405);
    const v2 = await answer('PUT', '/topics/t');
    expect([v2.status, v2.headers.allow, v2.headers['content-type']]).toEqual([
      405,
      'GET, POST',
      'application/vnd.kafka.v2+json',
    ]);
  });
});
