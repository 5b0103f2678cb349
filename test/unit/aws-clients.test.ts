import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { configFromEnv } from '../../shared/config';
import { UnavailableError } from '../../shared/errors';
import { createLambdaClient } from '../../shared/poller/lambda-invoke';
import { AwsRequestCounter, createAwsClients, isRetriableAwsError } from '../../shared/storage/aws';
import { injectFaults } from '../support/faults';

/** Answers every call without a network, keeping the headers each request would have sent. */
function capture(sent: Record<string, string>[]): FinalizeRequestMiddleware<object, MetadataBearer> {
  return () => async (args) => {
    sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
    return { output: { $metadata: {} }, response: {} };
  };
}

const config = { ...configFromEnv({}), endpoint: 'http://127.0.0.1:9' };

describe('AWS clients', () => {
  it('never asks S3 for 100-continue, even for a segment over 2 MB', async () => {
    const { s3, dynamodb } = createAwsClients(config);
    const sent: Record<string, string>[] = [];
    s3.middlewareStack.add(capture(sent), { step: 'finalizeRequest', priority: 'low', name: 'capture' });
    const body = Buffer.alloc(3 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, ContentLength: body.length }));
    expect(sent).toHaveLength(1);
    expect(Object.keys(sent[0]).map((name) => name.toLowerCase())).not.toContain('expect');
    s3.destroy();
    dynamodb.destroy();
  });

  it('caches the middleware stack and still counts every call', async () => {
    const counter = new AwsRequestCounter();
    const { s3, dynamodb } = createAwsClients(config, { counter });
    expect(s3.config.cacheMiddleware).toBe(true);
    expect(dynamodb.config.cacheMiddleware).toBe(true);
    const sent: Record<string, string>[] = [];
    dynamodb.middlewareStack.add(capture(sent), {
      step: 'finalizeRequest',
      priority: 'low',
      name: 'capture',
    });
    for (let i = 0; i < 3; i++) {
      await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: String(i) } } }));
    }
    expect(sent).toHaveLength(3);
    expect(counter.count('DynamoDB.PutItem')).toBe(3);
    s3.destroy();
    dynamodb.destroy();
  });

  it('turns what the SDK gave up retrying into UnavailableError, and passes conditional failures on', async () => {
    const { s3, dynamodb } = createAwsClients(config);
    const faults = injectFaults({ s3, dynamodb }, [
      { service: 'DynamoDB', command: 'PutItem', kind: 'server-error', probability: 1 },
    ]);
    const refused = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    let refuse = false;
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        if (refuse) throw refused;
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'refuseUpdates' },
    );
    const failure = await dynamodb
      .send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'p' } } }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as UnavailableError).retriable).toBe(true);
    expect(((failure as Error).cause as Error).name).toBe('InternalServerError');
    expect(faults.counts.get('DynamoDB.PutItem server-error')).toBe(5); // the SDK's own attempts came first
    faults.rules = [];
    refuse = true;
    const conditional = await dynamodb
      .send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'p' } } }))
      .catch((error: unknown) => error);
    expect(conditional).toBe(refused);
    s3.destroy();
    dynamodb.destroy();
  });

  it('gives the invoke ports a Lambda client that caches its middleware stack too', async () => {
    const lambda = createLambdaClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect(lambda.config.cacheMiddleware).toBe(true);
    const sent: Record<string, string>[] = [];
    lambda.middlewareStack.add(capture(sent), { step: 'finalizeRequest', priority: 'low', name: 'capture' });
    for (let i = 0; i < 2; i++) {
      await lambda.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
    }
    expect(sent).toHaveLength(2);
    lambda.destroy();
  });

  it('counts throttling, 5xx and broken connections as retriable, never an abort or a refusal', () => {
    const sdk = (name: string, httpStatusCode: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
    expect(isRetriableAwsError(sdk('ThrottlingException', 400))).toBe(true);
    expect(isRetriableAwsError(sdk('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(isRetriableAwsError(sdk('InternalServerError', 500))).toBe(true);
    expect(isRetriableAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetriableAwsError(sdk('ConditionalCheckFailedException', 400))).toBe(false);
    expect(
      isRetriableAwsError(Object.assign(new Error('aborted'), { name: 'AbortError', $metadata: {} })),
    ).toBe(false);
    expect(isRetriableAwsError(new TypeError('bug'))).toBe(false);
  });
});
