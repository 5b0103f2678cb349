import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { MAX_FETCH_BYTES, MAX_FETCH_RECORDS } from '../../shared/http/routes/consume';
import { AwsRequestCounter } from '../../shared/storage/aws';
import { httpClient, uniqueName } from './support/core';

const counter = new AwsRequestCounter();
const cluster = createCluster({ ...configFromEnv(), maxRequestBytes: 64 * 1024 }, { counter });
const call = httpClient(createHttpApi(cluster));
const topic = uniqueName('bad-input');
const records = `/v3/clusters/local/topics/${topic}/records`;

const WRITES = [
  'S3.PutObject',
  'DynamoDB.PutItem',
  'DynamoDB.TransactWriteItems',
  'DynamoDB.UpdateItem',
  'DynamoDB.DeleteItem',
];

function writesSince(snapshot: Record<string, number>): Record<string, number> {
  const now = counter.snapshot();
  return Object.fromEntries(
    WRITES.map((name) => [name, (now[name] ?? 0) - (snapshot[name] ?? 0)]).filter(([, n]) => n !== 0),
  );
}

async function endOffsets(): Promise<number[]> {
  const response = await call('GET', `/v3/clusters/local/topics/${topic}/partitions`);
  return response.body.data.map((p: { log_end_offset: number }) => p.log_end_offset);
}

beforeAll(async () => {
  const created = await call('POST', '/v3/clusters/local/topics', {
    topic_name: topic,
    partitions_count: 3,
    configs: [{ name: 'max.message.bytes', value: '1000' }],
  });
  expect(created.status).toBe(201);
  await call('POST', records, { partition_id: 0, value: { type: 'STRING', data: 'first' } });
});

type Case = [
  name: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  status: number,
  code: number,
];

const big = 'x'.repeat(1001);
const cases: Case[] = [
  ['malformed JSON', 'POST', records, '{"value": ', {}, 400, 40003],
  ['an empty body', 'POST', records, '', {}, 400, 40003],
  ['text that is not JSON at all', 'POST', records, 'hello', {}, 400, 40003],
  [
    'a wrongly typed partition_id',
    'POST',
    records,
    { partition_id: 'one', value: { data: 1 } },
    {},
    400,
    40003,
  ],
  ['headers that are not a list', 'POST', records, { headers: 'h=1', value: { data: 1 } }, {}, 400, 40003],
  [
    'bad base64 in a BINARY value',
    'POST',
    records,
    { value: { type: 'BINARY', data: 'not base64!' } },
    {},
    422,
    42201,
  ],
  [
    'bad base64 in a header value',
    'POST',
    records,
    { headers: [{ name: 'h', value: '%%%' }], value: { data: 1 } },
    {},
    422,
    42201,
  ],
  ['an unknown data type', 'POST', records, { value: { type: 'AVRO', data: 'x' } }, {}, 400, 40003],
  ['a schema id (no registry)', 'POST', records, { value: { schema_id: 1, data: 'x' } }, {}, 400, 40003],
  [
    'STRING data that is not a string',
    'POST',
    records,
    { value: { type: 'STRING', data: 5 } },
    {},
    400,
    40003,
  ],
  ['a partition out of range', 'POST', records, { partition_id: 3, value: { data: 1 } }, {}, 400, 40003],
  ['a negative partition', 'POST', records, { partition_id: -1, value: { data: 1 } }, {}, 400, 40003],
  ['a bad timestamp', 'POST', records, { timestamp: 'yesterday', value: { data: 1 } }, {}, 400, 40003],
  ['an empty records:batch', 'POST', `${records}:batch`, { entries: [] }, {}, 400, 40003],
  [
    'a v2-shaped body on the v3 endpoint',
    'POST',
    records,
    { records: [{ key: 'a', value: { x: 1 } }] },
    {},
    400,
    40003,
  ],
  [
    'a v2-shaped body on records:batch',
    'POST',
    `${records}:batch`,
    { records: [{ key: 'a', value: { x: 1 } }] },
    {},
    400,
    40003,
  ],
  ['a misspelt field (partition)', 'POST', records, { partition: 1, value: { data: 1 } }, {}, 400, 40003],
  ['a misspelt field in a value', 'POST', records, { value: { type: 'JSON', dta: 1 } }, {}, 400, 40003],
  [
    'duplicate records:batch ids',
    'POST',
    `${records}:batch`,
    { entries: [{ id: 'a' }, { id: 'a' }] },
    {},
    400,
    40003,
  ],
  ['an empty v2 batch', 'POST', `/topics/${topic}`, { records: [] }, {}, 400, 40003],
  [
    'a v2 binary value that is not base64',
    'POST',
    `/topics/${topic}`,
    { records: [{ value: '***' }] },
    { 'content-type': 'application/vnd.kafka.binary.v2+json' },
    422,
    42201,
  ],
  [
    'a record over max.message.bytes',
    'POST',
    records,
    { value: { type: 'STRING', data: big } },
    {},
    413,
    41301,
  ],
  [
    'a request over the deployment limit',
    'POST',
    records,
    { value: { type: 'STRING', data: 'y'.repeat(70 * 1024) } },
    {},
    413,
    41302,
  ],
  [
    'an unsupported v3 content type',
    'POST',
    records,
    { value: { data: 1 } },
    { 'content-type': 'text/plain' },
    415,
    41501,
  ],
  [
    'an unsupported v2 content type (Avro)',
    'POST',
    `/topics/${topic}`,
    { records: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.avro.v2+json' },
    415,
    41501,
  ],
  [
    'an unknown topic',
    'POST',
    `/v3/clusters/local/topics/${topic}-missing/records`,
    { value: { data: 1 } },
    {},
    404,
    40401,
  ],
  ['an unknown topic (v2)', 'POST', `/topics/${topic}-missing`, { records: [{ value: 1 }] }, {}, 404, 40401],
  [
    'an unknown cluster',
    'POST',
    `/v3/clusters/elsewhere/topics/${topic}/records`,
    { value: { data: 1 } },
    {},
    404,
    40403,
  ],
  [
    'a Sluice-Producer-Id without a sequence',
    'POST',
    records,
    { value: { data: 1 } },
    { 'sluice-producer-id': 'p1' },
    400,
    40003,
  ],
  [
    'a malformed Sluice-Producer-Seq',
    'POST',
    records,
    { value: { data: 1 } },
    { 'sluice-producer-id': 'p1', 'sluice-producer-seq': 'first' },
    400,
    40003,
  ],
  ['an unknown route', 'GET', '/v3/nowhere', undefined, {}, 404, 40400],
  [
    'a timestamp before 1970',
    'POST',
    records,
    { value: { data: 1 }, timestamp: '1969-12-31T23:59:59Z' },
    {},
    400,
    40003,
  ],
  [
    'a produce to an empty topic name',
    'POST',
    '/v3/clusters/local/topics//records',
    { value: { data: 1 } },
    {},
    404,
    40401,
  ],
];

describe('bad input to produce', () => {
  it.each(cases)(
    'answers %s with a clear error and writes nothing',
    async (_name, method, path, body, headers, status, code) => {
      const before = counter.snapshot();
      const offsets = await endOffsets();
      const response = await call(method, path, body, headers);
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error_code: code, message: expect.any(String) });
      expect(response.body.message.length).toBeGreaterThan(20);
      expect(writesSince(before)).toEqual({});
      expect(await endOffsets()).toEqual(offsets);
    },
  );

  it('points a v2-shaped body at the v2 endpoint', async () => {
    const response = await call('POST', records, { records: [{ key: 'a', value: { x: 1 } }] });
    expect(response.body.message).toContain('`records` is the v2 shape: POST /topics/{topic}');
  });

  it('rejects a whole batch when one record in it is invalid', async () => {
    const before = counter.snapshot();
    const response = await call('POST', `${records}:batch`, {
      entries: [
        { id: 'good', value: { data: 1 } },
        { id: 'bad', partition_id: 7, value: { data: 2 } },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('partition 7');
    expect(writesSince(before)).toEqual({});
  });

  it('rejects a whole streaming request when a later document is invalid', async () => {
    const before = counter.snapshot();
    const response = await call(
      'POST',
      records,
      '{"value":{"data":1}} {"value":{"type":"BINARY","data":"@@"}}',
    );
    expect(response.status).toBe(422);
    expect(writesSince(before)).toEqual({});
  });

  it('keeps serving after every bad request', async () => {
    const response = await call('POST', records, {
      partition_id: 0,
      value: { type: 'STRING', data: 'still here' },
    });
    expect(response.status).toBe(200);
    expect(response.body.offset).toBe(1);
  });
});

describe('bad input to topic administration', () => {
  const create = (body: unknown) => call('POST', '/v3/clusters/local/topics', body);

  it.each([
    ['an empty name', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['a 250-character name', 'a'.repeat(250)],
    ['a name with a space', 'bad name'],
    ['a name with a slash', 'a/b'],
  ])('refuses %s as a topic name', async (_name, name) => {
    const response = await create({ topic_name: name });
    expect(response.status).toBe(400);
    expect(response.body.error_code).toBe(40003);
  });

  it('refuses zero partitions, unknown configs and log compaction', async () => {
    for (const body of [
      { topic_name: uniqueName('p'), partitions_count: 0 },
      { topic_name: uniqueName('p'), configs: [{ name: 'segment.bytes', value: '1' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'flush.messages', value: '1' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'retention.bytes', value: '1000000' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'compression.type', value: 'gzip' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'min.insync.replicas', value: '4' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic_name: uniqueName('p'), configs: [{ name: 'retention.ms', value: 'soon' }] },
    ]) {
      const response = await create(body);
      expect(response.status).toBe(400);
      expect(response.body.error_code).toBe(40003);
    }
  });

  it('refuses an existing name, and a name that differs only by "." and "_"', async () => {
    const name = uniqueName('dup.name');
    expect((await create({ topic_name: name })).status).toBe(201);
    // 400, as Confluent answers (its document's "create_topic_already_exists" example).
    const again = await create({ topic_name: name });
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe(40002);
    const collision = await create({ topic_name: name.replace('.', '_') });
    expect(collision.status).toBe(400);
    expect(collision.body.error_code).toBe(40002);
    expect(collision.body.message).toContain(name);
  });

  it('answers 404 for unknown topics and partitions when reading', async () => {
    expect((await call('GET', `/v3/clusters/local/topics/${topic}-nope`)).body.error_code).toBe(40401);
    expect((await call('DELETE', `/v3/clusters/local/topics/${topic}-nope`)).status).toBe(404);
    // A name Kafka could never have created is simply not there (storage refuses an empty key).
    for (const name of ['', 'a%20b', 'caf%C3%A9']) {
      const answer = await call('GET', `/v3/clusters/local/topics/${name}/partitions`);
      expect({ name, code: answer.body.error_code }).toEqual({ name, code: 40401 });
    }
    expect((await call('GET', `/v3/clusters/local/topics/${topic}/partitions/9/records`)).status).toBe(404);
    const bad = await call('GET', `/v3/clusters/local/topics/${topic}/partitions/0/records?offset=-5`);
    expect(bad.status).toBe(400);
  });

  it('refuses a fetch that asks for more records or bytes than one answer may carry', async () => {
    const fetch = (query: string) =>
      call('GET', `/v3/clusters/local/topics/${topic}/partitions/0/records?${query}`);
    for (const query of [`max_records=${MAX_FETCH_RECORDS + 1}`, `max_bytes=${MAX_FETCH_BYTES + 1}`]) {
      const answer = await fetch(query);
      expect({ query, status: answer.status, code: answer.body.error_code }).toEqual({
        query,
        status: 400,
        code: 40003,
      });
    }
    expect((await fetch(`max_records=${MAX_FETCH_RECORDS}&max_bytes=${MAX_FETCH_BYTES}`)).status).toBe(200);
  });
});
