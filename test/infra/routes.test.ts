import { SLUICE_ROUTES } from '../../infra';
import type { Cluster } from '../../shared/cluster';
import type { GroupService } from '../../shared/groups';
import { consumeRoutes } from '../../shared/http/routes/consume';
import { groupRoutes } from '../../shared/http/routes/groups';
import { produceRoutes } from '../../shared/http/routes/produce';
import { topicRoutes } from '../../shared/http/routes/topics';

/**
 * The routes the HTTP handler's router serves (the local server serves the same), as
 * `METHOD path` in API Gateway syntax. Building the route tables only reads the cluster id.
 */
function routerRoutes(): { method: string; path: string }[] {
  const cluster = { config: { clusterId: 'c', maxRequestBytes: 1 } } as unknown as Cluster;
  const tables = [
    topicRoutes(cluster),
    produceRoutes(cluster),
    consumeRoutes(cluster),
    groupRoutes(cluster, {} as GroupService),
  ];
  return tables
    .flatMap((t) => Object.keys(t))
    .map((key) => {
      const [method, path] = key.split(' ');
      // find-my-way: `:name` is a parameter, `::` an escaped literal colon.
      return {
        method,
        path: path
          .split('::')
          .map((part) => part.replace(/:(\w+)/g, '{$1}'))
          .join(':'),
      };
    });
}

/** Whether an API Gateway route matches a router path (`{x}` in the router path is a value). */
function matches(
  route: { method: string; path: string },
  request: { method: string; path: string },
): boolean {
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
function routeFor(request: { method: string; path: string }) {
  const literalSegments = (path: string) => path.split('/').filter((s) => !s.startsWith('{')).length;
  return SLUICE_ROUTES.filter((r) => matches(r, request)).sort(
    (a, b) => literalSegments(b.path) - literalSegments(a.path),
  )[0];
}

describe('the deployed routes and the handler router', () => {
  const served = routerRoutes();

  it('deploy a route for every route the router serves', () => {
    const unrouted = served.filter((s) => !routeFor(s)).map((s) => `${s.method} ${s.path}`);
    expect(unrouted).toEqual([]);
  });

  it('deploy no route the router does not serve', () => {
    const dead = SLUICE_ROUTES.filter((r) => !served.some((s) => matches(r, s))).map(
      (r) => `${r.method} ${r.path}`,
    );
    expect(dead).toEqual([]);
  });

  it('send records:batch to the {action} route and single records to the literal records route', () => {
    const topic = '/v3/clusters/{cluster_id}/topics/{topic}';
    expect(routeFor({ method: 'POST', path: `${topic}/records:batch` })?.path).toBe(`${topic}/{action}`);
    expect(routeFor({ method: 'POST', path: `${topic}/records` })?.path).toBe(`${topic}/records`);
    expect(served).toContainEqual({ method: 'POST', path: `${topic}/records:batch` });
  });
});
