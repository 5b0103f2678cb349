/**
 * The request-body limit at its default, where the client's default batches go: a body that
 * fits a Lambda event is accepted whole, one byte more is refused with 413 (41302) and writes
 * nothing, on the local server and through the Lambda handler alike.
 */
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler } from '../../functions/http/handler';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createNodeServer } from '../../shared/http/node-server';
import { createHttpApi } from '../../shared/http/router';
import { LAMBDA_PAYLOAD_BYTES, MAX_REQUEST_BODY_BYTES } from '../../shared/log/limits';
import { AwsRequestCounter } from '../../shared/storage/aws';
import { uniqueName } from './support/core';

const config = configFromEnv();
const counter = new AwsRequestCounter();
const cluster = createCluster(config, { counter });
const server = createNodeServer({ api: createHttpApi(cluster), maxRequestBytes: config.maxRequestBytes });
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/clusters/${config.clusterId}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  cluster.close();
});

const WRITES = ['S3.PutObject', 'DynamoDB.PutItem', 'DynamoDB.TransactWriteItems', 'DynamoDB.UpdateItem'];
const writes = () => WRITES.reduce((sum, name) => sum + (counter.snapshot()[name] ?? 0), 0);

async function createTopic(): Promise<string> {
  const topic = uniqueName('body-limit').slice(0, 40);
  const created = await fetch(`${base}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: topic, partitions_count: 1 }),
  });
  expect(created.status).toBe(201);
  return topic;
}

/**
 * A records:batch body of exactly `bytes` bytes: 1 KB BINARY records as many as fit, and the
 * rest of the bytes as JSON whitespace. Returns the body and its record count.
 */
function batchBodyOf(bytes: number): { body: Buffer; records: number } {
  const entry = (i: number) =>
    JSON.stringify({
      id: String(i),
      value: { type: 'BINARY', data: Buffer.alloc(1024, i % 251).toString('base64') },
    });
  const entries: string[] = [];
  let size = '{"entries":[]}'.length;
  while (size + entry(entries.length).length + 1 < bytes) {
    size += entry(entries.length).length + (entries.length > 0 ? 1 : 0);
    entries.push(entry(entries.length));
  }
  const text = `{"entries":[${entries.join(',')}]}`;
  return { body: Buffer.from(text + ' '.repeat(bytes - Buffer.byteLength(text))), records: entries.length };
}

async function endOffset(topic: string): Promise<number> {
  const answer = await fetch(`${base}/topics/${topic}/partitions/0`);
  return ((await answer.json()) as { log_end_offset: number }).log_end_offset;
}

describe('the default request-body limit', () => {
  it('is what a base64-encoded body still fits in a Lambda event, and the server uses it', () => {
    expect(config.maxRequestBytes).toBe(MAX_REQUEST_BODY_BYTES);
    expect(4 * Math.ceil(MAX_REQUEST_BODY_BYTES / 3) + 64 * 1024).toBeLessThanOrEqual(LAMBDA_PAYLOAD_BYTES);
  });

  it('local server: a body at the limit is written whole; one byte more is 413 41302 and writes nothing', async () => {
    const topic = await createTopic();
    const atLimit = batchBodyOf(MAX_REQUEST_BODY_BYTES);
    const accepted = await fetch(`${base}/topics/${topic}/records:batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: atLimit.body,
    });
    expect(accepted.status).toBe(207);
    const answer = (await accepted.json()) as { successes: unknown[]; failures: unknown[] };
    expect([answer.successes.length, answer.failures.length]).toEqual([atLimit.records, 0]);
    expect(await endOffset(topic)).toBe(atLimit.records);

    const before = writes();
    const over = await fetch(`${base}/topics/${topic}/records:batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batchBodyOf(MAX_REQUEST_BODY_BYTES + 1).body,
    });
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ error_code: 41302 });
    expect(writes() - before).toBe(0);
    expect(await endOffset(topic)).toBe(atLimit.records);
  });

  it('Lambda handler: the same, with the body base64-encoded in an event that fits 6 MB', async () => {
    const topic = await createTopic();
    const event = (body: Buffer): APIGatewayProxyEventV2 => ({
      version: '2.0',
      routeKey: '$default',
      rawPath: `/v3/clusters/${config.clusterId}/topics/${topic}/records:batch`,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: true,
      body: body.toString('base64'),
      requestContext: {
        http: { method: 'POST', path: `/v3/clusters/${config.clusterId}/topics/${topic}/records:batch` },
      } as APIGatewayProxyEventV2['requestContext'],
    });
    const atLimit = batchBodyOf(MAX_REQUEST_BODY_BYTES);
    const fits = event(atLimit.body);
    expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(LAMBDA_PAYLOAD_BYTES);
    const accepted = await handler(fits);
    expect(accepted.statusCode).toBe(207);
    expect(await endOffset(topic)).toBe(atLimit.records);

    const over = await handler(event(batchBodyOf(MAX_REQUEST_BODY_BYTES + 1).body));
    expect(over.statusCode).toBe(413);
    expect(JSON.parse(over.body as string)).toMatchObject({ error_code: 41302 });
    expect(await endOffset(topic)).toBe(atLimit.records);
  });
});
