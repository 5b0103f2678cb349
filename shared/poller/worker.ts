import type { StoredRecord } from '../codec/types';
import { FencedError, StaleTopicError } from '../errors';
import { leaseRenewalDue } from '../groups/clock';
import type { GroupService } from '../groups/service';
import type { Assignment } from '../groups/types';
import { describeError } from '../logger';
import { logRecordSource } from '../member/direct';
import type { RecordSource } from '../member/ports';
import { isUnknownMember, type MemberWorker, startMemberWorker } from '../member/worker';
import { isProgrammerError } from '../retry';
import type { Topic } from '../topics/registry';
import { type DeliveryContext, deliverBatch } from './deliver';
import { eventRecordBytes, MAX_EVENT_BYTES } from './event';
import type { ResolvedPollerOptions } from './options';
import { partitionDelivery } from './partition-delivery';

/** What the poller hands each partition worker it starts. */
export interface WorkerDeps {
  readonly options: ResolvedPollerOptions;
  /** The group service the poller's commits go through. */
  readonly groups: GroupService;
  readonly topic: Topic;
  /** Aborted (or settled) when the whole poller is asked to stop. */
  readonly stopped: AbortSignal | Promise<void>;
  /** True once the poller takes no new work (stop, deadline, idle). */
  readonly stopTaking: () => boolean;
  /** Called whenever records arrive or a batch completes (idle detection). */
  readonly activity: () => void;
  /** A programmer error stopped the worker (state `failed`): it is not retried. */
  readonly failed: (error: unknown) => void;
  /** Settles when this partition's previous worker in this process has exited. @default at once */
  readonly after?: Promise<void>;
  /** Where records are read from. @default the cluster's log */
  readonly source?: RecordSource<StoredRecord>;
  /** A commit was fenced or the poller is no member any more. */
  readonly lost?: (error: unknown) => void;
}

/**
 * Starts the poller's worker of one acquired partition: a member worker (see
 * `shared/member/worker.ts`: lifecycle, fenced commits, retried rounds, never a retried
 * programmer error) whose round gathers up to `batchSize` records or `maxBatchingWindowMs`
 * from where delivery stands and delivers them as a Lambda Kafka event (retries, bisection,
 * dead letters — see `deliver.ts`).
 *
 * Its commits follow one rule (`docs/consumer-groups.md`, "When a commit is written"): a
 * partition that caught up with the readable end writes its commit at once; one that stays
 * behind keeps the delivered position in memory and writes it at most every
 * `commitIntervalMs`, or sooner when its lease is due for renewal (the stream trigger's rule,
 * {@link leaseRenewalDue}), carrying the renewal in that write; and a worker that stops, is
 * drained for a rebalance or reaches its deadline writes what it delivered before its lease
 * is released. A lost lease writes nothing, so the next holder redelivers from the last
 * written commit (at least once, in order).
 *
 * @example
 * const worker = startPartitionWorker(deps, { topic: 'orders', partition: 0, epoch: 3, committedOffset: 42, expiresAt });
 */
export function startPartitionWorker(deps: WorkerDeps, assignment: Assignment): MemberWorker {
  const { options, topic } = deps;
  const { partition, epoch } = assignment;
  const { now, logger, observer } = options;
  const where = { group: options.group, topic: topic.name, partition, epoch };
  const source = deps.source ?? logRecordSource(options.cluster, new Map([[topic.name, topic]]));
  let idleDelay = options.pollIntervalMs;
  /** Where delivery stands: the next offset to hand the handler (the lease holds `worker.committed`). */
  let position = assignment.committedOffset;
  /** The readable end the last read saw: a position there has caught up. */
  let readableEnd = Number.POSITIVE_INFINITY;
  /** When the oldest delivered offset not yet written was delivered. */
  let pendingSince: number | undefined;

  /**
   * Moves the position past what was handled (delivered, dead-lettered or skipped) and writes
   * it when the commit rule says so: at once when the position reached the readable end the
   * last read saw, else once it has waited the commit interval or the lease is due for
   * renewal. What is not written yet is redelivered by the next holder after a crash.
   */
  async function commit(worker: MemberWorker, offset: number): Promise<void> {
    if (offset <= position) return;
    position = offset;
    pendingSince ??= now();
    if (commitDue(worker)) await writeCommit(worker);
  }

  /**
   * Whether the delivered position is to be written now: it caught up with the readable end,
   * waited the commit interval, or the lease is due for renewal (the commit renews it).
   */
  function commitDue(worker: MemberWorker): boolean {
    if (pendingSince === undefined) return false;
    const at = now();
    return (
      position >= readableEnd ||
      at - pendingSince >= options.commitIntervalMs ||
      leaseRenewalDue(worker.expiresAt, at, options.leaseDurationMs)
    );
  }

  /** Writes the position (renewing the lease in the same write); a fenced write commits nothing. */
  async function writeCommit(worker: MemberWorker): Promise<void> {
    const from = worker.committed;
    const to = position;
    if (to <= from) {
      pendingSince = undefined;
      return;
    }
    await worker.commit(to);
    if (position === to) pendingSince = undefined;
    observer?.onCommitted?.({ topic: topic.name, partition, records: to - from, offset: to });
  }

  function delivery(worker: MemberWorker): DeliveryContext {
    return partitionDelivery(options, {
      topic,
      partition,
      epoch,
      commit: (offset) => commit(worker, offset),
      // A worker about to wait out a retry's backoff has nothing to save by waiting to write
      // what it handled (the records before a partial failure): it writes it first.
      async sleep(ms) {
        if (pendingSince !== undefined) await writeCommit(worker);
        await worker.pause(ms);
      },
      stopping: worker.stopping,
    });
  }

  /** Up to batchSize records from the committed offset, waiting at most the batching window. */
  async function gather(worker: MemberWorker): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    let bytes = 0;
    let eventBytes = 0;
    let from = position;
    let windowStart: number | undefined;
    for (;;) {
      const asked = from;
      const result = await source.read({
        topic: topic.name,
        partition,
        offset: from,
        maxRecords: options.batchSize - records.length,
        maxBytes: Math.max(1, options.maxBatchBytes - bytes),
        autoOffsetReset: options.autoOffsetReset,
      });
      readableEnd = result.logEndOffset;
      // Nothing to read but the position moved (the committed offset fell out of the log, or
      // the fetch walked over a voided range): record it so lag and the next owner agree.
      if (records.length === 0 && result.records.length === 0 && result.nextOffset !== position) {
        await commit(worker, result.nextOffset);
      }
      for (const record of result.records) {
        // The event must fit Lambda's payload limit once encoded; the records that do not fit
        // wait for the next batch (a record alone is always sent, whatever its size).
        const size = eventRecordBytes(topic.name, record);
        if (records.length > 0 && eventBytes + size > MAX_EVENT_BYTES) return records;
        records.push(record);
        eventBytes += size;
        bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
      }
      from = result.nextOffset;
      if (records.length >= options.batchSize || bytes >= options.maxBatchBytes) return records;
      if (records.length === 0) {
        if (result.nextOffset > asked && result.nextOffset < result.logEndOffset) continue; // past a void
        await worker.pause(idleDelay);
        idleDelay = Math.min(idleDelay * 2, options.maxPollIntervalMs);
        return records;
      }
      idleDelay = options.pollIntervalMs;
      windowStart ??= now();
      const left = options.maxBatchingWindowMs - (now() - windowStart);
      if (left <= 0 || worker.stopping()) return records;
      await worker.pause(Math.min(options.pollIntervalMs, left));
    }
  }

  return startMemberWorker({
    assignment,
    memberId: options.memberId,
    group: {
      commit: (claim, offset, extendTo) => deps.groups.commitClaim(options.group, claim, offset, extendTo),
    },
    leaseDurationMs: options.leaseDurationMs,
    pollIntervalMs: options.pollIntervalMs,
    now,
    sleep: options.sleep,
    stopped: abortSignalOf(deps.stopped),
    stopTaking: deps.stopTaking,
    after: deps.after,
    backoff: { initialRetryTime: options.retryBackoffMs, maxRetryTime: options.maxRetryBackoffMs },
    async round(worker) {
      // A commit whose write failed, or a partition whose reads keep failing, still writes
      // what it delivered, in time.
      if (commitDue(worker)) await writeCommit(worker);
      const records = await gather(worker);
      if (records.length === 0) return;
      deps.activity();
      await deliverBatch(delivery(worker), records);
      deps.activity();
    },
    // Stopping, handed back for a rebalance, or at the deadline: write what was delivered
    // before the lease is released. A lost lease commits nothing.
    async finish(worker) {
      if (worker.state === 'lost' || position <= worker.committed) return;
      try {
        await writeCommit(worker);
      } catch (error) {
        if (isProgrammerError(error)) throw error;
        if (error instanceof FencedError || isUnknownMember(error)) return; // lost: onLost said so
        logger.warn('could not write the last commit; the next holder redelivers from the one before', {
          ...where,
          offset: position,
          error: describeError(error),
        });
      }
    },
    onRoundFailed(error, failures) {
      logger.warn('partition worker failed; retrying from the last delivered offset', {
        ...where,
        error: describeError(error),
        failures,
      });
    },
    onLost(error) {
      if (error instanceof StaleTopicError) {
        logger.info('topic deleted or re-created: the partition restarts on the topic as it now is', where);
      } else logger.info('lease lost: stopping the partition', where);
      deps.lost?.(error);
    },
    onFailed(error) {
      logger.error('partition worker stopped by a programming error; it is not retried', {
        ...where,
        error: describeError(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      deps.failed(error);
    },
  });
}

/** The poller passes its stop signal; a caller may still hand a promise that settles on stop. */
function abortSignalOf(stopped: AbortSignal | Promise<void>): AbortSignal {
  if (!isPromise(stopped)) return stopped;
  const controller = new AbortController();
  void stopped.then(() => controller.abort());
  return controller.signal;
}

function isPromise(value: AbortSignal | Promise<void>): value is Promise<void> {
  return typeof (value as Promise<void>).then === 'function';
}
