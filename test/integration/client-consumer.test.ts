import { createAdmin } from '../../shared/client/admin';
import { createConsumer, type KafkaMessage } from '../../shared/client/consumer';
import { createProducer } from '../../shared/client/producer';
import { json } from '../../shared/http/types';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
/** Commits answered "fenced" (409 / 40901) instead of being passed on, while positive. */
let fenceNextCommits = 0;
/** Heartbeats answered "unknown member" (404 / 40405), while positive. */
let forgetNextHeartbeats = 0;
beforeAll(async () => {
  server = await startTestServer({
    intercept: async (request, next) => {
      if (fenceNextCommits > 0 && request.method === 'POST' && request.path.endsWith('/offsets')) {
        fenceNextCommits--;
        return json(409, { error_code: 40901, message: 'fenced by the test' });
      }
      if (forgetNextHeartbeats > 0 && request.path.endsWith('/heartbeat')) {
        forgetNextHeartbeats--;
        return json(404, { error_code: 40405, message: 'unknown member (test)' });
      }
      return next();
    },
  });
});
afterAll(() => server.close());

const name = (prefix: string) => uniqueName(prefix).slice(0, 40);

/** Resolves once `predicate` holds, polling; fails the test after `ms`. */
async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = createProducer({ url: server.url });
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 5}`, value: `v${from + i}` })),
  });
  await producer.disconnect();
}

interface Seen {
  partition: number;
  message: KafkaMessage;
}

describe('consumer', () => {
  it('reads everything in per-partition order, commits, and a later member continues from the commits', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('consume');
    const groupId = name('group');
    await admin.createTopic({ topic, numPartitions: 3 });
    await produce(topic, 0, 30);

    const seen: Seen[] = [];
    const first = createConsumer({ url: server.url, groupId, onError: (e) => console.error(e) });
    await first.subscribe({ topics: [topic], fromBeginning: true });
    await first.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, message });
      },
    });
    await until(() => seen.length >= 30);
    await first.disconnect();

    expect(seen.map((s) => s.message.value?.toString()).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `v${i}`).sort(),
    );
    for (const partition of [0, 1, 2]) {
      const offsets = seen.filter((s) => s.partition === partition).map((s) => Number(s.message.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    expect(seen[0].message.offset).toMatch(/^\d+$/);
    expect(seen[0].message.timestamp).toMatch(/^\d+$/);
    expect(Buffer.isBuffer(seen[0].message.key)).toBe(true);

    const lags = await admin.groupLags(groupId);
    expect(lags.map((l) => l.lag)).toEqual(['0', '0', '0']);
    expect(lags.every((l) => l.consumerId === null)).toBe(true);

    await produce(topic, 30, 6);
    const later: string[] = [];
    const second = createConsumer({ url: server.url, groupId, onError: (e) => console.error(e) });
    await second.subscribe({ topics: [topic], fromBeginning: true });
    await second.run({
      eachBatch: async ({ batch }) => {
        later.push(...batch.messages.map((m) => m.value?.toString() ?? 'null'));
      },
    });
    await until(() => later.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second.disconnect();

    expect(later.sort()).toEqual(['v30', 'v31', 'v32', 'v33', 'v34', 'v35']);
  });

  it('retries a message whose handler failed, without skipping or reordering', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('retry');
    await admin.createTopic({ topic });
    await produce(topic, 0, 3);

    const values: string[] = [];
    let failures = 0;
    const consumer = createConsumer({
      url: server.url,
      groupId: name('group'),
      fromBeginning: true,
      handlerRetry: { initialRetryTime: 10 },
      onError: () => {},
    });
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? '';
        if (value === 'v1' && failures++ === 0) throw new Error('transient');
        values.push(value);
      },
    });
    await until(() => values.length >= 3);
    await consumer.disconnect();

    expect(values).toEqual(['v0', 'v1', 'v2']);
    expect(failures).toBe(2);
  });

  it('starts a new group at the end of the log unless asked for the beginning', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('latest');
    await admin.createTopic({ topic });
    await produce(topic, 0, 2);

    const values: string[] = [];
    const consumer = createConsumer({ url: server.url, groupId: name('group'), onError: () => {} });
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await produce(topic, 2, 1);
    await until(() => values.length >= 1);
    await consumer.disconnect();

    expect(values).toEqual(['v2']);
  });

  it('drops a fenced batch, follows the new assignment and delivers it again', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('fenced');
    const groupId = name('group');
    await admin.createTopic({ topic });
    await produce(topic, 0, 4);

    const values: string[] = [];
    const consumer = createConsumer({ url: server.url, groupId, fromBeginning: true, onError: () => {} });
    await consumer.subscribe({ topics: [topic] });
    fenceNextCommits = 1;
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await until(() => values.length >= 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await consumer.disconnect();

    // At least once: the fenced batch is redelivered whole, and then committed.
    expect(values).toEqual(['v0', 'v1', 'v2', 'v3', 'v0', 'v1', 'v2', 'v3']);
    expect((await admin.groupLags(groupId)).map((l) => l.lag)).toEqual(['0']);
  });

  it('shares partitions between two members of a group, every record delivered', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('share');
    const groupId = name('group');
    await admin.createTopic({ topic, numPartitions: 4 });
    const seen = new Map<string, Set<string>>();
    const make = (id: string) => {
      const consumer = createConsumer({
        url: server.url,
        groupId,
        sessionTimeout: 6000,
        fromBeginning: true,
        onError: () => {},
      });
      seen.set(id, new Set());
      return { consumer, values: seen.get(id) as Set<string> };
    };
    const a = make('a');
    const b = make('b');
    for (const { consumer, values } of [a, b]) {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({
        eachMessage: async ({ message }) => {
          values.add(message.value?.toString() ?? '');
        },
      });
    }
    await until(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2);
    const producer = createProducer({ url: server.url });
    await producer.send({
      topic,
      messages: Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })),
    });
    await producer.disconnect();
    await until(() => new Set([...a.values, ...b.values]).size === 40);
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

    expect(a.values.size).toBeGreaterThan(0);
    expect(b.values.size).toBeGreaterThan(0);
  });

  it('joins again when the group no longer knows the member, and carries on', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = name('rejoin');
    await admin.createTopic({ topic });
    const values: string[] = [];
    const consumer = createConsumer({
      url: server.url,
      groupId: name('group'),
      sessionTimeout: 6000,
      fromBeginning: true,
      onError: () => {},
    });
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    const firstMember = consumer.memberId();
    forgetNextHeartbeats = 1;
    await until(() => consumer.memberId() !== firstMember && consumer.assignment().length === 1, 8000);
    await produce(topic, 0, 2);
    await until(() => values.length >= 2);
    await consumer.disconnect();

    expect(values).toEqual(['v0', 'v1']);
  });
});
