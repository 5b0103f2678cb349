import { withAppPollerGroups } from '../../local/app';
import { configFromEnv } from '../../shared/config';
import { ForbiddenError } from '../../shared/errors';
import {
  checkHttpMembership,
  type GroupAccessPolicy,
  grantedTopics,
  OPEN_GROUP_ACCESS,
} from '../../shared/groups/http-access';

const policy: GroupAccessPolicy = {
  pollerGroups: ['billing'],
  groupTopics: { analytics: ['orders'], explorer: '*', billing: ['orders'] },
};

/** The code a check throws, or `undefined` when it allows the request. */
function refusal(request: Parameters<typeof checkHttpMembership>[1], p = policy): number | undefined {
  try {
    checkHttpMembership(p, request);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ForbiddenError);
    return (error as ForbiddenError).errorCode;
  }
}

describe('grantedTopics', () => {
  it('keeps only the granted topics of a granted group, in their order', () => {
    expect(grantedTopics(policy, 'analytics', ['payroll', 'orders', 'audit'])).toEqual(['orders']);
    expect(grantedTopics(policy, 'analytics', ['payroll'])).toEqual([]);
  });

  it('keeps every topic of a group granted every topic, or named by no grant', () => {
    expect(grantedTopics(policy, 'explorer', ['payroll', 'orders'])).toEqual(['payroll', 'orders']);
    expect(grantedTopics(policy, 'ungoverned', ['payroll'])).toEqual(['payroll']);
  });
});

describe('checkHttpMembership', () => {
  it('refuses every HTTP join, heartbeat and commit of a poller group, whatever the topics', () => {
    for (const action of ['join', 'heartbeat', 'commit'] as const) {
      expect(refusal({ group: 'billing', action, topics: ['orders'] })).toBe(40302);
    }
  });

  it('lets a granted group name only its granted topics', () => {
    expect(refusal({ group: 'analytics', action: 'join', topics: ['orders'] })).toBeUndefined();
    expect(refusal({ group: 'analytics', action: 'join', topics: ['orders', 'payroll'] })).toBe(40303);
    expect(refusal({ group: 'analytics', action: 'commit', topics: ['payroll'] })).toBe(40303);
    expect(refusal({ group: 'analytics', action: 'heartbeat' })).toBeUndefined();
  });

  it('lets a group granted every topic, or named by no grant, take any topic', () => {
    expect(refusal({ group: 'explorer', action: 'join', topics: ['payroll'] })).toBeUndefined();
    expect(refusal({ group: 'adhoc', action: 'join', topics: ['payroll'] })).toBeUndefined();
    expect(
      refusal({ group: 'billing', action: 'join', topics: ['orders'] }, OPEN_GROUP_ACCESS),
    ).toBeUndefined();
  });

  it('does not take a name of Object.prototype for a granted group', () => {
    expect(
      refusal({ group: 'constructor', action: 'join', topics: ['orders'] }, configFromEnv({}).groupAccess),
    ).toBeUndefined();
  });
});

describe('the local backbone', () => {
  it("makes sluice.config.json's consumer groups poller groups, besides SLUICE_POLLER_GROUPS", () => {
    const config = configFromEnv({ SLUICE_POLLER_GROUPS: '["audit","billing"]' });
    const app = {
      directory: '.',
      consumers: [
        { group: 'billing', topics: ['orders'], handler: 'billing.js' },
        { group: 'shipping', topics: ['orders'], handler: 'shipping.js' },
      ],
    };
    expect(withAppPollerGroups(config, app).groupAccess.pollerGroups).toEqual([
      'audit',
      'billing',
      'shipping',
    ]);
    expect(withAppPollerGroups(config, { directory: '.' }).groupAccess).toEqual(config.groupAccess);
  });
});
