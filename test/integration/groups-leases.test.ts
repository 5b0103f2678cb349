import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { FencedError, NotFoundError } from '../../shared/errors';
import { createGroupService, type GroupService } from '../../shared/groups';
import type { StartPolicy } from '../../shared/groups/types';
import { AwsRequestCounter } from '../../shared/storage/aws';
import {
  createTestTopic,
  produce,
  shiftedClock,
  testGroupName,
  testPoller,
  waitFor,
} from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

const EARLIEST: StartPolicy = { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' };
const LATEST: StartPolicy = { startingPosition: 'LATEST', autoOffsetReset: 'latest' };
const SESSION = 6_000;

function join(groups: GroupService, group: string, topics: string[], policy = EARLIEST) {
  return groups.join({ group, topics, sessionTimeoutMs: SESSION, policy });
}

describe('lease protocol', () => {
  it('names the silent owner and the expiry of leases a member has to wait for', async () => {
    const topic = await createTestTopic(cluster, 'leases', 2);
    const group = testGroupName('g');
    const ghost = await join(createGroupService({ cluster }), group, [topic.name]);
    expect(ghost.assignments).toHaveLength(2);
    // Seen by a newcomer while the owner heartbeats: a normal handover, which is no news.
    const groups = createGroupService({ cluster });
    const newcomer = await join(groups, group, [topic.name]);
    expect(newcomer.waitingFor).toEqual([]);
    await groups.leave(group, newcomer.memberId);

    // The ghost never heartbeats again; 4.5 s later (over two 2 s heartbeat intervals of its
    // 6 s session, within its lease), it is silent.
    const later = shiftedClock(4_500);
    const waiting = await join(createGroupService({ cluster, now: later.now }), group, [topic.name]);
    expect(waiting.assignments).toEqual([]);
    expect(waiting.waitingFor).toEqual(
      ghost.assignments.map((a) => ({
        topic: topic.name,
        partition: a.partition,
        owner: ghost.memberId,
        expiresAt: a.expiresAt,
      })),
    );
  });

  it('has the poller log once which lease it waits for, whose it is and until when', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    const group = testGroupName('g');
    const ghost = await createGroupService({ cluster }).join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: 3_000,
      policy: EARLIEST,
    });
    const warnings: string[] = [];
    const poller = testPoller(cluster, topic, group, {
      handler: async () => {},
      now: shiftedClock(2_500).now,
      logger: { info: () => {}, error: () => {}, warn: (message) => void warnings.push(message) },
    });
    const run = poller.run();
    try {
      await waitFor(() => warnings.some((w) => w.includes('waiting for partition')), 'the wait to be logged');
      // Heartbeats keep seeing the same stale lease; it is reported once.
      await new Promise((resolve) => setTimeout(resolve, 400));
    } finally {
      await poller.stop();
      await run;
    }
    const waits = warnings.filter((w) => w.includes('waiting for partition'));
    expect(waits).toEqual([
      `consumer group ${group}: waiting for partition ${topic.name}-0, still leased to ${ghost.memberId} (a member that stopped without releasing it) until ${new Date(ghost.assignments[0].expiresAt).toISOString()}`,
    ]);
  });

  it('gives a lone member every partition, starting at the log start', async () => {
    const topic = await createTestTopic(cluster, 'leases', 3);
    await produce(cluster, topic, [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
    ]);
    const groups = createGroupService({ cluster });
    const member = await join(groups, testGroupName('g'), [topic.name]);
    expect(member.assignments.map((a) => [a.partition, a.committedOffset, a.epoch])).toEqual([
      [0, 0, 1],
      [1, 0, 1],
      [2, 0, 1],
    ]);
  });

  it('splits partitions evenly once a second member joins, without taking live leases', async () => {
    const topic = await createTestTopic(cluster, 'leases', 4);
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    const a = await join(groups, group, [topic.name]);
    const b = await join(groups, group, [topic.name]);
    expect(a.assignments).toHaveLength(4);
    expect(b.assignments).toHaveLength(0);

    // a gives back down to ceil(4/2) on its heartbeat; b takes the freed ones on its own.
    const a2 = await groups.heartbeat({ group, memberId: a.memberId });
    const b2 = await groups.heartbeat({ group, memberId: b.memberId });
    expect(a2.assignments).toHaveLength(2);
    expect(b2.assignments).toHaveLength(2);
    const all = [...a2.assignments, ...b2.assignments].map((x) => x.partition).sort();
    expect(all).toEqual([0, 1, 2, 3]);
    // Ownership changed twice for b's partitions (release, acquire): epoch 3.
    expect(b2.assignments.every((x) => x.epoch === 3)).toBe(true);
  });

  it('fences a zombie: a member paused past its lease cannot commit after another took over', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    await produce(cluster, topic, [{ partition: 0, value: 'x' }]);
    const group = testGroupName('g');
    const zombie = await join(createGroupService({ cluster }), group, [topic.name]);
    const [held] = zombie.assignments;

    // The zombie is paused; the group's clock moves past its lease and session.
    const later = shiftedClock(SESSION + 5_000);
    const survivorService = createGroupService({ cluster, now: later.now });
    const survivor = await join(survivorService, group, [topic.name]);
    expect(survivor.assignments.map((a) => a.epoch)).toEqual([held.epoch + 1]);

    const zombieService = createGroupService({ cluster });
    await expect(
      zombieService.commit(group, zombie.memberId, [
        { topic: topic.name, partition: 0, epoch: held.epoch, offset: 1 },
      ]),
    ).rejects.toThrow(FencedError);
    const lags = await zombieService.lags(group);
    expect(lags[0].currentOffset).toBe(0);
    // And its heartbeat tells it to join again.
    await expect(survivorService.heartbeat({ group, memberId: zombie.memberId })).rejects.toMatchObject({
      errorCode: 40405,
    });
  });

  it('lets the others take the partitions of a member that leaves at once', async () => {
    const topic = await createTestTopic(cluster, 'leases', 2);
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    const a = await join(groups, group, [topic.name]);
    const b = await join(groups, group, [topic.name]);
    await groups.leave(group, a.memberId);
    const b2 = await groups.heartbeat({ group, memberId: b.memberId });
    expect(b2.assignments.map((x) => x.partition)).toEqual([0, 1]);
    await expect(groups.heartbeat({ group, memberId: a.memberId })).rejects.toThrow(NotFoundError);
  });

  it('keeps a committed offset across members and epochs', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    await produce(cluster, topic, [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
      { partition: 0, value: 'c' },
    ]);
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    const a = await join(groups, group, [topic.name]);
    await groups.commit(group, a.memberId, [
      { topic: topic.name, partition: 0, epoch: a.assignments[0].epoch, offset: 2 },
    ]);
    await groups.leave(group, a.memberId);
    const b = await join(groups, group, [topic.name], LATEST);
    expect(b.assignments[0].committedOffset).toBe(2);
  });

  it('starts a new group at TRIM_HORIZON, LATEST or AT_TIMESTAMP', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    const base = 1_700_000_000_000;
    for (let i = 0; i < 4; i++) {
      await produce(cluster, topic, [
        { partition: 0, value: `a${i}`, timestamp: base + i * 1_000 },
        { partition: 0, value: `b${i}`, timestamp: base + i * 1_000 + 500 },
      ]);
    }
    const groups = createGroupService({ cluster });
    const start = async (policy: StartPolicy) =>
      (await join(groups, testGroupName('g'), [topic.name], policy)).assignments[0].committedOffset;
    expect(await start(EARLIEST)).toBe(0);
    expect(await start(LATEST)).toBe(8);
    const at = (ts: number) =>
      start({ startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: ts, autoOffsetReset: 'earliest' });
    expect(await at(base + 2_000)).toBe(4);
    expect(await at(base + 2_200)).toBe(5);
    expect(await at(base + 2_600)).toBe(6);
    expect(await at(0)).toBe(0);
    expect(await at(base + 60_000)).toBe(8);
    expect(await cluster.log.offsetForTimestamp(topic, 0, base + 3_500)).toBe(7);
  });

  it('follows auto.offset.reset when the committed offset fell below the log start', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    await produce(cluster, topic, [{ partition: 0, value: 'old' }]);
    await produce(cluster, topic, [
      { partition: 0, value: 'new1' },
      { partition: 0, value: 'new2' },
    ]);
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    const a = await join(groups, group, [topic.name]);
    await groups.leave(group, a.memberId);
    // Retention removes the first batch: the log now starts at 1, above the committed 0.
    const [oldest] = (await cluster.index.slotsAfter(topic.id, 0, -1, 1)).slots;
    await cluster.index.advance(topic.id, 0, { logStartOffset: 1 });
    expect(await cluster.index.delete(oldest)).toEqual({ kind: 'deleted' });
    const earliest = await join(groups, group, [topic.name], EARLIEST);
    expect(earliest.assignments[0].committedOffset).toBe(1);
    await groups.commit(group, earliest.memberId, [
      { topic: topic.name, partition: 0, epoch: earliest.assignments[0].epoch, offset: 0 },
    ]);
    await groups.leave(group, earliest.memberId);
    const latest = await join(groups, group, [topic.name], LATEST);
    expect(latest.assignments[0].committedOffset).toBe(3);
  });

  it('names every outcome of the conditional lease writes', async () => {
    const topic = await createTestTopic(cluster, 'leases', 1);
    const group = testGroupName('g');
    const store = cluster.groups;
    const now = Date.now();
    const request = {
      seen: undefined,
      topic: topic.name,
      partition: 0,
      topicId: topic.id,
      expiresAt: now + 10_000,
      expiredBefore: now - 1_000,
      committed: 0,
    };
    const first = await store.acquire(group, { ...request, owner: 'a' });
    const second = await store.acquire(group, { ...request, owner: 'b' });
    expect(first.kind).toBe('acquired');
    expect(second).toMatchObject({ kind: 'lost-race', current: { owner: 'a', epoch: 1 } });
    if (first.kind !== 'acquired') throw new Error('unreachable');
    const claim = { topic: topic.name, partition: 0, owner: 'a', epoch: 1 };
    // b read the lease while it was live: its takeover attempt loses even after a renewal.
    expect(await store.renew(group, claim, now + 20_000)).toBe('renewed');
    expect(await store.acquire(group, { ...request, seen: first.lease, owner: 'b' })).toMatchObject({
      kind: 'lost-race',
    });
    expect(await store.commit(group, claim, 5)).toBe('committed');
    expect(await store.commit(group, { ...claim, epoch: 7 }, 6)).toBe('fenced');
    expect(await store.release(group, claim)).toBe('released');
    expect(await store.release(group, claim)).toBe('fenced');
    const [released] = (await store.snapshot(group)).leases;
    expect(released).toMatchObject({ owner: undefined, epoch: 2, committed: 5 });
    expect(await store.acquire(group, { ...request, seen: released, owner: 'b' })).toMatchObject({
      kind: 'acquired',
      lease: { owner: 'b', epoch: 3 },
    });
  });

  it('takes a partition back after its release with the acquisition alone, and names each outcome', async () => {
    const counter = new AwsRequestCounter();
    const counted = createCluster(configFromEnv(), { counter });
    try {
      const topic = await createTestTopic(counted, 'retake', 1);
      await produce(
        counted,
        topic,
        [1, 2, 3, 4].map((i) => ({ partition: 0, value: `r${i}` })),
      );
      const group = testGroupName('g');
      const groups = createGroupService({ cluster: counted });
      const take = (owner: string) =>
        groups.takePartitions({
          group,
          owner,
          partitions: [{ topic, partition: 0 }],
          leaseDurationMs: SESSION,
          policy: EARLIEST,
        });
      const retake = (owner: string, released: { epoch: number; offset: number }) =>
        groups.retakePartition({
          group,
          owner,
          topic,
          partition: 0,
          released,
          leaseDurationMs: SESSION,
          policy: EARLIEST,
        });
      const claim = (owner: string, epoch: number) => ({ topic: topic.name, partition: 0, owner, epoch });

      const [first] = (await take('drain-a')).taken;
      expect(await groups.release(group, claim('drain-a', first.epoch), 3)).toBe('released');
      // Acquired: nobody wrote the lease since the release, and the group is not read.
      counter.reset();
      const again = await retake('drain-a', { epoch: first.epoch, offset: 3 });
      expect(again).toEqual({
        taken: [expect.objectContaining({ epoch: first.epoch + 2, committedOffset: 3 })],
        held: [],
      });
      expect(counter.snapshot()).toEqual({ 'DynamoDB.UpdateItem': 1 });
      const { epoch } = again.taken[0];
      expect(await groups.release(group, claim('drain-a', epoch), 3)).toBe('released');

      // Lost to a live holder that took it after the release: held, told by the failed write alone.
      const [other] = (await take('drain-b')).taken;
      counter.reset();
      expect(await retake('drain-a', { epoch, offset: 3 })).toEqual({
        taken: [],
        held: [{ topic: topic.name, partition: 0 }],
      });
      expect(counter.snapshot()).toEqual({ 'DynamoDB.UpdateItem': 1 });

      // The lease moved on and is free (its holder released it, an offset reset moved it): taken
      // from a fresh read of the group, at the offset the reset wrote.
      expect(await groups.release(group, claim('drain-b', other.epoch))).toBe('released');
      await groups.resetOffsets({ group, topic: topic.name, target: { to: 'offset', offset: 1 } });
      counter.reset();
      const fresh = await retake('drain-a', { epoch, offset: 3 });
      expect(fresh.taken).toEqual([expect.objectContaining({ committedOffset: 1 })]);
      expect(counter.count('DynamoDB.Query')).toBe(1);
      expect(counter.count('DynamoDB.UpdateItem')).toBe(2);
    } finally {
      counted.close();
    }
  });

  it('says whether a group has records to consume', async () => {
    const topic = await createTestTopic(cluster, 'leases', 2);
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    expect(await groups.hasPendingRecords(group, [topic.name], EARLIEST)).toBe(false);
    await produce(cluster, topic, [{ partition: 1, value: 'x' }]);
    expect(await groups.hasPendingRecords(group, [topic.name], EARLIEST)).toBe(true);
    expect(await groups.hasPendingRecords(group, [topic.name], LATEST)).toBe(false);
    const a = await join(groups, group, [topic.name]);
    const p1 = a.assignments.find((x) => x.partition === 1);
    await groups.commit(group, a.memberId, [
      { topic: topic.name, partition: 1, epoch: p1?.epoch ?? 0, offset: 1 },
    ]);
    expect(await groups.hasPendingRecords(group, [topic.name], EARLIEST)).toBe(false);
  });
});
