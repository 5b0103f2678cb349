import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type KeySchemaElement,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { type BucketLocationConstraint, CreateBucketCommand } from '@aws-sdk/client-s3';
import type { SluiceConfig } from '../config';
import type { AwsClients } from './aws';
import { LOG_TABLE_KEYS, LOG_TABLE_TTL_ATTRIBUTE, META_TABLE_KEYS, META_TABLE_TTL_ATTRIBUTE } from './schema';

type TableKeys = typeof LOG_TABLE_KEYS | typeof META_TABLE_KEYS;

/**
 * Creates Sluice's bucket and two tables unless they exist, waits until both tables are
 * ACTIVE, turns on both tables' TTL (idle producer state expires; expired inline slots and
 * voids are deleted for free) and the log table's KEYS_ONLY change stream (what stream-triggered consumer groups read). Safe to run on every start: resources that already exist are left as they are, also when another start
 * provisions them at the same time or an update's answer is lost and the SDK's retry finds it made.
 * For local endpoints and tests; on AWS the CDK construct owns these resources.
 *
 * @example
 * const config = configFromEnv();
 * await provisionResources(config, createAwsClients(config));
 */
export async function provisionResources(config: SluiceConfig, clients: AwsClients): Promise<void> {
  await Promise.all([
    createBucket(config, clients),
    createTable(clients, config.logTable, LOG_TABLE_KEYS).then(() =>
      Promise.all([
        enableKeysOnlyStream(clients, config.logTable),
        enableTimeToLive(clients, config.logTable, LOG_TABLE_TTL_ATTRIBUTE),
      ]),
    ),
    createTable(clients, config.metaTable, META_TABLE_KEYS).then(() =>
      enableTimeToLive(clients, config.metaTable, META_TABLE_TTL_ATTRIBUTE),
    ),
  ]);
}

/**
 * Turns on the table's KEYS_ONLY stream unless it has one (a table kept from before streams
 * existed gets it on the next start). The local backbone's stream reader follows it.
 */
async function enableKeysOnlyStream(clients: AwsClients, table: string): Promise<void> {
  const streamOn = async () => {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    return Table?.StreamSpecification?.StreamEnabled === true;
  };
  if (await streamOn()) return;
  await updateUnlessDone(streamOn, () =>
    clients.dynamodb.send(
      new UpdateTableCommand({
        TableName: table,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    ),
  );
}

/** Turns on the table's TTL on `attribute` unless it is on already (enabling twice is an error). */
async function enableTimeToLive(clients: AwsClients, table: string, attribute: string): Promise<void> {
  const ttlOn = async () => {
    const { TimeToLiveDescription } = await clients.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: table }),
    );
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    return (
      (status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === attribute
    );
  };
  if (await ttlOn()) return;
  await updateUnlessDone(ttlOn, () =>
    clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    ),
  );
}

/**
 * Sends an update that fails when its change is already made, and accepts that failure when
 * `done` now holds: another start made the same change since we looked, or this update was
 * applied and its answer lost, and the SDK's retry found it made (a ValidationException).
 */
async function updateUnlessDone(done: () => Promise<boolean>, update: () => Promise<unknown>): Promise<void> {
  try {
    await update();
  } catch (error) {
    if (await done()) return;
    throw error;
  }
}

async function createBucket(config: SluiceConfig, { s3 }: AwsClients): Promise<void> {
  // us-east-1 is the one region that rejects an explicit location constraint.
  const location =
    config.region === 'us-east-1'
      ? undefined
      : { LocationConstraint: config.region as BucketLocationConstraint };
  try {
    await s3.send(new CreateBucketCommand({ Bucket: config.bucket, CreateBucketConfiguration: location }));
  } catch (error) {
    // s3rver answers BucketAlreadyExists even for a bucket it created for us.
    if (!isNamed(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
  }
}

async function createTable(clients: AwsClients, name: string, keys: TableKeys): Promise<void> {
  const { partitionKey, sortKey } = keys;
  const attributes: AttributeDefinition[] = [
    { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
    { AttributeName: sortKey.name, AttributeType: sortKey.type },
  ];
  const schema: KeySchemaElement[] = [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    { AttributeName: sortKey.name, KeyType: 'RANGE' },
  ];
  try {
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: attributes,
        KeySchema: schema,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!isNamed(error, 'ResourceInUseException')) throw error;
  }
  await waitUntilTableExists(
    { client: clients.dynamodb, minDelay: 1, maxDelay: 5, maxWaitTime: 300 },
    { TableName: name },
  );
}

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}
