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
import { createLimiter, type Limit } from '../../limit';
import { isProgrammerError, loopBackoff } from '../../retry';
import { isRetriable } from '../errors';
import { createTransport, type Transport } from '../transport';
import { createInterruptibleSleep } from './interruptible-sleep';
import { type Assignment, createMembership, type MemberState } from './membership';
import { type BatchRunner, type PartitionConsumer, startPartitionConsumer } from './partition-consumer';
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

const slot = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Builds a consumer.
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
  const membership = createMembership(transport, options.groupId);
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
  let member: MemberState | undefined;
  const workers = new Map<string, PartitionConsumer>();
  const exits = new Map<string, Promise<void>>();
  let runner: BatchRunner | undefined;
  let limit: Limit = createLimiter(1, 'partitionsConsumedConcurrently');
  const sleeper = createInterruptibleSleep();
  let rejoinWanted = false;
  let beating: Promise<void> | undefined;
  let heartbeats: Promise<void> = Promise.resolve();
  let stopping: Promise<void> = Promise.resolve();

  const autoOffsetReset = (): 'earliest' | 'latest' => (fromBeginning ? 'earliest' : 'latest');

  function startWorker(assignment: Assignment, memberId: string): void {
    const key = slot(assignment.topic, assignment.partition);
    const worker: PartitionConsumer = startPartitionConsumer({
      transport,
      topic: assignment.topic,
      partition: assignment.partition,
      epoch: assignment.epoch,
      startOffset: assignment.committedOffset,
      autoOffsetReset: autoOffsetReset(),
      maxRecords: options.maxBatchSize ?? 500,
      maxBytes: options.maxBytesPerPartition ?? 1_048_576,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      handlerRetry: options.handlerRetry ?? {},
      after: exits.get(key) ?? Promise.resolve(),
      limit,
      run: runner as BatchRunner,
      commit: (offset) =>
        membership.commit(memberId, [
          { topic: assignment.topic, partition: assignment.partition, epoch: assignment.epoch, offset },
        ]),
      // A handler's heartbeat must not fail its batch: the loop heartbeats again anyway.
      heartbeat: () => beat().catch((error: unknown) => onError(error, {})),
      onLost(error) {
        if (workers.get(key) === worker) workers.delete(key);
        if (error instanceof NotFoundError) rejoinWanted = true;
        sleeper.wake();
      },
      isRunning: () => state === 'running',
      onError,
      onCrash: crash,
    });
    workers.set(key, worker);
    exits.set(key, worker.done);
  }

  function applyAssignments(assignments: readonly Assignment[], memberId: string): void {
    if (state !== 'running') return;
    const wanted = new Map(assignments.map((a) => [slot(a.topic, a.partition), a]));
    for (const [key, worker] of workers) {
      if (wanted.get(key)?.epoch !== worker.epoch) {
        worker.stop();
        workers.delete(key);
      }
    }
    for (const [key, assignment] of wanted) {
      if (!workers.has(key)) startWorker(assignment, memberId);
    }
  }

  /** A bug is never retried: report it and stop the whole consumer, so it is not hidden. */
  function crash(error: unknown, context: ConsumerErrorContext): void {
    onError(error, { ...context, fatal: true });
    if (state === 'running') {
      state = 'stopping';
      stopping = shutdown();
    }
  }

  async function stopAllWorkers(): Promise<void> {
    for (const worker of workers.values()) worker.stop();
    workers.clear();
    await Promise.all(exits.values());
  }

  /** One heartbeat at a time; a handler's `heartbeat()` joins the one in flight. */
  function beat(): Promise<void> {
    beating ??= (async () => {
      const current = member;
      if (!current || state !== 'running') return;
      try {
        member = await membership.heartbeat(current.memberId);
        applyAssignments(member.assignments, member.memberId);
      } catch (error) {
        if (error instanceof NotFoundError) rejoinWanted = true;
        else throw error;
      }
    })().finally(() => {
      beating = undefined;
    });
    return beating;
  }

  async function join(): Promise<MemberState> {
    return membership.join({
      topics: [...topics],
      sessionTimeoutMs: options.sessionTimeout,
      autoOffsetReset: autoOffsetReset(),
    });
  }

  /** The member expired or was never known: let go of everything and join afresh. */
  async function rejoin(): Promise<void> {
    rejoinWanted = false;
    await stopAllWorkers();
    const previous = member;
    member = undefined;
    // Best effort: should the group still hold leases under the old id, free them now
    // rather than make the new member wait a session timeout for them.
    if (previous) await membership.leave(previous.memberId).catch(() => {});
    const failures = loopBackoff({ initialRetryTime: 500, maxRetryTime: 30_000 });
    while (state === 'running') {
      try {
        member = await join();
        applyAssignments(member.assignments, member.memberId);
        return;
      } catch (error) {
        const wait = failures.failed(error); // a programmer error ends the consumer (see crash)
        onError(error, {});
        await pause(wait);
      }
    }
  }

  async function heartbeatLoop(): Promise<void> {
    let lastSuccess = Date.now();
    while (state === 'running') {
      await pause(member?.heartbeatIntervalMs ?? 3000);
      if (state !== 'running') break;
      if (!rejoinWanted) {
        try {
          await beat();
          if (!rejoinWanted) lastSuccess = Date.now();
        } catch (error) {
          if (isProgrammerError(error)) throw error;
          onError(error, {});
          // Past the session timeout the group has given our partitions away already.
          if (Date.now() - lastSuccess > (member?.sessionTimeoutMs ?? 30_000)) rejoinWanted = true;
        }
      }
      if (rejoinWanted && state === 'running') {
        await rejoin();
        lastSuccess = Date.now();
      }
    }
  }

  const pause = (ms: number) => sleeper.pause(ms);

  /** Stops the workers (they commit what they finished), then leaves the group. */
  async function shutdown(): Promise<void> {
    sleeper.wake();
    await stopAllWorkers();
    await heartbeats;
    await beating?.catch(() => {});
    const leaving = member;
    member = undefined;
    if (leaving) {
      try {
        await membership.leave(leaving.memberId);
      } catch (error) {
        // An expired member has nothing to leave; anything else is worth a word.
        if (!(error instanceof NotFoundError) && !isRetriable(error)) onError(error, {});
      }
    }
    state = 'stopped';
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
      runner = makeRunner(config);
      limit = createLimiter(config.partitionsConsumedConcurrently ?? 1, 'partitionsConsumedConcurrently');
      const first = await join();
      state = 'running';
      member = first;
      applyAssignments(first.assignments, first.memberId);
      heartbeats = heartbeatLoop().catch((error: unknown) => crash(error, {}));
    },
    disconnect() {
      if (state === 'running') {
        state = 'stopping';
        stopping = shutdown();
      } else if (state !== 'stopping') {
        state = 'stopped';
      }
      return stopping;
    },
    memberId: () => member?.memberId,
    assignment: () => [...workers.values()].map((w) => ({ topic: w.topic, partition: w.partition })),
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
