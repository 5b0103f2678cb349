import { randomBytes } from 'node:crypto';
import { encodeSegment } from '../codec';
import type { ProducedRecord, SectionInput } from '../codec/types';
import {
  InvalidRequestError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  SluiceError,
  UnavailableError,
} from '../errors';
import { createDefaultPartitioner, type Partitioner } from '../partitioner';
import type { IndexEntry, LogIndex, ProducerGuard, ProducerState } from '../storage/log-index';
import { partitionKey } from '../storage/log-index';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';
import type { HeadCache } from './head-cache';

/** A record to append; `partition` pins it, otherwise the partitioner decides. */
export interface AppendRecord extends ProducedRecord {
  readonly partition?: number;
}

/** An idempotent producer's identity and the base sequence of this request per partition. */
export interface ProducerIdentity {
  readonly id: string;
  /** Base sequence for a partition: the sequence of the request's first record in it. */
  readonly sequenceFor: (partition: number) => number;
}

export interface AppendRequest {
  readonly topic: Topic;
  readonly records: readonly AppendRecord[];
  readonly producer?: ProducerIdentity;
}

/** The fate of one record, in request order. */
export type RecordResult =
  | { readonly ok: true; readonly partition: number; readonly offset: number; readonly timestamp: number }
  | { readonly ok: false; readonly partition: number; readonly error: SluiceError };

export interface AppendDeps {
  readonly segments: SegmentStore;
  readonly index: LogIndex;
  readonly heads: HeadCache;
  /** @default createDefaultPartitioner */
  readonly partitioner?: () => Partitioner;
  /**
   * Conditional-put attempts per partition before a retriable error. Every attempt after the
   * second targets the true head, so with n writers racing flat out on one partition an
   * attempt loses with probability about (n-1)/n: 100 attempts leave 8 racing writers a
   * ~1e-6 chance per request of giving up.
   * @default 100
   */
  readonly maxCommitAttempts?: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Appends one request's records: validate everything, place each record, write ONE segment
 * object holding a section per partition, then commit each section at its partition's head
 * with a conditional put. A record is acknowledged (`ok: true`) only once both writes are
 * durable. See `docs/architecture.md` for why the chain stays gapless.
 *
 * @example
 * const results = await appendRecords(deps, { topic, records: [{ key: null, value: Buffer.from('hi'), headers: [], timestamp: Date.now() }] });
 */
export async function appendRecords(deps: AppendDeps, request: AppendRequest): Promise<RecordResult[]> {
  const { topic, records, producer } = request;
  const placement = placeRecords(topic, records, (deps.partitioner ?? createDefaultPartitioner)());
  const sections = groupByPartition(records, placement);

  const offsets = new Map<number, number>();
  const failures = new Map<number, SluiceError>();
  const guards = new Map<number, ProducerGuard>();
  if (producer) {
    await Promise.all(
      sections.map(async ({ partition, records: batch }) => {
        const sequence = producer.sequenceFor(partition);
        const state = await deps.index.producerState(producer.id, topic.id, partition);
        const duplicate = checkSequence(topic, partition, sequence, batch.length, state);
        if (duplicate !== undefined) offsets.set(partition, duplicate);
        else guards.set(partition, { producerId: producer.id, sequence, expected: state });
      }),
    );
  }

  const fresh = sections.filter((section) => !offsets.has(section.partition));
  if (fresh.length > 0) {
    const { bytes, sections: locations } = encodeSegment(fresh);
    const segmentKey = `segments/${topic.id}/${deps.now()}-${randomBytes(8).toString('hex')}`;
    await deps.segments.put(segmentKey, bytes);
    const appendedAt = deps.now();
    await Promise.all(
      locations.map(async (location) => {
        const entry: Omit<IndexEntry, 'baseOffset'> = {
          topicId: topic.id,
          segmentKey,
          appendedAt,
          ...location,
          count: location.recordCount,
        };
        try {
          offsets.set(
            location.partition,
            await commitSection(deps, topic, entry, guards.get(location.partition)),
          );
        } catch (error) {
          if (!(error instanceof SluiceError)) throw error;
          failures.set(location.partition, error);
        }
      }),
    );
  }

  const next = new Map<number, number>();
  return records.map((record, i) => {
    const partition = placement[i];
    const failure = failures.get(partition);
    if (failure) return { ok: false, partition, error: failure };
    const offset = next.get(partition) ?? (offsets.get(partition) as number);
    next.set(partition, offset + 1);
    return { ok: true, partition, offset, timestamp: record.timestamp };
  });
}

/** Rejects the whole request before anything is written if any record breaks a rule. */
function placeRecords(topic: Topic, records: readonly AppendRecord[], partitioner: Partitioner): number[] {
  if (records.length === 0) {
    throw new InvalidRequestError('The request holds no records: send at least one.', { topic: topic.name });
  }
  const limit = topic.configs['max.message.bytes'];
  return records.map((record, i) => {
    const size = recordSize(record);
    if (size > limit) {
      throw new RecordTooLargeError(
        `Record ${i} is ${size} bytes, over the topic's max.message.bytes of ${limit}: shrink it or raise max.message.bytes.`,
        { topic: topic.name },
      );
    }
    if (record.partition === undefined) {
      return partitioner({ topic: topic.name, partitionCount: topic.partitionCount, key: record.key });
    }
    if (
      !Number.isInteger(record.partition) ||
      record.partition < 0 ||
      record.partition >= topic.partitionCount
    ) {
      throw new InvalidRequestError(
        `Record ${i} names partition ${record.partition}, but topic "${topic.name}" has partitions 0 to ${topic.partitionCount - 1}.`,
        { topic: topic.name, partition: record.partition },
      );
    }
    return record.partition;
  });
}

/** Bytes a record carries: key, value and headers (what max.message.bytes limits). */
export function recordSize(record: ProducedRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

function groupByPartition(records: readonly ProducedRecord[], placement: readonly number[]): SectionInput[] {
  const byPartition = new Map<number, ProducedRecord[]>();
  records.forEach((record, i) => {
    const list = byPartition.get(placement[i]);
    if (list) list.push(record);
    else byPartition.set(placement[i], [record]);
  });
  return [...byPartition.entries()].map(([partition, batch]) => ({ partition, records: batch }));
}

/**
 * Kafka's idempotence rule for one partition: returns the original base offset when this
 * batch is a retry of the last one, undefined when it is the next one, and throws otherwise.
 */
function checkSequence(
  topic: Topic,
  partition: number,
  sequence: number,
  count: number,
  state: ProducerState | undefined,
): number | undefined {
  if (state && sequence === state.lastSequence && count === state.lastCount) return state.lastBaseOffset;
  const expected = state?.nextSequence ?? 0;
  if (sequence === expected) return undefined;
  throw new OutOfOrderSequenceError(
    `Producer sequence ${sequence} for ${topic.name}-${partition} is out of order: expected ${expected}` +
      (state ? ` (or ${state.lastSequence} to retry the last batch)` : ' for a new producer') +
      '. Resend the failed request unchanged, or start a new producer id.',
    { topic: topic.name, partition },
  );
}

async function commitSection(
  deps: AppendDeps,
  topic: Topic,
  entry: Omit<IndexEntry, 'baseOffset'>,
  initialGuard: ProducerGuard | undefined,
): Promise<number> {
  const key = partitionKey(entry.topicId, entry.partition);
  let guard = initialGuard;
  let base = deps.heads.get(key) ?? (await readHead(deps.index, entry.topicId, entry.partition));
  const attempts = deps.maxCommitAttempts ?? 100;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await deps.index.commit({ ...entry, baseOffset: base }, guard);
    switch (outcome.kind) {
      case 'appended':
      case 'already-appended':
        deps.heads.advance(key, base + entry.count);
        return base;
      case 'lost-race':
        // The occupant says where the head was a moment ago: usually one step on. Losing
        // again means this writer has fallen behind a busy partition, and stepping one item
        // per attempt would never catch up, so it reads the true head instead.
        base =
          attempt === 1
            ? outcome.occupant.baseOffset + outcome.occupant.count
            : await readHead(deps.index, entry.topicId, entry.partition);
        deps.heads.advance(key, base);
        // A little jitter once contention is clearly heavy, so racers stop colliding in lockstep.
        if (attempt > 3) await deps.sleep(Math.random() * Math.min(10, attempt));
        break;
      case 'sequence-conflict': {
        // A concurrent request of the same producer committed first: ours is its duplicate,
        // out of order, or (state re-read) still the next batch.
        if (!guard) throw new Error('sequence-conflict without a producer guard');
        const state = await deps.index.producerState(guard.producerId, entry.topicId, entry.partition);
        const duplicate = checkSequence(topic, entry.partition, guard.sequence, entry.count, state);
        if (duplicate !== undefined) return duplicate;
        guard = { ...guard, expected: state };
        break;
      }
    }
  }
  throw new UnavailableError(
    `Partition ${entry.partition} of "${topic.name}" is under heavy write contention: ${attempts} commit attempts lost the race. Retry the request.`,
    { topic: topic.name, partition: entry.partition },
  );
}

async function readHead(index: LogIndex, topicId: string, partition: number): Promise<number> {
  const last = await index.last(topicId, partition);
  return last ? last.baseOffset + last.count : 0;
}
