/**
 * Sample values for the consumer-configuration schema's settings, chosen from each setting's
 * kind and range so that every one differs from the default: a surface that drops a setting
 * shows up as a default where the sample was expected.
 */
import {
  CONSUMER_SETTINGS,
  type ConsumerSetting,
  type ConsumerSettingName,
  type ConsumerSurface,
} from '../../shared/poller/consumer-config';

/** A value of the setting that is not its default, as the runtime takes it. */
export function sampleValue(setting: ConsumerSetting, surface: ConsumerSurface | 'runtime'): unknown {
  switch (setting.kind) {
    case 'group':
      return 'sample-group';
    case 'topics':
      return ['sample-a', 'sample-b'];
    case 'topic':
      return 'sample-dlq';
    case 'timestamp':
      return 1_700_000_000_000;
    case 'handler':
      return surface === 'env' ? 'sample-function' : 'sample-handler.js';
    case 'integer':
      return setting.default !== setting.min ? setting.min : setting.max;
    case 'boolean':
      return !setting.default;
    case 'enum': {
      // The last value the surface accepts that is not the default: AT_TIMESTAMP where the
      // surface offers a timestamp too, so that one can be set as well.
      const values = (surface === 'file' && setting.fileValues) || setting.values;
      return [...values].reverse().find((v) => v !== setting.default);
    }
  }
}

/** Every setting of the schema with its name, as `[name, setting]`. */
export function allSettings(): [ConsumerSettingName, ConsumerSetting][] {
  return Object.entries(CONSUMER_SETTINGS) as [ConsumerSettingName, ConsumerSetting][];
}

/** `true` when the two types are the same; used in compile-time checks. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * The `@default` text of a property's TSDoc in a TypeScript source (`readonly name?: …`), or
 * undefined when the property has none.
 */
export function tsdocDefault(source: string, property: string): string | undefined {
  const at = source.search(new RegExp(`\\n\\s*readonly ${property}\\??:`));
  if (at < 0) throw new Error(`no property ${property}`);
  const before = source.slice(0, at);
  const open = before.lastIndexOf('/**');
  const comment = before.slice(open);
  if (open < 0 || !/\*\/\s*$/.test(comment)) return undefined;
  return /@default ([^\n*]+?)\s*(\*\/)?\s*$/m.exec(comment)?.[1];
}
