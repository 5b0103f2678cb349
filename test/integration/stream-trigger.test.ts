import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createPollerHandler } from '../../functions/poller/handler';
import { runConsumers } from '../../local/app';
import { followLogStream } from '../../local/stream-reader';
import { createCluster } from '../../shared/cluster';
import type { StoredRecord } from '../../shared/codec/types';
import { configFromEnv } from '../../shared/config';
import { createGroupService, type GroupService } from '../../shared/groups';
import { DEAD_LETTER_HEADERS, type KafkaEvent, type PollerOptions } from '../../shared/poller';
import {
  createStreamTrigger,
  type LogStreamRecord,
  type StreamTriggerOptions,
} from '../../shared/poller/stream-trigger';
import { AwsRequestCounter, awsClientSettings, createAwsClients } from '../../shared/storage/aws';
import { SEQUENCER_SORT_KEY } from '../../shared/storage/schema';
import type { Topic } from '../../shared/topics/registry';
import {
  consumerEnv,
  createTestTopic,
  FAST_POLLER,
  produce,
  type RunningConsumer,
  recorder,
  shiftedClock,
  silentLogger,
  startStreamConsumer,
  startStreamGroups,
  testGroupName,
  testPoller,
  testStreamTrigger,
  waitFor,
} from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

const triggers = ['poller', 'stream'] as const;

/** A running consumer of the group, driven by a poller or by the log table's stream. */
async function startConsumer(
  trigger: (typeof triggers)[number],
  topic: Topic,
  group: string,
  overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handler'>,
): Promise<RunningConsumer> {
  if (trigger === 'stream') return startStreamConsumer(cluster, topic, group, overrides);
  const poller = testPoller(cluster, topic, group, overrides);
  const running = poller.run();
  return {
    async stop() {
      await poller.stop();
      await running;
    },
  };
}

/** A stream trigger of the group over one topic, called directly (no stream). */
function trigger(
  topic: Topic,
  group: string,
  overrides: Partial<StreamTriggerOptions> & Pick<PollerOptions, 'handler'>,
) {
  return testStreamTrigger(cluster, topic, group, overrides);
}

const touchedAll = (topic: Topic) =>
  Array.from({ length: topic.partitionCount }, (_, partition) => ({ topicId: topic.id, partition }));

/** The record values of a Kafka event, as text, in delivery order. */
const valuesOf = (event: KafkaEvent) =>
  Object.values(event.records)
    .flat()
    .map((r) => Buffer.from(r.value ?? '', 'base64').toString());

async function committedOffsets(group: string): Promise<number[]> {
  const lags = await createGroupService({ cluster }).lags(group);
  return lags.map((l) => l.currentOffset);
}

describe.each(triggers)('consumer delivery (%s)', (kind) => {
  it('delivers every record of several partitions, in order per partition, and commits to the end', async () => {
    const topic = await createTestTopic(cluster, `deliver-${kind}`, 3);
    const group = testGroupName(`deliver-${kind}`);
    const seen = recorder();
    const consumer = await startConsumer(kind, topic, group, {
      batchSize: 5,
      handler: async (event) => seen.record(event),
    });
    try {
      for (let i = 0; i < 45; i += 9) {
        await produce(
          cluster,
          topic,
          Array.from({ length: 9 }, (_, j) => ({ partition: (i + j) % 3, value: `r${i + j}` })),
        );
      }
      await waitFor(() => seen.distinct() === 45, 'all 45 records delivered');
      await waitFor(
        async () => (await committedOffsets(group)).join() === '15,15,15',
        'committed to the end',
      );
    } finally {
      await consumer.stop();
    }
    for (let p = 0; p < 3; p++) {
      const offsets = seen.offsetsOf(p);
      // At least once: a record may come again, but never before one it follows.
      const firsts = offsets.filter((o, i) => offsets.indexOf(o) === i);
      expect(firsts).toEqual(Array.from({ length: 15 }, (_, i) => i));
    }
  });

  it('retries a poison record retryAttempts times, dead-letters it, and delivers the records after it', async () => {
    const topic = await createTestTopic(cluster, `poison-${kind}`, 1);
    const dlq = await createTestTopic(cluster, `poison-${kind}-dlq`, 1);
    const group = testGroupName(`poison-${kind}`);
    const attemptsOnPoison: number[] = [];
    const handled: string[] = [];
    const consumer = await startConsumer(kind, topic, group, {
      batchSize: 3,
      retryAttempts: 2,
      onFailureTopic: dlq.name,
      handler: async (event) => {
        for (const [partition, records] of Object.entries(event.records)) {
          for (const record of records) {
            const value = Buffer.from(record.value ?? '', 'base64').toString();
            if (value === 'POISON') {
              attemptsOnPoison.push(record.offset);
              return { batchItemFailures: [{ itemIdentifier: { partition, offset: record.offset } }] };
            }
            handled.push(value);
          }
        }
        return undefined;
      },
    });
    try {
      await produce(
        cluster,
        topic,
        Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: i === 2 ? 'POISON' : `ok${i}` })),
      );
      await waitFor(async () => (await committedOffsets(group))[0] === 6, 'committed past the poison record');
    } finally {
      await consumer.stop();
    }
    expect(attemptsOnPoison).toEqual([2, 2, 2]); // the first try and two retries
    expect(new Set(handled)).toEqual(new Set(['ok0', 'ok1', 'ok3', 'ok4', 'ok5']));
    const dead: StoredRecord[] = (await cluster.log.fetch({ topic: dlq, partition: 0, offset: 0 })).records;
    expect(dead.map((r) => r.value?.toString())).toEqual(['POISON']);
    expect(dead[0].headers.find((h) => h.key === DEAD_LETTER_HEADERS.group)?.value?.toString()).toBe(group);
  });
});

describe('stream trigger', () => {
  it('skips a partition a live poller member holds, and drains the others', async () => {
    const topic = await createTestTopic(cluster, 'held', 2);
    const group = testGroupName('held');
    const byPoller = recorder();
    // A poller member of the group holding only partition 0 (it consumes nothing else).
    const groups = createGroupService({ cluster });
    const member = await groups.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: 60_000,
      policy: { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' },
      kind: 'poller',
    });
    const held = member.assignments.map((a) => a.partition);
    expect(held).toEqual([0, 1]);
    await groups.release(group, {
      topic: topic.name,
      partition: 1,
      owner: member.memberId,
      epoch: member.assignments[1].epoch,
    });
    await produce(cluster, topic, [
      { partition: 0, value: 'a' },
      { partition: 1, value: 'b' },
    ]);
    const summary = await trigger(topic, group, { handler: async (event) => byPoller.record(event) }).drain(
      touchedAll(topic),
    );
    expect(summary.partitions.map((p) => [p.partition, p.outcome, p.committedRecords])).toEqual([
      [1, 'drained', 1],
      [0, 'held', 0],
    ]);
    expect(byPoller.deliveries.map((d) => d.value)).toEqual(['b']);
    expect(await committedOffsets(group)).toEqual([0, 1]);
  });

  it('commits nothing once its lease was taken over (fencing); the new holder redelivers', async () => {
    const topic = await createTestTopic(cluster, 'fenced', 1);
    const group = testGroupName('fenced');
    await produce(cluster, topic, [
      { partition: 0, value: 'x' },
      { partition: 0, value: 'y' },
    ]);
    const groups = createGroupService({ cluster });
    const later = shiftedClock(60_000);
    const thief = createGroupService({ cluster, now: later.now });
    let thiefId: string | undefined;
    const drain = trigger(topic, group, {
      groups,
      leaseDurationMs: 10_000,
      handler: async () => {
        // While the handler runs, a member whose clock is a minute ahead sees the lease
        // expired and takes the partition.
        const state = await thief.join({
          group,
          topics: [topic.name],
          sessionTimeoutMs: 60_000,
          policy: { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' },
          kind: 'poller',
        });
        if (state.assignments.length === 1) thiefId = state.memberId;
      },
    });
    const summary = await drain.drain(touchedAll(topic));
    expect(thiefId).toBeDefined();
    expect(summary.partitions).toEqual([
      { topic: topic.name, partition: 0, outcome: 'fenced', committedRecords: 0 },
    ]);
    expect(await committedOffsets(group)).toEqual([0]);

    // The new holder committed nothing either; once it leaves, a poller delivers both again.
    await thief.leave(group, thiefId as string);
    const again = recorder();
    const poller = testPoller(cluster, topic, group, {
      now: later.now,
      handler: async (e) => again.record(e),
    });
    const running = poller.run();
    await waitFor(() => again.distinct() === 2, 'the new holder redelivers');
    await poller.stop();
    await running;
  });

  it('loses nothing when a drain dies before its commit: the next drain delivers again', async () => {
    const topic = await createTestTopic(cluster, 'crash', 1);
    const group = testGroupName('crash');
    await produce(cluster, topic, [
      { partition: 0, value: 'p' },
      { partition: 0, value: 'q' },
    ]);
    const real = createGroupService({ cluster });
    // The drain's last write (commit + release) never lands, as when the function dies.
    const dying: GroupService = {
      ...real,
      release: async () => {
        throw Object.assign(new Error('the function timed out'), { name: 'TimeoutError' });
      },
    };
    const first = recorder();
    const crashed = await trigger(topic, group, {
      groups: dying,
      handler: async (e) => first.record(e),
    }).drain(touchedAll(topic));
    expect(crashed.partitions.map((p) => p.outcome)).toEqual(['failed']);
    expect(first.deliveries.map((d) => d.value)).toEqual(['p', 'q']);

    // The dead drain's lease expires; the next trigger (or the tick) delivers both again.
    const later = shiftedClock(FAST_POLLER.leaseDurationMs + 2_000);
    const second = recorder();
    const next = await trigger(topic, group, {
      groups: createGroupService({ cluster, now: later.now }),
      now: later.now,
      handler: async (e) => second.record(e),
    }).drain(touchedAll(topic));
    expect(next.partitions.map((p) => [p.outcome, p.committedRecords])).toEqual([['drained', 2]]);
    expect(second.deliveries.map((d) => d.value)).toEqual(['p', 'q']);
    expect(await committedOffsets(group)).toEqual([2]);
  });

  it('costs one group read, one log read, two conditional writes and a read of the sequencer alone after the release to drain a partition of a group it consumed before', async () => {
    const counter = new AwsRequestCounter({ capacity: true });
    const counted = createCluster(configFromEnv(), { counter });
    try {
      const topic = await createTestTopic(counted, 'requests', 1);
      const group = testGroupName('requests');
      const drains = createStreamTrigger({
        cluster: counted,
        group,
        topics: [topic.name],
        logger: silentLogger,
        handler: async () => {},
      });
      // Records of 1 KB, each its own inline slot: the log read's page of 8 slots costs what
      // their bytes cost, as in the 1 rec/s workload.
      const kilobyte = (i: number) => ({ partition: 0, value: `${i}`.padEnd(1024, 'k') });
      for (let i = 0; i < 10; i++) await produce(counted, topic, [kilobyte(i)]);
      await drains.drain(touchedAll(topic)); // the group's first drain also registers it and finds its start
      await produce(counted, topic, [kilobyte(10)]);
      counter.reset();
      const summary = await drains.drain(touchedAll(topic));
      expect(summary.committedRecords).toBe(1);
      // Queries: the group, the log, and the sequencer alone after the release (a trigger is never spent).
      expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 3, 'DynamoDB.UpdateItem': 2 });
      // Read consistently in 4 KB units: the group 1, the page of 8 slots of about 1.2 KB 3, the
      // sequencer 1. Reading the readable end again after the release paid the page twice (7).
      expect(counter.capacityUnitsByCommand()).toEqual({ Query: 5, UpdateItem: 2 });
    } finally {
      counted.close();
    }
  });
});

describe('one stream reader for every stream group (the dispatcher)', () => {
  it('delivers every record to each of three stream groups on one cluster, in order per partition', async () => {
    const topic = await createTestTopic(cluster, 'three-groups', 2);
    const names = ['a', 'b', 'c'].map((n) => testGroupName(`three-groups-${n}`));
    const seen = names.map(() => recorder());
    const consumer = await startStreamGroups(
      cluster,
      topic,
      names.map((group, i) => ({
        group,
        batchSize: 4,
        handler: async (event: KafkaEvent) => seen[i].record(event),
      })),
    );
    try {
      for (let i = 0; i < 30; i += 5) {
        await produce(
          cluster,
          topic,
          Array.from({ length: 5 }, (_, j) => ({ partition: (i + j) % 2, value: `r${i + j}` })),
        );
      }
      for (const [i, group] of names.entries()) {
        await waitFor(() => seen[i].distinct() === 30, `all 30 records delivered to ${group}`);
        await waitFor(
          async () => (await committedOffsets(group)).join() === '15,15',
          `${group} committed to the end`,
        );
      }
    } finally {
      await consumer.stop();
    }
    for (const record of seen) {
      for (const p of [0, 1]) {
        const offsets = record.offsetsOf(p);
        expect(offsets.filter((o, i) => offsets.indexOf(o) === i)).toEqual(
          Array.from({ length: 15 }, (_, i) => i),
        );
      }
    }
  });

  it("delivers a group's partition 1 while its handler keeps failing on partition 0", async () => {
    const topic = await createTestTopic(cluster, 'failing-p0', 2);
    const group = testGroupName('failing-p0');
    let attemptsOnP0 = 0;
    const onP1: string[] = [];
    const consumer = await startStreamGroups(cluster, topic, [
      {
        group,
        // Long enough that the drain retrying partition 0 outlives the test's waits: a reader
        // that waited for it would deliver nothing else meanwhile.
        leaseDurationMs: 120_000,
        handler: async (event: KafkaEvent) => {
          const records = Object.values(event.records).flat();
          if (records.some((r) => r.partition === 0)) {
            attemptsOnP0++;
            throw new Error('partition 0 always fails');
          }
          for (const r of records) onP1.push(Buffer.from(r.value ?? '', 'base64').toString());
        },
      },
    ]);
    try {
      await produce(cluster, topic, [{ partition: 0, value: 'poison' }]);
      await waitFor(() => attemptsOnP0 >= 2, 'partition 0 retried');
      await produce(cluster, topic, [{ partition: 1, value: 'x' }]);
      await produce(cluster, topic, [{ partition: 1, value: 'y' }]);
      await waitFor(() => onP1.includes('x') && onP1.includes('y'), 'partition 1 delivered');
      await waitFor(async () => (await committedOffsets(group)).join() === '0,2', 'partition 1 committed');
      // Partition 0 is still being retried by its own drain.
      const attempts = attemptsOnP0;
      await waitFor(() => attemptsOnP0 > attempts, 'partition 0 retried after partition 1 was delivered');
    } finally {
      await consumer.stop();
    }
    expect(await committedOffsets(group)).toEqual([0, 2]);
  });

  it('never spends a trigger: a slot that a skipped drain was triggered for is drained by the holder after its release', async () => {
    const topic = await createTestTopic(cluster, 'never-spent', 1);
    const group = testGroupName('never-spent');
    const delivered: string[] = [];
    const other = trigger(topic, group, {
      handler: async () => {
        throw new Error('the skipped drain delivers nothing');
      },
    });
    let skipped: Awaited<ReturnType<typeof other.drain>> | undefined;
    const holder = trigger(topic, group, {
      handler: async (event) => {
        const values = Object.values(event.records)
          .flat()
          .map((r) => Buffer.from(r.value ?? '', 'base64').toString());
        delivered.push(...values);
        if (values.includes('one')) {
          // While this drain holds the lease (its read already ended at 'one'): a slot commits,
          // its stream record triggers another drain, which finds the partition held.
          await produce(cluster, topic, [{ partition: 0, value: 'two' }]);
          skipped = await other.drain(touchedAll(topic));
        }
      },
    });
    await produce(cluster, topic, [{ partition: 0, value: 'one' }]);
    const summary = await holder.drain(touchedAll(topic));
    expect(skipped?.partitions.map((p) => p.outcome)).toEqual(['held']);
    expect(delivered).toEqual(['one', 'two']);
    expect(summary.partitions).toEqual([
      { topic: topic.name, partition: 0, outcome: 'drained', committedRecords: 2 },
    ]);
    expect(await committedOffsets(group)).toEqual([2]);
  });

  it('reads the readable end after its release only when a range above the released offset is reserved; a range not written yet is left to the drain its slot triggers', async () => {
    const topic = await createTestTopic(cluster, 'reserved-above', 1);
    const group = testGroupName('reserved-above');
    const counter = new AwsRequestCounter();
    const counted = createCluster(configFromEnv(), { counter });
    // A writer whose slot put waits for the test: its range stays reserved and unwritten.
    let markReserved = () => {};
    const reserved = new Promise<void>((resolve) => {
      markReserved = resolve;
    });
    let allowPut = () => {};
    const putAllowed = new Promise<void>((resolve) => {
      allowPut = resolve;
    });
    const slowWriter = createCluster(configFromEnv(), {
      wrapIndex: (index) => ({
        ...index,
        async reserve(...args) {
          const reservation = await index.reserve(...args);
          markReserved();
          return reservation;
        },
        async commit(...args) {
          await putAllowed;
          return index.commit(...args);
        },
      }),
    });
    try {
      const delivered: string[] = [];
      let writing: Promise<number[]> | undefined;
      const holder = testStreamTrigger(counted, topic, group, {
        handler: async (event) => {
          const values = valuesOf(event);
          delivered.push(...values);
          if (values.includes('one')) {
            writing = produce(slowWriter, topic, [{ partition: 0, value: 'two' }]);
            await reserved; // offset 2 is reserved while this drain holds the lease
          }
        },
      });
      await produce(cluster, topic, [{ partition: 0, value: 'zero' }]);
      await holder.drain(touchedAll(topic)); // the group's first drain registers it and finds its start
      await produce(cluster, topic, [{ partition: 0, value: 'one' }]);
      counter.reset();
      const summary = await holder.drain(touchedAll(topic));
      expect(summary.partitions).toEqual([
        { topic: topic.name, partition: 0, outcome: 'drained', committedRecords: 1 },
      ]);
      // After the release: the sequencer (offset 2 reserved, above the released 2), then the
      // readable end (still 2: a hole inside its grace), and no second acquisition.
      expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 4, 'DynamoDB.UpdateItem': 2 });
      expect(await committedOffsets(group)).toEqual([2]);

      allowPut();
      expect(await writing).toEqual([2]);
      // The slot's INSERT triggers a drain, which finds the lease free and delivers it.
      const next = await testStreamTrigger(counted, topic, group, {
        handler: async (event) => {
          delivered.push(...valuesOf(event));
        },
      }).drain(touchedAll(topic));
      expect(next.partitions.map((p) => [p.outcome, p.committedRecords])).toEqual([['drained', 1]]);
      expect(delivered).toEqual(['zero', 'one', 'two']);
      expect(await committedOffsets(group)).toEqual([3]);
    } finally {
      allowPut();
      counted.close();
      slowWriter.close();
    }
  });

  it('moves past a void that lands above the released offset while it holds the lease, taking the lease back with no read of the group', async () => {
    const topic = await createTestTopic(cluster, 'void-above', 1);
    const group = testGroupName('void-above');
    let groupReads = 0;
    const groups = createGroupService({
      cluster,
      store: {
        ...cluster.groups,
        snapshot(name) {
          groupReads++;
          return cluster.groups.snapshot(name);
        },
      },
    });
    const other = trigger(topic, group, {
      handler: async () => {
        throw new Error('the skipped drain delivers nothing');
      },
    });
    let skipped: Awaited<ReturnType<typeof other.drain>> | undefined;
    const delivered: string[] = [];
    const holder = trigger(topic, group, {
      groups,
      handler: async (event) => {
        const values = valuesOf(event);
        delivered.push(...values);
        if (values.includes('one')) {
          // A writer reserves [2, 4) and fails: its void is a slot, and its INSERT triggers a
          // drain that finds the partition held by this one.
          const range = await cluster.index.reserve(topic.id, 0, 2, Date.now());
          await cluster.index.void({
            kind: 'void',
            topicId: topic.id,
            partition: 0,
            baseOffset: range.baseOffset,
            count: range.count,
            voidedAt: Date.now(),
            reservedAt: range.reservedAt,
          });
          skipped = await other.drain(touchedAll(topic));
        }
      },
    });
    await produce(cluster, topic, [{ partition: 0, value: 'zero' }]);
    await holder.drain(touchedAll(topic)); // the group's first drain registers it and finds its start
    await produce(cluster, topic, [{ partition: 0, value: 'one' }]);
    groupReads = 0;
    const summary = await holder.drain(touchedAll(topic));
    expect(skipped?.partitions.map((p) => p.outcome)).toEqual(['held']);
    expect(delivered).toEqual(['zero', 'one']);
    // The record and the void's two offsets, committed: nobody is left to move past the void.
    expect(summary.partitions).toEqual([
      { topic: topic.name, partition: 0, outcome: 'drained', committedRecords: 3 },
    ]);
    expect(await committedOffsets(group)).toEqual([4]);
    // The group was read to take the lease, not to take it back after the release.
    expect(groupReads).toBe(1);
  });
});

describe('the group function, invoked by the log table stream', () => {
  it('drains the partitions of a DynamoDB stream event and answers what it did', async () => {
    const topic = await createTestTopic(cluster, 'lambda-stream', 2);
    const group = testGroupName('lambda-stream');
    await produce(cluster, topic, [
      { partition: 1, value: 'one' },
      { partition: 1, value: 'two' },
    ]);
    const seen = recorder();
    const handle = createPollerHandler({
      cluster,
      env: consumerEnv(group, topic, { trigger: 'stream' }),
      invoke: async (_name, event) => seen.record(event),
      logger: silentLogger,
      metrics: { observer: {}, lag: () => {}, publish: () => {} },
      leaseDurationMs: FAST_POLLER.leaseDurationMs,
    });
    const slot = (partition: number, sk: string) => ({
      eventSource: 'aws:dynamodb',
      eventName: 'INSERT',
      dynamodb: { Keys: { pk: { S: `${topic.id}#${partition}` }, sk: { N: sk } } },
    });
    const answer = await handle(
      { Records: [slot(1, '2'), { ...slot(0, String(Number.MAX_SAFE_INTEGER)) }] },
      { getRemainingTimeInMillis: () => 60_000 },
    );
    expect(answer).toMatchObject({
      status: 'drained',
      committedRecords: 2,
      partitions: [{ partition: 1, outcome: 'drained', committedRecords: 2 }],
    });
    expect(seen.deliveries.map((d) => d.value)).toEqual(['one', 'two']);
  });

  it('on its scheduled start drains what is pending, and writes nothing when nothing is', async () => {
    const topic = await createTestTopic(cluster, 'lambda-tick', 2);
    const group = testGroupName('lambda-tick');
    const seen = recorder();
    const counter = new AwsRequestCounter();
    const counted = createCluster(configFromEnv(), { counter });
    try {
      const handle = createPollerHandler({
        cluster: counted,
        env: consumerEnv(group, topic, { trigger: 'stream' }),
        invoke: async (_name, event) => seen.record(event),
        logger: silentLogger,
        metrics: { observer: {}, lag: () => {}, publish: () => {} },
        leaseDurationMs: FAST_POLLER.leaseDurationMs,
      });
      const context = { getRemainingTimeInMillis: () => 60_000 };
      await produce(cluster, topic, [{ partition: 0, value: 'left' }]);
      expect(await handle({ source: 'aws.events' }, context)).toMatchObject({
        status: 'drained',
        committedRecords: 1,
      });
      expect(seen.deliveries.map((d) => d.value)).toEqual(['left']);
      counter.reset();
      expect(await handle({ source: 'aws.events' }, context)).toMatchObject({ status: 'nothing-to-do' });
      const writes = Object.keys(counter.snapshot()).filter((name) => /Put|Update|Delete|Write/.test(name));
      expect(writes).toEqual([]);
    } finally {
      counted.close();
    }
  });
});

describe('the local stream reader', () => {
  /** Follows the log stream, counting each batch's new slots of `topic`. */
  async function follow(topic: Topic, batchingWindowMs: number) {
    const batches: number[] = [];
    const clients = createAwsClients(cluster.config);
    const streams = new DynamoDBStreamsClient(awsClientSettings(cluster.config));
    const controller = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const ours = (records: readonly LogStreamRecord[]) =>
      records.filter(
        (r) =>
          r.eventName === 'INSERT' &&
          r.dynamodb?.Keys?.pk?.S?.startsWith(`${topic.id}#`) &&
          r.dynamodb.Keys.sk?.N !== String(SEQUENCER_SORT_KEY),
      ).length;
    const running = followLogStream({
      dynamodb: clients.dynamodb,
      streams,
      table: cluster.config.logTable,
      signal: controller.signal,
      batchSize: 1000,
      batchingWindowMs,
      logger: silentLogger,
      onReady: ready,
      onBatch: async (records) => {
        const count = ours(records);
        if (count > 0) batches.push(count);
      },
    });
    await started;
    return {
      batches,
      async stop() {
        controller.abort();
        await running;
        clients.dynamodb.destroy();
        streams.destroy();
      },
    };
  }

  async function produceSpaced(topic: Topic, count: number) {
    for (let i = 0; i < count; i++) {
      await produce(cluster, topic, [{ partition: 0, value: `spaced-${i}` }]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  it("gathers a shard's records for the consumer's batching window, as the event source mapping does", async () => {
    const topic = await createTestTopic(cluster, 'stream-window', 1);
    const gathering = await follow(topic, 3_000);
    try {
      await produceSpaced(topic, 3);
      await waitFor(() => gathering.batches.reduce((a, b) => a + b, 0) === 3, 'the three slots are read');
      expect(gathering.batches).toEqual([3]);
    } finally {
      await gathering.stop();
    }
  });

  it('hands records over as read with no window (the 500 ms default rounds down to none)', async () => {
    const topic = await createTestTopic(cluster, 'stream-nowindow', 1);
    const reading = await follow(topic, 0);
    try {
      await produceSpaced(topic, 3);
      await waitFor(() => reading.batches.reduce((a, b) => a + b, 0) === 3, 'the three slots are read');
      expect(reading.batches.length).toBeGreaterThan(1);
    } finally {
      await reading.stop();
    }
  });
});

describe('npm start', () => {
  it.each([
    ['declared with "trigger": "stream"', { trigger: 'stream' as const }],
    ['declared without a trigger (the default)', {}],
  ])('runs a consumer %s from the log table stream, with no member joining', async (_name, declared) => {
    const directory = mkdtempSync(join(tmpdir(), 'sluice-stream-app-'));
    writeFileSync(
      join(directory, 'handler.js'),
      'exports.handler = async (event) => { for (const records of Object.values(event.records)) ' +
        "for (const r of records) globalThis.__sluiceStreamSeen.push(Buffer.from(r.value, 'base64').toString()); };",
    );
    const seen: string[] = [];
    (globalThis as { __sluiceStreamSeen?: string[] }).__sluiceStreamSeen = seen;
    const topic = await createTestTopic(cluster, 'app-stream', 1);
    const group = testGroupName('app-stream');
    const controller = new AbortController();
    const running = runConsumers(
      cluster,
      { directory, consumers: [{ group, topics: [topic.name], handler: 'handler.js', ...declared }] },
      controller.signal,
      silentLogger,
    );
    try {
      await produce(cluster, topic, [{ partition: 0, value: 'hello' }]);
      await waitFor(() => seen.includes('hello'), 'the stream consumer delivers the record');
      await waitFor(async () => (await committedOffsets(group))[0] === 1, 'and commits it');
      expect((await createGroupService({ cluster }).describe(group)).members).toEqual([]);
    } finally {
      controller.abort();
      await running;
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
