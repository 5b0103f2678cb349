/**
 * Consumes one leased partition: fetch, hand the batch to the user's handler, commit what it
 * resolved, repeat — until the lease is revoked, fenced or the consumer stops.
 *
 * States: `waiting` (the previous owner in this process has not finished) → `running` →
 * `stopped`. A stopped worker finishes the message in hand, commits it (unless fenced) and
 * exits; `done` resolves then. Failures are retried with the core's loop backoff, except a
 * programmer error (`TypeError`, `RangeError`, … — in the handler or here): the worker commits
 * what was resolved, stops and calls `onCrash`, because retrying a bug only hides it.
 */
import { FencedError, NotFoundError } from '../../errors';
import { loopBackoff } from '../../retry';
import { offsetString, topicPath } from '../paths';
import type { RetryOptions } from '../retry';
import type { Transport } from '../transport';
import { createInterruptibleSleep } from './interruptible-sleep';
import { fetchPartition } from './messages';
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
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** The group's committed offset, or null to start per `autoOffsetReset`. */
  readonly startOffset: string | null;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly pollIntervalMs: number;
  readonly handlerRetry: RetryOptions;
  /** Resolves when the previous worker of this partition in this process has exited. */
  readonly after: Promise<void>;
  /** Serializes handler calls across partitions (`partitionsConsumedConcurrently`). */
  readonly limit: <T>(work: () => Promise<T>) => Promise<T>;
  readonly run: BatchRunner;
  /** Commits `offset` (the next to consume) under this worker's epoch. */
  readonly commit: (offset: string) => Promise<void>;
  readonly heartbeat: () => Promise<void>;
  /** Told when a commit was fenced or the member is unknown: the assignment must be refreshed. */
  readonly onLost: (error: FencedError | NotFoundError) => void;
  readonly isRunning: () => boolean;
  readonly onError: (error: unknown, context: ConsumerErrorContext) => void;
  /** A programmer error stopped the worker (it is not retried); the consumer must stop. */
  readonly onCrash: (error: unknown, context: ConsumerErrorContext) => void;
}

/** A running worker. */
export interface PartitionConsumer {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** Asks the worker to stop after the message in hand. */
  stop(): void;
  readonly done: Promise<void>;
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
  let state: 'waiting' | 'running' | 'stopped' = 'waiting';
  let lost = false;
  const sleeper = createInterruptibleSleep();
  let committed: string | null = options.startOffset;
  let resolved: string | null = options.startOffset;

  async function commitIfNecessary(): Promise<void> {
    if (lost || resolved === null || resolved === committed) return;
    const offset = resolved;
    try {
      await options.commit(offset);
      committed = offset;
    } catch (error) {
      if (error instanceof FencedError || error instanceof NotFoundError) {
        // Another member owns the partition now (or we are no member at all): drop the work
        // in hand; the new owner resumes from the last commit that got through.
        lost = true;
        state = 'stopped';
        options.onLost(error);
      } else {
        options.onError(error, context);
      }
    }
  }

  const controls = (firstOffset: string): BatchControls => ({
    resolveOffset(offset) {
      const next = (BigInt(offset) + 1n).toString();
      if (BigInt(next) > BigInt(resolved ?? firstOffset)) resolved = next;
    },
    heartbeat: options.heartbeat,
    commitOffsetsIfNecessary: commitIfNecessary,
    isRunning: () => state === 'running' && options.isRunning(),
    isStale: () => lost,
  });

  async function startPosition(): Promise<string> {
    if (options.autoOffsetReset === 'earliest') return '0';
    // Only new records: start at the partition's end as it is now.
    const { body } = await options.transport.request<{
      data: { partition_id: number; log_end_offset: number | string }[];
    }>({ method: 'GET', path: `${topicPath(await options.transport.clusterPath(), topic)}/partitions` });
    return offsetString(body.data.find((p) => p.partition_id === partition)?.log_end_offset ?? 0);
  }

  async function loop(): Promise<void> {
    await options.after;
    if (state === 'stopped') return;
    state = 'running';
    // Handler retries back off longer than request retries: 300 ms doubling up to 30 s unless configured.
    const failures = loopBackoff({ initialRetryTime: 300, maxRetryTime: 30_000, ...options.handlerRetry });
    let position: string | undefined;
    while (state === 'running') {
      try {
        position ??= resolved ?? (await startPosition());
        const fetched = await fetchPartition(options.transport, {
          topic,
          partition,
          offset: position,
          maxRecords: options.maxRecords,
          maxBytes: options.maxBytes,
          autoOffsetReset: options.autoOffsetReset,
        });
        if (fetched.messages.length === 0) {
          position = fetched.nextOffset;
          await pause(options.pollIntervalMs);
          continue;
        }
        const batch = makeBatch(topic, partition, fetched.messages, fetched.logEndOffset);
        const first = fetched.messages[0].offset;
        // An offset reset (retention) may have moved the start: nothing before `first` is ours to commit.
        if (resolved === null || BigInt(resolved) < BigInt(first)) resolved = first;
        let failed: unknown;
        await options.limit(async () => {
          if (state !== 'running') return;
          try {
            await options.run(batch, controls(first));
          } catch (error) {
            failed = error;
          }
        });
        await commitIfNecessary();
        if (failed !== undefined) throw failed;
        failures.succeeded();
        // Resume after what the handler resolved; unresolved messages are fetched again.
        position = resolved ?? fetched.nextOffset;
      } catch (error) {
        const wait = failures.failed(error); // a programmer error ends the loop here
        if (state !== 'running') break;
        options.onError(error, context);
        position = undefined;
        await pause(wait);
      }
    }
    await commitIfNecessary();
  }

  const pause = (ms: number) => sleeper.pause(ms);

  const done = loop().catch(async (error: unknown) => {
    state = 'stopped';
    await commitIfNecessary();
    options.onCrash(error, context);
  });
  return {
    topic,
    partition,
    epoch: options.epoch,
    stop() {
      state = 'stopped';
      sleeper.wake();
    },
    done,
  };
}

function makeBatch(topic: string, partition: number, messages: KafkaMessage[], highWatermark: string): Batch {
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
