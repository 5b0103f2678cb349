/**
 * What `cdk deploy` ships, run: the assets `cdk synth` writes for the HTTP function, the
 * poller, the stream dispatcher, the function of a stream-triggered group, the retention sweeper and the example
 * handler, each loaded in a plain Node process
 * (no tsx, no jest) with the environment the template gives it, invoked with AWS-shaped
 * events, against the emulators. The Lambda service's Invoke API is stood in for by the fake
 * in `test/support/fake-lambda-service.ts`, so wake-on-produce and the poller's synchronous call of the handler go through the
 * bundles' own Lambda clients.
 */

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { _Record as StreamsApiRecord } from '@aws-sdk/client-dynamodb-streams';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  DynamoDBStreamEvent,
  ScheduledEvent,
} from 'aws-lambda';
import { configFromEnv } from '../../shared/config';
import { createAwsClients } from '../../shared/storage/aws';
import { provisionResources } from '../../shared/storage/provision';
import { SEQUENCER_SORT_KEY } from '../../shared/storage/schema';
import { type FakeLambdaService, startFakeLambdaService } from '../support/fake-lambda-service';
import { waitFor } from '../support/groups';
import {
  functionNamed,
  type InvocationOutcome,
  invokeBundle,
  localEnvironment,
  type SynthesizedFunction,
  synthesizeExampleStack,
} from '../support/lambda-bundles';
import { destroyClients, uniqueName } from '../support/local-aws';
import { captureLogStream, eventSourceFilter, lambdaStreamEvent } from '../support/stream-events';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON read freely by the assertions.
type Json = any;

const local = configFromEnv();
// The stack's own bucket and tables, new for this file, as a fresh deployment has them.
const stackResources = {
  bucket: uniqueName('bundles').slice(0, 40),
  logTable: uniqueName('bundles-log'),
  metaTable: uniqueName('bundles-meta'),
};

let synthesized: ReturnType<typeof synthesizeExampleStack>;
let lambda: FakeLambdaService;
let api: SynthesizedFunction;
/**
 * The poller of `orders-poller`, a group added with `trigger: 'poller'` beside the example's
 * `orders-app` (which keeps the default, the stream trigger).
 */
let poller: SynthesizedFunction;
/** The function of `payments-app`, a group driven by the log table's stream. */
let streamed: SynthesizedFunction;
/** The stream dispatcher: the one reader of the log table's stream. */
let dispatcher: SynthesizedFunction;
let sweeper: SynthesizedFunction;
let clusterId: string;

/** The environment a function runs with: the template's, resolved, plus what Lambda sets. */
function environmentOf(fn: SynthesizedFunction, extra: Record<string, string> = {}): Record<string, string> {
  const endpoints = { awsEndpoint: local.endpoint ?? '', lambdaEndpoint: lambda.endpoint };
  return localEnvironment(synthesized, fn, { resources: stackResources, ...endpoints }, extra);
}

/** The poller stops after this long without records instead of its 10 s default. */
const POLLER_ENV = { SLUICE_POLLER_IDLE_MS: '1000' };

function run(fn: SynthesizedFunction, event: unknown, timeoutMs?: number): Promise<InvocationOutcome> {
  return invokeBundle(fn, environmentOf(fn, fn === poller ? POLLER_ENV : {}), event, timeoutMs);
}

/** An API Gateway HTTP API (payload 2.0) request signed with IAM, as the construct's API sends it. */
function apiEvent(method: string, path: string, body?: unknown): APIGatewayProxyEventV2WithIAMAuthorizer {
  const [rawPath, rawQueryString = ''] = path.split('?');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString,
    cookies: undefined,
    headers: {
      host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'curl/8.5.0',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    queryStringParameters: rawQueryString
      ? Object.fromEntries(new URLSearchParams(rawQueryString).entries())
      : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer: {
        iam: {
          accessKey: 'AKIDEXAMPLE',
          accountId: '123456789012',
          callerId: 'AROAEXAMPLE:producer',
          cognitoIdentity: null,
          principalOrgId: 'o-a1b2c3d4e5',
          userArn: 'arn:aws:sts::123456789012:assumed-role/producer/session',
          userId: 'AROAEXAMPLE:producer',
        },
      },
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    pathParameters: undefined,
    stageVariables: undefined,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/**
 * The same request as a Lambda function URL with auth type AWS_IAM sends it (payload 2.0):
 * route key `$default`, the URL's own host and ids, no stage of its own, and — as a function
 * URL does for a body it does not take for text — the body base64-encoded when `base64`.
 */
function functionUrlEvent(
  method: string,
  path: string,
  body?: string,
  options: { base64?: boolean; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2WithIAMAuthorizer {
  const [rawPath, rawQueryString = ''] = path.split('?');
  const now = new Date();
  const urlId = 'abcdefghij0123456789abcdefghij01';
  const host = `${urlId}.lambda-url.us-east-1.on.aws`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      'x-amzn-tls-cipher-suite': 'TLS_AES_128_GCM_SHA256',
      'x-amzn-tls-version': 'TLSv1.3',
      'x-amzn-trace-id': 'Root=1-5f84c7a9-0e5b1e1e1e1e1e1e1e1e1e1e',
      'x-forwarded-proto': 'https',
      host,
      'x-forwarded-port': '443',
      'x-forwarded-for': '203.0.113.7',
      accept: '*/*',
      'user-agent': 'curl/8.5.0',
      ...options.headers,
    },
    queryStringParameters: rawQueryString
      ? Object.fromEntries(new URLSearchParams(rawQueryString).entries())
      : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: urlId,
      authorizer: {
        iam: {
          accessKey: 'AKIDEXAMPLE',
          accountId: '123456789012',
          callerId: 'AROAEXAMPLE:producer',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:sts::123456789012:assumed-role/producer/session',
          userId: 'AROAEXAMPLE:producer',
        },
      },
      domainName: host,
      domainPrefix: urlId,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body === undefined ? undefined : options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: body !== undefined && options.base64 === true,
    // principalOrgId is null for a caller outside an organization, which the type does not allow.
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/** Calls the HTTP bundle with an event; returns exactly what the function returned. */
async function answer(event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<Json> {
  const outcome = await run(api, event);
  if (!outcome.ok)
    throw new Error(`HTTP function failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);
  return outcome.result;
}

/** Calls the HTTP bundle; returns the status and the parsed body. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const outcome = await run(api, apiEvent(method, path, body));
  if (!outcome.ok)
    throw new Error(`HTTP function failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);
  const result = outcome.result;
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { status: result.statusCode, body: text ? JSON.parse(text) : null };
}

function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/sluice-schedule'],
    detail: {},
  };
}

beforeAll(async () => {
  const clients = createAwsClients(local);
  try {
    await provisionResources({ ...local, ...stackResources }, clients);
  } finally {
    destroyClients(clients);
  }
  synthesized = synthesizeExampleStack((stack) => {
    stack.sluice.addConsumer('payments-app', {
      topics: ['payments', 'payments-expiring'],
      handler: stack.orderHandler.function,
      trigger: 'stream',
      startingPosition: 'TRIM_HORIZON',
    });
    stack.sluice.addConsumer('orders-poller', {
      topics: ['orders'],
      handler: stack.orderHandler.function,
      trigger: 'poller',
      startingPosition: 'TRIM_HORIZON',
    });
  });
  api = functionNamed(synthesized.functions, 'SluiceApiFunction');
  poller = functionNamed(synthesized.functions, 'SluiceConsumerorderspollerPoller');
  streamed = functionNamed(synthesized.functions, 'SluiceConsumerpaymentsappPoller');
  dispatcher = functionNamed(synthesized.functions, 'SluiceStreamDispatcherFunction');
  sweeper = functionNamed(synthesized.functions, 'SluiceRetentionFunction');
  clusterId = api.environment.SLUICE_CLUSTER_ID;
  lambda = await startFakeLambdaService(async (name, payload) => {
    const fn = synthesized.functions.get(name);
    if (!fn) throw new Error(`no function ${name} in the stack`);
    return run(fn, payload);
  });
}, 240_000);

afterAll(async () => {
  await lambda?.close();
  if (synthesized) fs.rmSync(synthesized.outdir, { recursive: true, force: true });
});

describe('the synthesized bundles, run as Lambda runs them', () => {
  it('give every function a bundle and only resolvable environment variables', () => {
    for (const fn of synthesized.functions.values()) {
      expect(fs.existsSync(`${fn.assetDir}/index.js`)).toBe(true);
      expect(() => environmentOf(fn)).not.toThrow();
    }
  });

  it('serve the HTTP API: create topics, produce, fetch — and wake the group poller', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    expect((await call('POST', topics, { topic_name: 'orders', partitions_count: 2 })).status).toBe(201);
    expect((await call('POST', topics, { topic_name: 'orders-dlq', partitions_count: 1 })).status).toBe(201);

    const produced = await call('POST', `${topics}/orders/records`, {
      partition_id: 1,
      key: { type: 'STRING', data: 'customer-7' },
      value: { type: 'JSON', data: { id: 1, total: 12.5 } },
    });
    expect(produced.status).toBe(200);
    expect(produced.body).toMatchObject({ error_code: 200, partition_id: 1, offset: 0 });

    const fetched = await call('GET', `${topics}/orders/partitions/1/records?offset=0`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.records).toHaveLength(1);
    expect(Buffer.from(fetched.body.records[0].key, 'base64').toString()).toBe('customer-7');
    expect(JSON.parse(Buffer.from(fetched.body.records[0].value, 'base64').toString())).toEqual({
      id: 1,
      total: 12.5,
    });

    // The construct wires wake-on-produce to the poller of the polling group reading `orders`
    // (the stream group orders-app is started by the dispatcher instead).
    const wakes = lambda.received.filter((r) => r.functionName === poller.logicalId);
    expect(wakes).toEqual([
      expect.objectContaining({
        invocationType: 'Event',
        payload: expect.objectContaining({ source: 'sluice.wake', group: 'orders-poller' }),
      }),
    ]);
  }, 120_000);

  it('deliver through the poller bundle to the handler bundle, and commit', async () => {
    const wake = lambda.received.find((r) => r.functionName === poller.logicalId);
    expect(wake).toBeDefined();
    const outcome = await run(poller, wake?.payload, 60_000);
    if (!outcome.ok)
      throw new Error(`poller failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);
    expect(outcome.result).toMatchObject({ status: 'ran' });

    const handler = functionNamed(synthesized.functions, 'OrderHandler');
    const deliveries = lambda.received.filter(
      (r) => r.functionName === handler.logicalId && r.invocationType === 'RequestResponse',
    );
    const records = deliveries.flatMap((d) => Object.values<Json[]>(d.payload.records).flat());
    expect(deliveries[0].payload.eventSource).toBe('SelfManagedKafka');
    expect(records).toEqual([expect.objectContaining({ topic: 'orders', partition: 1, offset: 0 })]);
    expect(Buffer.from(records[0].key, 'base64').toString()).toBe('customer-7');

    const lags = await call('GET', `/v3/clusters/${clusterId}/consumer-groups/orders-poller/lags`);
    expect(lags.status).toBe(200);
    expect(lags.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic_name: 'orders', partition_id: 1, current_offset: 1, lag: 0 }),
      ]),
    );
  }, 120_000);

  it('refuse an HTTP join and commit to a declared group, from the environment the template gives', async () => {
    expect(JSON.parse(environmentOf(api).SLUICE_POLLER_GROUPS)).toEqual([
      'orders-app',
      'orders-poller',
      'payments-app',
    ]);
    const group = `/v3/clusters/${clusterId}/consumer-groups/orders-app`;
    const before = await call('GET', `${group}/lags`);
    const joined = await call('POST', `${group}/members`, { topics: ['orders'] });
    expect([joined.status, joined.body.error_code]).toEqual([403, 40302]);
    const committed = await call('POST', `${group}/members/someone/offsets`, {
      offsets: [{ topic_name: 'orders', partition_id: 1, epoch: 1, offset: 0 }],
    });
    expect([committed.status, committed.body.error_code]).toEqual([403, 40302]);
    expect(await call('GET', `${group}/lags`)).toEqual(before);
  }, 120_000);

  it('answer a function URL event exactly as the HTTP API event: produce and a read', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    expect((await call('POST', topics, { topic_name: 'by-url', partitions_count: 1 })).status).toBe(201);
    // Idempotent, so the second request of the pair is answered with the first one's offsets.
    const idempotent = { 'sluice-producer-id': 'url-producer', 'sluice-producer-seq': '0' };
    const record = JSON.stringify({
      partition_id: 0,
      key: { type: 'STRING', data: 'k' },
      value: { type: 'BINARY', data: Buffer.from([0, 1, 2, 254, 255]).toString('base64') },
      timestamp: '2026-01-02T03:04:05.000Z',
    });
    const json = { 'content-type': 'application/json', ...idempotent };
    const viaUrl = await answer(
      functionUrlEvent('POST', `${topics}/by-url/records`, record, { base64: true, headers: json }),
    );
    const viaApi = await answer({
      ...apiEvent('POST', `${topics}/by-url/records`),
      headers: { ...apiEvent('POST', '/').headers, ...json },
      body: record,
    });
    expect(viaUrl.statusCode).toBe(200);
    expect(JSON.parse(viaUrl.body)).toMatchObject({ error_code: 200, partition_id: 0, offset: 0 });
    expect(viaUrl).toEqual(viaApi);
    expect(viaUrl.body).toBe(viaApi.body);

    const read = `${topics}/by-url/partitions/0/records?offset=0&max_records=10`;
    const readViaUrl = await answer(functionUrlEvent('GET', read));
    const readViaApi = await answer(apiEvent('GET', read));
    expect(readViaUrl.statusCode).toBe(200);
    expect(JSON.parse(readViaUrl.body).records).toEqual([
      expect.objectContaining({ offset: 0, value: Buffer.from([0, 1, 2, 254, 255]).toString('base64') }),
    ]);
    expect(readViaUrl).toEqual(readViaApi);
    expect(readViaUrl.body).toBe(readViaApi.body);

    // A plain-text body (isBase64Encoded false) is read the same way.
    const plain = await answer(
      functionUrlEvent('POST', `${topics}/by-url/records`, record, { headers: json }),
    );
    expect(plain).toEqual(viaUrl);
  }, 120_000);

  it('sweep with the retention bundle on its schedule', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    const created = await call('POST', topics, {
      topic_name: 'short-lived',
      partitions_count: 1,
      configs: [{ name: 'retention.ms', value: '1' }],
    });
    expect(created.status).toBe(201);
    const produced = await call('POST', `${topics}/short-lived/records`, {
      value: { type: 'STRING', data: 'gone soon' },
    });
    expect(produced.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const outcome = await run(sweeper, scheduledEvent(), 60_000);
    if (!outcome.ok)
      throw new Error(`sweeper failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`);

    const partitions = await call('GET', `${topics}/short-lived/partitions`);
    expect(partitions.body.data).toEqual([
      expect.objectContaining({ partition_id: 0, log_start_offset: 1, log_end_offset: 1 }),
    ]);
  }, 120_000);
});

/** The records of one topic the handler bundle was invoked with, in the order it got them. */
function handlerRecords(topic: string): Json[] {
  const handler = functionNamed(synthesized.functions, 'OrderHandler');
  return lambda.received
    .filter((r) => r.functionName === handler.logicalId && r.invocationType === 'RequestResponse')
    .flatMap((d) => Object.values<Json[]>(d.payload.records).flat())
    .filter((r) => r.topic === topic);
}

/** Every item of the stack's tables, sorted: what a write would change. */
async function tableContents(): Promise<string[]> {
  const clients = createAwsClients(local);
  try {
    const items: string[] = [];
    for (const table of [stackResources.logTable, stackResources.metaTable]) {
      let start: Json;
      do {
        const page = await clients.dynamodb.send(
          new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) items.push(`${table} ${JSON.stringify(item)}`);
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return items.sort();
  } finally {
    destroyClients(clients);
  }
}

const keysOf = (record: StreamsApiRecord) => ({
  pk: record.dynamodb?.Keys?.pk?.S as string,
  sk: record.dynamodb?.Keys?.sk?.N as string,
});
const isSlotInsert = (record: StreamsApiRecord) =>
  record.eventName === 'INSERT' && keysOf(record).sk !== String(SEQUENCER_SORT_KEY);

describe('the stream dispatcher bundle and the stream-triggered group bundle, driven by the log table stream', () => {
  /** Every record the stream gave while the first test produced: slots and sequencer updates. */
  let produced: StreamsApiRecord[] = [];
  let streamArn: string;

  /** The async invocations of the stream group's function received so far. */
  const groupTriggers = () =>
    lambda.received.filter((r) => r.functionName === streamed.logicalId && r.invocationType === 'Event');

  /** Runs a bundle and returns its result, or fails with its logs. */
  async function resultOf(fn: SynthesizedFunction, event: unknown): Promise<Json> {
    const outcome = await run(fn, event, 60_000);
    if (!outcome.ok)
      throw new Error(
        `${fn.logicalId} failed: ${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs}`,
      );
    return outcome.result;
  }

  it('dispatches a Lambda stream event of new slots to the group function (async), which drains those partitions in order to the handler bundle, and commits', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    expect((await call('POST', topics, { topic_name: 'payments', partitions_count: 2 })).status).toBe(201);
    const capture = await captureLogStream({ ...local, ...stackResources });
    streamArn = capture.streamArn;
    try {
      // Three produce requests to partition 1: three slots, the first holding two records.
      for (const ids of [[1, 2], [3], [4]]) {
        const answer = await call('POST', `${topics}/payments/records:batch`, {
          entries: ids.map((id) => ({
            id: String(id),
            partition_id: 1,
            value: { type: 'JSON', data: { id } },
          })),
        });
        expect([answer.status, answer.body.failures]).toEqual([207, []]);
      }
      await waitFor(() => capture.records.filter(isSlotInsert).length >= 3, 'three new slots on the stream');
    } finally {
      await capture.stop();
    }
    produced = [...capture.records];
    // Produced after the stream batch was read, so its event does not name partition 0.
    expect(
      (
        await call('POST', `${topics}/payments/records`, {
          partition_id: 0,
          value: { type: 'JSON', data: { id: 9 } },
        })
      ).status,
    ).toBe(200);

    // What the dispatcher's event source mapping delivers: the real records, through the template's filter.
    const passes = eventSourceFilter(synthesized.template, dispatcher.logicalId);
    const event: DynamoDBStreamEvent = {
      Records: lambdaStreamEvent(produced, streamArn).Records.filter(passes),
    };
    expect(event.Records).toHaveLength(3);
    for (const record of event.Records) {
      expect(record).toMatchObject({
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: streamArn,
        dynamodb: {
          Keys: { pk: { S: expect.stringMatching(/#1$/) }, sk: { N: expect.any(String) } },
          SequenceNumber: expect.any(String),
          ApproximateCreationDateTime: expect.any(Number),
          StreamViewType: 'KEYS_ONLY',
        },
      });
    }
    const topicId = /^(.*)#1$/.exec(event.Records[0].dynamodb?.Keys?.pk.S as string)?.[1];

    // The dispatcher starts the group's function once, asynchronously, naming partition 1;
    // the groups of other topics (orders-app, orders-poller) are not started.
    const before = groupTriggers().length;
    const invocationsBefore = lambda.received.length;
    expect(await resultOf(dispatcher, event)).toEqual({
      triggered: [{ group: 'payments-app', partitions: [{ topicId, partition: 1 }] }],
    });
    expect(lambda.received.length - invocationsBefore).toBe(1);
    const [trigger] = groupTriggers().slice(before);
    expect(trigger.payload).toEqual({
      source: 'sluice.stream',
      group: 'payments-app',
      partitions: [{ topicId, partition: 1 }],
    });

    // Lambda then runs the group's function with that payload.
    expect(await resultOf(streamed, trigger.payload)).toEqual({
      status: 'drained',
      committedRecords: 4,
      partitions: [{ topic: 'payments', partition: 1, outcome: 'drained', committedRecords: 4 }],
    });
    const records = handlerRecords('payments');
    expect(
      records.map((r) => [r.partition, r.offset, JSON.parse(Buffer.from(r.value, 'base64').toString()).id]),
    ).toEqual([
      [1, 0, 1],
      [1, 1, 2],
      [1, 2, 3],
      [1, 3, 4],
    ]);

    // Committed where the drain ended; partition 0, which the event did not name, untouched.
    const lags = await call('GET', `/v3/clusters/${clusterId}/consumer-groups/payments-app/lags`);
    expect(lags.status).toBe(200);
    expect(lags.body.data).toEqual([
      expect.objectContaining({ topic_name: 'payments', partition_id: 1, current_offset: 4, lag: 0 }),
    ]);
  }, 120_000);

  it('still drains a DynamoDB stream event sent to the group function itself (its own mapping before the upgrade)', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    const capture = await captureLogStream({ ...local, ...stackResources });
    try {
      const answer = await call('POST', `${topics}/payments/records`, {
        partition_id: 0,
        value: { type: 'JSON', data: { id: 10 } },
      });
      expect(answer.status).toBe(200);
      await waitFor(() => capture.records.some(isSlotInsert), 'a new slot on the stream');
    } finally {
      await capture.stop();
    }
    const event = lambdaStreamEvent(capture.records.filter(isSlotInsert), capture.streamArn);
    // Partition 0's records: id 9 (never triggered) and id 10.
    expect(await resultOf(streamed, event)).toEqual({
      status: 'drained',
      committedRecords: 2,
      partitions: [{ topic: 'payments', partition: 0, outcome: 'drained', committedRecords: 2 }],
    });
    expect(
      handlerRecords('payments')
        .filter((r) => r.partition === 0)
        .map((r) => JSON.parse(Buffer.from(r.value, 'base64').toString()).id),
    ).toEqual([9, 10]);
  }, 120_000);

  it('starts nothing and writes nothing for a removal (retention) or an update of the sequencer', async () => {
    const topics = `/v3/clusters/${clusterId}/topics`;
    const created = await call('POST', topics, {
      topic_name: 'payments-expiring',
      partitions_count: 1,
      configs: [{ name: 'retention.ms', value: '1' }],
    });
    expect(created.status).toBe(201);
    // Larger than the inline threshold, so its section goes to S3 and the sweep deletes its slot
    // (an inline slot is left to DynamoDB's TTL, which DynamoDB Local does not run).
    const answer = await call('POST', `${topics}/payments-expiring/records`, {
      value: { type: 'JSON', data: { id: 5, padding: 'x'.repeat(4096) } },
    });
    expect([answer.status, answer.body.error_code]).toEqual([200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The retention bundle's sweep removes the slot of a topic of the group: a REMOVE on the stream.
    const capture = await captureLogStream({ ...local, ...stackResources });
    try {
      const swept = await run(sweeper, scheduledEvent(), 60_000);
      if (!swept.ok)
        throw new Error(`sweeper failed: ${swept.errorType}: ${swept.errorMessage}\n${swept.logs}`);
      await waitFor(() => capture.records.some((r) => r.eventName === 'REMOVE'), 'a removal on the stream');
    } finally {
      await capture.stop();
    }
    const removals = capture.records.filter((r) => r.eventName === 'REMOVE');
    const sequencerUpdates = produced.filter(
      (r) => r.eventName === 'MODIFY' && keysOf(r).sk === String(SEQUENCER_SORT_KEY),
    );
    expect(sequencerUpdates.length).toBeGreaterThan(0);
    expect(removals.length).toBeGreaterThan(0);

    const passes = eventSourceFilter(synthesized.template, dispatcher.logicalId);
    const before = await tableContents();
    const invocations = lambda.received.length;
    for (const records of [removals, sequencerUpdates]) {
      const event = lambdaStreamEvent(records, streamArn);
      // The mapping's filter never delivers these; the dispatcher and the group function ignore them all the same.
      expect(event.Records.filter(passes)).toEqual([]);
      expect(await resultOf(dispatcher, event)).toEqual({ triggered: [] });
      expect(await resultOf(streamed, event)).toEqual({
        status: 'drained',
        committedRecords: 0,
        partitions: [],
      });
    }
    expect(lambda.received.length).toBe(invocations);
    expect(await tableContents()).toEqual(before);
  }, 120_000);
});
