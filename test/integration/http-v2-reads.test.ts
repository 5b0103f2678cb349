/**
 * The Confluent REST Proxy v2 reads through the real server: topic names, a topic with its
 * configs and partitions, partitions, a partition's offsets, the brokers — in v2 shapes, as
 * `application/vnd.kafka.v2+json`, errors included (the server checks every answer against
 * docs/openapi.yaml).
 */
import { startTestServer, type TestServer } from '../support/client-server';
import { callOverWire, createTopicOverWire, V2_MEDIA_TYPE as V2 } from '../support/wire';
import { uniqueName } from './support/core';

let server: TestServer;
let topics: string;

beforeAll(async () => {
  server = await startTestServer();
  topics = `/v3/clusters/${server.cluster.config.clusterId}/topics`;
});
afterAll(() => server.close());

/** One request over the wire; `contentType` overrides the route's own body type. */
function call(method: string, path: string, body?: unknown, contentType?: string) {
  return callOverWire(server, method, path, body, contentType ? { 'content-type': contentType } : {});
}

/** A topic made through the v3 API over the wire. */
const newTopic = (partitions: number) =>
  createTopicOverWire(server, 'v2reads', partitions, [{ name: 'retention.ms', value: '3600000' }]);

const leaderReplica = { broker: 0, leader: true, in_sync: true };

describe('GET /topics', () => {
  it('answers the names of the topics, as a JSON array', async () => {
    const [a, b] = [await newTopic(1), await newTopic(2)];
    const response = await call('GET', '/topics');
    expect(response.status).toBe(200);
    expect(response.type).toBe(V2);
    expect(response.body).toEqual(expect.arrayContaining([a, b]));
    for (const name of response.body) expect(typeof name).toBe('string');
  });
});

describe('GET /topics/{topic}', () => {
  it('answers the name, every config by name (set or default) and the partitions with leader and replicas', async () => {
    const topic = await newTopic(2);
    const response = await call('GET', `/topics/${topic}`);
    expect(response.status).toBe(200);
    expect(response.type).toBe(V2);
    expect(response.body).toEqual({
      name: topic,
      configs: expect.objectContaining({
        'retention.ms': '3600000',
        'cleanup.policy': 'delete',
        'max.message.bytes': '1048588',
      }),
      partitions: [
        { partition: 0, leader: 0, replicas: [leaderReplica] },
        { partition: 1, leader: 0, replicas: [leaderReplica] },
      ],
    });
  });

  it('answers 404 / 40401 for a missing topic, in the v2 media type', async () => {
    const response = await call('GET', `/topics/${uniqueName('missing')}`);
    expect(response.status).toBe(404);
    expect(response.type).toBe(V2);
    expect(response.body).toEqual({ error_code: 40401, message: expect.any(String) });
  });
});

describe('GET /topics/{topic}/partitions and /partitions/{p}', () => {
  it('answers every partition, and one partition, with leader and replicas', async () => {
    const topic = await newTopic(3);
    const list = await call('GET', `/topics/${topic}/partitions`);
    expect(list.status).toBe(200);
    expect(list.type).toBe(V2);
    expect(list.body).toEqual(
      [0, 1, 2].map((partition) => ({ partition, leader: 0, replicas: [leaderReplica] })),
    );
    const one = await call('GET', `/topics/${topic}/partitions/2`);
    expect(one.status).toBe(200);
    expect(one.type).toBe(V2);
    expect(one.body).toEqual({ partition: 2, leader: 0, replicas: [leaderReplica] });
  });

  it('answers 404 / 40401 for a missing topic and 404 / 40402 for a partition the topic lacks', async () => {
    const topic = await newTopic(1);
    const missingTopic = await call('GET', `/topics/${uniqueName('missing')}/partitions`);
    expect([missingTopic.status, missingTopic.type, missingTopic.body.error_code]).toEqual([404, V2, 40401]);
    for (const partition of ['1', 'x', '-1']) {
      const missing = await call('GET', `/topics/${topic}/partitions/${partition}`);
      expect([missing.status, missing.type, missing.body.error_code]).toEqual([404, V2, 40402]);
    }
  });
});

describe('GET /topics/{topic}/partitions/{p}/offsets', () => {
  it('answers the beginning and end offsets, following what was produced', async () => {
    const topic = await newTopic(2);
    const empty = await call('GET', `/topics/${topic}/partitions/1/offsets`);
    expect(empty.status).toBe(200);
    expect(empty.type).toBe(V2);
    expect(empty.body).toEqual({ beginning_offset: 0, end_offset: 0 });

    const produced = await call(
      'POST',
      `/topics/${topic}`,
      {
        records: [
          { value: 1, partition: 1 },
          { value: 2, partition: 1 },
          { value: 3, partition: 0 },
        ],
      },
      'application/vnd.kafka.json.v2+json',
    );
    expect(produced.status).toBe(200);
    expect((await call('GET', `/topics/${topic}/partitions/1/offsets`)).body).toEqual({
      beginning_offset: 0,
      end_offset: 2,
    });
    expect((await call('GET', `/topics/${topic}/partitions/0/offsets`)).body).toEqual({
      beginning_offset: 0,
      end_offset: 1,
    });
  });

  it('answers 404 / 40401 and 404 / 40402 for a missing topic or partition', async () => {
    const topic = await newTopic(1);
    const missingTopic = await call('GET', `/topics/${uniqueName('missing')}/partitions/0/offsets`);
    expect([missingTopic.status, missingTopic.type, missingTopic.body.error_code]).toEqual([404, V2, 40401]);
    const missing = await call('GET', `/topics/${topic}/partitions/5/offsets`);
    expect([missing.status, missing.type, missing.body.error_code]).toEqual([404, V2, 40402]);
    expect(missing.body.message).toMatch(/partitions 0 to 0/);
  });
});

describe('GET /brokers', () => {
  it('answers the one broker id', async () => {
    const response = await call('GET', '/brokers');
    expect(response.status).toBe(200);
    expect(response.type).toBe(V2);
    expect(response.body).toEqual({ brokers: [0] });
  });
});

describe('the v3 routes', () => {
  it('keep answering application/json, their errors too', async () => {
    const missing = await call('GET', `${topics}/${uniqueName('missing')}`);
    expect([missing.status, missing.type, missing.body.error_code]).toEqual([404, 'application/json', 40401]);
  });
});
