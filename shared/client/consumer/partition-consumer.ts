/**
 * The client consumer's round on one leased partition: fetch, hand the batch to the user's
 * handler, commit what it resolved. The worker around it — lifecycle, fenced commits, the
 * wait for the partition's previous worker, retries with the core's loop backoff, never a
 * retried programmer error — is the member runtime's (`shared/member/worker.ts`), the same as
 * the poller's.
 *
 * A stopped worker finishes the message in hand, commits it (unless fenced) and exits; `done`
 * resolves then. A programmer error (`TypeError`, `RangeError`, … — in the handler or here)
 * makes the worker commit what was resolved, stop and call `onCrash`, because retrying a bug
 * only hides it.
 */
import type { FencedError, NotFoundError, StaleTopicError } from '../../errors';
import { realSleep, systemClock } from '../../groups/clock';
import { type MemberWorker, startMemberWorker } from '../../member/worker';
import type { RetryOptions } from '../retry';
import type { Transport } from '../transport';
import { httpRecordSource } from './remote';
import type { Batch, ConsumerErrorContext, KafkaMessage } from './types';

/** What the worker lets a batch runner do. */
export interface BatchControls {
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}

/** Runs the user's handler on a batch (eachMessage or eachBatch). */
export type BatchRunner = (batch: Batch, controls: BatchControls) => Promise<void>;

/** Everything a worker needs; one worker per (partition, lease epoch). */
export interface WorkerOptions {
  readonly transport: Transport;
  /** The member holding the lease. @default '' (the commit callback knows it) */
  readonly memberId?: string;
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** The group's committed offset: where to start. */
  readonly startOffset: string;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly pollIntervalMs: number;
  readonly handlerRetry: RetryOptions;
  /** Resolves when the previous worker of this partition in this process has exited. */
  readonly after: Promise<void>;
  /** Aborted when the whole consumer stops. @default never */
  readonly stopped?: AbortSignal;
  /** Serializes handler calls across partitions (`partitionsConsumedConcurrently`). */
  readonly limit: <T>(work: () => Promise<T>) => Promise<T>;
  readonly run: BatchRunner;
  /** Commits `offset` (the next to consume) under this worker's epoch. */
  readonly commit: (offset: string) => Promise<void>;
  readonly heartbeat: () => Promise<void>;
  /** Told when a commit was fenced or the member is unknown: the assignment must be refreshed. */
  readonly onLost: (error: FencedError | NotFoundError | StaleTopicError) => void;
  readonly isRunning: () => boolean;
  readonly onError: (error: unknown, context: ConsumerErrorContext) => void;
  /** A programmer error stopped the worker (it is not retried); the consumer must stop. */
  readonly onCrash: (error: unknown, context: ConsumerErrorContext) => void;
}

/** A running worker. */
export interface PartitionConsumer extends MemberWorker {
  /** Asks the worker to stop after the message in hand. */
  stop(): void;
}

/**
 * Starts a worker.
 *
 * @example
 * const worker = startPartitionConsumer({ ...options, topic: 'orders', partition: 0, epoch: 3, startOffset: '42' });
 * worker.stop(); await worker.done;
 */
export function startPartitionConsumer(options: WorkerOptions): PartitionConsumer {
  const { topic, partition } = options;
  const context = { topic, partition };
  const source = httpRecordSource(options.transport);
  /** The next offset the handler has not resolved yet: what the next commit covers. */
  let resolved = Number(options.startOffset);
  /** Where the next fetch starts; unset after a failure, to start over from `resolved`. */
  let position: number | undefined;

  const isLost = (worker: MemberWorker) => worker.state === 'lost';

  async function commitIfNecessary(worker: MemberWorker): Promise<void> {
    if (isLost(worker) || resolved <= worker.committed) return;
    try {
      await worker.commit(resolved);
    } catch (error) {
      // Fenced, or no member at all: the worker is lost (and said so); the new owner resumes
      // from the last commit that got through.
      if (!isLost(worker)) options.onError(error, context);
    }
  }

  const controls = (worker: MemberWorker): BatchControls => ({
    resolveOffset(offset) {
      const next = Number(offset) + 1;
      if (next > resolved) resolved = next;
    },
    heartbeat: options.heartbeat,
    commitOffsetsIfNecessary: () => commitIfNecessary(worker),
    isRunning: () => !worker.stopping(),
    isStale: () => isLost(worker),
  });

  async function round(worker: MemberWorker): Promise<void> {
    try {
      position ??= resolved;
      const fetched = await source.read({
        topic,
        partition,
        offset: position,
        maxRecords: options.maxRecords,
        maxBytes: options.maxBytes,
        autoOffsetReset: options.autoOffsetReset,
      });
      if (fetched.records.length === 0) {
        position = fetched.nextOffset;
        await worker.pause(options.pollIntervalMs);
        return;
      }
      const batch = makeBatch(topic, partition, fetched.records, String(fetched.logEndOffset));
      // An offset reset (retention) may have moved the start: nothing before the first record is ours to commit.
      resolved = Math.max(resolved, Number(fetched.records[0].offset));
      let failed: unknown;
      await options.limit(async () => {
        if (worker.stopping()) return;
        try {
          await options.run(batch, controls(worker));
        } catch (error) {
          failed = error;
        }
      });
      await commitIfNecessary(worker);
      if (failed !== undefined) throw failed;
      // Resume after what the handler resolved; unresolved messages are fetched again.
      position = resolved;
    } catch (error) {
      position = undefined;
      throw error;
    }
  }

  const worker = startMemberWorker({
    assignment: {
      topic,
      partition,
      epoch: options.epoch,
      committedOffset: Number(options.startOffset),
      expiresAt: Number.POSITIVE_INFINITY,
    },
    memberId: options.memberId ?? '',
    group: { commit: (_claim, offset) => options.commit(String(offset)) },
    leaseDurationMs: 0,
    pollIntervalMs: options.pollIntervalMs,
    now: systemClock,
    sleep: realSleep,
    stopped: options.stopped ?? new AbortController().signal,
    stopTaking: () => !options.isRunning(),
    after: options.after,
    // Handler retries back off longer than request retries: 300 ms doubling up to 30 s unless configured.
    backoff: { initialRetryTime: 300, maxRetryTime: 30_000, ...options.handlerRetry },
    round,
    onRoundFailed: (error) => options.onError(error, context),
    onLost: options.onLost,
    onFailed: (error) => options.onCrash(error, context),
    finish: () => commitIfNecessary(worker),
  });
  return Object.assign(worker, { stop: () => worker.drain() });
}

function makeBatch(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  highWatermark: string,
): Batch {
  const last = messages[messages.length - 1].offset;
  return {
    topic,
    partition,
    highWatermark,
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => last,
    offsetLag: () => {
      const lag = BigInt(highWatermark) - 1n - BigInt(last);
      return (lag < 0n ? 0n : lag).toString();
    },
  };
}
