import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as lambdaHandler } from '../../functions/http/handler';
import { assertConforms } from '../support/openapi';
import { newApi, uniqueName } from './support/core';

/** The Lambda handler, with every answer checked against docs/openapi.yaml. */
async function handler(event: APIGatewayProxyEventV2) {
  const result = await lambdaHandler(event);
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64').toString()
    : (result.body ?? '');
  const requestBody = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString()
    : (event.body ?? '');
  assertConforms({
    method: event.requestContext.http.method,
    path: event.rawPath,
    request: { contentType: event.headers['content-type'], body: requestBody },
    status: result.statusCode ?? 200,
    contentType: result.headers?.['content-type'] as string | undefined,
    body,
  });
  return result;
}

const call = newApi();
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64').toString());

async function createTopic(partitions = 1, prefix = 'api') {
  const name = uniqueName(prefix);
  const response = await call('POST', '/v3/clusters/local/topics', {
    topic_name: name,
    partitions_count: partitions,
    configs: [{ name: 'retention.ms', value: '86400000' }],
  });
  expect(response.status).toBe(201);
  return name;
}

describe('topics', () => {
  it('serves a topic whose name is as long as Kafka allows (249 characters) on every kind of route', async () => {
    const name = `long-${uniqueName('x')}-`.padEnd(249, 'z');
    const created = await call('POST', '/v3/clusters/local/topics', {
      topic_name: name,
      partitions_count: 1,
    });
    expect(created.status).toBe(201);
    expect((await call('GET', `/v3/clusters/local/topics/${name}`)).body.topic_name).toBe(name);
    const v3 = await call('POST', `/v3/clusters/local/topics/${name}/records`, { value: { data: 1 } });
    expect(v3.body).toMatchObject({ error_code: 200, offset: 0 });
    const v2 = await call('POST', `/topics/${name}/partitions/0`, { records: [{ value: 2 }] });
    expect(v2.body.offsets).toEqual([{ partition: 0, offset: 1, error_code: null, error: null }]);
    expect((await call('GET', `/topics/${name}`)).body.name).toBe(name);
  });

  it('creates, describes, lists and deletes a topic in Confluent v3 shapes', async () => {
    const name = await createTopic(6);
    const described = await call('GET', `/v3/clusters/local/topics/${name}`);
    expect(described.body).toMatchObject({
      kind: 'KafkaTopic',
      cluster_id: 'local',
      topic_name: name,
      partitions_count: 6,
      configs: { related: `/v3/clusters/local/topics/${name}/configs` },
    });
    const configs = await call('GET', described.body.configs.related);
    expect(configs.body.data).toContainEqual(
      expect.objectContaining({ name: 'retention.ms', value: '86400000', is_default: false }),
    );
    const listed = await call('GET', '/v3/clusters/local/topics');
    expect(listed.body.kind).toBe('KafkaTopicList');
    expect(listed.body.data.map((t: { topic_name: string }) => t.topic_name)).toContain(name);
    const partitions = await call('GET', `/v3/clusters/local/topics/${name}/partitions`);
    expect(partitions.body.data).toHaveLength(6);
    expect(partitions.body.data[5]).toMatchObject({
      partition_id: 5,
      log_start_offset: 0,
      log_end_offset: 0,
    });

    expect((await call('DELETE', `/v3/clusters/local/topics/${name}`)).status).toBe(204);
    expect((await call('GET', `/v3/clusters/local/topics/${name}`)).status).toBe(404);
  });

  it('gives a re-created topic a fresh, empty log', async () => {
    const name = await createTopic();
    await call('POST', `/v3/clusters/local/topics/${name}/records`, { value: { data: 'old' } });
    await call('DELETE', `/v3/clusters/local/topics/${name}`);
    await call('POST', '/v3/clusters/local/topics', { topic_name: name });
    const read = await call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?offset=0`);
    expect(read.body).toMatchObject({ records: [], log_end_offset: 0 });
  });
});

describe('produce and fetch', () => {
  it('produces one v3 record and reads it back with key, value, headers and timestamp', async () => {
    const name = await createTopic(3);
    const produced = await call('POST', `/v3/clusters/local/topics/${name}/records`, {
      partition_id: 1,
      headers: [{ name: 'h', value: b64('hi') }],
      key: { type: 'STRING', data: 'order-42' },
      value: { type: 'JSON', data: { total: 9 } },
      timestamp: '2026-01-02T03:04:05Z',
    });
    expect(produced.status).toBe(200);
    expect(produced.body).toEqual({
      error_code: 200,
      cluster_id: 'local',
      topic_name: name,
      partition_id: 1,
      offset: 0,
      timestamp: '2026-01-02T03:04:05.000Z',
      key: { type: 'STRING', size: 8 },
      value: { type: 'JSON', size: 11 },
    });
    const read = await call('GET', `/v3/clusters/local/topics/${name}/partitions/1/records?offset=0`);
    expect(read.body).toEqual({
      records: [
        {
          partition_id: 1,
          offset: 0,
          timestamp: '2026-01-02T03:04:05.000Z',
          key: b64('order-42'),
          value: b64('{"total":9}'),
          headers: [{ name: 'h', value: b64('hi') }],
        },
      ],
      next_offset: 1,
      log_start_offset: 0,
      log_end_offset: 1,
    });
  });

  it('places keyed records with Kafka murmur2 and keeps keyless records of one request together', async () => {
    const name = await createTopic(8);
    const keyed = await call('POST', `/v3/clusters/local/topics/${name}/records`, {
      key: { type: 'STRING', data: 'foobar' },
    });
    // toPositive(murmur2("foobar")) % 8, from Kafka's own test vector -790332482.
    expect(keyed.body.partition_id).toBe((-790332482 & 0x7fffffff) % 8);
    const stream = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ value: { type: 'STRING', data: `v${i}` } }),
    ).join('\n');
    const streamed = await call('POST', `/v3/clusters/local/topics/${name}/records`, stream);
    const reports = streamed.text.split('\n').map((line) => JSON.parse(line));
    expect(reports).toHaveLength(5);
    expect(new Set(reports.map((r) => r.partition_id)).size).toBe(1);
    expect(reports.map((r) => r.offset)).toEqual(reports.map((_, i) => reports[0].offset + i));
  });

  it('answers records:batch with 207 and one success per entry, in order', async () => {
    const name = await createTopic(2);
    const response = await call('POST', `/v3/clusters/local/topics/${name}/records:batch`, {
      entries: [
        { id: '1', partition_id: 0, value: { type: 'STRING', data: 'a' } },
        { id: '2', partition_id: 1, value: { type: 'BINARY', data: b64('b') } },
        { id: '3', partition_id: 0, value: { type: 'STRING', data: 'c' } },
      ],
    });
    expect(response.status).toBe(207);
    expect(response.body.failures).toEqual([]);
    expect(
      response.body.successes.map((s: { id: string; partition_id: number; offset: number }) => [
        s.id,
        s.partition_id,
        s.offset,
      ]),
    ).toEqual([
      ['1', 0, 0],
      ['2', 1, 0],
      ['3', 0, 1],
    ]);
  });

  it('accepts v2 JSON and binary bodies', async () => {
    const name = await createTopic(1);
    const asJson = await call(
      'POST',
      `/topics/${name}`,
      { records: [{ key: 'k', value: { n: 1 } }, { value: [1, 2] }] },
      {
        'content-type': 'application/vnd.kafka.json.v2+json',
      },
    );
    expect(asJson.body).toEqual({
      key_schema_id: null,
      value_schema_id: null,
      offsets: [
        { partition: 0, offset: 0, error_code: null, error: null },
        { partition: 0, offset: 1, error_code: null, error: null },
      ],
    });
    const asBinary = await call(
      'POST',
      `/topics/${name}`,
      { records: [{ key: b64('bk'), value: b64('bv'), partition: 0 }] },
      {
        'content-type': 'application/vnd.kafka.binary.v2+json',
      },
    );
    expect(asBinary.body.offsets[0].offset).toBe(2);
    const read = await call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?offset=0`);
    expect(
      read.body.records.map((r: { key: string | null; value: string }) => [text(r.key), text(r.value)]),
    ).toEqual([
      ['"k"', '{"n":1}'],
      [null, '[1,2]'],
      ['bk', 'bv'],
    ]);
  });

  it('returns the original offsets to an idempotent retry over HTTP', async () => {
    const name = await createTopic(1);
    const headers = { 'sluice-producer-id': uniqueName('producer'), 'sluice-producer-seq': '0' };
    const body = { value: { type: 'STRING', data: 'once' } };
    const first = await call('POST', `/v3/clusters/local/topics/${name}/records`, body, headers);
    // No timestamp in the body: the server stamps each attempt anew, and it is still the same batch.
    const retry = await call('POST', `/v3/clusters/local/topics/${name}/records`, body, headers);
    expect(retry.body.offset).toBe(first.body.offset);
    const forged = await call(
      'POST',
      `/v3/clusters/local/topics/${name}/records`,
      { value: { type: 'STRING', data: 'other' } },
      headers,
    );
    expect(forged.status).toBe(409);
    expect(forged.body.error_code).toBe(40904);
    const skipped = await call('POST', `/v3/clusters/local/topics/${name}/records`, body, {
      ...headers,
      'sluice-producer-seq': '5',
    });
    expect(skipped.status).toBe(409);
    expect(skipped.body.error_code).toBe(40902);
    const read = await call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?offset=0`);
    expect(read.body.log_end_offset).toBe(1);
  });

  it('pages a fetch by max_records and answers offsets outside the log per auto_offset_reset', async () => {
    const name = await createTopic(1);
    for (let i = 0; i < 4; i++) {
      await call('POST', `/v3/clusters/local/topics/${name}/records`, {
        value: { type: 'STRING', data: `r${i}` },
      });
    }
    const page = await call(
      'GET',
      `/v3/clusters/local/topics/${name}/partitions/0/records?offset=1&max_records=2`,
    );
    expect(page.body.records.map((r: { offset: number }) => r.offset)).toEqual([1, 2]);
    expect(page.body.next_offset).toBe(3);
    const atEnd = await call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?offset=4`);
    expect(atEnd.body).toMatchObject({ records: [], next_offset: 4 });
    const beyond = await call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?offset=9`);
    expect(beyond.status).toBe(416);
    expect(beyond.body).toMatchObject({ error_code: 41601, log_start_offset: 0, log_end_offset: 4 });
    const reset = await call(
      'GET',
      `/v3/clusters/local/topics/${name}/partitions/0/records?offset=9&auto_offset_reset=earliest`,
    );
    expect(reset.body.records).toHaveLength(4);
    const big = await call(
      'GET',
      `/v3/clusters/local/topics/${name}/partitions/0/records?offset=${'9'.repeat(20)}`,
    );
    expect(big.status).toBe(400);
  });

  it('starts a fetch at the first record at or after a timestamp', async () => {
    const name = await createTopic(1);
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 4; i++) {
      await call('POST', `/v3/clusters/local/topics/${name}/records`, {
        value: { type: 'STRING', data: `r${i}` },
        timestamp: new Date(base + i * 1_000).toISOString(),
      });
    }
    const records = (query: string) =>
      call('GET', `/v3/clusters/local/topics/${name}/partitions/0/records?${query}`);
    const fromMiddle = await records(`timestamp=${base + 1_500}&max_records=1`);
    expect(fromMiddle.body.records.map((r: { offset: number }) => r.offset)).toEqual([2]);
    expect(fromMiddle.body.next_offset).toBe(3);
    expect((await records(`timestamp=${base + 1_000}`)).body.records[0].offset).toBe(1);
    expect((await records('timestamp=0')).body.records).toHaveLength(4);
    // After the last record: the end, nothing to read yet.
    expect((await records(`timestamp=${base + 60_000}`)).body).toMatchObject({ records: [], next_offset: 4 });
    const both = await records(`timestamp=${base}&offset=1`);
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/offset or timestamp/);
    expect((await records('timestamp=yesterday')).status).toBe(400);
    const missing = await call('GET', `/v3/clusters/local/topics/${name}/partitions/3/records?timestamp=0`);
    expect(missing.body.error_code).toBe(40402);
  });
});

describe('the Lambda HTTP handler', () => {
  function event(
    method: string,
    rawPath: string,
    body?: string,
    isBase64Encoded = false,
    caller: { userArn?: string; headers?: Record<string, string> } = {},
  ): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: '',
      headers: { 'Content-Type': 'application/json', ...caller.headers },
      isBase64Encoded,
      body,
      requestContext: {
        http: { method, path: rawPath },
        ...(caller.userArn === undefined ? {} : { authorizer: { iam: { userArn: caller.userArn } } }),
      } as APIGatewayProxyEventV2['requestContext'],
    };
  }

  it('keeps the producer state of one producer id apart per IAM principal', async () => {
    const topic = await createTopic(1, 'lambda-producer');
    const send = (userArn: string, data: string) =>
      handler(
        event(
          'POST',
          `/v3/clusters/local/topics/${topic}/records`,
          JSON.stringify({ value: { type: 'STRING', data } }),
          false,
          { userArn, headers: { 'Sluice-Producer-Id': 'shared-id', 'Sluice-Producer-Seq': '0' } },
        ),
      );
    const mine = await send('arn:aws:iam::123456789012:role/alice', 'mine');
    const theirs = await send('arn:aws:iam::123456789012:role/bob', 'theirs');
    expect([mine.statusCode, theirs.statusCode]).toEqual([200, 200]);
    const offsets = [mine, theirs].map((answer) => JSON.parse(answer.body as string).offset);
    expect(offsets).toEqual([0, 1]);
    // Alice's retry is still recognised as hers.
    const retry = await send('arn:aws:iam::123456789012:role/alice', 'mine');
    expect(JSON.parse(retry.body as string).offset).toBe(0);
  });

  it('binds a consumer-group member to the IAM principal that joined, whatever its role session', async () => {
    const topic = await createTopic(1, 'lambda-bind');
    const group = uniqueName('lambda-bind');
    const members = `/v3/clusters/local/consumer-groups/${group}/members`;
    const role = (name: string, session: string) =>
      `arn:aws:sts::123456789012:assumed-role/${name}/${session}`;
    const joined = await handler(
      event('POST', members, JSON.stringify({ topics: [topic] }), false, { userArn: role('billing', 's1') }),
    );
    expect(joined.statusCode).toBe(200);
    const { member_id, member_token } = JSON.parse(joined.body as string);
    const beat = (userArn: string) =>
      handler(
        event('POST', `${members}/${member_id}/heartbeat`, '{}', false, {
          userArn,
          headers: { 'Sluice-Member-Token': member_token },
        }),
      );
    expect((await beat(role('intruder', 's1'))).statusCode).toBe(404);
    expect((await beat('arn:aws:iam::123456789012:user/billing')).statusCode).toBe(404);
    expect((await beat(role('billing', 'refreshed-session'))).statusCode).toBe(200);
  });

  it('serves the same API from an API Gateway v2 event, including base64 bodies', async () => {
    const name = uniqueName('lambda');
    const created = await handler(
      event('POST', '/v3/clusters/local/topics', JSON.stringify({ topic_name: name })),
    );
    expect(created.statusCode).toBe(201);
    const body = Buffer.from(JSON.stringify({ value: { type: 'STRING', data: 'via lambda' } })).toString(
      'base64',
    );
    const produced = await handler(event('POST', `/v3/clusters/local/topics/${name}/records`, body, true));
    expect(JSON.parse(produced.body as string)).toMatchObject({ offset: 0, partition_id: 0 });
    const missing = await handler(event('GET', '/v3/clusters/local/topics/none-such'));
    expect(missing.statusCode).toBe(404);
  });
});
