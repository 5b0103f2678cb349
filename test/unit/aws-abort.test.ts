import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { configFromEnv } from '../../shared/config';
import { type AwsClients, createAwsClients } from '../../shared/storage/aws';

interface FakeAwsOptions {
  /** 500 makes the SDK retry. */
  readonly status: number;
  /** `Infinity`: never answers; the request stays open until the client or `close` ends it. */
  readonly delayMs: number;
  readonly service?: 'dynamodb' | 's3';
  /** Called as each request arrives, before it is answered. */
  readonly onArrival?: (count: number) => void;
}

/**
 * A stand-in for AWS that counts requests and answers each after `delayMs` with `status`;
 * `cutOff` counts requests whose connection the client closed before the answer.
 */
async function fakeAws({ status, delayMs, service = 'dynamodb', onArrival }: FakeAwsOptions) {
  let arrivals = 0;
  let cutOff = 0;
  const server: Server = createServer((req, res) => {
    arrivals++;
    onArrival?.(arrivals);
    res.on('close', () => {
      if (!res.writableFinished) cutOff++;
    });
    req.resume();
    if (delayMs === Number.POSITIVE_INFINITY) return;
    req.on('end', () =>
      setTimeout(() => {
        const failure =
          service === 's3'
            ? '<Error><Code>InternalError</Code><Message>boom</Message></Error>'
            : '{"__type":"InternalServerError","message":"boom"}';
        const body = status === 200 ? (service === 's3' ? '' : '{}') : failure;
        const type = service === 's3' ? 'application/xml' : 'application/x-amz-json-1.0';
        res.writeHead(status, { 'content-type': type, 'content-length': body.length });
        res.end(body);
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients = createAwsClients({ ...configFromEnv({}), endpoint: `http://127.0.0.1:${port}` });
  const close = async () => {
    clients.s3.destroy();
    clients.dynamodb.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { clients, arrivals: () => arrivals, cutOff: () => cutOff, close };
}

const put = () => new PutItemCommand({ TableName: 't', Item: { pk: { S: 'p' } } });
const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SDK's cache of resolved middleware, by command class (absent once dropped). */
const cachedHandlers = (clients: AwsClients) =>
  (clients.dynamodb as unknown as { handlers?: WeakMap<object, unknown> }).handlers;

describe('AWS calls with an abort signal', () => {
  it.each([
    ['DynamoDB', 'dynamodb' as const],
    ['S3, whose middleware copies the input,', 's3' as const],
  ])('on %s send no attempt after the abort, retries included', async (_name, service) => {
    const controller = new AbortController();
    // The first attempt is in flight when the signal aborts; it then fails with a 500, which
    // the SDK would retry.
    const aws = await fakeAws({ status: 500, delayMs: 30, service, onArrival: () => controller.abort() });
    try {
      const call =
        service === 's3'
          ? aws.clients.s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('x') }), {
              abortSignal: controller.signal,
            })
          : aws.clients.dynamodb.send(put(), { abortSignal: controller.signal });
      expect(await failure(call)).toMatchObject({ name: 'AbortError' });
      // Give the SDK time for all its retries: none may go out.
      await sleep(3_000);
      expect(aws.arrivals()).toBe(1);
    } finally {
      await aws.close();
    }
  });

  it('destroy an attempt in flight at the abort, with the reason as the cause', async () => {
    const controller = new AbortController();
    const reason = new DOMException('The commit deadline passed.', 'TimeoutError');
    // The attempt has arrived when the signal aborts, and the answer never comes: the call can
    // only end because the abort destroyed the attempt.
    const aws = await fakeAws({
      status: 200,
      delayMs: Number.POSITIVE_INFINITY,
      onArrival: () => controller.abort(reason),
    });
    try {
      const error = await failure(
        aws.clients.dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'p' } } } }],
          }),
          { abortSignal: controller.signal },
        ),
      );
      expect(error).toMatchObject({ name: 'AbortError', cause: reason });
      expect(aws.arrivals()).toBe(1);
      // The server sees the connection closed under the unanswered request.
      while (aws.cutOff() === 0) await sleep(10);
      expect(aws.cutOff()).toBe(1);
    } finally {
      await aws.close();
    }
  });

  it('send nothing when the signal has already aborted', async () => {
    const aws = await fakeAws({ status: 200, delayMs: 0 });
    try {
      const error = await failure(aws.clients.dynamodb.send(put(), { abortSignal: AbortSignal.abort() }));
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(aws.arrivals()).toBe(0);
    } finally {
      await aws.close();
    }
  });

  it('answer as usual when the signal does not abort, and keep the middleware cache', async () => {
    const aws = await fakeAws({ status: 200, delayMs: 0 });
    try {
      await aws.clients.dynamodb.send(put());
      const cache = cachedHandlers(aws.clients);
      expect(cache?.has(PutItemCommand)).toBe(true);
      const controller = new AbortController();
      await expect(
        aws.clients.dynamodb.send(put(), { abortSignal: controller.signal }),
      ).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
      controller.abort();
      // The SDK drops its whole cache for a call with options; this one kept it.
      expect(cachedHandlers(aws.clients)).toBe(cache);
      expect(aws.arrivals()).toBe(2);
    } finally {
      await aws.close();
    }
  });
});
