import type { StoredRecord } from '../codec/types';
import { FencedError } from '../errors';
import { sleepUnless } from '../groups/clock';
import type { GroupService } from '../groups/service';
import type { Assignment, LeaseClaim } from '../groups/types';
import { loopBackoff } from '../retry';
import type { Topic } from '../topics/registry';
import { appendDeadLetters } from './dead-letter';
import { type Attempt, type DeliveryContext, deliverBatch, exponentialBackoff } from './deliver';
import { eventRecordBytes, MAX_EVENT_BYTES, readBatchResponse, toKafkaEvent } from './event';
import { type WorkerState, workerLifecycle } from './lifecycle';
import type { ResolvedPollerOptions } from './options';

export interface WorkerDeps {
  readonly options: ResolvedPollerOptions;
  readonly groups: GroupService;
  readonly topic: Topic;
  /** Settles when the whole poller is asked to stop. */
  readonly stopped: Promise<void>;
  /** True once the poller takes no new work (stop, deadline, idle). */
  readonly stopTaking: () => boolean;
  /** Called whenever records arrive or a batch completes (idle detection). */
  readonly activity: () => void;
  /** A programmer error stopped the worker (state `failed`): it is not retried. */
  readonly failed: (error: unknown) => void;
}

/** One held partition, read in offset order and delivered batch by batch. */
export interface PartitionWorker {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly state: WorkerState;
  /** The committed offset: the next one to consume. */
  readonly committed: number;
  /** Resolves once the worker stopped (or failed); it never rejects. */
  readonly done: Promise<void>;
  /** The heartbeat renewed the lease until `expiresAt`. */
  renewed(expiresAt: number): void;
  /** Finish the batch in hand, then stop (the lease is then released). */
  drain(): void;
  /** The lease moved to another member: stop at once, commit nothing more. */
  lose(): void;
}

/**
 * Starts the worker of one acquired partition. It fetches from the committed offset,
 * gathers up to `batchSize` records or `maxBatchingWindowMs`, delivers them (retries,
 * bisection, dead letters — see `deliver.ts`), commits, and goes on until it is drained,
 * loses the lease, or the poller stops. Errors of the stores are logged and retried from
 * the last commit with the core's loop backoff; a programmer error (`TypeError`,
 * `RangeError`, …) is never retried: the worker ends in state `failed` and tells the poller.
 *
 * @example
 * const worker = startPartitionWorker(deps, { topic: 'orders', partition: 0, epoch: 3, committedOffset: 42, expiresAt });
 */
export function startPartitionWorker(deps: WorkerDeps, assignment: Assignment): PartitionWorker {
  const { options, groups, topic } = deps;
  const { partition, epoch } = assignment;
  const { now, logger, observer } = options;
  const life = workerLifecycle();
  const claim: LeaseClaim = { topic: topic.name, partition, owner: options.memberId, epoch };
  const where = { group: options.group, topic: topic.name, partition, epoch };
  let committed = assignment.committedOffset;
  let expiresAt = assignment.expiresAt;
  let halt: () => void = () => {};
  const halted = new Promise<void>((resolve) => {
    halt = resolve;
  });
  const interrupt = Promise.race([deps.stopped, halted]);
  const pause = (ms: number) => sleepUnless(options.sleep, ms, interrupt);
  const stopping = () => life.state !== 'running' || deps.stopTaking();
  const backoffPolicy = { initialRetryTime: options.retryBackoffMs, maxRetryTime: options.maxRetryBackoffMs };
  const backoff = exponentialBackoff(options.retryBackoffMs, options.maxRetryBackoffMs);
  const partitionKey = `${topic.name}-${partition}`;

  async function commit(offset: number): Promise<void> {
    if (offset <= committed) return;
    if (life.state === 'lost') throw new FencedError(`Lease of ${partitionKey} was lost.`);
    const extendTo = now() + options.leaseDurationMs;
    // The commit renews the lease in the same write: a busy partition needs no extra renewals.
    await groups.commitClaim(options.group, claim, offset, extendTo);
    observer?.onCommitted?.({ topic: topic.name, partition, records: offset - committed, offset });
    committed = offset;
    expiresAt = Math.max(expiresAt, extendTo);
  }

  async function invoke(records: readonly StoredRecord[]): Promise<Attempt> {
    const offsets = records.map((r) => r.offset);
    try {
      const event = toKafkaEvent([{ topic: topic.name, records }], options.bootstrapServers);
      const answer = readBatchResponse(await options.handler(event), partitionKey, offsets);
      if (answer.ok) return answer;
      const error =
        answer.failed.length === 0
          ? 'the handler returned batchItemFailures naming records outside the batch, or malformed'
          : `the handler reported ${answer.failed.length} failed record(s), first at offset ${answer.failedFrom}`;
      return { ...answer, error };
    } catch (error) {
      return { ok: false, failedFrom: offsets[0], failed: [], error: describe(error) };
    }
  }

  const delivery: DeliveryContext = {
    invoke,
    commit,
    async giveUp(records, error, attempts) {
      const offsets = records.map((r) => r.offset);
      if (options.onFailureTopic !== undefined) {
        await appendDeadLetters(options.cluster, options.onFailureTopic, {
          group: options.group,
          topic: topic.name,
          records,
          error,
          attempts,
        });
        logger.warn('records sent to the dead-letter topic after their last retry', {
          ...where,
          offsets,
          deadLetterTopic: options.onFailureTopic,
          error,
        });
      } else {
        logger.warn('records skipped after their last retry (no dead-letter topic)', {
          ...where,
          offsets,
          error,
        });
      }
      observer?.onDeadLettered?.({ topic: topic.name, partition, offsets, error });
    },
    onRetry(attempt, error) {
      logger.warn('batch failed; retrying', { ...where, attempt, error });
      observer?.onRetry?.({ topic: topic.name, partition, attempt, error });
    },
    retryAttempts: options.retryAttempts,
    bisectOnError: options.bisectOnError,
    backoff,
    sleep: pause,
    stopping,
  };

  let idleDelay = options.pollIntervalMs;

  /** Up to batchSize records from the committed offset, waiting at most the batching window. */
  async function gather(): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    let bytes = 0;
    let eventBytes = 0;
    let from = committed;
    let windowStart: number | undefined;
    for (;;) {
      const asked = from;
      const result = await options.cluster.log.fetch({
        topic,
        partition,
        offset: from,
        maxRecords: options.batchSize - records.length,
        maxBytes: Math.max(1, options.maxBatchBytes - bytes),
        autoOffsetReset: options.autoOffsetReset,
      });
      // Nothing to read but the position moved (the committed offset fell out of the log, or
      // the fetch walked over a voided range): record it so lag and the next owner agree.
      if (records.length === 0 && result.records.length === 0 && result.nextOffset !== committed) {
        await commit(result.nextOffset);
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
        await pause(idleDelay);
        idleDelay = Math.min(idleDelay * 2, options.maxPollIntervalMs);
        return records;
      }
      idleDelay = options.pollIntervalMs;
      windowStart ??= now();
      const left = options.maxBatchingWindowMs - (now() - windowStart);
      if (left <= 0 || stopping()) return records;
      await pause(Math.min(options.pollIntervalMs, left));
    }
  }

  async function loop(): Promise<void> {
    const failures = loopBackoff(backoffPolicy);
    while (!stopping()) {
      try {
        // Our clock says the lease lapsed: do not start a batch until the heartbeat has
        // renewed it (or found it lost).
        if (now() >= expiresAt) {
          await pause(options.pollIntervalMs);
          continue;
        }
        const records = await gather();
        if (records.length === 0) continue;
        deps.activity();
        await deliverBatch(delivery, records);
        deps.activity();
        failures.succeeded();
      } catch (error) {
        if (error instanceof FencedError) {
          logger.info('lease lost: stopping the partition', where);
          life.tryTo('lost');
          break;
        }
        const wait = failures.failed(error); // a programmer error ends the loop here
        logger.warn('partition worker failed; retrying from the last commit', {
          ...where,
          error: describe(error),
          failures: failures.failures,
        });
        await pause(wait);
      }
    }
    life.tryTo('stopped');
  }

  const done = loop().catch((error: unknown) => {
    logger.error('partition worker stopped by a programming error; it is not retried', {
      ...where,
      error: describe(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    life.tryTo('failed');
    deps.failed(error);
  });

  return {
    topic: topic.name,
    partition,
    epoch,
    get state() {
      return life.state;
    },
    get committed() {
      return committed;
    },
    done,
    renewed(until) {
      expiresAt = Math.max(expiresAt, until);
    },
    drain() {
      if (life.tryTo('draining')) halt();
    },
    lose() {
      if (life.tryTo('lost')) halt();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
