import { randomBytes } from 'node:crypto';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SluiceConfig } from '../shared/config';
import { createAwsClients } from '../shared/storage/aws';
import { runClosedLoop } from './load';
import { type LatencySummary, nowMs, perSecond, summarize } from './stats';

/** One raw store operation measured at the produce benchmark's size and concurrency. */
export interface BaselineResult {
  readonly opsPerSec: number;
  readonly ok: number;
  readonly failed: number;
  readonly latencyMs: LatencySummary;
}

/** Options shared by both baselines. */
export interface BaselineOptions {
  readonly config: SluiceConfig;
  readonly concurrency: number;
  readonly total: number;
  readonly maxMs: number;
}

/**
 * Raw S3 PutObject of `segment` (the very bytes a produce request writes) at unique keys,
 * through the same edge and with the same client settings as Sluice, but none of its code.
 *
 * @example
 * const s3 = await measureS3Put({ config, concurrency: 16, total: 1000, maxMs: 5000 }, segment);
 */
export async function measureS3Put(options: BaselineOptions, segment: Buffer): Promise<BaselineResult> {
  const { s3 } = createAwsClients(options.config);
  const run = randomBytes(4).toString('hex');
  try {
    const result = await runClosedLoop({
      ...options,
      operation: async (_worker, seq) => {
        await s3.send(
          new PutObjectCommand({
            Bucket: options.config.bucket,
            Key: `bench-baseline/${run}-${seq}`,
            Body: segment,
            ContentLength: segment.length,
          }),
        );
        return true;
      },
    });
    return toBaseline(result);
  } finally {
    s3.destroy();
  }
}

/**
 * Raw DynamoDB PutItem of an item shaped and sized like one index item, with the same
 * `attribute_not_exists` condition, each at a fresh key so none conflicts.
 *
 * @example
 * const ddb = await measureDynamoPut({ config, concurrency: 16, total: 1000, maxMs: 5000 });
 */
export async function measureDynamoPut(options: BaselineOptions): Promise<BaselineResult> {
  const { dynamodb } = createAwsClients(options.config);
  const run = randomBytes(4).toString('hex');
  try {
    const result = await runClosedLoop({
      ...options,
      operation: async (worker, seq) => {
        await dynamodb.send(
          new PutItemCommand({
            TableName: options.config.logTable,
            // The index item's attribute names and sizes (see shared/storage/log-index.ts).
            Item: {
              pk: { S: `bench${run}#${worker}` },
              sk: { N: String(seq) },
              n: { N: '10' },
              seg: { S: `segments/bench${run}/${Date.now()}-${randomBytes(8).toString('hex')}` },
              start: { N: '57' },
              len: { N: '10322' },
              fts: { N: String(Date.now()) },
              mts: { N: String(Date.now()) },
              at: { N: String(Date.now()) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return true;
      },
    });
    return toBaseline(result);
  } finally {
    dynamodb.destroy();
  }
}

/**
 * The least store work a produce-then-consume round trip needs, done directly and one at a
 * time: PutObject, conditional PutItem, one consistent Query, one ranged GetObject. The
 * baseline of the end-to-end latency.
 *
 * @example
 * const chain = await measureRawChain(config, segment, 50, 10_000);
 */
export async function measureRawChain(
  config: SluiceConfig,
  segment: Buffer,
  samples: number,
  maxMs: number,
): Promise<LatencySummary> {
  const { s3, dynamodb } = createAwsClients(config);
  const run = randomBytes(4).toString('hex');
  const pk = `bench-chain${run}#0`;
  const latencies: number[] = [];
  try {
    const begin = nowMs();
    for (let i = 0; i < samples && nowMs() - begin < maxMs; i++) {
      const key = `bench-chain/${run}-${i}`;
      const t0 = nowMs();
      await s3.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: key,
          Body: segment,
          ContentLength: segment.length,
        }),
      );
      await dynamodb.send(
        new PutItemCommand({
          TableName: config.logTable,
          Item: { pk: { S: pk }, sk: { N: String(i) }, seg: { S: key } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      await dynamodb.send(
        new QueryCommand({
          TableName: config.logTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const object = await s3.send(
        new GetObjectCommand({ Bucket: config.bucket, Key: key, Range: `bytes=0-${segment.length - 1}` }),
      );
      await object.Body?.transformToByteArray();
      latencies.push(nowMs() - t0);
    }
    return summarize(latencies);
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}

function toBaseline(result: Awaited<ReturnType<typeof runClosedLoop>>): BaselineResult {
  if (result.ok === 0) throw new Error(`baseline failed: ${String(result.firstError)}`);
  return {
    opsPerSec: perSecond(result.ok, result.elapsedMs),
    ok: result.ok,
    failed: result.failed,
    latencyMs: summarize(result.latenciesMs),
  };
}
