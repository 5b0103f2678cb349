import { InvalidRequestError } from '../errors';

/**
 * Per-topic settings Sluice knows, with Kafka's names and defaults. Some are honoured
 * (`retention.ms`, `max.message.bytes`); the others are accepted only with values whose
 * meaning Sluice keeps anyway (see {@link TOPIC_CONFIG_SPECS} and docs/http-api.md#topic-configs).
 */
export interface TopicConfigs {
  /** How long records are kept, in ms; -1 keeps them forever. @default 604800000 (7 days) */
  readonly 'retention.ms': number;
  /** Largest record accepted, in bytes. @default 1048588 */
  readonly 'max.message.bytes': number;
  /** Only `delete` is supported (no log compaction). @default 'delete' */
  readonly 'cleanup.policy': 'delete';
  /** Only `-1`: retention is by time, never by size. @default -1 */
  readonly 'retention.bytes': number;
  /** Accepted from 1 to 3: every acknowledged write is already stored in three availability zones. @default 1 */
  readonly 'min.insync.replicas': number;
  /** Accepted, no effect: a segment is one object per produce request. @default 1073741824 */
  readonly 'segment.bytes': number;
  /** Accepted, no effect: a segment is one object per produce request. @default 604800000 */
  readonly 'segment.ms': number;
  /** Only `producer`: records are kept as the producer sent them. @default 'producer' */
  readonly 'compression.type': 'producer';
  /** Only `CreateTime`: a record keeps the producer's timestamp. @default 'CreateTime' */
  readonly 'message.timestamp.type': 'CreateTime';
}

/** The name of a topic config Sluice knows. */
export type TopicConfigName = keyof TopicConfigs;

/** What a config does in Sluice: honoured as Kafka does, or accepted with no effect (documented). */
export type ConfigEffect = 'honoured' | 'no-op';

/** One known topic config: its default, how a value is read, and Kafka's broker-level synonym. */
export interface TopicConfigSpec {
  readonly effect: ConfigEffect;
  /** Kafka's broker setting that supplies the default, and its default value, as strings. */
  readonly brokerDefault: { readonly name: string; readonly value: string };
  /** Reads a value given as a string; throws {@link InvalidRequestError} with what is allowed. */
  readonly parse: (value: string) => TopicConfigs[TopicConfigName];
}

export const DEFAULT_TOPIC_CONFIGS: TopicConfigs = {
  'retention.ms': 604_800_000,
  'max.message.bytes': 1_048_588,
  'cleanup.policy': 'delete',
  'retention.bytes': -1,
  'min.insync.replicas': 1,
  'segment.bytes': 1_073_741_824,
  'segment.ms': 604_800_000,
  'compression.type': 'producer',
  'message.timestamp.type': 'CreateTime',
};

/**
 * Every topic config Sluice knows. Kafka's minimums are kept (`segment.bytes` ≥ 14,
 * `segment.ms` ≥ 1), so a value Kafka refuses is refused here too.
 */
export const TOPIC_CONFIG_SPECS: { readonly [N in TopicConfigName]: TopicConfigSpec } = {
  'retention.ms': {
    effect: 'honoured',
    brokerDefault: { name: 'log.retention.hours', value: '168' },
    parse: (value) => parseInteger('retention.ms', value, -1),
  },
  'max.message.bytes': {
    effect: 'honoured',
    brokerDefault: { name: 'message.max.bytes', value: '1048588' },
    parse: (value) => parseInteger('max.message.bytes', value, 0),
  },
  'cleanup.policy': {
    effect: 'honoured',
    brokerDefault: { name: 'log.cleanup.policy', value: 'delete' },
    parse: (value) =>
      only(
        value,
        'delete',
        `cleanup.policy "${value}" is not supported: Sluice keeps logs with cleanup.policy=delete only (no log compaction).`,
      ),
  },
  'retention.bytes': {
    effect: 'honoured',
    brokerDefault: { name: 'log.retention.bytes', value: '-1' },
    parse: (value) => {
      const n = parseInteger('retention.bytes', value, -1);
      if (n !== -1) {
        throw new InvalidRequestError(
          `retention.bytes=${value} is not supported: Sluice retains records by time (retention.ms), never by size; only -1 is accepted.`,
        );
      }
      return n;
    },
  },
  'min.insync.replicas': {
    effect: 'no-op',
    brokerDefault: { name: 'min.insync.replicas', value: '1' },
    parse: (value) => {
      const n = parseInteger('min.insync.replicas', value, 1);
      if (n > 3) {
        throw new InvalidRequestError(
          `min.insync.replicas=${value} is more than the topic's replication factor (3): every acknowledged write is stored in three availability zones, so 1 to 3 are accepted.`,
        );
      }
      return n;
    },
  },
  'segment.bytes': {
    effect: 'no-op',
    brokerDefault: { name: 'log.segment.bytes', value: '1073741824' },
    parse: (value) => parseInteger('segment.bytes', value, 14),
  },
  'segment.ms': {
    effect: 'no-op',
    brokerDefault: { name: 'log.roll.hours', value: '168' },
    parse: (value) => parseInteger('segment.ms', value, 1),
  },
  'compression.type': {
    effect: 'honoured',
    brokerDefault: { name: 'compression.type', value: 'producer' },
    parse: (value) =>
      only(
        value,
        'producer',
        `compression.type "${value}" is not supported: Sluice keeps records as the producer sent them; only "producer" is accepted.`,
      ),
  },
  'message.timestamp.type': {
    effect: 'honoured',
    brokerDefault: { name: 'log.message.timestamp.type', value: 'CreateTime' },
    parse: (value) =>
      only(
        value,
        'CreateTime',
        `message.timestamp.type "${value}" is not supported: a record keeps the producer's timestamp; only "CreateTime" is accepted.`,
      ),
  },
};

/** The configs Sluice applies to a topic's next request without a restart (through the topic cache). */
export const LIVE_CONFIGS: readonly TopicConfigName[] = ['retention.ms', 'max.message.bytes'];

const KNOWN = Object.keys(TOPIC_CONFIG_SPECS) as TopicConfigName[];

/** Whether Sluice knows a config by this name. */
export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(TOPIC_CONFIG_SPECS, name);
}

/** A topic's configs and which of them were set explicitly (the rest are Kafka's defaults). */
export interface TopicConfigState {
  readonly configs: TopicConfigs;
  /** The names set explicitly, in {@link TOPIC_CONFIG_SPECS} order. */
  readonly overrides: readonly TopicConfigName[];
}

/** One requested change: set `name` to `value`, or reset it to its default (`value: null`). */
export interface ConfigChange {
  readonly name: string;
  readonly value: string | null;
}

/** A topic with nothing set: Kafka's defaults everywhere. */
export const DEFAULT_CONFIG_STATE: TopicConfigState = { configs: DEFAULT_TOPIC_CONFIGS, overrides: [] };

/**
 * Applies changes to a topic's configs, all or nothing: every change is validated first, and
 * an unknown name or a value Sluice cannot honour throws {@link InvalidRequestError} naming
 * what is accepted.
 *
 * @example
 * applyConfigChanges(DEFAULT_CONFIG_STATE, [{ name: 'retention.ms', value: '86400000' }]).overrides; // ['retention.ms']
 */
export function applyConfigChanges(
  current: TopicConfigState,
  changes: readonly ConfigChange[],
): TopicConfigState {
  const configs: Record<string, unknown> = { ...current.configs };
  const overrides = new Set<TopicConfigName>(current.overrides);
  for (const { name, value } of changes) {
    if (!isTopicConfigName(name)) throw unknownConfig(name);
    if (value === null) {
      configs[name] = DEFAULT_TOPIC_CONFIGS[name];
      overrides.delete(name);
    } else {
      configs[name] = TOPIC_CONFIG_SPECS[name].parse(value);
      overrides.add(name);
    }
  }
  return {
    configs: configs as unknown as TopicConfigs,
    overrides: KNOWN.filter((name) => overrides.has(name)),
  };
}

/**
 * Turns `[{name, value}]` (Confluent's shape, values as strings) into validated configs,
 * filling Kafka's defaults for anything not given (a `null` value means the default).
 *
 * @example
 * parseTopicConfigs([{ name: 'retention.ms', value: '86400000' }])['retention.ms']; // 86400000
 */
export function parseTopicConfigs(entries: readonly ConfigChange[]): TopicConfigs {
  return applyConfigChanges(DEFAULT_CONFIG_STATE, entries).configs;
}

/**
 * The configs and overrides of a stored topic, from what older versions stored too: the
 * effective values only (every known config, defaults filled in). Without a list of
 * overrides, a value that differs from Kafka's default counts as set.
 */
export function storedConfigState(
  stored: Partial<Record<string, unknown>>,
  overrides: readonly string[] | undefined,
): TopicConfigState {
  const configs = { ...DEFAULT_TOPIC_CONFIGS, ...stored } as TopicConfigs;
  const names = overrides
    ? KNOWN.filter((name) => overrides.includes(name))
    : KNOWN.filter((name) => configs[name] !== DEFAULT_TOPIC_CONFIGS[name]);
  return { configs, overrides: names };
}

/** Confluent's `[{name, value}]` list for a topic's configs. */
export function configEntries(configs: TopicConfigs): { name: string; value: string }[] {
  return Object.entries(configs).map(([name, value]) => ({ name, value: String(value) }));
}

function unknownConfig(name: string): InvalidRequestError {
  return new InvalidRequestError(
    `Unknown topic config "${name}": Sluice knows ${KNOWN.join(', ')} (docs/http-api.md#topic-configs says what each does).`,
  );
}

function only<const T extends string>(value: string, allowed: T, message: string): T {
  if (value !== allowed) throw new InvalidRequestError(message);
  return allowed;
}

function parseInteger(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidRequestError(`Topic config ${name} must be an integer ≥ ${min}, got "${value}".`);
  }
  return n;
}
