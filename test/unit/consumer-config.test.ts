import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerSettingsFromFlags, runConsumerCommand } from '../../cli/commands/run-consumer';
import { consumerConfigFromEnv, consumerConfigSchema } from '../../functions/poller/config';
import { type ConsumerDeclaration, parseAppConfig } from '../../local/app-config';
import type { Cluster } from '../../shared/cluster';
import type { StartingPosition } from '../../shared/groups/types';
import {
  CONSUMER_DEFAULTS,
  CONSUMER_SETTINGS,
  type ConsumerConfigDocument,
  type ConsumerSetting,
  type ConsumerSettingName,
  type ConsumerSurface,
  type STARTING_POSITIONS,
  type SurfaceNames,
  settingsOn,
} from '../../shared/poller/consumer-config';
import { runtimeSettingsFrom } from '../../shared/poller/consumer-config-zod';
import { type PollerOptions, resolvePollerOptions } from '../../shared/poller/options';
import { allSettings, type Same, sampleValue, tsdocDefault } from '../support/consumer-settings';

// Compile-time: the hand-written types of the surfaces name exactly the schema's settings
// (`npx tsc` fails when a setting is added to the schema and not to a surface's type).
const envTypeMatches: Same<SurfaceNames<'env'>, keyof ConsumerConfigDocument> = true;
const fileTypeMatches: Same<SurfaceNames<'file'>, keyof ConsumerDeclaration> = true;
const runtimeNamesExist: Same<Exclude<ConsumerSettingName, keyof PollerOptions>, never> = true;
// The lease protocol (shared/groups, which may not import the poller) types the same positions.
const positionsMatch: Same<(typeof STARTING_POSITIONS)[number], StartingPosition> = true;

const cluster = { config: { clusterId: 'c' } } as Cluster;
const handler = async () => {};

/** Every setting the surface offers, set to its sample, by the surface's names. */
function samples(surface: ConsumerSurface): Record<string, unknown> {
  return Object.fromEntries(
    settingsOn(surface).map(([, surfaceName, setting]) => [surfaceName, sampleValue(setting, surface)]),
  );
}

/** The runtime settings expected from a surface whose every setting was set to its sample. */
function expectedRuntime(surface: ConsumerSurface): Record<string, unknown> {
  return Object.fromEntries(
    settingsOn(surface)
      .filter(([, , setting]) => setting.kind !== 'handler')
      .map(([name, , setting]) => [name, sampleValue(setting, surface)]),
  );
}

describe('the consumer-configuration schema', () => {
  it('types every surface after the schema', () => {
    expect([envTypeMatches, fileTypeMatches, runtimeNamesExist, positionsMatch]).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('gives every setting a summary, names on every surface, and a default in range', () => {
    for (const [name, setting] of allSettings()) {
      expect(setting.summary.length).toBeGreaterThan(10);
      expect(setting.names.runtime).toBe(name);
      expect(Object.keys(setting.names).sort()).toEqual(['env', 'file', 'flag', 'props', 'runtime']);
      if (setting.kind === 'integer') {
        expect(setting.default).toBeGreaterThanOrEqual(setting.min);
        expect(setting.default).toBeLessThanOrEqual(setting.max);
      }
      if (setting.kind === 'enum') {
        expect(setting.values).toContain(setting.default);
        for (const v of [...(setting.fileValues ?? []), setting.flagDefault ?? setting.default])
          expect(setting.values).toContain(v);
      }
    }
  });

  describe('the runtime (resolvePollerOptions)', () => {
    it('reads every setting', () => {
      const given = Object.fromEntries(allSettings().map(([name, s]) => [name, sampleValue(s, 'runtime')]));
      const resolved = resolvePollerOptions({ ...given, cluster, handler } as unknown as PollerOptions);
      for (const [name, setting] of allSettings()) {
        if (setting.kind === 'handler') continue;
        // The start policy gathers the starting position's settings.
        const value =
          name in resolved
            ? resolved[name as keyof typeof resolved]
            : resolved.policy[name as 'startingPositionTimestamp'];
        expect([name, value]).toEqual([name, given[name]]);
      }
    });

    it("applies the schema's defaults", () => {
      const resolved = resolvePollerOptions({ cluster, group: 'g', topics: ['t'], handler });
      expect(pick(resolved, Object.keys(CONSUMER_DEFAULTS))).toEqual(CONSUMER_DEFAULTS);
    });

    it("documents the schema's default on every PollerOptions property", () => {
      const source = readFileSync(join(__dirname, '..', '..', 'shared', 'poller', 'options.ts'), 'utf8');
      for (const [name, setting] of allSettings()) {
        if (setting.default === undefined) continue;
        expect([name, tsdocDefault(source, name)]).toEqual([
          name,
          JSON.stringify(setting.default).replaceAll('"', "'"),
        ]);
      }
    });
  });

  describe('the poller environment (SLUICE_CONSUMER_CONFIG)', () => {
    it('reads a key for every env setting, and no other', () => {
      expect(Object.keys(consumerConfigSchema.shape).sort()).toEqual(
        settingsOn('env')
          .map(([, key]) => key)
          .sort(),
      );
      const document = samples('env');
      const config = consumerConfigFromEnv({ SLUICE_CONSUMER_CONFIG: JSON.stringify(document) });
      expect(config).toEqual(document);
      expect(runtimeSettingsFrom('env', config)).toEqual(expectedRuntime('env'));
    });

    it("applies the schema's defaults to a minimal document", () => {
      const config = consumerConfigFromEnv({
        SLUICE_CONSUMER_CONFIG: JSON.stringify({ group: 'g', topics: ['t'], functionName: 'f' }),
      });
      for (const [name, key, setting] of settingsOn('env')) {
        if (setting.default !== undefined)
          expect([name, config[key as keyof typeof config]]).toEqual([name, setting.default]);
      }
    });
  });

  describe('sluice.config.json consumers', () => {
    it('accepts every file setting and passes each to the runtime', () => {
      const entry = samples('file');
      const [parsed] = parseAppConfig({ consumers: [entry] }, 'sluice.config.json').consumers ?? [];
      expect(parsed).toEqual(entry);
      expect(runtimeSettingsFrom('file', parsed)).toEqual(expectedRuntime('file'));
    });

    it('leaves an unset setting to the runtime, which applies the default', () => {
      const [parsed] =
        parseAppConfig({ consumers: [{ group: 'g', topics: ['t'], handler: 'h.js' }] }, 'f').consumers ?? [];
      expect(runtimeSettingsFrom('file', parsed)).toEqual({ group: 'g', topics: ['t'] });
    });

    it('refuses a setting the schema does not offer in the file', () => {
      const runtimeOnly = allSettings().find(([, s]) => s.names.file === null)?.[0] as string;
      expect(() =>
        parseAppConfig({ consumers: [{ group: 'g', topics: ['t'], handler: 'h', [runtimeOnly]: 1 }] }, 'f'),
      ).toThrow(`has the key "${runtimeOnly}"`);
    });
  });

  describe('sluice run-consumer flags', () => {
    const argvOf = (values: Record<string, unknown>) =>
      Object.fromEntries(
        settingsOn('flag').map(([, flag, setting]) => {
          const value = values[flag];
          if (setting.kind === 'boolean' || setting.kind === 'enum') return [flag, true];
          return [flag, Array.isArray(value) ? value.join(',') : String(value)];
        }),
      );

    it('reads every flag setting and passes each to the runtime', () => {
      const { handler: file, settings } = consumerSettingsFromFlags(argvOf(samples('flag')));
      expect(file).toBe('sample-handler.js');
      const expected = expectedRuntime('flag');
      // --from-beginning switches to the schema's default from the command line's own.
      expected.startingPosition = CONSUMER_SETTINGS.startingPosition.default;
      expect(settings).toEqual(expected);
    });

    it("leaves an unset flag to the runtime's default, but for the command line's own defaults", () => {
      const { settings } = consumerSettingsFromFlags({ group: 'g', topics: 't', handler: 'h.js' });
      const ownDefaults = Object.fromEntries(
        settingsOn('flag').flatMap(([name, , s]) =>
          s.kind === 'enum' && s.flagDefault !== undefined ? [[name, s.flagDefault]] : [],
        ),
      );
      expect(settings).toEqual({ group: 'g', topics: ['t'], ...ownDefaults });
    });

    it('documents every flag in --help with the default the schema gives', () => {
      for (const [name, flag, setting] of settingsOn('flag')) {
        expect([name, runConsumerCommand.help]).toEqual([name, expect.stringContaining(`--${flag}`)]);
        if (setting.kind === 'integer') {
          const line = runConsumerCommand.help.split('\n').find((l) => l.includes(`--${flag} `));
          expect(line).toContain(`(default ${setting.default})`);
        }
      }
    });
  });

  describe('docs/consumer-groups.md', () => {
    it('lists every setting with its default and range, as the schema has them', () => {
      const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'consumer-groups.md'), 'utf8');
      const start = doc.indexOf('\n## Consumer settings\n');
      expect(start).toBeGreaterThan(0);
      const end = doc.indexOf('\n## ', start + 1);
      const rows = doc
        .slice(start, end === -1 ? undefined : end)
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()));
      expect(rows.map((cells) => cells[1])).toEqual(allSettings().map(([name]) => `\`${name}\``));
      for (const [name, setting] of allSettings()) {
        const cells = rows.find((cells) => cells[1] === `\`${name}\``) as string[];
        expect([name, cells[2]]).toEqual([name, describeType(setting)]);
        expect([name, cells[3]]).toEqual([name, describeDefault(setting)]);
        expect([name, cells.slice(4, 8)]).toEqual([
          name,
          (['props', 'env', 'file', 'flag'] as const).map((s) => surfaceCell(setting.names[s], s)),
        ]);
      }
    });
  });
});

function pick(object: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (object as Record<string, unknown>)[k]]));
}

function describeType(setting: ConsumerSetting): string {
  switch (setting.kind) {
    case 'integer':
      return `integer ${setting.min}..${setting.max}`;
    case 'enum':
      return setting.values.join(' \\| ');
    default:
      return setting.kind;
  }
}

function describeDefault(setting: ConsumerSetting): string {
  if (!('default' in setting)) return 'required' in setting ? 'required' : 'none';
  const base = `\`${setting.default}\``;
  return 'flagDefault' in setting ? `${base} (CLI: \`${setting.flagDefault}\`)` : base;
}

function surfaceCell(name: string | null, surface: ConsumerSurface): string {
  if (name === null) return '—';
  return surface === 'flag' ? `\`--${name}\`` : `\`${name}\``;
}
