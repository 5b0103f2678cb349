import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createGroupService } from '../../shared/groups/service';
import { createHttpApi } from '../../shared/http/router';
import { MAX_COMMIT_OFFSETS, MAX_JOIN_TOPICS } from '../../shared/http/routes/groups';
import type { HttpResponse } from '../../shared/http/types';
import { createTestTopic, produce, testGroupName } from '../support/groups';
import { checkedApi } from '../support/openapi';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());
const api = checkedApi(createHttpApi(cluster));
const groupsPath = `/v3/clusters/${cluster.config.clusterId}/consumer-groups`;

// biome-ignore lint/suspicious/noExplicitAny: assertions read JSON answers by shape.
type Json = any;

async function call(
  method: string,
  path: string,
  body?: unknown,
  extra: { headers?: Record<string, string>; principal?: string } = {},
): Promise<{ status: number; body: Json }> {
  const response: HttpResponse = await api({
    method,
    path,
    query: {},
    headers: { 'content-type': 'application/json', ...extra.headers },
    ...(extra.principal === undefined ? {} : { principal: extra.principal }),
    body:
      body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  return { status: response.status, body: response.body === '' ? undefined : JSON.parse(response.body) };
}

/** The header that lets a request act as the member a join answer created. */
function tokenOf(joined: { body: Json }): { headers: Record<string, string> } {
  return { headers: { 'sluice-member-token': joined.body.member_token } };
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
    const as = tokenOf(joined);

    const committed = await call(
      'POST',
      `${member}/offsets`,
      { offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: '2' }] },
      as,
    );
    expect(committed).toEqual({
      status: 200,
      body: { committed: [{ topic_name: topic.name, partition_id: 0, offset: 2 }] },
    });

    const beat = await call('POST', `${member}/heartbeat`, undefined, as);
    expect(beat.status).toBe(200);
    expect(beat.body.assignments[0]).toEqual({
      topic_name: topic.name,
      partition_id: 0,
      epoch: 1,
      committed_offset: 2,
    });
    expect((await call('POST', `${member}/heartbeat`, {}, as)).status).toBe(200);

    expect((await call('DELETE', member, undefined, as)).status).toBe(204);
    const gone = await call('POST', `${member}/heartbeat`, {}, as);
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe(40405);
  });

  it('answers 409 / 40901 to a commit with a stale epoch or for a partition not held, 404 / 40405 for no member', async () => {
    const topic = await createTestTopic(cluster, 'http', 2);
    const group = testGroupName('web');
    const joined = await call('POST', `${groupsPath}/${group}/members`, { topics: [topic.name] });
    const member = `${groupsPath}/${group}/members/${joined.body.member_id}`;
    const stale = await call(
      'POST',
      `${member}/offsets`,
      { offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 0, offset: 1 }] },
      tokenOf(joined),
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error_code).toBe(40901);
    // A second member holds partition 1 after its join; the first one commits there.
    const other = await call('POST', `${groupsPath}/${group}/members`, { topics: [topic.name] });
    const held = other.body.assignments.length > 0 ? other.body : joined.body;
    const notHeldBy = held === other.body ? joined : other;
    const notHeld = await call(
      'POST',
      `${groupsPath}/${group}/members/${notHeldBy.body.member_id}/offsets`,
      {
        offsets: [
          { topic_name: topic.name, partition_id: held.assignments[0].partition_id, epoch: 1, offset: 1 },
        ],
      },
      tokenOf(notHeldBy),
    );
    expect(notHeld.status).toBe(409);
    expect(notHeld.body.error_code).toBe(40901);
    const stranger = await call('POST', `${groupsPath}/${group}/members/consumer-nobody/offsets`, {
      offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: 1 }],
    });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error_code).toBe(40405);
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
    await call(
      'DELETE',
      `${groupsPath}/${group}/members/${joined.body.member_id}`,
      undefined,
      tokenOf(joined),
    );
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
    const committed = await call(
      'POST',
      `${member}/offsets`,
      {
        offsets: [
          { topic_name: topic.name, partition_id: 0, epoch: 1, offset: 1 },
          { topic_name: topic.name, partition_id: 1, epoch: 1, offset: 3 },
        ],
      },
      tokenOf(joined),
    );
    expect(committed.status).toBe(200);

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
    expect((await call('DELETE', member, undefined, tokenOf(joined))).status).toBe(204);
    const after = await call('GET', `${groupsPath}/${group}/lags`);
    expect(after.body.data.map((row: { consumer_id: string }) => row.consumer_id)).toEqual(['', '', '']);
  });

  describe('member identity', () => {
    /** A joined member with one partition holding two records, and the calls to act as it. */
    async function joinOne(extra: { principal?: string } = {}) {
      const topic = await createTestTopic(cluster, 'bind', 1);
      await produce(cluster, topic, [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
      ]);
      const group = testGroupName('bind');
      const joined = await call(
        'POST',
        `${groupsPath}/${group}/members`,
        { topics: [topic.name], auto_offset_reset: 'earliest' },
        extra,
      );
      expect(joined.status).toBe(200);
      const member = `${groupsPath}/${group}/members/${joined.body.member_id}`;
      const commit = { offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: 2 }] };
      return { topic, group, joined, member, commit };
    }

    it('hands the joiner a random member token that the group, its lags and the store never show', async () => {
      const { group, joined, member, commit } = await joinOne();
      const token: string = joined.body.member_token;
      expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
      const other = await call('POST', `${groupsPath}/${group}/members`, {
        topics: joined.body.assignments.map((a: Json) => a.topic_name),
      });
      expect(other.body.member_token).not.toBe(token);

      expect((await call('POST', `${member}/offsets`, commit, tokenOf(joined))).status).toBe(200);
      for (const path of [
        groupsPath,
        `${groupsPath}/${group}`,
        `${groupsPath}/${group}/lags`,
        `${groupsPath}/${group}/lag-summary`,
      ]) {
        const answer = await call('GET', path);
        expect(answer.status).toBe(200);
        expect(JSON.stringify(answer.body)).not.toContain(token);
      }
      const beat = await call('POST', `${member}/heartbeat`, {}, tokenOf(joined));
      expect(beat.body.member_token).toBeUndefined();
      const stored = await cluster.groups.member(group, joined.body.member_id);
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(stored?.binding?.tokenHash).toEqual(expect.any(String));
    });

    it('refuses heartbeat, commit and leave without the member token or with another one, changing nothing', async () => {
      const { group, joined, member, commit } = await joinOne();
      const other = await call('POST', `${groupsPath}/${group}/members`, {
        topics: [joined.body.assignments[0].topic_name],
      });
      const wrongTokens = [
        {},
        { headers: { 'sluice-member-token': '' } },
        { headers: { 'sluice-member-token': `${joined.body.member_token}x` } },
        tokenOf(other),
      ];
      for (const as of wrongTokens) {
        for (const [method, path, body] of [
          ['POST', `${member}/heartbeat`, {}],
          ['POST', `${member}/offsets`, commit],
          ['DELETE', member, undefined],
        ] as const) {
          const refused = await call(method, path, body, as);
          expect([method, path, refused.status, refused.body?.error_code]).toEqual([
            method,
            path,
            404,
            40405,
          ]);
        }
      }
      // Still a member, still holding its partition, nothing committed.
      const lags = await call('GET', `${groupsPath}/${group}/lags`);
      expect(lags.body.data.map((row: Json) => [row.current_offset, row.consumer_id])).toEqual([
        [null, joined.body.member_id],
      ]);
      const beat = await call('POST', `${member}/heartbeat`, {}, tokenOf(joined));
      expect(beat.status).toBe(200);
      expect(beat.body.assignments).toEqual([
        expect.objectContaining({ partition_id: 0, epoch: 1, committed_offset: 0 }),
      ]);
    });

    it('binds a member to the IAM principal that joined: another principal with the token is refused', async () => {
      const alice = 'arn:aws:iam::123456789012:role/alice';
      const bob = 'arn:aws:iam::123456789012:role/bob';
      const { joined, member, commit } = await joinOne({ principal: alice });
      for (const principal of [bob, undefined]) {
        const as = { ...tokenOf(joined), principal };
        expect((await call('POST', `${member}/heartbeat`, {}, as)).status).toBe(404);
        expect((await call('POST', `${member}/offsets`, commit, as)).status).toBe(404);
        expect((await call('DELETE', member, undefined, as)).status).toBe(404);
      }
      const as = { ...tokenOf(joined), principal: alice };
      expect((await call('POST', `${member}/offsets`, commit, as)).status).toBe(200);
      expect((await call('DELETE', member, undefined, as)).status).toBe(204);
    });

    it("never lets an HTTP request act as a poller's member", async () => {
      const topic = await createTestTopic(cluster, 'bind', 1);
      const group = testGroupName('bind');
      const groups = createGroupService({ cluster });
      const poller = await groups.join({
        group,
        topics: [topic.name],
        sessionTimeoutMs: 30_000,
        policy: { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' },
        kind: 'poller',
      });
      expect(poller.memberToken).toBeUndefined();
      const member = `${groupsPath}/${group}/members/${poller.memberId}`;
      const httpMember = await call('POST', `${groupsPath}/${group}/members`, { topics: [topic.name] });
      for (const as of [{}, tokenOf(httpMember)]) {
        expect((await call('POST', `${member}/heartbeat`, {}, as)).status).toBe(404);
        const commit = { offsets: [{ topic_name: topic.name, partition_id: 0, epoch: 1, offset: 0 }] };
        expect((await call('POST', `${member}/offsets`, commit, as)).status).toBe(404);
        expect((await call('DELETE', member, undefined, as)).status).toBe(404);
      }
      // In-process, the poller's own calls need no token.
      expect((await groups.heartbeat({ group, memberId: poller.memberId })).assignments).toHaveLength(1);
    });
  });
});
