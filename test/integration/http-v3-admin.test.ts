import { CONFIG_SOURCES, listProblems, shapeProblems } from '../support/confluent-v3';
import { type Json, newApi, newCluster, uniqueName } from './support/core';

// The cluster, topic, config and partition resources of Confluent's v3 API, judged by the
// required fields of Confluent's OpenAPI document (test/support/confluent-v3.ts) and by
// kafka-rest's own integration tests (statuses, link paths).

const call = newApi();
const base = '/v3/clusters/local';

async function createTopic(body: Json = {}) {
  const name = uniqueName('v3');
  const created = await call('POST', `${base}/topics`, { topic_name: name, ...body });
  expect(created.status).toBe(201);
  return name;
}

/** Follows a relationship link through the same API. */
async function follow(link: { related: string }) {
  return call('GET', link.related);
}

describe('the cluster', () => {
  it('has every relationship of ClusterData, and each one resolves', async () => {
    const cluster = await call('GET', base);
    expect(shapeProblems('ClusterData', cluster.body)).toEqual([]);
    const clusters = await call('GET', '/v3/clusters');
    expect(listProblems('KafkaClusterList', 'ClusterData', clusters.body)).toEqual([]);
    expect(clusters.body.metadata.self).toBe('/v3/clusters');

    for (const field of [
      'controller',
      'acls',
      'brokers',
      'broker_configs',
      'consumer_groups',
      'topics',
      'partition_reassignments',
    ]) {
      const answer = await follow(cluster.body[field]);
      expect({ field, status: answer.status }).toEqual({ field, status: 200 });
    }
    const acls = await follow(cluster.body.acls);
    expect(acls.body).toEqual({
      kind: 'KafkaAclList',
      metadata: { self: `${base}/acls`, next: null },
      data: [],
    });
    const configs = await follow(cluster.body.broker_configs);
    expect(configs.body).toMatchObject({ kind: 'KafkaClusterConfigList', data: [] });
    const reassignments = await follow(cluster.body.partition_reassignments);
    expect(reassignments.body).toMatchObject({ kind: 'KafkaReassignmentList', data: [] });
  });

  it('has one broker, whose links resolve; another broker id is 404 / 40406', async () => {
    const brokers = await call('GET', `${base}/brokers`);
    expect(listProblems('KafkaBrokerList', 'BrokerData', brokers.body)).toEqual([]);
    expect(brokers.body.data).toHaveLength(1);
    const [broker] = brokers.body.data;
    expect((await call('GET', broker.metadata.self)).body).toEqual(broker);
    expect((await follow(broker.configs)).body).toMatchObject({ kind: 'KafkaBrokerConfigList', data: [] });

    const name = await createTopic({ partitions_count: 2 });
    const replicas = await follow(broker.partition_replicas);
    expect(listProblems('KafkaReplicaList', 'ReplicaData', replicas.body)).toEqual([]);
    const ours = replicas.body.data.filter((r: Json) => r.topic_name === name);
    expect(ours.map((r: Json) => r.partition_id)).toEqual([0, 1]);

    const missing = await call('GET', `${base}/brokers/1`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(40406);
  });
});

describe('a topic', () => {
  it('links its configs, partitions and reassignments as relationships that resolve', async () => {
    const name = await createTopic({ partitions_count: 3 });
    const topic = await call('GET', `${base}/topics/${name}`);
    expect(shapeProblems('TopicData', topic.body)).toEqual([]);
    expect(topic.body.configs).toEqual({ related: `${base}/topics/${name}/configs` });
    // kafka-rest's integration tests: the link is …/partitions/-/reassignment.
    expect(topic.body.partition_reassignments).toEqual({
      related: `${base}/topics/${name}/partitions/-/reassignment`,
    });
    expect((await follow(topic.body.partitions)).status).toBe(200);
    expect((await follow(topic.body.configs)).status).toBe(200);
    const reassignments = await follow(topic.body.partition_reassignments);
    expect(reassignments.body).toMatchObject({ kind: 'KafkaReassignmentList', data: [] });

    const listed = await call('GET', `${base}/topics`);
    expect(listProblems('KafkaTopicList', 'TopicData', listed.body)).toEqual([]);
  });

  it('answers a dry run (validate_only) with 200 and creates nothing', async () => {
    const name = uniqueName('dry');
    const dry = await call('POST', `${base}/topics`, {
      topic_name: name,
      partitions_count: 4,
      configs: [{ name: 'retention.ms', value: '1000' }],
      validate_only: true,
    });
    expect(dry.status).toBe(200);
    expect(shapeProblems('TopicData', dry.body)).toEqual([]);
    expect(dry.body).toMatchObject({ topic_name: name, partitions_count: 4 });
    expect((await call('GET', `${base}/topics/${name}`)).status).toBe(404);

    // A dry run checks what the creation would: invalid configs, a taken name.
    const badConfig = await call('POST', `${base}/topics`, {
      topic_name: name,
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
      validate_only: true,
    });
    expect(badConfig.status).toBe(400);
    const taken = uniqueName('dry.taken');
    expect((await call('POST', `${base}/topics`, { topic_name: taken })).status).toBe(201);
    for (const topicName of [taken, taken.replace('.', '_')]) {
      const again = await call('POST', `${base}/topics`, { topic_name: topicName, validate_only: true });
      expect({ topicName, status: again.status, code: again.body.error_code }).toEqual({
        topicName,
        status: 400,
        code: 40002,
      });
    }
  });

  it('accepts the configs a Kafka client sends where Sluice keeps their meaning, refuses the rest', async () => {
    const name = await createTopic({
      configs: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'min.insync.replicas', value: '2' },
        { name: 'segment.bytes', value: '104857600' },
        { name: 'retention.bytes', value: '-1' },
        { name: 'compression.type', value: 'producer' },
      ],
    });
    const config = await call('GET', `${base}/topics/${name}/configs/min.insync.replicas`);
    expect(config.body).toMatchObject({ value: '2', is_default: false, source: 'DYNAMIC_TOPIC_CONFIG' });

    const refused = await call('POST', `${base}/topics`, {
      topic_name: uniqueName('v3'),
      configs: [{ name: 'compression.type', value: 'gzip' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe(40003);
    expect(refused.body.message).toContain('compression.type');
  });
});

describe('topic configs', () => {
  it("shows every config Sluice knows, with Kafka's defaults and where each value comes from", async () => {
    const name = await createTopic({ configs: [{ name: 'retention.ms', value: '86400000' }] });
    const configs = await call('GET', `${base}/topics/${name}/configs`);
    expect(listProblems('KafkaTopicConfigList', 'TopicConfigData', configs.body)).toEqual([]);
    const byName = Object.fromEntries(configs.body.data.map((c: Json) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        'cleanup.policy',
        'compression.type',
        'max.message.bytes',
        'message.timestamp.type',
        'min.insync.replicas',
        'retention.bytes',
        'retention.ms',
        'segment.bytes',
        'segment.ms',
      ].sort(),
    );
    expect(byName['retention.ms']).toMatchObject({
      value: '86400000',
      is_default: false,
      is_read_only: false,
      is_sensitive: false,
      source: 'DYNAMIC_TOPIC_CONFIG',
      synonyms: [
        { name: 'retention.ms', value: '86400000', source: 'DYNAMIC_TOPIC_CONFIG' },
        { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect(byName['max.message.bytes']).toMatchObject({
      value: '1048588',
      is_default: true,
      source: 'DEFAULT_CONFIG',
      synonyms: [{ name: 'message.max.bytes', value: '1048588', source: 'DEFAULT_CONFIG' }],
    });
    for (const config of configs.body.data) {
      expect(CONFIG_SOURCES).toContain(config.source);
      expect((await call('GET', config.metadata.self)).body).toEqual(config);
    }

    const unknown = await call('GET', `${base}/topics/${name}/configs/flush.ms`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe(40407);
    const noTopic = await call('GET', `${base}/topics/${name}-nope/configs`);
    expect(noTopic.body.error_code).toBe(40401);
  });

  it('sets, resets and batch-alters configs; retention.ms and max.message.bytes take effect', async () => {
    const name = await createTopic();
    const configPath = `${base}/topics/${name}/configs`;
    const put = await call('PUT', `${configPath}/max.message.bytes`, { value: '100' });
    expect(put.status).toBe(204);
    expect((await call('GET', `${configPath}/max.message.bytes`)).body).toMatchObject({
      value: '100',
      is_default: false,
    });
    // The server that altered the topic applies the new limit at once.
    const big = await call('POST', `${base}/topics/${name}/records`, {
      value: { type: 'STRING', data: 'x'.repeat(200) },
    });
    // Refused in its own result (Confluent's per-record model), nothing written.
    expect(big.status).toBe(200);
    expect(big.body).toEqual({
      error_code: 400,
      message: expect.stringContaining('max.message.bytes of 100'),
    });
    expect((await call('GET', `${base}/topics/${name}/partitions`)).body.data[0].log_end_offset).toBe(0);

    const altered = await call('POST', `${configPath}:alter`, {
      data: [
        { name: 'max.message.bytes', operation: 'DELETE' },
        { name: 'retention.ms', value: '3600000' },
      ],
    });
    expect(altered.status).toBe(204);
    const after = await call('GET', configPath);
    const byName = Object.fromEntries(after.body.data.map((c: Json) => [c.name, c]));
    expect(byName['max.message.bytes']).toMatchObject({ value: '1048588', is_default: true });
    expect(byName['retention.ms']).toMatchObject({ value: '3600000', is_default: false });
    // A fresh server (a cold function) reads the altered configs from the registry.
    const cold = newCluster();
    expect((await cold.topics.get(name)).configs['retention.ms']).toBe(3_600_000);
    const ok = await call('POST', `${base}/topics/${name}/records`, {
      value: { type: 'STRING', data: 'x'.repeat(200) },
    });
    expect(ok.status).toBe(200);

    expect((await call('DELETE', `${configPath}/retention.ms`)).status).toBe(204);
    expect((await call('GET', `${configPath}/retention.ms`)).body).toMatchObject({
      value: '604800000',
      is_default: true,
      source: 'DEFAULT_CONFIG',
    });
  });

  it('alters all or nothing, validates a dry run without writing, and refuses what it cannot honour', async () => {
    const name = await createTopic();
    const configPath = `${base}/topics/${name}/configs`;
    const mixed = await call('POST', `${configPath}:alter`, {
      data: [
        { name: 'retention.ms', value: '1000' },
        { name: 'cleanup.policy', value: 'compact' },
      ],
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error_code).toBe(40003);
    const dry = await call('POST', `${configPath}:alter`, {
      data: [{ name: 'retention.ms', value: '1000' }],
      validate_only: true,
    });
    expect(dry.status).toBe(204);
    expect((await call('GET', `${configPath}/retention.ms`)).body.is_default).toBe(true);

    expect((await call('PUT', `${configPath}/retention.bytes`, { value: '1000' })).status).toBe(400);
    const unknown = await call('PUT', `${configPath}/flush.ms`, { value: '1' });
    expect(unknown.status).toBe(404);
    expect((await call('DELETE', `${configPath}/flush.ms`)).status).toBe(404);
  });

  it('loses no change when two servers alter configs of the same topic at once', async () => {
    const name = await createTopic();
    const servers = [newApi(newCluster()), newApi(newCluster())];
    const changes = [
      ['retention.ms', '1000'],
      ['max.message.bytes', '2000'],
      ['segment.ms', '3000'],
      ['segment.bytes', '4000'],
      ['min.insync.replicas', '2'],
      ['retention.bytes', '-1'],
    ];
    const answers = await Promise.all(
      changes.map(([config, value], i) =>
        servers[i % 2]('PUT', `${base}/topics/${name}/configs/${config}`, { value }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(changes.map(() => 204));
    const configs = await newApi(newCluster())('GET', `${base}/topics/${name}/configs`);
    const set = configs.body.data.filter((c: Json) => !c.is_default).map((c: Json) => [c.name, c.value]);
    expect(Object.fromEntries(set)).toEqual(Object.fromEntries(changes));
  });

  it('lists the configs of every topic under topics/-/configs', async () => {
    const name = await createTopic({ configs: [{ name: 'segment.ms', value: '3600000' }] });
    const all = await call('GET', `${base}/topics/-/configs`);
    expect(listProblems('KafkaTopicConfigList', 'TopicConfigData', all.body)).toEqual([]);
    const ours = all.body.data.filter((c: Json) => c.topic_name === name);
    expect(ours).toHaveLength(9);
    expect(ours.find((c: Json) => c.name === 'segment.ms')).toMatchObject({
      value: '3600000',
      is_default: false,
    });
  });
});

describe('partitions', () => {
  it('describes one partition, with leader, replicas and reassignment links that resolve', async () => {
    const name = await createTopic({ partitions_count: 2 });
    await call('POST', `${base}/topics/${name}/records`, { partition_id: 1, value: { data: 1 } });
    const list = await call('GET', `${base}/topics/${name}/partitions`);
    expect(listProblems('KafkaPartitionList', 'PartitionData', list.body)).toEqual([]);
    expect(list.body.metadata.self).toBe(`${base}/topics/${name}/partitions`);

    const partition = await call('GET', `${base}/topics/${name}/partitions/1`);
    expect(shapeProblems('PartitionData', partition.body)).toEqual([]);
    expect(partition.body).toMatchObject({ partition_id: 1, log_start_offset: 0, log_end_offset: 1 });
    expect(list.body.data[1]).toEqual(partition.body);

    const leader = await follow(partition.body.leader);
    expect(shapeProblems('ReplicaData', leader.body)).toEqual([]);
    expect(leader.body).toMatchObject({ partition_id: 1, is_leader: true, is_in_sync: true });
    expect((await follow(leader.body.broker)).status).toBe(200);
    const replicas = await follow(partition.body.replicas);
    expect(listProblems('KafkaReplicaList', 'ReplicaData', replicas.body)).toEqual([]);
    expect(replicas.body.data).toEqual([leader.body]);
    // No reassignment is ever ongoing: 404, as kafka-rest answers for a partition without one.
    const reassignment = await follow(partition.body.reassignment);
    expect(reassignment.status).toBe(404);
    expect(reassignment.body.error_code).toBe(40408);
  });

  it('answers 404 / 40402 for a partition the topic does not have', async () => {
    const name = await createTopic({ partitions_count: 2 });
    for (const p of ['2', '-1', 'x']) {
      const answer = await call('GET', `${base}/topics/${name}/partitions/${p}`);
      expect({ p, status: answer.status, code: answer.body.error_code }).toEqual({
        p,
        status: 404,
        code: 40402,
      });
    }
    expect((await call('GET', `${base}/topics/${name}/partitions/0/replicas/3`)).body.error_code).toBe(40406);
  });
});
