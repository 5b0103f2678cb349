/**
 * Two servers over one storage, as two warm Lambda functions of one deployment (or two
 * `npm start`s, the second with `AWS_ENDPOINT_URL` at the first's emulators): a topic one of
 * them deletes, or deletes and re-creates, or adds partitions to, while the other holds it in
 * its warm cache. The other answers for the topic as it now is at once: it never acknowledges
 * a record that topic does not hold, never serves the deleted topic's records under its name,
 * and serves partitions added elsewhere. Every answer is checked against docs/openapi.yaml.
 */
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createPoller, type KafkaEvent } from '../../shared/poller';
import { startTestServer, type TestServer } from '../support/client-server';
import {
  createTestTopic,
  FAST_POLLER,
  produce,
  silentLogger,
  testGroupName,
  waitFor,
} from '../support/groups';
import { callOverWire as call, createTopicOverWire } from '../support/wire';

let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

const topicPath = (topic: string) => `/v3/clusters/local/topics/${topic}`;

const produceValue = (server: TestServer, topic: string, value: string) =>
  call(server, 'POST', `${topicPath(topic)}/records`, {
    partition_id: 0,
    value: { type: 'STRING', data: value },
  });

const readPartition = (server: TestServer, topic: string) =>
  call(server, 'GET', `${topicPath(topic)}/partitions/0/records?offset=0&max_records=100`);

async function values(server: TestServer, topic: string): Promise<string[]> {
  const answer = await readPartition(server, topic);
  expect(answer.status).toBe(200);
  return answer.body.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString());
}

/** A topic with one record, read through `first` so that `first` holds it warm. */
async function warmTopic(): Promise<string> {
  const topic = await createTopicOverWire(first, 'twice', 1);
  expect((await produceValue(first, topic, 'old')).status).toBe(200);
  expect(await values(first, topic)).toEqual(['old']);
  return topic;
}

describe('a topic deleted on one server while the other holds it warm', () => {
  it('re-created: the other server appends to and reads the new topic, never the deleted one', async () => {
    const topic = await warmTopic();
    expect((await call(second, 'DELETE', topicPath(topic))).status).toBe(204);
    const again = await call(second, 'POST', '/v3/clusters/local/topics', {
      topic_name: topic,
      partitions_count: 1,
    });
    expect(again.status).toBe(201);

    const acked = await produceValue(first, topic, 'new');
    expect(acked.status).toBe(200);
    expect(acked.body.offset).toBe(0);
    expect(await values(second, topic)).toEqual(['new']);
    expect(await values(first, topic)).toEqual(['new']);
  });

  it('re-created: a read on the other server serves the new topic', async () => {
    const topic = await warmTopic();
    expect((await call(second, 'DELETE', topicPath(topic))).status).toBe(204);
    expect(
      (await call(second, 'POST', '/v3/clusters/local/topics', { topic_name: topic, partitions_count: 1 }))
        .status,
    ).toBe(201);
    expect(await values(first, topic)).toEqual([]);
  });

  it('gone: the other server answers 404 to appends and reads, and acknowledges nothing', async () => {
    const topic = await warmTopic();
    expect((await call(second, 'DELETE', topicPath(topic))).status).toBe(204);
    const produced = await produceValue(first, topic, 'lost?');
    expect([produced.status, produced.body.error_code]).toEqual([404, 40401]);
    const read = await readPartition(first, topic);
    expect([read.status, read.body.error_code]).toEqual([404, 40401]);
  });
});

describe('partitions added on one server while the other holds the topic warm', () => {
  it('are served by the other at once: produce, fetch and describe the new partition', async () => {
    const topic = await createTopicOverWire(first, 'grown', 2);
    const base = topicPath(topic);
    expect((await call(first, 'GET', `${base}/partitions/1`)).status).toBe(200); // warm on first
    expect((await call(second, 'PATCH', base, { partitions_count: 4 })).status).toBe(200);

    const single = await call(first, 'POST', `${base}/records`, {
      partition_id: 3,
      value: { type: 'STRING', data: 'v3' },
    });
    expect([single.status, single.body.error_code, single.body.partition_id]).toEqual([200, 200, 3]);
    const batch = await call(first, 'POST', `${base}/records:batch`, {
      entries: [{ id: '1', partition_id: 2, value: { type: 'STRING', data: 'batch' } }],
    });
    expect(batch.body.successes.map((s: { partition_id: number }) => s.partition_id)).toEqual([2]);
    const v2 = await call(
      first,
      'POST',
      `/topics/${topic}/partitions/3`,
      { records: [{ value: 'v2' }] },
      { 'content-type': 'application/vnd.kafka.json.v2+json' },
    );
    expect([v2.status, v2.body.offsets[0].offset]).toEqual([200, 1]);

    const fetched = await call(first, 'GET', `${base}/partitions/3/records?offset=0`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.records.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    const described = await call(first, 'GET', `${base}/partitions/2`);
    expect(described.status).toBe(200);
    // A partition the topic does not have is still refused, after that one read.
    const beyond = await call(first, 'GET', `${base}/partitions/4/records?offset=0`);
    expect([beyond.status, beyond.body.error_code]).toEqual([404, 40402]);
  });
});

describe('a topic changed on one server while the other holds it warm', () => {
  it('is described by the other as it now is: configs, partition count, a re-creation, a deletion', async () => {
    const topic = await warmTopic();
    const base = topicPath(topic);
    expect((await call(first, 'GET', `${base}/configs/retention.ms`)).body.value).toBe('604800000');
    const altered = await call(second, 'POST', `${base}/configs:alter`, {
      data: [{ name: 'retention.ms', value: '3600000' }],
    });
    expect(altered.status).toBe(204);
    expect((await call(first, 'GET', `${base}/configs/retention.ms`)).body.value).toBe('3600000');
    const configs = await call(first, 'GET', `${base}/configs`);
    expect(configs.body.data.find((c: { name: string }) => c.name === 'retention.ms').value).toBe('3600000');

    expect((await call(second, 'DELETE', base)).status).toBe(204);
    expect((await call(first, 'GET', base)).status).toBe(404);
    expect(
      (await call(second, 'POST', '/v3/clusters/local/topics', { topic_name: topic, partitions_count: 3 }))
        .status,
    ).toBe(201);
    expect((await call(first, 'GET', base)).body.partitions_count).toBe(3);
    expect((await call(first, 'GET', `${base}/partitions`)).body.data).toHaveLength(3);
    expect(
      (await call(first, 'GET', `/topics/${topic}`, undefined, { accept: 'application/vnd.kafka.v2+json' }))
        .body.partitions,
    ).toHaveLength(3);
  });
});

describe('a topic deleted and re-created by another process while a poller consumes it', () => {
  it("is consumed on: the poller delivers the re-created topic's records", async () => {
    const pollers: Cluster = createCluster(configFromEnv());
    const admin: Cluster = createCluster(configFromEnv());
    try {
      const old = await createTestTopic(admin, 'renewed', 1);
      await produce(admin, old, [{ partition: 0, value: 'old' }]);
      const seen: string[] = [];
      const poller = createPoller({
        cluster: pollers,
        group: testGroupName('renewed'),
        topics: [old.name],
        handler: async (event: KafkaEvent) => {
          for (const record of Object.values(event.records).flat())
            seen.push(Buffer.from(record.value ?? '', 'base64').toString());
        },
        logger: silentLogger,
        ...FAST_POLLER,
      });
      const run = poller.run();
      try {
        await waitFor(() => seen.length === 1, 'the old topic consumed');
        await admin.topics.delete(old.name);
        const renewed = await admin.topics.create({ name: old.name, partitionCount: 1 });
        await produce(admin, renewed, [{ partition: 0, value: 'new' }]);
        await waitFor(() => seen.includes('new'), "the re-created topic's record delivered");
        expect(seen).toEqual(['old', 'new']);
      } finally {
        await poller.stop();
        await run;
      }
    } finally {
      pollers.close();
      admin.close();
    }
  });
});
