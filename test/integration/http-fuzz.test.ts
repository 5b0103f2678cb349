/**
 * Fuzz of the HTTP API: generated requests across every route — methods, paths, query
 * strings, headers, bodies and sizes — sent over real sockets to the real server on its own
 * bucket and tables in the emulators. Every answer must be below 500 with a JSON body, a
 * refused request (4xx) must have written nothing, and the server must still serve afterwards.
 *
 * "Written nothing" is checked at the source: the server's SDK clients carry a middleware
 * that attributes every successful write call (PutObject, PutItem, UpdateItem, …) to the
 * request it was made for (AsyncLocalStorage), so a refusal that wrote anything is caught even
 * while other requests of the same batch write. A produce reports each record's fate (a bad
 * record fails in its own result while the others are appended), so it is checked record by
 * record: one that acknowledged no record wrote nothing, and at the end every partition is read
 * back and holds exactly the acknowledged records, at their offsets, with the value sizes
 * their reports gave — a failed record is never stored.
 *
 * Confluent v2 consumer instances are fuzzed too (create, subscribe, assign, seek, read,
 * commit, delete) on a small pool of instances in two groups, where they share partitions with
 * each other and with a v3 member. A batch sends each instance at most one request: requests
 * of one instance that overlap take turns by a conditional save of its item, and one that
 * loses the race runs again (up to `INSTANCE_RETRIES` times, then 503 / 50003), after its
 * first attempt may already have renewed the membership — so an overlap could end in a 503,
 * or in a refusal after a renewal, by design. Overlapping requests of one instance have their
 * own tests (http-v2-consumers.test.ts, v2-instance-races.test.ts); here any 5xx is a
 * violation.
 *
 * The seed is printed; replay a failure with `SLUICE_FUZZ_SEED=<seed> npx jest http-fuzz`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import fc from 'fast-check';
import { createCluster } from '../../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../../shared/config';
import { createNodeServer } from '../../shared/http/node-server';
import { createHttpApi } from '../../shared/http/router';
import { type AwsClients, createAwsClients } from '../../shared/storage/aws';
import { provisionResources } from '../../shared/storage/provision';
import { destroyClients, uniqueName } from '../support/local-aws';
import { checkedApi } from '../support/openapi';

const WRITES = new Set([
  'PutObject',
  'DeleteObject',
  'DeleteObjects',
  'CopyObject',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

const BATCHES = 400;
const BATCH_SIZE = 25; // 10,000 requests in all
const MAX_REQUEST_BYTES = 64 * 1024; // small, so bodies over the limit are cheap to send
const CLUSTER = 'local';
const TOPICS = ['fuzz-a', 'fuzz-b'];
/** Consumer groups and instance names of the v2 consumer requests (besides junk ones). */
const V2_GROUPS = ['fuzz-group', 'fuzz-v2'];
const V2_INSTANCES = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'];

const requestIds = new AsyncLocalStorage<number>();
/** The error behind each 5xx answer, per request id. */
const serverErrors = new Map<number, string>();
/** Where an answer is not as docs/openapi.yaml describes, by fuzz request id. */
const documentMismatches = new Map<number, string>();
/** Successful write calls per request id. */
const writesByRequest = new Map<number, string[]>();

function writeAttribution(): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    const result = await next(args);
    const command = String(context.commandName ?? '').replace(/Command$/, '');
    const id = requestIds.getStore();
    if (id !== undefined && WRITES.has(command) && !isReadableHint(args.input)) {
      writesByRequest.set(id, [...(writesByRequest.get(id) ?? []), command]);
    }
    return result;
  };
}

/**
 * A reader's readable-end hint (`rd` on the partition's sequencer item, only ever moved up): a
 * cache of where the log's contiguous prefix ends, which any read of the log may persist —
 * also one answered 416 because its offset lies past that end. It holds no record and no
 * position, so it is not a write a refusal could be blamed for; every other write is.
 */
function isReadableHint(input: unknown): boolean {
  const update = input as { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string> };
  return update.UpdateExpression === 'SET #m = :v' && update.ExpressionAttributeNames?.['#m'] === 'rd';
}

let config: SluiceConfig;
let clients: AwsClients;
let server: ReturnType<typeof createNodeServer>;
let port: number;
let nextRequestId = 0;
let memberIds: string[] = [];
/** The fuzz member's token, so member routes are also reached as that member. */
let memberToken = '';
const agent = new Agent({ keepAlive: true, maxSockets: BATCH_SIZE });
/**
 * Every record a produce acknowledged, by `topic/partition/offset`: the size of the value its
 * delivery report gave (null for no value; undefined where the answer has no sizes, v2).
 */
const acknowledged = new Map<string, number | null | undefined>();

beforeAll(async () => {
  config = {
    ...configFromEnv(),
    clusterId: CLUSTER,
    bucket: uniqueName('fuzz').slice(0, 40),
    logTable: uniqueName('fuzz-log'),
    metaTable: uniqueName('fuzz-meta'),
    maxRequestBytes: MAX_REQUEST_BYTES,
  };
  clients = createAwsClients(config);
  await provisionResources(config, clients);
  clients.s3.middlewareStack.add(writeAttribution(), { step: 'initialize', name: 'fuzzWritesS3' });
  clients.dynamodb.middlewareStack.add(writeAttribution(), {
    step: 'initialize',
    name: 'fuzzWritesDynamoDB',
  });
  const cluster = createCluster(config, { clients });
  const api = createHttpApi(cluster, {
    onError: (error, request) => {
      serverErrors.set(Number(request.headers['x-fuzz-request']), String((error as Error)?.stack ?? error));
    },
  });
  server = createNodeServer({
    api: (request) => {
      const id = Number(request.headers['x-fuzz-request']);
      const checked = checkedApi(api, (problems) => documentMismatches.set(id, problems));
      return requestIds.run(id, () => checked(request));
    },
    maxRequestBytes: MAX_REQUEST_BYTES,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  for (const topic of TOPICS) {
    const created = await send({
      method: 'POST',
      path: `/v3/clusters/${CLUSTER}/topics`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: topic, partitions_count: 2 }),
    });
    expect(created.status).toBe(201);
  }
  const joined = await send({
    method: 'POST',
    path: `/v3/clusters/${CLUSTER}/consumer-groups/fuzz-group/members`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topics: TOPICS }),
  });
  expect(joined.status).toBe(200);
  memberIds = [JSON.parse(joined.body).member_id];
  memberToken = JSON.parse(joined.body).member_token;
}, 60_000);

afterAll(async () => {
  agent.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (clients) destroyClients(clients);
});

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
}

/** The v2 consumer instance a request's path names (`group/instance`), if any. */
function instanceOf(path: string): { group: string; instance: string } | undefined {
  const match = /^\/consumers\/([^/?]+)\/instances\/([^/?]+)/.exec(path);
  return match ? { group: match[1], instance: match[2] } : undefined;
}

/**
 * Moves a batch's second request of a v2 instance to an instance of the same group that the
 * batch does not reach yet (see the file's comment): one of the pool, else one that no request
 * creates. Each instance then serves at most one request at a time.
 */
function oneRequestPerInstance(batch: readonly FuzzRequest[]): FuzzRequest[] {
  const reached = new Set<string>();
  let spare = 0;
  return batch.map((request) => {
    const target = instanceOf(request.path);
    if (target === undefined) return request;
    const key = (instance: string) => `${target.group}/${instance}`;
    let instance = target.instance;
    if (reached.has(key(instance))) {
      instance = V2_INSTANCES.find((name) => !reached.has(key(name))) ?? `spare-${spare++}`;
    }
    reached.add(key(instance));
    if (instance === target.instance) return request;
    return {
      ...request,
      path: request.path.replace(
        `/consumers/${target.group}/instances/${target.instance}`,
        `/consumers/${target.group}/instances/${instance}`,
      ),
    };
  });
}

interface FuzzAnswer {
  readonly id: number;
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

function send(request: FuzzRequest): Promise<FuzzAnswer> {
  const id = nextRequestId++;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          'x-fuzz-request': String(id),
          // Node frames a GET or DELETE body only when told its length (Confluent's committed-offsets read has one).
          ...(request.body !== undefined && !['POST', 'PUT', 'PATCH'].includes(request.method)
            ? { 'content-length': String(Buffer.byteLength(request.body)) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            id,
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: String(res.headers['content-type'] ?? ''),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

// ---- generators ------------------------------------------------------------------------
//
// Each route gets a well-formed request, and about half the time one mutation of it (a field
// replaced, dropped or added, the body cut short or replaced by bytes, an oversized body):
// valid requests reach the write paths, mutated ones probe every check in front of them.

const weird = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('', ' ', '..', '%2F', '%00', '%ZZ', '-1', '1e3', 'NaN', 'null', '[]', '{}', 'ä', '🙂'),
  fc.string({ minLength: 250, maxLength: 300 }),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), weird);
const number = fc.oneof(
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(2 ** 31, 2 ** 53, -(2 ** 53), 1e21, 0.5, Number.MAX_SAFE_INTEGER),
);
const numberish = fc.oneof(number.map(String), weird);
const existingTopic = fc.constantFrom(...TOPICS);
const topicName = fc.oneof(
  { weight: 8, arbitrary: existingTopic },
  { weight: 1, arbitrary: fc.constantFrom('fuzz-missing', 'orders') },
  { weight: 1, arbitrary: weird },
);
const groupName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('fuzz-group', 'fuzz-g2') },
  { weight: 1, arbitrary: weird },
);
const partition = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: number });
const cluster = fc.oneof({ weight: 19, arbitrary: fc.constant(CLUSTER) }, { weight: 1, arbitrary: weird });
const segment = (s: string | number) => encodeURIComponent(String(s));

/** One structural change of a JSON object: a field replaced by junk, dropped, or a new one. */
function mutated<T extends Record<string, unknown>>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc.tuple(valid, fc.nat(), anyJson).map(([v, i, junk]) => {
        const keys = Object.keys(v);
        return keys.length === 0 ? junk : { ...v, [keys[i % keys.length]]: junk };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([v, i]) => {
        const keys = Object.keys(v);
        const copy: Record<string, unknown> = { ...v };
        if (keys.length > 0) delete copy[keys[i % keys.length]];
        return copy;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(valid, weird, anyJson).map(([v, k, junk]) => ({ ...v, [k]: junk })) },
    { weight: 1, arbitrary: anyJson },
  );
}

const base64 = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
const v3Data = fc.oneof(
  fc.record({ type: fc.constant('JSON'), data: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant('STRING'), data: fc.string({ maxLength: 40 }) }),
  fc.record({ type: fc.constant('BINARY'), data: base64 }),
  fc.constant(null),
);
const timestamp = fc.oneof(
  fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '2024-02-30T00:00:00Z',
    'yesterday',
  ),
);
const header = fc.record({
  name: fc.string({ minLength: 1, maxLength: 10 }),
  value: fc.oneof(base64, fc.constant(null)),
});
const v3Record = fc.record(
  {
    partition_id: partition,
    key: mutated(v3Data.filter((d) => d !== null) as fc.Arbitrary<Record<string, unknown>>),
    value: v3Data,
    headers: fc.array(header, { maxLength: 3 }),
    timestamp,
  },
  { requiredKeys: [] },
);
const batchBody = fc.record({
  entries: fc.array(
    mutated(
      fc.record(
        {
          // Mostly ids Confluent's rule accepts, so that batches reach the write path.
          id: fc.oneof(
            { weight: 8, arbitrary: fc.stringMatching(/^[0-9A-Za-z_-]{1,8}$/) },
            { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
          ),
          value: v3Data,
          key: v3Data,
          partition_id: partition,
        },
        { requiredKeys: ['id'] },
      ),
    ),
    { maxLength: 5 },
  ),
});
const v2Body = fc.record(
  {
    records: fc.array(
      mutated(
        fc.record(
          { key: fc.jsonValue({ maxDepth: 1 }), value: fc.jsonValue({ maxDepth: 2 }), partition },
          { requiredKeys: ['value'] },
        ),
      ),
      { minLength: 1, maxLength: 5 },
    ),
  },
  { requiredKeys: ['records'] },
);
const topicConfig = fc.record({
  name: fc.oneof(fc.constantFrom('retention.ms', 'max.message.bytes', 'cleanup.policy'), weird),
  value: fc.oneof(
    fc.constantFrom('86400000', '-1', '1048576', 'delete', 'compact'),
    numberish,
    fc.constant(null),
  ),
});
const topicCreate = fc.record(
  {
    topic_name: fc.oneof(fc.constantFrom('fuzz-new', 'fuzz.new', 'fuzz_new'), topicName),
    partitions_count: fc.oneof(fc.integer({ min: 1, max: 4 }), number),
    replication_factor: fc.constantFrom(1, 3),
    configs: fc.array(topicConfig, { maxLength: 3 }),
    validate_only: fc.boolean(),
  },
  { requiredKeys: ['topic_name'] },
);
const join = fc.record(
  {
    topics: fc.oneof(fc.subarray(TOPICS, { minLength: 1 }), fc.array(topicName, { maxLength: 3 })),
    session_timeout_ms: fc.oneof(fc.constantFrom(6000, 30_000, 300_000), number),
    auto_offset_reset: fc.constantFrom('earliest', 'latest', 'none'),
  },
  { requiredKeys: ['topics'] },
);
const commit = fc.record({
  offsets: fc.array(
    mutated(
      fc.record({
        topic_name: existingTopic,
        partition_id: partition,
        epoch: fc.oneof(fc.nat({ max: 3 }), number),
        offset: fc.oneof(fc.nat({ max: 50 }), number),
      }),
    ),
    { maxLength: 4 },
  ),
});

/** Serialises a generated body — usually as JSON, sometimes broken or oversized. */
function bodyOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<string | Buffer | undefined> {
  return fc.oneof(
    { weight: 16, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: value.map((v) => `${JSON.stringify(v)}`.slice(0, -1)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(undefined, '', 'null', '[]', '"x"', '{"__proto__":{"x":1}}', '\ud800'),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => '['.repeat(n * 5000)) },
    {
      weight: 1,
      arbitrary: fc.constant(`{"value":{"type":"STRING","data":"${'x'.repeat(MAX_REQUEST_BYTES)}"}}`),
    },
  );
}

/** Several records as concatenated JSON documents (streaming produce), each possibly mutated. */
function streamOf(record: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .array(record, { minLength: 2, maxLength: 5 })
    .map((records) => records.map((r) => JSON.stringify(r) ?? 'null').join(' '));
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/vnd.kafka.json.v2+json',
      'application/vnd.kafka.binary.v2+json',
      'application/vnd.kafka.v2+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ),
  },
);
const query = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('offset', 'timestamp', 'max_records', 'max_bytes', 'auto_offset_reset'),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(fc.nat({ max: 40 }).map(String), numberish, fc.constantFrom('earliest', 'latest', 'none')),
    { maxKeys: 3 },
  )
  .map((q) => {
    const text = new URLSearchParams(q).toString();
    return text ? `?${text}` : '';
  });

interface Route {
  readonly method: string;
  readonly path: string;
  readonly body: fc.Arbitrary<string | Buffer | undefined>;
  /** Headers of the route's own (a read's Accept); the generated ones may override them. */
  readonly headers?: fc.Arbitrary<Record<string, string>>;
}
const noBody = fc.constant(undefined);
const v3 = (c: string) => `/v3/clusters/${segment(c)}`;
const member = fc.oneof({ weight: 3, arbitrary: fc.constant('MEMBER') }, { weight: 1, arbitrary: weird });
const memberPath = (c: string, g: string, m: string) =>
  `${v3(c)}/consumer-groups/${segment(g)}/members/${m === 'MEMBER' ? memberIds[0] : segment(m)}`;

// Confluent v2 consumer instances.
const v2Group = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...V2_GROUPS) },
  { weight: 1, arbitrary: weird },
);
const v2Instance = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...V2_INSTANCES) },
  { weight: 1, arbitrary: weird },
);
const instancePath = (g: string, i: string) => `/consumers/${segment(g)}/instances/${segment(i)}`;
/** Mostly what the route accepts, so that instances exist for the other routes; sometimes not. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });
const v2Create = fc.record(
  {
    name: mostly(fc.constantFrom(...V2_INSTANCES), weird),
    format: mostly(fc.constantFrom('json', 'binary'), fc.constantFrom('BINARY', 'avro', 'protobuf', 'xml')),
    'auto.offset.reset': mostly(fc.constantFrom('earliest', 'latest'), fc.constantFrom('none', 'smallest')),
    'auto.commit.enable': mostly(fc.constantFrom('true', 'false', true, false), fc.constantFrom('maybe', 1)),
    'fetch.min.bytes': mostly(fc.nat({ max: 64 }), fc.oneof(number, numberish)),
    'consumer.request.timeout.ms': mostly(fc.nat({ max: 50 }), fc.oneof(number, numberish)),
  },
  { requiredKeys: ['name'] },
);
const v2Partition = fc.record({ topic: topicName, partition });
const v2Partitions = fc.record({ partitions: fc.array(mutated(v2Partition), { maxLength: 3 }) });
const v2Offsets = fc.record({
  offsets: fc.array(
    mutated(
      fc.record(
        {
          topic: topicName,
          partition,
          offset: fc.oneof(fc.nat({ max: 40 }), number),
          metadata: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
        },
        { requiredKeys: ['topic', 'partition', 'offset'] },
      ),
    ),
    { maxLength: 3 },
  ),
});
const v2Subscription = fc.oneof(
  fc.record({
    topics: fc.oneof(fc.subarray(TOPICS, { minLength: 1 }), fc.array(topicName, { maxLength: 3 })),
  }),
  fc.record({ topic_pattern: fc.oneof(fc.constantFrom('fuzz-.*', 'fuzz-a', '.*', '(', 'none\\..*'), weird) }),
);
/**
 * A read names its wait, short (at most 50 ms) or junk without digits (refused, or 0): never
 * the instance's own `consumer.request.timeout.ms`, which may be up to 20 s and would stall a
 * batch. Each read meets records or its deadline within that.
 */
const v2ReadQuery = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('0', '10', '50') },
      { weight: 1, arbitrary: weird.filter((w) => !/\d/.test(w)) },
    ),
    fc.option(fc.oneof(fc.nat({ max: 200 }).map(String), numberish), { nil: undefined }),
  )
  .map(
    ([timeout, maxBytes]) =>
      `?${new URLSearchParams({ timeout, ...(maxBytes === undefined ? {} : { max_bytes: maxBytes }) })}`,
  );
const v2Accept = fc
  .constantFrom(
    'application/vnd.kafka.json.v2+json',
    'application/vnd.kafka.binary.v2+json',
    'application/vnd.kafka.v2+json',
    'application/vnd.kafka.avro.v2+json',
    '*/*',
    'text/plain',
  )
  .map((accept) => ({ accept }));
const v2Routes: fc.Arbitrary<Route>[] = [
  v2Group.map((g) => ({
    method: 'POST',
    path: `/consumers/${segment(g)}`,
    body: fc.oneof(noBody, bodyOf(mutated(v2Create))),
  })),
  fc
    .tuple(v2Group, v2Instance)
    .map(([g, i]) => ({ method: 'DELETE', path: instancePath(g, i), body: noBody })),
  fc.tuple(v2Group, v2Instance).map(([g, i]) => ({
    method: 'POST',
    path: `${instancePath(g, i)}/subscription`,
    body: bodyOf(mutated(v2Subscription as fc.Arbitrary<Record<string, unknown>>)),
  })),
  fc
    .tuple(v2Group, v2Instance, fc.constantFrom('GET', 'DELETE'))
    .map(([g, i, method]) => ({ method, path: `${instancePath(g, i)}/subscription`, body: noBody })),
  fc.tuple(v2Group, v2Instance).map(([g, i]) => ({
    method: 'POST',
    path: `${instancePath(g, i)}/assignments`,
    body: bodyOf(mutated(v2Partitions)),
  })),
  fc
    .tuple(v2Group, v2Instance)
    .map(([g, i]) => ({ method: 'GET', path: `${instancePath(g, i)}/assignments`, body: noBody })),
  fc.tuple(v2Group, v2Instance).map(([g, i]) => ({
    method: 'POST',
    path: `${instancePath(g, i)}/positions`,
    body: bodyOf(mutated(v2Offsets)),
  })),
  fc.tuple(v2Group, v2Instance, fc.constantFrom('beginning', 'end')).map(([g, i, where]) => ({
    method: 'POST',
    path: `${instancePath(g, i)}/positions/${where}`,
    body: bodyOf(mutated(v2Partitions)),
  })),
  fc.tuple(v2Group, v2Instance, v2ReadQuery).map(([g, i, q]) => ({
    method: 'GET',
    path: `${instancePath(g, i)}/records${q}`,
    body: noBody,
    headers: v2Accept,
  })),
  fc.tuple(v2Group, v2Instance).map(([g, i]) => ({
    method: 'POST',
    path: `${instancePath(g, i)}/offsets`,
    body: fc.oneof(noBody, bodyOf(mutated(v2Offsets))),
  })),
  fc.tuple(v2Group, v2Instance).map(([g, i]) => ({
    method: 'GET',
    path: `${instancePath(g, i)}/offsets`,
    body: bodyOf(mutated(v2Partitions)),
  })),
];

const route: fc.Arbitrary<Route> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'),
      fc.constantFrom('/v3/clusters', '/', '/topics'),
    )
    .map(([method, path]) => ({ method, path, body: noBody })),
  cluster.map((c) => ({ method: 'GET', path: v3(c), body: noBody })),
  fc
    .tuple(cluster, topicName)
    .map(([c, t]) => ({ method: 'GET', path: `${v3(c)}/topics/${segment(t)}`, body: noBody })),
  fc
    .tuple(cluster, topicName)
    .map(([c, t]) => ({ method: 'GET', path: `${v3(c)}/topics/${segment(t)}/partitions`, body: noBody })),
  cluster.map((c) => ({ method: 'POST', path: `${v3(c)}/topics`, body: bodyOf(mutated(topicCreate)) })),
  fc.tuple(cluster, topicName).map(([c, t]) => ({
    method: 'PATCH',
    path: `${v3(c)}/topics/${segment(t)}`,
    body: bodyOf(mutated(fc.record({ partitions_count: fc.oneof(fc.integer({ min: 1, max: 4 }), number) }))),
  })),
  fc
    .tuple(cluster, fc.oneof(fc.constantFrom('fuzz-missing', 'fuzz-new', 'fuzz.new', 'fuzz_new'), weird))
    .map(([c, t]) => ({ method: 'DELETE', path: `${v3(c)}/topics/${segment(t)}`, body: noBody })),
  fc.tuple(cluster, topicName).map(([c, t]) => ({
    method: 'POST',
    path: `${v3(c)}/topics/${segment(t)}/records`,
    body: fc.oneof(bodyOf(mutated(v3Record)), streamOf(mutated(v3Record))),
  })),
  fc.tuple(cluster, topicName).map(([c, t]) => ({
    method: 'POST',
    path: `${v3(c)}/topics/${segment(t)}/records:batch`,
    body: bodyOf(mutated(batchBody)),
  })),
  topicName.map((t) => ({ method: 'POST', path: `/topics/${segment(t)}`, body: bodyOf(mutated(v2Body)) })),
  fc.tuple(cluster, topicName, fc.oneof(partition.map(String), weird), query).map(([c, t, p, q]) => ({
    method: 'GET',
    path: `${v3(c)}/topics/${segment(t)}/partitions/${segment(p)}/records${q}`,
    body: noBody,
  })),
  fc.tuple(cluster, groupName).map(([c, g]) => ({
    method: 'POST',
    path: `${v3(c)}/consumer-groups/${segment(g)}/members`,
    body: bodyOf(mutated(join)),
  })),
  fc.tuple(cluster, groupName, member).map(([c, g, m]) => ({
    method: 'POST',
    path: `${memberPath(c, g, m)}/heartbeat`,
    body: fc.oneof(noBody, bodyOf(fc.jsonValue({ maxDepth: 1 }))),
  })),
  fc.tuple(cluster, groupName, member).map(([c, g, m]) => ({
    method: 'POST',
    path: `${memberPath(c, g, m)}/offsets`,
    body: bodyOf(mutated(commit)),
  })),
  fc
    .tuple(cluster, groupName, member)
    .map(([c, g, m]) => ({ method: 'DELETE', path: memberPath(c, g, m), body: noBody })),
  fc.tuple(cluster, groupName, fc.constantFrom('', '/lags', '/lag-summary')).map(([c, g, what]) => ({
    method: 'GET',
    path: `${v3(c)}/consumer-groups/${segment(g)}${what}`,
    body: noBody,
  })),
  cluster.map((c) => ({ method: 'GET', path: `${v3(c)}/consumer-groups`, body: noBody })),
  ...v2Routes,
);

const request: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    route,
    contentType,
    fc.dictionary(
      fc.constantFrom(
        'accept',
        'x-forwarded-for',
        'sluice-producer-id',
        'sluice-producer-epoch',
        'sluice-sequence',
        'sluice-member-token',
        'x-custom',
      ),
      fc.string({ maxLength: 12 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      { maxKeys: 2 },
    ),
    fc.boolean(),
  )
  .chain(([r, type, headers, asMember]) =>
    fc.tuple(r.body, r.headers ?? fc.constant({})).map(([body, own]) => ({
      method: r.method,
      path: r.path,
      headers: {
        ...own,
        ...headers,
        ...(asMember ? { 'sluice-member-token': memberToken } : {}),
        ...(type && body !== undefined ? { 'content-type': type } : {}),
      },
      body,
    })),
  );

// ---- the property ----------------------------------------------------------------------

/** One record's fate in a produce's answer. */
interface RecordReport {
  readonly topic: string;
  /** `partition/offset` and the reported value size, for an acknowledged record. */
  readonly acked?: {
    readonly partition: number;
    readonly offset: number;
    readonly valueSize?: number | null;
  };
}

/**
 * The per-record results of a produce that answered 200 or 207 (a refusal, 4xx, has none): one
 * per record, acknowledged or failed. A single or streaming v3 produce reports a bad record in
 * its own result (`error_code` 400), `records:batch` in `failures`, v2 with an `error_code`.
 */
function recordReports(req: FuzzRequest, answer: FuzzAnswer): RecordReport[] | undefined {
  const topic = decodeURIComponent(/\/topics\/([^/]+)(\/records(:batch)?)?$/.exec(req.path)?.[1] ?? '');
  if (req.method !== 'POST' || !TOPICS.includes(topic) || answer.status >= 300) return undefined;
  if (!/\/records(:batch)?$/.test(req.path) && !req.path.startsWith('/topics/')) return undefined;
  type V3Report = {
    error_code: number;
    partition_id: number;
    offset: number;
    value: { size: number } | null;
  };
  const v3 = (report: V3Report): RecordReport =>
    report.error_code === 200
      ? {
          topic,
          acked: {
            partition: report.partition_id,
            offset: report.offset,
            valueSize: report.value?.size ?? null,
          },
        }
      : { topic };
  if (req.path.endsWith('/records')) {
    return answer.body.split('\n').map((line) => v3(JSON.parse(line)));
  }
  const body = JSON.parse(answer.body);
  if (req.path.endsWith(':batch')) {
    return [...body.successes.map(v3), ...body.failures.map(() => ({ topic }))];
  }
  return (body.offsets ?? []).map((o: { error_code?: unknown; partition: number; offset: number }) =>
    o.error_code == null ? { topic, acked: { partition: o.partition, offset: o.offset } } : { topic },
  );
}

const ROUTE_WORDS = new Set(
  [
    '',
    'v3',
    'clusters',
    'topics',
    'partitions',
    'records',
    'records:batch',
    'consumer-groups',
    'members',
  ].concat(
    ['heartbeat', 'offsets', 'lags', 'lag-summary', CLUSTER],
    ['consumers', 'instances', 'subscription', 'assignments', 'positions', 'beginning', 'end'],
  ),
);

/** A path with everything but the route's own words starred: `/v3/clusters/local/topics/*`. */
function routeShape(path: string): string {
  return path
    .split('?')[0]
    .split('/')
    .map((s) => (ROUTE_WORDS.has(s) ? s : '*'))
    .join('/');
}

/** What is wrong with one answer, as one line per problem. */
function violationsOf(req: FuzzRequest, answer: FuzzAnswer, reports: RecordReport[] | undefined): string[] {
  const what = `${req.method} ${req.path.slice(0, 200)} → ${answer.status} ${answer.body.slice(0, 200)}`;
  const problems: string[] = [];
  const mismatch = documentMismatches.get(answer.id);
  if (mismatch !== undefined)
    problems.push(`${mismatch.slice(0, 1500)}\n  request body: ${String(req.body ?? '').slice(0, 300)}`);
  if (answer.status >= 500) {
    const body = typeof req.body === 'string' ? req.body.slice(0, 300) : '';
    problems.push(`server error: ${what}\n  body: ${body}\n  ${serverErrors.get(answer.id)?.slice(0, 600)}`);
  }
  const hasBody = req.method !== 'HEAD' && answer.status !== 204;
  // A JSON media type: application/json, or a `+json` one (Confluent v2's application/vnd.kafka.v2+json).
  const isJson = /^application\/(json|[\w.-]+\+json)(;|$)/.test(answer.contentType);
  if (hasBody && !isJson) problems.push(`not JSON: ${what}`);
  if (answer.status >= 400) {
    const writes = writesByRequest.get(answer.id) ?? [];
    if (writes.length > 0) problems.push(`refused but wrote ${writes.join(', ')}: ${what}`);
    let message: unknown;
    try {
      message = hasBody ? JSON.parse(answer.body).message : '';
    } catch {}
    if (typeof message !== 'string') problems.push(`no error message: ${what}`);
  }
  // A produce that acknowledged none of its records is a refusal record by record: it wrote nothing.
  if (reports?.every((report) => !report.acked)) {
    const writes = writesByRequest.get(answer.id) ?? [];
    if (writes.length > 0) problems.push(`no record acknowledged but wrote ${writes.join(', ')}: ${what}`);
  }
  return problems;
}

describe('HTTP API fuzz', () => {
  it(`answers ${BATCHES * BATCH_SIZE} generated requests below 500, and a refusal writes nothing`, async () => {
    const seed = Number(process.env.SLUICE_FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`HTTP fuzz seed: ${seed} (replay: SLUICE_FUZZ_SEED=${seed})`);
    const violations: string[] = [];
    const outcomes = new Map<string, number>();
    let sent = 0;
    const result = await fc.check(
      fc.asyncProperty(
        fc.array(request, { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }),
        async (generated) => {
          const batch = oneRequestPerInstance(generated);
          const answers = await Promise.all(batch.map(send));
          sent += answers.length;
          for (const [i, answer] of answers.entries()) {
            const shape = `${batch[i].method} ${routeShape(batch[i].path)} ${answer.status}`;
            outcomes.set(shape, (outcomes.get(shape) ?? 0) + 1);
            const reports = recordReports(batch[i], answer);
            violations.push(...violationsOf(batch[i], answer, reports));
            for (const { topic, acked } of reports ?? []) {
              if (!acked) continue;
              const key = `${topic}/${acked.partition}/${acked.offset}`;
              if (acknowledged.has(key)) violations.push(`offset acknowledged twice: ${key}`);
              acknowledged.set(key, acked.valueSize);
            }
          }
        },
      ),
      { seed, numRuns: BATCHES },
    );
    if (result.failed) throw result.errorInstance;
    const attributed = [...writesByRequest.values()].reduce((n, writes) => n + writes.length, 0);
    // The attribution itself is checked: accepted produces and joins must have been seen writing.
    expect(attributed).toBeGreaterThan(0);
    console.log(
      `HTTP fuzz: ${attributed} storage writes attributed to requests; answers by route and status:\n${[
        ...outcomes,
      ]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([shape, n]) => `  ${shape}: ${n}`)
        .join('\n')}`,
    );
    expect(sent).toBe(BATCHES * BATCH_SIZE);
    // One line per kind of violation (problem, route shape, status), with its first example.
    const kinds = new Map<string, string>();
    for (const v of violations) {
      const kind = v.replace(/(\/[^ ]*) → (\d+).*/s, (_m, path: string, status: string) => {
        return `${routeShape(path)} → ${status}`;
      });
      if (!kinds.has(kind)) kinds.set(kind, v);
    }
    expect([...kinds.values()]).toEqual([]);

    // Still serving, and holding exactly what was acknowledged, record by record: every
    // acknowledged record is stored at its offset with the value size its report gave, and
    // nothing else is stored (a failed record never is).
    const stored = new Map<string, number | null>();
    for (const topic of TOPICS) {
      const described = await send({
        method: 'GET',
        path: `/v3/clusters/${CLUSTER}/topics/${topic}`,
        headers: {},
      });
      expect(described.status).toBe(200);
      const partitions = JSON.parse(described.body).partitions_count as number;
      for (let partition = 0; partition < partitions; partition++) {
        let offset = 0;
        for (;;) {
          const page = await send({
            method: 'GET',
            path: `/v3/clusters/${CLUSTER}/topics/${topic}/partitions/${partition}/records?offset=${offset}&auto_offset_reset=earliest`,
            headers: {},
          });
          expect(page.status).toBe(200);
          const { records, next_offset } = JSON.parse(page.body) as {
            records: { offset: number; value: string | null }[];
            next_offset: number;
          };
          for (const record of records) {
            stored.set(
              `${topic}/${partition}/${record.offset}`,
              record.value === null ? null : Buffer.from(record.value, 'base64').length,
            );
          }
          if (records.length === 0 && next_offset === offset) break;
          offset = next_offset;
        }
      }
    }
    expect([...stored.keys()].sort()).toEqual([...acknowledged.keys()].sort());
    const sizeMismatches = [...acknowledged].filter(
      ([key, size]) => size !== undefined && stored.get(key) !== size,
    );
    expect(sizeMismatches).toEqual([]);
  }, 600_000);
});
