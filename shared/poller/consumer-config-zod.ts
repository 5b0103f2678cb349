/**
 * The zod shapes of the consumer settings on the surfaces that read JSON: the poller's
 * `SLUICE_CONSUMER_CONFIG` document (every default filled in by the construct, and filled in
 * here again for a hand-written one) and a `consumers` entry of `sluice.config.json` (every
 * setting optional: the poller runtime applies the defaults). Both are derived from
 * {@link CONSUMER_SETTINGS}, so a setting added there reaches both.
 */
import * as z from '../validation';
import { type ConsumerSetting, type ConsumerSettingName, settingsOn } from './consumer-config';
import type { PollerOptions } from './options';

/** The poller options a surface can set: the schema's settings, without the handler. */
export type ConsumerRuntimeSettings = Partial<
  Pick<PollerOptions, Exclude<ConsumerSettingName, 'handler'> & keyof PollerOptions>
>;

/** A zod schema of any value. */
type Schema = z.ZodMiniType;

/**
 * The object shape of the settings on `surface`, keyed by the surface's names.
 *
 * @example
 * const envSchema = z.object(consumerShapeFor('env'));
 */
export function consumerShapeFor(surface: 'env' | 'file'): Record<string, Schema> {
  const shape: Record<string, Schema> = {};
  for (const [, surfaceName, setting] of settingsOn(surface)) {
    shape[surfaceName] = surface === 'env' ? envSchemaOf(setting) : fileSchemaOf(setting);
  }
  return shape;
}

const name = () => z.string().check(z.minLength(1));

/** The value as the construct writes it: defaults present, absent values `null`. */
function envSchemaOf(setting: ConsumerSetting): Schema {
  switch (setting.kind) {
    case 'group':
    case 'handler':
      return name();
    case 'topics':
      return z.array(name()).check(z.minLength(1));
    case 'integer':
      return z._default(z.int().check(z.gte(setting.min), z.lte(setting.max)), setting.default);
    case 'enum':
      return z._default(z.enum(setting.values as [string, ...string[]]), setting.default);
    case 'boolean':
      return z._default(z.boolean(), setting.default);
    case 'timestamp':
      return z.optional(z.nullable(z.number()));
    case 'topic':
      return z.optional(z.nullable(name()));
  }
}

/** The value as a person writes it in the file: optional unless required, no nulls. */
function fileSchemaOf(setting: ConsumerSetting): Schema {
  const optional = (schema: Schema) => (setting.required ? schema : z.optional(schema));
  switch (setting.kind) {
    case 'group':
    case 'handler':
    case 'topic':
      return optional(z.string());
    case 'topics':
      return optional(z.array(z.string()).check(z.minLength(1)));
    case 'integer':
      return optional(z.int().check(z.gte(setting.min), z.lte(setting.max)));
    case 'enum':
      return optional(z.enum((setting.fileValues ?? setting.values) as [string, ...string[]]));
    case 'boolean':
      return optional(z.boolean());
    case 'timestamp':
      return optional(z.number());
  }
}

/**
 * The poller runtime's options from a surface's values: each setting the surface offers,
 * renamed to its runtime name; an absent (or `null`) value stays absent so the runtime applies
 * the schema's default. The handler is not mapped: each surface turns it into a function its
 * own way.
 *
 * @example
 * const options = runtimeSettingsFrom('file', entry); // { group, topics, batchSize?, onFailureTopic?, … }
 */
export function runtimeSettingsFrom(surface: 'env' | 'file', values: object): ConsumerRuntimeSettings {
  const out: Record<string, unknown> = {};
  for (const [settingName, surfaceName, setting] of settingsOn(surface)) {
    if (setting.kind === 'handler') continue;
    const value = (values as Record<string, unknown>)[surfaceName];
    if (value !== undefined && value !== null) out[settingName] = value;
  }
  // The values passed the surface's schema, derived from the same settings.
  return out as ConsumerRuntimeSettings;
}
