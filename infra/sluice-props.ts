import { type Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MAX_INLINE_SECTION_BYTES } from '../shared/storage/schema';
import type { ConsumerConfigDocument } from './consumer-options';
import type { SluiceDataAccess } from './data-access';

/**
 * The largest request body that reaches the HTTP function: the body travels in the Lambda
 * event (base64-encoded when API Gateway takes it for binary), which must fit Lambda's 6 MB
 * synchronous payload with 64 KB left for headers and context. The same figure as the
 * server's own default, `MAX_REQUEST_BODY_BYTES` in shared/log/limits.ts (a test compares
 * the two; the infrastructure imports only constants from the schema files).
 */
export const MAX_REQUEST_BODY_BYTES = Math.floor(((6 * 1024 * 1024 - 64 * 1024) * 3) / 4);

const CLUSTER_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Bounds of `consumerInstanceTimeout`. An instance must outlive its own longest request (a
 * read waits up to 20 s, and API Gateway ends any request at 30 s); it is also a group
 * member's session, which Kafka's brokers cap at 30 minutes by default.
 */
export const MIN_CONSUMER_INSTANCE_TIMEOUT_MS = 30_000;
export const MAX_CONSUMER_INSTANCE_TIMEOUT_MS = 1_800_000;
/** Confluent's default `consumer.instance.timeout.ms`, the server's own default too. */
export const DEFAULT_CONSUMER_INSTANCE_TIMEOUT_MS = 300_000;

/**
 * What serves Sluice's HTTP API over HTTPS (see {@link SluiceProps.endpoint}):
 * - `'http-api'`: an API Gateway HTTP API with one IAM-authorized route per operation,
 *   per-route grants, stage throttling and access logs;
 * - `'function-url'`: a Lambda function URL (auth type `AWS_IAM`) on the HTTP function, with
 *   no per-request price, one grant for the whole endpoint, and no throttling or access logs
 *   of its own.
 */
export type SluiceEndpoint = 'http-api' | 'function-url';

/**
 * Auto-scaled provisioned capacity of one of Sluice's tables (see
 * {@link SluiceProps.provisionedCapacity}). Capacity units as DynamoDB counts them: a write
 * unit is one write per second of up to 1 KB, a read unit one consistent read per second of up
 * to 4 KB (Sluice's reads are consistent).
 */
export interface TableCapacityRange {
  /** Read units the table never scales below. @default 1 */
  readonly minReadCapacity?: number;
  /** Read units the table never scales above: what bounds the table's reads, and their price. */
  readonly maxReadCapacity: number;
  /** Write units the table never scales below. @default 1 */
  readonly minWriteCapacity?: number;
  /** Write units the table never scales above: what bounds the table's writes, and their price. */
  readonly maxWriteCapacity: number;
}

/** The utilization auto scaling keeps a provisioned table at unless told otherwise, in percent. */
export const DEFAULT_TARGET_UTILIZATION_PERCENT = 70;

/** Which of Sluice's tables run on provisioned capacity (see {@link SluiceProps.provisionedCapacity}). */
export interface SluiceProvisionedCapacity {
  /**
   * The log table: each partition's sequencer and slots (appends, fetches, consumer reads).
   * @default - on demand
   */
  readonly logTable?: TableCapacityRange;
  /**
   * The meta table: topics, idempotent producers' state, consumer groups' leases and offsets.
   * @default - on demand
   */
  readonly metaTable?: TableCapacityRange;
  /** The utilization DynamoDB's auto scaling keeps each provisioned table at (20 to 90). @default 70 */
  readonly targetUtilizationPercent?: number;
}

/** Properties of the {@link Sluice} construct. Every one is optional. */
export interface SluiceProps {
  /**
   * Cluster id: the `{cluster_id}` of `/v3/clusters/{cluster_id}` and the `ClusterId`
   * metric dimension. 1 to 64 characters from `[a-zA-Z0-9_-]`.
   * @default - the stack name in lower case, or `sluice` when that is not a valid id
   */
  readonly clusterId?: string;
  /**
   * What happens to the bucket, the tables and the log groups when they leave the stack.
   * With `DESTROY`, the bucket must be emptied first (no auto-delete custom resource is
   * installed) and `deletionProtection` must be off.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on both tables.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Customer managed KMS key for the bucket (SSE-KMS with an S3 Bucket Key) and both tables.
   * @default - SSE-S3 for the bucket, the AWS owned key for the tables
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket that receives S3 server access logs of the data bucket.
   * @default - no server access logs (see docs/deploy.md: CloudTrail S3 data events are
   *   the recommended audit trail for segment objects)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Key prefix of the server access logs (only with `serverAccessLogsBucket`).
   * @default 'sluice-data/'
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Backstop expiration of segment objects, independent of topic retention. Retention is
   * enforced per topic by Sluice itself (index first, then objects); this lifecycle rule is
   * only a safety net and MUST be longer than the longest `retention.ms` of any topic, or
   * consumers will find index items whose objects are gone.
   * @default - none: objects live until Sluice's retention deletes them
   */
  readonly segmentExpiration?: Duration;
  /**
   * How often the retention function sweeps every topic (deleting records past the topic's
   * `retention.ms`), a whole number of minutes. Records live up to this much longer than
   * their retention, as in Kafka, where deletion waits for the next check.
   * @default Duration.minutes(5)
   */
  readonly retentionSchedule?: Duration;
  /**
   * More lifecycle rules for the data bucket (the hook for storage-class transitions).
   * @default - only the rule aborting incomplete multipart uploads after 1 day
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /**
   * Memory of the HTTP API function in MB.
   * @default 1024
   */
  readonly apiMemorySize?: number;
  /**
   * Concurrent executions reserved for the HTTP API function, which also caps it: a flood of
   * requests then cannot take the concurrency the pollers and the sweeper need (they draw on
   * the account's unreserved pool). Lambda keeps at least 100 executions unreserved per account.
   * @default - none: the HTTP function shares the account's unreserved pool
   */
  readonly apiReservedConcurrency?: number;
  /**
   * Memory of each consumer poller in MB. The default keeps a poller at 1 MB/s under a
   * third of its CPU share; a group whose handler events are large, or that must catch up
   * faster than a few MB/s, may want more (docs/deploy.md).
   * @default 512
   */
  readonly pollerMemorySize?: number;
  /**
   * Timeout of each consumer poller; it stops taking work before it and hands its leases
   * over. Between 1 and 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly pollerTimeout?: Duration;
  /**
   * How long a Confluent v2 consumer instance may stay silent before it expires (Confluent's
   * `consumer.instance.timeout.ms`; the HTTP function's `SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS`).
   * It is also the instance's session as a member of its consumer group: an instance that
   * stops sending requests keeps its partitions this long before the group's other members
   * take them. From 30 seconds — longer than any single request, whose read waits at most
   * 20 s within API Gateway's 30 s — to 30 minutes (Kafka's `group.max.session.timeout.ms`),
   * in whole milliseconds.
   * @default Duration.minutes(5)
   */
  readonly consumerInstanceTimeout?: Duration;
  /**
   * Largest request body the endpoint accepts (`SLUICE_MAX_REQUEST_BYTES`); a larger one is
   * answered 413 (error code 41302). At most 4669440: what still fits Lambda's 6 MB
   * synchronous payload once API Gateway has put the body, possibly base64-encoded, in the
   * function's event.
   * @default 4669440
   */
  readonly maxRequestBytes?: number;
  /**
   * Produce requests whose every partition section encodes to at most this many bytes are
   * stored in the log table's slot items instead of an S3 object
   * (`SLUICE_INLINE_SECTION_MAX_BYTES`): one DynamoDB write instead of an S3 PUT plus a write.
   * `0` sends every request to S3. The default is the measured break-even (docs/benchmarks.md,
   * docs/design/sequenced-log.md "Inline slots"); at most 307200 (a slot item holds 400 KB).
   * @default 2048
   */
  readonly inlineSectionMaxBytes?: number;
  /**
   * Provisioned capacity, auto-scaled between the bounds given, for the log table, the meta
   * table or both, instead of on-demand. For steady traffic, as a Kinesis shard is provisioned:
   * a unit provisioned all month costs 29 % of the same requests on demand, 41 % at the 70 %
   * utilization auto scaling keeps (docs/deploy.md, "Provisioned tables", prices them). The
   * price is a floor of at least one read and one write unit per table whatever the traffic
   * ($0.57 a month a table), and requests beyond the capacity
   * (a burst faster than auto scaling, which takes minutes, and DynamoDB's burst allowance)
   * are throttled: Sluice answers them 503 with `error_code` 50003, retriable, and the
   * tables' throttling alarms fire.
   * @default - both tables on demand: nothing at idle, no throttling below DynamoDB's limits
   */
  readonly provisionedCapacity?: SluiceProvisionedCapacity;
  /**
   * What serves the HTTP API. `'http-api'` is an API Gateway HTTP API: one route per
   * operation, grants down to a topic and a consumer group, stage throttling and access logs,
   * custom domains — and $1.00 per million requests, counted in 512 KB steps. `'function-url'`
   * is a Lambda function URL on the HTTP function (auth type `AWS_IAM`, SigV4 with service
   * `lambda`): no per-request price, the same payload format 2.0 events, the same 6 MB
   * request limit; but IAM then authorizes the endpoint as a whole (every `grant*` method
   * grants every route, `grantAdmin`'s reach), and there is no throttling (cap the function
   * with `apiReservedConcurrency`), no access log and no custom domain without CloudFront.
   * docs/deploy.md weighs the two.
   * @default 'http-api'
   */
  readonly endpoint?: SluiceEndpoint;
  /**
   * Steady-state request rate limit of the `$default` stage (requests per second); endpoint
   * `'http-api'` only.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst limit of the `$default` stage (requests); endpoint `'http-api'` only.
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * UNSAFE: serve every route without authorization, so anyone on the internet can read,
   * write and delete topics. Only for throw-away test stacks; `grant*` methods then grant
   * nothing useful.
   * @default false - every route requires IAM (SigV4) authorization
   */
  readonly allowUnauthenticatedAccess?: boolean;
  /**
   * Retention of the functions' logs and the API access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Consumer lag (records, the maximum over the group's partitions) above which a group's
   * lag alarm fires, after three 5-minute periods.
   * @default 10000
   */
  readonly lagAlarmThreshold?: number;
  /**
   * SNS topic notified when an alarm fires or recovers.
   * @default - alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Name of the CloudWatch dashboard.
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
}

/** What {@link Sluice.addConsumer} created for one consumer group; {@link SluiceConsumerGroup} is it. */
export interface SluiceConsumer {
  /** The group id. */
  readonly group: string;
  /** The poller function of the group. */
  readonly poller: lambda.IFunction;
  /** The rule that starts the poller every minute. */
  readonly schedule: events.Rule;
  /** Fires when the group's maximum lag stays above `lagAlarmThreshold`. */
  readonly lagAlarm: cloudwatch.Alarm;
  /** Fires when the group dead-letters any record. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The configuration document given to the poller in `SLUICE_CONSUMER_CONFIG`. */
  readonly config: ConsumerConfigDocument;
}

/** Options of a scheduled maintenance function, see {@link Sluice.addScheduledFunction}. */
export interface SluiceScheduledFunctionOptions {
  /** Entry module of the function (exports `handler`). */
  readonly entry: string;
  /** When it runs. */
  readonly schedule: events.Schedule;
  /** What it does (function description). */
  readonly description: string;
  /**
   * Maximum run time.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables (the SLUICE_* variables are always set).
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/** Options of {@link Sluice.createFunction}, the factory of every function of the construct. */
export interface SluiceFunctionOptions {
  /**
   * Parent construct.
   * @default - the Sluice construct
   */
  readonly scope?: Construct;
  /** Entry module (exports `handler`). */
  readonly entry: string;
  /** Function description. */
  readonly description: string;
  /** What the function does with the bucket and tables: its role gets exactly that. */
  readonly access: SluiceDataAccess;
  /**
   * Concurrent executions reserved for (and capping) the function.
   * @default - none: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /** Memory in MB. */
  readonly memorySize: number;
  /** Maximum run time. */
  readonly timeout: Duration;
  /**
   * Retries of a failed asynchronous invocation.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Extra environment variables (the SLUICE_* variables are always set).
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/** The cluster id: the `clusterId` prop if valid, else the default derived from the stack name. */
export function resolveClusterId(scope: Construct, clusterId: string | undefined): string {
  if (clusterId !== undefined) {
    if (Token.isUnresolved(clusterId) || !CLUSTER_ID.test(clusterId)) {
      throw new Error(
        `Sluice: clusterId "${clusterId}" is invalid: use 1 to 64 characters from [a-zA-Z0-9_-] (a literal, not a token).`,
      );
    }
    return clusterId;
  }
  const stackName = Stack.of(scope).stackName;
  if (!Token.isUnresolved(stackName)) {
    const lower = stackName.toLowerCase();
    if (CLUSTER_ID.test(lower)) return lower;
  }
  return 'sluice';
}

/** Checks the props before anything is built; messages name the prop. */
export function validateProps(props: SluiceProps): void {
  const positiveInt = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`Sluice: ${name} must be an integer from ${min} to ${max}, got ${value}.`);
    }
  };
  positiveInt('apiMemorySize', props.apiMemorySize, 128, 10_240);
  positiveInt('apiReservedConcurrency', props.apiReservedConcurrency, 1, 1_000_000);
  positiveInt('pollerMemorySize', props.pollerMemorySize, 128, 10_240);
  positiveInt('maxRequestBytes', props.maxRequestBytes, 1, MAX_REQUEST_BODY_BYTES);
  positiveInt('inlineSectionMaxBytes', props.inlineSectionMaxBytes, 0, MAX_INLINE_SECTION_BYTES);
  positiveInt('throttlingRateLimit', props.throttlingRateLimit, 1, 1_000_000);
  positiveInt('throttlingBurstLimit', props.throttlingBurstLimit, 1, 1_000_000);
  positiveInt('lagAlarmThreshold', props.lagAlarmThreshold, 0, Number.MAX_SAFE_INTEGER);
  if (props.pollerTimeout !== undefined) {
    const s = props.pollerTimeout.toSeconds();
    if (s < 60 || s > 900)
      throw new Error(`Sluice: pollerTimeout must be between 1 and 15 minutes, got ${s} s.`);
  }
  if (props.consumerInstanceTimeout !== undefined) {
    const ms = props.consumerInstanceTimeout.toMilliseconds({ integral: false });
    if (
      !Number.isInteger(ms) ||
      ms < MIN_CONSUMER_INSTANCE_TIMEOUT_MS ||
      ms > MAX_CONSUMER_INSTANCE_TIMEOUT_MS
    ) {
      throw new Error(
        `Sluice: consumerInstanceTimeout must be a whole number of milliseconds from 30 seconds to 30 minutes, got ${ms} ms.`,
      );
    }
  }
  if (props.segmentExpiration !== undefined) {
    const days = props.segmentExpiration.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw new Error(`Sluice: segmentExpiration must be a whole number of days (>= 1), got ${days}.`);
    }
  }
  if (props.retentionSchedule !== undefined) {
    const minutes = props.retentionSchedule.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1) {
      throw new Error(`Sluice: retentionSchedule must be a whole number of minutes (>= 1), got ${minutes}.`);
    }
  }
  if (props.endpoint !== undefined && props.endpoint !== 'http-api' && props.endpoint !== 'function-url') {
    throw new Error(
      `Sluice: endpoint must be 'http-api' or 'function-url', got ${JSON.stringify(props.endpoint)}.`,
    );
  }
  if (
    props.endpoint === 'function-url' &&
    (props.throttlingRateLimit !== undefined || props.throttlingBurstLimit !== undefined)
  ) {
    throw new Error(
      "Sluice: throttlingRateLimit and throttlingBurstLimit set API Gateway's stage throttling, which endpoint " +
        "'function-url' does not have: cap the HTTP function with apiReservedConcurrency instead.",
    );
  }
  validateProvisionedCapacity(props.provisionedCapacity, positiveInt);
  if (props.serverAccessLogsPrefix !== undefined && !props.serverAccessLogsBucket) {
    throw new Error('Sluice: serverAccessLogsPrefix needs serverAccessLogsBucket.');
  }
}

/** The most units a table may be given here: DynamoDB's default per-table quota. */
export const MAX_TABLE_CAPACITY_UNITS = 40_000;

function validateProvisionedCapacity(
  capacity: SluiceProvisionedCapacity | undefined,
  integer: (name: string, value: number | undefined, min: number, max: number) => void,
): void {
  if (capacity === undefined) return;
  integer('provisionedCapacity.targetUtilizationPercent', capacity.targetUtilizationPercent, 20, 90);
  for (const table of ['logTable', 'metaTable'] as const) {
    const range = capacity[table];
    if (range === undefined) continue;
    for (const kind of ['Read', 'Write'] as const) {
      const min = range[`min${kind}Capacity`];
      const max = range[`max${kind}Capacity`];
      const name = `provisionedCapacity.${table}`;
      integer(`${name}.min${kind}Capacity`, min, 1, MAX_TABLE_CAPACITY_UNITS);
      if (max === undefined) throw new Error(`Sluice: ${name}.max${kind}Capacity is required.`);
      integer(`${name}.max${kind}Capacity`, max, 1, MAX_TABLE_CAPACITY_UNITS);
      if (max < (min ?? 1)) {
        throw new Error(
          `Sluice: ${name}.max${kind}Capacity (${max}) is below min${kind}Capacity (${min ?? 1}).`,
        );
      }
    }
  }
  if (capacity.logTable === undefined && capacity.metaTable === undefined) {
    throw new Error('Sluice: provisionedCapacity names no table: give logTable, metaTable or both.');
  }
}
