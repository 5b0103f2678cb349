import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  resolveConsumerOptions,
  type SluiceConsumerAccessOptions,
  type SluiceConsumerGroupProps,
  type SluiceConsumerOptions,
} from '../../infra';
import { type SurfaceNames, settingsOn } from '../../shared/poller/consumer-config';
import { type Same, sampleValue, tsdocDefault } from '../support/consumer-settings';

// Compile-time: the construct's props name exactly the schema's `props` settings, besides the
// cluster and who else may use the group (read by the HTTP function, not by the poller).
const propsTypeMatches: Same<
  SurfaceNames<'props'>,
  Exclude<keyof SluiceConsumerGroupProps, 'sluice' | keyof SluiceConsumerAccessOptions>
> = true;

const handler = { functionName: 'sample-function' } as lambda.IFunction;

describe('the construct and the consumer-configuration schema', () => {
  it('types addConsumer options after the schema', () => {
    expect(propsTypeMatches).toBe(true);
  });

  it("writes every props setting into the poller's environment document", () => {
    const props: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const [, name, setting] of settingsOn('props')) {
      const sample = sampleValue(setting, 'props');
      // The construct takes a Duration for milliseconds, a Date for a time, a function for the handler.
      props[name] =
        setting.kind === 'handler'
          ? handler
          : setting.kind === 'integer' && setting.unit === 'ms'
            ? Duration.millis(sample as number)
            : setting.kind === 'timestamp'
              ? new Date(sample as number)
              : sample;
      const envName = setting.names.env;
      if (envName !== null) expected[envName] = setting.kind === 'handler' ? 'sample-function' : sample;
    }
    const { group, ...options } = props as unknown as SluiceConsumerOptions & { group: string };
    expect(resolveConsumerOptions(group, options)).toEqual(expected);
  });

  it("applies the schema's defaults", () => {
    const document = resolveConsumerOptions('g', { topics: ['t'], handler });
    for (const [name, key, setting] of settingsOn('env')) {
      const expected = setting.default ?? (setting.required ? document[key as keyof typeof document] : null);
      expect([name, document[key as keyof typeof document]]).toEqual([name, expected]);
    }
  });

  it("documents the schema's default on every option", () => {
    const source = readFileSync(join(__dirname, '..', '..', 'infra', 'consumer-options.ts'), 'utf8');
    for (const [name, prop, setting] of settingsOn('props')) {
      if (setting.default === undefined) continue;
      const expected =
        setting.kind === 'integer' && setting.unit === 'ms'
          ? `Duration.millis(${setting.default})`
          : JSON.stringify(setting.default).replaceAll('"', "'");
      expect([name, tsdocDefault(source, prop)]).toEqual([name, expected]);
    }
  });
});
