/**
 * The retention sweeper, run on a schedule by the CDK construct: applies every topic's
 * `retention.ms` (see docs/retention.md) and logs what it deleted. All the work is
 * `sweepAll` in shared/retention, the same code the local server runs on a timer.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { type SweepAllResult, sweepAll } from '../../shared/retention';

/** The calls of the core's logger interface the sweeper makes (Powertools' Logger fits). */
export type RetentionLogger = Pick<Logger, 'info' | 'error'>;

export interface RetentionHandlerOptions {
  /** @default createCluster(configFromEnv()) */
  readonly cluster?: Cluster;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default a Powertools Logger with service name `sluice-retention` */
  readonly logger?: RetentionLogger;
}

/**
 * Builds the scheduled handler. A topic whose sweep failed is logged and makes the
 * invocation fail (after the other topics were swept), so the function's Errors alarm sees it.
 *
 * @example
 * const sweep = createRetentionHandler({ cluster, now: () => Date.now() + 86_400_000 });
 * const { itemsDeleted } = await sweep();
 */
export function createRetentionHandler(options: RetentionHandlerOptions = {}) {
  const cluster = options.cluster ?? createCluster(configFromEnv());
  const now = options.now ?? Date.now;
  const logger = options.logger ?? new PowertoolsLogger({ serviceName: 'sluice-retention' });
  return async function sweep(): Promise<SweepAllResult> {
    const started = Date.now();
    const result = await sweepAll(cluster, now());
    const { failures, ...counts } = result;
    logger.info('retention sweep done', {
      ...counts,
      failed: failures.length,
      durationMs: Date.now() - started,
    });
    for (const failure of failures) {
      logger.error('retention sweep of a topic failed', { topic: failure.topic, error: failure.error });
    }
    if (failures.length > 0) {
      throw new Error(
        `Retention failed for ${failures.length} topic(s): ${failures.map((f) => f.topic).join(', ')}`,
      );
    }
    return result;
  };
}

// Built on first use, then kept for the warm function's life.
let warm: (() => Promise<SweepAllResult>) | undefined;

/** The scheduled (EventBridge) entry point; the event carries nothing Sluice needs. */
export async function handler(): Promise<SweepAllResult> {
  warm ??= createRetentionHandler();
  return warm();
}
