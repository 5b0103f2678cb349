/**
 * Offset resets and group deletion against the emulators: refused while a member is live,
 * allowed once it expired — and then an expired member's late commit is fenced.
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { FencedError, GroupNotEmptyError, NotFoundError } from '../../shared/errors';
import { createGroupService, GROUP_NOT_EMPTY_ERROR_CODE } from '../../shared/groups/service';
import type { StartPolicy } from '../../shared/groups/types';
import { createTestTopic, produce, shiftedClock, testGroupName } from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

const EARLIEST: StartPolicy = { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' };
const SESSION = 6_000;

describe('group administration', () => {
  it('refuses a reset while a member is live; after it expired, resets and fences its late commit', async () => {
    const topic = await createTestTopic(cluster, 'admin', 2);
    await produce(
      cluster,
      topic,
      [0, 0, 0, 1].map((partition, i) => ({ partition, value: `v${i}` })),
    );
    const group = testGroupName('g');
    const groups = createGroupService({ cluster });
    const member = await groups.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: SESSION,
      policy: EARLIEST,
    });
    await groups.commit(
      group,
      member.memberId,
      member.assignments.map((a) => ({ topic: a.topic, partition: a.partition, epoch: a.epoch, offset: 1 })),
    );

    const refused = groups.resetOffsets({
      group,
      topic: topic.name,
      target: { to: 'earliest' },
      dryRun: true,
    });
    await expect(refused).rejects.toBeInstanceOf(GroupNotEmptyError);
    await expect(refused).rejects.toMatchObject({
      name: 'GroupNotEmptyError',
      errorCode: GROUP_NOT_EMPTY_ERROR_CODE,
    });

    // The member is paused past its session; an administrator's clock sees it gone.
    const later = createGroupService({ cluster, now: shiftedClock(SESSION + 5_000).now });
    const plan = await later.resetOffsets({ group, topic: topic.name, target: { to: 'offset', offset: 2 } });
    // Clamped into each log: partition 1 holds one record.
    expect(plan.map((p) => [p.partition, p.newOffset])).toEqual([
      [0, 2],
      [1, 1],
    ]);
    expect((await later.lags(group)).map((l) => [l.partition, l.currentOffset, l.committed])).toEqual([
      [0, 2, true],
      [1, 1, true],
    ]);

    // The paused member wakes up and commits what it had: fenced, the reset stands.
    await expect(
      groups.commit(group, member.memberId, [
        { topic: topic.name, partition: 0, epoch: member.assignments[0].epoch, offset: 3 },
      ]),
    ).rejects.toBeInstanceOf(FencedError);
    expect((await later.lags(group))[0].currentOffset).toBe(2);

    // The next member starts where the reset put the group.
    const next = await later.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: SESSION,
      policy: EARLIEST,
    });
    expect(next.assignments.map((a) => a.committedOffset)).toEqual([2, 1]);
  });

  it('a reset of a group nobody joined creates its offsets, as Kafka does', async () => {
    const topic = await createTestTopic(cluster, 'admin', 1);
    await produce(cluster, topic, [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
    ]);
    const group = testGroupName('new');
    const groups = createGroupService({ cluster });
    const dry = await groups.resetOffsets({
      group,
      topic: topic.name,
      target: { to: 'latest' },
      dryRun: true,
    });
    expect(dry.map((p) => p.newOffset)).toEqual([2]);
    await expect(groups.describe(group)).rejects.toBeInstanceOf(NotFoundError);

    await groups.resetOffsets({ group, topic: topic.name, target: { to: 'latest' } });
    expect((await groups.list()).map((g) => g.group)).toContain(group);
    expect((await groups.lags(group)).map((l) => [l.currentOffset, l.lag, l.committed])).toEqual([
      [2, 0, true],
    ]);
  });

  it('deletes an empty group with its offsets; a later member starts afresh', async () => {
    const topic = await createTestTopic(cluster, 'admin', 1);
    await produce(cluster, topic, [{ partition: 0, value: 'a' }]);
    const group = testGroupName('del');
    const groups = createGroupService({ cluster });
    const member = await groups.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: SESSION,
      policy: EARLIEST,
    });
    await groups.commit(group, member.memberId, [
      { topic: topic.name, partition: 0, epoch: member.assignments[0].epoch, offset: 1 },
    ]);
    await expect(groups.deleteGroup(group)).rejects.toMatchObject({ errorCode: GROUP_NOT_EMPTY_ERROR_CODE });

    await groups.leave(group, member.memberId);
    await groups.deleteGroup(group);
    await expect(groups.describe(group)).rejects.toBeInstanceOf(NotFoundError);
    expect((await groups.list()).map((g) => g.group)).not.toContain(group);
    expect((await cluster.groups.snapshot(group)).leases).toEqual([]);

    const again = await groups.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: SESSION,
      policy: EARLIEST,
    });
    expect(again.assignments.map((a) => a.committedOffset)).toEqual([0]);
  });

  it('lag marks a partition a member took but never committed', async () => {
    const topic = await createTestTopic(cluster, 'admin', 1);
    await produce(cluster, topic, [{ partition: 0, value: 'a' }]);
    const group = testGroupName('lag');
    const groups = createGroupService({ cluster });
    const member = await groups.join({
      group,
      topics: [topic.name],
      sessionTimeoutMs: SESSION,
      policy: EARLIEST,
    });
    expect((await groups.lags(group)).map((l) => [l.currentOffset, l.lag, l.committed])).toEqual([
      [0, 1, false],
    ]);
    await groups.commit(group, member.memberId, [
      { topic: topic.name, partition: 0, epoch: member.assignments[0].epoch, offset: 0 },
    ]);
    expect((await groups.lags(group)).map((l) => [l.currentOffset, l.lag, l.committed])).toEqual([
      [0, 1, true],
    ]);
  });
});
