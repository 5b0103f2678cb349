import { configFromEnv } from '../../shared/config';

describe('configuration from the environment', () => {
  it('takes the defaults when nothing is set', () => {
    expect(configFromEnv({})).toMatchObject({ clusterId: 'local', maxRequestBytes: 6 * 1024 * 1024 });
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
