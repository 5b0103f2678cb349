import { ERROR_CODES, NotFoundError, OffsetOutOfRangeError } from '../../shared/errors';
import { API_ROUTES } from '../../shared/http/api-routes';
import { errorResponse } from '../../shared/http/errors';
import { clusterResource, resourceList } from '../../shared/http/routes/cluster';
import {
  beforeRoutingProblems,
  conformanceProblems,
  documentedOperations,
  type Exchange,
  openApiDocument,
  operationFor,
} from '../support/openapi';

// biome-ignore lint/suspicious/noExplicitAny: the parsed YAML is read loosely
type Json = any;

const JSON_TYPE = 'application/json';
const NO_BODY = { contentType: undefined, body: '' };

/** A path with its parameters' names left out: the document names them as Confluent does. */
const shape = (path: string) => path.replaceAll(/\{\w+\}/g, '{}');

describe('docs/openapi.yaml', () => {
  it('lists exactly the routes of API_ROUTES, each under its route name', () => {
    const documented = documentedOperations().map((op) => `${op.operationId} ${op.method} ${shape(op.path)}`);
    const routed = Object.entries(API_ROUTES).map(
      ([name, route]) => `${name} ${route.method} ${shape(route.path)}`,
    );
    expect([...documented].sort()).toEqual([...routed].sort());
  });

  it('matches a request path to the route the router serves, literal segments first', () => {
    expect(operationFor('GET', '/v3/clusters/local/topics/-/configs')?.operationId).toBe(
      'listAllTopicConfigs',
    );
    expect(operationFor('GET', '/v3/clusters/local/topics/t/configs')?.operationId).toBe('listTopicConfigs');
    expect(operationFor('POST', '/v3/clusters/local/topics/t/records:batch')?.operationId).toBe(
      'produceBatch',
    );
    expect(operationFor('GET', '/v3/clusters/local/topics/t/')?.operationId).toBe('getTopic');
    // The router matches an empty parameter too (the handler then refuses the empty name).
    expect(operationFor('POST', '/v3/clusters/local/topics//records:batch')?.operationId).toBe(
      'produceBatch',
    );
    expect(operationFor('PUT', '/v3/clusters/local/topics/t')).toBeUndefined();
  });

  it('marks the operations Confluent has no counterpart for as Sluice extensions', () => {
    const marked = documentedOperations()
      .filter((op) => openApiOperation(op.path, op.method)['x-sluice-extension'] === true)
      .map((op) => op.operationId);
    expect(marked.sort()).toEqual(
      [
        'commitOffsets',
        'deleteGroup',
        'fetchRecords',
        'heartbeat',
        'joinGroup',
        'leaveGroup',
        'resetGroupOffsets',
      ].sort(),
    );
  });

  it('lists, for each error status, exactly the error codes of that status in ERROR_CODES', () => {
    const components = openApiDocument().components as Json;
    const documented = new Map<string, number[]>();
    // A method a path does not take is no operation's: the document answers it once, v2 and v3.
    const wrongMethod = openApiDocument()['x-sluice-wrong-method'] as Json;
    const answers: [string, Json][][] = [
      ...documentedOperations().map((op) => Object.entries(op.responses) as [string, Json][]),
      [
        ['405', wrongMethod.v3],
        ['405', wrongMethod.v2],
      ],
    ];
    for (const responses of answers) {
      for (const [status, response] of responses) {
        if (!/^[45]/.test(status)) continue;
        const named = components.responses[String(response.$ref).split('/').pop() as string];
        // One media type each: application/json, or the v2 one for a v2 route.
        const [media] = Object.values(named.content) as Json[];
        const inline = media.schema;
        const schema = inline.$ref
          ? components.schemas[String(inline.$ref).split('/').pop() as string]
          : inline;
        const codes: number[] = schema.properties.error_code.enum;
        documented.set(status, [...new Set([...(documented.get(status) ?? []), ...codes])].sort());
      }
    }
    const table = new Map<string, number[]>();
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      // 400 is a record's result inside a produce answer, never an answer's status.
      if (Number(code) === 400) continue;
      const status = info.status >= 500 ? '5XX' : String(info.status);
      table.set(status, [...(table.get(status) ?? []), Number(code)].sort());
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(table));
  });

  it('compiles the schema of every request body it describes', () => {
    for (const op of documentedOperations()) {
      const content = (op.requestBody?.content ?? {}) as Record<string, unknown>;
      for (const contentType of Object.keys(content)) {
        const path = op.path.replaceAll(/\{\w+\}/g, 'x');
        const request = { contentType, body: '{}' };
        expect(() =>
          conformanceProblems({
            method: op.method,
            path,
            request,
            status: 200,
            contentType: JSON_TYPE,
            body: '{}',
          }),
        ).not.toThrow();
      }
    }
  });

  it('compiles the schema of every response it lists', () => {
    for (const op of documentedOperations()) {
      for (const status of Object.keys(op.responses)) {
        const code = status === '5XX' ? 500 : Number(status);
        const path = op.path.replaceAll(/\{\w+\}/g, 'x');
        expect(() =>
          conformanceProblems({
            method: op.method,
            path,
            request: NO_BODY,
            status: code,
            contentType: JSON_TYPE,
            body: '{}',
          }),
        ).not.toThrow();
      }
    }
  });
});

describe('the conformance check', () => {
  const cluster: Exchange = {
    method: 'GET',
    path: '/v3/clusters/local',
    request: NO_BODY,
    status: 200,
    contentType: JSON_TYPE,
    body: JSON.stringify(clusterResource('local')),
  };

  it("accepts the server's own answers", () => {
    expect(conformanceProblems(cluster)).toEqual([]);
    const list = resourceList('KafkaClusterList', '/v3/clusters', [clusterResource('local')]);
    expect(conformanceProblems({ ...cluster, path: '/v3/clusters', body: JSON.stringify(list) })).toEqual([]);
    const notFound = errorResponse(new NotFoundError('Topic "t" does not exist.', { errorCode: 40401 }));
    expect(
      conformanceProblems({
        ...cluster,
        path: '/v3/clusters/local/topics/t',
        status: 404,
        body: notFound.body,
      }),
    ).toEqual([]);
    const outOfRange = errorResponse(
      new OffsetOutOfRangeError('Offset 9 is past the end.', { logStartOffset: 0, logEndOffset: 3 }),
    );
    expect(
      conformanceProblems({
        ...cluster,
        path: '/v3/clusters/local/topics/t/partitions/0/records',
        status: 416,
        body: outOfRange.body,
      }),
    ).toEqual([]);
  });

  it('refuses a body that lacks a field, has one too many or a wrong kind, with where and what', () => {
    const { topics: _, ...withoutTopics } = clusterResource('local');
    const [missing] = conformanceProblems({ ...cluster, body: JSON.stringify(withoutTopics) });
    expect(missing).toContain('GET /v3/clusters/local (getCluster) answered 200');
    expect(missing).toContain("should have required property 'topics'");
    const [extra] = conformanceProblems({
      ...cluster,
      body: JSON.stringify({ ...clusterResource('local'), x: 1 }),
    });
    expect(extra).toContain('should NOT have additional properties ("x")');
    const [kind] = conformanceProblems({
      ...cluster,
      body: JSON.stringify({ ...clusterResource('local'), kind: 'K' }),
    });
    expect(kind).toContain('at body/kind: should be equal to one of the allowed values (["KafkaCluster"])');
  });

  it('refuses a status the route does not list, an error code of another status, and an undescribed body', () => {
    expect(conformanceProblems({ ...cluster, status: 201 })).toEqual([
      expect.stringContaining('answered 201, a status the document does not list'),
    ]);
    expect(
      conformanceProblems({
        ...cluster,
        status: 404,
        body: JSON.stringify({ error_code: 40901, message: 'm' }),
      }),
    ).toEqual([expect.stringContaining('at body/error_code: should be equal to one of the allowed values')]);
    const deleteTopic = { ...cluster, method: 'DELETE', path: '/v3/clusters/local/topics/t', status: 204 };
    expect(conformanceProblems({ ...deleteTopic, body: '' })).toEqual([]);
    expect(conformanceProblems({ ...deleteTopic, body: '{}' })).toEqual([
      expect.stringContaining('with a body, where the document describes none'),
    ]);
  });

  it('expects 404 for a request that matches no route', () => {
    const body = JSON.stringify({ error_code: 40400, message: 'No route.' });
    expect(conformanceProblems({ ...cluster, path: '/nowhere', status: 404, body })).toEqual([]);
    expect(conformanceProblems({ ...cluster, path: '/nowhere', status: 200, body })).toEqual([
      expect.stringContaining('a request that matches no route answers 404'),
    ]);
  });

  it('expects 405, in the media type of the path, for a method the path does not take', () => {
    const body = JSON.stringify({ error_code: 405, message: 'PUT is not allowed here.' });
    const v3 = { ...cluster, method: 'PUT', path: '/v3/clusters/local/topics', status: 405, body };
    const v2 = {
      ...v3,
      method: 'DELETE',
      path: '/topics/t/partitions',
      contentType: 'application/vnd.kafka.v2+json',
    };
    expect(conformanceProblems(v3)).toEqual([]);
    expect(conformanceProblems(v2)).toEqual([]);
    expect(conformanceProblems({ ...v3, status: 404, body: '{"error_code":40400,"message":"m"}' })).toEqual([
      expect.stringContaining('a request whose path takes other methods answers 405'),
    ]);
    expect(conformanceProblems({ ...v2, contentType: JSON_TYPE })).toEqual([
      expect.stringContaining('a media type the document does not give this status'),
    ]);
    expect(conformanceProblems({ ...v3, body: '{"error_code":40400,"message":"m"}' })).toHaveLength(1);
  });

  it('checks each report of a streaming produce', () => {
    const produce = {
      ...cluster,
      method: 'POST',
      path: '/v3/clusters/local/topics/t/records',
      request: { contentType: JSON_TYPE, body: '{"value":{"data":1}} {"value":{"data":2}}' },
      status: 200,
    };
    const good = {
      error_code: 200,
      cluster_id: 'local',
      topic_name: 't',
      partition_id: 0,
      offset: 4,
      timestamp: '2026-01-01T00:00:00.000Z',
      key: null,
      value: { type: 'JSON', size: 1 },
    };
    const refused = { error_code: 400, message: 'bad record' };
    const lines = [good, refused, { ...good, offset: -1 }].map((r) => JSON.stringify(r));
    expect(conformanceProblems({ ...produce, body: lines.slice(0, 2).join('\n') })).toEqual([]);
    expect(conformanceProblems({ ...produce, body: lines.join('\n') })).toHaveLength(1);
  });

  it("refuses an answer whose Content-Type the document does not give its status, v2's media type included", () => {
    expect(conformanceProblems({ ...cluster, contentType: 'application/json; charset=utf-8' })).toEqual([]);
    expect(conformanceProblems({ ...cluster, contentType: undefined })).toEqual([
      expect.stringContaining('with Content-Type "", a media type the document does not give this status'),
    ]);
    const v2Topics = { ...cluster, path: '/topics', body: '["a"]' };
    expect(conformanceProblems({ ...v2Topics, contentType: 'application/vnd.kafka.v2+json' })).toEqual([]);
    expect(conformanceProblems(v2Topics)).toEqual([
      expect.stringContaining('(it gives application/vnd.kafka.v2+json)'),
    ]);
    // An error of a v2 route is a v2 answer too; a v3 route's is not.
    const notFound = { ...cluster, status: 404, body: '{"error_code":40401,"message":"m"}' };
    expect(
      conformanceProblems({ ...notFound, path: '/topics/t', contentType: 'application/vnd.kafka.v2+json' }),
    ).toEqual([]);
    expect(conformanceProblems({ ...notFound, path: '/topics/t' })).toHaveLength(1);
    expect(
      conformanceProblems({
        ...notFound,
        path: '/v3/clusters/local/topics/t',
        contentType: 'application/vnd.kafka.v2+json',
      }),
    ).toHaveLength(1);
  });

  it('refuses an accepted request the document does not describe: its media type, its body, or a body where none is', () => {
    const v2Produce = {
      ...cluster,
      method: 'POST',
      path: '/topics/t',
      status: 200,
      contentType: 'application/vnd.kafka.v2+json',
      body: JSON.stringify({
        key_schema_id: null,
        value_schema_id: null,
        offsets: [{ partition: 0, offset: 3, error_code: null, error: null }],
      }),
    };
    const json = 'application/vnd.kafka.json.v2+json';
    expect(
      conformanceProblems({
        ...v2Produce,
        request: { contentType: json, body: '{"records":[{"value":1}]}' },
      }),
    ).toEqual([]);
    // No Content-Type is read as JSON, as the server reads it.
    expect(
      conformanceProblems({
        ...v2Produce,
        request: { contentType: undefined, body: '{"records":[{"value":1}]}' },
      }),
    ).toEqual([]);
    expect(
      conformanceProblems({
        ...v2Produce,
        request: { contentType: json, body: '{"records":[{"value":1,"partiton":0}]}' },
      }),
    ).toEqual([expect.stringContaining('accepted a request body its requestBody schema refuses')]);
    expect(
      conformanceProblems({
        ...v2Produce,
        request: { contentType: 'application/vnd.kafka.avro.v2+json', body: '{"records":[{"value":1}]}' },
      }),
    ).toEqual([expect.stringContaining('a media type its requestBody does not list')]);
    expect(conformanceProblems({ ...v2Produce, request: NO_BODY })).toEqual([
      expect.stringContaining('accepted a request without the body the document requires'),
    ]);
    expect(conformanceProblems({ ...cluster, request: { contentType: JSON_TYPE, body: '{}' } })).toEqual([
      expect.stringContaining('accepted a request body, where the document describes none'),
    ]);
    // A refused request is the server's to judge, not the document's.
    expect(
      conformanceProblems({
        ...v2Produce,
        request: { contentType: json, body: '{"records":[]}' },
        status: 400,
        body: '{"error_code":40003,"message":"m"}',
      }),
    ).toEqual([]);
  });

  it('checks each record of a streaming produce request', () => {
    const produce = {
      ...cluster,
      method: 'POST',
      path: '/v3/clusters/local/topics/t/records',
      status: 200,
      body: JSON.stringify({ error_code: 400, message: 'm' }),
    };
    const stream = (second: string) => ({ contentType: JSON_TYPE, body: `{"value":{"data":1}}\n${second}` });
    expect(conformanceProblems({ ...produce, request: stream('{"partition_id":1}') })).toEqual([]);
    expect(conformanceProblems({ ...produce, request: stream('{"partition":1}') })).toEqual([
      expect.stringContaining('should NOT have additional properties ("partition")'),
    ]);
  });

  it("judges a refusal before routing by the document's x-sluice-before-routing, on any path", () => {
    const refused = { ...cluster, path: '/topics/t', method: 'POST', status: 403 };
    const forbidden = '{"error_code":40301,"message":"m"}';
    expect(beforeRoutingProblems({ ...refused, body: forbidden })).toEqual([]);
    expect(beforeRoutingProblems({ ...refused, body: '{"error_code":40302,"message":"m"}' })).toHaveLength(1);
    expect(beforeRoutingProblems({ ...refused, status: 409, body: forbidden })).toEqual([
      expect.stringContaining('a status x-sluice-before-routing does not list'),
    ]);
  });
});

function openApiOperation(path: string, method: string): Record<string, unknown> {
  const paths = openApiDocument().paths as Record<string, Record<string, Record<string, unknown>>>;
  return paths[path][method.toLowerCase()];
}
