import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, type _Record as StreamsApiRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { followLogStream } from '../../local/stream-reader';
import type { SluiceConfig } from '../../shared/config';
import { awsClientSettings, createAwsClients } from '../../shared/storage/aws';
import type { CfnJson } from '../infra/support';
import { silentLogger } from './groups';

/** The log table's stream being read, and what it has given so far. */
export interface LogStreamCapture {
  /** The stream's ARN (what Lambda puts in each record's `eventSourceARN`). */
  readonly streamArn: string;
  /** Every record read since the capture started, in shard order, as the Streams API gives them. */
  readonly records: readonly StreamsApiRecord[];
  /** Stops reading; resolves once the reader has let go of its clients. */
  stop(): Promise<void>;
}

/**
 * Starts reading the log table's stream of DynamoDB Local through the Streams API (the local
 * backbone's reader, `local/stream-reader.ts`) and resolves once it is positioned: every
 * record written from then on lands in `records`.
 *
 * @example
 * const capture = await captureLogStream(config);
 * // ... produce ...
 * await waitFor(() => capture.records.length >= 3);
 * await capture.stop();
 */
export async function captureLogStream(config: SluiceConfig): Promise<LogStreamCapture> {
  const clients = createAwsClients(config);
  const streams = new DynamoDBStreamsClient(awsClientSettings(config));
  const close = () => {
    clients.dynamodb.destroy();
    clients.s3.destroy();
    streams.destroy();
  };
  try {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: config.logTable }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`the log table ${config.logTable} has no stream`);
    const records: StreamsApiRecord[] = [];
    const controller = new AbortController();
    let ready!: () => void;
    const positioned = new Promise<void>((resolve) => (ready = resolve));
    const reading = followLogStream({
      dynamodb: clients.dynamodb,
      streams,
      table: config.logTable,
      signal: controller.signal,
      idleWaitMs: 20,
      logger: silentLogger,
      onReady: ready,
      // The reader hands over the Streams API's records as they came (typed by the keys it reads).
      onBatch: async (batch) => void records.push(...(batch as unknown as StreamsApiRecord[])),
    });
    await Promise.race([positioned, reading]);
    return {
      streamArn,
      records,
      async stop() {
        controller.abort();
        await reading.catch(() => {});
        close();
      },
    };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * The event Lambda's DynamoDB event source mapping sends for these records: the Streams API's
 * records with `eventSourceARN` added and the creation time in epoch seconds (the SDK reads it
 * as a `Date`; Lambda's JSON carries a number).
 *
 * @example
 * const event = lambdaStreamEvent(capture.records, capture.streamArn);
 */
export function lambdaStreamEvent(
  records: readonly StreamsApiRecord[],
  streamArn: string,
): DynamoDBStreamEvent {
  return {
    Records: records.map(
      (record): DynamoDBRecord => ({
        eventID: record.eventID,
        eventName: record.eventName,
        eventVersion: record.eventVersion,
        eventSource: record.eventSource,
        awsRegion: record.awsRegion,
        dynamodb: {
          ...(record.dynamodb as DynamoDBRecord['dynamodb']),
          ApproximateCreationDateTime:
            record.dynamodb?.ApproximateCreationDateTime === undefined
              ? undefined
              : Math.floor(record.dynamodb.ApproximateCreationDateTime.getTime() / 1000),
        },
        eventSourceARN: streamArn,
      }),
    ),
  };
}

/**
 * The filter of an event source mapping in a synthesized template, as a predicate on one
 * record of Lambda's event: a record passes when it matches any of the mapping's patterns.
 * Only the pattern forms the construct writes are understood (a list of exact values, and
 * `anything-but` a list); any other form throws, so a new filter cannot be read wrong.
 *
 * @example
 * const passes = eventSourceFilter(template, pollerLogicalId);
 * const delivered = event.Records.filter(passes);
 */
export function eventSourceFilter(
  template: CfnJson,
  functionLogicalId: string,
): (record: DynamoDBRecord) => boolean {
  const mappings = Object.values<CfnJson>(template.Resources).filter(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName?.Ref === functionLogicalId,
  );
  if (mappings.length !== 1)
    throw new Error(`expected one event source mapping on ${functionLogicalId}, found ${mappings.length}`);
  const patterns: CfnJson[] = (mappings[0].Properties.FilterCriteria?.Filters ?? []).map((f: CfnJson) =>
    JSON.parse(f.Pattern),
  );
  if (patterns.length === 0) return () => true;
  return (record) => patterns.some((pattern) => matches(pattern, record));
}

function matches(pattern: CfnJson, value: CfnJson): boolean {
  if (Array.isArray(pattern)) return pattern.some((rule) => matchesRule(rule, value));
  if (pattern === null || typeof pattern !== 'object')
    throw new Error(`unsupported filter pattern ${JSON.stringify(pattern)}`);
  return Object.entries(pattern).every(
    ([field, inner]) =>
      value !== null && typeof value === 'object' && field in value && matches(inner, value[field]),
  );
}

function matchesRule(rule: CfnJson, value: CfnJson): boolean {
  if (typeof rule === 'string' || typeof rule === 'number') return value === rule;
  const keys = rule && typeof rule === 'object' ? Object.keys(rule) : [];
  if (keys.length === 1 && keys[0] === 'anything-but' && Array.isArray(rule['anything-but']))
    return !rule['anything-but'].includes(value);
  throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
}
