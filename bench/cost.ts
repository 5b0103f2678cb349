/**
 * Monthly cost model: Sluice (from the AWS calls and DynamoDB capacity units measured in this run) beside Kinesis Data
 * Streams (on-demand and provisioned) and MSK Serverless. Every price is a us-east-1 list
 * price as written in {@link PRICES}; none is fetched, and none is authoritative.
 */

import { DEFAULT_BATCH_BYTES, DEFAULT_LINGER_MS, DEFAULT_MAX_LINGER_MS } from '../shared/client/producer';
import { MAX_RECORDS_PER_APPEND } from '../shared/log/limits';
import { CONSUMER_DEFAULTS } from '../shared/poller/consumer-config';
import { COMMIT_INTERVAL_MS } from '../shared/poller/options';

/** List prices used, us-east-1, USD. Check the AWS pricing pages before relying on any. */
export const PRICES = {
  asOf: '2026-11-26 (list prices supplied with the benchmark brief; not re-checked against live AWS pages)',
  s3PutPer1k: 0.005,
  s3GetPer1k: 0.0004,
  s3StoragePerGbMonth: 0.023,
  dynamodbWritePerMillionUnits: 0.625,
  dynamodbReadPerMillionUnits: 0.125,
  dynamodbStoragePerGbMonth: 0.25,
  /** Provisioned capacity (standard table class): one write unit, one read unit, per hour. */
  dynamodbWriteCapacityUnitHour: 0.00065,
  dynamodbReadCapacityUnitHour: 0.00013,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  apiGatewayHttpPerMillion: 1.0,
  kinesisOnDemandStreamHour: 0.04,
  kinesisOnDemandInPerGb: 0.08,
  kinesisOnDemandOutPerGb: 0.04,
  kinesisShardHour: 0.015,
  kinesisPerMillionPutUnits: 0.014,
  /** Provisioned: retention past 24 h, up to 7 days, per shard-hour. */
  kinesisExtendedRetentionShardHour: 0.02,
  /** On-demand: data kept past 24 h, up to 7 days, per GB-month. */
  kinesisOnDemandExtendedRetentionPerGbMonth: 0.1,
  mskServerlessClusterHour: 0.75,
  mskServerlessPartitionHour: 0.0015,
  mskServerlessInPerGb: 0.1,
  mskServerlessOutPerGb: 0.05,
  mskServerlessStoragePerGbMonth: 0.1,
} as const;

/** Model constants that are choices, not prices; each is stated in the report and docs. */
export const ASSUMPTIONS = {
  hoursPerMonth: 730,
  /**
   * With `provisionedCapacity`: the utilization auto scaling keeps (the construct's default
   * `targetUtilizationPercent`, `DEFAULT_TARGET_UTILIZATION_PERCENT` in infra/sluice-props.ts), so the capacity bought is the average units per second ÷ 0.7.
   */
  provisionedTargetUtilization: 0.7,
  retentionDays: 7,
  /** Deployed default memory of the HTTP function (infra/sluice.ts), arm64. */
  lambdaMemoryMb: 1024,
  /**
   * Deployed default memory of a polling group's poller (infra: `POLLER_MEMORY_MB`), arm64.
   * Measured alone at 1 MB/s (bench/poller-footprint.ts): about 75 ms of CPU a second and at
   * most 175 MB resident, a quarter of the CPU share and a third of the memory of 512 MB.
   */
  pollerMemoryMb: 512,
  /**
   * The poller's CPU while records flow, measured alone (bench/poller-footprint.ts, docs/deploy.md
   * "Poller memory"): about 10 ms a second idle plus 65 ms a second per MB/s delivered.
   */
  pollerIdleCpuMsPerSecond: 10,
  pollerCpuMsPerSecondPerMBps: 65,
  /** Lambda's memory for one whole vCPU; a function's CPU share is proportional below it. */
  memoryMbPerVcpu: 1769,
  /** Floor for one produce invocation: in-region S3 PUT + DynamoDB PutItem take tens of ms. */
  minProduceMs: 50,
  /** Extra produce time per request byte (S3 upload at ~50 MB/s). */
  uploadBytesPerMs: 50_000,
  /** API Gateway HTTP API meters requests in 512 KB steps. */
  apiGatewayStepBytes: 512 * 1024,
  /** Poller defaults (shared/poller/options.ts): 100 ms polls, batches of 100. */
  pollsPerSecondPerPartition: 10,
  consumerBatchSize: 100,
  /** A batch that does not fill closes after the 500 ms batching window: at most 2 a second per partition. */
  batchesPerSecondPerPartition: 2,
  /**
   * The poller's commit interval (`COMMIT_INTERVAL_MS`): a partition kept behind by a flow
   * writes its commit at least this often; see {@link pollerCommitsPerSecond}.
   */
  commitIntervalMs: COMMIT_INTERVAL_MS,
  /** One heartbeat (a read and a write) every 5 s while the poller runs. */
  heartbeatsPerSecond: 0.2,
  /** An idle group's scheduled poller start, once a minute: ~100 ms, 2 writes, 2 + 2·P reads. */
  idleTickMs: 100,
  /** Memory of a stream-triggered group's function (infra: `STREAM_FUNCTION_MEMORY_MB`), arm64. */
  streamFunctionMemoryMb: 256,
  /** Lambda reads a DynamoDB stream shard about 4 times a second; each read with new slots is one invocation. */
  streamReadsPerSecondPerShard: 4,
  /** Stream shards of the log table: one until the table grows past one DynamoDB partition. */
  streamShards: 1,
  /**
   * One DynamoDB request's round trip in region, ms, as a drain waits for it: AWS gives
   * DynamoDB's response times as single-digit milliseconds in most cases (the DynamoDB
   * Developer Guide, "In-memory acceleration with DynamoDB Accelerator"); 10 ms takes the top
   * of that range for every request, the conditional writes and consistent queries included.
   */
  dynamodbRoundTripMs: 10,
  /**
   * One S3 GET's time to first byte in region, ms: AWS's S3 performance guide ("Timeouts and
   * retries for latency-sensitive applications") gives small requests a median latency in the
   * tens of milliseconds; 50 ms is the upper half of that. The section's bytes then arrive at
   * {@link ASSUMPTIONS.downloadBytesPerMs}.
   */
  s3GetFirstByteMs: 50,
  /** A ranged GET's transfer, bytes per ms: the ~50 MB/s assumed for uploads ({@link ASSUMPTIONS.uploadBytesPerMs}). */
  downloadBytesPerMs: 50_000,
  /**
   * The round trip of the synchronous invoke of the group's handler function, ms, with the
   * handler's own work excluded (a no-op handler): not measured and not published by AWS;
   * 30 ms is rounded up from the tens of ms a warm invoke's overhead takes, and covers the
   * event's upload (a batch of 100 records of 1 KB is about 150 KB, 3 ms at 50 MB/s).
   */
  handlerInvokeRoundTripMs: 30,
  /** Memory of the stream dispatcher, the one reader of the log table's stream (infra: `STREAM_DISPATCHER_MEMORY_MB`), arm64. */
  streamDispatcherMemoryMb: 128,
  /**
   * Duration of one dispatch at 128 MB, in region, before its per-group part: the dispatcher
   * bundle measured about 0.8 ms of CPU for the batch itself (`bench/dispatch-footprint.ts`),
   * which 128 MB's share of a vCPU (128/1769) stretches to about 11 ms, plus the concurrent
   * asynchronous invokes' round trip.
   */
  streamDispatchMs: 25,
  /** Each group a dispatch starts: about 0.8 ms of CPU measured (an invoke's request), ≈ 11 ms at 128 MB. */
  streamDispatchMsPerGroup: 12,
  /** The dispatcher's warm topic cache (the registry's 30 s): one consistent topic read per topic per 30 s. */
  topicCacheSeconds: 30,
  /** DynamoDB bytes of a slot whose section is in S3, including the ~100 B per-item overhead. */
  indexItemBytes: 250,
  /**
   * How long an expired inline slot stays stored after retention: the TTL margin
   * (`RETENTION_TTL_MARGIN_MS`, 1 hour) plus DynamoDB's TTL lag, typically within 2 days
   * (AWS's documentation); counted in full.
   */
  inlineTtlLagDays: 2 + 1 / 24,
  /** The retention sweeper's default schedule (infra: `retentionSchedule`, 5 minutes). */
  retentionSweepsPerHour: 12,
  /** Floor for one sweep invocation. */
  minSweepMs: 100,
} as const;

/** A steady workload. */
export interface Workload {
  readonly name: string;
  /** Records per second over all topics. */
  readonly recordsPerSec: number;
  readonly recordBytes: number;
  /** Records per produce request (the client's batching). */
  readonly recordsPerRequest: number;
  /** Partitions of each topic (MSK partition-hours; Sluice polls each). */
  readonly partitions: number;
  /** Topics (Kinesis: one stream each). @default 1 */
  readonly topics?: number;
  /** Consumer groups, each reading everything; 0 when nobody reads. @default 1 */
  readonly groups?: number;
  /** Sent with a producer id (the TypeScript producer's default). @default false */
  readonly idempotent?: boolean;
  /** Sections stored inline when small (the default); false prices the same traffic with every section in S3. @default true */
  readonly inline?: boolean;
  /**
   * What drives the consumer groups' delivery (`addConsumer`'s `trigger`).
   * @default CONSUMER_DEFAULTS.trigger ('stream'): the rows without it price the construct's default
   */
  readonly trigger?: 'poller' | 'stream';
  /**
   * With `trigger: 'stream'`: the consumer's `maxBatchingWindow` in whole seconds (the event
   * source mapping's window), during which stream records gather into one invocation.
   * @default 0 (the default 500 ms rounds down to none)
   */
  readonly streamBatchingWindowSeconds?: number;
  /**
   * Days every option keeps records (Sluice's `retention.ms`; Kinesis's retention period, 1 to
   * 7 days here). @default ASSUMPTIONS.retentionDays (7, Kafka's default)
   */
  readonly retentionDays?: number;
  /**
   * What serves the HTTP API (the construct's `endpoint`): a function URL has no per-request
   * price, so the API Gateway item is 0; the HTTP function's invocations cost the same.
   * @default 'http-api'
   */
  readonly endpoint?: 'http-api' | 'function-url';
  /**
   * Memory of the HTTP function in MB (the construct's `apiMemorySize`): the produce
   * invocations are billed at it, and their CPU runs at its share of a vCPU
   * ({@link produceInvocationMs}). @default ASSUMPTIONS.lambdaMemoryMb (1024, the construct's default)
   */
  readonly apiMemorySize?: number;
  /**
   * Both tables on provisioned capacity (the construct's `provisionedCapacity`), auto-scaled to
   * the workload's steady rate: the DynamoDB items become `dynamodbProvisioned`
   * ({@link provisionedCapacityCost}). @default false (on demand, the construct's default)
   */
  readonly provisionedTables?: boolean;
}

/** The TypeScript producer's batching settings that decide its request size. */
export interface BatchingSettings {
  /** @default DEFAULT_LINGER_MS */
  readonly lingerMs?: number;
  /** @default DEFAULT_MAX_LINGER_MS, or `lingerMs` when only that is given (a fixed linger) */
  readonly maxLingerMs?: number;
  /** @default DEFAULT_BATCH_BYTES */
  readonly batchBytes?: number;
}

/**
 * Records per request a steady producer with the TypeScript client's defaults sends (or with
 * other settings), by the producer's own rule (shared/client/producer/accumulator.ts): one
 * request per topic is in flight, so a batch gathers for the longer of its linger and the
 * request's time (at least {@link ASSUMPTIONS.minProduceMs} in region). The linger is
 * `maxLingerMs` once records arrive at least once per `lingerMs` plus a request's time (a
 * base-linger batch would carry more than one), else `lingerMs`. A batch stops at
 * `batchBytes` of body and at 10,000 records.
 *
 * @example
 * recordsPerRequestWithDefaults(1, 1024); // 1: a trickle keeps the 5 ms linger
 * recordsPerRequestWithDefaults(1_000, 1024); // 2000: 1 MB/s lingers 2 s
 */
export function recordsPerRequestWithDefaults(
  recordsPerSec: number,
  recordBytes: number,
  settings: BatchingSettings = {},
): number {
  const lingerMs = settings.lingerMs ?? DEFAULT_LINGER_MS;
  const maxLingerMs =
    settings.maxLingerMs ?? (settings.lingerMs === undefined ? DEFAULT_MAX_LINGER_MS : lingerMs);
  const batchBytes = settings.batchBytes ?? DEFAULT_BATCH_BYTES;
  const bodyBytesPerRecord = Math.ceil(recordBytes / 3) * 4 + 60; // base64 plus the JSON around it
  const bySize = Math.max(1, Math.floor(batchBytes / bodyBytesPerRecord));
  const flowing = (recordsPerSec * (lingerMs + ASSUMPTIONS.minProduceMs)) / 1000 >= 1;
  const linger = flowing ? maxLingerMs : lingerMs;
  const byTime = Math.max(1, Math.round((recordsPerSec * Math.max(linger, ASSUMPTIONS.minProduceMs)) / 1000));
  return Math.min(bySize, byTime, MAX_RECORDS_PER_APPEND);
}

/** The producer's defaults before the adaptive linger: a fixed 5 ms linger and 1 MB batches. */
const PREVIOUS_DEFAULTS: BatchingSettings = { lingerMs: 5, batchBytes: 1_000_000 };

const MIB = 1024 * 1024;

/** One producer sending a 1 KB record a second with the client's defaults (a producer id, no batch to gather). */
const ONE_REC_PER_SEC = {
  recordsPerSec: 1,
  recordBytes: 1024,
  recordsPerRequest: recordsPerRequestWithDefaults(1, 1024),
  partitions: 1,
  idempotent: true,
} as const;

/**
 * 1 rec/s with every construct option a user may choose to lower its price: a function URL, a
 * 5 s batching window for the stream-triggered group, and a day's retention.
 */
const EVERY_OPTION_ONE_REC_PER_SEC = {
  ...ONE_REC_PER_SEC,
  endpoint: 'function-url',
  streamBatchingWindowSeconds: 5,
  retentionDays: 1,
} as const;

/** One producer sending 1,000 records of 1 KB a second with the client's defaults, to two partitions. */
const ONE_MB_PER_SEC = {
  recordsPerSec: 1_000,
  recordBytes: 1024,
  recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024),
  partitions: 2,
  idempotent: true,
} as const;

/** 10 MiB/s of 1 KB records from one producer with the client's defaults, over 10 partitions. */
const TEN_MIB_PER_SEC = {
  recordsPerSec: (10 * MIB) / 1024,
  recordBytes: 1024,
  recordsPerRequest: recordsPerRequestWithDefaults((10 * MIB) / 1024, 1024),
  partitions: 10,
  idempotent: true,
} as const;

/** The workloads of the cost table: first the defaults a user keeps, then hand-batched traffic. */
export const WORKLOADS: readonly Workload[] = [
  {
    name: 'idle: 1 topic, 1 partition, 1 group, no traffic',
    recordsPerSec: 0,
    recordBytes: 1024,
    recordsPerRequest: 1,
    partitions: 1,
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults)',
    recordsPerSec: 1,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1, 1024),
    partitions: 1,
    idempotent: true,
  },
  {
    name: '1 rec/s of 1 KB, single records, every section in S3 (threshold 0)',
    recordsPerSec: 1,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1, 1024),
    partitions: 1,
    idempotent: true,
    inline: false,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), trigger: 'poller'",
    ...ONE_REC_PER_SEC,
    trigger: 'poller',
  },
  {
    name: '1 MB/s from one producer, client defaults (1 KB records)',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024),
    partitions: 2,
    idempotent: true,
  },
  {
    name: "1 MB/s from one producer, client defaults (1 KB records), trigger: 'poller'",
    ...ONE_MB_PER_SEC,
    trigger: 'poller',
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults), retention 1 day',
    ...ONE_REC_PER_SEC,
    retentionDays: 1,
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults), maxBatchingWindow 5 s',
    ...ONE_REC_PER_SEC,
    streamBatchingWindowSeconds: 5,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url'",
    ...ONE_REC_PER_SEC,
    endpoint: 'function-url',
  },
  {
    name: '1 MB/s from one producer, client defaults (1 KB records), retention 1 day',
    ...ONE_MB_PER_SEC,
    retentionDays: 1,
  },
  {
    name: "1 MB/s from one producer, client defaults (1 KB records), endpoint: 'function-url'",
    ...ONE_MB_PER_SEC,
    endpoint: 'function-url',
  },
  {
    name: "1 MB/s from one producer, client defaults (1 KB records), trigger: 'poller', endpoint: 'function-url'",
    ...ONE_MB_PER_SEC,
    trigger: 'poller',
    endpoint: 'function-url',
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults), apiMemorySize 512',
    ...ONE_REC_PER_SEC,
    apiMemorySize: 512,
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults), apiMemorySize 256',
    ...ONE_REC_PER_SEC,
    apiMemorySize: 256,
  },
  {
    name: '1 MB/s from one producer, client defaults (1 KB records), apiMemorySize 512',
    ...ONE_MB_PER_SEC,
    apiMemorySize: 512,
  },
  {
    name: '1 MB/s from one producer, client defaults (1 KB records), apiMemorySize 256',
    ...ONE_MB_PER_SEC,
    apiMemorySize: 256,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url', maxBatchingWindow 5 s, retention 1 day",
    ...EVERY_OPTION_ONE_REC_PER_SEC,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url', maxBatchingWindow 5 s, retention 1 day, apiMemorySize 512",
    ...EVERY_OPTION_ONE_REC_PER_SEC,
    apiMemorySize: 512,
  },
  {
    name: '1 rec/s of 1 KB, single records (client defaults), provisionedCapacity on both tables',
    ...ONE_REC_PER_SEC,
    provisionedTables: true,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url', provisionedCapacity on both tables",
    ...ONE_REC_PER_SEC,
    endpoint: 'function-url',
    provisionedTables: true,
  },
  {
    name: '1 MB/s from one producer, client defaults (1 KB records), provisionedCapacity on both tables',
    ...ONE_MB_PER_SEC,
    provisionedTables: true,
  },
  {
    name: "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url', maxBatchingWindow 5 s, retention 1 day, apiMemorySize 512, provisionedCapacity on both tables",
    ...EVERY_OPTION_ONE_REC_PER_SEC,
    apiMemorySize: 512,
    provisionedTables: true,
  },
  {
    name: "idle: 1 topic, 1 partition, 1 group, no traffic, trigger: 'poller'",
    recordsPerSec: 0,
    recordBytes: 1024,
    recordsPerRequest: 1,
    partitions: 1,
    trigger: 'poller',
  },
  {
    name: '1 MB/s from one producer, maxLingerMs 1000 (1 KB records)',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024, { maxLingerMs: 1_000 }),
    partitions: 2,
    idempotent: true,
  },
  {
    name: '1 MB/s from one producer, previous defaults: fixed lingerMs 5, 1 MB batches (1 KB records)',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024, PREVIOUS_DEFAULTS),
    partitions: 2,
    idempotent: true,
  },
  {
    name: '1 MB/s from one producer, fixed lingerMs 200, 1 MB batches (1 KB records)',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024, { ...PREVIOUS_DEFAULTS, lingerMs: 200 }),
    partitions: 2,
    idempotent: true,
  },
  {
    name: '1 MB/s from one producer, fixed lingerMs 1000, 1 MB batches (1 KB records)',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024, { ...PREVIOUS_DEFAULTS, lingerMs: 1_000 }),
    partitions: 2,
    idempotent: true,
  },
  { name: '10 MiB/s from one producer, client defaults (1 KB records)', ...TEN_MIB_PER_SEC },
  {
    name: "10 MiB/s from one producer, client defaults (1 KB records), trigger: 'poller'",
    ...TEN_MIB_PER_SEC,
    trigger: 'poller',
  },
  {
    name: '10 MiB/s from one producer, previous defaults (1 KB records)',
    recordsPerSec: (10 * MIB) / 1024,
    recordBytes: 1024,
    recordsPerRequest: recordsPerRequestWithDefaults((10 * MIB) / 1024, 1024, PREVIOUS_DEFAULTS),
    partitions: 10,
    idempotent: true,
  },
  {
    name: '1,000 idle topics, 1 partition each, no consumer',
    recordsPerSec: 0,
    recordBytes: 1024,
    recordsPerRequest: 1,
    partitions: 1,
    topics: 1_000,
    groups: 0,
  },
  {
    name: '100 rec/s of 1 KB, 10 per request',
    recordsPerSec: 100,
    recordBytes: 1024,
    recordsPerRequest: 10,
    partitions: 1,
  },
  {
    name: '1,000 rec/s of 1 KB, 100 per request',
    recordsPerSec: 1_000,
    recordBytes: 1024,
    recordsPerRequest: 100,
    partitions: 2,
  },
  {
    name: '10 MiB/s: 10,240 rec/s of 1 KB, 300 per request',
    recordsPerSec: 10_240,
    recordBytes: 1024,
    recordsPerRequest: 300,
    partitions: 10,
  },
];

/** What a request shape costs, measured through the HTTP API on a metered cluster. */
export interface ShapeCosts {
  readonly recordsPerRequest: number;
  readonly recordBytes: number;
  readonly idempotent: boolean;
  /** The inline threshold the metered cluster ran with: the default, or 0 (every section in S3). */
  readonly threshold: 'default' | 0;
  /** Whether the shape's sections were stored inline (no S3 PUT measured). */
  readonly inline: boolean;
  /** Per produce request: calls, and DynamoDB capacity units (what on-demand bills). */
  readonly perRequest: {
    readonly s3Put: number;
    readonly dynamodbWrite: number;
    readonly dynamodbRead: number;
    readonly writeUnits: number;
    readonly readUnits: number;
  };
  /** Write units of retention's conditional delete of one slot of this shape. */
  readonly deleteWriteUnits: number;
  /** A fetch of one request's section, and a poll at the end of a log of such slots. */
  readonly perFetch: { readonly s3Get: number; readonly dynamodbRead: number; readonly readUnits: number };
  readonly perEmptyFetch: { readonly dynamodbRead: number; readonly readUnits: number };
  /**
   * Latency of the shape's produce requests, one at a time on an otherwise quiet server: with
   * and without the S3 PUT on the path when a shape is measured at both thresholds.
   */
  readonly produceLatencyMs?: { readonly p50: number; readonly p99: number; readonly samples: number };
  /** HTTP body bytes and encoded section bytes of one request. */
  readonly bodyBytes: number;
  readonly sectionBytes: number;
  /** CPU of the metered server's process per produce request of this shape, ms. */
  readonly serverCpuMsPerRequest?: number;
  /** The metered server process's peak resident memory once this shape was produced, MB. */
  readonly serverMaxRssMb?: number;
}

/** What the run measured that the Sluice model needs. */
export interface MeasuredCosts {
  readonly shapes: readonly ShapeCosts[];
  /** Produce latency with no other load (stands in for one Lambda invocation). */
  readonly produceMs: number;
  /**
   * The stream trigger's requests per delivered batch (one record, one partition, a group that
   * consumed before), measured in the same run (`bench/consumer-trigger.ts`): the group read,
   * the log read, acquire, release with the commit, and the end check after the release (the
   * sequencer alone while nothing was reserved past the released offset).
   * Needed by the stream-triggered workloads (every workload without `trigger: 'poller'`).
   */
  readonly streamTrigger?: {
    readonly readUnits: number;
    readonly writeUnits: number;
  };
  /**
   * What the stream-triggered group's function itself spends on a drain, measured in the same
   * run in a process that runs only the drain (`bench/stream-drain.ts`): a drain of one 1 KB
   * record, and a drain of one 2,000-record section in S3 delivered in batches of 100.
   * {@link streamDrainMs} prices the function's time from them. Needed by the stream-triggered
   * workloads, as {@link MeasuredCosts.streamTrigger}.
   */
  readonly streamDrain?: {
    readonly oneRecord: StreamDrainCosts;
    readonly largeSection: StreamDrainCosts;
  };
  /**
   * One large section (one request of 2,000 records) delivered in batches of 100, by trigger,
   * measured in the same run (`bench/consumer-trigger.ts`): the consumer reads a section once
   * and cuts its batches from memory, so its S3 GETs are per section, not per batch.
   */
  readonly sectionDelivery: {
    readonly poller: SectionDeliveryCosts;
    readonly stream: SectionDeliveryCosts;
  };
  /** One retention sweep over `topics` idle one-partition topics. */
  readonly sweep: {
    readonly topics: number;
    readonly readUnits: number;
    readonly writeUnits: number;
    readonly ms: number;
  };
}

/** One measured drain of a stream-triggered group's function, the mean of `drains` drains. */
export interface StreamDrainCosts {
  /** Drains measured. */
  readonly drains: number;
  /** CPU (user + system) of the process that ran only the drain, ms per drain, on this machine's core. */
  readonly cpuMs: number;
  /** Records delivered and committed per drain. */
  readonly records: number;
  /** Batches delivered (synchronous handler invokes) per drain. */
  readonly batches: number;
  /** DynamoDB requests per drain (lease, log reads, release with the commit, end check). */
  readonly dynamodbRequests: number;
  /** S3 GETs per drain. */
  readonly s3Gets: number;
}

/** What delivering one large section cost a consumer, measured. */
export interface SectionDeliveryCosts {
  readonly records: number;
  readonly batches: number;
  readonly s3Get: number;
}

/** One row of the cost table, USD per month. */
export interface CostRow {
  readonly workload: string;
  readonly sluiceUsdPerMonth: number;
  /** Kinesis at its default 24 h retention, whatever the workload keeps. */
  readonly kinesisOnDemandUsdPerMonth: number;
  readonly kinesisProvisionedUsdPerMonth: number;
  /** Kinesis keeping records as long as the workload's Sluice topic does (extended retention). */
  readonly kinesisOnDemandSameRetentionUsdPerMonth: number;
  readonly kinesisProvisionedSameRetentionUsdPerMonth: number;
  /** Days the workload keeps records (Sluice and the same-retention Kinesis figures). */
  readonly retentionDays: number;
  readonly mskServerlessUsdPerMonth: number;
  /** Sluice by item, USD per month. */
  readonly sluiceBreakdown: Record<string, number>;
}

const GIB = 2 ** 30;

/**
 * Prices every workload under the four options.
 *
 * @example
 * const rows = costTable(measured);
 */
export function costTable(measured: MeasuredCosts, workloads: readonly Workload[] = WORKLOADS): CostRow[] {
  return workloads.map((w) => {
    const sluiceBreakdown = sluiceCost(w, measured);
    return {
      workload: w.name,
      sluiceUsdPerMonth: Object.values(sluiceBreakdown).reduce((a, b) => a + b, 0),
      kinesisOnDemandUsdPerMonth: kinesisOnDemandCost(w),
      kinesisProvisionedUsdPerMonth: kinesisProvisionedCost(w),
      kinesisOnDemandSameRetentionUsdPerMonth: kinesisOnDemandCost(w, retentionDaysOf(w)),
      kinesisProvisionedSameRetentionUsdPerMonth: kinesisProvisionedCost(w, retentionDaysOf(w)),
      retentionDays: retentionDaysOf(w),
      mskServerlessUsdPerMonth: mskServerlessCost(w),
      sluiceBreakdown,
    };
  });
}

/**
 * The request shapes the workloads need measured: one per records per request, record size,
 * idempotence and threshold (idle workloads need none).
 *
 * @example
 * const shapes = shapesToMeasure(WORKLOADS);
 */
export function shapesToMeasure(
  workloads: readonly Workload[] = WORKLOADS,
): Pick<ShapeCosts, 'recordsPerRequest' | 'recordBytes' | 'idempotent' | 'threshold'>[] {
  const seen = new Map<
    string,
    Pick<ShapeCosts, 'recordsPerRequest' | 'recordBytes' | 'idempotent' | 'threshold'>
  >();
  for (const w of workloads) {
    if (w.recordsPerSec === 0) continue;
    const shape = {
      recordsPerRequest: w.recordsPerRequest,
      recordBytes: w.recordBytes,
      idempotent: w.idempotent ?? false,
      threshold: w.inline === false ? (0 as const) : ('default' as const),
    };
    seen.set(shapeKey(shape), shape);
  }
  return [...seen.values()];
}

function shapeKey(shape: Pick<ShapeCosts, 'recordsPerRequest' | 'recordBytes' | 'idempotent' | 'threshold'>) {
  return `${shape.recordsPerRequest}x${shape.recordBytes}/${shape.idempotent}/${shape.threshold}`;
}

function shapeOf(w: Workload, m: MeasuredCosts): ShapeCosts {
  const key = shapeKey({
    recordsPerRequest: w.recordsPerRequest,
    recordBytes: w.recordBytes,
    idempotent: w.idempotent ?? false,
    threshold: w.inline === false ? 0 : 'default',
  });
  const shape = m.shapes.find((s) => shapeKey(s) === key);
  if (!shape) throw new Error(`no measured shape for workload "${w.name}" (${key})`);
  return shape;
}

const seconds = () => ASSUMPTIONS.hoursPerMonth * 3600;
const bytesPerSec = (w: Workload) => w.recordsPerSec * w.recordBytes;
const monthlyGb = (w: Workload) => (bytesPerSec(w) * seconds()) / GIB;
const retentionDaysOf = (w: Workload) => w.retentionDays ?? ASSUMPTIONS.retentionDays;
const retainedGb = (w: Workload) => (bytesPerSec(w) * retentionDaysOf(w) * 86_400) / GIB;
const lambdaGbSeconds = (ms: number, memoryMb: number = ASSUMPTIONS.lambdaMemoryMb) =>
  (ms / 1000) * (memoryMb / 1024);
const write = PRICES.dynamodbWritePerMillionUnits / 1e6;
const read = PRICES.dynamodbReadPerMillionUnits / 1e6;
const lambda = (gbSeconds: number, invocations: number) =>
  gbSeconds * PRICES.lambdaArmPerGbSecond + (invocations * PRICES.lambdaPerMillionRequests) / 1e6;

/**
 * Sluice, by item. Produce: the measured calls and DynamoDB capacity units per request of the
 * workload's shape; API Gateway (none behind a function URL) and the HTTP function per request.
 * Storage: the workload's days of sections (in S3, or in the slot items when inline, which stay
 * until DynamoDB's TTL deletes them) and slot items; retention removes each slot once (the
 * measured units of its deletes: none for an inline slot, which TTL deletes for free; S3 DELETE
 * is free) and sweeps every 5 minutes (measured on idle topics).
 * Consumer: per group, by its trigger ({@link triggerOf}): the stream trigger (the default) per
 * batch of new slots plus a scheduled tick per minute; with `trigger: 'poller'`, one poller that
 * runs all month while records flow (a scheduled tick per minute when idle), polling each
 * partition 10×/s. Either reads each section once, big requests in 100-record batches; reads
 * priced by their measured capacity units.
 */
export function sluiceCost(w: Workload, m: MeasuredCosts): Record<string, number> {
  const s = seconds();
  const topics = w.topics ?? 1;
  const sweeps = ASSUMPTIONS.retentionSweepsPerHour * ASSUMPTIONS.hoursPerMonth;
  const perTopic = (x: number) => (x / m.sweep.topics) * topics * w.partitions;
  // DynamoDB capacity units per month, by item: priced on demand, or as provisioned capacity.
  const sweepUnits = {
    read: sweeps * perTopic(m.sweep.readUnits),
    write: sweeps * perTopic(m.sweep.writeUnits),
  };
  const consumer = consumerUsage(w, m);
  const consumerUnits = { read: consumer.readUnits, write: consumer.writeUnits };
  const onDemand = (units: { read: number; write: number }) =>
    w.provisionedTables ? 0 : units.read * read + units.write * write;
  const sweepLambda = lambda(
    sweeps * lambdaGbSeconds(Math.max(perTopic(m.sweep.ms), ASSUMPTIONS.minSweepMs)),
    sweeps,
  );
  const topicItems = (topics * 2 * 1024 * PRICES.dynamodbStoragePerGbMonth) / GIB; // topic metadata
  const consumerItems = {
    consumerS3Get: (consumer.s3Gets * PRICES.s3GetPer1k) / 1000,
    consumerDynamodb: onDemand(consumerUnits),
    consumerLambda: lambda(consumer.gbSeconds, consumer.invocations),
  };
  if (w.recordsPerSec === 0) {
    return {
      s3Put: 0,
      dynamodbProduce: 0,
      lambdaProduce: 0,
      apiGateway: 0,
      storage: topicItems,
      retentionDeletes: 0,
      retentionSweeps: onDemand(sweepUnits) + sweepLambda,
      ...consumerItems,
      dynamodbProvisioned: provisionedOf(w, [sweepUnits, consumerUnits]),
    };
  }
  const shape = shapeOf(w, m);
  const requestsPerSec = w.recordsPerSec / w.recordsPerRequest;
  const requests = requestsPerSec * s;
  const produceUnits = {
    read: requests * shape.perRequest.readUnits,
    write: requests * shape.perRequest.writeUnits,
  };
  const deleteUnits = { read: 0, write: requests * shape.deleteWriteUnits };
  const apiMemoryMb = w.apiMemorySize ?? ASSUMPTIONS.lambdaMemoryMb;
  const produceMs = produceInvocationMs(shape, m, apiMemoryMb);
  // Inline slots are deleted by TTL (free), some time after retention moved past them.
  const storedDays = retentionDaysOf(w) + (shape.inline ? ASSUMPTIONS.inlineTtlLagDays : 0);
  const slots = requestsPerSec * storedDays * 86_400;
  const slotBytes = shape.inline
    ? shape.sectionBytes + ASSUMPTIONS.indexItemBytes
    : ASSUMPTIONS.indexItemBytes;
  const sectionOverhead = shape.sectionBytes / (w.recordsPerRequest * w.recordBytes);
  return {
    s3Put: (requests * shape.perRequest.s3Put * PRICES.s3PutPer1k) / 1000,
    dynamodbProduce: onDemand(produceUnits),
    lambdaProduce: lambda(requests * lambdaGbSeconds(produceMs, apiMemoryMb), requests),
    apiGateway:
      w.endpoint === 'function-url'
        ? 0
        : (requests *
            Math.ceil(shape.bodyBytes / ASSUMPTIONS.apiGatewayStepBytes) *
            PRICES.apiGatewayHttpPerMillion) /
          1e6,
    storage:
      (shape.inline ? 0 : retainedGb(w) * sectionOverhead * PRICES.s3StoragePerGbMonth) +
      ((slots * slotBytes) / GIB) * PRICES.dynamodbStoragePerGbMonth +
      topicItems,
    retentionDeletes: onDemand(deleteUnits),
    retentionSweeps: onDemand(sweepUnits) + sweepLambda,
    ...consumerItems,
    dynamodbProvisioned: provisionedOf(w, [produceUnits, deleteUnits, sweepUnits, consumerUnits]),
  };
}

function provisionedOf(w: Workload, items: readonly { read: number; write: number }[]): number {
  if (!w.provisionedTables) return 0;
  const s = seconds();
  const sum = (key: 'read' | 'write') => items.reduce((total, units) => total + units[key], 0) / s;
  return provisionedCapacityCost(sum('read'), sum('write'));
}

/**
 * A month of the capacity that auto scaling buys both tables for a steady load, USD: the
 * average units per second of all the workload's DynamoDB requests ÷ the target utilization,
 * rounded up, plus one unit for rounding the two tables up separately (their split is not
 * measured), and never below the two tables' minimum of one unit each. Bursts above the
 * capacity draw on DynamoDB's burst allowance (up to 5 minutes of unused capacity), which a
 * steady load keeps full; a load that is not steady is priced on demand instead.
 *
 * @example
 * provisionedCapacityCost(5, 6); // 9 read and 10 write units: 9 × 0.00013 × 730 + 10 × 0.00065 × 730 ≈ $5.60
 */
export function provisionedCapacityCost(readUnitsPerSec: number, writeUnitsPerSec: number): number {
  const units = (perSec: number) =>
    Math.max(2, Math.ceil(perSec / ASSUMPTIONS.provisionedTargetUtilization) + 1);
  return (
    ASSUMPTIONS.hoursPerMonth *
    (units(readUnitsPerSec) * PRICES.dynamodbReadCapacityUnitHour +
      units(writeUnitsPerSec) * PRICES.dynamodbWriteCapacityUnitHour)
  );
}

/**
 * One produce invocation of a shape at `memoryMb` of HTTP function, ms. The shape's own measured
 * unloaded p50 (which holds its JSON, base64 and encoding work, large for a 4 MB body; else the
 * run's small-request latency) was taken on a whole core, but Lambda gives a function a share
 * of one vCPU in proportion to its memory ({@link ASSUMPTIONS.memoryMbPerVcpu} for all of it),
 * so the request's CPU (the server's measured CPU per request of the shape) stretches by
 * `memoryMbPerVcpu / memoryMb` below a whole vCPU, while the rest of the latency (waits on
 * DynamoDB and S3) does not. Then at least {@link ASSUMPTIONS.minProduceMs}, plus the body's
 * upload to S3 in region. A shape without a measured CPU is priced as all waiting.
 *
 * @example
 * // p50 51 ms of which 30 ms CPU, 2.9 MB of body: 21 + 30 × 1769/1024 + 58 ≈ 131 ms at 1024 MB,
 * // 21 + 30 × 1769/512 + 58 ≈ 183 ms at 512 MB (billed at half the GB-seconds per ms).
 * const ms = produceInvocationMs(shape, measured, 512);
 */
export function produceInvocationMs(shape: ShapeCosts, m: MeasuredCosts, memoryMb: number): number {
  const measured = shape.produceLatencyMs?.p50 ?? m.produceMs;
  const cpuMs = shape.serverCpuMsPerRequest ?? 0;
  const waitingMs = Math.max(0, measured - cpuMs);
  const cpuStretch = Math.max(1, ASSUMPTIONS.memoryMbPerVcpu / memoryMb);
  return (
    Math.max(waitingMs + cpuMs * cpuStretch, ASSUMPTIONS.minProduceMs) +
    shape.bodyBytes / ASSUMPTIONS.uploadBytesPerMs
  );
}

/**
 * The memory a poller delivering `bytesPerSecond` is priced at: the default, or more once the
 * default's CPU share would be more than half busy — what docs/deploy.md tells a user to set
 * (`pollerMemorySize`), in 64 MB steps, up to one whole vCPU (a poller is one Node thread, so
 * more memory buys it no more CPU). Past about 7.5 MB/s one poller is more than half busy even
 * there; the model does not split a group over several.
 *
 * @example
 * pollerMemoryFor(1_000_000); // 512: the default is a quarter busy at 1 MB/s
 * pollerMemoryFor(10 * 2 ** 20); // 1769: a whole vCPU at 10 MiB/s
 */
export function pollerMemoryFor(bytesPerSecond: number): number {
  const cpuShare =
    (ASSUMPTIONS.pollerIdleCpuMsPerSecond +
      (ASSUMPTIONS.pollerCpuMsPerSecondPerMBps * bytesPerSecond) / 1e6) /
    1000;
  const halfBusy = Math.ceil((2 * cpuShare * ASSUMPTIONS.memoryMbPerVcpu) / 64) * 64;
  return Math.min(Math.max(ASSUMPTIONS.pollerMemoryMb, halfBusy), ASSUMPTIONS.memoryMbPerVcpu);
}

/**
 * Commit writes a second of one polling group over all its partitions, by the poller's rule
 * (docs/consumer-groups.md, "When a commit is written"): a partition writes its commit once
 * per catch-up — when its position reaches the readable end its last read saw, which for a
 * section cut into batches from memory is the section's end, so once per section read while a
 * flow keeps it behind — and at least once per commit interval; never more than once per
 * batch. Batches are full ones (`consumerBatchSize`) or, below that, at most one per batching
 * window per partition. What the bench measures agrees: one write per delivered batch for
 * single-record requests (each is a section and a catch-up), one for a 2,000-record section
 * delivered in 20 batches (`largeSection`). Before this rule every batch was written: at
 * 1 MB/s with the client's defaults, 10 writes a second instead of 0.5.
 *
 * @example
 * pollerCommitsPerSecond({ name: '1 MB/s', recordsPerSec: 1_000, recordBytes: 1024, recordsPerRequest: 2_000, partitions: 2 }); // 0.5
 */
export function pollerCommitsPerSecond(w: Workload): number {
  const partitions = w.partitions * (w.topics ?? 1);
  const batchesPerSec = Math.min(
    w.recordsPerSec,
    Math.max(
      ASSUMPTIONS.batchesPerSecondPerPartition * partitions,
      w.recordsPerSec / ASSUMPTIONS.consumerBatchSize,
    ),
  );
  const sectionReadsPerSec = w.recordsPerSec / w.recordsPerRequest;
  const intervalCommitsPerSec = (partitions * 1000) / ASSUMPTIONS.commitIntervalMs;
  return Math.min(batchesPerSec, Math.max(sectionReadsPerSec, intervalCommitsPerSec));
}

/**
 * What drives the workload's consumer groups: its `trigger`, else the construct's default.
 *
 * @example
 * triggerOf({ name: 'x', recordsPerSec: 1, recordBytes: 1024, recordsPerRequest: 1, partitions: 1 }); // 'stream'
 */
export function triggerOf(w: Workload): 'poller' | 'stream' {
  return w.trigger ?? CONSUMER_DEFAULTS.trigger;
}

/** Monthly calls, capacity units and compute of the workload's consumer groups (either trigger). */
function consumerUsage(w: Workload, m: MeasuredCosts) {
  const s = seconds();
  const groups = w.groups ?? 1;
  const partitions = w.partitions * (w.topics ?? 1);
  if (groups === 0) return { s3Gets: 0, readUnits: 0, writeUnits: 0, gbSeconds: 0, invocations: 0 };
  if (triggerOf(w) === 'stream') return streamConsumerUsage(w, m, groups, partitions);
  if (w.recordsPerSec === 0) {
    const ticks = 60 * ASSUMPTIONS.hoursPerMonth * groups;
    return {
      s3Gets: 0,
      readUnits: ticks * (2 + 2 * partitions),
      writeUnits: ticks * 2,
      gbSeconds: ticks * lambdaGbSeconds(ASSUMPTIONS.idleTickMs, ASSUMPTIONS.pollerMemoryMb),
      invocations: ticks,
    };
  }
  const shape = shapeOf(w, m);
  const requestsPerSec = w.recordsPerSec / w.recordsPerRequest;
  // A request's section is read once (one log read, its GET) whatever the batches cut from it.
  const sectionReadsPerSec = requestsPerSec;
  const fetchesPerSec = Math.max(ASSUMPTIONS.pollsPerSecondPerPartition * partitions, sectionReadsPerSec);
  const nonEmpty = Math.min(fetchesPerSec, sectionReadsPerSec);
  const commitsPerSec = pollerCommitsPerSecond(w);
  return {
    s3Gets: groups * sectionReadsPerSec * shape.perFetch.s3Get * m.sectionDelivery.poller.s3Get * s,
    readUnits:
      groups *
      (nonEmpty * shape.perFetch.readUnits +
        (fetchesPerSec - nonEmpty) * shape.perEmptyFetch.readUnits +
        ASSUMPTIONS.heartbeatsPerSecond) *
      s,
    writeUnits: groups * (commitsPerSec + ASSUMPTIONS.heartbeatsPerSecond) * s,
    gbSeconds: groups * lambdaGbSeconds(s * 1000, pollerMemoryFor(bytesPerSec(w))),
    // A 5-minute timeout restarts the poller 12 times an hour.
    invocations: groups * 12 * ASSUMPTIONS.hoursPerMonth,
  };
}

/**
 * The stream-triggered groups: each group's scheduled tick every minute (the safety net, at the
 * stream function's memory: a check for pending records, which finds none in steady state);
 * per stream read that found new slots — at most {@link ASSUMPTIONS.streamReadsPerSecondPerShard}
 * a second per shard, fewer when slots are rarer, and one per batching window per shard when
 * the groups set one (the mapping's window is the smallest of theirs) — ONE invocation of the
 * stream dispatcher, whatever the number of groups (it starts each group's function
 * asynchronously; its topic lookups are a cached read per topic per 30 s), and one invocation
 * of each group's function. Each group invocation drains the partitions its slots name: the
 * measured requests of a delivered batch per partition (group read, log read, acquire, release
 * with the commit, and the end check after the release that keeps a trigger from being spent:
 * a read of the sequencer alone in steady state), one more log read per further section of a partition, and each section's S3 GETs once
 * (the drain cuts a section's batches from memory; measured per large section). The group
 * function's time per invocation is {@link streamDrainMs} of the work {@link drainOf} derives
 * from the measured drains. Stream reads by Lambda cost nothing.
 */
function streamConsumerUsage(w: Workload, m: MeasuredCosts, groups: number, partitions: number) {
  const s = seconds();
  const mb = ASSUMPTIONS.streamFunctionMemoryMb;
  const ticks = 60 * ASSUMPTIONS.hoursPerMonth * groups;
  // The tick of a stream group checks for pending records and writes nothing when none are.
  const tick = {
    s3Gets: 0,
    readUnits: ticks * (2 + 2 * partitions),
    writeUnits: 0,
    gbSeconds: ticks * lambdaGbSeconds(ASSUMPTIONS.idleTickMs, mb),
    invocations: ticks,
  };
  if (w.recordsPerSec === 0) return tick;
  const measured = m.streamTrigger;
  if (!measured) throw new Error(`workload "${w.name}" needs the stream trigger's measured requests`);
  const shape = shapeOf(w, m);
  const requestsPerSec = w.recordsPerSec / w.recordsPerRequest;
  const windowSeconds = w.streamBatchingWindowSeconds ?? 0;
  const invocationsPerSec = Math.min(
    requestsPerSec,
    ASSUMPTIONS.streamReadsPerSecondPerShard * ASSUMPTIONS.streamShards,
    // A window gathers a shard's records into one invocation (a full batch ends it sooner,
    // which at these rates it never is).
    windowSeconds > 0 ? ASSUMPTIONS.streamShards / windowSeconds : Number.POSITIVE_INFINITY,
  );
  const partitionsPerInvocation = Math.min(partitions, requestsPerSec / invocationsPerSec);
  const sectionsPerInvocation = requestsPerSec / invocationsPerSec;
  const batchesPerInvocation = Math.max(
    partitionsPerInvocation,
    w.recordsPerSec / invocationsPerSec / ASSUMPTIONS.consumerBatchSize,
  );
  const drains = m.streamDrain;
  if (!drains) throw new Error(`workload "${w.name}" needs the stream drain's measured CPU`);
  const s3GetsPerSection = shape.perFetch.s3Get * m.sectionDelivery.stream.s3Get;
  const drainMs = streamDrainMs(
    drainOf(drains, {
      partitions: partitionsPerInvocation,
      sections: sectionsPerInvocation,
      records: w.recordsPerSec / invocationsPerSec,
      batches: batchesPerInvocation,
      s3GetsPerSection,
      sectionBytes: shape.sectionBytes,
    }),
    mb,
  );
  const invocations = groups * invocationsPerSec * s;
  const dispatches = invocationsPerSec * s;
  const dispatchMs = ASSUMPTIONS.streamDispatchMs + groups * ASSUMPTIONS.streamDispatchMsPerGroup;
  // The dispatcher runs (and so keeps its cache) whenever records flow.
  const topicReads = ((w.topics ?? 1) * s) / ASSUMPTIONS.topicCacheSeconds;
  return {
    s3Gets: tick.s3Gets + groups * requestsPerSec * s3GetsPerSection * s,
    readUnits:
      tick.readUnits +
      topicReads +
      invocations *
        (partitionsPerInvocation * measured.readUnits +
          (sectionsPerInvocation - partitionsPerInvocation) * shape.perFetch.readUnits),
    writeUnits: tick.writeUnits + invocations * partitionsPerInvocation * measured.writeUnits,
    gbSeconds:
      tick.gbSeconds +
      invocations * lambdaGbSeconds(drainMs, mb) +
      dispatches * lambdaGbSeconds(dispatchMs, ASSUMPTIONS.streamDispatcherMemoryMb),
    invocations: tick.invocations + invocations + dispatches,
  };
}

/** What one drain invocation of a stream-triggered group's function does, for {@link streamDrainMs}. */
export interface DrainWork {
  /** CPU on a whole core (as measured on this machine), ms. */
  readonly cpuMs: number;
  /** DynamoDB requests, one after another. */
  readonly dynamodbRequests: number;
  readonly s3Gets: number;
  /** Bytes the S3 GETs bring back. */
  readonly s3GetBytes: number;
  /** Synchronous invokes of the group's handler function: one per delivered batch. */
  readonly handlerInvokes: number;
}

/**
 * Billed duration of one drain invocation of a stream-triggered group's function at
 * `memoryMb`, ms: its CPU stretched to the function's share of a vCPU (Lambda gives a whole
 * vCPU at {@link ASSUMPTIONS.memoryMbPerVcpu}, a proportional share below, as
 * {@link produceInvocationMs} prices a produce), plus its waits, counted one after another —
 * a drain of one partition makes its requests in sequence (lease, log read, GET, each batch's
 * invoke, release, end check) — each DynamoDB request at {@link ASSUMPTIONS.dynamodbRoundTripMs},
 * each S3 GET at {@link ASSUMPTIONS.s3GetFirstByteMs} plus its bytes at
 * {@link ASSUMPTIONS.downloadBytesPerMs}, and each handler invoke at
 * {@link ASSUMPTIONS.handlerInvokeRoundTripMs}. The CPU is the local core's: a Graviton vCPU
 * slower than it is not corrected for (as for the produce).
 *
 * @example
 * // One record: 6 ms of CPU, 5 DynamoDB requests and one invoke, at 256 MB:
 * // 6 × 1769/256 + 5 × 10 + 30 ≈ 121 ms.
 * streamDrainMs({ cpuMs: 6, dynamodbRequests: 5, s3Gets: 0, s3GetBytes: 0, handlerInvokes: 1 }, 256);
 */
export function streamDrainMs(work: DrainWork, memoryMb: number): number {
  const cpuStretch = Math.max(1, ASSUMPTIONS.memoryMbPerVcpu / memoryMb);
  return (
    work.cpuMs * cpuStretch +
    work.dynamodbRequests * ASSUMPTIONS.dynamodbRoundTripMs +
    work.s3Gets * ASSUMPTIONS.s3GetFirstByteMs +
    work.s3GetBytes / ASSUMPTIONS.downloadBytesPerMs +
    work.handlerInvokes * ASSUMPTIONS.handlerInvokeRoundTripMs
  );
}

/** The shape of one drain invocation: per group, what its touched partitions hold. */
export interface DrainShape {
  /** Partitions drained (each under its own lease). */
  readonly partitions: number;
  /** Sections read (produce requests drained): at least one per partition. */
  readonly sections: number;
  readonly records: number;
  /** Batches delivered: one handler invoke each. */
  readonly batches: number;
  /** S3 GETs of one section (0 when inline). */
  readonly s3GetsPerSection: number;
  /** Bytes of one section. */
  readonly sectionBytes: number;
}

/**
 * The work of one drain invocation of `shape`, from the two measured drains: a drain's CPU is
 * taken as a fixed part per partition plus a part per record (the line through the one-record
 * drain and the large section's drain, which delivers 2,000 records in 20 batches; decoding,
 * each batch's event and its invoke grow with the records), so the two measured cases come
 * back exactly. Each partition makes the measured drain's DynamoDB requests (the larger of the
 * two); a further section of a partition one log read more and its GETs, whose CPU is not
 * measured on its own and is priced at the one-record drain's CPU per request (its whole CPU
 * over its requests — the lease's and the event's work included, so rounded up).
 *
 * @example
 * // 1 MB/s with the client's defaults: one partition, one 2,000-record section, 20 batches —
 * // the large section's drain as measured.
 * drainOf(measured.streamDrain, { partitions: 1, sections: 1, records: 2000, batches: 20, s3GetsPerSection: 1, sectionBytes: 2_100_000 });
 */
export function drainOf(measured: NonNullable<MeasuredCosts['streamDrain']>, shape: DrainShape): DrainWork {
  const { oneRecord, largeSection } = measured;
  const moreRecords = largeSection.records - oneRecord.records;
  if (!(moreRecords > 0)) throw new Error('the large drain must deliver more records than the small one');
  const cpuPerRecord = Math.max(0, (largeSection.cpuMs - oneRecord.cpuMs) / moreRecords);
  const cpuPerPartition = oneRecord.cpuMs - oneRecord.records * cpuPerRecord;
  const furtherSections = Math.max(0, shape.sections - shape.partitions);
  const cpuPerRequest = oneRecord.cpuMs / (oneRecord.dynamodbRequests + oneRecord.batches);
  const s3Gets = shape.sections * shape.s3GetsPerSection;
  return {
    cpuMs:
      shape.partitions * cpuPerPartition +
      shape.records * cpuPerRecord +
      furtherSections * (1 + shape.s3GetsPerSection) * cpuPerRequest,
    dynamodbRequests:
      shape.partitions * Math.max(oneRecord.dynamodbRequests, largeSection.dynamodbRequests) +
      furtherSections,
    s3Gets,
    s3GetBytes: s3Gets * shape.sectionBytes,
    handlerInvokes: shape.batches,
  };
}

/**
 * Kinesis on-demand: stream-hours, data in (each record rounded up to 1 KB), data out for one
 * consumer. Retention: the default 24 h, or `retentionDays` (up to 7) with the data kept past
 * the first day billed as extended retention.
 *
 * @example
 * kinesisOnDemandCost(workload); // 24 h, the figure a Kinesis user gets by default
 * kinesisOnDemandCost(workload, 7); // keeping what Sluice keeps by default
 */
export function kinesisOnDemandCost(w: Workload, retentionDays = 1): number {
  const s = seconds();
  const inGb = (w.recordsPerSec * Math.ceil(w.recordBytes / 1024) * 1024 * s) / GIB;
  const extendedGb = (bytesPerSec(w) * Math.max(0, kinesisRetentionDays(retentionDays) - 1) * 86_400) / GIB;
  return (
    (w.topics ?? 1) * PRICES.kinesisOnDemandStreamHour * ASSUMPTIONS.hoursPerMonth +
    inGb * PRICES.kinesisOnDemandInPerGb +
    monthlyGb(w) * PRICES.kinesisOnDemandOutPerGb +
    extendedGb * PRICES.kinesisOnDemandExtendedRetentionPerGbMonth
  );
}

/**
 * Kinesis provisioned: enough shards for 1 MB/s and 1,000 records/s in and 2 MB/s out (at
 * least one per topic: a stream each), plus PUT payload units of 25 KB. Retention: the default
 * 24 h, or `retentionDays` (up to 7), which bills every shard-hour again at the extended rate.
 *
 * @example
 * kinesisProvisionedCost(workload, 7);
 */
export function kinesisProvisionedCost(w: Workload, retentionDays = 1): number {
  const mib = 1024 * 1024;
  const shards = Math.max(
    w.topics ?? 1,
    Math.ceil(bytesPerSec(w) / mib),
    Math.ceil(w.recordsPerSec / 1000),
    Math.ceil(bytesPerSec(w) / (2 * mib)),
  );
  const putUnits = w.recordsPerSec * Math.ceil(w.recordBytes / (25 * 1024)) * seconds();
  const extended = kinesisRetentionDays(retentionDays) > 1 ? PRICES.kinesisExtendedRetentionShardHour : 0;
  return (
    shards * (PRICES.kinesisShardHour + extended) * ASSUMPTIONS.hoursPerMonth +
    (putUnits * PRICES.kinesisPerMillionPutUnits) / 1e6
  );
}

/** Kinesis keeps records 1 to 365 days; past 7 days long-term retention applies, not modelled. */
function kinesisRetentionDays(days: number): number {
  if (days < 1 || days > 7) throw new Error(`the Kinesis model covers 1 to 7 days of retention, not ${days}`);
  return days;
}

/** MSK Serverless: cluster-hours, partition-hours, data in and out, 7 days of storage. */
export function mskServerlessCost(w: Workload): number {
  return (
    PRICES.mskServerlessClusterHour * ASSUMPTIONS.hoursPerMonth +
    (w.topics ?? 1) * w.partitions * PRICES.mskServerlessPartitionHour * ASSUMPTIONS.hoursPerMonth +
    monthlyGb(w) * (PRICES.mskServerlessInPerGb + PRICES.mskServerlessOutPerGb) +
    retainedGb(w) * PRICES.mskServerlessStoragePerGbMonth
  );
}
