import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createGroupService } from '../../shared/groups';
import { realSleep } from '../../shared/groups/clock';
import type { PollerOptions } from '../../shared/poller';
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

function poller(
  topic: Topic,
  group: string,
  overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handler'>,
) {
  return testPoller(cluster, topic, group, overrides);
}

async function produceSpread(topic: Topic, count: number, from = 0): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => ({
    partition: (from + i) % topic.partitionCount,
    value: `r${from + i}`,
  }));
  // Several requests, as several producers would send them.
  for (let i = 0; i < records.length; i += 10) await produce(cluster, topic, records.slice(i, i + 10));
}

async function committedOffsets(group: string): Promise<number[]> {
  const lags = await createGroupService({ cluster }).lags(group);
  return lags.map((l) => l.currentOffset);
}

describe('poller runtime', () => {
  it('reads everything in per-partition order; a restarted member resumes at the committed offsets', async () => {
    const topic = await createTestTopic(cluster, 'poll', 3);
    const group = testGroupName('order');
    await produceSpread(topic, 60);

    const first = recorder();
    const a = poller(topic, group, { batchSize: 7, handler: async (e) => first.record(e) });
    const running = a.run();
    await waitFor(() => first.distinct() === 60, 'first run delivers 60 records');
    await a.stop();
    const summary = await running;
    expect(summary).toMatchObject({ reason: 'stopped', committedRecords: 60, lostPartitions: 0 });

    for (const event of first.events) {
      expect(event.eventSource).toBe('SelfManagedKafka');
      const keys = Object.keys(event.records);
      expect(keys).toHaveLength(1);
      expect(event.records[keys[0]].length).toBeLessThanOrEqual(7);
    }
    for (let p = 0; p < 3; p++) expect(first.offsetsOf(p)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await committedOffsets(group)).toEqual([20, 20, 20]);

    await produceSpread(topic, 30, 60);
    const second = recorder();
    const b = poller(topic, group, { batchSize: 7, handler: async (e) => second.record(e) });
    const rerun = b.run();
    await waitFor(() => second.distinct() === 30, 'second run delivers the 30 new records');
    await b.stop();
    await rerun;
    for (let p = 0; p < 3; p++)
      expect(second.offsetsOf(p)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(second.deliveries.map((d) => d.value).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `r${60 + i}`).sort(),
    );
  });

  it('splits the partitions between two members: both get work, together everything, duplicates only around a handover', async () => {
    const topic = await createTestTopic(cluster, 'poll', 4);
    const group = testGroupName('split');
    const seenA = recorder();
    const seenB = recorder();
    const a = poller(topic, group, { batchSize: 5, handler: async (e) => seenA.record(e) });
    const runA = a.run();
    await produceSpread(topic, 40);
    await waitFor(() => seenA.distinct() >= 10, 'a starts consuming');

    const b = poller(topic, group, { batchSize: 5, handler: async (e) => seenB.record(e) });
    const runB = b.run();
    await waitFor(() => a.assignments().length === 2 && b.assignments().length === 2, 'a 2/2 split');
    await produceSpread(topic, 40, 40);
    const all = () =>
      new Set([...seenA.deliveries, ...seenB.deliveries].map((d) => `${d.partition}:${d.offset}`));
    await waitFor(() => all().size === 80, 'all 80 records delivered');
    const bPartitions = new Set(b.assignments().map((k) => Number(k.split('-').pop())));
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([runA, runB]);

    expect(seenB.deliveries.length).toBeGreaterThan(0);
    expect(seenA.deliveries.some((d) => !bPartitions.has(d.partition) && d.offset >= 10)).toBe(true);
    // Each member saw its partitions in order.
    for (const seen of [seenA, seenB]) {
      for (let p = 0; p < 4; p++) {
        const offsets = seen.offsetsOf(p);
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      }
    }
    // A record delivered twice can only belong to a partition that changed hands.
    const counts = new Map<string, number>();
    for (const d of [...seenA.deliveries, ...seenB.deliveries]) {
      const key = `${d.partition}:${d.offset}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) if (n > 1) expect(bPartitions.has(Number(key.split(':')[0]))).toBe(true);
    expect(await committedOffsets(group)).toEqual([20, 20, 20, 20]);
  });

  it('moves the partitions of a member killed mid-batch to another member after its lease expires, losing nothing', async () => {
    const topic = await createTestTopic(cluster, 'poll', 2);
    const group = testGroupName('kill');
    await produceSpread(topic, 20);

    // The victim hangs inside its first batch of partition 0, then everything it runs stops:
    // no heartbeat, no release, no leave — as if the process died.
    let killed = false;
    const hung = recorder();
    const victim = poller(topic, group, {
      batchSize: 4,
      sleep: (ms) => (killed ? new Promise<void>(() => {}) : realSleep(ms)),
      handler: async (event) => {
        hung.record(event);
        if (event.records[`${topic.name}-0`]) {
          killed = true;
          await new Promise<void>(() => {});
        }
      },
    });
    void victim.run();
    await waitFor(() => killed, 'the victim is inside a batch of partition 0');

    // The survivor's clock is past the victim's lease and session (no real waiting).
    const later = shiftedClock(FAST_POLLER.leaseDurationMs + 5_000);
    const seen = recorder();
    const survivor = poller(topic, group, {
      batchSize: 4,
      now: later.now,
      handler: async (e) => seen.record(e),
    });
    const run = survivor.run();
    await waitFor(() => seen.offsetsOf(0).length === 10, 'the survivor delivers all of partition 0');
    await waitFor(async () => (await committedOffsets(group)).join() === '10,10', 'everything committed');
    await survivor.stop();
    await run;

    // Partition 0's hung batch was never committed, so the survivor starts it from offset 0.
    expect(seen.offsetsOf(0)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const delivered = new Set(
      [...hung.deliveries, ...seen.deliveries].map((d) => `${d.partition}:${d.offset}`),
    );
    expect(delivered.size).toBe(20);
  });

  it('fences a zombie poller: paused past its lease, its late commit is refused and the offset never goes back', async () => {
    const topic = await createTestTopic(cluster, 'poll', 1);
    const group = testGroupName('zombie');
    await produceSpread(topic, 10);

    let paused = false;
    let resume: () => void = () => {};
    const resumed = new Promise<void>((r) => {
      resume = r;
    });
    let inBatch = false;
    const zombieSeen = recorder();
    const zombie = poller(topic, group, {
      batchSize: 5,
      sleep: async (ms) => {
        if (paused) await resumed;
        await realSleep(ms);
      },
      handler: async (event) => {
        zombieSeen.record(event);
        inBatch = true;
        paused = true;
        await resumed;
      },
    });
    const zombieRun = zombie.run();
    await waitFor(() => inBatch, 'the zombie is inside its first batch');

    const later = shiftedClock(FAST_POLLER.leaseDurationMs + 5_000);
    const seen = recorder();
    const survivor = poller(topic, group, {
      batchSize: 5,
      now: later.now,
      handler: async (e) => seen.record(e),
    });
    const run = survivor.run();
    await waitFor(
      async () => (await committedOffsets(group)).join() === '10',
      'the survivor commits everything',
    );

    // The zombie wakes up, finishes its batch (offsets 0..4) and tries to commit 5.
    resume();
    await waitFor(() => zombie.assignments().length === 0, 'the zombie learns it lost the partition');
    await zombie.stop();
    const zombieSummary = await zombieRun;
    await survivor.stop();
    await run;

    expect(zombieSummary.committedRecords).toBe(0);
    expect(await committedOffsets(group)).toEqual([10]);
    expect(seen.offsetsOf(0)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('stops taking work at its deadline and hands its leases back', async () => {
    const topic = await createTestTopic(cluster, 'poll', 2);
    const group = testGroupName('deadline');
    const seen = recorder();
    // The poller's clock is the test's: it reaches the deadline once the poller holds its leases,
    // so the stop is the deadline's doing however slow this machine is.
    let clock = Date.now();
    const a = poller(topic, group, {
      now: () => clock,
      deadline: clock + 1_000,
      handler: async (e) => seen.record(e),
    });
    const running = a.run();
    await waitFor(() => a.assignments().length === 2, 'the poller holds both partitions');
    clock += 1_000;
    const summary = await running;
    expect(summary.reason).toBe('deadline');
    const { leases, members } = await createGroupService({ cluster }).describe(group);
    expect(leases.every((l) => l.owner === undefined)).toBe(true);
    expect(members).toEqual([]);
  });
  it('keeps every event within Lambda’s 6 MB payload limit once encoded, however large the records', async () => {
    const topic = await cluster.topics.create({
      name: testGroupName('big-records'),
      partitionCount: 1,
      configs: [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }],
    });
    // Four 1.9 MB records: 7.6 MB raw, about 10 MB once base64-encoded.
    const big = 'x'.repeat(1.9 * 1024 * 1024);
    for (let i = 0; i < 4; i++) await produce(cluster, topic, [{ partition: 0, value: `${i}${big}` }]);
    const sizes: number[] = [];
    const seen: string[] = [];
    const p = poller(topic, testGroupName('g'), {
      maxBatchBytes: 8 * 1024 * 1024, // a raw-byte cap alone would put all four in one event
      handler: async (event) => {
        sizes.push(Buffer.byteLength(JSON.stringify(event)));
        for (const r of Object.values(event.records).flat())
          seen.push(Buffer.from(r.value ?? '', 'base64').toString()[0]);
      },
    });
    const running = p.run();
    await waitFor(() => seen.length >= 4, 'every big record delivered', 30_000);
    await p.stop();
    await running;
    expect(seen).toEqual(['0', '1', '2', '3']);
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
