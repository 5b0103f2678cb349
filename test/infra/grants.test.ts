import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Sluice } from '../../infra';
import { API_ROUTES, type ApiRole } from '../../shared/http/api-routes';
import { asArray, type CfnJson, newApp, resourcesOf } from './support';

/** The execute-api resources granted to one role, rendered with the API id as `API`. */
function grantedResources(grant: (sluice: Sluice, role: iam.Role) => iam.Grant): {
  resources: string[];
  grant: iam.Grant;
} {
  const stack = new Stack(newApp(), 'Shop');
  const sluice = new Sluice(stack, 'Sluice', { clusterId: 'prod' });
  const role = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
  const result = grant(sluice, role);
  const template = Template.fromStack(stack);
  const policy = Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).find(([id]) =>
    id.startsWith('ClientDefaultPolicy'),
  );
  if (!policy) throw new Error('no policy on the client role');
  const statements = policy[1].Properties.PolicyDocument.Statement as Record<string, CfnJson>[];
  expect(statements.map((s) => s.Action)).toEqual(statements.map(() => 'execute-api:Invoke'));
  const resources = statements
    .flatMap((s) => asArray(s.Resource))
    .map((r: CfnJson) =>
      (r['Fn::Join'][1] as unknown[])
        .map((p: CfnJson) =>
          typeof p === 'string'
            ? p
            : p.Ref === 'AWS::Partition'
              ? 'aws'
              : p.Ref?.startsWith('SluiceHttpApi')
                ? 'API'
                : `{${p.Ref}}`,
        )
        .join(''),
    );
  return { resources, grant: result };
}

const arn = (rest: string) => `arn:aws:execute-api:{AWS::Region}:{AWS::AccountId}:API/$default/${rest}`;

describe('grantProduce', () => {
  it('grants the three produce routes of the named topics, and describing them', () => {
    const { resources, grant } = grantedResources((s, r) => s.grantProduce(r, ['orders']));
    expect(grant.success).toBe(true);
    expect(resources.sort()).toEqual(
      [
        arn('GET/v3/clusters'),
        arn('GET/v3/clusters/prod'),
        arn('GET/v3/clusters/prod/brokers'),
        arn('GET/v3/clusters/prod/brokers/0'),
        arn('GET/v3/clusters/prod/brokers/0/configs'),
        arn('GET/v3/clusters/prod/brokers/0/partition-replicas'),
        arn('GET/v3/clusters/prod/topics/orders'),
        arn('POST/v3/clusters/prod/topics/orders/records'),
        arn('POST/v3/clusters/prod/topics/orders/records:batch'),
        arn('POST/topics/orders'),
      ].sort(),
    );
  });

  it('covers every topic of this API with wildcards inside its ARN when no topic is named', () => {
    const { resources } = grantedResources((s, r) => s.grantProduce(r));
    expect(resources).toContain(arn('POST/v3/clusters/prod/topics/*/records'));
    expect(resources).toContain(arn('POST/topics/*'));
    for (const resource of resources) expect(resource.startsWith('arn:aws:execute-api:')).toBe(true);
    // IAM's * spans slashes: a GET wildcard under topics would let a producer fetch records.
    expect(resources.filter((r) => r.includes('/GET/') && r.includes('*'))).toEqual([]);
  });

  it('rejects an invalid topic name, naming it', () => {
    const sluice = new Sluice(new Stack(newApp(), 'S'), 'Sluice');
    const role = new iam.Role(sluice, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => sluice.grantProduce(role, ['ok', 'not ok'])).toThrow(/grantProduce: topics\[1\]/);
    expect(() => sluice.grantProduce(role, [])).toThrow(/grantProduce: topics must be a non-empty list/);
  });
});

describe('grantConsume', () => {
  it('grants fetch, partitions and the consumer-group routes of the named topics and groups', () => {
    const { resources } = grantedResources((s, r) => s.grantConsume(r, ['orders'], ['billing']));
    expect(resources.sort()).toEqual(
      [
        arn('GET/v3/clusters'),
        arn('GET/v3/clusters/prod'),
        arn('GET/v3/clusters/prod/brokers'),
        arn('GET/v3/clusters/prod/brokers/0'),
        arn('GET/v3/clusters/prod/brokers/0/configs'),
        arn('GET/v3/clusters/prod/brokers/0/partition-replicas'),
        arn('GET/v3/clusters/prod/topics/orders'),
        arn('GET/v3/clusters/prod/topics/orders/partitions'),
        arn('GET/v3/clusters/prod/topics/orders/partitions/*'),
        arn('GET/v3/clusters/prod/topics/-/partitions/-/reassignment'),
        arn('GET/v3/clusters/prod/consumer-groups'),
        arn('GET/v3/clusters/prod/consumer-groups/billing'),
        arn('*/v3/clusters/prod/consumer-groups/billing/*'),
      ].sort(),
    );
  });

  it('never grants producing or topic administration', () => {
    const { resources } = grantedResources((s, r) => s.grantConsume(r));
    expect(resources.filter((r) => /\/(POST|DELETE)\//.test(r))).toEqual([]);
    expect(resources.filter((r) => r.includes('records:batch'))).toEqual([]);
  });

  it('rejects an invalid group id', () => {
    const sluice = new Sluice(new Stack(newApp(), 'S'), 'Sluice');
    const role = new iam.Role(sluice, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => sluice.grantConsume(role, undefined, ['a/b'])).toThrow(/grantConsume: groups\[0\]/);
  });
});

describe('grantAdmin', () => {
  it('grants every method and path of this API only', () => {
    const { resources } = grantedResources((s, r) => s.grantAdmin(r));
    expect(resources).toEqual([arn('*/*')]);
  });
});

describe('the grants and the route table', () => {
  /** Every route of the HTTP API as a request of cluster prod, topic orders, group billing. */
  const requests = Object.entries(API_ROUTES).map(([name, route]) => ({
    name,
    role: route.role as ApiRole,
    arn: arn(
      `${route.method}${route.path
        .replace('{cluster_id}', 'prod')
        .replace('{topic}', 'orders')
        .replace('{group}', 'billing')
        .replace(/\{\w+\}/g, '0')}`,
    ),
  }));
  /** IAM's match: `*` stands for any characters, `/` included. */
  const allows = (resources: string[], request: string) =>
    resources.some((r) =>
      new RegExp(`^${r.replace(/[.+?^${}()|[\]\\$]/g, '\\$&').replace(/\*/g, '.*')}$`).test(request),
    );
  const covered = (resources: string[]) =>
    requests
      .filter((r) => allows(resources, r.arn))
      .map((r) => r.name)
      .sort();

  it('let producers call every produce route and the discovery routes, nothing else', () => {
    const { resources } = grantedResources((s, r) => s.grantProduce(r, ['orders']));
    const expected = requests.filter((r) => r.role === 'produce' || r.role === 'discover');
    expect(covered(resources)).toEqual(expected.map((r) => r.name).sort());
  });

  it('let consumers call every consume route and the discovery routes, nothing else', () => {
    const { resources } = grantedResources((s, r) => s.grantConsume(r, ['orders'], ['billing']));
    const expected = requests.filter((r) => r.role === 'consume' || r.role === 'discover');
    expect(covered(resources)).toEqual(expected.map((r) => r.name).sort());
  });

  it('let administrators call every route', () => {
    const { resources } = grantedResources((s, r) => s.grantAdmin(r));
    expect(covered(resources)).toHaveLength(requests.length);
  });
});
