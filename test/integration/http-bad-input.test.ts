import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { MAX_FETCH_BYTES, MAX_FETCH_RECORDS } from '../../shared/http/routes/consume';
import { MAX_RECORDS_PER_APPEND } from '../../shared/log';
import { AwsRequestCounter } from '../../shared/storage/aws';
import { httpClient, uniqueName } from './support/core';

const counter = new AwsRequestCounter();
const cluster = createCluster({ ...configFromEnv(), maxRequestBytes: 64 * 1024 }, { counter });
const call = httpClient(createHttpApi(cluster));
const topic = uniqueName('bad-input');
const records = `/v3/clusters/local/topics/${topic}/records`;

/** A v2 consumer group whose instance `reader` (format json, not subscribed) exists before the cases. */
const v2Group = uniqueName('bad-input-v2');
const consumers = `/consumers/${v2Group}`;
const reader = `${consumers}/instances/reader`;

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
  expect((await call('POST', consumers, { name: 'reader', format: 'json' })).status).toBe(200);
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

const cases: Case[] = [
  ['malformed JSON', 'POST', records, '{"value": ', {}, 400, 40003],
  ['an empty body', 'POST', records, '', {}, 400, 40003],
  ['text that is not JSON at all', 'POST', records, 'hello', {}, 400, 40003],
  ['an empty records:batch', 'POST', `${records}:batch`, { entries: [] }, {}, 422, 42208],
  [
    'a v2-shaped body on records:batch',
    'POST',
    `${records}:batch`,
    { records: [{ key: 'a', value: { x: 1 } }] },
    {},
    400,
    40003,
  ],
  [
    'duplicate records:batch ids',
    'POST',
    `${records}:batch`,
    { entries: [{ id: 'a' }, { id: 'a' }] },
    {},
    422,
    42208,
  ],
  [
    'a numeric records:batch id',
    'POST',
    `${records}:batch`,
    { entries: [{ id: 1, value: { data: 1 } }] },
    {},
    422,
    42202,
  ],
  [
    'a records:batch entry that is not an object',
    'POST',
    `${records}:batch`,
    { entries: [{ id: 'a' }, 5] },
    {},
    400,
    40003,
  ],
  ['an empty v2 batch', 'POST', `/topics/${topic}`, { records: [] }, {}, 400, 40003],
  [
    'a v2 body that names a schema (no registry)',
    'POST',
    `/topics/${topic}`,
    { value_schema: '{"type":"int"}', records: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
    400,
    40003,
  ],
  [
    'a v2 body with a misspelt field',
    'POST',
    `/topics/${topic}`,
    { record: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
    400,
    40003,
  ],
  [
    'a v2 produce to a partition the topic does not have',
    'POST',
    `/topics/${topic}/partitions/3`,
    { records: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
    404,
    40402,
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
    'a v2 content type on a v3 route',
    'POST',
    '/v3/clusters/local/topics',
    { topic_name: uniqueName('v2-type'), partitions_count: 1 },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
    415,
    41501,
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
    'an unsupported v2 content type (Protobuf)',
    'POST',
    `/topics/${topic}/partitions/0`,
    { records: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.protobuf.v2+json' },
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
    404,
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
  // A path that exists, with a method it does not take: 405 as Confluent's, not "no route".
  [
    'a topic create sent with PUT',
    'PUT',
    '/v3/clusters/local/topics',
    { topic_name: `${topic}-put`, partitions_count: 1 },
    {},
    405,
    405,
  ],
  ['a DELETE of the records path', 'DELETE', records, undefined, {}, 405, 405],
  [
    'a v2 produce sent with PUT',
    'PUT',
    `/topics/${topic}`,
    { records: [{ value: 1 }] },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
    405,
    405,
  ],
  ['a DELETE of the v2 partitions list', 'DELETE', `/topics/${topic}/partitions`, undefined, {}, 405, 405],
  // v2 consumer instances: refused before anything is written, the instance unchanged
  ['a v2 consumer of a schema format', 'POST', consumers, { format: 'avro' }, {}, 422, 42200],
  ['a v2 consumer of an unknown format', 'POST', consumers, { format: 'xml' }, {}, 422, 42200],
  [
    'a v2 consumer with a bad auto.offset.reset',
    'POST',
    consumers,
    { 'auto.offset.reset': 'smallest' },
    {},
    422,
    42204,
  ],
  [
    'a v2 consumer with a bad auto.commit.enable',
    'POST',
    consumers,
    { 'auto.commit.enable': 'yes' },
    {},
    422,
    42204,
  ],
  [
    'a v2 consumer with a bad fetch.min.bytes',
    'POST',
    consumers,
    { 'fetch.min.bytes': 'lots' },
    {},
    422,
    42204,
  ],
  ['a v2 consumer body that is a list', 'POST', consumers, [1], {}, 400, 40003],
  ['a v2 consumer name in use', 'POST', consumers, { name: 'reader', format: 'binary' }, {}, 409, 40905],
  ['a v2 consumer name that is not an id', 'POST', consumers, { name: 'a b' }, {}, 400, 40003],
  [
    'a v2 subscription naming topics and a pattern',
    'POST',
    `${reader}/subscription`,
    { topics: [topic], topic_pattern: 'x.*' },
    {},
    400,
    40003,
  ],
  ['a v2 subscription to no topic', 'POST', `${reader}/subscription`, { topics: [] }, {}, 400, 40003],
  [
    'a v2 subscription to an unknown topic',
    'POST',
    `${reader}/subscription`,
    { topics: [`${topic}-missing`] },
    {},
    404,
    40401,
  ],
  [
    'a v2 subscription of an unknown instance',
    'POST',
    `${consumers}/instances/nobody/subscription`,
    { topics: [topic] },
    {},
    404,
    40403,
  ],
  [
    'a v2 assignment of a bad partition',
    'POST',
    `${reader}/assignments`,
    { partitions: [{ topic, partition: 'x' }] },
    {},
    400,
    40003,
  ],
  [
    'a v2 assignment of a missing partition',
    'POST',
    `${reader}/assignments`,
    { partitions: [{ topic, partition: 9 }] },
    {},
    404,
    40402,
  ],
  ['a v2 seek without offsets', 'POST', `${reader}/positions`, { offsets: 3 }, {}, 400, 40003],
  [
    'a v2 seek of a partition not read',
    'POST',
    `${reader}/positions`,
    { offsets: [{ topic, partition: 0, offset: 1 }] },
    {},
    409,
    40906,
  ],
  [
    'a v2 seek to the end of a partition not read',
    'POST',
    `${reader}/positions/end`,
    { partitions: [{ topic, partition: 1 }] },
    {},
    409,
    40906,
  ],
  [
    'a v2 commit of a negative offset',
    'POST',
    `${reader}/offsets`,
    { offsets: [{ topic, partition: 0, offset: -1 }] },
    {},
    400,
    40003,
  ],
  [
    'a v2 commit of a partition not held',
    'POST',
    `${reader}/offsets`,
    { offsets: [{ topic, partition: 0, offset: 1 }] },
    {},
    409,
    40901,
  ],
  ['a v2 committed-offsets read without a body', 'GET', `${reader}/offsets`, undefined, {}, 400, 40003],
  [
    'a v2 read in another format',
    'GET',
    `${reader}/records`,
    undefined,
    { accept: 'application/vnd.kafka.binary.v2+json' },
    406,
    40601,
  ],
  [
    'a v2 read with a bad max_bytes',
    'GET',
    `${reader}/records?max_bytes=many`,
    undefined,
    { accept: 'application/vnd.kafka.json.v2+json' },
    400,
    40003,
  ],
  [
    'a v2 read with a negative timeout',
    'GET',
    `${reader}/records?timeout=-5`,
    undefined,
    { accept: 'application/vnd.kafka.json.v2+json' },
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

/**
 * Records refused on their own: the produce answers 200 with the record's own result
 * `{"error_code": 400, "message"}` (Confluent's failure model) and writes nothing for it.
 */
const recordCases: [name: string, record: unknown][] = [
  ['a wrongly typed partition_id', { partition_id: 'one', value: { data: 1 } }],
  ['headers that are not a list', { headers: 'h=1', value: { data: 1 } }],
  ['bad base64 in a BINARY value', { value: { type: 'BINARY', data: 'not base64!' } }],
  ['bad base64 in a header value', { headers: [{ name: 'h', value: '%%%' }], value: { data: 1 } }],
  ['an unknown data type', { value: { type: 'AVRO', data: 'x' } }],
  ['a schema id (no registry)', { value: { schema_id: 1, data: 'x' } }],
  ['STRING data that is not a string', { value: { type: 'STRING', data: 5 } }],
  ['a partition out of range', { partition_id: 3, value: { data: 1 } }],
  ['a negative partition', { partition_id: -1, value: { data: 1 } }],
  ['a bad timestamp', { timestamp: 'yesterday', value: { data: 1 } }],
  ['a timestamp before 1970', { value: { data: 1 }, timestamp: '1969-12-31T23:59:59Z' }],
  ['a day the month does not have', { value: { data: 1 }, timestamp: '2024-02-30T00:00:00Z' }],
  ['a timestamp without a zone', { value: { data: 1 }, timestamp: '2024-01-01T00:00:00' }],
  ['a v2-shaped body on the v3 endpoint', { records: [{ key: 'a', value: { x: 1 } }] }],
  ['a misspelt field (partition)', { partition: 1, value: { data: 1 } }],
  ['a misspelt field in a value', { value: { type: 'JSON', dta: 1 } }],
  ['a record over max.message.bytes', { value: { type: 'STRING', data: 'x'.repeat(1001) } }],
  ['a record that is a list', [1]],
];

/**
 * v2 records refused on their own: the v2 produce answers 200 with the record's own result
 * `{"partition": null, "offset": null, "error_code": 400, "error"}` and writes nothing for it.
 */
const v2RecordCases: [name: string, path: string, contentType: string, record: unknown][] = [
  ['a binary value that is not base64', `/topics/${topic}`, 'binary', { value: '***' }],
  ['a binary key that is not a string', `/topics/${topic}`, 'binary', { key: 5, value: 'aGk=' }],
  ['a partition out of range', `/topics/${topic}`, 'json', { value: 1, partition: 3 }],
  ['a misspelt field', `/topics/${topic}`, 'json', { value: 1, partiton: 0 }],
  ['a record over max.message.bytes', `/topics/${topic}`, 'json', { value: 'x'.repeat(1001) }],
  ['a record that is a list', `/topics/${topic}`, 'json', [1]],
  [
    'a partition in a record sent to a partition',
    `/topics/${topic}/partitions/0`,
    'json',
    { value: 1, partition: 0 },
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

  it.each(recordCases)(
    'answers %s with 200 and error_code 400 in its own result, and writes nothing',
    async (_name, record) => {
      const before = counter.snapshot();
      const offsets = await endOffsets();
      const response = await call('POST', records, record);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ error_code: 400, message: expect.any(String) });
      expect(response.body.message.length).toBeGreaterThan(20);
      expect(writesSince(before)).toEqual({});
      expect(await endOffsets()).toEqual(offsets);
    },
  );

  it('answers a request of an expired v2 consumer instance 404 / 40403, and writes nothing', async () => {
    const expiring = createCluster({ ...configFromEnv(), consumerInstanceTimeoutMs: 1 }, { counter });
    const callExpiring = httpClient(createHttpApi(expiring));
    const created = await callExpiring('POST', consumers, { name: 'brief', format: 'json' });
    expect(created.status).toBe(200);
    // Silence longer than the instance's timeout (1 ms).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = counter.snapshot();
    const response = await callExpiring('POST', `${consumers}/instances/brief/subscription`, {
      topics: [topic],
    });
    expect(response.status).toBe(404);
    expect(response.body.error_code).toBe(40403);
    expect(writesSince(before)).toEqual({});
    // The name is free again: creating it replaces the expired instance.
    expect((await callExpiring('POST', consumers, { name: 'brief', format: 'json' })).status).toBe(200);
    expiring.close();
  });

  it.each(v2RecordCases)(
    'answers a v2 produce of %s with 200 and error_code 400 in its own result, and writes nothing',
    async (_name, path, format, record) => {
      const before = counter.snapshot();
      const offsets = await endOffsets();
      const response = await call(
        'POST',
        path,
        { records: [record] },
        {
          'content-type': `application/vnd.kafka.${format}.v2+json`,
        },
      );
      expect(response.status).toBe(200);
      expect(response.body.offsets).toEqual([
        { partition: null, offset: null, error_code: 400, error: expect.any(String) },
      ]);
      expect(response.body.offsets[0].error.length).toBeGreaterThan(20);
      expect(writesSince(before)).toEqual({});
      expect(await endOffsets()).toEqual(offsets);
    },
  );

  it('points a v2-shaped body at the v2 endpoint', async () => {
    const response = await call('POST', records, { records: [{ key: 'a', value: { x: 1 } }] });
    expect(response.body.message).toContain('`records` is the v2 shape: POST /topics/{topic}');
  });

  it('reports a bad records:batch entry as its failure and appends the good ones', async () => {
    const offsets = await endOffsets();
    const response = await call('POST', `${records}:batch`, {
      entries: [
        { id: 'good', partition_id: 2, value: { data: 1 } },
        { id: 'bad', partition_id: 7, value: { data: 2 } },
      ],
    });
    expect(response.status).toBe(207);
    expect(response.body.successes).toEqual([
      expect.objectContaining({ id: 'good', error_code: 200, partition_id: 2, offset: offsets[2] }),
    ]);
    expect(response.body.failures).toEqual([
      { id: 'bad', error_code: 400, message: expect.stringContaining('partition 7') },
    ]);
    expect(await endOffsets()).toEqual([offsets[0], offsets[1], offsets[2] + 1]);
  });

  it('reports a bad record of a stream in its own result and appends the others', async () => {
    const offsets = await endOffsets();
    const response = await call(
      'POST',
      records,
      '{"partition_id":1,"value":{"data":1}} {"partition_id":1,"value":{"type":"BINARY","data":"@@"}} {"partition_id":1,"value":{"data":3}}',
    );
    expect(response.status).toBe(200);
    const reports = response.text.split('\n').map((line: string) => JSON.parse(line));
    expect(reports).toEqual([
      expect.objectContaining({ error_code: 200, partition_id: 1, offset: offsets[1] }),
      { error_code: 400, message: expect.stringContaining('Record 1 value is not valid base64') },
      expect.objectContaining({ error_code: 200, partition_id: 1, offset: offsets[1] + 1 }),
    ]);
    expect(await endOffsets()).toEqual([offsets[0], offsets[1] + 2, offsets[2]]);
    const fetched = await call(
      'GET',
      `/v3/clusters/local/topics/${topic}/partitions/1/records?offset=${offsets[1]}`,
    );
    expect(
      fetched.body.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString()),
    ).toEqual(['1', '3']);
  });

  it('refuses a whole stream of more records than one request may hold, writing nothing', async () => {
    const before = counter.snapshot();
    const stream = `${'{}'.repeat(MAX_RECORDS_PER_APPEND)}{"partition_id":-1}`;
    const response = await call('POST', records, stream);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error_code: 40003, message: expect.stringContaining('over the limit') });
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

  it('refuses a fetch from a timestamp with a bad parameter before looking anything up, and writes nothing', async () => {
    // Enough slots that a lookup through the log would leave a readable-end hint behind.
    for (let i = 0; i < 9; i++) {
      expect(
        (await call('POST', records, { partition_id: 2, value: { type: 'JSON', data: i } })).status,
      ).toBe(200);
    }
    const before = counter.snapshot();
    for (const query of ['timestamp=19&max_records=earliest', 'timestamp=0&max_bytes=0']) {
      const answer = await call('GET', `/v3/clusters/local/topics/${topic}/partitions/2/records?${query}`);
      expect({ query, status: answer.status, code: answer.body.error_code }).toEqual({
        query,
        status: 400,
        code: 40003,
      });
    }
    expect(writesSince(before)).toEqual({});
  });
});
