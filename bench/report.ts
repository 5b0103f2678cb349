import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { CodecResult } from './codec';
import type { EndToEndResult, FetchCostResult } from './consume';
import type { ConsumerRequests, ConsumerTriggersResult } from './consumer-trigger';
import type { ContentionResult } from './contention';
import { ASSUMPTIONS, type CostRow, drainOf, type MeasuredCosts, PRICES, streamDrainMs } from './cost';
import type { BenchPlan } from './plan';
import type { ProduceResult } from './produce';
import type { Round } from './rounds';
import { type LatencySummary, round, summarize } from './stats';
import { fmt, renderTable, usd } from './table';

/** Everything one run measured. */
export interface BenchResults {
  readonly plan: BenchPlan;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly codec: CodecResult;
  readonly s3Put: Round;
  readonly dynamodbPut: Round;
  readonly produce: ProduceResult;
  readonly fetch: FetchCostResult;
  readonly endToEnd: EndToEndResult;
  /** The consumer under each trigger: produce-to-handler latency and its requests. */
  readonly triggers: ConsumerTriggersResult;
  /** Raw PutObject → PutItem → Query → GetObject, one at a time: the end-to-end baseline. */
  readonly rawChain: LatencySummary;
  readonly contention: readonly ContentionResult[];
  readonly measuredCosts: MeasuredCosts;
  /** The calls of the measured retention sweep over idle topics, by `Service.Command`. */
  readonly sweepCalls: Record<string, number>;
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
      baselineChainPerSec: round(r.produce.chain.opsPerSec),
      ratioToChain: round(r.produce.requestsPerSec / r.produce.chain.opsPerSec),
      serverCpuUsPerRequest: round(r.produce.cpu.serverPerRequest),
      baselineChainCpuUs: round(r.produce.cpu.baselinePerChain),
    },
    latency: {
      produceP50Ms: round(r.produce.latencyMs.p50),
      produceP99Ms: round(r.produce.latencyMs.p99),
      endToEndP50Ms: round(r.endToEnd.endToEndMs.p50),
      endToEndP99Ms: round(r.endToEnd.endToEndMs.p99),
    },
    consumerTriggers: Object.fromEntries(
      (['poller', 'stream'] as const).map((name) => {
        const t = r.triggers[name];
        return [
          name,
          {
            endToEndP50Ms: round(t.endToEndMs.p50),
            endToEndP99Ms: round(t.endToEndMs.p99),
            samples: t.samples,
            timedOut: t.timedOut,
            deliveredBatches: t.batches,
            awsRequestsPerDeliveredBatch: roundRequests(t.perDeliveredBatch),
            awsRequestsPerIdleMinute: roundRequests(t.perIdleMinute),
            sampleCalls: t.sampleCalls,
            largeSection: {
              records: t.perLargeSection.records,
              deliveredBatches: t.perLargeSection.batches,
              processCpuMs: round(t.perLargeSection.processCpuMs),
              processRssMb: round(t.perLargeSection.processRssMb),
              awsRequestsPerSection: roundRequests(t.perLargeSection),
              calls: t.perLargeSection.calls,
            },
          },
        ];
      }),
    ),
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
    contention: r.contention.map((c) => ({
      producers: c.producers,
      commitsPerSec: round(c.sluice.opsPerSec),
      baselineChainPerSec: round(c.chain.opsPerSec),
      ratio: round(c.sluice.opsPerSec / c.chain.opsPerSec),
      voided: sum(c.sluiceRounds, (x) => x.voided),
      gaveUp: sum(c.sluiceRounds, (x) => x.gaveUp),
    })),
    cost: r.cost.map((row) => ({
      workload: row.workload,
      sluiceUsdPerMonth: round(row.sluiceUsdPerMonth),
      kinesisOnDemandUsdPerMonth: round(row.kinesisOnDemandUsdPerMonth),
      kinesisProvisionedUsdPerMonth: round(row.kinesisProvisionedUsdPerMonth),
      mskServerlessUsdPerMonth: round(row.mskServerlessUsdPerMonth),
      retentionDays: row.retentionDays,
      kinesisOnDemandSameRetentionUsdPerMonth: round(row.kinesisOnDemandSameRetentionUsdPerMonth),
      kinesisProvisionedSameRetentionUsdPerMonth: round(row.kinesisProvisionedSameRetentionUsdPerMonth),
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
        rounds: r.produce.rounds.map((x) => round(x.opsPerSec)),
        chain: CHAINS[r.produce.chainKind],
        chainRounds: r.produce.chainRounds.map((x) => round(x.opsPerSec)),
        warmup: {
          rounds: r.produce.warmup.sluicePerSec.map((x) => round(x)),
          chainRounds: r.produce.warmup.chainPerSec.map((x) => round(x)),
          steady: r.produce.warmup.steady,
        },
        chainP50Ms: round(r.produce.chainLatencyMs.p50),
        chainP99Ms: round(r.produce.chainLatencyMs.p99),
        cpuUs: {
          serverPerRequest: round(r.produce.cpu.serverPerRequest),
          baselinePerChain: round(r.produce.cpu.baselinePerChain),
          loadGeneratorPerRequest: round(r.produce.cpu.loadGeneratorPerRequest),
          edgePerRequest: round(r.produce.cpu.edgePerRequest),
          edgePerChain: round(r.produce.cpu.edgePerChain),
          what: 'process.cpuUsage() user + system of each process over all rounds ÷ operations; server = the server worker (HTTP API + its SDK clients), baseline = the same worker running the raw chain, loadGenerator = the load worker, edge = the benchmark process (the local edge in front of the emulators)',
        },
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
      contention: r.contention.map((c) => {
        const commits = sum(c.sluiceRounds, (x) => x.commits);
        const calls = (name: string) => sum(c.sluiceRounds, (x) => x.calls[name] ?? 0);
        const dynamodbCalls = sum(c.sluiceRounds, (x) =>
          Object.entries(x.calls).reduce(
            (n, [name, count]) => n + (name.startsWith('DynamoDB.') ? count : 0),
            0,
          ),
        );
        return {
          producers: c.producers,
          chain: CHAINS[c.chainKind],
          roundSeconds: round(r.plan.contentionRoundMs / 1000),
          rounds: c.sluiceRounds.map((x) => round(x.opsPerSec)),
          chainRounds: c.chainRounds.map((x) => round(x.opsPerSec)),
          commits,
          failed: sum(c.sluiceRounds, (x) => x.failed),
          firstFailure: c.sluiceRounds.find((x) => x.firstFailure)?.firstFailure,
          putItemPerCommit: round(calls('DynamoDB.PutItem') / commits),
          dynamodbCallsPerCommit: round(dynamodbCalls / commits),
          offsets: c.offsets,
          cpuUsPerCommit: round(c.cpuUsPerCommit),
          chainCpuUs: round(c.chainCpuUs),
          chainP50Ms: round(summarize(c.chainRounds.flatMap((x) => x.latenciesMs)).p50),
        };
      }),
      codec: {
        recordsPerBatch: r.codec.recordsPerBatch,
        recordBytesPerBatch: r.codec.recordBytesPerBatch,
        sluiceBatchBytes: r.codec.sluiceBatchBytes,
        kafkajsBatchBytes: r.codec.kafkajsBatchBytes,
        encodeRatio: round(r.codec.encodeMBps / r.codec.kafkajsEncodeMBps),
        decodeRatio: round(r.codec.decodeMBps / r.codec.kafkajsDecodeMBps),
      },
      costInputs: {
        produceMs: round(r.measuredCosts.produceMs),
        sweep: { ...r.measuredCosts.sweep, ms: round(r.measuredCosts.sweep.ms), calls: r.sweepCalls },
        shapes: r.measuredCosts.shapes.map((shape) => roundDeep(shape)),
        streamTrigger: r.measuredCosts.streamTrigger,
        streamDrain: r.measuredCosts.streamDrain && {
          ...roundDeep(r.measuredCosts.streamDrain),
          what: "process.cpuUsage() user + system of the drain worker around each drain alone (a process that runs only a stream-triggered group's drains; the records produced through the server worker before each drain; the handler invoked through a real Lambda client at a stand-in in the benchmark process); requests per drain",
        },
        sectionDelivery: r.measuredCosts.sectionDelivery,
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
      processes:
        'benchmark process (local edge, orchestration, the Lambda Invoke stand-in of the stream drain phase), server worker (HTTP API, raw baselines, contention writers), load worker (HTTP load generator), drain worker (the stream drain phase only: a stream-triggered group drains), DynamoDB Local (JVM), s3rver',
      units: 'MB = 10^6 bytes; GB in cost = 2^30 bytes; latencies in ms',
      note: 'Emulators, load generator and server share this machine: absolute numbers are local, ratios are the point.',
    },
  };
}

/** What each raw chain does, as written in the JSON and the report. */
const CHAINS = {
  'put-then-put': 'S3 PutObject, then DynamoDB conditional PutItem at a fresh key',
  sequenced:
    'S3 PutObject ∥ DynamoDB UpdateItem ADD on the partition sequencer item, then conditional PutItem at the reserved offset',
} as const;

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function roundBaseline(b: Round) {
  const latency = summarize(b.latenciesMs);
  return {
    opsPerSec: round(b.opsPerSec),
    ok: b.ok,
    failed: b.failed,
    p50Ms: round(latency.p50),
    p99Ms: round(latency.p99),
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
  const pr = r.produce;
  sections.push(
    `Produce through HTTP — records:batch of ${p.recordsPerRequest} × ${fmt(p.recordBytes, 0)} B, ` +
      `${p.concurrency} keep-alive clients, one partition each; median of ${p.produceRounds} interleaved rounds\n` +
      renderTable(
        ['', 'ops/s', 'p50 ms', 'p99 ms', 'ok', 'failed', 'rounds (ops/s)'],
        [
          [
            ...row('Sluice produce request', pr.requestsPerSec, pr.latencyMs, pr.requests, pr.failed),
            rates(pr.rounds),
          ],
          [
            ...row(
              `raw chain (${pr.chainKind})`,
              pr.chain.opsPerSec,
              pr.chainLatencyMs,
              sum(pr.chainRounds, (x) => x.ok),
              sum(pr.chainRounds, (x) => x.failed),
            ),
            rates(pr.chainRounds),
          ],
          [
            ...row(
              `raw S3 PutObject alone (${fmt(pr.segmentBytes, 0)} B)`,
              r.s3Put.opsPerSec,
              summarize(r.s3Put.latenciesMs),
              r.s3Put.ok,
              r.s3Put.failed,
            ),
            '',
          ],
          [
            ...row(
              'raw DynamoDB PutItem alone',
              r.dynamodbPut.opsPerSec,
              summarize(r.dynamodbPut.latenciesMs),
              r.dynamodbPut.ok,
              r.dynamodbPut.failed,
            ),
            '',
          ],
        ],
      ) +
      `\n  raw chain: ${CHAINS[pr.chainKind]}` +
      `\n  warm-up: ${pr.warmup.sluicePerSec.length} interleaved rounds discarded (Sluice ${rates(pr.warmup.sluicePerSec.map((opsPerSec) => ({ opsPerSec })))}; ` +
      `chain ${rates(pr.warmup.chainPerSec.map((opsPerSec) => ({ opsPerSec })))})` +
      (pr.warmup.steady ? ', until neither was still speeding up' : ', the limit: still speeding up') +
      `\n  records/s ${fmt(pr.recordsPerSec, 0)}, MB/s ${fmt(pr.mbPerSec, 2)}; ` +
      `ratio to the raw chain ${fmt(j.produce.ratioToChain, 2)} (goal ≥ 0.9), ` +
      `to the slower single operation ${fmt(j.produce.ratioToBaseline, 2)}` +
      (pr.firstError ? `\n  first failure: ${pr.firstError}` : ''),
  );
  sections.push(
    'CPU per operation (µs, process.cpuUsage of each process, all rounds)\n' +
      renderTable(
        ['process', 'per produce request', 'per raw chain'],
        [
          [
            'server worker (Sluice / raw chain)',
            fmt(pr.cpu.serverPerRequest, 0),
            fmt(pr.cpu.baselinePerChain, 0),
          ],
          ['load generator (raw HTTP/1.1 keep-alive)', fmt(pr.cpu.loadGeneratorPerRequest, 0), ''],
          ['local edge (benchmark process)', fmt(pr.cpu.edgePerRequest, 0), fmt(pr.cpu.edgePerChain, 0)],
        ],
      ),
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
          latencyRow("produce → handler, trigger: 'stream' (defaults)", r.triggers.stream.endToEndMs),
          latencyRow("produce → handler, trigger: 'poller'", r.triggers.poller.endToEndMs),
          latencyRow('raw put→put→query→get chain', r.rawChain),
        ],
      ),
  );
  sections.push(
    "Consumer requests by trigger (the consumer's own AWS calls; Lambda's stream reads are free and not counted)\n" +
      renderTable(
        [
          '',
          'reads/batch',
          'writes/batch',
          'read units/batch',
          'write units/batch',
          'reads/idle min',
          'writes/idle min',
          'large section: batches',
          'GETs',
          'reads',
          'writes',
        ],
        (['poller', 'stream'] as const).map((name) => {
          const t = r.triggers[name];
          return [
            name,
            fmt(t.perDeliveredBatch.dynamodbRead, 2),
            fmt(t.perDeliveredBatch.dynamodbWrite, 2),
            fmt(t.perDeliveredBatch.readUnits, 2),
            fmt(t.perDeliveredBatch.writeUnits, 2),
            fmt(t.perIdleMinute.dynamodbRead, 1),
            fmt(t.perIdleMinute.dynamodbWrite, 1),
            fmt(t.perLargeSection.batches, 0),
            fmt(t.perLargeSection.s3Get, 0),
            fmt(t.perLargeSection.dynamodbRead, 0),
            fmt(t.perLargeSection.dynamodbWrite, 0),
          ];
        }),
      ),
  );
  const drains = r.measuredCosts.streamDrain;
  if (drains) {
    const mb = ASSUMPTIONS.streamFunctionMemoryMb;
    const row = (name: string, d: typeof drains.oneRecord, s3GetBytes: number) => {
      const ms = streamDrainMs(
        drainOf(drains, {
          partitions: 1,
          sections: 1,
          records: d.records,
          batches: d.batches,
          s3GetsPerSection: d.s3Gets,
          sectionBytes: s3GetBytes,
        }),
        mb,
      );
      return [
        name,
        fmt(d.drains, 0),
        fmt(d.batches, 0),
        fmt(d.cpuMs, 2),
        fmt(d.cpuMs / d.batches, 2),
        fmt(d.dynamodbRequests, 1),
        fmt(d.s3Gets, 1),
        fmt(ms, 0),
        fmt(ms / d.batches, 0),
      ];
    };
    const largeSectionBytes =
      r.measuredCosts.shapes.find((s) => s.recordsPerRequest === drains.largeSection.records && !s.inline)
        ?.sectionBytes ?? 0;
    sections.push(
      `Stream drain — the group function's own CPU (a process running only the drain, handler a no-op behind a real invoke) and requests; modelled time at ${mb} MB\n` +
        renderTable(
          [
            '',
            'drains',
            'batches',
            'CPU ms/drain',
            'CPU ms/batch',
            'DynamoDB req',
            'S3 GETs',
            `ms/drain @${mb}`,
            'ms/batch',
          ],
          [
            row('1 record', drains.oneRecord, 0),
            row(
              `${fmt(drains.largeSection.records, 0)}-record section`,
              drains.largeSection,
              largeSectionBytes,
            ),
          ],
        ),
    );
  }
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
    `Contention — N writers (separate clusters, like warm Lambdas) appending 1 record per call to ONE partition; ` +
      `median of ${p.contentionRounds} interleaved rounds of ${fmt(p.contentionRoundMs / 1000, 0)} s\n` +
      renderTable(
        [
          'writers',
          'Sluice commits/s',
          'raw chain/s',
          'ratio',
          'gave up',
          'voided',
          'DynamoDB calls/commit',
          'holes',
          'duplicates',
        ],
        j.contention.map((c, i) => [
          String(c.producers),
          fmt(c.commitsPerSec),
          fmt(c.baselineChainPerSec),
          fmt(c.ratio, 2),
          String(c.gaveUp),
          String(c.voided),
          fmt(j.details.contention[i].dynamodbCallsPerCommit, 2),
          String(j.details.contention[i].offsets.holes),
          String(j.details.contention[i].offsets.duplicates),
        ]),
      ) +
      `\n  raw chain: ${CHAINS.sequenced}, all writers on one sequencer item; goal: ratio ≥ 0.5 at 64 writers, commits/s not falling as writers grow` +
      r.contention
        .flatMap((c) => {
          const failure = c.sluiceRounds.find((x) => x.firstFailure)?.firstFailure;
          return failure ? [`\n  first failed append at ${c.producers} writers: ${failure}`] : [];
        })
        .join(''),
  );
  sections.push(
    'Monthly cost, USD (list prices us-east-1, see details.prices; one consumer group; Kinesis at its default 24 h retention, then keeping records as long as Sluice does)\n' +
      renderTable(
        [
          'workload',
          'days kept',
          'Sluice',
          'Kinesis on-demand 24 h',
          'Kinesis provisioned 24 h',
          'Kinesis on-demand, same days',
          'Kinesis provisioned, same days',
          'MSK Serverless',
        ],
        r.cost.map((c) => [
          c.workload,
          String(c.retentionDays),
          usd(c.sluiceUsdPerMonth),
          usd(c.kinesisOnDemandUsdPerMonth),
          usd(c.kinesisProvisionedUsdPerMonth),
          usd(c.kinesisOnDemandSameRetentionUsdPerMonth),
          usd(c.kinesisProvisionedSameRetentionUsdPerMonth),
          usd(c.mskServerlessUsdPerMonth),
        ]),
      ) +
      `\n  Sluice model inputs: the calls and capacity units per shape below, a produce invocation of each shape's measured p50 with its server CPU stretched to the function's share of a vCPU ` +
      `(${ASSUMPTIONS.memoryMbPerVcpu} MB for a whole one; at least ${ASSUMPTIONS.minProduceMs} ms) plus its upload, ` +
      `at ${ASSUMPTIONS.lambdaMemoryMb} MB arm64 or the row's apiMemorySize; a consumer group on the default stream trigger (per batch of new slots, at ${ASSUMPTIONS.streamFunctionMemoryMb} MB), ` +
      `or with trigger: 'poller' a poller running all month while records flow, at ${ASSUMPTIONS.pollerMemoryMb} MB or what keeps it under half its CPU share past about 2 MB/s. Prices as of ${PRICES.asOf}.`,
  );
  sections.push(
    'Cost inputs per request shape, measured through the HTTP API on metered clusters (DynamoDB capacity units as DynamoDB Local reports them)\n' +
      renderTable(
        [
          'records × bytes',
          'producer id',
          'threshold',
          'stored',
          'S3 PUT',
          'DDB writes / units',
          'DDB reads / units',
          'delete units',
          'fetch: GET / units',
          'empty poll units',
          'produce p50 / p99 ms',
          'body KB',
          'server CPU ms',
          'server peak RSS MB',
        ],
        r.measuredCosts.shapes.map((shape) => [
          `${shape.recordsPerRequest} × ${shape.recordBytes}`,
          shape.idempotent ? 'yes' : 'no',
          String(shape.threshold),
          shape.inline ? 'inline' : 'S3',
          fmt(shape.perRequest.s3Put, 2),
          `${fmt(shape.perRequest.dynamodbWrite, 2)} / ${fmt(shape.perRequest.writeUnits, 2)}`,
          `${fmt(shape.perRequest.dynamodbRead, 2)} / ${fmt(shape.perRequest.readUnits, 2)}`,
          fmt(shape.deleteWriteUnits, 2),
          `${fmt(shape.perFetch.s3Get, 2)} / ${fmt(shape.perFetch.readUnits, 2)}`,
          fmt(shape.perEmptyFetch.readUnits, 2),
          shape.produceLatencyMs
            ? `${fmt(shape.produceLatencyMs.p50)} / ${fmt(shape.produceLatencyMs.p99)}`
            : '',
          fmt(shape.bodyBytes / 1024, 0),
          shape.serverCpuMsPerRequest === undefined ? '' : fmt(shape.serverCpuMsPerRequest, 1),
          shape.serverMaxRssMb === undefined ? '' : fmt(shape.serverMaxRssMb, 0),
        ]),
      ) +
      `\n  one retention sweep over ${r.measuredCosts.sweep.topics} idle topics: ${fmt(r.measuredCosts.sweep.readUnits, 0)} read units, ` +
      `${fmt(r.measuredCosts.sweep.writeUnits, 0)} write units, ${fmt(r.measuredCosts.sweep.ms, 0)} ms`,
  );
  sections.push(
    'Sluice monthly cost by item, USD\n' +
      renderTable(
        ['workload', ...Object.keys(r.cost[0].sluiceBreakdown)],
        r.cost.map((c) => [breakdownLabel(c.workload), ...Object.values(c.sluiceBreakdown).map(usd)]),
      ),
  );
  return sections.join('\n\n');
}

/**
 * A workload's short name in the by-item table: its name up to the first colon, with its
 * variants (`, trigger: 'poller'`, `, endpoint: 'function-url'`, `, retention 1 day`,
 * `, maxBatchingWindow 5 s`, `, apiMemorySize 512`, `, provisionedCapacity on both tables`) kept, so variant rows are told apart from the rows they vary.
 *
 * @example
 * breakdownLabel("idle: 1 topic, 1 partition, 1 group, no traffic, trigger: 'poller'"); // "idle, trigger: 'poller'"
 */
export function breakdownLabel(workload: string): string {
  const variant =
    /(, (trigger|endpoint): '[^']*'|, retention \d+ days?|, maxBatchingWindow \d+ s|, apiMemorySize \d+|, provisionedCapacity on both tables)+$/.exec(
      workload,
    )?.[0] ?? '';
  return workload.slice(0, workload.length - variant.length).split(':')[0] + variant;
}

/** A consumer's requests, rounded for the JSON document. */
function roundRequests(x: ConsumerRequests) {
  return {
    dynamodbRead: round(x.dynamodbRead),
    dynamodbWrite: round(x.dynamodbWrite),
    s3Get: round(x.s3Get),
    readUnits: round(x.readUnits),
    writeUnits: round(x.writeUnits),
  };
}

function latencyRow(name: string, latency: LatencySummary, samples = String(latency.samples)) {
  return [name, fmt(latency.p50), fmt(latency.p99), samples];
}

function row(name: string, rate: number, latency: { p50: number; p99: number }, ok: number, failed: number) {
  return [name, fmt(rate), fmt(latency.p50), fmt(latency.p99), String(ok), String(failed)];
}

function rates(rounds: readonly { readonly opsPerSec: number }[]): string {
  return rounds.map((x) => fmt(x.opsPerSec, 0)).join(' / ');
}

/** Rounds every number of a plain object (three decimals), for the JSON. */
function roundDeep<T>(value: T): T {
  if (typeof value === 'number') return round(value) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)])) as T;
}
