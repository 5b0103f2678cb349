import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalAws } from '../../local/emulators';
import { configFromEnv } from '../../shared/config';
import { createAwsClients } from '../../shared/storage/aws';
import { provisionResources } from '../../shared/storage/provision';
import { injectFaults } from '../support/faults';
import { destroyClients, integrationAws, javaAvailable, uniqueName } from '../support/local-aws';

const { config, clients } = integrationAws();
afterAll(() => destroyClients(clients));

async function bytesOf(body: { transformToByteArray(): Promise<Uint8Array> } | undefined): Promise<Buffer> {
  if (!body) throw new Error('GetObject returned no body');
  return Buffer.from(await body.transformToByteArray());
}

describe('S3 through the edge', () => {
  it('returns the exact bytes of a ranged GetObject', async () => {
    const key = uniqueName('range');
    const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body }));

    const got = await clients.s3.send(
      new GetObjectCommand({ Bucket: config.bucket, Key: key, Range: 'bytes=100-1099' }),
    );

    expect(await bytesOf(got.Body)).toEqual(body.subarray(100, 1100));
    expect(got.ContentRange).toBe('bytes 100-1099/4096');
  });

  it('streams a 6 MB object both ways unchanged', async () => {
    const key = uniqueName('large');
    const body = Buffer.alloc(6 * 1024 * 1024, 'sluice');
    await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body }));

    const got = await clients.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));

    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
  });

  it('paginates ListObjectsV2', async () => {
    const prefix = `${uniqueName('list')}/`;
    for (const name of ['a', 'b', 'c']) {
      await clients.s3.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: prefix + name, Body: Buffer.from(name) }),
      );
    }
    const first = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, MaxKeys: 2 }),
    );
    const rest = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: config.bucket,
        Prefix: prefix,
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    expect(first.IsTruncated).toBe(true);
    expect([...(first.Contents ?? []), ...(rest.Contents ?? [])].map((o) => o.Key)).toEqual(
      ['a', 'b', 'c'].map((name) => prefix + name),
    );
  });
});

describe('DynamoDB through the edge', () => {
  it('rejects a second conditional PutItem of the same key', async () => {
    const put = new PutItemCommand({
      TableName: config.metaTable,
      Item: { pk: { S: uniqueName('conditional') }, sk: { S: 'x' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    await clients.dynamodb.send(put);

    await expect(clients.dynamodb.send(put)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('commits TransactWriteItems across both tables, or nothing', async () => {
    const pk = uniqueName('transaction');
    const write = (sk: string) =>
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: config.logTable,
              Item: { pk: { S: pk }, sk: { N: '0' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: config.metaTable, Item: { pk: { S: pk }, sk: { S: sk } } } },
        ],
      });
    await clients.dynamodb.send(write('first'));

    await expect(clients.dynamodb.send(write('second'))).rejects.toBeInstanceOf(TransactionCanceledException);
    const meta = (sk: string) =>
      new GetItemCommand({ TableName: config.metaTable, Key: { pk: { S: pk }, sk: { S: sk } } });
    expect((await clients.dynamodb.send(meta('first'))).Item).toBeDefined();
    expect((await clients.dynamodb.send(meta('second'))).Item).toBeUndefined();
  });
});

describe('the edge', () => {
  it('answers 400 with a JSON body for a service it does not emulate', async () => {
    const res = await fetch(`${config.endpoint}/`, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=key/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      __type: 'UnknownServiceException',
      message: expect.stringContaining('sqs'),
    });
  });

  it('keeps serving after a client hangs up halfway through an upload', async () => {
    const { hostname, port } = new URL(config.endpoint as string);
    const key = uniqueName('abandoned');
    await new Promise<void>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(
          `PUT /${config.bucket}/${key} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
            'Authorization: AWS4-HMAC-SHA256 Credential=key/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n' +
            'Content-Length: 1000000\r\n\r\n' +
            'x'.repeat(1000),
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });

    const next = uniqueName('after');
    await clients.s3.send(
      new PutObjectCommand({ Bucket: config.bucket, Key: next, Body: Buffer.from('ok') }),
    );
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: next }));
    expect((await bytesOf(got.Body)).toString()).toBe('ok');
  });
});

describe('provisioning', () => {
  /** Fresh table and bucket names on the shared emulators: provisioning starts from nothing. */
  const freshConfig = () => ({
    ...config,
    logTable: uniqueName('prov-log'),
    metaTable: uniqueName('prov-meta'),
    bucket: uniqueName('prov').toLowerCase(),
  });

  it("succeeds when an update's answer is lost after it was applied and the SDK's retry finds it done", async () => {
    const own = createAwsClients(config);
    // The first attempt of each update loses its answer; the SDK's retry then meets a table
    // that already has its stream (a ValidationException) or its TTL.
    const lost = new Set<string>();
    const faults = injectFaults(own, []);
    faults.rules = ['UpdateTable', 'UpdateTimeToLive'].map((command) => ({
      service: 'DynamoDB',
      command,
      kind: 'lose-response',
      get probability() {
        if (lost.has(command)) return 0;
        lost.add(command);
        return 1;
      },
    }));
    const fresh = freshConfig();
    try {
      await provisionResources(fresh, own);
      expect([...faults.counts.keys()].sort()).toEqual([
        'DynamoDB.UpdateTable lose-response',
        'DynamoDB.UpdateTimeToLive lose-response',
      ]);
      const log = await own.dynamodb.send(new DescribeTableCommand({ TableName: fresh.logTable }));
      expect(log.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    } finally {
      destroyClients(own);
    }
  });

  it('succeeds for two starts provisioning the same fresh resources at once', async () => {
    const fresh = freshConfig();
    const [a, b] = [createAwsClients(config), createAwsClients(config)];
    try {
      await Promise.all([provisionResources(fresh, a), provisionResources(fresh, b)]);
      const log = await a.dynamodb.send(new DescribeTableCommand({ TableName: fresh.logTable }));
      expect(log.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    } finally {
      destroyClients(a);
      destroyClients(b);
    }
  });
});

(javaAvailable() ? describe : describe.skip)('a harness with a data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-data-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  /** Runs `body` against a harness on `dataDir`, always stopping it. */
  async function withHarness(body: (c: ReturnType<typeof createAwsClients>) => Promise<void>): Promise<void> {
    const aws = await startLocalAws({ dataDir });
    const own = createAwsClients({ ...configFromEnv(), endpoint: aws.endpoint });
    try {
      await provisionResources(config, own);
      await body(own);
    } finally {
      destroyClients(own);
      await aws.stop();
    }
  }

  // Two JVM starts on disk: about 7 s on an idle machine, several times that on a busy one.
  it('keeps table items and objects across a restart', async () => {
    const key = { pk: { S: 'persisted' }, sk: { S: 'item' } };
    await withHarness(async (own) => {
      await own.dynamodb.send(
        new PutItemCommand({ TableName: config.metaTable, Item: { ...key, v: { S: 'kept' } } }),
      );
      await own.s3.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: 'persisted', Body: Buffer.from('kept') }),
      );
    });

    await withHarness(async (own) => {
      const item = await own.dynamodb.send(new GetItemCommand({ TableName: config.metaTable, Key: key }));
      const object = await own.s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: 'persisted' }));
      expect(item.Item?.v).toEqual({ S: 'kept' });
      expect((await bytesOf(object.Body)).toString()).toBe('kept');
    });
  }, 180_000);
});
