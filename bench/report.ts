import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { BaselineResult } from './baseline';
import type { CodecResult } from './codec';
import type { EndToEndResult, FetchCostResult } from './consume';
import type { ContentionResult } from './contention';
import { ASSUMPTIONS, type CostRow, type MeasuredCosts, PRICES } from './cost';
import type { BenchPlan } from './plan';
import type { ProduceResult } from './produce';
import { type LatencySummary, round } from './stats';
import { fmt, renderTable, usd } from './table';

/** Everything one run measured. */
export interface BenchResults {
  readonly plan: BenchPlan;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly codec: CodecResult;
  readonly s3Put: BaselineResult;
  readonly dynamodbPut: BaselineResult;
  readonly produce: ProduceResult;
  readonly fetch: FetchCostResult;
  readonly endToEnd: EndToEndResult;
  /** Raw PutObject → PutItem → Query → GetObject, one at a time: the end-to-end baseline. */
  readonly rawChain: LatencySummary;
  readonly contention: ContentionResult;
  readonly measuredCosts: MeasuredCosts;
  readonly cost: readonly CostRow[];
}

/**
 * The `bench/results/latest.json` document: the keys of docs' "Benchmark output" contract
 * exactly, then `details` and `meta` with what a reader needs to judge the numbers.
 *
 * @example
 * const doc = toJson(results);
 */
export function toJson(r: BenchResults) {
  const slower = Math.min(r.s3Put.opsPerSec, r.dynamodbPut.opsPerSec);
  return {
    produce: {
      requestsPerSec: round(r.produce.requestsPerSec),
      recordsPerSec: round(r.produce.recordsPerSec),
      mbPerSec: round(r.produce.mbPerSec),
      baselineS3PutPerSec: round(r.s3Put.opsPerSec),
      baselineDynamodbPutPerSec: round(r.dynamodbPut.opsPerSec),
      ratioToBaseline: round(r.produce.requestsPerSec / slower),
    },
    latency: {
      produceP50Ms: round(r.produce.latencyMs.p50),
      produceP99Ms: round(r.produce.latencyMs.p99),
      endToEndP50Ms: round(r.endToEnd.endToEndMs.p50),
      endToEndP99Ms: round(r.endToEnd.endToEndMs.p99),
    },
    awsRequestsPerProduceRequest: {
      s3Put: round(r.produce.perRequest.s3Put),
      dynamodbWrite: round(r.produce.perRequest.dynamodbWrite),
      dynamodbRead: round(r.produce.perRequest.dynamodbRead),
    },
    awsRequestsPerFetch: {
      s3Get: round(r.fetch.perFetch.s3Get),
      dynamodbRead: round(r.fetch.perFetch.dynamodbRead),
    },
    codec: {
      encodeMBps: round(r.codec.encodeMBps),
      decodeMBps: round(r.codec.decodeMBps),
      kafkajsEncodeMBps: round(r.codec.kafkajsEncodeMBps),
      kafkajsDecodeMBps: round(r.codec.kafkajsDecodeMBps),
      ratioVsKafkajs: round(r.codec.ratioVsKafkajs),
    },
    contention: {
      producers: r.contention.producers,
      commitsPerSec: round(r.contention.commitsPerSec),
      conflictRate: round(r.contention.conflictRate),
    },
    cost: r.cost.map((row) => ({
      workload: row.workload,
      sluiceUsdPerMonth: round(row.sluiceUsdPerMonth),
      kinesisOnDemandUsdPerMonth: round(row.kinesisOnDemandUsdPerMonth),
      kinesisProvisionedUsdPerMonth: round(row.kinesisProvisionedUsdPerMonth),
      mskServerlessUsdPerMonth: round(row.mskServerlessUsdPerMonth),
    })),
    details: {
      produce: {
        topic: r.produce.topic,
        requests: r.produce.requests,
        failedRequests: r.produce.failed,
        firstError: r.produce.firstError,
        recordsPerRequest: r.plan.recordsPerRequest,
        recordBytes: r.plan.recordBytes,
        concurrency: r.plan.concurrency,
        requestBodyBytes: r.produce.requestBodyBytes,
        segmentBytes: r.produce.segmentBytes,
        awsCalls: r.produce.calls.raw,
      },
      baselines: {
        s3PutObject: { ...roundBaseline(r.s3Put), objectBytes: r.produce.segmentBytes },
        dynamodbPutItem: roundBaseline(r.dynamodbPut),
        endToEndRawChain: {
          steps: 'PutObject, PutItem, Query (consistent), ranged GetObject, sequential',
          p50Ms: round(r.rawChain.p50),
          p99Ms: round(r.rawChain.p99),
          samples: r.rawChain.samples,
        },
      },
      fetch: {
        fetches: r.fetch.fetches,
        recordsPerFetch: r.plan.recordsPerRequest,
        p50Ms: round(r.fetch.latencyMs.p50),
        p99Ms: round(r.fetch.latencyMs.p99),
        awsCalls: r.fetch.calls.raw,
        emptyFetchDynamodbRead: round(r.fetch.perEmptyFetch.dynamodbRead),
        emptyFetchS3Get: round(r.fetch.perEmptyFetch.s3Get),
      },
      endToEnd: {
        samples: r.endToEnd.samples,
        timedOut: r.endToEnd.timedOut,
        failedProduces: r.endToEnd.failedProduces,
        unloadedProduceP50Ms: round(r.endToEnd.unloadedProduceMs.p50),
        unloadedProduceP99Ms: round(r.endToEnd.unloadedProduceMs.p99),
      },
      contention: {
        commits: r.contention.commits,
        putItemCalls: r.contention.putItemCalls,
        gaveUp: r.contention.gaveUp,
        firstFailure: r.contention.firstFailure,
        gapless: r.contention.gapless,
        seconds: round(r.contention.elapsedMs / 1000),
      },
      codec: {
        recordsPerBatch: r.codec.recordsPerBatch,
        recordBytesPerBatch: r.codec.recordBytesPerBatch,
        sluiceBatchBytes: r.codec.sluiceBatchBytes,
        kafkajsBatchBytes: r.codec.kafkajsBatchBytes,
        encodeRatio: round(r.codec.encodeMBps / r.codec.kafkajsEncodeMBps),
        decodeRatio: round(r.codec.decodeMBps / r.codec.kafkajsDecodeMBps),
      },
      costInputs: {
        ...r.measuredCosts,
        segmentOverhead: round(r.measuredCosts.segmentOverhead),
        bodyOverhead: round(r.measuredCosts.bodyOverhead),
        produceMs: round(r.measuredCosts.produceMs),
      },
      costBreakdown: r.cost.map((row) => ({
        workload: row.workload,
        ...Object.fromEntries(Object.entries(row.sluiceBreakdown).map(([k, v]) => [k, round(v)])),
      })),
      prices: PRICES,
      assumptions: ASSUMPTIONS,
    },
    meta: {
      mode: r.plan.mode,
      startedAt: r.startedAt,
      durationSeconds: round(r.durationMs / 1000),
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round(loadavg()[0], 3),
      emulators: 'DynamoDB Local (in memory) + s3rver behind one edge, all on 127.0.0.1, in this run',
      units: 'MB = 10^6 bytes; GB in cost = 2^30 bytes; latencies in ms',
      note: 'Emulators, load generator and server share this machine: absolute numbers are local, ratios are the point.',
    },
  };
}

function roundBaseline(b: BaselineResult) {
  return {
    opsPerSec: round(b.opsPerSec),
    ok: b.ok,
    failed: b.failed,
    p50Ms: round(b.latencyMs.p50),
    p99Ms: round(b.latencyMs.p99),
  };
}

/**
 * Writes the JSON document, creating the directory.
 *
 * @example
 * await writeJson('bench/results/latest.json', toJson(results));
 */
export async function writeJson(path: string, doc: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * The readable report, as printed at the end of a run.
 *
 * @example
 * console.log(renderReport(results));
 */
export function renderReport(r: BenchResults): string {
  const j = toJson(r);
  const p = r.plan;
  const sections: string[] = [];
  sections.push(
    `Sluice benchmark (${p.mode}) — ${r.startedAt}, ${fmt(r.durationMs / 1000, 0)} s, ` +
      `${j.meta.cpus} CPUs, load average ${fmt(j.meta.loadAverage1m, 2)}. Local emulators: compare ratios, not absolutes.`,
  );
  sections.push(
    `Produce through HTTP — records:batch of ${p.recordsPerRequest} × ${fmt(p.recordBytes, 0)} B, ` +
      `${p.concurrency} keep-alive clients, one partition each\n` +
      renderTable(
        ['', 'ops/s', 'p50 ms', 'p99 ms', 'ok', 'failed'],
        [
          row(
            'Sluice produce request',
            r.produce.requestsPerSec,
            r.produce.latencyMs,
            r.produce.requests,
            r.produce.failed,
          ),
          row(
            `raw S3 PutObject (${fmt(r.produce.segmentBytes, 0)} B)`,
            r.s3Put.opsPerSec,
            r.s3Put.latencyMs,
            r.s3Put.ok,
            r.s3Put.failed,
          ),
          row(
            'raw DynamoDB PutItem',
            r.dynamodbPut.opsPerSec,
            r.dynamodbPut.latencyMs,
            r.dynamodbPut.ok,
            r.dynamodbPut.failed,
          ),
        ],
      ) +
      `\n  records/s ${fmt(r.produce.recordsPerSec, 0)}, MB/s ${fmt(r.produce.mbPerSec, 2)}, ` +
      `ratio to the slower raw store operation ${fmt(j.produce.ratioToBaseline, 2)}` +
      (r.produce.firstError ? `\n  first failure: ${r.produce.firstError}` : ''),
  );
  sections.push(
    'AWS requests (counted on the server cluster)\n' +
      renderTable(
        ['per', 'S3 PUT', 'S3 GET', 'DynamoDB write', 'DynamoDB read'],
        [
          [
            'produce request',
            fmt(r.produce.perRequest.s3Put, 3),
            fmt(r.produce.perRequest.s3Get, 3),
            fmt(r.produce.perRequest.dynamodbWrite, 3),
            fmt(r.produce.perRequest.dynamodbRead, 3),
          ],
          [
            `fetch (${p.recordsPerRequest} records, 1 section)`,
            fmt(r.fetch.perFetch.s3Put, 3),
            fmt(r.fetch.perFetch.s3Get, 3),
            fmt(r.fetch.perFetch.dynamodbWrite, 3),
            fmt(r.fetch.perFetch.dynamodbRead, 3),
          ],
          [
            'empty fetch (log end)',
            fmt(r.fetch.perEmptyFetch.s3Put, 3),
            fmt(r.fetch.perEmptyFetch.s3Get, 3),
            fmt(r.fetch.perEmptyFetch.dynamodbWrite, 3),
            fmt(r.fetch.perEmptyFetch.dynamodbRead, 3),
          ],
        ],
      ),
  );
  const e2eSamples = `${r.endToEnd.samples}${r.endToEnd.timedOut ? ` (+${r.endToEnd.timedOut} timed out)` : ''}`;
  sections.push(
    'Latency (ms)\n' +
      renderTable(
        ['', 'p50', 'p99', 'samples'],
        [
          latencyRow(`produce, ${p.concurrency} concurrent`, r.produce.latencyMs),
          latencyRow('produce, unloaded', r.endToEnd.unloadedProduceMs),
          latencyRow('fetch, sequential', r.fetch.latencyMs),
          latencyRow('end to end (poll every 5 ms)', r.endToEnd.endToEndMs, e2eSamples),
          latencyRow('raw put→put→query→get chain', r.rawChain),
        ],
      ),
  );
  sections.push(
    `Codec — ${r.codec.recordsPerBatch} records of ${fmt(r.codec.recordBytesPerBatch / r.codec.recordsPerBatch, 0)} B per batch, same process, MB/s of record bytes\n` +
      renderTable(
        ['', 'Sluice', 'kafkajs', 'ratio'],
        [
          [
            'encode',
            fmt(r.codec.encodeMBps),
            fmt(r.codec.kafkajsEncodeMBps),
            fmt(j.details.codec.encodeRatio, 2),
          ],
          [
            'decode',
            fmt(r.codec.decodeMBps),
            fmt(r.codec.kafkajsDecodeMBps),
            fmt(j.details.codec.decodeRatio, 2),
          ],
          ['geometric mean', '', '', fmt(r.codec.ratioVsKafkajs, 2)],
        ],
      ),
  );
  sections.push(
    `Contention — ${r.contention.producers} producers (separate clusters) appending 1 record per call to one partition for ${fmt(r.contention.elapsedMs / 1000, 0)} s\n` +
      `  commits/s ${fmt(r.contention.commitsPerSec)}, conflict rate ${fmt(r.contention.conflictRate * 100)} % ` +
      `(${r.contention.putItemCalls} PutItem for ${r.contention.commits} commits), gave up ${r.contention.gaveUp}, ` +
      `offsets gapless: ${r.contention.gapless ? 'yes' : 'NO'}` +
      (r.contention.firstFailure ? `\n  first failed append: ${r.contention.firstFailure}` : ''),
  );
  sections.push(
    'Monthly cost, USD (list prices us-east-1, see details.prices; one consumer group; Kinesis with 24 h retention)\n' +
      renderTable(
        ['workload', 'Sluice', 'Kinesis on-demand', 'Kinesis provisioned', 'MSK Serverless'],
        r.cost.map((c) => [
          c.workload,
          usd(c.sluiceUsdPerMonth),
          usd(c.kinesisOnDemandUsdPerMonth),
          usd(c.kinesisProvisionedUsdPerMonth),
          usd(c.mskServerlessUsdPerMonth),
        ]),
      ) +
      `\n  Sluice model inputs: the AWS calls above, produce invocation ${fmt(Math.max(r.measuredCosts.produceMs, ASSUMPTIONS.minProduceMs), 0)} ms ` +
      `at ${ASSUMPTIONS.lambdaMemoryMb} MB arm64, a poller running all month while records flow. Prices as of ${PRICES.asOf}.`,
  );
  sections.push(
    'Sluice monthly cost by item, USD\n' +
      renderTable(
        ['workload', ...Object.keys(r.cost[0].sluiceBreakdown)],
        r.cost.map((c) => [c.workload.split(':')[0], ...Object.values(c.sluiceBreakdown).map(usd)]),
      ),
  );
  return sections.join('\n\n');
}

function latencyRow(name: string, latency: LatencySummary, samples = String(latency.samples)) {
  return [name, fmt(latency.p50), fmt(latency.p99), samples];
}

function row(name: string, rate: number, latency: { p50: number; p99: number }, ok: number, failed: number) {
  return [name, fmt(rate), fmt(latency.p50), fmt(latency.p99), String(ok), String(failed)];
}
