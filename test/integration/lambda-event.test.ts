import type * as PowertoolsKafka from '@aws-lambda-powertools/kafka/lib/cjs/index';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import { KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import type { Context, SelfManagedKafkaEvent } from 'aws-lambda';
import { handler as orderHandler } from '../../functions/examples/order-handler';
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createPoller, type KafkaEvent, type PollerOptions } from '../../shared/poller';
import type { Topic } from '../../shared/topics/registry';
import {
  createTestTopic,
  FAST_POLLER,
  produce,
  silentLogger,
  testGroupName,
  waitFor,
} from '../support/groups';

// The package declares only `exports`, which this repository's `moduleResolution: node` cannot
// follow for types: take the types from the file and the code through `require`.
const { kafkaConsumer } = require('@aws-lambda-powertools/kafka') as typeof PowertoolsKafka;

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

/** Runs a poller until `until` holds, then stops it. */
async function consume(
  topic: Topic,
  handler: PollerOptions['handler'],
  until: () => boolean,
  overrides: Partial<PollerOptions> = {},
): Promise<void> {
  const poller = createPoller({
    cluster,
    group: testGroupName('event'),
    topics: [topic.name],
    handler,
    logger: silentLogger,
    ...FAST_POLLER,
    ...overrides,
  });
  const run = poller.run();
  try {
    await waitFor(until, 'records delivered');
  } finally {
    await poller.stop();
    await run;
  }
}

const lambdaContext = {
  functionName: 'consumer',
  awsRequestId: 'local',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe("events shaped like AWS Lambda's self-managed Kafka event", () => {
  it('runs a handler typed with @types/aws-lambda SelfManagedKafkaEvent, and passes Powertools KafkaSelfManagedEventSchema', async () => {
    const topic = await createTestTopic(cluster, 'event', 2);
    await produce(cluster, topic, [
      {
        partition: 0,
        key: 'order-1',
        value: '{"total":9}',
        headers: [{ key: 'h', value: Buffer.from('hi') }],
      },
      { partition: 0, key: null, value: 'keyless' },
      { partition: 1, key: 'k', value: '', headers: [{ key: 'bin', value: Buffer.from([0, 255, 128]) }] },
    ]);
    const events: SelfManagedKafkaEvent[] = [];
    // Typed exactly as a handler for Lambda's self-managed Kafka trigger: `tsc` checks it fits.
    const handler = async (event: SelfManagedKafkaEvent): Promise<void> => {
      events.push(event);
    };
    const count = () => events.flatMap((e) => Object.values(e.records).flat()).length;
    await consume(topic, handler, () => count() === 3);

    for (const event of events) {
      expect(event.eventSource).toBe('SelfManagedKafka');
      expect(event.bootstrapServers).toBe(`sluice://${cluster.config.clusterId}`);
      expect(() => KafkaSelfManagedEventSchema.parse(event)).not.toThrow();
    }
    const parsed = events.map((e) => KafkaSelfManagedEventSchema.parse(e));
    const p0 = parsed.flatMap((e) => e.records[`${topic.name}-0`] ?? []);
    const p1 = parsed.flatMap((e) => e.records[`${topic.name}-1`] ?? []);
    expect(p0.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual([
      [0, 'order-1', '{"total":9}', [{ h: 'hi' }]],
      [1, undefined, 'keyless', []],
    ]);
    expect(p1[0]).toMatchObject({
      topic: topic.name,
      partition: 1,
      offset: 0,
      timestampType: 'CREATE_TIME',
      value: '',
    });

    const raw = events.flatMap((e) => Object.values(e.records).flat());
    const keyless = raw.find((r) => r.partition === 0 && r.offset === 1);
    expect(keyless && 'key' in keyless).toBe(false);
    expect(raw.find((r) => r.partition === 1)?.headers).toEqual([{ bin: [0, 255, 128] }]);
    expect(raw.find((r) => r.partition === 1)?.value).toBe('');
    expect(raw.every((r) => typeof r.timestamp === 'number' && r.timestamp > 1_600_000_000_000)).toBe(true);
  });

  it('delivers a tombstone without a value and an empty value as "", to Powertools kafkaConsumer and the example handler alike', async () => {
    const topic = await createTestTopic(cluster, 'event', 1);
    await produce(cluster, topic, [
      { partition: 0, key: 'order-7', value: null },
      { partition: 0, key: 'order-8', value: '' },
      { partition: 0, key: 'order-9', value: '{"total":1}' },
    ]);
    const events: KafkaEvent[] = [];
    await consume(
      topic,
      (event) => void events.push(event),
      () => events.flatMap((e) => Object.values(e.records).flat()).length === 3,
    );
    const raw = events.flatMap((e) => Object.values(e.records).flat());
    // As Lambda's Kafka event: no `value` for a tombstone, "" for an empty value.
    expect('value' in raw[0]).toBe(false);
    expect(raw[1].value).toBe('');

    const seen: unknown[] = [];
    const wrapped = kafkaConsumer<string, string>(async (event) => {
      for (const record of event.records) seen.push(record.value);
    });
    for (const event of events) await wrapped(event as unknown as MSKEvent, lambdaContext);
    expect(seen).toEqual([undefined, '', '{"total":1}']);

    // The example handler logs a tombstone as an order of null instead of failing (and dead-lettering) it.
    const logged: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
    const complain = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const results = await Promise.all(
        events.map((e) => orderHandler(e as unknown as SelfManagedKafkaEvent)),
      );
      // Only the empty value (not JSON) is reported; the tombstone is not.
      expect(results.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier.offset))).toEqual([1]);
    } finally {
      log.mockRestore();
      complain.mockRestore();
    }
    expect(logged.map((line) => JSON.parse(line)).filter((l) => l.offset === 0)[0]).toMatchObject({
      key: 'order-7',
      order: null,
    });
  });

  it('feeds a handler wrapped in Powertools kafkaConsumer, which reads keys, values and headers', async () => {
    const topic = await createTestTopic(cluster, 'event', 1);
    await produce(cluster, topic, [
      {
        partition: 0,
        key: 'order-1',
        value: '{"id":1}',
        headers: [{ key: 'source', value: Buffer.from('web') }],
      },
      { partition: 0, key: null, value: '{"id":2}' },
    ]);
    const seen: { key: unknown; value: unknown; headers: unknown }[] = [];
    const wrapped = kafkaConsumer<string, { id: number }>(
      async (event) => {
        for (const record of event.records)
          seen.push({ key: record.key, value: record.value, headers: record.headers });
      },
      { value: { type: 'json' } },
    );
    // Powertools types its wrapper for MSK events only; at run time it reads any Kafka event's records.
    const handler = (event: KafkaEvent) => wrapped(event as unknown as MSKEvent, lambdaContext);
    await consume(topic, handler, () => seen.length === 2);
    expect(seen).toEqual([
      { key: 'order-1', value: { id: 1 }, headers: [{ source: 'web' }] },
      { key: undefined, value: { id: 2 }, headers: [] },
    ]);
  });

  it('never puts more than batchSize records in an event', async () => {
    const topic = await createTestTopic(cluster, 'event', 1);
    await produce(
      cluster,
      topic,
      Array.from({ length: 25 }, (_, i) => ({ partition: 0, value: `v${i}` })),
    );
    const sizes: number[] = [];
    await consume(
      topic,
      async (event) => {
        sizes.push(Object.values(event.records).flat().length);
      },
      () => sizes.reduce((a, b) => a + b, 0) === 25,
      { batchSize: 10 },
    );
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('waits up to maxBatchingWindowMs to fill a batch', async () => {
    const topic = await createTestTopic(cluster, 'event', 1);
    await produce(cluster, topic, [{ partition: 0, value: 'first' }]);
    // The poller's clock stands still from its read of the first record until it has read the
    // second, which is produced only after that first read: the window, not the pace of this
    // machine, decides whether the two leave together.
    let heldAt: number | undefined;
    let heldFor = 0;
    const now = () => (heldAt ?? Date.now()) - heldFor;
    let firstRead!: () => void;
    const readFirst = new Promise<void>((resolve) => {
      firstRead = resolve;
    });
    const watched: Cluster = {
      ...cluster,
      log: {
        ...cluster.log,
        reader(options) {
          const reader = cluster.log.reader(options);
          return {
            async fetch(request) {
              const result = await reader.fetch(request);
              const values = result.records.map((r) => r.value?.toString());
              if (values.includes('first') && heldAt === undefined && heldFor === 0) {
                heldAt = Date.now();
                firstRead();
              }
              if (values.includes('second') && heldAt !== undefined) {
                heldFor += Date.now() - heldAt;
                heldAt = undefined;
              }
              return result;
            },
          };
        },
      },
    };
    const sizes: number[] = [];
    const delivered = consume(
      topic,
      async (event) => {
        sizes.push(Object.values(event.records).flat().length);
      },
      () => sizes.length > 0,
      { cluster: watched, now, maxBatchingWindowMs: 1_500, pollIntervalMs: 50 },
    );
    await readFirst;
    await produce(cluster, topic, [{ partition: 0, value: 'second' }]);
    await delivered;
    expect(sizes[0]).toBe(2);
  });
});
