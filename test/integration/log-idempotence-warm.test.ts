import type { Cluster, ClusterOptions } from '../../shared/cluster';
import { OutOfOrderSequenceError, UnavailableError } from '../../shared/errors';
import type { AppendRecord, ProducerIdentity } from '../../shared/log';
import {
  type ClaimOutcome,
  PRODUCER_STATE_EXPIRY_MS,
  type ProducerState,
} from '../../shared/storage/log-index';
import type { Topic } from '../../shared/topics/registry';
import { AppendHistory } from '../support/history';
import { runKilledWriter } from '../support/killed-writer';
import { describeEachSlotStorage, newCluster, newTopic, readAll, uniqueName } from './support/core';
import { stateOf, voidClaimedRange } from './support/producer-states';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings so claimed ranges can be voided within a test; the grace must exceed the deadline. */
const FAST = { commitDeadlineMs: 3_000, holeGraceMs: 4_500 };

/** A batch of records with fixed timestamps, so a retry sends the very same batch (same digest). */
function batch(values: readonly string[], timestamp: number): AppendRecord[] {
  return values.map((value) => ({
    key: null,
    value: Buffer.from(value),
    headers: [],
    timestamp,
    partition: 0,
  }));
}

/** A writer (its own log, so its own memory of claims) that counts its state reads and claim outcomes. */
function countingWriter(options: ClusterOptions = {}) {
  const counts = { stateReads: 0, conflicts: 0 };
  const cluster = newCluster({
    ...options,
    wrapIndex: (raw) => {
      const index = options.wrapIndex ? options.wrapIndex(raw) : raw;
      return {
        ...index,
        async producerState(...args) {
          counts.stateReads++;
          return index.producerState(...args);
        },
        async claim(...args): Promise<ClaimOutcome> {
          const outcome = await index.claim(...args);
          if (outcome.kind === 'sequence-conflict') counts.conflicts++;
          return outcome;
        },
      };
    },
  });
  return { cluster, counts };
}

/** A writer whose slot puts wait until `open()`: a claim made, its slot not yet written. */
function stalledWriter() {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const cluster = newCluster({
    log: FAST,
    wrapIndex: (index) => ({
      ...index,
      async commit(slot, signal) {
        await gate;
        return index.commit(slot, signal);
      },
    }),
  });
  return { cluster, open };
}

function at(id: string, sequence: number): ProducerIdentity {
  return { id, sequenceFor: () => sequence };
}

/**
 * A counting writer that appended a producer's batch 0 (recorded in a history, so its memory
 * holds that claim), beside a stalled writer for the same producer.
 */
async function afterBatchZero(topicPrefix: string) {
  const a = countingWriter({ log: FAST });
  const stalled = stalledWriter();
  const topic = await newTopic(a.cluster, 1, topicPrefix);
  const id = uniqueName('p');
  const timestamp = Date.now();
  const history = new AppendHistory();
  const zero = history.begin(['s0']);
  const [first] = await a.cluster.log.append(topic, batch(['s0'], timestamp), at(id, 0));
  history.answer(zero, { kind: 'ok', offsets: [first.ok ? first.offset : -1] });
  return { a, stalled, topic, id, timestamp, history };
}

/** Resolves once `condition` holds, checking every 20 ms (gives up after 10 s). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    if (waited > 10_000) throw new Error('the condition never held');
    await sleep(20);
  }
}

/** How an append was answered, in the terms a client sees: thrown whole, or per record. */
async function answerOf(append: Promise<unknown>) {
  try {
    const results = (await append) as { ok: boolean; offset?: number; error?: unknown }[];
    return { thrown: false, results: results.map((r) => (r.ok ? r.offset : errorShape(r.error))) };
  } catch (error) {
    return { thrown: true, error: errorShape(error) };
  }
}

/** What a client tells errors apart by. */
function errorShape(error: unknown) {
  const e = error as { name?: string; errorCode?: number; retriable?: boolean };
  return { name: e.name, errorCode: e.errorCode, retriable: e.retriable };
}

async function values(cluster: Cluster, topic: Topic): Promise<[number, string | undefined][]> {
  return (await readAll(cluster, topic, 0)).map((r) => [r.offset, r.value?.toString()]);
}

describeEachSlotStorage('idempotent produce: a warm writer claims without reading', () => {
  it('two writers sharing one producer, each batch also resent to the other (its answer lost): every batch once, in order, every answer right, stale memories included', async () => {
    const a = countingWriter();
    const b = countingWriter();
    const topic = await newTopic(a.cluster, 1, 'idem-warm-two');
    const id = uniqueName('p');
    const history = new AppendHistory();
    const timestamp = Date.now();
    const batches = 12;
    for (let i = 0; i < batches; i++) {
      // Two batches in a row on one writer, then two on the other: the second of each pair is
      // claimed from memory; the resend to the other writer finds its memory stale every other time.
      const [primary, other] = Math.floor(i / 2) % 2 === 0 ? [a, b] : [b, a];
      const records = [`v${i}-0`, `v${i}-1`];
      const attempt = history.begin(records);
      const first = await primary.cluster.log.append(topic, batch(records, timestamp), at(id, 2 * i));
      const offsets = first.map((r) => (r.ok ? r.offset : -1));
      history.answer(attempt, { kind: 'ok', offsets });
      expect(first.every((r) => r.ok)).toBe(true);
      const resent = await other.cluster.log.append(topic, batch(records, timestamp), at(id, 2 * i));
      expect(resent.map((r) => (r.ok ? r.offset : -1))).toEqual(offsets);
    }
    const read = await readAll(a.cluster, topic, 0);
    const { logEndOffset } = await a.cluster.log.offsets(topic, 0);
    expect(history.check(read, { readableEnd: logEndOffset })).toEqual([]);
    // In order: the producer's records read back in the order it sent them, each once.
    expect(read.map((r) => r.value?.toString())).toEqual(history.attempts.flatMap((t) => t.values));
    // 24 appends: the second batch of each pair (6) is claimed from memory, and so is the resend
    // of the first batch of each pair but the first (5): that memory is stale, found so by the
    // claim, and the resend answered as a duplicate. The other 13 read the state.
    const fromMemory = batches / 2 + (batches / 2 - 1);
    expect(a.counts.stateReads + b.counts.stateReads).toBe(2 * batches - fromMemory);
    expect(a.counts.conflicts + b.counts.conflicts).toBe(batches / 2 - 1);
  });

  it('a stale memory where the other writer claimed the batch and is still committing it: the resend waits and answers its offsets; the log holds it once', async () => {
    const { a, stalled, topic, id, timestamp, history } = await afterBatchZero('idem-warm-open');

    const one = history.begin(['s1']);
    const slow = stalled.cluster.log.append(topic, batch(['s1'], timestamp), at(id, 1));
    await until(async () => (await stateOf(a.cluster, topic, id))?.lastSequence === 1);
    const reads = a.counts.stateReads;
    const resent = a.cluster.log.append(topic, batch(['s1'], timestamp), at(id, 1));
    await sleep(200);
    stalled.open();
    const [original] = await slow;
    const [duplicate] = await resent;
    expect(original).toMatchObject({ ok: true });
    expect(duplicate).toEqual(original);
    history.answer(one, { kind: 'ok', offsets: [original.ok ? original.offset : -1] });
    // From memory, found stale by the claim.
    expect(a.counts.stateReads).toBe(reads);
    expect(a.counts.conflicts).toBe(1);

    const read = await readAll(a.cluster, topic, 0);
    const { logEndOffset } = await a.cluster.log.offsets(topic, 0);
    expect(history.check(read, { readableEnd: logEndOffset })).toEqual([]);
    expect(read.map((r) => r.value?.toString())).toEqual(['s0', 's1']);
  });

  it('a stale memory where the other writer claimed the batch and its range was voided: the resend appends it again, once; the late put is not acknowledged', async () => {
    const { a, stalled, topic, id, timestamp, history } = await afterBatchZero('idem-warm-void');

    const slow = stalled.cluster.log.append(topic, batch(['s1'], timestamp), at(id, 1));
    await until(async () => (await stateOf(a.cluster, topic, id))?.lastSequence === 1);
    const claimed = (await stateOf(a.cluster, topic, id)) as ProducerState;
    // A reader voids the claimed range (as once it stays open past the grace period).
    expect(await voidClaimedRange(a.cluster, topic, claimed)).toEqual({ kind: 'voided' });

    const reads = a.counts.stateReads;
    const one = history.begin(['s1']);
    const [resent] = await a.cluster.log.append(topic, batch(['s1'], timestamp), at(id, 1));
    expect(resent).toMatchObject({ ok: true });
    history.answer(one, { kind: 'ok', offsets: [resent.ok ? resent.offset : -1] });
    expect(a.counts.stateReads).toBe(reads);
    expect(a.counts.conflicts).toBe(1);

    // The stalled writer's put lands on the void: not written, a retriable answer.
    stalled.open();
    const [late] = await slow;
    expect(late).toMatchObject({ ok: false, error: expect.any(UnavailableError) });

    // The next batch goes on from the resend's claim, from memory again.
    const two = history.begin(['s2']);
    const [next] = await a.cluster.log.append(topic, batch(['s2'], timestamp), at(id, 2));
    history.answer(two, { kind: 'ok', offsets: [next.ok ? next.offset : -1] });
    expect(a.counts.stateReads).toBe(reads);

    const read = await readAll(a.cluster, topic, 0);
    const { logEndOffset } = await a.cluster.log.offsets(topic, 0);
    expect(history.check(read, { readableEnd: logEndOffset })).toEqual([]);
    expect(read.map((r) => r.value?.toString())).toEqual(['s0', 's1', 's2']);
  });

  it('a stale memory refuses exactly as a cold writer does: 40904 for another batch at a sequence another writer claimed (still committing), 40902 out of order; nothing written', async () => {
    const a = countingWriter({ log: FAST });
    const b = newCluster({ log: FAST });
    const stalled = stalledWriter();
    const topic = await newTopic(a.cluster, 1, 'idem-warm-refused');
    const id = uniqueName('p');
    const timestamp = Date.now();
    const coldAnswer = (records: string[], sequence: number) =>
      answerOf(newCluster({ log: FAST }).log.append(topic, batch(records, timestamp), at(id, sequence)));

    expect(await a.cluster.log.append(topic, batch(['s0'], timestamp), at(id, 0))).toMatchObject([
      { ok: true, offset: 0 },
    ]);
    // Another writer claims batch 1 and has not written it yet.
    const slow = stalled.cluster.log.append(topic, batch(['s1'], timestamp), at(id, 1));
    await until(async () => (await stateOf(a.cluster, topic, id))?.lastSequence === 1);

    const reads = a.counts.stateReads;
    const otherBatch = await answerOf(a.cluster.log.append(topic, batch(['not-s1'], timestamp), at(id, 1)));
    expect(a.counts.stateReads).toBe(reads); // the memory was used...
    expect(a.counts.conflicts).toBe(1); // ...and found stale
    expect(otherBatch).toEqual({
      thrown: true,
      error: { name: OutOfOrderSequenceError.name, errorCode: 40904, retriable: false },
    });
    expect(await coldAnswer(['not-s1'], 1)).toEqual(otherBatch);

    stalled.open();
    expect(await slow).toMatchObject([{ ok: true }]);

    // a appends batch 2 (reading: it forgot the refused key) and remembers its claim; then b
    // appends batches 3 and 4, so a's memory, which expects 3, is stale.
    expect(await a.cluster.log.append(topic, batch(['s2'], timestamp), at(id, 2))).toMatchObject([
      { ok: true },
    ]);
    await b.log.append(topic, batch(['s3'], timestamp), at(id, 3));
    await b.log.append(topic, batch(['s4'], timestamp), at(id, 4));
    const conflicts = a.counts.conflicts;
    const stale = await answerOf(a.cluster.log.append(topic, batch(['s3-again'], timestamp), at(id, 3)));
    expect(a.counts.conflicts).toBe(conflicts + 1);
    expect(stale).toEqual({
      thrown: true,
      error: { name: OutOfOrderSequenceError.name, errorCode: 40902, retriable: false },
    });
    expect(await coldAnswer(['s3-again'], 3)).toEqual(stale);

    const read = await values(a.cluster, topic);
    expect(read.map(([, value]) => value)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('a writer killed between its claim and its slot put, then the warm writer of the batch before resends: it waits out the dead range, and the batch lands once after the range it reserved from stale memory', async () => {
    const a = countingWriter({ log: FAST });
    const topic = await newTopic(a.cluster, 1, 'idem-warm-killed');
    const id = uniqueName('p');
    const timestamp = Date.now();
    expect(await a.cluster.log.append(topic, batch(['before'], timestamp), at(id, 0))).toMatchObject([
      { ok: true, offset: 0 },
    ]);
    expect(await runKilledWriter(topic.name, 'after-claim', 'killed', { id, sequence: 1, timestamp })).toBe(
      'SIGKILL',
    );
    const reads = a.counts.stateReads;
    // From memory: reserves [2, 3) and claims it; the claim finds the dead writer's claim of
    // [1, 2), so [2, 3) is voided; the dead range is waited out and voided; the batch goes to 3.
    const [appended] = await a.cluster.log.append(topic, batch(['killed'], timestamp), at(id, 1));
    expect(appended).toMatchObject({ ok: true, offset: 3 });
    expect(a.counts.stateReads).toBe(reads);
    const [again] = await newCluster({ log: FAST }).log.append(
      topic,
      batch(['killed'], timestamp),
      at(id, 1),
    );
    expect(again).toMatchObject({ ok: true, offset: 3 });
    expect(await values(a.cluster, topic)).toEqual([
      [0, 'before'],
      [3, 'killed'],
    ]);
    expect(await a.cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 4 });
  });
});

describe('idempotent produce: a warm writer never uses a state past its expiry', () => {
  it("treats its own claim as gone once the state's exp has passed, as a read does: the producer starts again at 0", async () => {
    let clock = Date.now();
    const a = countingWriter({ log: { now: () => clock } });
    const topic = await newTopic(a.cluster, 1, 'idem-warm-expiry');
    const id = uniqueName('p');
    expect(await a.cluster.log.append(topic, batch(['s0'], clock), at(id, 0))).toMatchObject([{ ok: true }]);

    // Just before the expiry, the memory is used (no read).
    clock += PRODUCER_STATE_EXPIRY_MS - 2_000;
    let reads = a.counts.stateReads;
    expect(await a.cluster.log.append(topic, batch(['s1'], clock), at(id, 1))).toMatchObject([{ ok: true }]);
    expect(a.counts.stateReads).toBe(reads);

    // Past the expiry of that claim's state: not used. The read finds the state expired too,
    // so sequence 2 is out of order for what is now a new producer, as on a cold writer.
    clock += PRODUCER_STATE_EXPIRY_MS + 1_000;
    reads = a.counts.stateReads;
    const expired = await answerOf(a.cluster.log.append(topic, batch(['s2'], clock), at(id, 2)));
    expect(a.counts.stateReads).toBe(reads + 1);
    expect(expired).toEqual({
      thrown: true,
      error: { name: OutOfOrderSequenceError.name, errorCode: 40902, retriable: false },
    });
    const cold = newCluster({ log: { now: () => clock } });
    expect(await answerOf(cold.log.append(topic, batch(['s2'], clock), at(id, 2)))).toEqual(expired);
    expect(await a.cluster.log.append(topic, batch(['again-0'], clock), at(id, 0))).toMatchObject([
      { ok: true },
    ]);
    expect((await values(a.cluster, topic)).map(([, value]) => value)).toEqual(['s0', 's1', 'again-0']);
  });
});
