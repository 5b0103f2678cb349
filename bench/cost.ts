/**
 * Monthly cost model: Sluice (from the AWS calls measured in this run) beside Kinesis Data
 * Streams (on-demand and provisioned) and MSK Serverless. Every price is a us-east-1 list
 * price as written in {@link PRICES}; none is fetched, and none is authoritative.
 */

/** List prices used, us-east-1, USD. Check the AWS pricing pages before relying on any. */
export const PRICES = {
  asOf: '2026-11-26 (list prices supplied with the benchmark brief; not re-checked against live AWS pages)',
  s3PutPer1k: 0.005,
  s3GetPer1k: 0.0004,
  s3StoragePerGbMonth: 0.023,
  dynamodbWritePerMillionUnits: 0.625,
  dynamodbReadPerMillionUnits: 0.125,
  dynamodbStoragePerGbMonth: 0.25,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  apiGatewayHttpPerMillion: 1.0,
  kinesisOnDemandStreamHour: 0.04,
  kinesisOnDemandInPerGb: 0.08,
  kinesisOnDemandOutPerGb: 0.04,
  kinesisShardHour: 0.015,
  kinesisPerMillionPutUnits: 0.014,
  mskServerlessClusterHour: 0.75,
  mskServerlessPartitionHour: 0.0015,
  mskServerlessInPerGb: 0.1,
  mskServerlessOutPerGb: 0.05,
  mskServerlessStoragePerGbMonth: 0.1,
} as const;

/** Model constants that are choices, not prices; each is stated in the report and docs. */
export const ASSUMPTIONS = {
  hoursPerMonth: 730,
  retentionDays: 7,
  /** Deployed default memory of the HTTP and poller functions (infra/sluice.ts), arm64. */
  lambdaMemoryMb: 1024,
  /** Floor for one produce invocation: in-region S3 PUT + DynamoDB PutItem take tens of ms. */
  minProduceMs: 50,
  /** Extra produce time per request byte (S3 upload at ~50 MB/s). */
  uploadBytesPerMs: 50_000,
  /** API Gateway HTTP API meters requests in 512 KB steps. */
  apiGatewayStepBytes: 512 * 1024,
  /** Poller defaults (shared/poller/options.ts): 100 ms polls, batches of 100. */
  pollsPerSecondPerPartition: 10,
  consumerBatchSize: 100,
  /** A batch closes after the 500 ms batching window: at most 2 commits/s per partition. */
  commitsPerSecondPerPartition: 2,
  /** One heartbeat (a read and a write) every 5 s while the poller runs. */
  heartbeatsPerSecond: 0.2,
  /** An idle group's scheduled poller start, once a minute: ~100 ms, 2 writes, 2 + 2·P reads. */
  idleTickMs: 100,
  /** DynamoDB bytes per index item, including its ~100 B per-item overhead. */
  indexItemBytes: 250,
} as const;

/** A steady workload with one consumer group reading everything. */
export interface Workload {
  readonly name: string;
  readonly recordsPerSec: number;
  readonly recordBytes: number;
  /** Records per produce request (the client's batching). */
  readonly recordsPerRequest: number;
  /** Partitions of the topic (MSK partition-hours; Sluice polls each). */
  readonly partitions: number;
}

/** The workloads of the cost table. */
export const WORKLOADS: readonly Workload[] = [
  {
    name: 'idle: 1 topic, 1 partition, 1 group, no traffic',
    recordsPerSec: 0,
    recordBytes: 1024,
    recordsPerRequest: 1,
    partitions: 1,
  },
  {
    name: '1 rec/s of 1 KB, unbatched',
    recordsPerSec: 1,
    recordBytes: 1024,
    recordsPerRequest: 1,
    partitions: 1,
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

/** What the run measured that the Sluice model needs. */
export interface MeasuredCosts {
  /** AWS calls per produce request (one partition per request). */
  readonly produce: { readonly s3Put: number; readonly dynamodbWrite: number; readonly dynamodbRead: number };
  /** AWS calls of a fetch reading one section, and of an empty fetch at the log end. */
  readonly fetch: { readonly s3Get: number; readonly dynamodbRead: number };
  readonly emptyFetch: { readonly dynamodbRead: number };
  /** S3 object bytes ÷ record bytes, and HTTP body bytes ÷ record bytes. */
  readonly segmentOverhead: number;
  readonly bodyOverhead: number;
  /** Produce latency with no other load (stands in for one Lambda invocation). */
  readonly produceMs: number;
}

/** One row of the cost table, USD per month. */
export interface CostRow {
  readonly workload: string;
  readonly sluiceUsdPerMonth: number;
  readonly kinesisOnDemandUsdPerMonth: number;
  readonly kinesisProvisionedUsdPerMonth: number;
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
      mskServerlessUsdPerMonth: mskServerlessCost(w),
      sluiceBreakdown,
    };
  });
}

const seconds = () => ASSUMPTIONS.hoursPerMonth * 3600;
const bytesPerSec = (w: Workload) => w.recordsPerSec * w.recordBytes;
const monthlyGb = (w: Workload) => (bytesPerSec(w) * seconds()) / GIB;
const retainedGb = (w: Workload) => (bytesPerSec(w) * ASSUMPTIONS.retentionDays * 86_400) / GIB;
const lambdaGbSeconds = (ms: number) => (ms / 1000) * (ASSUMPTIONS.lambdaMemoryMb / 1024);

/**
 * Sluice, by item. Produce: measured calls per request; API Gateway and the HTTP function per
 * request. Storage: 7 days of segments (with the measured codec overhead) and index items;
 * retention deletes each index item once (S3 DELETE is free). Consumer: one poller that
 * runs all month while records flow (a scheduled tick per minute when idle), polling each
 * partition 10×/s; each section is read once, big requests in 100-record batches.
 */
export function sluiceCost(w: Workload, m: MeasuredCosts): Record<string, number> {
  const s = seconds();
  const requests = (w.recordsPerSec / w.recordsPerRequest) * s;
  const bodyBytes = w.recordsPerRequest * w.recordBytes * m.bodyOverhead;
  const produceMs =
    Math.max(m.produceMs, ASSUMPTIONS.minProduceMs) + bodyBytes / ASSUMPTIONS.uploadBytesPerMs;
  const indexItems = (w.recordsPerSec / w.recordsPerRequest) * ASSUMPTIONS.retentionDays * 86_400;
  const write = PRICES.dynamodbWritePerMillionUnits / 1e6;
  const read = PRICES.dynamodbReadPerMillionUnits / 1e6;
  const lambda = (gbSeconds: number, invocations: number) =>
    gbSeconds * PRICES.lambdaArmPerGbSecond + (invocations * PRICES.lambdaPerMillionRequests) / 1e6;

  const consumer = consumerUsage(w, m);
  return {
    s3Put: (requests * m.produce.s3Put * PRICES.s3PutPer1k) / 1000,
    dynamodbProduce: requests * (m.produce.dynamodbWrite * write + m.produce.dynamodbRead * read),
    lambdaProduce: lambda(requests * lambdaGbSeconds(produceMs), requests),
    apiGateway:
      (requests * Math.ceil(bodyBytes / ASSUMPTIONS.apiGatewayStepBytes) * PRICES.apiGatewayHttpPerMillion) /
      1e6,
    storage:
      retainedGb(w) * m.segmentOverhead * PRICES.s3StoragePerGbMonth +
      ((indexItems * ASSUMPTIONS.indexItemBytes) / GIB) * PRICES.dynamodbStoragePerGbMonth,
    retentionDeletes: requests * write,
    consumerS3Get: (consumer.s3Gets * PRICES.s3GetPer1k) / 1000,
    consumerDynamodb: consumer.reads * read + consumer.writes * write,
    consumerLambda: lambda(consumer.gbSeconds, consumer.invocations),
  };
}

/** Monthly calls and compute of one consumer group's poller. */
function consumerUsage(w: Workload, m: MeasuredCosts) {
  const s = seconds();
  if (w.recordsPerSec === 0) {
    const ticks = 60 * ASSUMPTIONS.hoursPerMonth;
    return {
      s3Gets: 0,
      reads: ticks * (2 + 2 * w.partitions),
      writes: ticks * 2,
      gbSeconds: ticks * lambdaGbSeconds(ASSUMPTIONS.idleTickMs),
      invocations: ticks,
    };
  }
  const requestsPerSec = w.recordsPerSec / w.recordsPerRequest;
  const fetchesPerSec = Math.max(
    ASSUMPTIONS.pollsPerSecondPerPartition * w.partitions,
    w.recordsPerSec / ASSUMPTIONS.consumerBatchSize,
  );
  const sectionReadsPerSec = Math.max(requestsPerSec, w.recordsPerSec / ASSUMPTIONS.consumerBatchSize);
  const nonEmpty = Math.min(fetchesPerSec, sectionReadsPerSec);
  const commitsPerSec = Math.min(
    w.recordsPerSec,
    Math.max(
      ASSUMPTIONS.commitsPerSecondPerPartition * w.partitions,
      w.recordsPerSec / ASSUMPTIONS.consumerBatchSize,
    ),
  );
  return {
    s3Gets: sectionReadsPerSec * m.fetch.s3Get * s,
    reads:
      (nonEmpty * m.fetch.dynamodbRead +
        (fetchesPerSec - nonEmpty) * m.emptyFetch.dynamodbRead +
        ASSUMPTIONS.heartbeatsPerSecond) *
      s,
    writes: (commitsPerSec + ASSUMPTIONS.heartbeatsPerSecond) * s,
    gbSeconds: lambdaGbSeconds(s * 1000),
    // A 5-minute timeout restarts the poller 12 times an hour.
    invocations: 12 * ASSUMPTIONS.hoursPerMonth,
  };
}

/**
 * Kinesis on-demand: stream-hours, data in (each record rounded up to 1 KB), data out for one
 * consumer. Default 24 h retention (the 7 days Sluice keeps would cost extra here).
 */
export function kinesisOnDemandCost(w: Workload): number {
  const s = seconds();
  const inGb = (w.recordsPerSec * Math.ceil(w.recordBytes / 1024) * 1024 * s) / GIB;
  return (
    PRICES.kinesisOnDemandStreamHour * ASSUMPTIONS.hoursPerMonth +
    inGb * PRICES.kinesisOnDemandInPerGb +
    monthlyGb(w) * PRICES.kinesisOnDemandOutPerGb
  );
}

/**
 * Kinesis provisioned: enough shards for 1 MB/s and 1,000 records/s in and 2 MB/s out (at
 * least one), plus PUT payload units of 25 KB. Default 24 h retention.
 */
export function kinesisProvisionedCost(w: Workload): number {
  const mib = 1024 * 1024;
  const shards = Math.max(
    1,
    Math.ceil(bytesPerSec(w) / mib),
    Math.ceil(w.recordsPerSec / 1000),
    Math.ceil(bytesPerSec(w) / (2 * mib)),
  );
  const putUnits = w.recordsPerSec * Math.ceil(w.recordBytes / (25 * 1024)) * seconds();
  return (
    shards * PRICES.kinesisShardHour * ASSUMPTIONS.hoursPerMonth +
    (putUnits * PRICES.kinesisPerMillionPutUnits) / 1e6
  );
}

/** MSK Serverless: cluster-hours, partition-hours, data in and out, 7 days of storage. */
export function mskServerlessCost(w: Workload): number {
  return (
    PRICES.mskServerlessClusterHour * ASSUMPTIONS.hoursPerMonth +
    w.partitions * PRICES.mskServerlessPartitionHour * ASSUMPTIONS.hoursPerMonth +
    monthlyGb(w) * (PRICES.mskServerlessInPerGb + PRICES.mskServerlessOutPerGb) +
    retainedGb(w) * PRICES.mskServerlessStoragePerGbMonth
  );
}
