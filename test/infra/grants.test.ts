import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Sluice } from '../../infra';
import { PARTITION_ID_DIGITS } from '../../infra/routes';
import { API_ROUTES, type ApiRole } from '../../shared/http/api-routes';
import { MAX_PARTITIONS } from '../../shared/topics/registry';
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
  it('grants the four produce routes of the named topics, and describing them', () => {
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
        arn('GET/brokers'),
        arn('GET/topics/orders'),
        arn('POST/v3/clusters/prod/topics/orders/records'),
        arn('POST/v3/clusters/prod/topics/orders/records:batch'),
        arn('POST/topics/orders'),
        arn('POST/topics/orders/partitions/?'),
        arn('POST/topics/orders/partitions/??'),
        arn('POST/topics/orders/partitions/???'),
        arn('POST/topics/orders/partitions/????'),
      ].sort(),
    );
  });

  it('grants the v2 produce to every partition a topic may have, by one-character wildcards that match no more digits', () => {
    expect(PARTITION_ID_DIGITS).toBe(String(MAX_PARTITIONS - 1).length);
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
    const { resources } = grantedResources((s, r) =>
      s.grantConsume(r, { topics: ['orders'], groups: ['billing'] }),
    );
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
        arn('GET/brokers'),
        arn('GET/topics/orders'),
        arn('GET/topics/orders/partitions'),
        arn('GET/topics/orders/partitions/*'),
        arn('GET/v3/clusters/prod/topics/-/partitions/-/reassignment'),
        arn('GET/v3/clusters/prod/consumer-groups/billing'),
        arn('*/v3/clusters/prod/consumer-groups/billing/*'),
        arn('POST/consumers/billing'),
        arn('*/consumers/billing/*'),
      ].sort(),
    );
  });

  it('takes the positional form (topics, groups) as the same grant', () => {
    const positional = grantedResources((s, r) => s.grantConsume(r, ['orders'], ['billing'])).resources;
    const named = grantedResources((s, r) =>
      s.grantConsume(r, { topics: ['orders'], groups: ['billing'] }),
    ).resources;
    expect(positional.sort()).toEqual(named.sort());
  });

  it('names only the given groups: every group resource contains one of their ids, and no wildcard stands for a group', () => {
    const { resources } = grantedResources((s, r) =>
      s.grantConsume(r, { topics: ['orders'], groups: ['billing', 'audit.v2'] }),
    );
    const groupResources = resources.filter((r) => r.includes('/consumer-groups'));
    expect(groupResources.sort()).toEqual(
      [
        arn('GET/v3/clusters/prod/consumer-groups/audit.v2'),
        arn('*/v3/clusters/prod/consumer-groups/audit.v2/*'),
        arn('GET/v3/clusters/prod/consumer-groups/billing'),
        arn('*/v3/clusters/prod/consumer-groups/billing/*'),
      ].sort(),
    );
    // The path after the group id is the only wildcard: another group's routes are not reached.
    for (const r of groupResources) expect(r).toMatch(/\/consumer-groups\/(billing|audit\.v2)(\/\*)?$/);
    const instanceResources = resources.filter((r) => r.includes('/consumers/'));
    expect(instanceResources.length).toBe(4);
    for (const r of instanceResources) expect(r).toMatch(/\/consumers\/(billing|audit\.v2)(\/\*)?$/);
  });

  it('grants no consumer-group route when no group is named: fetch only', () => {
    for (const grant of [
      (s: Sluice, r: iam.Role) => s.grantConsume(r, ['orders']),
      (s: Sluice, r: iam.Role) => s.grantConsume(r, { topics: ['orders'] }),
      (s: Sluice, r: iam.Role) => s.grantConsume(r),
    ]) {
      const { resources } = grantedResources(grant);
      expect(resources.filter((r) => r.includes('consumer-groups') || r.includes('/consumers/'))).toEqual([]);
      expect(resources).toContain(
        arn(
          `GET/v3/clusters/prod/topics/${resources.some((r) => r.includes('/orders')) ? 'orders' : '*'}/partitions/*`,
        ),
      );
    }
  });

  it('grants listing every group only when asked', () => {
    const asked = grantedResources((s, r) => s.grantConsume(r, { groups: ['billing'], listGroups: true }));
    expect(asked.resources).toContain(arn('GET/v3/clusters/prod/consumer-groups'));
    const alone = grantedResources((s, r) => s.grantConsume(r, { topics: ['orders'], listGroups: true }));
    expect(alone.resources.filter((r) => r.includes('consumer-groups'))).toEqual([
      arn('GET/v3/clusters/prod/consumer-groups'),
    ]);
    const notAsked = grantedResources((s, r) => s.grantConsume(r, { groups: ['billing'] }));
    expect(notAsked.resources).not.toContain(arn('GET/v3/clusters/prod/consumer-groups'));
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
    expect(() => sluice.grantConsume(role, { groups: ['ok', '*'] })).toThrow(/grantConsume: groups\[1\]/);
    expect(() => sluice.grantConsume(role, { groups: [] })).toThrow(/groups must be a non-empty list/);
    // @ts-expect-error: the third argument belongs to the positional form only.
    expect(() => sluice.grantConsume(role, { topics: ['t'] }, ['g'])).toThrow(/not as a third argument/);
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
  /** IAM's match: `*` stands for any characters, `/` included, and `?` for any one character. */
  const allows = (resources: string[], request: string) =>
    resources.some((r) =>
      new RegExp(
        `^${r
          .replace(/[.+^${}()|[\]\\$]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ).test(request),
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
    const { resources } = grantedResources((s, r) =>
      s.grantConsume(r, { topics: ['orders'], groups: ['billing'], listGroups: true }),
    );
    const expected = requests.filter((r) => r.role === 'consume' || r.role === 'discover');
    expect(covered(resources)).toEqual(expected.map((r) => r.name).sort());
  });

  it('let consumers call no route of a group they were not granted', () => {
    const { resources } = grantedResources((s, r) =>
      s.grantConsume(r, { topics: ['orders'], groups: ['billing-eu'], listGroups: true }),
    );
    // `billing` is a prefix of `billing-eu`: still no route of `billing` is covered.
    const groupRoutes = requests.filter(
      (r) => r.arn.includes('/consumer-groups/billing') || r.arn.includes('/consumers/billing'),
    );
    expect(groupRoutes.length).toBeGreaterThan(5);
    expect(groupRoutes.map((r) => r.name)).toEqual(
      expect.arrayContaining(['createConsumerV2', 'readRecordsV2']),
    );
    expect(groupRoutes.filter((r) => allows(resources, r.arn)).map((r) => r.name)).toEqual([]);
  });

  it('let administrators call every route', () => {
    const { resources } = grantedResources((s, r) => s.grantAdmin(r));
    expect(covered(resources)).toHaveLength(requests.length);
  });
});

describe('what the HTTP function learns of consumer groups (SLUICE_POLLER_GROUPS, SLUICE_GROUP_TOPICS)', () => {
  /** The two variables of the HTTP function, parsed, after `build` added groups and grants. */
  function groupEnvironment(build: (sluice: Sluice, stack: Stack) => void): {
    pollerGroups: unknown;
    groupTopics: unknown;
  } {
    const stack = new Stack(newApp(), 'Shop');
    const sluice = new Sluice(stack, 'Sluice', { clusterId: 'prod' });
    build(sluice, stack);
    const template = Template.fromStack(stack).toJSON();
    const api =
      template.Resources[stack.getLogicalId(sluice.apiFunction.function.node.defaultChild as never)];
    const variables = api.Properties.Environment.Variables;
    return {
      pollerGroups: JSON.parse(variables.SLUICE_POLLER_GROUPS),
      groupTopics: JSON.parse(variables.SLUICE_GROUP_TOPICS),
    };
  }
  const role = (stack: Stack, id: string) =>
    new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
  const handler = (stack: Stack) => lambda.Function.fromFunctionName(stack, 'Handler', 'existing-handler');

  it('is empty for a cluster without groups or group grants', () => {
    expect(groupEnvironment(() => {})).toEqual({ pollerGroups: [], groupTopics: {} });
  });

  it("lists the pollers' groups, and per granted group the union of its grants' and poller's topics", () => {
    const env = groupEnvironment((sluice, stack) => {
      const fn = handler(stack);
      sluice.addConsumer('billing', { topics: ['orders'], handler: fn });
      sluice.addConsumer('shared', { topics: ['payments'], handler: fn, allowHttpMembers: true });
      sluice.grantConsume(role(stack, 'A'), {
        topics: ['refunds', 'orders'],
        groups: ['shared', 'analytics'],
      });
      sluice.grantConsume(role(stack, 'B'), ['clicks'], ['analytics']);
      sluice.grantConsume(role(stack, 'C'), { groups: ['explorer'] });
      sluice.grantConsume(role(stack, 'D'), { topics: ['orders'] }); // no group: nothing to record
    });
    expect(env).toEqual({
      pollerGroups: ['billing'],
      groupTopics: {
        analytics: ['clicks', 'orders', 'refunds'],
        explorer: '*',
        shared: ['orders', 'payments', 'refunds'],
      },
    });
  });

  it('records grants made before the group is added the same way', () => {
    const env = groupEnvironment((sluice, stack) => {
      sluice.grantConsume(role(stack, 'A'), { topics: ['orders'], groups: ['billing'] });
      sluice.addConsumer('billing', { topics: ['orders'], handler: handler(stack) });
    });
    expect(env).toEqual({ pollerGroups: ['billing'], groupTopics: { billing: ['orders'] } });
  });

  it("refuses a grant that would overflow the HTTP function's 4 KB environment, recording nothing", () => {
    const stack = new Stack(newApp(), 'Many');
    const sluice = new Sluice(stack, 'Sluice');
    const r = role(stack, 'R');
    const topic = (i: number) => `${'t'.repeat(200)}${i}`;
    let granted = 0;
    expect(() => {
      for (let i = 0; i < 20; i++, granted++)
        sluice.grantConsume(r, { topics: [topic(i)], groups: [`g${i}`] });
    }).toThrow(/grantConsume: too many consumer groups on one Sluice construct/);
    expect(granted).toBeGreaterThan(5);
    const variables =
      Template.fromStack(stack).toJSON().Resources[
        stack.getLogicalId(sluice.apiFunction.function.node.defaultChild as never)
      ].Properties.Environment.Variables;
    expect(Object.keys(JSON.parse(variables.SLUICE_GROUP_TOPICS))).toHaveLength(granted);
  });
});
