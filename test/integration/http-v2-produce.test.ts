/**
 * Confluent REST Proxy v2 produce through the real server, to a topic and to one partition:
 * Confluent's per-record failure model (a bad record answers in its own `offsets` entry, the
 * others are appended), the formats Sluice has no registry for refused, and every answer as
 * `application/vnd.kafka.v2+json` (the server checks each exchange against docs/openapi.yaml).
 */
import { startTestServer, type TestServer } from '../support/client-server';
import { callOverWire, createTopicOverWire, V2_MEDIA_TYPE as V2 } from '../support/wire';
import { uniqueName } from './support/core';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
let server: TestServer;
let topics: string;

beforeAll(async () => {
  server = await startTestServer();
  topics = `/v3/clusters/${server.cluster.config.clusterId}/topics`;
});
afterAll(() => server.close());

/** One request over the wire; `contentType` overrides the route's own body type. */
function call(method: string, path: string, body?: unknown, contentType?: string) {
  return callOverWire(server, method, path, body, contentType ? { 'content-type': contentType } : {});
}

/** A topic made through the v3 API over the wire. */
const newTopic = (partitions: number) =>
  createTopicOverWire(server, 'v2produce', partitions, [{ name: 'max.message.bytes', value: '100' }]);

/** Every record of a partition, as [offset, key text, value text]. */
async function readBack(topic: string, partition: number): Promise<[number, string | null, string | null][]> {
  const response = await call('GET', `${topics}/${topic}/partitions/${partition}/records?offset=0`);
  expect(response.status).toBe(200);
  const text = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64').toString());
  return response.body.records.map((r: { offset: number; key: string | null; value: string | null }) => [
    r.offset,
    text(r.key),
    text(r.value),
  ]);
}

async function endOffsets(topic: string): Promise<number[]> {
  const response = await call('GET', `${topics}/${topic}/partitions`);
  return response.body.data.map((p: { log_end_offset: number }) => p.log_end_offset);
}

const refused = { partition: null, offset: null, error_code: 400, error: expect.any(String) };

describe('POST /topics/{topic} (v2)', () => {
  it('appends the good records of a mix, answers each bad one in its own entry, and writes nothing else', async () => {
    const topic = await newTopic(2);
    const response = await call(
      'POST',
      `/topics/${topic}`,
      {
        records: [
          { key: 'a', value: { n: 1 }, partition: 1 },
          { value: 'x'.repeat(200), partition: 1 },
          { value: { n: 2 }, partition: 7 },
          { value: { n: 3 }, partition: 0 },
          { value: { n: 4 }, partiton: 1 },
          { key: 'b', value: { n: 5 }, partition: 1 },
        ],
      },
      JSON_V2,
    );
    expect(response.status).toBe(200);
    expect(response.type).toBe(V2);
    expect(response.body).toEqual({
      key_schema_id: null,
      value_schema_id: null,
      offsets: [
        { partition: 1, offset: 0, error_code: null, error: null },
        refused,
        refused,
        { partition: 0, offset: 0, error_code: null, error: null },
        refused,
        { partition: 1, offset: 1, error_code: null, error: null },
      ],
    });
    const [, tooLarge, outOfRange, , misspelt] = response.body.offsets;
    expect(tooLarge.error).toContain('max.message.bytes of 100');
    expect(outOfRange.error).toContain('partition 7');
    expect(misspelt.error).toContain('partiton');
    // The good records, at the offsets acknowledged, and nothing else.
    expect(await readBack(topic, 1)).toEqual([
      [0, '"a"', '{"n":1}'],
      [1, '"b"', '{"n":5}'],
    ]);
    expect(await readBack(topic, 0)).toEqual([[0, null, '{"n":3}']]);
    expect(await endOffsets(topic)).toEqual([1, 2]);
  });

  it('answers 200 with every record refused, and appends nothing, when no record is good', async () => {
    const topic = await newTopic(1);
    const response = await call(
      'POST',
      `/topics/${topic}`,
      { records: [{ value: '%%' }, { key: 1 }] },
      BINARY_V2,
    );
    expect(response.status).toBe(200);
    expect(response.body.offsets).toEqual([refused, refused]);
    expect(response.body.offsets[0].error).toContain('Record 0 value is not valid base64');
    expect(response.body.offsets[1].error).toContain('Record 1 key must be a base64 string');
    expect(await endOffsets(topic)).toEqual([0]);
  });

  it('refuses the formats that need a schema registry, and a body that names a schema, writing nothing', async () => {
    const topic = await newTopic(1);
    for (const format of ['avro', 'protobuf', 'jsonschema']) {
      const response = await call(
        'POST',
        `/topics/${topic}`,
        { records: [{ value: 1 }] },
        `application/vnd.kafka.${format}.v2+json`,
      );
      expect({ format, status: response.status, type: response.type }).toEqual({
        format,
        status: 415,
        type: V2,
      });
      expect(response.body).toEqual({
        error_code: 41501,
        message: expect.stringContaining('schema registry'),
      });
    }
    for (const field of ['key_schema', 'value_schema', 'key_schema_id', 'value_schema_id']) {
      const response = await call(
        'POST',
        `/topics/${topic}`,
        { [field]: '1', records: [{ value: 1 }] },
        JSON_V2,
      );
      expect({ field, status: response.status, type: response.type }).toEqual({
        field,
        status: 400,
        type: V2,
      });
      expect(response.body.message).toContain(`names a schema (${field}), but Sluice has no schema registry`);
    }
    // Null schema fields, as some clients send them, say nothing.
    const nulls = await call(
      'POST',
      `/topics/${topic}`,
      { key_schema: null, value_schema_id: null, records: [{ value: 1 }] },
      JSON_V2,
    );
    expect(nulls.body.offsets).toEqual([{ partition: 0, offset: 0, error_code: null, error: null }]);
    expect(await endOffsets(topic)).toEqual([1]);
  });

  it('answers a missing topic 404 / 40401 as a v2 error', async () => {
    const response = await call(
      'POST',
      `/topics/${uniqueName('absent')}`,
      { records: [{ value: 1 }] },
      JSON_V2,
    );
    expect(response).toEqual({
      status: 404,
      type: V2,
      body: { error_code: 40401, message: expect.any(String) },
    });
  });
});

describe('POST /topics/{topic}/partitions/{partition} (v2)', () => {
  it('appends to the partition of the path, keys and values in either format, a bad record in its own entry', async () => {
    const topic = await newTopic(3);
    const asJson = await call(
      'POST',
      `/topics/${topic}/partitions/2`,
      { records: [{ key: 'k', value: [1, 2] }, { value: 'x'.repeat(200) }, { value: null }] },
      JSON_V2,
    );
    expect(asJson.status).toBe(200);
    expect(asJson.type).toBe(V2);
    expect(asJson.body.offsets).toEqual([
      { partition: 2, offset: 0, error_code: null, error: null },
      refused,
      { partition: 2, offset: 1, error_code: null, error: null },
    ]);
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const asBinary = await call(
      'POST',
      `/topics/${topic}/partitions/2`,
      {
        records: [
          { key: b64('bk'), value: b64('bv') },
          { value: b64('v'), partition: 0 },
        ],
      },
      BINARY_V2,
    );
    expect(asBinary.body.offsets).toEqual([
      { partition: 2, offset: 2, error_code: null, error: null },
      refused,
    ]);
    expect(asBinary.body.offsets[1].error).toContain('goes to the partition its path names');
    expect(await readBack(topic, 2)).toEqual([
      [0, '"k"', '[1,2]'],
      [1, null, null],
      [2, 'bk', 'bv'],
    ]);
    expect(await endOffsets(topic)).toEqual([0, 0, 3]);
  });

  it('answers a partition the topic does not have 404 / 40402 as a v2 error, writing nothing', async () => {
    const topic = await newTopic(1);
    for (const partition of ['1', 'x']) {
      const response = await call(
        'POST',
        `/topics/${topic}/partitions/${partition}`,
        { records: [{ value: 1 }] },
        JSON_V2,
      );
      expect(response).toEqual({
        status: 404,
        type: V2,
        body: { error_code: 40402, message: expect.any(String) },
      });
    }
    expect(await endOffsets(topic)).toEqual([0]);
  });
});
