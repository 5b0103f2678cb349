/**
 * Cases of kafka-rest's own v3 integration tests (confluentinc/kafka-rest,
 * `kafka-rest/src/test/java/io/confluent/kafkarest/integration/v3/`) that Sluice's other suites
 * did not cover, each naming the test it mirrors. The records are read back through Sluice's
 * fetch, as kafka-rest reads them back with a Kafka consumer; every exchange is checked against
 * docs/openapi.yaml by the shared client.
 */
import { type Json, newApi, uniqueName } from './support/core';

const call = newApi();
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64').toString());

async function newTopic(partitions = 3): Promise<string> {
  const name = uniqueName('parity');
  const created = await call('POST', '/v3/clusters/local/topics', {
    topic_name: name,
    partitions_count: partitions,
  });
  expect(created.status).toBe(201);
  return name;
}

/** Produces one v3 record, expects it appended, and reads it back where the report says it is. */
async function produceAndRead(topic: string, record: unknown, headers: Record<string, string> = {}) {
  const produced = await call('POST', `/v3/clusters/local/topics/${topic}/records`, record, headers);
  expect(produced.status).toBe(200);
  expect(produced.body.error_code).toBe(200);
  const { partition_id, offset } = produced.body;
  const fetched = await call(
    'GET',
    `/v3/clusters/local/topics/${topic}/partitions/${partition_id}/records?offset=${offset}&max_records=1`,
  );
  const [stored] = fetched.body.records as Json[];
  expect(stored.offset).toBe(offset);
  return { report: produced.body, stored };
}

describe('ProduceActionNoSchemaIntegrationTest', () => {
  let topic: string;
  beforeAll(async () => {
    topic = await newTopic();
  });

  // produceBinaryWithNullData, produceStringWithNullData, produceJsonWithNullData
  it.each(['BINARY', 'STRING', 'JSON'])('stores a %s key and value with null data as null', async (type) => {
    const { report, stored } = await produceAndRead(topic, {
      key: { type, data: null },
      value: { type, data: null },
    });
    expect([report.key, report.value]).toEqual([null, null]);
    expect([stored.key, stored.value]).toEqual([null, null]);
  });

  // produceBinaryWithInvalidData_throwsBadRequest
  it('answers 200 with error_code 400 for BINARY data that is a number or not base64', async () => {
    const response = await call('POST', `/v3/clusters/local/topics/${topic}/records`, {
      key: { type: 'BINARY', data: 1 },
      value: { type: 'BINARY', data: 'fooba' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ error_code: 400, message: expect.any(String) });
  });

  // produceStringCharsetUtf8
  it('takes application/json with a charset parameter', async () => {
    const { stored } = await produceAndRead(
      topic,
      { key: { type: 'STRING', data: 'foo' }, value: { type: 'STRING', data: 'bar' } },
      { 'content-type': 'application/json; charset=UTF-8' },
    );
    expect([text(stored.key), text(stored.value)]).toEqual(['foo', 'bar']);
  });

  // produceStringWithEmptyData
  it('stores STRING data "" as an empty key and value, not null', async () => {
    const { report, stored } = await produceAndRead(topic, {
      key: { type: 'STRING', data: '' },
      value: { type: 'STRING', data: '' },
    });
    expect([report.key, report.value]).toEqual([
      { type: 'STRING', size: 0 },
      { type: 'STRING', size: 0 },
    ]);
    expect([stored.key, stored.value]).toEqual(['', '']);
  });

  // produceJson
  it('stores JSON data as its JSON text', async () => {
    const { stored } = await produceAndRead(topic, {
      key: { type: 'JSON', data: 'foo' },
      value: { type: 'JSON', data: 'bar' },
    });
    expect([text(stored.key), text(stored.value)]).toEqual(['"foo"', '"bar"']);
  });

  // produceBinaryWithPartitionId, produceStringWithPartitionId
  it('appends to the partition a record names', async () => {
    const { report, stored } = await produceAndRead(topic, {
      partition_id: 1,
      key: { type: 'BINARY', data: b64('foo') },
      value: { type: 'BINARY', data: b64('bar') },
    });
    expect(report.partition_id).toBe(1);
    expect([text(stored.key), text(stored.value)]).toEqual(['foo', 'bar']);
  });

  // produceBinaryWithTimestamp, produceStringWithTimestamp
  it("keeps the record's own timestamp", async () => {
    const { report, stored } = await produceAndRead(topic, {
      value: { type: 'STRING', data: 'bar' },
      timestamp: '1970-01-01T00:00:01Z',
    });
    expect(report.timestamp).toBe('1970-01-01T00:00:01.000Z');
    expect(stored.timestamp).toBe('1970-01-01T00:00:01.000Z');
  });

  // produceBinaryWithHeaders, produceStringWithHeaders
  it('keeps headers in order, a repeated name included', async () => {
    const { stored } = await produceAndRead(topic, {
      headers: [
        { name: 'header-1', value: b64('value-1') },
        { name: 'header-1', value: b64('value-2') },
        { name: 'header-2', value: b64('value-3') },
      ],
      value: { type: 'STRING', data: 'bar' },
    });
    expect(stored.headers.map((h: Json) => [h.name, text(h.value)])).toEqual([
      ['header-1', 'value-1'],
      ['header-1', 'value-2'],
      ['header-2', 'value-3'],
    ]);
  });

  // Confluent's ProduceRequestData takes every schema field and `type` as nullable (null is
  // absent); produceBinaryWithSchemaSubject_returnsBadRequest & co. refuse only a set one.
  it('reads a null type or schema field as absent, and still fails a record that sets one', async () => {
    const nulls = {
      subject: null,
      subject_name_strategy: null,
      schema_id: null,
      schema_version: null,
      schema: null,
    };
    const { report, stored } = await produceAndRead(topic, {
      key: { type: null, data: 'k', ...nulls },
      value: { type: 'STRING', data: 'v', ...nulls },
    });
    expect([report.key.type, report.value.type]).toEqual(['JSON', 'STRING']);
    expect([text(stored.key), text(stored.value)]).toEqual(['"k"', 'v']);
    const named = await call('POST', `/v3/clusters/local/topics/${topic}/records`, {
      value: { type: 'BINARY', data: null, ...nulls, schema_id: 1 },
    });
    expect({ status: named.status, code: named.body.error_code }).toEqual({ status: 200, code: 400 });
  });

  // produceBinaryKeyOnly, produceBinaryValueOnly
  it('stores a record with only a key, or only a value', async () => {
    const keyOnly = await produceAndRead(topic, { key: { type: 'BINARY', data: b64('foo') } });
    expect([text(keyOnly.stored.key), keyOnly.stored.value]).toEqual(['foo', null]);
    const valueOnly = await produceAndRead(topic, { value: { type: 'BINARY', data: b64('bar') } });
    expect([valueOnly.stored.key, text(valueOnly.stored.value)]).toEqual([null, 'bar']);
  });
});

describe('ProduceActionIntegrationTest', () => {
  // produceJsonBatch, produceBinaryBatchWithInvalidData_throwsMultipleBadRequests: a streamed body
  // gets one delivery report per document, in order, a document that is no record included.
  it('reports every document of a stream in order, a string or number document failing on its own', async () => {
    const topic = await newTopic(1);
    const body = '{"value":{"type":"STRING","data":"a"}} "junk" 7 {"value":{"type":"STRING","data":"b"}}';
    const response = await call('POST', `/v3/clusters/local/topics/${topic}/records`, body);
    expect(response.status).toBe(200);
    const reports = response.text.split('\n').map((line) => JSON.parse(line));
    expect(reports.map((r: Json) => [r.error_code, r.offset])).toEqual([
      [200, 0],
      [400, undefined],
      [400, undefined],
      [200, 1],
    ]);
    const fetched = await call('GET', `/v3/clusters/local/topics/${topic}/partitions/0/records?offset=0`);
    expect(fetched.body.records.map((r: Json) => text(r.value))).toEqual(['a', 'b']);
  });
});

describe('TopicsResourceIntegrationTest', () => {
  // listTopics_nonExistingCluster_returnsNotFound, getTopic_nonExistingCluster_returnsNotFound,
  // createTopic_nonExistingCluster_returnsNotFound
  it('answers 404 for a cluster that does not exist, whatever the topic route', async () => {
    const topic = await newTopic(1);
    for (const [method, path, body] of [
      ['GET', '/v3/clusters/foobar/topics', undefined],
      ['GET', `/v3/clusters/foobar/topics/${topic}`, undefined],
      ['POST', '/v3/clusters/foobar/topics', { topic_name: uniqueName('parity'), partitions_count: 1 }],
    ] as const) {
      const response = await call(method, path, body);
      expect({ path, status: response.status, code: response.body.error_code }).toEqual({
        path,
        status: 404,
        // kafka-rest's tests check the status; the code is Confluent v3's for a missing cluster.
        code: 404,
      });
    }
  });

  // getTopic_nonExistingTopic_returnsNotFound, deleteTopic_nonExistingTopic_returnsNotFound
  it('answers 404 / 40401 to describe or delete a topic that does not exist', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await call(method, `/v3/clusters/local/topics/${uniqueName('absent')}`);
      expect({ method, status: response.status, code: response.body.error_code }).toEqual({
        method,
        status: 404,
        code: 40401,
      });
    }
  });

  // deleteTopic_existingTopic_deletesTopic
  it('deletes a topic with 204 and no body, and it leaves the list', async () => {
    const topic = await newTopic(1);
    const deleted = await call('DELETE', `/v3/clusters/local/topics/${topic}`);
    expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 204, text: '' });
    const listed = await call('GET', '/v3/clusters/local/topics');
    expect(listed.body.data.map((t: Json) => t.topic_name)).not.toContain(topic);
  });

  // validateOnlyCreateTopic_existingTopic_returnsBadRequest
  it('answers a dry run that names an existing topic 400, as the real create does', async () => {
    const topic = await newTopic(1);
    const response = await call('POST', '/v3/clusters/local/topics', {
      topic_name: topic,
      partitions_count: 2,
      validate_only: true,
    });
    expect({ status: response.status, code: response.body.error_code }).toEqual({ status: 400, code: 40002 });
  });
});
