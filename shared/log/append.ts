import { createHash, randomFillSync } from 'node:crypto';
import { encodeSegment } from '../codec';
import type { ProducedRecord, SectionInput } from '../codec/types';
import { OutOfOrderSequenceError, SluiceError, UnavailableError } from '../errors';
import { createDefaultPartitioner, type Partitioner } from '../partitioner';
import { expiryField, voidAgedFrom } from '../retention/expiry';
import { backoffDelay, sleep } from '../retry';
import type {
  ClaimOutcome,
  CommitOutcome,
  DataSlot,
  LogIndex,
  ProducerGuard,
  ProducerState,
  Reservation,
  VoidOutcome,
} from '../storage/log-index';
import { claimedState, isSameData, producerStateExpiry } from '../storage/log-index';
import { SEGMENT_PREFIX } from '../storage/schema';
import type { SegmentStore } from '../storage/segment-store';
import type { Topic } from '../topics/registry';
import { checkRecordCount, recordProblem } from './record-rules';
import type { LogObserver } from './view';
import type { WarmProducerState, WarmProducerStates } from './warm-producers';

/** A record to append; `partition` pins it, otherwise the partitioner decides. */
export interface AppendRecord extends ProducedRecord {
  readonly partition?: number;
  /**
   * True when the server chose the timestamp (the client sent none): a retry of the request
   * then gets another one, so it is left out of what identifies an idempotent batch.
   */
  readonly timestampAssigned?: boolean;
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
  /** @default createDefaultPartitioner */
  readonly partitioner?: () => Partitioner;
  /**
   * The longest a writer may take from sending its reservation to sending its slot put. Past
   * it the writer voids its own range and answers a retriable error, so a range older than
   * the readers' grace period can only be a dead writer's.
   */
  readonly commitDeadlineMs: number;
  /**
   * A request whose every partition section encodes to at most this many bytes is stored in
   * its slot items (no S3 object); otherwise all its sections go to one segment object.
   * 0 sends every request to S3.
   */
  readonly inlineSectionMaxBytes: number;
  readonly now: () => number;
  readonly observer?: LogObserver;
  /**
   * The producer states this writer claimed and committed itself: a batch at the sequence one
   * of them expects next is claimed without reading (docs/design/sequenced-log.md, "A warm
   * writer's own claim"). One per log instance, so one per warm process.
   */
  readonly warmProducers: WarmProducerStates;
}

/**
 * Appends one request's records: validate everything, place each record, then at once write
 * ONE segment object holding a section per partition and reserve each partition's offsets
 * from its sequencer; then commit each section with a write-once put of its slot. When every
 * section is small (`inlineSectionMaxBytes`), there is no object: each section travels in its
 * slot put. A record is acknowledged (`ok: true`) only once its section and its slot are
 * durable. A writer that fails after reserving voids its own range. Design note:
 * `docs/design/sequenced-log.md`.
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
  const claims = new Map<number, PendingClaim>();
  if (producer) {
    await Promise.all(
      sections.map(async ({ partition, records: batch }) => {
        const sequenced = {
          producerId: producer.id,
          sequence: producer.sequenceFor(partition),
          count: batch.length,
          digest: batchDigest(partition, batch),
        };
        const readAt = deps.now();
        const warm = deps.warmProducers.take(producer.id, topic.id, partition, readAt);
        if (warm !== undefined && sequenced.sequence === warm.state.nextSequence) {
          // This writer's own last claim, committed: the state it wrote and a range that holds
          // data (write-once). The claim's condition still checks that nobody claimed since.
          const { producerId, sequence, digest } = sequenced;
          claims.set(partition, {
            guard: { producerId, sequence, digest, expected: warm.state, readAt },
            warm: true,
          });
          return;
        }
        const state = await deps.index.producerState(producer.id, topic.id, partition, readAt);
        const decision = await decideSequence(deps, topic, partition, sequenced, state, readAt);
        if (decision.kind === 'duplicate') offsets.set(partition, decision.baseOffset);
        else claims.set(partition, decision.claim);
      }),
    );
  }

  // A refusal that a warm claim's conflict found: a read would have found it before anything
  // was written, and refused the whole request; so does this.
  let refusedAsRead: unknown;

  const fresh = sections.filter((section) => !offsets.has(section.partition));
  if (fresh.length > 0) {
    const { bytes, sections: locations } = encodeSegment(fresh);
    // All or nothing per request: if one section needs the object, the PUT is paid anyway and
    // the others ride along in it for free (docs/design/sequenced-log.md, "Inline slots").
    const inline = locations.every((location) => location.byteLength <= deps.inlineSectionMaxBytes);
    const segmentKey = inline ? undefined : `${SEGMENT_PREFIX}${topic.id}/${deps.now()}-${randomHex8()}`;
    const reservations = await reserveBesidePut(deps, topic, segmentKey, bytes, locations);
    const appendedAt = deps.now();
    await Promise.all(
      locations.map(async (location, i) => {
        const common = {
          kind: 'data' as const,
          topicId: topic.id,
          partition: location.partition,
          baseOffset: reservations[i].baseOffset,
          count: location.recordCount,
          reservedAt: reservations[i].reservedAt,
          byteLength: location.byteLength,
          firstTimestamp: location.firstTimestamp,
          maxTimestamp: location.maxTimestamp,
          appendedAt,
        };
        const slot: DataSlot =
          segmentKey === undefined
            ? {
                ...common,
                inline: bytes.subarray(location.byteStart, location.byteStart + location.byteLength),
                // DynamoDB's TTL deletes it after retention's sweeper moved past it (free).
                ...expiryField(appendedAt, topic.configs['retention.ms']),
              }
            : { ...common, segmentKey, byteStart: location.byteStart };
        try {
          offsets.set(
            location.partition,
            await commitSlot(deps, topic, slot, claims.get(location.partition)),
          );
        } catch (error) {
          if (error instanceof RefusedAsRead) {
            refusedAsRead ??= error.refusal;
            return;
          }
          if (!(error instanceof SluiceError)) throw error;
          failures.set(location.partition, error);
        }
      }),
    );
  }
  if (refusedAsRead !== undefined) throw refusedAsRead;

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

/**
 * The S3 PUT (none for an inline request: `segmentKey` undefined) and the reservations run
 * side by side. If any of them fails, every range that was reserved is voided at once (nobody
 * will write it) and the failure is thrown: the request fails whole, with nothing acknowledged.
 */
async function reserveBesidePut(
  deps: AppendDeps,
  topic: Topic,
  segmentKey: string | undefined,
  bytes: Buffer,
  locations: readonly { partition: number; recordCount: number }[],
): Promise<Reservation[]> {
  const [put, ...reserved] = await Promise.allSettled([
    segmentKey === undefined ? undefined : deps.segments.put(segmentKey, bytes),
    ...locations.map((location) =>
      deps.index.reserve(topic.id, location.partition, location.recordCount, deps.now()),
    ),
  ]);
  const failed = [put, ...reserved].find((outcome) => outcome.status === 'rejected');
  if (!failed) return reserved.map((outcome) => (outcome as PromiseFulfilledResult<Reservation>).value);
  await Promise.allSettled(
    reserved.map((outcome, i) =>
      outcome.status === 'fulfilled'
        ? voidOwnRange(deps, topic, locations[i].partition, outcome.value)
        : undefined,
    ),
  );
  throw (failed as PromiseRejectedResult).reason;
}

/** Rejects the whole request before anything is written if any record breaks a rule (`record-rules.ts`). */
function placeRecords(topic: Topic, records: readonly AppendRecord[], partitioner: Partitioner): number[] {
  checkRecordCount(topic, records.length);
  return records.map((record, i) => {
    const problem = recordProblem(topic, record, i);
    if (problem) throw problem;
    if (record.partition !== undefined) return record.partition;
    return partitioner({ topic: topic.name, partitionCount: topic.partitionCount, key: record.key });
  });
}

function groupByPartition(
  records: readonly AppendRecord[],
  placement: readonly number[],
): (SectionInput & { readonly records: readonly AppendRecord[] })[] {
  const byPartition = new Map<number, AppendRecord[]>();
  records.forEach((record, i) => {
    const list = byPartition.get(placement[i]);
    if (list) list.push(record);
    else byPartition.set(placement[i], [record]);
  });
  return [...byPartition.entries()].map(([partition, batch]) => ({ partition, records: batch }));
}

/**
 * What identifies an idempotent batch in one partition: SHA-256 over its partition and, per
 * record in order, key, value, headers and the timestamp unless the server assigned it. Every
 * field is length-prefixed (null apart from empty), so different batches never hash alike.
 * A producer id is chosen by the client, so another producer may use it too; the digest is
 * what keeps that producer's batch from passing for a retry of this one.
 */
export function batchDigest(partition: number, records: readonly AppendRecord[]): string {
  const hash = createHash('sha256');
  const int = Buffer.alloc(8);
  const number = (n: number) => {
    int.writeDoubleBE(n);
    hash.update(int);
  };
  const bytes = (data: Buffer | null) => {
    number(data === null ? -1 : data.length);
    if (data !== null) hash.update(data);
  };
  number(partition);
  number(records.length);
  for (const record of records) {
    bytes(record.key);
    bytes(record.value);
    number(record.headers.length);
    for (const header of record.headers) {
      bytes(Buffer.from(header.key, 'utf8'));
      bytes(header.value);
    }
    number(record.timestampAssigned ? -1 : record.timestamp);
  }
  return hash.digest('base64');
}

/** One partition's part of an idempotent request. */
interface SequencedBatch {
  readonly producerId: string;
  readonly sequence: number;
  readonly count: number;
  readonly digest: string;
}

/**
 * An idempotent batch that will be appended: the claim it will make on its producer's state,
 * and, for a new batch, the check that the producer's previous batch is in the log (started
 * beside the reservation and the S3 PUT; it must succeed before the claim is sent).
 */
interface PendingClaim {
  readonly guard: ProducerGuard;
  /**
   * Decided from this writer's own committed claim instead of a read: a `sequence-conflict`
   * then means the state moved since, and deciding again against the state the conflict
   * returns is the read this claim skipped, not a race.
   */
  readonly warm?: boolean;
  /**
   * Resolves with the refusal the check found (its batch must not be claimed), or undefined.
   * It never rejects: a request that fails before it claims leaves it unawaited.
   */
  readonly previous?: Promise<unknown>;
}

/** What the producer state says about one partition's batch. */
type SequenceDecision =
  | { readonly kind: 'duplicate'; readonly baseOffset: number }
  | { readonly kind: 'append'; readonly claim: PendingClaim };

/**
 * Kafka's idempotence rule for one partition, on the claimed state (`docs/design/sequenced-log.md`,
 * "Idempotent producers"):
 * - the next sequence: append, once the previous batch's range holds data (checked beside the
 *   reservation; a void there answers 40902, its retry must come first);
 * - the last sequence with the same count and digest, a retry: the original offsets if its range
 *   holds data; appended again if the range is void (the claim never became a record);
 * - the last sequence with other records: refused (40904), acknowledging it would report
 *   records that were never written;
 * - anything else: refused (40902).
 * A range still open is waited for until its writer's commit deadline, then voided and treated
 * as void.
 */
async function decideSequence(
  deps: AppendDeps,
  topic: Topic,
  partition: number,
  batch: SequencedBatch,
  state: ProducerState | undefined,
  readAt: number,
): Promise<SequenceDecision> {
  const { sequence } = batch;
  const guard: ProducerGuard = {
    producerId: batch.producerId,
    sequence,
    digest: batch.digest,
    expected: state,
    readAt,
  };
  if (state && sequence === state.lastSequence) {
    if (batch.count !== state.lastCount || batch.digest !== state.lastDigest) {
      throw new OutOfOrderSequenceError(
        `Producer sequence ${sequence} for ${topic.name}-${partition} was already used by a different batch, so this one was not written: ` +
          'another producer may be using the same producer id. Give each producer its own id, and resend a failed request unchanged.',
        { topic: topic.name, partition, errorCode: 40904 },
      );
    }
    // Claimed in one transaction with its slot (no claim time): the range holds the batch.
    if (state.reservedAt === undefined) return { kind: 'duplicate', baseOffset: state.lastBaseOffset };
    const range = await settleClaimedRange(deps, topic, partition, state);
    if (range === 'data') return { kind: 'duplicate', baseOffset: state.lastBaseOffset };
    if (range === 'void') return { kind: 'append', claim: { guard } };
    throw new OutOfOrderSequenceError(
      `Producer sequence ${sequence} for ${topic.name}-${partition} was claimed at offset ${state.lastBaseOffset}, which retention has removed since, ` +
        'so whether it was written is no longer known and this retry was not written. Start a new producer id.',
      { topic: topic.name, partition },
    );
  }
  const expected = state?.nextSequence ?? 0;
  if (sequence !== expected) {
    throw new OutOfOrderSequenceError(
      `Producer sequence ${sequence} for ${topic.name}-${partition} is out of order: expected ${expected}` +
        (state ? ` (or ${state.lastSequence} to retry the last batch)` : ' for a new producer') +
        '. Resend the failed request unchanged, or start a new producer id.',
      { topic: topic.name, partition },
    );
  }
  if (state?.reservedAt === undefined) return { kind: 'append', claim: { guard } };
  const previous = settleClaimedRange(deps, topic, partition, state).then(
    (range) =>
      range === 'void' // data, or removed by retention: settled before ours
        ? new OutOfOrderSequenceError(
            `Producer sequence ${sequence} for ${topic.name}-${partition} is out of order: the batch before it (sequence ${state.lastSequence}) ` +
              'was not written, so this one was not either. Resend that batch first, then this one, both unchanged.',
            { topic: topic.name, partition },
          )
        : undefined,
    (error: unknown) => error ?? new Error('The check of the previous batch failed without a reason.'),
  );
  return { kind: 'append', claim: { guard, previous } };
}

/**
 * Settles the range the producer state names: `data` or `void` as its slot says, or
 * `removed` (below the log start). An open range is read again while its writer may still
 * send its put (until the claim's commit deadline); past it, the range is voided here, at its
 * own key. The writer's put and this void are write-once at one key, so exactly one of them
 * lands, and the writer acknowledges only if its put did (docs/design/sequenced-log.md).
 */
async function settleClaimedRange(
  deps: AppendDeps,
  topic: Topic,
  partition: number,
  state: ProducerState,
): Promise<'data' | 'void' | 'removed'> {
  const range = { baseOffset: state.lastBaseOffset, count: state.lastCount };
  const reservedAt = state.reservedAt ?? 0;
  for (let reads = 0; ; reads++) {
    const found = await deps.index.rangeAt(topic.id, partition, range);
    if (found.kind !== 'open') return found.kind;
    const now = deps.now();
    const untilDeadline = reservedAt + deps.commitDeadlineMs - now;
    if (untilDeadline > 0) {
      await sleep(Math.min(untilDeadline + 1, backoffDelay(SETTLE_POLL, reads)));
      continue;
    }
    const outcome = await deps.index.void({
      kind: 'void',
      topicId: topic.id,
      partition,
      ...range,
      reservedAt,
      voidedAt: now,
      ...expiryField(voidAgedFrom({ reservedAt, voidedAt: now }), topic.configs['retention.ms']),
    });
    deps.observer?.onVoid?.({ topicId: topic.id, partition, ...range, by: 'reader', outcome: outcome.kind });
    return outcome.kind === 'data' ? 'data' : 'void';
  }
}

/** Re-reads of an open claimed range: its writer is usually a few milliseconds from its put. */
const SETTLE_POLL = { initialRetryTime: 10, maxRetryTime: 500 } as const;

/** How often an idempotent batch claims again after another request of its producer claimed first. */
const MAX_SEQUENCE_RETRIES = 3;

/**
 * Commits one partition's section at its reserved range and returns its base offset. An
 * idempotent batch first claims its producer's state for the range, then puts the slot. Every
 * failure after the reservation ends with the range voided by this writer (or found already
 * voided, or found holding this very batch — a put whose answer was lost — which is a success).
 * Once the slot holds a claimed batch, the state its claim wrote is remembered for the
 * producer's next batch on this writer.
 */
async function commitSlot(
  deps: AppendDeps,
  topic: Topic,
  reserved: DataSlot,
  pending: PendingClaim | undefined,
): Promise<number> {
  let slot = reserved;
  let claim = pending;
  let claimed: WarmProducerState | undefined;
  let retriesLeft = MAX_SEQUENCE_RETRIES;
  while (claim) {
    const { outcome, written } = await claimRange(deps, topic, slot, claim);
    if (outcome.kind === 'claimed' || outcome.kind === 'already-claimed') {
      claimed = written;
      break;
    }
    // Another request of the same producer claimed first: ours is its duplicate, out of
    // order, or (a new state) the next batch after it, which then needs a fresh range.
    await voidOwnRange(deps, topic, slot.partition, slot);
    const { guard } = claim;
    const readAt = deps.now();
    let decision: SequenceDecision;
    try {
      decision = await decideSequence(
        deps,
        topic,
        slot.partition,
        { ...guard, count: slot.count },
        outcome.current,
        readAt,
      );
    } catch (error) {
      throw claim.warm ? new RefusedAsRead(error) : error;
    }
    if (decision.kind === 'duplicate') return decision.baseOffset;
    // A warm claim's conflict stands for the read it skipped: it spends none of the retries.
    if (!claim.warm && retriesLeft-- === 0) {
      throw new UnavailableError(
        `Producer ${guard.producerId} raced itself on ${topic.name}-${slot.partition}: retry the request.`,
        { topic: topic.name, partition: slot.partition },
      );
    }
    claim = decision.claim;
    const again = await deps.index.reserve(slot.topicId, slot.partition, slot.count, deps.now());
    slot = { ...slot, baseOffset: again.baseOffset, reservedAt: again.reservedAt };
  }
  // Only once the slot holds the batch: then the claimed range is data, for good.
  const committed = () => {
    if (claimed && pending) {
      deps.warmProducers.remember(pending.guard.producerId, topic.id, slot.partition, claimed);
    }
    return slot.baseOffset;
  };
  const remaining = (slot.reservedAt ?? 0) + deps.commitDeadlineMs - deps.now();
  let outcome: CommitOutcome;
  try {
    if (remaining <= 0) throw lateError(deps, topic, slot);
    outcome = await commitBefore(deps.index, slot, remaining);
  } catch (error) {
    // The put may or may not have landed: the void decides, by the same write-once slot.
    let settled: VoidOutcome | undefined;
    try {
      settled = await voidOwnRange(deps, topic, slot.partition, slot);
    } catch {
      // Storage is away: a reader voids the range once the grace period has passed.
    }
    if (settled?.kind === 'data' && isSameData(settled.occupant, slot)) return committed();
    throw isAbort(error) ? lateError(deps, topic, slot) : error;
  }
  switch (outcome.kind) {
    case 'appended':
    case 'already-appended':
      return committed();
    case 'voided':
      throw lateError(deps, topic, slot);
  }
}

/**
 * What deciding again after a warm claim's conflict threw (a refusal: out of order, another
 * batch, a removed range; or a failed read of the range the state names): the request fails
 * whole with it, as it would have with the read the claim skipped.
 */
class RefusedAsRead {
  constructor(readonly refusal: unknown) {}
}

/**
 * An idempotent batch's claim, once the producer's previous batch is known to be in the log.
 * A refusal of that check, or a claim that fails, voids our range (nobody else will write it)
 * and is thrown; a claim whose answer was lost may have applied, and then names a void.
 */
async function claimRange(
  deps: AppendDeps,
  topic: Topic,
  slot: DataSlot,
  claim: PendingClaim,
): Promise<{ readonly outcome: ClaimOutcome; readonly written: WarmProducerState }> {
  const range = { ...slot, reservedAt: slot.reservedAt ?? deps.now() };
  try {
    const refused = await claim.previous;
    if (refused !== undefined) throw refused;
    // Past the deadline the slot put will not be sent: claiming would only name a void.
    if (range.reservedAt + deps.commitDeadlineMs <= deps.now()) throw lateError(deps, topic, slot);
    const claimedAt = deps.now();
    const outcome = await deps.index.claim(range, claim.guard, claimedAt);
    // What a `claimed` (or `already-claimed`: the same command, sent again) outcome wrote.
    const written = { state: claimedState(range, claim.guard), expiresAt: producerStateExpiry(claimedAt) };
    return { outcome, written };
  } catch (error) {
    try {
      await voidOwnRange(deps, topic, slot.partition, slot);
    } catch {
      // Storage is away: a reader voids the range once the grace period has passed.
    }
    throw error;
  }
}

/**
 * The slot put, abandoned (the SDK call aborted, retries included) once `remainingMs` have
 * passed. One controller and one timer, cleared as soon as the put settles:
 * `AbortSignal.timeout` cost about 9 µs of CPU per call here, and its timer stayed pending for
 * the whole deadline (10 s by default) behind a weak reference and a finalization registry,
 * thousands at a time under load. The reason is a `TimeoutError`, as `AbortSignal.timeout` gives.
 */
async function commitBefore(index: LogIndex, slot: DataSlot, remainingMs: number): Promise<CommitOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The commit deadline passed.', 'TimeoutError')),
    remainingMs,
  );
  try {
    return await index.commit(slot, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * 16 random hex digits that make a segment key unique. Drawn from a pool filled 512 keys at a
 * time: a `randomBytes(8)` call per request cost a few µs (a synchronous crypto job each).
 * Same source and the same 64 bits per key as before.
 */
function randomHex8(): string {
  if (randomPoolAt === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomPoolAt = 0;
  }
  const hex = RANDOM_POOL.toString('hex', randomPoolAt, randomPoolAt + 8);
  randomPoolAt += 8;
  return hex;
}

const RANDOM_POOL = Buffer.alloc(8 * 512);
let randomPoolAt = RANDOM_POOL.length;

/** Voids a range this writer reserved and will not write. */
async function voidOwnRange(
  deps: AppendDeps,
  topic: Topic,
  partition: number,
  range: Pick<DataSlot, 'baseOffset' | 'count' | 'reservedAt'>,
): Promise<VoidOutcome> {
  const topicId = topic.id;
  const voidedAt = deps.now();
  const outcome = await deps.index.void({
    kind: 'void',
    topicId,
    partition,
    baseOffset: range.baseOffset,
    count: range.count,
    reservedAt: range.reservedAt,
    voidedAt,
    ...expiryField(voidAgedFrom({ reservedAt: range.reservedAt, voidedAt }), topic.configs['retention.ms']),
  });
  deps.observer?.onVoid?.({
    topicId,
    partition,
    baseOffset: range.baseOffset,
    count: range.count,
    by: 'writer',
    outcome: outcome.kind,
  });
  return outcome;
}

/** By name, not instanceof: abort reasons come from Node's realm, which may not be ours (vm, jest). */
function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function lateError(deps: AppendDeps, topic: Topic, slot: DataSlot): UnavailableError {
  return new UnavailableError(
    `The append to ${topic.name}-${slot.partition} did not commit within ${deps.commitDeadlineMs} ms of reserving its offsets, so it was not written: retry the request.`,
    { topic: topic.name, partition: slot.partition },
  );
}
