import { NotFoundError } from '../errors';
import { sleepUnless } from '../groups/clock';
import {
  createGroupService,
  type GroupService,
  type MemberState,
  UNKNOWN_MEMBER_ERROR_CODE,
} from '../groups/service';
import { isProgrammerError } from '../retry';
import type { Topic } from '../topics/registry';
import { type PollerState, pollerLifecycle } from './lifecycle';
import { type PollerOptions, resolvePollerOptions } from './options';
import { type PartitionWorker, startPartitionWorker } from './worker';

export type { PollerLogger, PollerObserver, PollerOptions } from './options';

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
 * Builds the one poller runtime behind the Lambda poller, `sluice run-consumer` and the
 * tests. It is a group member like any HTTP consumer: it joins, heartbeats (renewing and
 * rebalancing its leases) and runs one worker per held partition, concurrently, so a slow or
 * failing partition never holds up the others.
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
  const life = pollerLifecycle();
  const workers = new Map<string, PartitionWorker>();
  /** Partitions drained for a rebalance whose release is under way: not to be restarted. */
  const releasing = new Set<string>();
  const topics = new Map<string, Topic>();
  let reason: StopReason | undefined;
  let lastActivity = now();
  let markerUntil = 0;
  let committedRecords = 0;
  let deadLetteredRecords = 0;
  let lostPartitions = 0;
  let finished: Promise<unknown> = Promise.resolve();
  /** The programmer error that stopped a worker (or the heartbeat): `run` rejects with it. */
  let failure: { error: unknown } | undefined;

  let requestStop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  const onAbort = () => stopWith('stopped');
  function stopWith(why: StopReason): void {
    reason ??= why;
    requestStop();
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

  /** Stale leases already reported, by partition and owner, so each wait is logged once. */
  const reportedWaits = new Set<string>();

  /** Brings the workers in line with what the group says this member holds. */
  function apply(state: MemberState): void {
    for (const stale of state.waitingFor) {
      const key = `${stale.topic}-${stale.partition}@${stale.owner}`;
      if (reportedWaits.has(key)) continue;
      reportedWaits.add(key);
      logger.warn(
        `consumer group ${group}: waiting for partition ${stale.topic}-${stale.partition}, still leased to ${stale.owner} (a member that stopped without releasing it) until ${new Date(stale.expiresAt).toISOString()}`,
        {
          group,
          memberId,
          partition: `${stale.topic}-${stale.partition}`,
          owner: stale.owner,
          expiresAt: stale.expiresAt,
        },
      );
    }
    const held = new Set<string>();
    for (const a of state.assignments) {
      const key = `${a.topic}-${a.partition}`;
      held.add(key);
      if (releasing.has(key)) continue;
      const current = workers.get(key);
      if (current?.state === 'failed') continue; // never restarted: the poller is stopping
      if (current && current.epoch === a.epoch && current.state !== 'lost' && current.state !== 'stopped') {
        current.renewed(a.expiresAt);
        continue;
      }
      // A worker of an older epoch lost the lease even if we hold the partition again.
      current?.lose();
      const topic = topics.get(a.topic);
      if (!topic || life.state === 'stopping') continue;
      const worker = startPartitionWorker(
        {
          options: workerOptions,
          groups,
          topic,
          stopped,
          stopTaking,
          activity: () => (lastActivity = now()),
          failed: (error) => {
            failure ??= { error };
            stopWith('stopped');
          },
        },
        a,
      );
      workers.set(key, worker);
      logger.info('partition acquired', {
        group,
        memberId,
        partition: key,
        epoch: a.epoch,
        offset: a.committedOffset,
      });
    }
    for (const [key, worker] of workers) {
      if (!held.has(key) && worker.state !== 'stopped' && worker.state !== 'failed') {
        if (worker.state !== 'lost') lostPartitions++;
        worker.lose();
      }
    }
    for (const a of state.revoking) {
      const key = `${a.topic}-${a.partition}`;
      const worker = workers.get(key);
      if (worker?.state !== 'running') continue;
      worker.drain();
      releasing.add(key);
      // Hand the partition over as soon as its batch in hand is committed.
      void worker.done
        .then(async () => {
          if (worker.state !== 'stopped') return;
          await groups.release(group, {
            topic: a.topic,
            partition: a.partition,
            owner: memberId,
            epoch: worker.epoch,
          });
          logger.info('partition released for rebalance', { group, memberId, partition: key });
        })
        .catch((error) =>
          logger.warn('could not release a lease; it will expire', { group, error: String(error) }),
        )
        .finally(() => {
          if (workers.get(key) === worker) workers.delete(key);
          releasing.delete(key);
        });
    }
  }

  async function heartbeat(): Promise<void> {
    try {
      apply(await groups.heartbeat({ group, memberId, deferRelease: true }));
    } catch (error) {
      if (error instanceof NotFoundError && error.errorCode === UNKNOWN_MEMBER_ERROR_CODE) {
        // Our session lapsed (a long pause): join again under the same id; leases nobody
        // took are still ours at the same epoch, the others are lost.
        logger.warn('member session expired; joining again', { group, memberId });
        apply(await join());
        return;
      }
      throw error;
    }
  }

  const join = () =>
    groups.join({
      group,
      topics: options.topics,
      sessionTimeoutMs: options.leaseDurationMs,
      policy: options.policy,
      kind: 'poller',
      memberId,
      deferRelease: true,
    });

  async function refreshMarker(): Promise<void> {
    if (!options.markRunning) return;
    const at = now();
    if (markerUntil - at > options.leaseDurationMs / 2) return;
    markerUntil = at + options.leaseDurationMs;
    await groups.store.refreshMarker(group, memberId, markerUntil);
  }

  async function shutdown(): Promise<void> {
    for (const worker of workers.values()) worker.drain();
    await Promise.all([...workers.values()].map((w) => w.done));
    await Promise.all(
      [...workers.values()]
        .filter((w) => w.state === 'stopped' || w.state === 'failed')
        .map((w) =>
          groups
            .release(group, { topic: w.topic, partition: w.partition, owner: memberId, epoch: w.epoch })
            .catch((error) =>
              logger.warn('could not release a lease; it will expire', { group, error: String(error) }),
            ),
        ),
    );
    workers.clear();
    await groups.store.removeMember(group, memberId).catch(() => {});
    if (options.markRunning) await groups.store.clearMarker(group, memberId).catch(() => {});
  }

  async function run(): Promise<PollerSummary> {
    life.to('starting');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) stopWith('stopped');
    try {
      for (const name of options.topics) topics.set(name, await cluster.topics.get(name));
      if (options.onFailureTopic !== undefined) await cluster.topics.get(options.onFailureTopic);
      lastActivity = now();
      await refreshMarker();
      apply(await join());
      life.to('running');
      while (!stopTaking()) {
        await sleepUnless(options.sleep, options.heartbeatIntervalMs, stopped);
        if (stopTaking()) break;
        try {
          await heartbeat();
          await refreshMarker();
        } catch (error) {
          if (isProgrammerError(error)) {
            failure ??= { error };
            break;
          }
          logger.warn('heartbeat failed; retrying at the next interval', {
            group,
            memberId,
            error: String(error),
          });
        }
      }
    } finally {
      stopWith('stopped');
      life.to('stopping');
      await shutdown();
      life.to('stopped');
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (failure) throw failure.error;
    return { memberId, reason: reason ?? 'stopped', committedRecords, deadLetteredRecords, lostPartitions };
  }

  return {
    memberId,
    get state() {
      return life.state;
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
    assignments: () =>
      [...workers.entries()]
        .filter(([, w]) => w.state === 'running' || w.state === 'draining')
        .map(([k]) => k),
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
