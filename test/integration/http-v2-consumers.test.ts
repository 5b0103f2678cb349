/**
 * Confluent REST Proxy v2 consumer instances through real servers over the emulators: an
 * instance is created, subscribes, reads records produced before and after, commits and is
 * deleted while two servers (separate clusters over the same storage) take turns serving it;
 * an instance that falls silent expires, its partitions go to another member of the group and
 * its next request answers 40403; manual assignment with seeks; format and Accept; unknown
 * instances. Every answer is checked against docs/openapi.yaml (startTestServer's close).
 */
import { sleep } from '../../shared/retry';
import { startTestServer, type TestServer } from '../support/client-server';
import { callOverWire, createTopicOverWire, V2_MEDIA_TYPE as V2 } from '../support/wire';
import { type Json, uniqueName } from './support/core';

const JSON_RECORDS = 'application/vnd.kafka.json.v2+json';
const BINARY_RECORDS = 'application/vnd.kafka.binary.v2+json';

let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

/** One request (GET with a body too, as Confluent's committed-offsets read sends one). */
const call = callOverWire;

/** A topic made through the v3 API over the wire. */
const newTopic = (partitions: number) => createTopicOverWire(first, 'v2c', partitions);

/** Produces JSON values to explicit partitions with the v2 produce. */
async function produce(topic: string, records: { partition: number; value: unknown }[]): Promise<void> {
  const answer = await call(first, 'POST', `/topics/${topic}`, { records }, { 'content-type': JSON_RECORDS });
  expect(answer.status).toBe(200);
}

/** Reads until `count` records arrived (each read waits up to its timeout for more). */
async function readRecords(
  servers: readonly TestServer[],
  base: string,
  count: number,
  accept = JSON_RECORDS,
): Promise<Json[]> {
  const records: Json[] = [];
  for (let round = 0; records.length < count; round++) {
    const answer = await call(
      servers[round % servers.length],
      'GET',
      `${base}/records?timeout=1000`,
      undefined,
      {
        accept,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.type).toBe(accept);
    records.push(...answer.body);
  }
  return records;
}

const byOffset = (a: Json, b: Json) => a.partition - b.partition || a.offset - b.offset;

describe('a v2 consumer served by two servers in turn', () => {
  it('creates an instance, subscribes, reads records produced before and after, commits, and is deleted', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('v2-group');
    await produce(topic, [
      { partition: 0, value: { n: 'before-0' } },
      { partition: 1, value: { n: 'before-1' } },
    ]);

    const created = await call(first, 'POST', `/consumers/${group}`, {
      name: 'reader',
      format: 'json',
      'auto.offset.reset': 'earliest',
      'auto.commit.enable': 'false',
    });
    expect(created.status).toBe(200);
    expect(created.type).toBe(V2);
    const base = `/consumers/${group}/instances/reader`;
    expect(created.body).toEqual({ instance_id: 'reader', base_uri: `${first.url}${base}` });

    const again = await call(second, 'POST', `/consumers/${group}`, { name: 'reader', format: 'json' });
    expect(again.status).toBe(409);
    expect(again.type).toBe(V2);
    expect(again.body.error_code).toBe(40905);

    expect((await call(first, 'POST', `${base}/subscription`, { topics: [topic] })).status).toBe(204);
    const subscription = await call(second, 'GET', `${base}/subscription`);
    expect(subscription.body).toEqual({ topics: [topic] });

    const before = await readRecords([second, first], base, 2);
    expect(before.sort(byOffset)).toEqual([
      { topic, key: null, value: { n: 'before-0' }, partition: 0, offset: 0 },
      { topic, key: null, value: { n: 'before-1' }, partition: 1, offset: 0 },
    ]);
    const assignment = await call(first, 'GET', `${base}/assignments`);
    expect(assignment.body.partitions.sort(byOffset)).toEqual([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);

    await produce(topic, [
      { partition: 0, value: { n: 'after-0' } },
      { partition: 1, value: { n: 'after-1' } },
    ]);
    const after = await readRecords([first, second], base, 2);
    expect(after.map((r) => r.value.n).sort()).toEqual(['after-0', 'after-1']);
    expect(after.every((r) => r.offset === 1)).toBe(true);

    // Nothing committed yet (auto-commit is off); an empty commit commits what was read.
    const partitions = { partitions: [0, 1].map((partition) => ({ topic, partition })) };
    expect((await call(first, 'GET', `${base}/offsets`, partitions)).body).toEqual({ offsets: [] });
    const committed = await call(second, 'POST', `${base}/offsets`);
    expect(committed.status).toBe(200);
    expect(committed.body.sort(byOffset)).toEqual([
      { topic, partition: 0, consumed: 1, committed: 2 },
      { topic, partition: 1, consumed: 1, committed: 2 },
    ]);
    const offsets = await call(first, 'GET', `${base}/offsets`, partitions);
    expect(offsets.body.offsets.sort(byOffset)).toEqual([
      { topic, partition: 0, offset: 2, metadata: '' },
      { topic, partition: 1, offset: 2, metadata: '' },
    ]);
    // The group sees the instance as a member, and its commits as the group's offsets.
    const lags = await call(second, 'GET', `/v3/clusters/local/consumer-groups/${group}/lags`);
    expect(lags.body.data.map((l: Json) => [l.partition_id, l.current_offset, l.consumer_id]).sort()).toEqual(
      [
        [0, 2, 'reader'],
        [1, 2, 'reader'],
      ],
    );

    expect((await call(first, 'DELETE', base)).status).toBe(204);
    const gone = await call(second, 'GET', `${base}/subscription`);
    expect(gone.status).toBe(404);
    expect(gone.type).toBe(V2);
    expect(gone.body.error_code).toBe(40403);
    const consumers = await call(first, 'GET', `/v3/clusters/local/consumer-groups/${group}/consumers`);
    expect(consumers.body.data).toEqual([]);
  });

  it('commits explicit offsets as Confluent does: the offset after the last record consumed', async () => {
    const topic = await newTopic(1);
    const group = uniqueName('v2-group');
    await produce(
      topic,
      [0, 1, 2].map((n) => ({ partition: 0, value: n })),
    );
    await call(first, 'POST', `/consumers/${group}`, {
      name: 'c',
      format: 'binary',
      'auto.offset.reset': 'earliest',
    });
    const base = `/consumers/${group}/instances/c`;
    await call(second, 'POST', `${base}/subscription`, { topics: [topic] });
    const records = await readRecords([first], base, 3, BINARY_RECORDS);
    expect(records.map((r) => Buffer.from(r.value, 'base64').toString())).toEqual(['0', '1', '2']);
    const committed = await call(second, 'POST', `${base}/offsets`, {
      offsets: [{ topic, partition: 0, offset: 0 }],
    });
    expect(committed.body).toEqual([{ topic, partition: 0, consumed: 0, committed: 1 }]);
    const offsets = await call(first, 'GET', `${base}/offsets`, { partitions: [{ topic, partition: 0 }] });
    expect(offsets.body.offsets).toEqual([{ topic, partition: 0, offset: 1, metadata: '' }]);
    await call(first, 'DELETE', base);
  });
});

describe('a subscription by topic_pattern', () => {
  it('follows topics created after it, as Kafka re-matches its pattern: their records are read', async () => {
    const prefix = uniqueName('v2p');
    const createTopic = async (name: string) => {
      const created = await call(first, 'POST', '/v3/clusters/local/topics', {
        topic_name: name,
        partitions_count: 1,
      });
      expect(created.status).toBe(201);
    };
    const early = `${prefix}.early`;
    const late = `${prefix}.late`;
    await createTopic(early);
    await produce(early, [{ partition: 0, value: 'early' }]);
    const group = uniqueName('v2-group');
    await call(first, 'POST', `/consumers/${group}`, {
      name: 'follower',
      format: 'json',
      'auto.offset.reset': 'earliest',
    });
    const base = `/consumers/${group}/instances/follower`;
    const pattern = `${prefix}\\..*`;
    expect((await call(first, 'POST', `${base}/subscription`, { topic_pattern: pattern })).status).toBe(204);
    expect((await readRecords([first], base, 1)).map((r) => [r.topic, r.value])).toEqual([[early, 'early']]);
    expect((await call(first, 'GET', `${base}/subscription`)).body).toEqual({ topics: [early] });

    // A topic the pattern matches, created after the subscription (through the server that
    // serves the reads, whose topic list therefore knows it at once).
    await createTopic(late);
    await produce(late, [{ partition: 0, value: 'late' }]);
    await produce(early, [{ partition: 0, value: 'early again' }]);
    const read: Json[] = [];
    for (let round = 0; round < 10 && read.length < 2; round++) {
      const answer = await call(first, 'GET', `${base}/records?timeout=1000`, undefined, {
        accept: JSON_RECORDS,
      });
      expect(answer.status).toBe(200);
      read.push(...answer.body);
    }
    expect(read.map((r) => [r.topic, r.partition, r.offset, r.value]).sort()).toEqual([
      [early, 0, 1, 'early again'],
      [late, 0, 0, 'late'],
    ]);
    expect((await call(first, 'GET', `${base}/subscription`)).body).toEqual({ topics: [early, late] });
    const assignment = await call(second, 'GET', `${base}/assignments`);
    expect(assignment.body.partitions.sort((a: Json, b: Json) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: early, partition: 0 },
      { topic: late, partition: 0 },
    ]);
    expect((await call(first, 'DELETE', base)).status).toBe(204);
  });
});

describe('overlapping requests of one instance', () => {
  it('take turns: each is served, on either server, none lost', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('v2-group');
    await produce(
      topic,
      [0, 1, 2, 3].map((n) => ({ partition: n % 2, value: n })),
    );
    await call(first, 'POST', `/consumers/${group}`, {
      name: 'busy',
      format: 'json',
      'auto.offset.reset': 'earliest',
    });
    const base = `/consumers/${group}/instances/busy`;
    await call(second, 'POST', `${base}/subscription`, { topics: [topic] });
    const answers = await Promise.all(
      [first, second, first, second, first, second].map((server, i) =>
        i % 2 === 0
          ? call(server, 'GET', `${base}/records?timeout=0`, undefined, { accept: JSON_RECORDS })
          : call(server, 'GET', `${base}/assignments`),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Each record is answered once: the reads took turns on the positions.
    const values = answers.filter((_, i) => i % 2 === 0).flatMap((a) => a.body.map((r: Json) => r.value));
    expect(values.length).toBe(new Set(values).size);
    await call(first, 'DELETE', base);
  });
});

describe('an instance that falls silent', () => {
  let quick: TestServer;
  beforeAll(async () => {
    quick = await startTestServer({ env: { SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS: '2500' } });
  });
  afterAll(() => quick.close());

  it('expires: its partitions go to another member of the group, and its next request answers 40403', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('v2-group');
    await call(quick, 'POST', `/consumers/${group}`, { name: 'silent', format: 'json' });
    const base = `/consumers/${group}/instances/silent`;
    await call(quick, 'POST', `${base}/subscription`, { topics: [topic] });
    const held = await call(quick, 'GET', `${base}/assignments`);
    expect(held.body.partitions).toHaveLength(2);

    // A member of another kind (the client consumer's protocol) joins the same group.
    const members = `/v3/clusters/local/consumer-groups/${group}/members`;
    const joined = await call(quick, 'POST', members, { topics: [topic], session_timeout_ms: 6_000 });
    expect(joined.status).toBe(200);
    expect(joined.body.assignments).toEqual([]);
    const heartbeat = `${members}/${joined.body.member_id}/heartbeat`;
    const token = { 'sluice-member-token': joined.body.member_token };
    // The instance sends nothing more; once it has expired, the member's heartbeats take both partitions.
    let assignments: Json[] = [];
    while (assignments.length < 2) {
      await sleep(250);
      const beat = await call(quick, 'POST', heartbeat, undefined, token);
      expect(beat.status).toBe(200);
      assignments = beat.body.assignments;
    }
    expect(assignments.map((a: Json) => a.partition_id).sort()).toEqual([0, 1]);

    const next = await call(quick, 'GET', `${base}/records`, undefined, { accept: JSON_RECORDS });
    expect(next.status).toBe(404);
    expect(next.body.error_code).toBe(40403);
    // Its expiry gave back nothing the member now holds.
    const beat = await call(quick, 'POST', heartbeat, undefined, token);
    expect(beat.body.assignments.map((a: Json) => a.partition_id).sort()).toEqual([0, 1]);
    const consumers = await call(quick, 'GET', `/v3/clusters/local/consumer-groups/${group}/consumers`);
    expect(consumers.body.data.map((c: Json) => c.consumer_id)).toEqual([joined.body.member_id]);
    await call(quick, 'DELETE', `${members}/${joined.body.member_id}`, undefined, token);
  });
});

describe('a v2 instance and a client member in one group', () => {
  it('split the partitions', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('v2-group');
    await call(first, 'POST', `/consumers/${group}`, { name: 'shared', format: 'json' });
    const base = `/consumers/${group}/instances/shared`;
    await call(first, 'POST', `${base}/subscription`, { topics: [topic] });
    expect((await call(first, 'GET', `${base}/assignments`)).body.partitions).toHaveLength(2);

    const members = `/v3/clusters/local/consumer-groups/${group}/members`;
    const joined = await call(second, 'POST', members, { topics: [topic], session_timeout_ms: 6_000 });
    const token = { 'sluice-member-token': joined.body.member_token };
    // The instance's next request is its heartbeat: it gives back its surplus partition.
    const mine = (await call(second, 'GET', `${base}/assignments`)).body.partitions;
    expect(mine).toHaveLength(1);
    const beat = await call(first, 'POST', `${members}/${joined.body.member_id}/heartbeat`, undefined, token);
    expect(beat.body.assignments.map((a: Json) => a.partition_id)).toEqual([1 - mine[0].partition]);
    await call(first, 'DELETE', base);
    await call(first, 'DELETE', `${members}/${joined.body.member_id}`, undefined, token);
  });
});

describe('manual assignment and seeks', () => {
  it('reads the assigned partitions from where each seek put them', async () => {
    const topic = await newTopic(2);
    const group = uniqueName('v2-group');
    await produce(topic, [
      ...[0, 1, 2, 3].map((n) => ({ partition: 0, value: `p0-${n}` })),
      ...[0, 1].map((n) => ({ partition: 1, value: `p1-${n}` })),
    ]);
    await call(first, 'POST', `/consumers/${group}`, { name: 'manual', format: 'json' });
    const base = `/consumers/${group}/instances/manual`;
    const both = { partitions: [0, 1].map((partition) => ({ topic, partition })) };
    expect((await call(second, 'POST', `${base}/assignments`, both)).status).toBe(204);
    expect((await call(first, 'GET', `${base}/assignments`)).body).toEqual(both);
    // Subscribing while assigned is refused, as Kafka does.
    const subscribe = await call(first, 'POST', `${base}/subscription`, { topics: [topic] });
    expect(subscribe.status).toBe(409);
    expect(subscribe.body.error_code).toBe(40906);

    expect(
      (await call(first, 'POST', `${base}/positions`, { offsets: [{ topic, partition: 0, offset: 2 }] }))
        .status,
    ).toBe(204);
    expect(
      (await call(second, 'POST', `${base}/positions/beginning`, { partitions: [{ topic, partition: 1 }] }))
        .status,
    ).toBe(204);
    const read = await readRecords([first, second], base, 4);
    expect(read.map((r) => r.value).sort()).toEqual(['p0-2', 'p0-3', 'p1-0', 'p1-1']);

    await call(first, 'POST', `${base}/positions/end`, { partitions: [{ topic, partition: 0 }] });
    await call(first, 'POST', `${base}/positions/beginning`, { partitions: [{ topic, partition: 0 }] });
    const again = await readRecords([second], base, 4);
    expect(again.map((r) => r.value)).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3']);

    await call(second, 'POST', `${base}/positions/end`, { partitions: [{ topic, partition: 1 }] });
    await produce(topic, [{ partition: 1, value: 'p1-late' }]);
    const late = await readRecords([first], base, 1);
    expect(late.map((r) => r.value)).toEqual(['p1-late']);

    // A partition it does not read cannot be sought.
    const elsewhere = await call(first, 'POST', `${base}/positions`, {
      offsets: [{ topic: `${topic}-x`, partition: 0, offset: 0 }],
    });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error_code).toBe(40906);

    // Commits without a lease land while nobody holds the partitions.
    const committed = await call(second, 'POST', `${base}/offsets`);
    expect(committed.status).toBe(200);
    const offsets = await call(first, 'GET', `${base}/offsets`, both);
    expect(offsets.body.offsets.sort(byOffset)).toEqual([
      { topic, partition: 0, offset: 4, metadata: '' },
      { topic, partition: 1, offset: 3, metadata: '' },
    ]);
    await call(first, 'DELETE', base);
  });
});

describe('a seek by timestamps (kafka-rest SeekToTimestampTest)', () => {
  it('starts each partition at the first record at or after the time, and at the end past the last', async () => {
    const topic = await newTopic(2);
    const atSecond = (s: number) => `1970-01-01T00:00:0${s}Z`;
    for (const s of [1, 2, 3]) {
      const produced = await call(first, 'POST', `/v3/clusters/local/topics/${topic}/records`, {
        partition_id: 0,
        value: { type: 'STRING', data: `at-${s}` },
        timestamp: atSecond(s),
      });
      expect(produced.body.error_code).toBe(200);
    }
    const group = uniqueName('v2-group');
    await call(first, 'POST', `/consumers/${group}`, { name: 'clock', format: 'binary' });
    const base = `/consumers/${group}/instances/clock`;
    const both = { partitions: [0, 1].map((partition) => ({ topic, partition })) };
    expect((await call(first, 'POST', `${base}/assignments`, both)).status).toBe(204);
    const seek = await call(second, 'POST', `${base}/positions`, {
      offsets: null,
      timestamps: [{ topic, partition: 0, timestamp: '1970-01-01T00:00:01.500Z', metadata: null }],
    });
    expect(seek.status).toBe(204);
    const read = await readRecords([first], base, 2, BINARY_RECORDS);
    expect(read.map((r) => [r.offset, Buffer.from(r.value, 'base64').toString()])).toEqual([
      [1, 'at-2'],
      [2, 'at-3'],
    ]);
    await call(first, 'POST', `${base}/positions/beginning`, { partitions: [{ topic, partition: 0 }] });
    const past = await call(first, 'POST', `${base}/positions`, {
      timestamps: [{ topic, partition: 0, timestamp: atSecond(9) }],
    });
    expect(past.status).toBe(204);
    const none = await call(first, 'GET', `${base}/records?timeout=0`, undefined, { accept: BINARY_RECORDS });
    expect(none.body).toEqual([]);
    await call(first, 'DELETE', base);
  });
});

describe('a manually assigned instance committing where a member holds a partition', () => {
  it('is refused 409 / 40901 whole: the free partition named with it is not committed either', async () => {
    const [held, free] = [await newTopic(1), await newTopic(1)];
    const group = uniqueName('v2-group');
    const members = `/v3/clusters/local/consumer-groups/${group}/members`;
    const joined = await call(first, 'POST', members, { topics: [held], session_timeout_ms: 60_000 });
    expect(joined.status).toBe(200);
    await call(first, 'POST', `/consumers/${group}`, { name: 'manual', format: 'json' });
    const base = `/consumers/${group}/instances/manual`;
    const both = { partitions: [held, free].map((topic) => ({ topic, partition: 0 })) };
    expect((await call(first, 'POST', `${base}/assignments`, both)).status).toBe(204);

    const commit = await call(second, 'POST', `${base}/offsets`, {
      offsets: [held, free].map((topic) => ({ topic, partition: 0, offset: 4 })),
    });
    expect([commit.status, commit.body.error_code]).toEqual([409, 40901]);
    expect(commit.body.message).toContain(`${held}-0`);
    expect((await call(first, 'GET', `${base}/offsets`, both)).body).toEqual({ offsets: [] });

    await call(first, 'DELETE', base);
    const token = { 'sluice-member-token': joined.body.member_token };
    await call(first, 'DELETE', `${members}/${joined.body.member_id}`, undefined, token);
  });
});

describe('formats and unknown instances', () => {
  it('answers a read whose Accept names another format 406 / 40601, in the v2 media type', async () => {
    const group = uniqueName('v2-group');
    await call(first, 'POST', `/consumers/${group}`, { name: 'bin' });
    const base = `/consumers/${group}/instances/bin`;
    const json = await call(second, 'GET', `${base}/records`, undefined, { accept: JSON_RECORDS });
    expect(json.status).toBe(406);
    expect(json.type).toBe(V2);
    expect(json.body.error_code).toBe(40601);
    // The plain v2 type means binary, as in Confluent's resource.
    const plain = await call(second, 'GET', `${base}/records?timeout=0`, undefined, { accept: V2 });
    expect(plain.status).toBe(200);
    expect(plain.type).toBe(BINARY_RECORDS);
    expect(plain.body).toEqual([]);
    await call(first, 'DELETE', base);

    await call(first, 'POST', `/consumers/${group}`, { name: 'json', format: 'json' });
    const binary = await call(first, 'GET', `/consumers/${group}/instances/json/records`, undefined, {
      accept: BINARY_RECORDS,
    });
    expect(binary.status).toBe(406);
    expect(binary.body.error_code).toBe(40601);
    await call(first, 'DELETE', `/consumers/${group}/instances/json`);
  });

  it.each([
    ['DELETE', ''],
    ['GET', '/subscription'],
    ['DELETE', '/subscription'],
    ['GET', '/assignments'],
    ['POST', '/offsets'],
  ])('answers %s …%s of an unknown instance 404 / 40403', async (method, tail) => {
    const answer = await call(first, method, `/consumers/${uniqueName('v2-group')}/instances/nobody${tail}`);
    expect(answer.status).toBe(404);
    expect(answer.type).toBe(V2);
    expect(answer.body.error_code).toBe(40403);
  });

  // kafka-rest's AbstractConsumerTest and ConsumerBinaryTest.testInvalidKafkaConsumerConfig send
  // Confluent's Java request objects, which serialize every field, the unset ones as null.
  it('takes the create and subscribe bodies of Confluent’s Java objects: a null field is absent', async () => {
    const topic = await newTopic(1);
    const group = uniqueName('v2-group');
    const unset = {
      id: null,
      'auto.commit.enable': null,
      'fetch.min.bytes': null,
      'consumer.request.timeout.ms': null,
    };
    const created = await call(first, 'POST', `/consumers/${group}`, {
      ...unset,
      name: 'java',
      format: 'binary',
      'auto.offset.reset': null,
    });
    expect({ status: created.status, id: created.body.instance_id }).toEqual({ status: 200, id: 'java' });
    const base = `/consumers/${group}/instances/java`;
    const subscribed = await call(first, 'POST', `${base}/subscription`, {
      topics: [topic],
      topic_pattern: null,
    });
    expect(subscribed.status).toBe(204);
    expect((await call(second, 'GET', `${base}/subscription`)).body).toEqual({ topics: [topic] });
    expect((await call(second, 'DELETE', `${base}/subscription`)).status).toBe(204);
    const byPattern = await call(first, 'POST', `${base}/subscription`, {
      topics: null,
      topic_pattern: topic,
    });
    expect(byPattern.status).toBe(204);
    expect((await call(first, 'DELETE', base)).status).toBe(204);

    const invalid = await call(first, 'POST', `/consumers/${group}`, {
      ...unset,
      id: 'id',
      name: 'name',
      format: 'binary',
      'auto.offset.reset': 'bad-config',
    });
    expect({ status: invalid.status, type: invalid.type, code: invalid.body.error_code }).toEqual({
      status: 422,
      type: V2,
      code: 42204,
    });
    // Confluent's other names of fetch.min.bytes and consumer.request.timeout.ms are read too.
    for (const alias of ['responseMinBytes', 'requestWaitMs']) {
      const refused = await call(first, 'POST', `/consumers/${group}`, { name: 'alias', [alias]: -5 });
      expect({ alias, status: refused.status, code: refused.body.error_code }).toEqual({
        alias,
        status: 422,
        code: 42204,
      });
    }
  });

  it('names a created instance rest-consumer-… when the request names none', async () => {
    const group = uniqueName('v2-group');
    const created = await call(second, 'POST', `/consumers/${group}`);
    expect(created.status).toBe(200);
    expect(created.body.instance_id).toMatch(/^rest-consumer-[0-9a-f-]{36}$/);
    expect(created.body.base_uri).toBe(
      `${second.url}/consumers/${group}/instances/${created.body.instance_id}`,
    );
    expect(
      (await call(first, 'DELETE', `/consumers/${group}/instances/${created.body.instance_id}`)).status,
    ).toBe(204);
  });
});
