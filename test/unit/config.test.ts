import { configFromEnv } from '../../shared/config';

describe('configuration from the environment', () => {
  it('takes the defaults when nothing is set', () => {
    expect(configFromEnv({})).toMatchObject({ clusterId: 'local', maxRequestBytes: 4_669_440 });
  });

  it('takes a valid request limit', () => {
    expect(configFromEnv({ SLUICE_MAX_REQUEST_BYTES: '1048576' }).maxRequestBytes).toBe(1_048_576);
  });

  it.each(['abc', '-1', '0', '1.5', '1e3', ' '])(
    'refuses SLUICE_MAX_REQUEST_BYTES=%j instead of switching the limit off',
    (raw) => {
      expect(() => configFromEnv({ SLUICE_MAX_REQUEST_BYTES: raw })).toThrow(
        `SLUICE_MAX_REQUEST_BYTES must be a positive whole number, got "${raw}".`,
      );
    },
  );

  it('leaves the inline threshold to the log unless set, and takes 0 (everything to S3)', () => {
    expect(configFromEnv({}).inlineSectionMaxBytes).toBeUndefined();
    expect(configFromEnv({ SLUICE_INLINE_SECTION_MAX_BYTES: '0' }).inlineSectionMaxBytes).toBe(0);
    expect(configFromEnv({ SLUICE_INLINE_SECTION_MAX_BYTES: '8192' }).inlineSectionMaxBytes).toBe(8192);
  });

  it.each(['abc', '-1', '1.5', '1e3', ' '])('refuses SLUICE_INLINE_SECTION_MAX_BYTES=%j', (raw) => {
    expect(() => configFromEnv({ SLUICE_INLINE_SECTION_MAX_BYTES: raw })).toThrow(
      `SLUICE_INLINE_SECTION_MAX_BYTES must be a whole number of bytes (0 or more), got "${raw}".`,
    );
  });
});

describe('which consumer groups HTTP members may use (SLUICE_POLLER_GROUPS, SLUICE_GROUP_TOPICS)', () => {
  it('opens every group when neither is set', () => {
    expect(configFromEnv({}).groupAccess).toEqual({ pollerGroups: [], groupTopics: {} });
  });

  it('reads what the construct writes', () => {
    const { groupAccess } = configFromEnv({
      SLUICE_POLLER_GROUPS: '["billing"]',
      SLUICE_GROUP_TOPICS: '{"analytics":["orders","refunds"],"explorer":"*"}',
    });
    expect(groupAccess.pollerGroups).toEqual(['billing']);
    expect({ ...groupAccess.groupTopics }).toEqual({ analytics: ['orders', 'refunds'], explorer: '*' });
    // A group id that is also a name on Object.prototype is only ever its own entry.
    expect(Object.hasOwn(groupAccess.groupTopics, 'constructor')).toBe(false);
  });

  it.each([
    ['SLUICE_POLLER_GROUPS', 'billing', /SLUICE_POLLER_GROUPS must be JSON/],
    [
      'SLUICE_POLLER_GROUPS',
      '{"billing":1}',
      /SLUICE_POLLER_GROUPS must be a JSON list of consumer group ids/,
    ],
    ['SLUICE_POLLER_GROUPS', '["a b"]', /SLUICE_POLLER_GROUPS must be a JSON list/],
    ['SLUICE_GROUP_TOPICS', '["orders"]', /SLUICE_GROUP_TOPICS must be a JSON object/],
    ['SLUICE_GROUP_TOPICS', '{"g":"orders"}', /SLUICE_GROUP_TOPICS must be a JSON object/],
    ['SLUICE_GROUP_TOPICS', '{"g":["no way"]}', /SLUICE_GROUP_TOPICS must be a JSON object/],
    ['SLUICE_GROUP_TOPICS', '{"a/b":["orders"]}', /SLUICE_GROUP_TOPICS must be a JSON object/],
  ])('refuses %s=%s at start', (name, raw, message) => {
    expect(() => configFromEnv({ [name]: raw })).toThrow(message);
  });
});
