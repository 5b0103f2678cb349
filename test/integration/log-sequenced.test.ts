import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Cluster } from '../../shared/cluster';
import { encodeSegment } from '../../shared/codec';
import type { StoredRecord } from '../../shared/codec/types';
import { UnavailableError } from '../../shared/errors';
import { sweepTopic } from '../../shared/retention';
import type { Topic } from '../../shared/topics/registry';
import { AppendHistory } from '../support/history';
import { destroyClients, integrationAws } from '../support/local-aws';
import {
  describeEachSlotStorage,
  newCluster,
  newTopic,
  readAll,
  textRecord,
  uniqueName,
} from './support/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings so holes are voided within a test; the grace must exceed the deadline. */
const FAST = { commitDeadlineMs: 300, holeGraceMs: 800 };

/** Appends through the history: every attempt is recorded with its answer. */
async function recordedAppend(history: AppendHistory, cluster: Cluster, topic: Topic, values: string[]) {
  const attempt = history.begin(values);
  const results = await cluster.log.append(
    topic,
    values.map((value) => textRecord(value, null, 0)),
  );
  const failure = results.find((r) => !r.ok);
  if (failure && !failure.ok) {
    history.answer(attempt, { kind: 'failed', message: failure.error.message });
    return failure.error;
  }
  history.answer(attempt, { kind: 'ok', offsets: results.map((r) => (r.ok ? r.offset : -1)) });
  return results;
}

async function checkHistory(
  history: AppendHistory,
  cluster: Cluster,
  topic: Topic,
  earlierReads: StoredRecord[][] = [],
) {
  const read = await readAll(cluster, topic, 0);
  const { logEndOffset } = await cluster.log.offsets(topic, 0);
  expect(history.check(read, { readableEnd: logEndOffset, earlierReads })).toEqual([]);
  return read;
}

describeEachSlotStorage('the sequenced log', (storage) => {
  it('gives a warm writer the next offset after retention removed everything, and the log start never moves back', async () => {
    // Two warm processes with their own SDK clients, as two warm Lambdas have.
    const a = newCluster();
    const b = newCluster();
    const topic = await a.topics.create({
      name: uniqueName('stale-writer'),
      partitionCount: 1,
      configs: [{ name: 'retention.ms', value: '1500' }],
    });
    const history = new AppendHistory();
    expect(await recordedAppend(history, a, topic, ['a-0'])).toMatchObject([{ offset: 0 }]);
    const fromB = Array.from({ length: 10 }, (_, i) => `b-${i}`);
    const topicAtB = await b.topics.get(topic.name);
    expect(await recordedAppend(history, b, topicAtB, fromB)).toMatchObject([
      { offset: 1 },
      ...fromB.slice(1).map(() => ({})),
    ]);
    const before = await checkHistory(history, b, topicAtB);

    // The sweeper runs once every record is older than retention.ms.
    const later = Date.now() + 2_000;
    const swept = await sweepTopic({ log: b.log, index: b.index, segments: b.segments }, topicAtB, later);
    // Inline slots carry a TTL: the sweeper moves the log start past them and DynamoDB deletes them.
    expect(swept).toMatchObject({
      itemsDeleted: storage.inline ? 0 : 2,
      itemsLeftToTtl: storage.inline ? 2 : 0,
      objectsDeleted: storage.inline ? 0 : 2,
    });
    expect(await b.log.offsets(topicAtB, 0)).toEqual({ logStartOffset: 11, logEndOffset: 11 });

    // A appends again: the sequencer, not a cache or a slot, says where.
    expect(await recordedAppend(history, a, topic, ['a-1'])).toMatchObject([{ ok: true, offset: 11 }]);
    expect(await a.log.offsets(topic, 0)).toEqual({ logStartOffset: 11, logEndOffset: 12 });
    expect(await b.log.offsets(topicAtB, 0)).toEqual({ logStartOffset: 11, logEndOffset: 12 });
    // Acked records that retention removed are not expected back; the rest must match.
    const survivors = new AppendHistory();
    survivors.answer(survivors.begin(['a-1']), { kind: 'ok', offsets: [11] });
    const read = await readAll(b, topicAtB, 0);
    expect(survivors.check(read, { readableEnd: 12, earlierReads: [before] })).toEqual([]);
  });

  it('keeps offsets distinct for 64 concurrent appenders (2,048 records), every ack readable where it was acked', async () => {
    const admin = newCluster();
    const topic = await newTopic(admin, 1, 'sequenced-64');
    const history = new AppendHistory();
    const appenders = Array.from({ length: 64 }, () => newCluster());
    await Promise.all(
      appenders.map(async (cluster, a) => {
        for (let r = 0; r < 8; r++) {
          const values = Array.from({ length: 4 }, (_, i) => `w${a}-r${r}-${i}`);
          await recordedAppend(history, cluster, topic, values);
        }
      }),
    );
    expect({ ...history.tally(), why: history.failureMessages() }).toEqual({
      ok: 512,
      failed: 0,
      unknown: 0,
      why: [],
    });
    const read = await checkHistory(history, admin, topic);
    expect(read).toHaveLength(2048);
    expect(await admin.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 2048 });
  });

  it('never lets a reader past a reserved range that is still open, and voids it once the grace period is over', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'open-range');
    const history = new AppendHistory();
    await recordedAppend(history, cluster, topic, ['first']);
    // A writer reserves [1, 3) and dies before writing its slot.
    const dead = await cluster.index.reserve(topic.id, 0, 2, Date.now());
    expect(dead.baseOffset).toBe(1);
    expect(await recordedAppend(history, cluster, topic, ['after'])).toMatchObject([{ ok: true, offset: 3 }]);

    // Offset 3 is written, but the range below it is open: the readable end stays at 1.
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 1 });
    const early = await cluster.log.fetch({ topic, partition: 0, offset: 0 });
    expect(early.records.map((r) => r.offset)).toEqual([0]);
    expect(early).toMatchObject({ nextOffset: 1, logEndOffset: 1 });

    await sleep(FAST.holeGraceMs + 200);
    const late = await cluster.log.fetch({ topic, partition: 0, offset: 1 });
    expect(late.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[3, 'after']]);
    expect(late).toMatchObject({ nextOffset: 4, logEndOffset: 4 });
    const [voided] = (await cluster.index.slotsAfter(topic.id, 0, 1, 1)).slots;
    expect(voided).toMatchObject({ kind: 'void', baseOffset: 1, count: 2 });
    await checkHistory(history, cluster, topic, [early.records]);
  });

  it('voids an open range at the top of the log too, and the next append continues after it', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'open-top');
    await cluster.index.reserve(topic.id, 0, 5, Date.now());
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 0 });
    await sleep(FAST.holeGraceMs + 200);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 5 });
    const [next] = await cluster.log.append(topic, [textRecord('next', null, 0)]);
    expect(next).toMatchObject({ ok: true, offset: 5 });
    const read = await cluster.log.fetch({ topic, partition: 0, offset: 0 });
    expect(read.records.map((r) => r.offset)).toEqual([5]);
  });

  it('makes a writer that stalls past the grace period lose its conditional put and answer a retriable error', async () => {
    const stall = { ms: 0 };
    let reserved!: () => void;
    const writerReserved = new Promise<void>((resolve) => {
      reserved = resolve;
    });
    const writer = newCluster({
      log: FAST,
      // A writer paused after its deadline check (a GC pause, a frozen host): its put goes out late.
      wrapIndex: (index) => ({
        ...index,
        async reserve(topicId, partition, count, now) {
          const reservation = await index.reserve(topicId, partition, count, now);
          reserved();
          return reservation;
        },
        async commit(slot, guard) {
          await sleep(stall.ms);
          return index.commit(slot, guard);
        },
      }),
    });
    const reader = newCluster({ log: FAST });
    const topic = await newTopic(writer, 1, 'late-writer');
    const history = new AppendHistory();

    stall.ms = 2_000;
    const late = recordedAppend(history, writer, topic, ['late']);
    // The reader appends once the writer holds [0, 1), however long its reservation took.
    await writerReserved;
    await recordedAppend(history, reader, topic, ['on-time']);
    let end = 0;
    for (let waited = 0; end < 2 && waited < 5_000; waited += 100) {
      await sleep(100);
      end = (await reader.log.offsets(topic, 0)).logEndOffset;
    }
    expect(end).toBe(2); // the reader voided [0, 1) while the writer slept

    const outcome = await late;
    expect(outcome).toBeInstanceOf(UnavailableError);
    expect((outcome as UnavailableError).retriable).toBe(true);
    const read = await checkHistory(history, reader, topic);
    expect(read.map((r) => [r.offset, r.value?.toString()])).toEqual([[1, 'on-time']]);
  });

  it('continues a log written in the first format (no sequencer) without loss or reuse, even with racing writers', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'first-format');
    // Bases 0, 2 and 5; the old sweeper had already removed the first item.
    const keys = await writeFirstFormat(cluster, topic, [['l0', 'l1'], ['l2', 'l3', 'l4'], ['l5']]);
    await cluster.index.delete((await cluster.index.slotsAfter(topic.id, 0, -1, 1)).slots[0]);
    expect(keys).toHaveLength(3);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 2, logEndOffset: 6 });
    const mid = await cluster.log.fetch({ topic, partition: 0, offset: 3 });
    expect(mid.records.map((r) => r.value?.toString())).toEqual(['l3', 'l4', 'l5']);

    // Eight fresh processes append at once: they race to seed the sequencer.
    const history = new AppendHistory();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const writer = newCluster();
        for (let r = 0; r < 3; r++) await recordedAppend(history, writer, topic, [`n${w}-${r}`]);
      }),
    );
    expect(history.tally().ok).toBe(24);
    const offsets = history.attempts.flatMap((a) => (a.answer.kind === 'ok' ? a.answer.offsets : []));
    expect([...offsets].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => 6 + i));

    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 2, logEndOffset: 30 });
    const read = await readAll(cluster, topic, 0);
    expect(read.slice(0, 4).map((r) => [r.offset, r.value?.toString()])).toEqual([
      [2, 'l2'],
      [3, 'l3'],
      [4, 'l4'],
      [5, 'l5'],
    ]);
    const fromNew = read.slice(4);
    const history2 = new AppendHistory();
    for (const attempt of history.attempts) history2.answer(history2.begin(attempt.values), attempt.answer);
    expect(history2.check(fromNew, { readableEnd: 30 })).toEqual([]);
    // Retention still works across both formats.
    const swept = await sweepTopic(
      { log: cluster.log, index: cluster.index, segments: cluster.segments },
      { ...topic, configs: { ...topic.configs, 'retention.ms': 1 } },
      Date.now() + 60_000,
    );
    // First-format slots carry no TTL and are deleted; new inline slots are left to their TTL.
    expect(swept).toMatchObject(
      storage.inline ? { itemsDeleted: 2, itemsLeftToTtl: 24 } : { itemsDeleted: 26, itemsLeftToTtl: 0 },
    );
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 30, logEndOffset: 30 });
  });
});

/** Writes index items the way the first format did: `sk` = base offset, no sequencer. */
async function writeFirstFormat(cluster: Cluster, topic: Topic, batches: string[][]): Promise<string[]> {
  const { clients } = integrationAws();
  let base = 0;
  const keys: string[] = [];
  for (const values of batches) {
    const records = values.map((v) => ({
      key: null,
      value: Buffer.from(v),
      headers: [],
      timestamp: Date.now(),
    }));
    const { bytes, sections } = encodeSegment([{ partition: 0, records }]);
    const key = `segments/${topic.id}/first-format-${base}`;
    await cluster.segments.put(key, bytes);
    const [section] = sections;
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: cluster.config.logTable,
        Item: {
          pk: { S: `${topic.id}#0` },
          sk: { N: String(base) },
          n: { N: String(values.length) },
          seg: { S: key },
          start: { N: String(section.byteStart) },
          len: { N: String(section.byteLength) },
          fts: { N: String(section.firstTimestamp) },
          mts: { N: String(section.maxTimestamp) },
          at: { N: String(Date.now()) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    keys.push(key);
    base += values.length;
  }
  destroyClients(clients);
  return keys;
}
