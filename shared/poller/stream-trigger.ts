/**
 * The stream trigger: consumer-group delivery driven by the log table's change stream instead
 * of a poller. Every committed slot (an INSERT of a `sk` slot item) names a partition that
 * may have new records; {@link createStreamTrigger} drains each such partition of the group's
 * topics once — lease, read, deliver, commit, release — and returns. Nothing polls while no
 * record is produced. The design, every outcome of each conditional write and the costs are
 * in `docs/design/stream-trigger.md`.
 */
import type { StoredRecord } from '../codec/types';
import { FencedError, NotFoundError } from '../errors';
import { leaseRenewalDue, sleepUnlessAborted } from '../groups/clock';
import { newMemberId } from '../groups/names';
import { createGroupService, type GroupService } from '../groups/service';
import type { Assignment, LeaseClaim } from '../groups/types';
import { describeError } from '../logger';
import { logRecordSource } from '../member/direct';
import { isProgrammerError } from '../retry';
import { SEQUENCER_SORT_KEY } from '../storage/schema';
import type { Topic } from '../topics/registry';
import { deliverBatch } from './deliver';
import { eventRecordBytes, MAX_EVENT_BYTES } from './event';
import { type PollerOptions, type ResolvedPollerOptions, resolvePollerOptions } from './options';
import { partitionDelivery } from './partition-delivery';

/**
 * One change-stream record as DynamoDB Streams (GetRecords) and Lambda's DynamoDB event both
 * shape it; only the keys are read (the table's stream is KEYS_ONLY).
 */
export interface LogStreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: Record<string, { readonly S?: string; readonly N?: string }> };
}

/** A partition of the log, as the log table's partition key names it. */
export interface TouchedPartition {
  readonly topicId: string;
  readonly partition: number;
}

/**
 * The partitions a batch of log-table stream records touched with a new slot (a committed
 * batch or a void), each once, in first-seen order. Sequencer items, removals (retention)
 * and anything that is not a log key are ignored.
 *
 * @example
 * touchedPartitions([{ eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'abc#2' }, sk: { N: '17' } } } }]);
 * // [{ topicId: 'abc', partition: 2 }]
 */
export function touchedPartitions(records: readonly LogStreamRecord[]): TouchedPartition[] {
  const seen = new Map<string, TouchedPartition>();
  for (const record of records) {
    if (record.eventName !== 'INSERT') continue;
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.N;
    if (pk === undefined || sk === undefined || sk === String(SEQUENCER_SORT_KEY)) continue;
    const hash = pk.lastIndexOf('#');
    const partition = Number(pk.slice(hash + 1));
    if (hash <= 0 || !Number.isInteger(partition) || partition < 0) continue;
    if (!seen.has(pk)) seen.set(pk, { topicId: pk.slice(0, hash), partition });
  }
  return [...seen.values()];
}

/** How the drain of one partition ended. */
export type DrainOutcome =
  /** Read to the readable end (or the deadline), delivered, committed and released. */
  | 'drained'
  /** A live member (or another drain) holds the partition: it delivers the records. */
  | 'held'
  /** The lease moved on while draining: the new holder redelivers what was not committed. */
  | 'fenced'
  /** A storage error stopped the drain; the next trigger or the scheduled tick resumes. */
  | 'failed';

/** What one drain did. */
export interface StreamDrainSummary {
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly outcome: DrainOutcome;
    /** Records handled and durably committed (dead-lettered and skipped ones included). */
    readonly committedRecords: number;
  }[];
  readonly committedRecords: number;
}

/** The options of {@link createStreamTrigger}: the poller's, minus what only a member uses. */
export type StreamTriggerOptions = Omit<
  PollerOptions,
  | 'idleTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'markRunning'
  | 'memberId'
  | 'maxBatchingWindowMs'
  | 'commitIntervalMs'
  | 'trigger'
> & {
  /** @default the group service over `cluster` */
  readonly groups?: GroupService;
  /**
   * Stops every drain in hand: no further batch is started, a retry's wait ends, and the
   * lease is released with what was delivered (the local backbone's shutdown).
   */
  readonly signal?: AbortSignal;
};

/** Drains the partitions a stream batch touched; see {@link createStreamTrigger}. */
export interface StreamTrigger {
  /**
   * Drains each touched partition of the group's topics once. Never throws for a handler
   * failure (the stream shard would stall on it): what is left undelivered waits for the next
   * stream batch or the group's scheduled tick. Throws only a programmer error.
   * @param deadline stop starting batches at this time (by `now`)
   */
  drain(touched: readonly TouchedPartition[], deadline?: number): Promise<StreamDrainSummary>;
  /**
   * Drains every partition of the group's topics: the local backbone's start and its
   * once-a-minute safety net (on AWS the group's scheduled poller plays that part).
   */
  drainAll(deadline?: number): Promise<StreamDrainSummary>;
}

/**
 * Builds the stream trigger of one consumer group: the Lambda stream function and the local
 * backbone's stream reader call {@link StreamTrigger.drain} with the partitions each batch of
 * log-table stream records touched. Each partition is drained under its lease, taken with the
 * group's fencing epoch for this drain only ({@link GroupService.takePartitions}), so a live
 * member's partition is skipped and a drain whose lease moved on cannot commit. Delivery uses
 * the poller's rules (`partition-delivery.ts`, `deliver.ts`). While the lease is safely held
 * the commits are kept in memory and written with the release — one write — and only a drain
 * that runs past half the lease writes them early, renewing the lease in the same write.
 *
 * @example
 * const trigger = createStreamTrigger({ cluster, group: 'billing', topics: ['orders'], handler });
 * await trigger.drain(touchedPartitions(event.Records), Date.now() + context.getRemainingTimeInMillis() - 5_000);
 */
export function createStreamTrigger(input: StreamTriggerOptions): StreamTrigger {
  // The stream's batching window replaces the poller's: a drain gathers nothing more.
  const options = resolvePollerOptions({ ...input, maxBatchingWindowMs: 0 });
  const { cluster, group, now } = options;
  const groups =
    input.groups ?? createGroupService({ cluster, now, clockSkewToleranceMs: options.clockSkewToleranceMs });

  async function drain(touched: readonly TouchedPartition[], deadline?: number): Promise<StreamDrainSummary> {
    if (touched.length === 0) return { partitions: [], committedRecords: 0 };
    const topics = await groupTopics();
    const wanted = touched.flatMap((t) => {
      const topic = topics.get(t.topicId);
      return topic && t.partition < topic.partitionCount ? [{ topic, partition: t.partition }] : [];
    });
    if (wanted.length === 0) return { partitions: [], committedRecords: 0 };
    const owner = newMemberId('stream');
    const { taken, held } = await groups.takePartitions({
      group,
      owner,
      partitions: wanted,
      leaseDurationMs: options.leaseDurationMs,
      policy: options.policy,
    });
    const byName = new Map(wanted.map((w) => [w.topic.name, w.topic]));
    const drained = await Promise.all(
      taken.map((assignment) =>
        drainUntilQuiet(byName.get(assignment.topic) as Topic, assignment, owner, deadline),
      ),
    );
    const partitions = [
      ...drained,
      ...held.map((h) => ({ ...h, outcome: 'held' as const, committedRecords: 0 })),
    ];
    return { partitions, committedRecords: drained.reduce((sum, d) => sum + d.committedRecords, 0) };
  }

  /**
   * Drains a partition, then, once its lease is released, checks the end once more (the
   * sequencer first, the readable end only when something was reserved past the released
   * offset): a slot that landed while this drain held the lease may have triggered another
   * drain that found the partition held and skipped it, so records above the released offset
   * are drained again here (the lease taken back), until the end check finds none, another
   * holder has the partition, or the deadline. docs/design/stream-trigger.md ("A trigger is
   * never spent").
   */
  async function drainUntilQuiet(
    topic: Topic,
    first: Assignment,
    owner: string,
    deadline: number | undefined,
  ): Promise<StreamDrainSummary['partitions'][number]> {
    /** A storage failure after the release: logged, and the next trigger or the tick resumes. */
    const leaveToNextTrigger = (what: string, error: unknown, partition: number) => {
      if (isProgrammerError(error)) throw error;
      options.logger.warn(`${what}; the next trigger or the tick resumes`, {
        group,
        topic: topic.name,
        partition,
        error: describeError(error),
      });
    };
    let assignment = first;
    let committedRecords = 0;
    for (;;) {
      const result = await drainPartition(options, groups, topic, assignment, owner, deadline);
      committedRecords += result.committedRecords;
      const summary = { ...result, committedRecords };
      if (
        result.outcome !== 'drained' ||
        options.signal?.aborted ||
        (deadline !== undefined && now() >= deadline)
      )
        return summary;
      const released = assignment.committedOffset + result.committedRecords;
      let landed: number | undefined;
      try {
        // Usually one read of the sequencer alone: nothing reserved at or past the released
        // offset means nothing can have landed there.
        landed = await cluster.log.readableEndAbove(topic, assignment.partition, released);
      } catch (error) {
        leaveToNextTrigger('could not read the end after a drain', error, assignment.partition);
        return summary;
      }
      if (landed === undefined) return summary;
      let again: Awaited<ReturnType<GroupService['retakePartition']>>;
      try {
        // The release wrote the lease item, so it is taken back with no read of the group.
        again = await groups.retakePartition({
          group,
          owner,
          topic,
          partition: assignment.partition,
          released: { epoch: assignment.epoch, offset: released },
          leaseDurationMs: options.leaseDurationMs,
          policy: options.policy,
        });
      } catch (error) {
        leaveToNextTrigger('could not take the partition again', error, assignment.partition);
        return { ...summary, outcome: 'failed' };
      }
      // Held: its holder took the lease after our release, so after the slot landed; it reads it.
      if (again.taken.length === 0) return summary;
      assignment = again.taken[0];
    }
  }

  /** The group's topics by topic id (the registry's warm cache makes this free when warm). */
  async function groupTopics(): Promise<Map<string, Topic>> {
    const byId = new Map<string, Topic>();
    for (const name of options.topics) {
      try {
        const topic = await cluster.topics.get(name);
        byId.set(topic.id, topic);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return byId;
  }

  return {
    drain,
    async drainAll(deadline) {
      const topics = await groupTopics();
      const every = [...topics.values()].flatMap((topic) =>
        Array.from({ length: topic.partitionCount }, (_, partition) => ({ topicId: topic.id, partition })),
      );
      return drain(every, deadline);
    },
  };
}

/** Lease, read from the committed offset to the readable end, deliver, commit, release. */
async function drainPartition(
  options: ResolvedPollerOptions,
  groups: GroupService,
  topic: Topic,
  assignment: Assignment,
  owner: string,
  deadline: number | undefined,
): Promise<StreamDrainSummary['partitions'][number]> {
  // Ends on the drain's own fencing, or on the caller's signal (a shutdown).
  const stop = new AbortController();
  const stopOnSignal = () => stop.abort();
  options.signal?.addEventListener('abort', stopOnSignal, { once: true });
  if (options.signal?.aborted) stop.abort();
  try {
    return await drainLeased(options, groups, topic, assignment, owner, deadline, stop);
  } finally {
    options.signal?.removeEventListener('abort', stopOnSignal);
  }
}

/** {@link drainPartition} under the lease it was given; `stop` ends it before its next batch. */
async function drainLeased(
  options: ResolvedPollerOptions,
  groups: GroupService,
  topic: Topic,
  assignment: Assignment,
  owner: string,
  deadline: number | undefined,
  stop: AbortController,
): Promise<StreamDrainSummary['partitions'][number]> {
  const { now, logger, group, observer } = options;
  const { partition, epoch } = assignment;
  const where = { group, topic: topic.name, partition, epoch };
  const claim: LeaseClaim = { topic: topic.name, partition, owner, epoch };
  const source = logRecordSource(options.cluster, new Map([[topic.name, topic]]));
  /** Where delivery stands: the next offset to hand the handler. */
  let position = assignment.committedOffset;
  /** What the lease item holds. */
  let committed = assignment.committedOffset;
  let expiresAt = assignment.expiresAt;
  const state: { outcome: DrainOutcome } = { outcome: 'drained' };

  const stopping = () =>
    stop.signal.aborted || (deadline !== undefined && now() >= deadline) || now() >= expiresAt;

  function reportCommitted(from: number, to: number): void {
    if (to > from) observer?.onCommitted?.({ topic: topic.name, partition, records: to - from, offset: to });
  }

  /**
   * Moves the position. Nobody can take a lease before it expires, so while more than half of
   * it is left the commit waits for the release's write; past that it is written now, renewing
   * the lease, and a fenced write ends the drain.
   */
  async function commit(offset: number): Promise<void> {
    if (offset <= position) return;
    position = offset;
    if (!leaseRenewalDue(expiresAt, now(), options.leaseDurationMs)) return;
    const extendTo = now() + options.leaseDurationMs;
    try {
      await groups.commitClaim(group, claim, offset, extendTo);
    } catch (error) {
      if (error instanceof FencedError) {
        state.outcome = 'fenced';
        stop.abort();
      }
      throw error;
    }
    reportCommitted(committed, offset);
    committed = offset;
    expiresAt = extendTo;
  }

  const delivery = partitionDelivery(options, {
    topic,
    partition,
    epoch,
    commit,
    sleep: (ms) =>
      sleepUnlessAborted(options.sleep, Math.min(ms, Math.max(0, expiresAt - now())), stop.signal),
    stopping,
  });

  try {
    while (!stopping()) {
      const records = await readBatch(options, source, topic, partition, position);
      if (records.moved > position && records.list.length === 0) {
        // The position moved without records (past a void, or auto.offset.reset): keep it.
        await commit(records.moved);
        if (records.moved < records.logEnd) continue;
      }
      if (records.list.length === 0) break;
      if (!(await deliverBatch(delivery, records.list))) break;
      // The read saw the readable end: what lands after it triggers again, so no read to
      // confirm the partition is empty.
      if (records.list.length === records.read && records.moved >= records.logEnd) break;
    }
  } catch (error) {
    if (isProgrammerError(error)) throw error;
    if (state.outcome !== 'fenced') {
      state.outcome = 'failed';
      logger.warn('stream drain failed; the next trigger or the scheduled tick resumes it', {
        ...where,
        error: describeError(error),
      });
    }
  }
  if (state.outcome === 'fenced') {
    logger.info('lease moved on while draining: what was not committed is redelivered by its holder', where);
    return {
      topic: topic.name,
      partition,
      outcome: state.outcome,
      committedRecords: committed - assignment.committedOffset,
    };
  }
  try {
    const released = await groups.release(group, claim, position > committed ? position : undefined);
    if (released === 'fenced') {
      logger.info('lease moved on before the release: what was not committed is redelivered', where);
      return {
        topic: topic.name,
        partition,
        outcome: 'fenced',
        committedRecords: committed - assignment.committedOffset,
      };
    }
    reportCommitted(committed, position);
    committed = position;
  } catch (error) {
    if (isProgrammerError(error)) throw error;
    // The lease expires on its own; the position kept in memory is lost, so the records since
    // the last written commit are delivered again (at least once).
    logger.warn('could not release the lease; it expires on its own', {
      ...where,
      error: describeError(error),
    });
    state.outcome = 'failed';
  }
  return {
    topic: topic.name,
    partition,
    outcome: state.outcome,
    committedRecords: committed - assignment.committedOffset,
  };
}

/** One batch from `offset`: at most `batchSize` records that fit one Lambda event. */
async function readBatch(
  options: ResolvedPollerOptions,
  source: ReturnType<typeof logRecordSource>,
  topic: Topic,
  partition: number,
  offset: number,
): Promise<{ list: StoredRecord[]; read: number; moved: number; logEnd: number }> {
  const result = await source.read({
    topic: topic.name,
    partition,
    offset,
    maxRecords: options.batchSize,
    maxBytes: options.maxBatchBytes,
    autoOffsetReset: options.autoOffsetReset,
  });
  const list: StoredRecord[] = [];
  let eventBytes = 0;
  for (const record of result.records) {
    // The records that do not fit Lambda's payload limit wait for the next batch (a record
    // alone is always sent, whatever its size).
    const size = eventRecordBytes(topic.name, record);
    if (list.length > 0 && eventBytes + size > MAX_EVENT_BYTES) break;
    list.push(record);
    eventBytes += size;
  }
  return { list, read: result.records.length, moved: result.nextOffset, logEnd: result.logEndOffset };
}
