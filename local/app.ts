/**
 * The local app's declarations, read by `npm start` from `sluice.config.json` (or the file
 * `SLUICE_CONFIG` names): topics to create when missing, and consumer groups whose handlers
 * run in-process with the same poller runtime the deployed Lambda pollers use. The consumer
 * options are those of the construct's `addConsumer`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadHandler } from '../cli/handler-loader';
import type { Cluster } from '../shared/cluster';
import { AlreadyExistsError } from '../shared/errors';
import { runPoller } from '../shared/poller';
import { isProgrammerError, sleep } from '../shared/retry';
import * as z from '../shared/validation';

const topicSchema = z.object({
  name: z.string(),
  partitions: z.optional(z.int()),
  configs: z.optional(z.record(z.string(), z.string())),
});

const consumerSchema = z.object({
  group: z.string(),
  topics: z.array(z.string()).check(z.minLength(1)),
  /** `FILE[:export]`, relative to the config file. */
  handler: z.string(),
  batchSize: z.optional(z.int()),
  maxBatchingWindowMs: z.optional(z.int()),
  startingPosition: z.optional(z.enum(['TRIM_HORIZON', 'LATEST'])),
  retryAttempts: z.optional(z.int()),
  bisectOnError: z.optional(z.boolean()),
  onFailure: z.optional(z.string()),
});

const appSchema = z.object({
  topics: z.optional(z.array(topicSchema)),
  consumers: z.optional(z.array(consumerSchema)),
});

export type LocalApp = z.infer<typeof appSchema> & { readonly directory: string };

/** Reads the app's declarations; none when the file does not exist. */
export function readLocalApp(path: string): LocalApp {
  const file = resolve(path);
  if (!existsSync(file)) return { directory: process.cwd() };
  const parsed = appSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue.path.join('.') || 'the file'} is invalid (${issue.message}).`);
  }
  return { ...parsed.data, directory: resolve(file, '..') };
}

/** Creates the declared topics that do not exist yet. */
export async function ensureTopics(cluster: Cluster, app: LocalApp): Promise<void> {
  for (const topic of app.topics ?? []) {
    try {
      await cluster.topics.create({
        name: topic.name,
        partitionCount: topic.partitions,
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
      console.error(`created topic ${topic.name}`);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
}

/**
 * Runs every declared consumer until `signal` aborts. A poller that fails is started again
 * after a pause, as the deployed schedule would — unless it failed with a programmer error
 * (`TypeError`, `RangeError`, …), which is reported and not retried.
 */
export async function runConsumers(cluster: Cluster, app: LocalApp, signal: AbortSignal): Promise<void> {
  await Promise.all(
    (app.consumers ?? []).map(async (consumer) => {
      const handler = await loadHandler(consumer.handler, app.directory, consumer.group);
      console.error(
        `consumer group ${consumer.group}: ${consumer.handler} reads ${consumer.topics.join(', ')}`,
      );
      while (!signal.aborted) {
        try {
          await runPoller({
            cluster,
            group: consumer.group,
            topics: consumer.topics,
            handler,
            batchSize: consumer.batchSize,
            maxBatchingWindowMs: consumer.maxBatchingWindowMs,
            startingPosition: consumer.startingPosition,
            retryAttempts: consumer.retryAttempts,
            bisectOnError: consumer.bisectOnError,
            onFailureTopic: consumer.onFailure,
            signal,
          });
        } catch (error) {
          if (isProgrammerError(error)) {
            console.error(
              `consumer group ${consumer.group} stopped by a programming error, not restarted:`,
              error,
            );
            return;
          }
          console.error(`consumer group ${consumer.group} failed, restarting in 5 s:`, error);
          await sleep(5_000, { ref: false });
        }
      }
    }),
  );
}
