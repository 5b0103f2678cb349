import { NotFoundError, StaleTopicError } from '../errors';
import { createGroupService, type GroupService } from '../groups/service';
import { directGroupPort } from '../member/direct';
import type { MemberRuntimeState } from '../member/lifecycle';
import { createMemberRuntime } from '../member/runtime';
import type { Topic } from '../topics/registry';
import { type PollerOptions, resolvePollerOptions } from './options';
import { startPartitionWorker } from './worker';

export type { PollerObserver, PollerOptions } from './options';

/** A poller's lifecycle: the member runtime's state table. */
export type PollerState = MemberRuntimeState;

/** Why a poller run ended. */
export type StopReason = 'stopped' | 'deadline' | 'idle';

/** What one run did. */
export interface PollerSummary {
  readonly memberId: string;
  readonly reason: StopReason;
  /** Records handled and committed (dead-lettered and skipped ones included). */
  readonly committedRecords: number;
  /** Records sent to the dead-letter topic, or skipped without one. */
  readonly deadLetteredRecords: number;
  /** Partitions whose lease moved to another member while this poller held it. */
  readonly lostPartitions: number;
}

/** A running member of a consumer group that feeds a handler. */
export interface Poller {
  readonly memberId: string;
  readonly state: PollerState;
  /**
   * Joins, runs until stopped / deadline / idle, then releases its leases and leaves. Call
   * once. A programmer error (`TypeError`, `RangeError`, …) in a partition worker or the
   * heartbeat is never retried: the poller stops as cleanly and `run` rejects with it.
   */
  run(): Promise<PollerSummary>;
  /** Asks the poller to stop; resolves when `run` has finished handing its leases back. */
  stop(): Promise<void>;
  /** Partitions held right now, as `{topic}-{partition}`. */
  assignments(): string[];
}

/**
 * Builds the poller behind the Lambda poller, `sluice run-consumer` and the tests: the one
 * member runtime (`shared/member/`) joined directly through the group service, reading the
 * log in process, whose workers deliver Lambda Kafka events to a handler. It joins,
 * heartbeats (renewing and rebalancing its leases) and runs one worker per held partition,
 * concurrently, so a slow or failing partition never holds up the others.
 *
 * @example
 * const poller = createPoller({
 *   cluster, group: 'billing', topics: ['orders'],
 *   handler: async (event) => { for (const records of Object.values(event.records)) console.log(records.length); },
 *   batchSize: 100, retryAttempts: 3, onFailureTopic: 'orders-dlq',
 * });
 * const summary = await poller.run(); // until poller.stop()
 */
export function createPoller(input: PollerOptions & { readonly groups?: GroupService }): Poller {
  const options = resolvePollerOptions(input);
  const { cluster, group, memberId, now, logger } = options;
  const groups =
    input.groups ?? createGroupService({ cluster, now, clockSkewToleranceMs: options.clockSkewToleranceMs });
  const topics = new Map<string, Topic>();
  let reason: StopReason | undefined;
  let lastActivity = now();
  let committedRecords = 0;
  let deadLetteredRecords = 0;
  let finished: Promise<unknown> = Promise.resolve();

  const onAbort = () => stopWith('stopped');
  function stopWith(why: StopReason): void {
    reason ??= why;
    member.stop();
  }
  const stopTaking = (): boolean => {
    if (reason) return true;
    if (options.deadline !== undefined && now() >= options.deadline) stopWith('deadline');
    else if (options.idleTimeoutMs !== undefined && now() - lastActivity >= options.idleTimeoutMs)
      stopWith('idle');
    return reason !== undefined;
  };

  const observer = {
    onCommitted(info: { topic: string; partition: number; records: number; offset: number }) {
      committedRecords += info.records;
      options.observer?.onCommitted?.(info);
    },
    onDeadLettered(info: { topic: string; partition: number; offsets: number[]; error: string }) {
      deadLetteredRecords += info.offsets.length;
      options.observer?.onDeadLettered?.(info);
    },
    onRetry: options.observer?.onRetry?.bind(options.observer),
  };
  const workerOptions = { ...options, observer };

  const member = createMemberRuntime({
    port: directGroupPort(groups, {
      group,
      memberId,
      topics: options.topics,
      sessionTimeoutMs: options.leaseDurationMs,
      policy: options.policy,
      markRunning: options.markRunning,
      now,
      logger,
    }),
    group,
    logger,
    now,
    sleep: options.sleep,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    stopTaking,
    startWorker(assignment, context) {
      const topic = topics.get(assignment.topic);
      if (!topic) return undefined;
      const lost = (error: unknown) => {
        if (!(error instanceof StaleTopicError)) return context.lost(error);
        // Resolve the topic again (the log dropped the cached copy) before the heartbeat the
        // loss asks for restarts the worker: on the re-created topic, or not at all.
        void cluster.topics
          .get(assignment.topic)
          .then(
            (fresh) => void topics.set(assignment.topic, fresh),
            // Gone for good: no worker for it. Another failure: the next worker tries again.
            (failure) => void (failure instanceof NotFoundError && topics.delete(assignment.topic)),
          )
          .finally(() => context.lost(error));
      };
      return startPartitionWorker(
        {
          options: workerOptions,
          groups,
          topic,
          stopped: context.stopped,
          stopTaking,
          activity: () => (lastActivity = now()),
          failed: context.failed,
          after: context.after,
          lost,
        },
        assignment,
      );
    },
    onHeartbeatFailed(error) {
      logger.warn('heartbeat failed; retrying at the next interval', {
        group,
        memberId,
        error: String(error),
      });
    },
  });

  async function run(): Promise<PollerSummary> {
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) stopWith('stopped');
    try {
      await member.run(async () => {
        for (const name of options.topics) topics.set(name, await cluster.topics.get(name));
        if (options.onFailureTopic !== undefined) await cluster.topics.get(options.onFailureTopic);
        lastActivity = now();
      });
    } finally {
      reason ??= 'stopped';
      options.signal?.removeEventListener('abort', onAbort);
    }
    return {
      memberId,
      reason,
      committedRecords,
      deadLetteredRecords,
      lostPartitions: member.lostPartitions,
    };
  }

  return {
    memberId,
    get state() {
      return member.state;
    },
    run() {
      const running = run();
      finished = running.catch(() => undefined);
      return running;
    },
    async stop() {
      stopWith('stopped');
      await finished;
    },
    assignments: () => member.assignments().map((a) => `${a.topic}-${a.partition}`),
  };
}

/**
 * Runs a poller to the end: the one-call form for `sluice run-consumer` and the Lambda poller.
 *
 * @example
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * await runPoller({ cluster, group: 'billing', topics: ['orders'], handler, signal: controller.signal });
 */
export function runPoller(
  options: PollerOptions & { readonly groups?: GroupService },
): Promise<PollerSummary> {
  return createPoller(options).run();
}
