/**
 * Raw store operations, done directly with the SDK and none of Sluice's code: the baselines
 * every Sluice figure stands beside. They run in the server worker, the process that runs
 * Sluice's own SDK calls, with the same client settings (`createAwsClients`).
 */
import { randomBytes } from 'node:crypto';
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SluiceConfig } from '../shared/config';
import { type AwsClients, createAwsClients } from '../shared/storage/aws';
import { runClosedLoop } from './load';
import { cpuMicros, type Round, toRound } from './rounds';
import { type LatencySummary, nowMs, summarize } from './stats';

/** Options shared by the single-operation baselines. */
export interface BaselineOptions {
  readonly config: SluiceConfig;
  readonly concurrency: number;
  readonly total: number;
  readonly maxMs: number;
}

/**
 * Raw S3 PutObject of `segment` (the very bytes a produce request writes) at unique keys.
 *
 * @example
 * const s3 = await measureS3Put({ config, concurrency: 16, total: 1000, maxMs: 5000 }, segment);
 */
export async function measureS3Put(options: BaselineOptions, segment: Buffer): Promise<Round> {
  const clients = createAwsClients(options.config);
  const run = randomBytes(4).toString('hex');
  try {
    const begin = cpuMicros();
    const result = await runClosedLoop({
      ...options,
      operation: async (_worker, seq) => {
        await putSegment(clients, options.config, `bench-baseline/${run}-${seq}`, segment);
        return true;
      },
    });
    return checked(toRound(result, cpuMicros() - begin));
  } finally {
    destroy(clients);
  }
}

/**
 * Raw DynamoDB PutItem of an item shaped and sized like one index item, with the same
 * `attribute_not_exists` condition, each at a fresh key so none conflicts.
 *
 * @example
 * const ddb = await measureDynamoPut({ config, concurrency: 16, total: 1000, maxMs: 5000 });
 */
export async function measureDynamoPut(options: BaselineOptions): Promise<Round> {
  const clients = createAwsClients(options.config);
  const run = randomBytes(4).toString('hex');
  try {
    const begin = cpuMicros();
    const result = await runClosedLoop({
      ...options,
      operation: async (worker, seq) => {
        await putIndexItem(clients, options.config, `bench${run}#${worker}`, seq, `segments/bench${run}`, 10);
        return true;
      },
    });
    return checked(toRound(result, cpuMicros() - begin));
  } finally {
    destroy(clients);
  }
}

/**
 * The raw operations that stand for one append:
 * - `put-then-put`: PutObject, then a conditional PutItem at a fresh key (a produce at a
 *   cached head, with no race to lose: the write path before the sequenced log);
 * - `sequenced`: PutObject and `UpdateItem ADD` on the partition's sequencer item at the
 *   same time, then a conditional PutItem at the offset that reserved (the sequenced log).
 */
export type ChainKind = 'put-then-put' | 'sequenced';

/** Options of {@link createChainPool}. */
export interface ChainPoolOptions {
  readonly config: SluiceConfig;
  /** Concurrent writers. */
  readonly writers: number;
  /**
   * One pair of SDK clients per writer (like separate warm Lambdas), rather than one pair
   * for all (like one server process).
   */
  readonly clientPerWriter: boolean;
  /** All writers append to ONE partition (one shared sequencer item), or one each. */
  readonly sharedPartition: boolean;
  /** Records per append: the amount each `ADD` reserves. */
  readonly recordsPerAppend: number;
  /** The object each append writes. */
  readonly segment: Buffer;
}

/** Warm writers of the raw chain, kept from one round to the next. */
export interface ChainPool {
  round(kind: ChainKind, limits: { total: number; maxMs: number }): Promise<Round>;
  /** One append of the chain by `writer` (0 to writers − 1), outside any round. */
  append(kind: ChainKind, writer: number): Promise<void>;
  close(): void;
}

/**
 * Writers of the raw chain with their clients and keys, so that every round continues the
 * same partitions on warm connections, as Sluice's rounds do.
 *
 * @example
 * const pool = createChainPool({ config, writers: 64, clientPerWriter: true, sharedPartition: true, recordsPerAppend: 1, segment });
 * const round = await pool.round('sequenced', { total: Infinity, maxMs: 3000 });
 */
export function createChainPool(options: ChainPoolOptions): ChainPool {
  const { config, writers, segment, recordsPerAppend } = options;
  const pairs = Array.from({ length: options.clientPerWriter ? writers : 1 }, () => createAwsClients(config));
  const run = randomBytes(4).toString('hex');
  const partitionOf = (writer: number) => `bench-chain${run}#${options.sharedPartition ? 0 : writer}`;
  let nextKey = 0;
  const append = async (kind: ChainKind, writer: number) => {
    const clients = pairs[writer % pairs.length];
    const pk = partitionOf(writer);
    const key = nextKey++;
    const objectKey = `bench-chain/${run}/${key}`;
    const put = putSegment(clients, config, objectKey, segment);
    let offset = key;
    if (kind === 'sequenced') {
      const [, reserved] = await Promise.all([
        put,
        clients.dynamodb.send(
          new UpdateItemCommand({
            TableName: config.logTable,
            Key: { pk: { S: pk }, sk: { N: '-1' } },
            UpdateExpression: 'ADD #next :count',
            ExpressionAttributeNames: { '#next': 'next' },
            ExpressionAttributeValues: { ':count': { N: String(recordsPerAppend) } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      ]);
      offset = Number(reserved.Attributes?.next?.N) - recordsPerAppend;
    } else {
      await put;
    }
    await putIndexItem(clients, config, pk, offset, objectKey, recordsPerAppend);
  };
  return {
    round: async (kind, limits) => {
      const begin = cpuMicros();
      const result = await runClosedLoop({
        concurrency: writers,
        ...limits,
        operation: async (writer) => {
          await append(kind, writer);
          return true;
        },
      });
      return checked(toRound(result, cpuMicros() - begin));
    },
    append,
    close: () => {
      for (const clients of pairs) destroy(clients);
    },
  };
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
  const clients = createAwsClients(config);
  const { s3, dynamodb } = clients;
  const run = randomBytes(4).toString('hex');
  const pk = `bench-e2e${run}#0`;
  const latencies: number[] = [];
  try {
    const begin = nowMs();
    for (let i = 0; i < samples && nowMs() - begin < maxMs; i++) {
      const key = `bench-e2e/${run}-${i}`;
      const t0 = nowMs();
      await putSegment(clients, config, key, segment);
      await putIndexItem(clients, config, pk, i, key, 1);
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
    destroy(clients);
  }
}

async function putSegment(clients: AwsClients, config: SluiceConfig, key: string, segment: Buffer) {
  await clients.s3.send(
    new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: segment, ContentLength: segment.length }),
  );
}

/** An item with the index item's attribute names and sizes (see shared/storage/log-index.ts). */
async function putIndexItem(
  clients: AwsClients,
  config: SluiceConfig,
  pk: string,
  offset: number,
  segmentKey: string,
  count: number,
) {
  const now = String(Date.now());
  await clients.dynamodb.send(
    new PutItemCommand({
      TableName: config.logTable,
      Item: {
        pk: { S: pk },
        sk: { N: String(offset) },
        n: { N: String(count) },
        seg: { S: `${segmentKey}/${now}-${randomBytes(8).toString('hex')}` },
        start: { N: '57' },
        len: { N: '10322' },
        fts: { N: now },
        mts: { N: now },
        at: { N: now },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
}

function checked(round: Round): Round {
  if (round.ok === 0) throw new Error(`baseline failed: ${round.firstError ?? 'no operation completed'}`);
  return round;
}

function destroy(clients: AwsClients): void {
  clients.s3.destroy();
  clients.dynamodb.destroy();
}
