/**
 * The local app, as `npm start` runs it: the topics `sluice.config.json` (or the file
 * `SLUICE_CONFIG` names) declares are created when missing, and its consumer groups' handlers
 * run in-process with the same poller runtime the deployed Lambda pollers use. The file's
 * schema is in `app-config.ts`.
 */
import { loadHandler } from '../cli/handler-loader';
import type { Cluster } from '../shared/cluster';
import type { SluiceConfig } from '../shared/config';
import { AlreadyExistsError } from '../shared/errors';
import { describeError, type Logger, stderrLogger } from '../shared/logger';
import { runPoller } from '../shared/poller';
import { CONSUMER_DEFAULTS } from '../shared/poller/consumer-config';
import { runtimeSettingsFrom } from '../shared/poller/consumer-config-zod';
import { isProgrammerError, sleep } from '../shared/retry';
import type { LocalApp } from './app-config';
import { runStreamConsumers } from './stream-consumer';

/**
 * The configuration the local server runs with: the consumer groups the app declares are run
 * by in-process pollers, so, as the construct does for `addConsumer`, they refuse HTTP members
 * (added to `SLUICE_POLLER_GROUPS`, if that names others).
 *
 * @example
 * withAppPollerGroups(configFromEnv(), app).groupAccess.pollerGroups; // ['billing', …]
 */
export function withAppPollerGroups(config: SluiceConfig, app: LocalApp): SluiceConfig {
  const declared = (app.consumers ?? []).map((consumer) => consumer.group);
  const pollerGroups = [...new Set([...config.groupAccess.pollerGroups, ...declared])];
  return { ...config, groupAccess: { ...config.groupAccess, pollerGroups } };
}

/** What `npm start` says about its topics and consumers (and its pollers' warnings), on stderr. */
const localLogger: Logger = stderrLogger('sluice', { verbose: true });

/** Creates the declared topics that do not exist yet. */
export async function ensureTopics(
  cluster: Cluster,
  app: LocalApp,
  logger: Logger = localLogger,
): Promise<void> {
  for (const topic of app.topics ?? []) {
    try {
      await cluster.topics.create({
        name: topic.name,
        partitionCount: topic.partitions,
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
      logger.info(`created topic ${topic.name}`);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
}

/**
 * Runs every declared consumer until `signal` aborts: a poller per polling group, and one
 * reader of the log table's stream for all the stream-triggered groups. A poller (or the
 * stream reader) that fails is started again after a pause, as the deployed schedule would —
 * unless it failed with a programmer error (`TypeError`, `RangeError`, …), which is reported
 * and not retried.
 */
export async function runConsumers(
  cluster: Cluster,
  app: LocalApp,
  signal: AbortSignal,
  logger: Logger = localLogger,
): Promise<void> {
  const consumers = app.consumers ?? [];
  const loaded = await Promise.all(
    consumers.map(async (consumer) => {
      const handler = await loadHandler(consumer.handler, app.directory, consumer.group);
      logger.info(
        `consumer group ${consumer.group}: ${consumer.handler} reads ${consumer.topics.join(', ')}`,
      );
      return { consumer, handler };
    }),
  );
  // An entry without `trigger` takes the schema's default, as a group of the construct does.
  const isStreamed = (consumer: (typeof consumers)[number]) =>
    (consumer.trigger ?? CONSUMER_DEFAULTS.trigger) === 'stream';
  const streamed = loaded.filter(({ consumer }) => isStreamed(consumer));
  await Promise.all([
    ...loaded
      .filter(({ consumer }) => !isStreamed(consumer))
      .map(({ consumer, handler }) =>
        restarting(`consumer group ${consumer.group}`, signal, logger, () =>
          runPoller({
            // Every setting of the entry, by its runtime name (onFailure → onFailureTopic, …).
            ...runtimeSettingsFrom('file', consumer),
            cluster,
            group: consumer.group,
            topics: consumer.topics,
            handler,
            signal,
            logger,
          }),
        ),
      ),
    // One reader of the log table's stream for every stream group, as the construct's
    // dispatcher is on AWS.
    streamed.length === 0
      ? Promise.resolve()
      : restarting(
          `the stream groups (${streamed.map((s) => s.consumer.group).join(', ')})`,
          signal,
          logger,
          () =>
            runStreamConsumers({
              cluster,
              signal,
              logger,
              groups: streamed.map(({ consumer, handler }) => {
                const { trigger: _trigger, ...settings } = runtimeSettingsFrom('file', consumer);
                return { ...settings, group: consumer.group, topics: consumer.topics, handler };
              }),
            }),
        ),
  ]);
}

/**
 * Runs `work` until `signal` aborts, starting it again after a pause when it fails, as the
 * deployed schedule would — unless it failed with a programmer error, reported and not retried.
 */
async function restarting(
  what: string,
  signal: AbortSignal,
  logger: Logger,
  work: () => Promise<unknown>,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await work();
    } catch (error) {
      if (isProgrammerError(error)) {
        logger.error(`${what} stopped by a programming error, not restarted`, {
          error: describeError(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
        return;
      }
      logger.warn(`${what} failed, restarting in 5 s`, { error: describeError(error) });
      await sleep(5_000, { ref: false });
    }
  }
}
