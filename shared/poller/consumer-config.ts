/**
 * The one consumer-configuration schema: every setting of a consumer group, its type, range,
 * default and documentation, and the name it has on each surface that exposes it:
 *
 * - `props`: the option of the CDK construct's `addConsumer` (`infra/consumer-options.ts`);
 * - `env`: the key of the JSON document in the poller's `SLUICE_CONSUMER_CONFIG`
 *   (written by the construct, read by `functions/poller/config.ts`);
 * - `file`: the key of a `consumers` entry of `sluice.config.json` (`local/app-config.ts`);
 * - `flag`: the option of `sluice run-consumer` (`cli/commands/run-consumer.ts`);
 * - `runtime`: the option of the poller runtime (`PollerOptions`, `options.ts`).
 *
 * `null` means the surface deliberately does not offer the setting. Every surface derives its
 * checks and defaults from here, and `test/unit/consumer-config.test.ts` fails when a surface
 * misses a field or applies another default. The file is data and pure functions and imports
 * only the group-id rule: the infrastructure, which may import only constants from the core,
 * reads it.
 */
import { GROUP_NAME_RULE, isLegalGroupName } from '../groups/group-name';

/** The surfaces a consumer setting can appear on (besides the runtime, which has them all). */
export type ConsumerSurface = 'props' | 'env' | 'file' | 'flag';

/** The name of a setting on each surface; `null`: the surface does not offer it. */
export interface ConsumerSettingNames {
  readonly props: string | null;
  readonly env: string | null;
  readonly file: string | null;
  readonly flag: string | null;
  readonly runtime: string;
}

interface SettingBase {
  /** One sentence for help texts and the documentation. */
  readonly summary: string;
  readonly names: ConsumerSettingNames;
  /** Required on every surface that offers it (no default). */
  readonly required?: boolean;
}

/** A whole number within `[min, max]`. */
export interface IntegerSetting extends SettingBase {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** `ms`: the construct takes a `Duration` for it instead of a number. */
  readonly unit?: 'ms';
}

/** One of a fixed list of words. */
export interface EnumSetting extends SettingBase {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly default: string;
  /** Values the config file accepts, when fewer than `values`. */
  readonly fileValues?: readonly string[];
  /**
   * The CLI's default and the boolean flag that selects `default` instead, when the CLI
   * follows the Kafka console tools rather than Lambda (`--from-beginning`).
   */
  readonly flagDefault?: string;
}

/** On or off. */
export interface BooleanSetting extends SettingBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/**
 * A value with no default: a group id, topic names, a topic name, a point in time (ms since
 * the epoch; the construct takes a `Date`), or the handler (a function on the construct, its
 * name in the environment, `FILE[:export]` in the file and on the command line).
 */
export interface ValueSetting extends SettingBase {
  readonly kind: 'group' | 'topics' | 'topic' | 'timestamp' | 'handler';
  readonly default?: undefined;
}

/** One setting of the schema. */
export type ConsumerSetting = IntegerSetting | EnumSetting | BooleanSetting | ValueSetting;

const everywhere = <N extends string, F extends string>(name: N, flag: F) =>
  ({ props: name, env: name, file: name, flag, runtime: name }) as const;
const runtimeOnly = <N extends string>(name: N) =>
  ({ props: null, env: null, file: null, flag: null, runtime: name }) as const;

/**
 * The schema. Limits follow Lambda's event source mapping for Kafka, so a handler moved from
 * an MSK or self-managed Kafka trigger keeps its settings.
 */
export const CONSUMER_SETTINGS = {
  /** The consumer group id. */
  group: {
    kind: 'group',
    required: true,
    summary: `The consumer group id: ${GROUP_NAME_RULE}, unique on the cluster.`,
    // On the construct it is `addConsumer`'s first argument (`SluiceConsumerGroupProps.group`).
    names: everywhere('group', 'group'),
  },
  /** The topics the group consumes. */
  topics: {
    kind: 'topics',
    required: true,
    summary: 'The topics the group consumes: at least one, Kafka topic-name rules apply.',
    names: everywhere('topics', 'topics'),
  },
  /** The function that handles the events. */
  handler: {
    kind: 'handler',
    required: true,
    summary:
      "The function that receives Lambda's self-managed Kafka events: a Lambda function on the construct, its name in the poller's environment, FILE[:export] in the file and on the command line.",
    names: { props: 'handler', env: 'functionName', file: 'handler', flag: 'handler', runtime: 'handler' },
  },
  /** Most records in one event. */
  batchSize: {
    kind: 'integer',
    min: 1,
    max: 10_000,
    default: 100,
    summary: 'Most records in one event.',
    names: everywhere('batchSize', 'batch-size'),
  },
  /** How long to gather records before invoking with a partial batch. */
  maxBatchingWindowMs: {
    kind: 'integer',
    unit: 'ms',
    min: 0,
    max: 300_000,
    default: 500,
    summary: 'How long to gather records before invoking the handler with a partial batch, in ms.',
    names: {
      props: 'maxBatchingWindow',
      env: 'maxBatchingWindowMs',
      file: 'maxBatchingWindowMs',
      flag: 'max-batching-window-ms',
      runtime: 'maxBatchingWindowMs',
    },
  },
  /** Where a partition with no committed offset starts. */
  startingPosition: {
    kind: 'enum',
    values: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
    fileValues: ['TRIM_HORIZON', 'LATEST'],
    default: 'TRIM_HORIZON',
    // `sluice run-consumer` reads only new records unless `--from-beginning`, as
    // kafka-console-consumer does; a deployed group starts at the oldest record because the
    // first poll often runs *because* a producer woke it, and LATEST would skip that record.
    flagDefault: 'LATEST',
    summary: 'Where a partition with no committed offset for the group starts.',
    names: everywhere('startingPosition', 'from-beginning'),
  },
  /** The first record time to deliver, with `AT_TIMESTAMP`. */
  startingPositionTimestamp: {
    kind: 'timestamp',
    summary: 'With startingPosition AT_TIMESTAMP (and only then): the first record time to deliver.',
    names: {
      props: 'startingPositionTimestamp',
      env: 'startingPositionTimestamp',
      file: null,
      flag: null,
      runtime: 'startingPositionTimestamp',
    },
  },
  /** Retries of a failed batch before it is dead-lettered or skipped. */
  retryAttempts: {
    kind: 'integer',
    min: -1,
    max: 10_000,
    default: -1,
    summary:
      "Retries of a failed batch before it is dead-lettered (or skipped); -1 retries until the handler succeeds, as Lambda's Kafka trigger does.",
    names: everywhere('retryAttempts', 'retry-attempts'),
  },
  /** Split a failing batch in two to isolate a poison record. */
  bisectOnError: {
    kind: 'boolean',
    default: false,
    summary: 'Split a batch whose handler threw in two and retry each half, to isolate a poison record.',
    names: everywhere('bisectOnError', 'bisect-on-error'),
  },
  /** The dead-letter topic. */
  onFailureTopic: {
    kind: 'topic',
    summary:
      'Dead-letter topic for records that failed every retry (not one of the consumed topics); none: they are skipped.',
    names: {
      props: 'onFailure',
      env: 'onFailureTopic',
      file: 'onFailure',
      flag: 'on-failure',
      runtime: 'onFailureTopic',
    },
  },
  /** What drives delivery: a poller, or the log table's change stream. */
  trigger: {
    kind: 'enum',
    values: ['poller', 'stream'],
    default: 'stream',
    summary:
      "What drives delivery: 'poller' (a poller holds the leases and polls while records flow) or 'stream' (the log table's change stream invokes a drain per batch of new slots; no polling floor).",
    // `sluice run-consumer` is a long-running member over any backbone: it always polls.
    names: { props: 'trigger', env: 'trigger', file: 'trigger', flag: null, runtime: 'trigger' },
  },
  /** Lease and member session length: the runtime's own tuning, on no surface. */
  leaseDurationMs: {
    kind: 'integer',
    min: 100,
    max: 3_600_000,
    default: 30_000,
    summary: 'Lease and member session length, in ms.',
    names: runtimeOnly('leaseDurationMs'),
  },
  /** First wait of an idle partition between fetches. */
  pollIntervalMs: {
    kind: 'integer',
    min: 1,
    max: 60_000,
    default: 100,
    summary: 'First wait of an idle partition between fetches, in ms; doubles up to maxPollIntervalMs.',
    names: runtimeOnly('pollIntervalMs'),
  },
  /** Longest wait of an idle partition between fetches. */
  maxPollIntervalMs: {
    kind: 'integer',
    min: 1,
    max: 60_000,
    default: 1_000,
    summary: 'Longest wait of an idle partition between fetches, in ms.',
    names: runtimeOnly('maxPollIntervalMs'),
  },
  /** First retry backoff of a failed batch. */
  retryBackoffMs: {
    kind: 'integer',
    min: 0,
    max: 600_000,
    default: 200,
    summary:
      'First backoff before retrying a failed batch, in ms; doubles per retry up to maxRetryBackoffMs.',
    names: runtimeOnly('retryBackoffMs'),
  },
  /** Longest retry backoff of a failed batch. */
  maxRetryBackoffMs: {
    kind: 'integer',
    min: 0,
    max: 600_000,
    default: 10_000,
    summary: 'Longest backoff before retrying a failed batch, in ms.',
    names: runtimeOnly('maxRetryBackoffMs'),
  },
  /** Soft cap on key and value bytes per event. */
  maxBatchBytes: {
    kind: 'integer',
    min: 1,
    max: 64 * 1024 * 1024,
    default: 4 * 1024 * 1024,
    summary:
      "Soft cap on key and value bytes per event; an encoded event stays within Lambda's 6 MB payload limit whatever it says.",
    names: runtimeOnly('maxBatchBytes'),
  },
  /** How far clocks of members may disagree. */
  clockSkewToleranceMs: {
    kind: 'integer',
    min: 0,
    max: 600_000,
    default: 1_000,
    summary:
      'How far the clocks of two members may disagree, in ms: a lease counts as expired only this much later.',
    names: runtimeOnly('clockSkewToleranceMs'),
  },
} as const satisfies Record<string, ConsumerSetting>;

/** The name of a setting in the schema (its runtime name). */
export type ConsumerSettingName = keyof typeof CONSUMER_SETTINGS;

/** The settings with a range and a default. */
export type IntegerSettingName = {
  [K in ConsumerSettingName]: (typeof CONSUMER_SETTINGS)[K] extends { kind: 'integer' } ? K : never;
}[ConsumerSettingName];

type Defaulted = {
  [K in ConsumerSettingName]: (typeof CONSUMER_SETTINGS)[K] extends { default: infer D }
    ? D extends undefined
      ? never
      : K
    : never;
}[ConsumerSettingName];

type Widen<T> = T extends number ? number : T extends boolean ? boolean : T;

/** Every setting with a default, and that default. */
export type ConsumerDefaults = { readonly [K in Defaulted]: Widen<(typeof CONSUMER_SETTINGS)[K]['default']> };

/** The starting positions a consumer accepts. */
export const STARTING_POSITIONS = CONSUMER_SETTINGS.startingPosition.values;

/**
 * The defaults of the schema, by runtime name.
 *
 * @example
 * CONSUMER_DEFAULTS.batchSize; // 100
 */
export const CONSUMER_DEFAULTS: ConsumerDefaults = Object.fromEntries(
  Object.entries(CONSUMER_SETTINGS as Record<string, ConsumerSetting>)
    .filter(([, setting]) => setting.default !== undefined)
    .map(([name, setting]) => [name, setting.default]),
) as unknown as ConsumerDefaults;

/**
 * The settings a surface offers, as `[schema name, surface name, setting]`, in schema order.
 *
 * @example
 * settingsOn('flag').map(([, flag]) => `--${flag}`); // ['--group', '--topics', …]
 */
export function settingsOn(
  surface: ConsumerSurface,
): [name: ConsumerSettingName, surfaceName: string, setting: ConsumerSetting][] {
  const out: [ConsumerSettingName, string, ConsumerSetting][] = [];
  for (const [name, setting] of Object.entries(CONSUMER_SETTINGS) as [
    ConsumerSettingName,
    ConsumerSetting,
  ][]) {
    const surfaceName = setting.names[surface];
    if (surfaceName !== null) out.push([name, surfaceName, setting]);
  }
  return out;
}

/**
 * What is wrong with a value of an integer setting, or `undefined` when it is in range; the
 * message names the setting as `label` (the surface's own name for it).
 *
 * @example
 * integerProblem('batchSize', 0); // 'batchSize must be an integer from 1 to 10000, got 0'
 */
export function integerProblem(
  name: IntegerSettingName,
  value: unknown,
  label: string = name,
): string | undefined {
  const { min, max } = CONSUMER_SETTINGS[name];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${label} must be an integer from ${min} to ${max}, got ${String(value)}`;
}

/**
 * What is wrong with a group id, or `undefined` when it is legal.
 *
 * @example
 * groupProblem('my group'); // 'group "my group" is invalid: use 1 to 249 characters from [a-zA-Z0-9._-]'
 */
export function groupProblem(group: unknown): string | undefined {
  return isLegalGroupName(group) ? undefined : `group "${String(group)}" is invalid: use ${GROUP_NAME_RULE}`;
}

/**
 * The names a surface uses for the settings it offers.
 *
 * @example
 * const key: SurfaceNames<'env'> = 'functionName';
 */
export type SurfaceNames<S extends ConsumerSurface> = Exclude<
  { [K in ConsumerSettingName]: (typeof CONSUMER_SETTINGS)[K]['names'][S] }[ConsumerSettingName],
  null
>;

/**
 * The JSON document in the poller's `SLUICE_CONSUMER_CONFIG`, every default filled in: the
 * construct writes it, the poller reads it. Its keys are the schema's `env` names
 * (`test/unit/consumer-config.test.ts` checks both ways).
 */
export interface ConsumerConfigDocument {
  readonly group: string;
  readonly topics: string[];
  /** Name of the handler function (a CloudFormation token until deploy). */
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly startingPosition: (typeof STARTING_POSITIONS)[number];
  /** Milliseconds since the epoch, or null. */
  readonly startingPositionTimestamp: number | null;
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** Dead-letter topic, or null. */
  readonly onFailureTopic: string | null;
  /** What drives delivery. */
  readonly trigger: (typeof CONSUMER_TRIGGERS)[number];
}

/** The triggers a consumer group may choose. */
export const CONSUMER_TRIGGERS = CONSUMER_SETTINGS.trigger.values;

/**
 * The wait for more stream records a stream-triggered group asks for, in whole seconds: the
 * consumer's `maxBatchingWindow`, rounded down, because a DynamoDB stream's event source
 * mapping counts whole seconds. The stream has one reader for every stream group (the stream
 * dispatcher), which waits for the smallest of their windows: the construct configures its
 * mapping so and the local stream reader gathers for as long, so both wait alike; the default
 * 500 ms adds no wait. A longer window trades delivery latency for fewer invocations
 * (docs/deploy.md).
 *
 * @example
 * streamBatchingWindowSeconds(500); // 0
 * streamBatchingWindowSeconds(5_000); // 5
 */
export function streamBatchingWindowSeconds(maxBatchingWindowMs: number): number {
  return Math.floor(maxBatchingWindowMs / 1000);
}
