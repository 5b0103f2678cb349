/**
 * A consumer group's Confluent v3 resources beyond the group itself: its consumers
 * (`…/consumers`, `…/consumers/{id}`), their assignments (`…/assignments`,
 * `…/assignments/{topic}/partitions/{p}`) and one partition's lag (`…/lags/{topic}/partitions/{p}`),
 * each checked against the required fields of Confluent's document, every link followed, and
 * no member token anywhere (docs/security.md: member ids are published, tokens never).
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { listProblems, shapeProblems } from '../support/confluent-v3';
import { httpClient, type Json, uniqueName } from './support/core';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());
const call = httpClient(createHttpApi(cluster));
const clusterPath = `/v3/clusters/${cluster.config.clusterId}`;

/** A topic of two partitions with records, and a group with one HTTP member holding both. */
async function groupWithMember() {
  const topic = uniqueName('consumers');
  expect(
    (await call('POST', `${clusterPath}/topics`, { topic_name: topic, partitions_count: 2 })).status,
  ).toBe(201);
  await call(
    'POST',
    `${clusterPath}/topics/${topic}/records`,
    '{"partition_id":0,"value":{"data":1}} {"partition_id":0,"value":{"data":2}}',
  );
  const group = uniqueName('consumers-group');
  const groupPath = `${clusterPath}/consumer-groups/${group}`;
  const joined = await call('POST', `${groupPath}/members`, {
    topics: [topic],
    auto_offset_reset: 'earliest',
  });
  expect(joined.status).toBe(200);
  const member: string = joined.body.member_id;
  const token: string = joined.body.member_token;
  const committed = await call(
    'POST',
    `${groupPath}/members/${member}/offsets`,
    { offsets: [{ topic_name: topic, partition_id: 0, epoch: joined.body.assignments[0].epoch, offset: 1 }] },
    { 'sluice-member-token': token },
  );
  expect(committed.status).toBe(200);
  return { topic, group, groupPath, member, token };
}

describe('consumer-group resources', () => {
  it('describes the group with is_mixed_consumer_group and links that resolve', async () => {
    const { groupPath } = await groupWithMember();
    const group = await call('GET', groupPath);
    expect(shapeProblems('ConsumerGroupData', group.body)).toEqual([]);
    expect(group.body.is_mixed_consumer_group).toBe(false);
    for (const link of ['coordinator', 'consumers', 'lag_summary']) {
      expect({ link, status: (await call('GET', group.body[link].related)).status }).toEqual({
        link,
        status: 200,
      });
    }
  });

  it('lists the live members as consumers, and each one with its assignments', async () => {
    const { topic, group, groupPath, member, token } = await groupWithMember();
    const list = await call('GET', `${groupPath}/consumers`);
    expect(list.status).toBe(200);
    expect(listProblems('KafkaConsumerList', 'ConsumerData', list.body)).toEqual([]);
    expect(list.body.data).toEqual([
      expect.objectContaining({ consumer_group_id: group, consumer_id: member, instance_id: null }),
    ]);

    const one = await call('GET', `${groupPath}/consumers/${member}`);
    expect(one.body).toEqual(list.body.data[0]);
    expect(one.body.metadata.self).toBe(`${groupPath}/consumers/${member}`);

    const assignments = await call('GET', one.body.assignments.related);
    expect(assignments.status).toBe(200);
    expect(listProblems('KafkaConsumerAssignmentList', 'ConsumerAssignmentData', assignments.body)).toEqual(
      [],
    );
    expect(assignments.body.data.map((a: Json) => [a.topic_name, a.partition_id])).toEqual([
      [topic, 0],
      [topic, 1],
    ]);
    for (const assignment of assignments.body.data) {
      expect((await call('GET', assignment.metadata.self)).body).toEqual(assignment);
      expect((await call('GET', assignment.partition.related)).status).toBe(200);
      expect((await call('GET', assignment.lag.related)).status).toBe(200);
    }
    // Member ids are public; the token that lets a caller act as the member is not.
    for (const answer of [list, one, assignments]) {
      expect(answer.text).not.toContain(token);
      expect(answer.text).not.toMatch(/token|binding|principal/i);
    }
  });

  it('answers one partition of the lags, the same as in the list', async () => {
    const { topic, groupPath, member } = await groupWithMember();
    const all = await call('GET', `${groupPath}/lags`);
    const lag = await call('GET', `${groupPath}/lags/${topic}/partitions/0`);
    expect(lag.status).toBe(200);
    expect(shapeProblems('ConsumerLagData', lag.body)).toEqual([]);
    expect(lag.body).toEqual(all.body.data.find((l: Json) => l.partition_id === 0));
    expect(lag.body).toMatchObject({ current_offset: 1, log_end_offset: 2, lag: 1, consumer_id: member });
  });

  it('answers 404 for an unknown consumer, assignment, lag partition or group', async () => {
    const { topic, groupPath, member } = await groupWithMember();
    const cases: [string, number][] = [
      [`${groupPath}/consumers/nobody`, 40405],
      [`${groupPath}/consumers/nobody/assignments`, 40405],
      [`${groupPath}/consumers/${member}/assignments/${topic}/partitions/7`, 40402],
      [`${groupPath}/lags/${topic}/partitions/7`, 40402],
      [`${groupPath}/lags/${topic}-missing/partitions/0`, 40402],
      [`${clusterPath}/consumer-groups/${uniqueName('never')}/consumers`, 40404],
    ];
    for (const [path, code] of cases) {
      const answer = await call('GET', path);
      expect({ path, status: answer.status, code: answer.body.error_code }).toEqual({
        path,
        status: 404,
        code,
      });
    }
  });

  it('drops a member that left from the consumers', async () => {
    const { groupPath, member, token } = await groupWithMember();
    expect(
      (await call('DELETE', `${groupPath}/members/${member}`, undefined, { 'sluice-member-token': token }))
        .status,
    ).toBe(204);
    expect((await call('GET', `${groupPath}/consumers`)).body.data).toEqual([]);
    expect((await call('GET', `${groupPath}/consumers/${member}`)).status).toBe(404);
  });
});
