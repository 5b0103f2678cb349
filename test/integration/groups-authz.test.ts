import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createGroupService } from '../../shared/groups/service';
import { createAwsClients } from '../../shared/storage/aws';
import type { Topic } from '../../shared/topics/registry';
import { startTestServer, type TestServer } from '../support/client-server';
import { createTestTopic, produce, testGroupName } from '../support/groups';
import { destroyClients } from '../support/local-aws';

/**
 * Consumer-group authorization through the real server (HTTP on loopback) against the
 * emulators, configured as the construct configures the HTTP function: a group run by a
 * poller refuses HTTP members, and a granted group refuses topics its grants do not name;
 * a refusal writes nothing.
 */

// biome-ignore lint/suspicious/noExplicitAny: assertions read JSON answers by shape.
type Json = any;

const config = configFromEnv();
const clients = createAwsClients(config);
const cluster = createCluster(config, { clients });
const groupService = createGroupService({ cluster });
const { dynamodb } = clients;
afterAll(() => destroyClients(clients));

let server: TestServer;
let granted: Topic;
let ungranted: Topic;
const pollerGroup = testGroupName('poller');
const grantedGroup = testGroupName('granted');
const freshGrantedGroup = testGroupName('granted-fresh');
const wideGroup = testGroupName('wide');
const openGroup = testGroupName('open');
const patternGroup = testGroupName('pattern');
/** Topics a pattern subscription of `patternGroup` meets once it is made; only the first is granted. */
const patternPrefix = testGroupName('authz-later');
const laterGranted = `${patternPrefix}.granted`;
const laterOther = `${patternPrefix}.other`;

beforeAll(async () => {
  granted = await createTestTopic(cluster, 'authz', 2);
  ungranted = await createTestTopic(cluster, 'authz-other', 1);
  await produce(cluster, granted, [
    { partition: 0, value: 'a' },
    { partition: 0, value: 'b' },
    { partition: 1, value: 'c' },
  ]);
  server = await startTestServer({
    env: {
      SLUICE_POLLER_GROUPS: JSON.stringify([pollerGroup]),
      SLUICE_GROUP_TOPICS: JSON.stringify({
        [grantedGroup]: [granted.name],
        [freshGrantedGroup]: [granted.name],
        [pollerGroup]: [granted.name],
        [wideGroup]: '*',
        [patternGroup]: [laterGranted],
      }),
    },
  });
});
afterAll(() => server?.close());

const groupsPath = () => `/v3/clusters/${server.cluster.config.clusterId}/consumer-groups`;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Every item of a group (leases, members, marker) and its entry in the list of groups. */
async function groupItems(group: string): Promise<unknown[]> {
  const query = (pk: string) =>
    dynamodb.send(
      new QueryCommand({
        TableName: cluster.config.metaTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
      }),
    );
  const [own, list] = await Promise.all([query(`group#${group}`), query('consumer-groups')]);
  return [...(own.Items ?? []), ...(list.Items ?? []).filter((item) => item.sk?.S === group)];
}

const join = (group: string, topics: string[]) =>
  call('POST', `${groupsPath()}/${group}/members`, { topics, auto_offset_reset: 'earliest' });

describe('a consumer group run by a poller', () => {
  let pollerMember: string;

  beforeAll(async () => {
    // The poller reaches its group through the group service, as functions/poller does.
    const member = await groupService.join({
      group: pollerGroup,
      topics: [granted.name],
      sessionTimeoutMs: 60_000,
      policy: { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' },
      kind: 'poller',
    });
    pollerMember = member.memberId;
    const lease = member.assignments.find((a) => a.partition === 0);
    if (!lease) throw new Error('the poller holds no lease of partition 0');
    await groupService.commit(pollerGroup, pollerMember, [
      { topic: granted.name, partition: 0, epoch: lease.epoch, offset: 1 },
    ]);
  });

  it('refuses an HTTP join with 403 / 40302, leaving its leases and members as they were', async () => {
    const before = await groupItems(pollerGroup);
    expect(before.length).toBeGreaterThan(2);
    const refused = await join(pollerGroup, [granted.name]);
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe(40302);
    expect(refused.body.message).toMatch(/run by Lambda pollers.*allowHttpMembers/);
    expect(await groupItems(pollerGroup)).toEqual(before);
  });

  it("refuses HTTP commits and heartbeats as the poller's member (whose id is public), writing nothing", async () => {
    const described = await call('GET', `${groupsPath()}/${pollerGroup}`);
    expect(described.body.members.map((m: Json) => m.member_id)).toContain(pollerMember);
    const before = await groupItems(pollerGroup);
    const member = `${groupsPath()}/${pollerGroup}/members/${pollerMember}`;
    const commit = await call('POST', `${member}/offsets`, {
      offsets: [{ topic_name: granted.name, partition_id: 0, epoch: 1, offset: 0 }],
    });
    expect([commit.status, commit.body.error_code]).toEqual([403, 40302]);
    const heartbeat = await call('POST', `${member}/heartbeat`, {});
    expect([heartbeat.status, heartbeat.body.error_code]).toEqual([403, 40302]);
    expect(await groupItems(pollerGroup)).toEqual(before);
  });

  it('still lets a principal granted the group read its lags', async () => {
    const lags = await call('GET', `${groupsPath()}/${pollerGroup}/lags`);
    expect(lags.status).toBe(200);
    expect(lags.body.data.find((l: Json) => l.partition_id === 0)).toMatchObject({ current_offset: 1 });
  });
});

describe('a granted consumer group', () => {
  it('lets an HTTP member join its granted topics and commit there', async () => {
    const joined = await join(grantedGroup, [granted.name]);
    expect(joined.status).toBe(200);
    expect(joined.body.assignments).toHaveLength(2);
    const lease = joined.body.assignments[0];
    const committed = await call(
      'POST',
      `${groupsPath()}/${grantedGroup}/members/${joined.body.member_id}/offsets`,
      {
        offsets: [
          { topic_name: granted.name, partition_id: lease.partition_id, epoch: lease.epoch, offset: 1 },
        ],
      },
      { 'sluice-member-token': joined.body.member_token },
    );
    expect(committed.status).toBe(200);
    expect(committed.body.committed).toEqual([
      { topic_name: granted.name, partition_id: lease.partition_id, offset: 1 },
    ]);
  });

  it('refuses a join naming a topic it is not granted with 403 / 40303, writing nothing', async () => {
    for (const topics of [[ungranted.name], [granted.name, ungranted.name]]) {
      const refused = await join(freshGrantedGroup, topics);
      expect([refused.status, refused.body.error_code]).toEqual([403, 40303]);
      expect(refused.body.message).toContain(`"${ungranted.name}"`);
    }
    expect(await groupItems(freshGrantedGroup)).toEqual([]);
  });

  it("refuses a commit naming a topic the group is not granted, leaving the member's offsets", async () => {
    const joined = await join(grantedGroup, [granted.name]);
    expect(joined.status).toBe(200);
    const before = await groupItems(grantedGroup);
    const refused = await call(
      'POST',
      `${groupsPath()}/${grantedGroup}/members/${joined.body.member_id}/offsets`,
      {
        offsets: [
          { topic_name: granted.name, partition_id: 0, epoch: 1, offset: 2 },
          { topic_name: ungranted.name, partition_id: 0, epoch: 1, offset: 5 },
        ],
      },
      { 'sluice-member-token': joined.body.member_token },
    );
    expect([refused.status, refused.body.error_code]).toEqual([403, 40303]);
    expect(await groupItems(grantedGroup)).toEqual(before);
  });

  it('takes any topic in a group granted with every topic, and in a group no grant names', async () => {
    for (const group of [wideGroup, openGroup]) {
      const joined = await join(group, [granted.name, ungranted.name]);
      expect([group, joined.status]).toEqual([group, 200]);
      expect(joined.body.assignments).toHaveLength(3);
    }
  });
});

describe('Confluent v2 consumer instances', () => {
  const instances = (group: string) => `/consumers/${group}`;

  it('cannot be created in a group run by a poller (403 / 40302), writing nothing', async () => {
    const before = await groupItems(pollerGroup);
    const refused = await call('POST', instances(pollerGroup), { name: 'v2', format: 'json' });
    expect([refused.status, refused.body.error_code]).toEqual([403, 40302]);
    expect(await groupItems(pollerGroup)).toEqual(before);
  });

  it('may subscribe to or be assigned only the topics granted with the group (403 / 40303), a pattern’s matches too', async () => {
    const created = await call('POST', instances(grantedGroup), { name: 'v2-reader', format: 'json' });
    expect(created.status).toBe(200);
    const base = `${instances(grantedGroup)}/instances/v2-reader`;
    const before = await groupItems(grantedGroup);
    for (const [path, body] of [
      ['subscription', { topics: [ungranted.name] }],
      ['subscription', { topics: [granted.name, ungranted.name] }],
      ['subscription', { topic_pattern: `${ungranted.name}|${granted.name}` }],
      ['assignments', { partitions: [{ topic: ungranted.name, partition: 0 }] }],
    ] as const) {
      const refused = await call('POST', `${base}/${path}`, body);
      expect([path, refused.status, refused.body.error_code]).toEqual([path, 403, 40303]);
      expect(refused.body.message).toContain(`"${ungranted.name}"`);
    }
    expect(await groupItems(grantedGroup)).toEqual(before);
    expect((await call('POST', `${base}/subscription`, { topic_pattern: granted.name })).status).toBe(204);
    expect((await call('GET', `${base}/subscription`)).body).toEqual({ topics: [granted.name] });
    expect((await call('DELETE', base)).status).toBe(204);
  });

  it('follow a pattern to new topics only where granted: a new ungranted match is left out', async () => {
    const created = await call('POST', instances(patternGroup), {
      name: 'follower',
      format: 'json',
      'auto.offset.reset': 'earliest',
    });
    expect(created.status).toBe(200);
    const base = `${instances(patternGroup)}/instances/follower`;
    // Nothing matches yet.
    expect(
      (await call('POST', `${base}/subscription`, { topic_pattern: `${patternPrefix}\\..*` })).status,
    ).toBe(204);
    // Created through the server's own registry, so its cached topic list knows them at once.
    for (const name of [laterGranted, laterOther]) {
      const topic = await server.cluster.topics.create({ name, partitionCount: 1 });
      await produce(cluster, topic, [{ partition: 0, value: JSON.stringify(name) }]);
    }
    const read = await call('GET', `${base}/records?timeout=1000`, undefined, {
      accept: 'application/vnd.kafka.json.v2+json',
    });
    expect(read.status).toBe(200);
    expect(read.body.map((r: Json) => [r.topic, r.value])).toEqual([[laterGranted, laterGranted]]);
    expect((await call('GET', `${base}/subscription`)).body).toEqual({ topics: [laterGranted] });
    const members = (await groupItems(patternGroup)) as Json[];
    expect(JSON.stringify(members)).not.toContain(laterOther);
    expect((await call('DELETE', base)).status).toBe(204);
  });
});
