import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { configFromEnv } from '../../shared/config';
import { AwsRequestCounter, createAwsClients } from '../../shared/storage/aws';

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
});
