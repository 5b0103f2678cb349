import { createCluster } from '../../shared/cluster';
import type { StoredRecord } from '../../shared/codec/types';
import { configFromEnv } from '../../shared/config';
import { createGroupService } from '../../shared/groups';
import { DEAD_LETTER_HEADERS, type KafkaEvent, type PollerOptions } from '../../shared/poller';
import type { Topic } from '../../shared/topics/registry';
import { createTestTopic, produce, testGroupName, testPoller, waitFor } from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

function poller(
  topic: Topic,
  group: string,
  overrides: Partial<PollerOptions> & Pick<PollerOptions, 'handler'>,
) {
  return testPoller(cluster, topic, group, overrides);
}

const decoded = (r: { value?: string }) => Buffer.from(r.value ?? '', 'base64').toString();
const offsetsIn = (event: KafkaEvent) =>
  Object.values(event.records)
    .flat()
    .map((r) => r.offset);

/** Committed offsets by partition ([] until the poller has joined). */
async function lags(group: string) {
  return createGroupService({ cluster })
    .lags(group)
    .catch(() => []);
}

async function committed(group: string): Promise<number | undefined> {
  return (await lags(group))[0]?.currentOffset;
}

async function readAll(topic: Topic): Promise<StoredRecord[]> {
  return (await cluster.log.fetch({ topic, partition: 0, offset: 0 })).records;
}

function header(record: StoredRecord, name: string): string | undefined {
  return record.headers.find((h) => h.key === name)?.value?.toString();
}

describe('poller failure handling', () => {
  it('retries a poison record retryAttempts times, dead-letters it with its metadata, and lets later records flow', async () => {
    const topic = await createTestTopic(cluster, 'poison', 1);
    const dlq = await createTestTopic(cluster, 'poison-dlq', 1);
    const group = testGroupName('poison');
    await produce(
      cluster,
      topic,
      Array.from({ length: 10 }, (_, i) => ({
        partition: 0,
        key: `k${i}`,
        value: i === 4 ? 'POISON' : `ok${i}`,
        headers: [{ key: 'trace', value: Buffer.from(`t${i}`) }],
      })),
    );
    const attemptsOnPoison: number[] = [];
    const handled: string[] = [];
    const p = poller(topic, group, {
      batchSize: 3,
      retryAttempts: 2,
      onFailureTopic: dlq.name,
      handler: async (event) => {
        for (const [partition, records] of Object.entries(event.records)) {
          for (const record of records) {
            if (decoded(record) === 'POISON') {
              attemptsOnPoison.push(record.offset);
              return { batchItemFailures: [{ itemIdentifier: { partition, offset: record.offset } }] };
            }
            handled.push(decoded(record));
          }
        }
        return { batchItemFailures: [] };
      },
    });
    const run = p.run();
    await waitFor(async () => (await committed(group)) === 10, 'the partition is committed to its end');
    await p.stop();
    const summary = await run;

    expect(attemptsOnPoison).toEqual([4, 4, 4]);
    expect(summary.deadLetteredRecords).toBe(1);
    expect(new Set(handled)).toEqual(new Set([0, 1, 2, 3, 5, 6, 7, 8, 9].map((i) => `ok${i}`)));
    const [dead, ...more] = await readAll(dlq);
    expect(more).toEqual([]);
    expect(dead.value?.toString()).toBe('POISON');
    expect(dead.key?.toString()).toBe('k4');
    expect(header(dead, 'trace')).toBe('t4');
    expect(header(dead, DEAD_LETTER_HEADERS.topic)).toBe(topic.name);
    expect(header(dead, DEAD_LETTER_HEADERS.partition)).toBe('0');
    expect(header(dead, DEAD_LETTER_HEADERS.offset)).toBe('4');
    expect(header(dead, DEAD_LETTER_HEADERS.group)).toBe(group);
    expect(header(dead, DEAD_LETTER_HEADERS.attempts)).toBe('3');
    expect(header(dead, DEAD_LETTER_HEADERS.error)).toMatch(/failed record/);
  });

  it('commits exactly up to the first failed offset of batchItemFailures and redelivers from it', async () => {
    const topic = await createTestTopic(cluster, 'partial', 1);
    const group = testGroupName('partial');
    await produce(
      cluster,
      topic,
      Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })),
    );
    let failing = true;
    const events: number[][] = [];
    const p = poller(topic, group, {
      batchSize: 10,
      retryAttempts: -1,
      retryBackoffMs: 100,
      maxRetryBackoffMs: 100,
      handler: async (event) => {
        events.push(offsetsIn(event));
        if (!failing) return undefined;
        const partition = Object.keys(event.records)[0];
        return {
          batchItemFailures: [8, 6]
            .filter((o) => offsetsIn(event).includes(o))
            .map((offset) => ({ itemIdentifier: { partition, offset } })),
        };
      },
    });
    const run = p.run();
    await waitFor(() => events.length >= 3, 'two retries');
    expect(await committed(group)).toBe(6);
    failing = false;
    await waitFor(async () => (await committed(group)) === 10, 'the rest succeeds once fixed');
    await p.stop();
    await run;
    expect(events[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Retries start at the first failed offset: records before it are never redelivered.
    for (const retry of events.slice(1)) expect(retry).toEqual([6, 7, 8, 9]);
  });

  it('isolates the bad record by bisecting a failing batch', async () => {
    const topic = await createTestTopic(cluster, 'bisect', 1);
    const dlq = await createTestTopic(cluster, 'bisect-dlq', 1);
    const group = testGroupName('bisect');
    await produce(
      cluster,
      topic,
      Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: i === 6 ? 'BAD' : `v${i}` })),
    );
    const events: number[][] = [];
    const p = poller(topic, group, {
      batchSize: 10,
      retryAttempts: 1,
      bisectOnError: true,
      onFailureTopic: dlq.name,
      handler: async (event) => {
        events.push(offsetsIn(event));
        if (
          Object.values(event.records)
            .flat()
            .some((r) => decoded(r) === 'BAD')
        )
          throw new Error('cannot parse');
      },
    });
    const run = p.run();
    await waitFor(async () => (await committed(group)) === 10, 'committed to the end');
    await p.stop();
    await run;

    const dead = await readAll(dlq);
    expect(dead.map((r) => r.value?.toString())).toEqual(['BAD']);
    expect(header(dead[0], DEAD_LETTER_HEADERS.error)).toBe('Error: cannot parse');
    // Halves of halves, down to the bad record alone, tried 1 + retryAttempts times.
    expect(events.filter((e) => e.length === 1 && e[0] === 6)).toHaveLength(2);
    expect(events.slice(0, 3)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    const succeeded = new Set(events.filter((e) => !e.includes(6)).flat());
    expect(succeeded).toEqual(new Set([0, 1, 2, 3, 4, 5, 7, 8, 9]));
  });

  it('keeps one failing partition from holding up the others', async () => {
    const topic = await createTestTopic(cluster, 'isolation', 2);
    const group = testGroupName('isolation');
    await produce(cluster, topic, [
      ...Array.from({ length: 5 }, () => ({ partition: 0, value: 'stuck' })),
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 1, value: `fine${i}` })),
    ]);
    const p = poller(topic, group, {
      retryAttempts: -1,
      retryBackoffMs: 50,
      handler: async (event) => {
        if (event.records[`${topic.name}-0`]) throw new Error('downstream is down');
      },
    });
    const run = p.run();
    await waitFor(
      async () => (await lags(group)).find((l) => l.partition === 1)?.currentOffset === 5,
      'partition 1 is consumed while partition 0 keeps failing',
    );
    await p.stop();
    await run;
    expect(await committed(group)).toBe(0);
  });
});
