/**
 * When the poller writes its commits (docs/consumer-groups.md, "When a commit is written"): at
 * once when a partition caught up, at most once per commit interval while a flow keeps it
 * behind, always when it stops, never once its lease is lost — and a holder that dies with
 * its position only in memory is followed by one that redelivers from the last written commit.
 *
 * The leases here are long (two minutes, heartbeats a minute apart) and the commit interval is
 * set per test, so no renewal, heartbeat or elapsed interval writes anything the test does not
 * expect, however slow the machine.
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createGroupService, type GroupService } from '../../shared/groups';
import { realSleep } from '../../shared/groups/clock';
import type { PollerOptions } from '../../shared/poller';
import { AwsRequestCounter } from '../../shared/storage/aws';
import type { Topic } from '../../shared/topics/registry';
import {
  createTestTopic,
  FAST_POLLER,
  produce,
  recorder,
  shiftedClock,
  testGroupName,
  testPoller,
  waitFor,
} from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

/** A lease no test outlives, renewed by nobody while a test runs. */
const LONG_LEASE = { leaseDurationMs: 120_000, heartbeatIntervalMs: 60_000 } as const;
/** A commit interval no test outlives: a partition that stays behind writes only when it catches up or stops. */
const NO_INTERVAL = 60_000;

function poller(
  topic: Topic,
  group: string,
  overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handler'> & { groups?: GroupService },
) {
  return testPoller(cluster, topic, group, { ...LONG_LEASE, commitIntervalMs: NO_INTERVAL, ...overrides });
}

/** The group's committed offset of each partition (its start position until a first commit). */
async function committedOffsets(group: string): Promise<number[]> {
  const lags = await createGroupService({ cluster }).lags(group);
  return lags.map((l) => l.currentOffset);
}

/**
 * A second poller whose clock is past the first holder's lease and session (no real waiting),
 * run until the group has committed all 100 records of partition 0.
 */
async function survivorToTheEnd(topic: Topic, group: string) {
  const later = shiftedClock(LONG_LEASE.leaseDurationMs + 30_000);
  const seen = recorder();
  const survivor = poller(topic, group, {
    batchSize: 10,
    now: later.now,
    handler: async (e) => seen.record(e),
  });
  const run = survivor.run();
  await waitFor(
    async () => (await committedOffsets(group)).join() === '100',
    'the survivor commits everything',
  );
  return {
    seen,
    stop: async () => {
      await survivor.stop();
      await run;
    },
  };
}

async function produceRange(topic: Topic, from: number, count: number): Promise<void> {
  await produce(
    cluster,
    topic,
    Array.from({ length: count }, (_, i) => ({ partition: 0, value: `r${from + i}` })),
  );
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('poller commits', () => {
  it('writes two commits for a flow of 50 batches that keeps it behind, and ends committed at the end of the log', async () => {
    const topic = await createTestTopic(cluster, 'commit-flow', 1);
    const group = testGroupName('commit-flow');
    // The group's own requests are counted apart: the poller reads the log through `cluster`.
    const counter = new AwsRequestCounter();
    const counted = createCluster(configFromEnv(), { counter });
    const seen = recorder();
    let flowing = 0;
    const p = poller(topic, group, {
      groups: createGroupService({ cluster: counted }),
      batchSize: 10,
      handler: async (event) => {
        seen.record(event);
        // While it delivers, records keep arriving: 20 more requests of 10 over the flow.
        if (seen.distinct() > 1 && flowing < 20) {
          flowing++;
          await produceRange(topic, 301 + (flowing - 1) * 10, 10);
        }
      },
    });
    const running = p.run();
    try {
      await produceRange(topic, 0, 1);
      await waitFor(async () => (await committedOffsets(group)).join() === '1', 'the first record committed');
      counter.reset();
      await produceRange(topic, 1, 300); // a backlog of 30 batches in one request
      await waitFor(async () => (await committedOffsets(group)).join() === '501', 'the flow committed');
      const batches = seen.events.length - 1;
      expect(batches).toBe(50);
      // Behind all along, it caught up twice, each time one conditional write and no other
      // group request: at the end of the backlog's section, the readable end that section's one
      // read saw (its batches are cut from memory), and at the end of the flow. A commit per
      // batch would be 50.
      expect(counter.snapshot()).toEqual({ 'DynamoDB.UpdateItem': 2 });
    } finally {
      await p.stop();
      await running;
      counted.close();
    }
    expect(seen.offsetsOf(0)).toEqual(range(0, 501));
    expect(seen.deliveries.map((d) => d.value)).toEqual(range(0, 501).map((i) => `r${i}`));
    const [lag] = await createGroupService({ cluster }).lags(group);
    expect(lag).toMatchObject({ currentOffset: 501, logEndOffset: 501, lag: 0 });
  });

  it('commits at once when it caught up: each delivery finds the one before it committed', async () => {
    const topic = await createTestTopic(cluster, 'commit-caught-up', 1);
    const group = testGroupName('commit-caught-up');
    const committedAtDelivery: number[] = [];
    const seen = recorder();
    const p = poller(topic, group, {
      handler: async (event) => {
        seen.record(event);
        committedAtDelivery.push((await committedOffsets(group))[0]);
      },
    });
    const running = p.run();
    try {
      for (let i = 0; i < 5; i++) {
        await produceRange(topic, i, 1);
        await waitFor(() => seen.distinct() === i + 1, `record ${i} delivered`);
      }
      await waitFor(async () => (await committedOffsets(group)).join() === '5', 'the last record committed');
    } finally {
      await p.stop();
      await running;
    }
    // Record n is read only after record n − 1's round, its commit included, so it finds n.
    expect(committedAtDelivery).toEqual([0, 1, 2, 3, 4]);
    expect(seen.offsetsOf(0)).toEqual(range(0, 5));
  });

  it('writes what it delivered when it stops, though it was behind', async () => {
    const topic = await createTestTopic(cluster, 'commit-stop', 1);
    const group = testGroupName('commit-stop');
    await produceRange(topic, 0, 100);
    const seen = recorder();
    const p = poller(topic, group, {
      batchSize: 10,
      handler: async (event) => {
        seen.record(event);
        if (seen.distinct() === 60) void p.stop(); // inside the sixth batch: it finishes it, then stops
      },
    });
    const summary = await p.run();
    expect(seen.offsetsOf(0)).toEqual(range(0, 60));
    expect(summary.committedRecords).toBe(60);
    expect(await committedOffsets(group)).toEqual([60]);
  });

  it('writes what it delivered before handing a partition over for a rebalance: the taker starts there, nothing twice', async () => {
    const topic = await createTestTopic(cluster, 'commit-rebalance', 2);
    const group = testGroupName('commit-rebalance');
    for (const partition of [0, 1]) {
      await produce(
        cluster,
        topic,
        Array.from({ length: 1_000 }, (_, i) => ({ partition, value: `p${partition}-${i}` })),
      );
    }
    // Heartbeats every 150 ms find the second member at once; the long lease and interval
    // leave the first member's positions in memory until it hands a partition over.
    const fastBeats = { heartbeatIntervalMs: FAST_POLLER.heartbeatIntervalMs };
    const first = recorder();
    const a = poller(topic, group, {
      ...fastBeats,
      batchSize: 10,
      handler: async (event) => {
        first.record(event);
        await realSleep(20); // slower than the log: it stays behind
      },
    });
    const second = recorder();
    const b = poller(topic, group, { ...fastBeats, batchSize: 10, handler: async (e) => second.record(e) });
    const runA = a.run();
    await waitFor(
      () => first.offsetsOf(0).length > 0 && first.offsetsOf(1).length > 0,
      'both partitions started',
    );
    const runB = b.run();
    await waitFor(() => second.deliveries.length > 0, 'the second member got a partition');
    await waitFor(async () => (await committedOffsets(group)).join() === '1000,1000', 'everything committed');
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([runA, runB]);

    const [handedOver] = [0, 1].filter((p) => second.offsetsOf(p).length > 0);
    const before = first.offsetsOf(handedOver);
    // The taker starts exactly where the first member's written commit left it.
    expect(before.length).toBeLessThan(1_000);
    expect([...before, ...second.offsetsOf(handedOver)]).toEqual(range(0, 1_000));
    expect(first.deliveries.length + second.deliveries.length).toBe(2_000);
  });

  it('after a poller dies with its position in memory, the next holder redelivers from the last written commit, in order', async () => {
    const topic = await createTestTopic(cluster, 'commit-crash', 1);
    const group = testGroupName('commit-crash');
    await produceRange(topic, 0, 100);

    // The victim's clock jumps one commit interval inside its fourth batch, so the commit after
    // it (40) is written; two batches later it hangs for good — no heartbeat, no release, no
    // leave, as if the process died — with 60 delivered and 40 written.
    const victimClock = shiftedClock();
    let killed = false;
    const victimSeen = recorder();
    const victim = poller(topic, group, {
      batchSize: 10,
      commitIntervalMs: 10_000,
      now: victimClock.now,
      sleep: (ms, signal) => (killed ? new Promise<void>(() => {}) : realSleep(ms, signal)),
      handler: async (event) => {
        victimSeen.record(event);
        const first = victimSeen.deliveries[victimSeen.deliveries.length - 1].offset - 9;
        if (first === 30) victimClock.advance(10_000);
        if (first === 60) {
          killed = true;
          await new Promise<void>(() => {});
        }
      },
    });
    void victim.run();
    await waitFor(() => killed, 'the victim is inside its seventh batch');
    expect(await committedOffsets(group)).toEqual([40]);

    // The survivor's clock is past the victim's lease and session (no real waiting).
    const survivor = await survivorToTheEnd(topic, group);
    await survivor.stop();
    const seen = survivor.seen;
    void victim.stop(); // its heartbeat's wait ends; its hung batch never does

    expect(victimSeen.offsetsOf(0)).toEqual(range(0, 70));
    // Nothing lost, in order: the survivor starts at the last written commit, not at 70 or 60.
    expect(seen.offsetsOf(0)).toEqual(range(40, 100));
  });

  it('a zombie whose lease moved on writes nothing from memory when it stops: the offset never goes back', async () => {
    const topic = await createTestTopic(cluster, 'commit-zombie', 1);
    const group = testGroupName('commit-zombie');
    await produceRange(topic, 0, 100);

    let paused = false;
    let resume: () => void = () => {};
    const resumed = new Promise<void>((r) => {
      resume = r;
    });
    const zombieSeen = recorder();
    const zombie = poller(topic, group, {
      batchSize: 10,
      sleep: async (ms, signal) => {
        if (paused) await resumed;
        await realSleep(ms, signal);
      },
      handler: async (event) => {
        zombieSeen.record(event);
        // Paused inside its second batch, 10 delivered and nothing written (it is behind).
        if (zombieSeen.distinct() === 20) {
          paused = true;
          await resumed;
        }
      },
    });
    const zombieRun = zombie.run();
    await waitFor(() => paused, 'the zombie is inside its second batch');
    const [before] = await createGroupService({ cluster }).lags(group);
    expect(before).toMatchObject({ currentOffset: 0, committed: false });

    const survivor = await survivorToTheEnd(topic, group);
    const seen = survivor.seen;

    // The zombie wakes inside its batch and is stopped: its last commit (20) is fenced.
    resume();
    await zombie.stop();
    const zombieSummary = await zombieRun;
    await survivor.stop();

    expect(zombieSummary.committedRecords).toBe(0);
    expect(await committedOffsets(group)).toEqual([100]);
    expect(seen.offsetsOf(0)).toEqual(range(0, 100));
  });
});
