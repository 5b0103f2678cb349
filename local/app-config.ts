/**
 * The one schema of `sluice.config.json`, the local app's declarations that `npm start`
 * reads: topics to create when missing, and consumer groups to run in-process. The consumer
 * settings are derived from the one consumer-configuration schema
 * (`shared/poller/consumer-config.ts`), as the construct's and the CLI's are, and topic names, group names and topic configs go through
 * the same validators as the HTTP API. A key the schema does not know is an error, with a
 * "did you mean" for a near miss: a typo must not silently fall back to a default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateGroupName } from '../shared/groups/names';
import { consumerShapeFor } from '../shared/poller/consumer-config-zod';
import { didYouMean } from '../shared/suggest';
import { parseTopicConfigs } from '../shared/topics/configs';
import { validateTopicName } from '../shared/topics/names';
import { MAX_PARTITIONS } from '../shared/topics/registry';
import * as z from '../shared/validation';

/** The file `npm start` reads when `SLUICE_CONFIG` names none. */
export const DEFAULT_APP_CONFIG_FILE = 'sluice.config.json';

const topicShape = {
  name: z.string(),
  /** @default 1 */
  partitions: z.optional(z.int().check(z.gte(1), z.lte(MAX_PARTITIONS))),
  /** Kafka topic configs by name, values as strings: `{"retention.ms": "86400000"}`. */
  configs: z.optional(z.record(z.string(), z.string())),
};

/**
 * A `consumers` entry: the consumer settings the schema (`shared/poller/consumer-config.ts`)
 * offers in the file, by their file names; unset settings take the schema's defaults in the
 * poller runtime.
 */
const consumerShape = consumerShapeFor('file');

/** A consumer group declared in `sluice.config.json`. */
export interface ConsumerDeclaration {
  readonly group: string;
  readonly topics: string[];
  /** `FILE[:export]`, relative to the config file. */
  readonly handler: string;
  readonly batchSize?: number;
  readonly maxBatchingWindowMs?: number;
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  readonly retryAttempts?: number;
  readonly bisectOnError?: boolean;
  /** Dead-letter topic. */
  readonly onFailure?: string;
  /** What drives delivery: 'stream' (default: the log table's stream) or 'poller'. */
  readonly trigger?: 'poller' | 'stream';
}

const appShape = {
  topics: z.optional(z.array(z.strictObject(topicShape))),
  consumers: z.optional(z.array(z.strictObject(consumerShape))),
};

/** The schema of `sluice.config.json`. */
export const appConfigSchema = z.strictObject(appShape);

/** The declarations of a valid `sluice.config.json`. */
export type AppConfig = Omit<z.infer<typeof appConfigSchema>, 'consumers'> & {
  readonly consumers?: ConsumerDeclaration[];
};

/** The app's declarations and the directory handler paths are relative to. */
export type LocalApp = AppConfig & { readonly directory: string };

/** A `sluice.config.json` that cannot be used; the message names the file and the key. */
export class AppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

/**
 * Reads and validates the app's declarations. A missing file is an empty app only when it is
 * the default file; a file named explicitly (`SLUICE_CONFIG`) must exist.
 *
 * @example
 * const app = readLocalApp(process.env.SLUICE_CONFIG ?? DEFAULT_APP_CONFIG_FILE, {
 *   explicit: process.env.SLUICE_CONFIG !== undefined,
 * });
 */
export function readLocalApp(path: string, opts: { explicit?: boolean } = {}): LocalApp {
  const file = resolve(path);
  if (!existsSync(file)) {
    if (opts.explicit) {
      throw new AppConfigError(
        `${path} does not exist: SLUICE_CONFIG must name an app config file (or leave it unset to read ${DEFAULT_APP_CONFIG_FILE} when present).`,
      );
    }
    return { directory: process.cwd() };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppConfigError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
  return { ...parseAppConfig(json, path), directory: resolve(file, '..') };
}

/**
 * Validates a parsed `sluice.config.json`; `source` names it in messages.
 *
 * @example
 * parseAppConfig({ topics: [{ name: 'orders', partition: 4 }] }, 'sluice.config.json');
 * // throws: sluice.config.json: topics[0] ("orders") has the key "partition" … (did you mean "partitions"?)
 */
export function parseAppConfig(json: unknown, source: string): AppConfig {
  const result = appConfigSchema.safeParse(json);
  if (!result.success) {
    // An unknown key is the likelier cause of any other complaint about the same entry.
    const issues = result.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    throw new AppConfigError(`${source}: ${describeIssue(issue, json)}`);
  }
  // The consumer entries passed the shape derived from the settings ConsumerDeclaration lists.
  const config = result.data as AppConfig;
  checkMeanings(config, source);
  return config;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, json: unknown): string {
  const where = describePath(issue.path, json);
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(shapeAt(issue.path));
    const key = issue.keys[0];
    const what = issue.path.length === 0 ? 'the file' : where;
    return `${what} has the key "${key}", which is not a setting here${didYouMean(key, allowed)}; the keys are ${allowed.join(', ')}.`;
  }
  return `${where || 'the file'} is invalid (${issue.message}).`;
}

/** The object shape the path points into: the file, a topic or a consumer. */
function shapeAt(path: readonly PropertyKey[]): Record<string, unknown> {
  if (path[0] === 'topics') return topicShape;
  if (path[0] === 'consumers') return consumerShape;
  return appShape;
}

/** `consumers[0] ("orders-app").batchSize`: indexes as written, the entry named for a reader. */
function describePath(path: readonly PropertyKey[], json: unknown): string {
  let text = '';
  let node: unknown = json;
  for (const [i, part] of path.entries()) {
    node = (node as Record<PropertyKey, unknown> | undefined)?.[part as string];
    if (typeof part === 'number') {
      text += `[${part}]`;
      const label = i === 1 ? entryLabel(node) : undefined;
      if (label) text += ` (${JSON.stringify(label)})`;
    } else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function entryLabel(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { name, group } = entry as { name?: unknown; group?: unknown };
  return typeof name === 'string' ? name : typeof group === 'string' ? group : undefined;
}

/** What the types cannot say: names and configs by the API's own rules, and no DLQ loop. */
function checkMeanings(config: AppConfig, source: string): void {
  const fail = (where: string, error: unknown) => {
    throw new AppConfigError(`${source}: ${where}: ${(error as Error).message}`);
  };
  for (const [i, topic] of (config.topics ?? []).entries()) {
    const where = `topics[${i}] (${JSON.stringify(topic.name)})`;
    try {
      validateTopicName(topic.name);
      parseTopicConfigs(Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })));
    } catch (error) {
      fail(where, error);
    }
  }
  for (const [i, consumer] of (config.consumers ?? []).entries()) {
    const where = `consumers[${i}] (${JSON.stringify(consumer.group)})`;
    try {
      validateGroupName(consumer.group);
      for (const topic of consumer.topics) validateTopicName(topic);
      if (consumer.onFailure !== undefined) validateTopicName(consumer.onFailure);
    } catch (error) {
      fail(where, error);
    }
    if (consumer.onFailure !== undefined && consumer.topics.includes(consumer.onFailure)) {
      fail(
        `${where}.onFailure`,
        new Error(`"${consumer.onFailure}" is one of the consumed topics: failed records would loop.`),
      );
    }
  }
}
