import { InvalidRequestError } from '../errors';

/** Per-topic settings Sluice honours, with Kafka's names and defaults. */
export interface TopicConfigs {
  /** How long records are kept, in ms; -1 keeps them forever. @default 604800000 (7 days) */
  readonly 'retention.ms': number;
  /** Largest record accepted, in bytes. @default 1048588 */
  readonly 'max.message.bytes': number;
  /** Only `delete` is supported (no log compaction). @default 'delete' */
  readonly 'cleanup.policy': 'delete';
}

export const DEFAULT_TOPIC_CONFIGS: TopicConfigs = {
  'retention.ms': 604_800_000,
  'max.message.bytes': 1_048_588,
  'cleanup.policy': 'delete',
};

const SUPPORTED = Object.keys(DEFAULT_TOPIC_CONFIGS).join(', ');

/**
 * Turns `[{name, value}]` (Confluent's shape, values as strings) into validated configs,
 * filling Kafka's defaults for anything not given.
 *
 * @example
 * parseTopicConfigs([{ name: 'retention.ms', value: '86400000' }])['retention.ms']; // 86400000
 */
export function parseTopicConfigs(entries: readonly { name: string; value: string | null }[]): TopicConfigs {
  const result: Record<string, unknown> = { ...DEFAULT_TOPIC_CONFIGS };
  for (const { name, value } of entries) {
    if (value === null) continue;
    switch (name) {
      case 'retention.ms':
        result[name] = parseInteger(name, value, -1);
        break;
      case 'max.message.bytes':
        result[name] = parseInteger(name, value, 0);
        break;
      case 'cleanup.policy':
        if (value !== 'delete') {
          throw new InvalidRequestError(
            `cleanup.policy "${value}" is not supported: Sluice keeps logs with cleanup.policy=delete only.`,
          );
        }
        result[name] = value;
        break;
      default:
        throw new InvalidRequestError(`Unknown topic config "${name}": supported configs are ${SUPPORTED}.`);
    }
  }
  return result as unknown as TopicConfigs;
}

/** Confluent's `[{name, value}]` list for a topic's configs. */
export function configEntries(configs: TopicConfigs): { name: string; value: string }[] {
  return Object.entries(configs).map(([name, value]) => ({ name, value: String(value) }));
}

function parseInteger(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidRequestError(`Topic config ${name} must be an integer ≥ ${min}, got "${value}".`);
  }
  return n;
}
