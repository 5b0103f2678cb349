/**
 * The consumer: a member of a Sluice consumer group over the HTTP API. It joins, keeps its
 * partition leases with heartbeats, runs one worker per leased partition, commits after each
 * batch, and follows the group's decisions: a partition taken away (or fenced) is dropped, a
 * partition given is started from the group's committed offset, an expired membership is
 * joined again. A programmer error (`TypeError`, `RangeError`, … — in a handler or in the
 * consumer) is never retried: the consumer reports it to `onError` with `fatal: true` and
 * stops (commits what was processed, leaves the group), as kafkajs crashes on an error it
 * cannot retry.
 *
 * States: `idle` → `running` (after `run`) → `stopping` → `stopped`; `connect` and
 * `subscribe` are allowed before `run`.
 */
import { NotFoundError, SluiceError } from '../../errors';
import { realSleep, systemClock } from '../../groups/clock';
import { createLimiter, type Limit } from '../../limit';
import { silentLogger } from '../../logger';
import { createMemberRuntime, type MemberRuntime } from '../../member/runtime';
import { isRetriable } from '../errors';
import { createTransport, type Transport } from '../transport';
import { type BatchRunner, startPartitionConsumer } from './partition-consumer';
import { httpGroupPort } from './remote';
import type { Consumer, ConsumerErrorContext, ConsumerOptions, ConsumerRunConfig } from './types';

export type {
  Batch,
  Consumer,
  ConsumerErrorContext,
  ConsumerOptions,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  EachBatchPayload,
  EachMessagePayload,
  KafkaMessage,
} from './types';

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * Builds a consumer: the core's member runtime (`shared/member/`), reaching the group and
 * the records over HTTP (`remote.ts`), whose workers hand batches to `eachMessage` or
 * `eachBatch`.
 *
 * @example
 * const consumer = createConsumer({ url: 'http://127.0.0.1:8080', groupId: 'billing' });
 * await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
 * await consumer.run({
 *   eachMessage: async ({ topic, partition, message }) => {
 *     console.log(topic, partition, message.offset, message.value?.toString());
 *   },
 * });
 * // later
 * await consumer.disconnect();
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  if (typeof options?.groupId !== 'string' || options.groupId === '') {
    throw new TypeError('createConsumer: groupId must be a non-empty string.');
  }
  const transport: Transport = createTransport(options);
  const onError =
    options.onError ??
    ((error: unknown, context: ConsumerErrorContext) => {
      const where = context.topic === undefined ? '' : ` (${context.topic}-${context.partition})`;
      const what = context.fatal ? ' stopped by a programming error, not retried' : '';
      console.error(`sluice consumer ${options.groupId}${where}${what}:`, error);
    });
  const topics = new Set<string>();
  let fromBeginning = options.fromBeginning ?? false;
  let state: State = 'idle';
  let member: MemberRuntime | undefined;
  let stopping: Promise<void> = Promise.resolve();

  const autoOffsetReset = (): 'earliest' | 'latest' => (fromBeginning ? 'earliest' : 'latest');

  function startMember(runner: BatchRunner, limit: Limit): MemberRuntime {
    const offsetReset = autoOffsetReset();
    const port = httpGroupPort(transport, options.groupId, {
      topics: [...topics],
      sessionTimeoutMs: options.sessionTimeout,
      autoOffsetReset: offsetReset,
    });
    const runtime: MemberRuntime = createMemberRuntime({
      port,
      group: options.groupId,
      logger: silentLogger,
      now: systemClock,
      sleep: realSleep,
      startWorker: (assignment, context) =>
        startPartitionConsumer({
          transport,
          memberId: context.memberId,
          topic: assignment.topic,
          partition: assignment.partition,
          epoch: assignment.epoch,
          startOffset: String(assignment.committedOffset),
          autoOffsetReset: offsetReset,
          maxRecords: options.maxBatchSize ?? 500,
          maxBytes: options.maxBytesPerPartition ?? 1_048_576,
          pollIntervalMs: options.pollIntervalMs ?? 250,
          handlerRetry: options.handlerRetry ?? {},
          after: context.after,
          stopped: context.stopped,
          limit,
          run: runner,
          commit: (offset) =>
            port.commit(
              {
                topic: assignment.topic,
                partition: assignment.partition,
                owner: context.memberId,
                epoch: assignment.epoch,
              },
              Number(offset),
              assignment.expiresAt,
            ),
          // A handler's heartbeat must not fail its batch: the loop heartbeats again anyway.
          heartbeat: () => runtime.heartbeat().catch((error: unknown) => onError(error, {})),
          onLost: context.lost,
          isRunning: () => state === 'running',
          onError,
          onCrash: (error) =>
            context.failed(error, { topic: assignment.topic, partition: assignment.partition }),
        }),
      onHeartbeatFailed: (error) => onError(error, {}),
      /** A bug is never retried: report it and stop the whole consumer, so it is not hidden. */
      onFailure(error, where) {
        onError(error, { ...where, fatal: true });
        if (state === 'running') state = 'stopping';
      },
      // An expired member has nothing to leave; anything else is worth a word.
      onLeaveFailed(error) {
        if (!(error instanceof NotFoundError) && !isRetriable(error)) onError(error, {});
      },
    });
    return runtime;
  }

  return {
    async connect() {
      await transport.clusterPath();
    },
    async subscribe(subscription) {
      if (state === 'running') {
        throw new SluiceError('subscribe before run(): the consumer is already running.', 'invalid-request');
      }
      const list = 'topics' in subscription ? subscription.topics : [subscription.topic];
      for (const topic of list) {
        if (typeof topic !== 'string' || topic === '')
          throw new TypeError('subscribe: topics must be non-empty strings.');
        topics.add(topic);
      }
      if (subscription.fromBeginning !== undefined)
        fromBeginning = fromBeginning || subscription.fromBeginning;
    },
    async run(config: ConsumerRunConfig) {
      if (state === 'running' || state === 'stopping') {
        throw new SluiceError('The consumer is already running: disconnect() first.', 'invalid-request');
      }
      if (topics.size === 0) throw new TypeError('run: subscribe to at least one topic first.');
      const runner = makeRunner(config);
      const limit = createLimiter(
        config.partitionsConsumedConcurrently ?? 1,
        'partitionsConsumedConcurrently',
      );
      const runtime = startMember(runner, limit);
      member = runtime;
      state = 'running';
      const running = runtime.run();
      stopping = running
        .catch(() => {}) // reported through onFailure
        .finally(() => {
          if (member === runtime && state !== 'idle') state = 'stopped';
        });
      try {
        await Promise.race([runtime.joined, running]);
      } catch (error) {
        // The join failed: nothing runs, the consumer may be run again.
        if (member === runtime) state = 'idle';
        throw error;
      }
    },
    disconnect() {
      if (state === 'running') {
        state = 'stopping';
        member?.stop();
      } else if (state !== 'stopping') {
        state = 'stopped';
      }
      return stopping;
    },
    memberId: () => member?.memberId,
    assignment: () => member?.assignments() ?? [],
  };
}

/** Adapts `eachMessage` / `eachBatch` to the worker's batch runner. */
function makeRunner(config: ConsumerRunConfig): BatchRunner {
  const { eachMessage, eachBatch } = config;
  if ((eachMessage === undefined) === (eachBatch === undefined)) {
    throw new TypeError('run: pass exactly one of eachMessage and eachBatch.');
  }
  if (eachMessage) {
    return async (batch, controls) => {
      for (const message of batch.messages) {
        if (!controls.isRunning() || controls.isStale()) return;
        await eachMessage({
          topic: batch.topic,
          partition: batch.partition,
          message,
          heartbeat: controls.heartbeat,
        });
        controls.resolveOffset(message.offset);
      }
    };
  }
  const autoResolve = config.eachBatchAutoResolve ?? true;
  const handler = eachBatch as NonNullable<ConsumerRunConfig['eachBatch']>;
  return async (batch, controls) => {
    await handler({
      batch,
      resolveOffset: controls.resolveOffset,
      heartbeat: controls.heartbeat,
      commitOffsetsIfNecessary: controls.commitOffsetsIfNecessary,
      isRunning: controls.isRunning,
      isStale: controls.isStale,
    });
    if (autoResolve && !controls.isStale()) controls.resolveOffset(batch.lastOffset());
  };
}
