/**
 * The refusals a request meets before any route handler, provoked one by one over the wire and
 * judged by docs/openapi.yaml: the local server's own (a foreign Host or Origin, a body that is
 * not JSON, a target that is not a path), which the document describes once in
 * `x-sluice-before-routing`, the router's body limit, which every operation lists (with the
 * v2 media type on a v2 route), and the router's answer to a method a path does not take.
 */
import { request } from 'node:http';
import { startTestServer, type TestServer } from '../support/client-server';
import { assertConforms, beforeRoutingProblems, type Exchange } from '../support/openapi';
import { uniqueName } from './support/core';

const LIMIT = 2048;
let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer({ env: { SLUICE_MAX_REQUEST_BYTES: String(LIMIT) } });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

/** An exchange with the answer's `Allow` header, which a 405 carries. */
type WireExchange = Exchange & { allow: string | undefined };

/** Sends one raw request (node:http, so the Host header and the target go as written) and reads the answer. */
function send(
  method: string,
  target: string,
  headers: Record<string, string>,
  body = '',
): Promise<WireExchange> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({
          method,
          path: target.split('?')[0],
          request: { contentType: headers['content-type'], body },
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(parts).toString(),
          allow: res.headers.allow,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const here = () => `127.0.0.1:${port}`;
const produceV2 = '/topics/anything';
const produceV3 = '/v3/clusters/local/topics/anything/records';
const records = JSON.stringify({ records: [{ value: 1 }] });

/** Each refusal the local server makes before routing, on a v2 and a v3 path: [name, method, target, headers, body, status, code]. */
const beforeRouting: [string, string, string, () => Record<string, string>, string, number, number][] = [
  [
    'a Host that is not this machine',
    'POST',
    produceV2,
    () => ({ host: 'sluice.example.com', 'content-type': 'application/json' }),
    records,
    403,
    40301,
  ],
  ['a Host with another port', 'GET', '/v3/clusters', () => ({ host: '127.0.0.1:1' }), '', 403, 40301],
  [
    'an Origin of another site',
    'POST',
    produceV3,
    () => ({ host: here(), origin: 'https://evil.example', 'content-type': 'application/json' }),
    '{}',
    403,
    40301,
  ],
  [
    'a text/plain body',
    'POST',
    produceV2,
    () => ({ host: here(), 'content-type': 'text/plain' }),
    records,
    415,
    41501,
  ],
  [
    'a form body',
    'POST',
    produceV3,
    () => ({ host: here(), 'content-type': 'application/x-www-form-urlencoded' }),
    'a=1',
    415,
    41501,
  ],
  ['a body without a Content-Type', 'POST', produceV2, () => ({ host: here() }), records, 415, 41501],
  ['a target that is not a path', 'GET', '//topics', () => ({ host: here() }), '', 400, 40003],
];

describe('refusals before routing', () => {
  it.each(beforeRouting)(
    'answers %s as x-sluice-before-routing describes',
    async (_name, method, target, headers, body, status, code) => {
      const exchange = await send(method, target, headers(), body);
      expect({ status: exchange.status, body: JSON.parse(exchange.body) }).toEqual({
        status,
        body: { error_code: code, message: expect.any(String) },
      });
      expect(beforeRoutingProblems(exchange)).toEqual([]);
    },
  );

  it('never reaches the API (the server served none of them)', () => {
    expect(server.requests).toEqual([]);
  });
});

describe('the body limit, checked by the router for every route', () => {
  const big = JSON.stringify({ records: [{ value: 'x'.repeat(LIMIT) }] });

  it('answers 413 / 41302 in the v2 media type on a v2 route', async () => {
    const exchange = await send(
      'POST',
      produceV2,
      { host: here(), 'content-type': 'application/vnd.kafka.json.v2+json' },
      big,
    );
    expect(exchange.status).toBe(413);
    expect(exchange.contentType).toBe('application/vnd.kafka.v2+json');
    expect(JSON.parse(exchange.body).error_code).toBe(41302);
    assertConforms(exchange);
  });

  it('answers 413 / 41302 as application/json on a v3 route', async () => {
    const exchange = await send('POST', produceV3, { host: here(), 'content-type': 'application/json' }, big);
    expect(exchange.status).toBe(413);
    expect(exchange.contentType).toBe('application/json');
    expect(JSON.parse(exchange.body).error_code).toBe(41302);
    assertConforms(exchange);
  });
});

describe('a method the path does not take', () => {
  it('answers 405 / 405 with Allow on a v3 path, and creates nothing', async () => {
    const name = uniqueName('put');
    const exchange = await send(
      'PUT',
      '/v3/clusters/local/topics',
      { host: here(), 'content-type': 'application/json' },
      JSON.stringify({ topic_name: name, partitions_count: 1 }),
    );
    expect(exchange.status).toBe(405);
    expect(exchange.allow).toBe('GET, POST');
    expect(exchange.contentType).toBe('application/json');
    expect(JSON.parse(exchange.body)).toEqual({
      error_code: 405,
      message: expect.stringContaining('GET, POST'),
    });
    assertConforms(exchange);
    const topic = await send('GET', `/v3/clusters/local/topics/${name}`, { host: here() });
    expect(topic.status).toBe(404);
  });

  it('answers 405 / 405 with Allow in the v2 media type on a v2 path', async () => {
    const exchange = await send('DELETE', '/topics/anything/partitions', { host: here() });
    expect(exchange.status).toBe(405);
    expect(exchange.allow).toBe('GET');
    expect(exchange.contentType).toBe('application/vnd.kafka.v2+json');
    expect(JSON.parse(exchange.body).error_code).toBe(405);
    assertConforms(exchange);
  });

  it('still answers a path no route has 404 / 40400, without Allow', async () => {
    const exchange = await send('PUT', '/v3/clusters/local/nowhere', { host: here() });
    expect(exchange.status).toBe(404);
    expect(exchange.allow).toBeUndefined();
    expect(JSON.parse(exchange.body).error_code).toBe(40400);
    assertConforms(exchange);
  });
});
