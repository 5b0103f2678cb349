import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { MAX_COMMIT_OFFSETS, MAX_JOIN_TOPICS } from '../../shared/http/routes/groups';
import type { HttpResponse } from '../../shared/http/types';
import { createTestTopic, produce, testGroupName } from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());
const api = createHttpApi(cluster);
const groupsPath = `/v3/clusters/${cluster.config.clusterId}/consumer-groups`;

// biome-ignore lint/suspicious/noExplicitAny: assertions read JSON answers by shape.
type Json = any;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response: HttpResponse = await api({
    method,
    path,
    query: {},
    headers: { 'content-type': 'application/json' },
    body:
      body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  return { status: response.status, body: response.body === '' ? undefined : JSON.parse(response.body) };
}

describe('consumer group HTTP API', () => {
  it('joins, heartbeats, commits and leaves with the documented shapes', async () => {
    const topic = await createTestTopic(cluster, 'http', 2);
    await produce(cluster, topic, [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
    ]);
    const group = testGroupName('web');

    const joined = await call('POST', `${groupsPath}/${group}/members`, {
      topics: [topic.name],
      auto_offset_reset: 'earliest',
    });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({
      kind: 'SluiceConsumerMember',
      group_id: group,
      session_timeout_ms: 30_000,
      heartbeat_interval_ms: 5_000,
      assignments: [
        { topic_name: topic.name, partition_id: 0, epoch: 1, committed_offset: 0 },
        { topic_name: topic.name, partition_id: 1, epoch: 1, committed_offset: 0 },
      ],
    });
    const member = `${groupsPath}/${group}/members/${joined.body.member_id}`;

    const committed = await call('POST', `${member}/offsets`, {
      offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: '2' }],
    });
    expect(committed).toEqual({
      status: 200,
      body: { committed: [{ topic_name: topic.name, partition_id: 0, offset: 2 }] },
    });

    const beat = await call('POST', `${member}/heartbeat`);
    expect(beat.status).toBe(200);
    expect(beat.body.assignments[0]).toEqual({
      topic_name: topic.name,
      partition_id: 0,
      epoch: 1,
      committed_offset: 2,
    });
    expect((await call('POST', `${member}/heartbeat`, {})).status).toBe(200);

    expect((await call('DELETE', member)).status).toBe(204);
    const gone = await call('POST', `${member}/heartbeat`, {});
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe(40405);
  });

  it('answers 409 / 40901 to a commit with a stale epoch or for a partition not held', async () => {
    const topic = await createTestTopic(cluster, 'http', 1);
    const group = testGroupName('web');
    const joined = await call('POST', `${groupsPath}/${group}/members`, { topics: [topic.name] });
    const member = `${groupsPath}/${group}/members/${joined.body.member_id}`;
    const stale = await call('POST', `${member}/offsets`, {
      offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 0, offset: 1 }],
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error_code).toBe(40901);
    const stranger = await call('POST', `${groupsPath}/${group}/members/consumer-nobody/offsets`, {
      offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: 1 }],
    });
    expect(stranger.status).toBe(409);
  });

  it('rejects bad joins with 400 and unknown topics with 404', async () => {
    const group = testGroupName('web');
    const path = `${groupsPath}/${group}/members`;
    expect((await call('POST', path, { topics: [] })).status).toBe(400);
    expect((await call('POST', path, { topics: ['x'], session_timeout_ms: 10 })).status).toBe(400);
    expect((await call('POST', path, { topics: ['x'], auto_offset_reset: 'none' })).status).toBe(400);
    expect((await call('POST', path, '{')).status).toBe(400);
    const missing = await call('POST', path, { topics: [`missing-${group}`] });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(40401);
    expect((await call('POST', `${groupsPath}/bad%20name/members`, { topics: ['x'] })).status).toBe(400);
  });

  it('refuses a join naming too many topics and a commit carrying too many offsets, writing nothing', async () => {
    const group = testGroupName('bounds');
    const topics = Array.from({ length: MAX_JOIN_TOPICS + 1 }, (_, i) => `t${i}`);
    const join = await call('POST', `${groupsPath}/${group}/members`, { topics });
    expect(join.status).toBe(400);
    expect(join.body.message).toContain('topics');
    const offsets = Array.from({ length: MAX_COMMIT_OFFSETS + 1 }, () => ({
      topic_name: 't',
      partition_id: 0,
      epoch: 1,
      offset: 0,
    }));
    const commit = await call('POST', `${groupsPath}/${group}/members/m/offsets`, { offsets });
    expect(commit.status).toBe(400);
    expect(commit.body.message).toContain('offsets');
    expect((await call('GET', `${groupsPath}/${group}`)).status).toBe(404);
  });

  it('lists and describes groups as STABLE while a member lives, 404 for unknown ones', async () => {
    const topic = await createTestTopic(cluster, 'http', 1);
    const group = testGroupName('web');
    const joined = await call('POST', `${groupsPath}/${group}/members`, { topics: [topic.name] });
    const list = await call('GET', groupsPath);
    expect(list.body.kind).toBe('KafkaConsumerGroupList');
    expect(list.body.data).toContainEqual(
      expect.objectContaining({
        kind: 'KafkaConsumerGroup',
        cluster_id: cluster.config.clusterId,
        consumer_group_id: group,
        state: 'STABLE',
      }),
    );
    await call('DELETE', `${groupsPath}/${group}/members/${joined.body.member_id}`);
    expect((await call('GET', `${groupsPath}/${group}`)).body.state).toBe('EMPTY');
    const unknown = await call('GET', `${groupsPath}/${testGroupName('none')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe(40404);
  });

  it('reports lag as log_end_offset minus the committed offset, per partition and summed', async () => {
    const topic = await createTestTopic(cluster, 'http', 3);
    await produce(
      cluster,
      topic,
      [0, 0, 0, 0, 0, 1, 1, 1, 2].map((partition, i) => ({ partition, value: `v${i}` })),
    );
    const group = testGroupName('web');
    const joined = await call('POST', `${groupsPath}/${group}/members`, {
      topics: [topic.name],
      auto_offset_reset: 'earliest',
    });
    const member = `${groupsPath}/${group}/members/${joined.body.member_id}`;
    await call('POST', `${member}/offsets`, {
      offsets: [
        { topic_name: topic.name, partition_id: 0, epoch: 1, offset: 1 },
        { topic_name: topic.name, partition_id: 1, epoch: 1, offset: 3 },
      ],
    });

    const lags = await call('GET', `${groupsPath}/${group}/lags`);
    expect(lags.status).toBe(200);
    expect(lags.body.kind).toBe('KafkaConsumerLagList');
    expect(lags.body.data).toEqual(
      [
        [0, 1, 5, 4],
        [1, 3, 3, 0],
        // Never committed: no current offset and no lag, as Kafka's tools show "-".
        [2, null, 1, null],
      ].map(([partition, current, end, lag]) =>
        expect.objectContaining({
          kind: 'KafkaConsumerLag',
          cluster_id: cluster.config.clusterId,
          consumer_group_id: group,
          topic_name: topic.name,
          partition_id: partition,
          current_offset: current,
          log_end_offset: end,
          lag,
          consumer_id: joined.body.member_id,
          instance_id: null,
          client_id: '',
        }),
      ),
    );

    const summary = await call('GET', `${groupsPath}/${group}/lag-summary`);
    expect(summary.body).toMatchObject({
      kind: 'KafkaConsumerGroupLagSummary',
      cluster_id: cluster.config.clusterId,
      consumer_group_id: group,
      max_lag: 4,
      total_lag: 5,
      max_lag_topic_name: topic.name,
      max_lag_partition_id: 0,
      max_lag_consumer_id: joined.body.member_id,
    });

    // After the member leaves, lag stays but nobody is named as the consumer.
    await call('DELETE', member);
    const after = await call('GET', `${groupsPath}/${group}/lags`);
    expect(after.body.data.map((row: { consumer_id: string }) => row.consumer_id)).toEqual(['', '', '']);
  });
});
