/**
 * Adding partitions to a topic (`PATCH /v3/clusters/{c}/topics/{t}` with a larger
 * `partitions_count`, Confluent's "Update partition count"): increase only, with Kafka's
 * messages otherwise; the new partitions are visible to produce and fetch, to keyed placement
 * (murmur2 % the new count), to consumer-group assignment and to retention.
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { murmur2, toPositive } from '../../shared/partitioner';
import { type RetentionDeps, sweepTopic } from '../../shared/retention';
import { shapeProblems } from '../support/confluent-v3';
import { httpClient, type Json, uniqueName } from './support/core';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());
const call = httpClient(createHttpApi(cluster));
const topics = `/v3/clusters/${cluster.config.clusterId}/topics`;
const HOUR = 3_600_000;

async function newTopic(
  partitions: number,
  configs: { name: string; value: string }[] = [],
): Promise<string> {
  const name = uniqueName('grow');
  const created = await call('POST', topics, { topic_name: name, partitions_count: partitions, configs });
  expect(created.status).toBe(201);
  return name;
}

const patch = (topic: string, body: unknown) => call('PATCH', `${topics}/${topic}`, body);

async function endOffsets(topic: string): Promise<number[]> {
  const response = await call('GET', `${topics}/${topic}/partitions`);
  return response.body.data.map((p: Json) => p.log_end_offset);
}

describe('PATCH …/topics/{topic} (add partitions)', () => {
  it('raises the partition count and answers the topic, as Confluent does', async () => {
    const topic = await newTopic(2);
    const response = await patch(topic, { partitions_count: 4 });
    expect(response.status).toBe(200);
    expect(shapeProblems('TopicData', response.body)).toEqual([]);
    expect(response.body).toMatchObject({ topic_name: topic, partitions_count: 4 });
    expect((await call('GET', `${topics}/${topic}`)).body.partitions_count).toBe(4);
    expect(await endOffsets(topic)).toEqual([0, 0, 0, 0]);
  });

  it("refuses the same or a lower count with Kafka's messages, and changes nothing", async () => {
    const topic = await newTopic(3);
    const same = await patch(topic, { partitions_count: 3 });
    expect(same.status).toBe(400);
    expect(same.body).toEqual({ error_code: 40003, message: 'Topic already has 3 partitions.' });
    const lower = await patch(topic, { partitions_count: 2 });
    expect(lower.status).toBe(400);
    expect(lower.body).toEqual({
      error_code: 40003,
      message: 'Topic currently has 3 partitions, which is higher than the requested 2.',
    });
    for (const body of [{}, { partitions_count: 'four' }, { partitions_count: 4, replication_factor: 3 }]) {
      expect((await patch(topic, body)).status).toBe(400);
    }
    expect((await patch(topic, { partitions_count: 10_001 })).status).toBe(400);
    expect((await call('GET', `${topics}/${topic}`)).body.partitions_count).toBe(3);
    const missing = await patch(`${topic}-missing`, { partitions_count: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(40401);
  });

  it('never loses an increase to a concurrent one: the larger count wins', async () => {
    const topic = await newTopic(1);
    // Separate clusters: separate caches, as separate function instances have.
    const others = [createCluster(configFromEnv()), createCluster(configFromEnv())];
    try {
      const answers = await Promise.all(
        others.map((other, i) =>
          httpClient(createHttpApi(other))('PATCH', `${topics}/${topic}`, { partitions_count: 6 + 2 * i }),
        ),
      );
      // The 8 always lands; the 6 lands first or is refused as lower than 8.
      expect(answers[1].status).toBe(200);
      expect([200, 400]).toContain(answers[0].status);
      // Read by a third instance: this one's warm cache may hold the count it created.
      const reader = createCluster(configFromEnv());
      others.push(reader);
      expect((await reader.topics.get(topic)).partitionCount).toBe(8);
    } finally {
      for (const other of others) other.close();
    }
  });

  it('places keyed records by murmur2 % the new count, and serves the new partitions to produce and fetch', async () => {
    const topic = await newTopic(2);
    expect((await patch(topic, { partitions_count: 5 })).status).toBe(200);
    const keys = Array.from({ length: 20 }, (_, i) => `customer-${i}`);
    const batch = await call('POST', `${topics}/${topic}/records:batch`, {
      entries: keys.map((key, i) => ({
        id: String(i),
        key: { type: 'STRING', data: key },
        value: { data: i },
      })),
    });
    expect(batch.status).toBe(207);
    expect(batch.body.failures).toEqual([]);
    const placed = batch.body.successes.map((s: Json) => s.partition_id);
    expect(placed).toEqual(keys.map((key) => toPositive(murmur2(Buffer.from(key))) % 5));
    expect(Math.max(...placed)).toBeGreaterThanOrEqual(2);

    const pinned = await call('POST', `${topics}/${topic}/records`, {
      partition_id: 4,
      value: { data: 'new' },
    });
    expect(pinned.body).toMatchObject({ error_code: 200, partition_id: 4 });
    const fetched = await call('GET', `${topics}/${topic}/partitions/4/records?offset=0`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.records.at(-1).value).toBe(Buffer.from('"new"').toString('base64'));
    expect((await call('GET', `${topics}/${topic}/partitions/4`)).status).toBe(200);
  });

  it('moves group members onto the new partitions at their next heartbeat', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('grow-group');
    const groupPath = `/v3/clusters/${cluster.config.clusterId}/consumer-groups/${group}`;
    const joined = await call('POST', `${groupPath}/members`, { topics: [topic] });
    expect(joined.status).toBe(200);
    const held = (answer: Json) => answer.body.assignments.map((a: Json) => a.partition_id).sort();
    expect(held(joined)).toEqual([0, 1]);

    expect((await patch(topic, { partitions_count: 4 })).status).toBe(200);
    const beat = await call(
      'POST',
      `${groupPath}/members/${joined.body.member_id}/heartbeat`,
      {},
      {
        'sluice-member-token': joined.body.member_token,
      },
    );
    expect(beat.status).toBe(200);
    expect(held(beat)).toEqual([0, 1, 2, 3]);
  });

  it('applies retention to the new partitions', async () => {
    const topic = await newTopic(1, [{ name: 'retention.ms', value: String(HOUR) }]);
    expect((await patch(topic, { partitions_count: 2 })).status).toBe(200);
    const grown = await cluster.topics.get(topic);
    const old = Date.now() - 2 * HOUR;
    const appended = await cluster.log.append(grown, [
      { key: null, value: Buffer.from('old'), headers: [], timestamp: old, partition: 1 },
    ]);
    expect(appended.every((result) => result.ok)).toBe(true);
    await cluster.log.append(grown, [
      { key: null, value: Buffer.from('new'), headers: [], timestamp: Date.now(), partition: 1 },
    ]);
    const deps: RetentionDeps = { log: cluster.log, index: cluster.index, segments: cluster.segments };
    await sweepTopic(deps, grown, Date.now());
    const partition = (await call('GET', `${topics}/${topic}/partitions`)).body.data[1];
    expect(partition).toMatchObject({ partition_id: 1, log_start_offset: 1, log_end_offset: 2 });
  });
});
