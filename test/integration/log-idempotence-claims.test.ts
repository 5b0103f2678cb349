import type { Cluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { OutOfOrderSequenceError, UnavailableError } from '../../shared/errors';
import type { AppendRecord, ProducerIdentity } from '../../shared/log';
import { sweepPartition } from '../../shared/retention';
import { createAwsClients } from '../../shared/storage/aws';
import type { ProducerState } from '../../shared/storage/log-index';
import type { Topic } from '../../shared/topics/registry';
import { type FaultRule, injectFaults, seededRandom } from '../support/faults';
import { runKilledWriter } from '../support/killed-writer';
import { destroyClients } from '../support/local-aws';
import {
  describeEachSlotStorage,
  newCluster,
  newS3Cluster,
  newTopic,
  readAll,
  textRecord,
  uniqueName,
} from './support/core';
import { stateOf, voidClaimedRange } from './support/producer-states';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings so claimed ranges can be voided within a test; the grace must exceed the deadline. */
const FAST = { commitDeadlineMs: 3_000, holeGraceMs: 4_500 };

/** The values read back from partition 0, with their offsets. */
async function stored(cluster: Cluster, topic: Topic): Promise<[number, string | undefined][]> {
  return (await readAll(cluster, topic, 0)).map((r) => [r.offset, r.value?.toString()]);
}

/** A record with a fixed timestamp, so a retry sends the very same batch (same digest). */
function fixedRecord(value: string, timestamp: number): AppendRecord {
  return { key: null, value: Buffer.from(value), headers: [], timestamp, partition: 0 };
}

/** Resolves once `condition` holds, checking every 20 ms (gives up after 10 s). */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 20) {
    if (waited > 10_000) throw new Error('the condition never held');
    await sleep(20);
  }
}

describeEachSlotStorage('idempotent produce: claim, then commit', () => {
  it('answers an SDK retry of a claim whose first attempt applied as claimed: no void, no gap, no duplicate', async () => {
    const clients = createAwsClients(configFromEnv());
    const faulty = newCluster({ clients });
    const lost = injectFaults(
      clients,
      ['UpdateItem', 'PutItem'].map(
        (command): FaultRule => ({ service: 'DynamoDB', command, kind: 'lose-response', probability: 0.5 }),
      ),
      seededRandom(11),
    );
    const topic = await newTopic(faulty, 1, 'idem-lost-claims');
    const id = uniqueName('p');
    const offsets: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [result] = await faulty.log.append(topic, [textRecord(`v${i}`, null, 0)], {
        id,
        sequenceFor: () => i,
      });
      offsets.push(result.ok ? result.offset : -1);
    }
    expect([...lost.counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    // A claim answered "condition failed" by its own first attempt, taken for a conflict,
    // would void the range and append again further up: offsets would not be contiguous.
    expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await stored(faulty, topic)).toEqual(offsets.map((offset, i) => [offset, `v${i}`]));
    destroyClients(clients);
  });

  it('answers concurrent duplicates with the offsets of the one that claimed, once its slow commit lands', async () => {
    const gate = { open: () => {}, closed: undefined as Promise<void> | undefined };
    gate.closed = new Promise((resolve) => {
      gate.open = resolve;
    });
    const slow = newCluster({
      wrapIndex: (index) => ({
        ...index,
        async commit(slot, signal) {
          await gate.closed;
          return index.commit(slot, signal);
        },
      }),
    });
    const topic = await newTopic(slow, 1, 'idem-slow-winner');
    const producer = { id: uniqueName('p'), sequenceFor: () => 0 };
    const batch = [fixedRecord('only', Date.now())];
    const winner = slow.log.append(topic, batch, producer);
    await until(async () => (await stateOf(slow, topic, producer.id)) !== undefined);
    const duplicates = Promise.all([
      newCluster().log.append(topic, batch, producer),
      newCluster().log.append(topic, batch, producer),
    ]);
    await sleep(200);
    gate.open();
    const [first] = await winner;
    expect(first).toMatchObject({ ok: true, offset: 0 });
    for (const [result] of await duplicates) expect(result).toMatchObject({ ok: true, offset: 0 });
    expect(await stored(slow, topic)).toEqual([[0, 'only']]);
  });
});

describeEachSlotStorage('idempotent produce: a claim whose slot is never written', () => {
  it('refuses the next batch while the previous one is void, until that one is appended again; the log has each once, in order', async () => {
    const gate = { open: () => {}, closed: undefined as Promise<void> | undefined };
    gate.closed = new Promise((resolve) => {
      gate.open = resolve;
    });
    // Batch S's writer claims its range, then stalls before its slot put (a frozen host).
    const stalled = newCluster({
      log: FAST,
      wrapIndex: (index) => ({
        ...index,
        async commit(slot, signal) {
          await gate.closed;
          return index.commit(slot, signal);
        },
      }),
    });
    let rangeReads = 0;
    const next = newCluster({
      log: FAST,
      wrapIndex: (index) => ({
        ...index,
        async rangeAt(...args) {
          rangeReads++;
          return index.rangeAt(...args);
        },
      }),
    });
    const topic = await newTopic(next, 1, 'idem-pipelined');
    const id = uniqueName('p');
    const at = (sequence: number): ProducerIdentity => ({ id, sequenceFor: () => sequence });
    const now = Date.now();
    const batchS = [fixedRecord('s-0', now), fixedRecord('s-1', now)];
    const batchNext = [fixedRecord('next-0', now)];

    const s = stalled.log.append(topic, batchS, at(0));
    await until(async () => (await stateOf(next, topic, id))?.lastSequence === 0);
    const claimed = (await stateOf(next, topic, id)) as ProducerState;

    // S+1, pipelined behind S: its check of S's range waits while S is still being written...
    const pipelined = next.log.append(topic, batchNext, at(2));
    await until(() => rangeReads > 0);
    // ...and a reader voids S's range (as it does once a range stays open past the grace period).
    expect(await voidClaimedRange(next, topic, claimed)).toEqual({ kind: 'voided' });
    const outOfOrder = { ok: false, error: expect.objectContaining({ errorCode: 40902, retriable: false }) };
    const [refused] = await pipelined;
    expect(refused).toMatchObject(outOfOrder);
    expect(!refused.ok && refused.error).toBeInstanceOf(OutOfOrderSequenceError);

    // S's put lands on the void: not written, a retriable answer.
    gate.open();
    const [lateS] = await s;
    expect(lateS).toMatchObject({ ok: false, error: expect.any(UnavailableError) });

    // S+1 stays refused until S is in the log.
    expect(await next.log.append(topic, batchNext, at(2))).toMatchObject([outOfOrder]);
    const retriedS = await next.log.append(topic, batchS, at(0));
    expect(retriedS.every((r) => r.ok)).toBe(true);
    const [s0, s1] = retriedS.map((r) => (r.ok ? r.offset : -1));
    const [retriedNext] = await next.log.append(topic, batchNext, at(2));
    const n0 = retriedNext.ok ? retriedNext.offset : -1;
    expect(s1).toBe(s0 + 1);
    expect(n0).toBeGreaterThan(s1);
    // A retry of the last batch is answered with the offsets it was written at; S is no longer
    // the last one, so resending it is refused (only the last batch is remembered) and writes nothing.
    expect((await newCluster().log.append(topic, batchNext, at(2))).map((r) => r.ok && r.offset)).toEqual([
      n0,
    ]);
    await expect(newCluster().log.append(topic, batchS, at(0))).rejects.toThrow(OutOfOrderSequenceError);

    expect(await stored(next, topic)).toEqual([
      [s0, 's-0'],
      [s1, 's-1'],
      [n0, 'next-0'],
    ]);
  });

  it('a writer killed between its claim and its slot put: the retry waits out its deadline, voids its range, and appends the batch exactly once', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'idem-sigkill-claimed');
    const id = uniqueName('p');
    const timestamp = Date.now();
    // Batch 0 from another writer, so that the retry below reads the state (a cold writer). The
    // writer of batch 0 would claim from memory; that case is in log-idempotence-warm.test.ts.
    const [before] = await newCluster({ log: FAST }).log.append(topic, [fixedRecord('before', timestamp)], {
      id,
      sequenceFor: () => 0,
    });
    expect(before).toMatchObject({ ok: true, offset: 0 });

    expect(await runKilledWriter(topic.name, 'after-claim', 'killed', { id, sequence: 1, timestamp })).toBe(
      'SIGKILL',
    );
    expect(await stateOf(cluster, topic, id)).toMatchObject({
      lastSequence: 1,
      lastBaseOffset: 1,
      nextSequence: 2,
    });
    const retry = () =>
      cluster.log.append(topic, [fixedRecord('killed', timestamp)], { id, sequenceFor: () => 1 });

    // The retry waits while the dead writer could still send its put (its commit deadline),
    // then voids the claimed range at its key and appends the batch after it.
    const [appended] = await retry();
    expect(appended).toMatchObject({ ok: true, offset: 2 });
    const [again] = await newCluster({ log: FAST }).log.append(topic, [fixedRecord('killed', timestamp)], {
      id,
      sequenceFor: () => 1,
    });
    expect(again).toMatchObject({ ok: true, offset: 2 });
    expect(await stored(cluster, topic)).toEqual([
      [0, 'before'],
      [2, 'killed'],
    ]);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 3 });
  });

  it('a writer killed between its slot put and its answer: the retry is answered with the offsets it was written at', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'idem-sigkill-committed');
    const id = uniqueName('p');
    const timestamp = Date.now();
    expect(await runKilledWriter(topic.name, 'after-commit', 'killed', { id, sequence: 0, timestamp })).toBe(
      'SIGKILL',
    );
    const [retried] = await cluster.log.append(topic, [fixedRecord('killed', timestamp)], {
      id,
      sequenceFor: () => 0,
    });
    expect(retried).toMatchObject({ ok: true, offset: 0 });
    const [next] = await cluster.log.append(topic, [fixedRecord('next', timestamp)], {
      id,
      sequenceFor: () => 1,
    });
    expect(next).toMatchObject({ ok: true, offset: 1 });
    expect(await stored(cluster, topic)).toEqual([
      [0, 'killed'],
      [1, 'next'],
    ]);
  });
});

describe('idempotent produce: a last batch that retention removed', () => {
  it('lets the next batch go on, and refuses a retry of the removed one (40902) rather than acknowledge what it cannot see', async () => {
    // Sections in S3: the sweep deletes their slots (an inline slot would wait for its TTL).
    const cluster = newS3Cluster();
    const topic = await cluster.topics.create({
      name: uniqueName('idem-expired'),
      partitionCount: 1,
      configs: [{ name: 'retention.ms', value: '1' }],
    });
    const id = uniqueName('p');
    const first = fixedRecord('s0', Date.now());
    const [appended] = await cluster.log.append(topic, [first], { id, sequenceFor: () => 0 });
    expect(appended).toMatchObject({ ok: true, offset: 0 });

    await sleep(20);
    const swept = await sweepPartition(
      { log: cluster.log, index: cluster.index, segments: cluster.segments },
      topic,
      0,
      Date.now(),
    );
    expect(swept.itemsDeleted).toBe(1);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 1, logEndOffset: 1 });

    // The retry of batch 0: its range is gone, so it may have been data or a void.
    await expect(cluster.log.append(topic, [first], { id, sequenceFor: () => 0 })).rejects.toThrow(
      OutOfOrderSequenceError,
    );

    // The next batch does not wait on a range retention removed.
    const [next] = await cluster.log.append(topic, [fixedRecord('s1', Date.now())], {
      id,
      sequenceFor: () => 1,
    });
    expect(next).toMatchObject({ ok: true, offset: 1 });
    expect(await stored(cluster, topic)).toEqual([[1, 's1']]);
    expect((await stateOf(cluster, topic, id))?.nextSequence).toBe(2);
  });
});
