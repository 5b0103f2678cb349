import { createAdmin } from '../../shared/client/admin';
import { fetchPartition } from '../../shared/client/consumer/messages';
import { createProducer, type MessageMetadata } from '../../shared/client/producer';
import { createTransport } from '../../shared/client/transport';
import { AlreadyExistsError, InvalidRequestError, NotFoundError } from '../../shared/errors';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const topicName = () => uniqueName('client').slice(0, 40);
const batchPosts = (topic: string) =>
  server.requests.filter((r) => r === `POST /v3/clusters/local/topics/${topic}/records:batch`).length;

describe('admin', () => {
  it('creates, lists, describes and deletes a topic', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();

    const created = await admin.createTopic({
      topic,
      numPartitions: 3,
      configEntries: [{ name: 'retention.ms', value: '86400000' }],
    });
    expect(created).toMatchObject({ name: topic, partitionsCount: 3 });
    expect(created.configs['retention.ms']).toBe('86400000');
    expect(await admin.listTopics()).toContain(topic);

    const described = await admin.describeTopic(topic);
    expect(described.partitions).toEqual(
      [0, 1, 2].map((partitionId) => ({
        partitionId,
        logStartOffset: '0',
        logEndOffset: '0',
      })),
    );

    await expect(admin.createTopic({ topic })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await admin.createTopics({ topics: [{ topic }] })).toBe(false);

    await admin.deleteTopic(topic);
    expect(await admin.listTopics()).not.toContain(topic);
    await expect(admin.describeTopic(topic)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rejects an invalid topic name with a non-retriable error', async () => {
    const admin = createAdmin({ url: server.url });
    const error = await admin.createTopic({ topic: 'no spaces allowed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).retriable).toBe(false);
  });
});

describe('producer', () => {
  it('batches concurrent sends within the linger into one request, offsets as decimal strings', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();
    await admin.createTopic({ topic, numPartitions: 2 });
    const producer = createProducer({ url: server.url, lingerMs: 20 });

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        producer.send({ topic, messages: [{ key: `key-${i % 4}`, value: `value-${i}` }] }),
      ),
    );
    await producer.disconnect();

    expect(batchPosts(topic)).toBe(1);
    for (const [meta] of results) {
      expect(meta).toMatchObject({ topicName: topic, errorCode: 0 });
      expect(meta.baseOffset).toMatch(/^\d+$/);
    }
    const offsets = await admin.partitions(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.logEndOffset), 0)).toBe(10);
  });

  it('with the defaults, sends a burst and a steady stream in few large requests, every record acknowledged and read back in order', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();
    await admin.createTopic({ topic, numPartitions: 1 });
    const producer = createProducer({ url: server.url });
    const value = (i: number) => Buffer.alloc(1024, i % 251);
    const sends: Promise<MessageMetadata[]>[] = [];

    // A burst: 8,000 messages of 1 KB in one tick (about 11 MB of body).
    for (let i = 0; i < 8_000; i++) sends.push(producer.sendEach({ topic, messages: [{ value: value(i) }] }));
    await Promise.all(sends);
    const burstRequests = batchPosts(topic);
    // 4 MB requests: 3 of them (a 1 MB batchBytes needed 12).
    expect(burstRequests).toBe(3);

    // A steady stream: one message a millisecond or so, for 3,000 messages; the linger grows.
    for (let i = 8_000; i < 11_000; i++) {
      sends.push(producer.sendEach({ topic, messages: [{ value: value(i) }] }));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await producer.disconnect();
    const acknowledged = (await Promise.all(sends)).flat();
    const streamRequests = batchPosts(topic) - burstRequests;
    // With a fixed 5 ms linger this is one request per few ms here (hundreds); growing to
    // 2 s it is the doublings (10) plus one per 2 s of stream.
    expect(streamRequests).toBeLessThanOrEqual(16);

    expect(acknowledged.map((m) => Number(m.offset))).toEqual(acknowledged.map((_, i) => i));
    // Read back from the log itself (the test server checks every HTTP answer against the
    // OpenAPI document, which takes seconds per megabyte).
    const stored = await server.cluster.topics.get(topic);
    let offset = 0;
    const outOfOrder: number[] = [];
    let read = 0;
    while (read < 11_000) {
      const page = await server.cluster.log.fetch({
        topic: stored,
        partition: 0,
        offset,
        maxRecords: 10_000,
        maxBytes: 64 * 1024 * 1024,
      });
      for (const record of page.records) {
        // One expect per record (jest compares buffers byte by byte) would take minutes.
        if (record.offset !== read || !value(read).equals(record.value ?? Buffer.alloc(0)))
          outOfOrder.push(read);
        read++;
      }
      offset = page.nextOffset;
    }
    expect(outOfOrder).toEqual([]);
    expect(read).toBe(11_000);
  });

  it('sends keyed messages to the partition the server would choose, in order', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();
    await admin.createTopic({ topic, numPartitions: 4 });
    const idempotent = createProducer({ url: server.url });
    const plain = createProducer({ url: server.url, idempotent: false });

    const a = await idempotent.sendEach({
      topic,
      messages: [
        { key: 'customer-7', value: '1' },
        { key: 'customer-7', value: '2' },
      ],
    });
    const b = await plain.sendEach({ topic, messages: [{ key: 'customer-7', value: '3' }] });
    await Promise.all([idempotent.disconnect(), plain.disconnect()]);

    expect(new Set([...a, ...b].map((m) => m.partition)).size).toBe(1);
    expect([...a, ...b].map((m) => m.offset)).toEqual(['0', '1', '2']);
  });

  it('round-trips binary keys, values, headers and timestamps', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();
    await admin.createTopic({ topic });
    const producer = createProducer({ url: server.url });
    const value = Buffer.from([0, 1, 2, 255]);

    await producer.send({
      topic,
      messages: [
        {
          key: Buffer.from('k'),
          value,
          headers: { trace: 'abc', bin: Buffer.from([9]) },
          timestamp: '1700000000000',
        },
        { value: null },
      ],
    });
    await producer.disconnect();

    const transport = createTransport({ url: server.url });
    const { messages } = await fetchPartition(transport, { topic, partition: 0, offset: '0' });
    expect(messages[0]).toMatchObject({
      offset: '0',
      timestamp: '1700000000000',
      key: Buffer.from('k'),
      value,
    });
    expect(messages[0].headers).toEqual({ trace: Buffer.from('abc'), bin: Buffer.from([9]) });
    expect(messages[1]).toMatchObject({ offset: '1', key: null, value: null });
  });

  it('retries a batch whose answer was lost and gets the original offsets, without duplicates', async () => {
    const admin = createAdmin({ url: server.url });
    const topic = topicName();
    await admin.createTopic({ topic, numPartitions: 2 });
    let dropped = 0;
    // The server commits the first batch, then the answer is lost on its way back.
    const lossyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/records:batch') && dropped === 0) {
        dropped++;
        await response.text();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    const producer = createProducer({ url: server.url, fetch: lossyFetch, retry: { initialRetryTime: 10 } });
    const messages = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

    const sent = await producer.sendEach({ topic, messages });
    const more = await producer.sendEach({ topic, messages: [{ key: 'k0', value: 'after' }] });
    await producer.disconnect();

    expect(dropped).toBe(1);
    expect(batchPosts(topic)).toBe(3);
    const transport = createTransport({ url: server.url });
    const stored = [];
    for (const partition of [0, 1]) {
      const { messages: records } = await fetchPartition(transport, { topic, partition, offset: '0' });
      stored.push(...records.map((r) => ({ partition, offset: r.offset, value: r.value?.toString() })));
    }
    expect(stored).toHaveLength(7);
    for (const [i, meta] of sent.entries()) {
      expect(stored).toContainEqual({ partition: meta.partition, offset: meta.offset, value: `v${i}` });
    }
    expect(stored).toContainEqual({ partition: more[0].partition, offset: more[0].offset, value: 'after' });
  });

  it('rejects a send to a missing topic with NotFoundError', async () => {
    const producer = createProducer({ url: server.url, idempotent: false });
    await expect(producer.send({ topic: topicName(), messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await producer.disconnect();
  });

  it('refuses to send after disconnect', async () => {
    const producer = createProducer({ url: server.url });
    await producer.disconnect();
    await expect(producer.send({ topic: 'any', messages: [{ value: 'x' }] })).rejects.toThrow(/disconnected/);
  });
});
