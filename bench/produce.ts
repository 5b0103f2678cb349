import { encodeSegment } from '../shared/codec';
import { type AwsCalls, awsCalls, perOperation } from './aws-calls';
import type { ChainKind } from './baseline';
import { payload } from './data';
import type { BenchHarness } from './harness';
import { batchBody, createTopic, topicUrls } from './http-client';
import type { BenchPlan } from './plan';
import { cpuMicros, cpuPerOp, interleave, medianRound, type Round, warmUntilSteady } from './rounds';
import { type LatencySummary, summarize } from './stats';

/** A round of produce requests, with the CPU time of the server and of this process (the edge). */
export interface ProduceRound extends Round {
  /** CPU µs of the server worker during the round. */
  readonly serverCpuUs: number;
  /** CPU µs of the benchmark process (the local edge) during the round. */
  readonly edgeCpuUs: number;
}

/** A round of the raw chain, with the edge's CPU time too. */
export interface ChainRound extends Round {
  readonly edgeCpuUs: number;
}

/** Produce throughput through the HTTP API beside the raw chain, and what each request cost. */
export interface ProduceResult {
  readonly topic: string;
  /** Successful and failed requests over all rounds. */
  readonly requests: number;
  readonly failed: number;
  readonly firstError?: string;
  /** The median round's rate. */
  readonly requestsPerSec: number;
  readonly recordsPerSec: number;
  /** Record value bytes per second, 1 MB = 10^6 bytes. */
  readonly mbPerSec: number;
  /** Latency of every request of every round. */
  readonly latencyMs: LatencySummary;
  /** AWS calls per successful produce request. */
  readonly perRequest: Omit<AwsCalls, 'raw'>;
  readonly calls: AwsCalls;
  /** Bytes of the HTTP body and of the S3 object one request makes. */
  readonly requestBodyBytes: number;
  readonly segmentBytes: number;
  /** The raw chain that stands for one produce request: the median round and every round. */
  readonly chainKind: ChainKind;
  readonly chain: ChainRound;
  readonly chainRounds: readonly ChainRound[];
  readonly rounds: readonly ProduceRound[];
  /**
   * The interleaved warm-up rounds run before the measured ones, until neither side was still
   * speeding up (`steady`), or until the plan's limit (`steady: false`); not in any figure.
   */
  readonly warmup: {
    readonly chainPerSec: number[];
    readonly sluicePerSec: number[];
    readonly steady: boolean;
  };
  readonly chainLatencyMs: LatencySummary;
  /** CPU µs per request (per chain for the baseline), over all rounds. */
  readonly cpu: {
    readonly serverPerRequest: number;
    readonly loadGeneratorPerRequest: number;
    readonly edgePerRequest: number;
    readonly baselinePerChain: number;
    readonly edgePerChain: number;
  };
}

/**
 * `plan.concurrency` clients in the load worker, each with a keep-alive connection, send
 * `records:batch` requests of `recordsPerRequest` × `recordBytes` BINARY records back to
 * back. Client i pins its records to partition i of a topic with one partition per client,
 * so the run measures the produce path itself; racing writers are the contention phase's.
 *
 * First a warm-up burst (JIT, topic and head caches, connections, as in a warm Lambda),
 * whose AWS calls decide which raw chain stands for a request: `sequenced` if the server
 * reserved offsets with UpdateItem, `put-then-put` otherwise. Then `plan.produceRounds` rounds of
 * the chain (same concurrency, one partition per writer, one pair of SDK clients like the
 * server's) and of Sluice, alternately; the median round of each is reported.
 *
 * @example
 * const produce = await measureProduce(harness, QUICK_PLAN);
 */
export async function measureProduce(harness: BenchHarness, plan: BenchPlan): Promise<ProduceResult> {
  const topic = 'bench-produce';
  await createTopic(harness.baseUrl, harness.config.clusterId, topic, plan.concurrency);
  const { batch: url } = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
  const bodies = Array.from({ length: plan.concurrency }, (_, p) =>
    batchBody(plan.recordsPerRequest, plan.recordBytes, p),
  );
  const load = (total: number, maxMs: number) =>
    harness.load.call('produce', { url, bodies, concurrency: plan.concurrency, total, maxMs });

  await harness.takeCounts();
  const burst = await load(plan.produceWarmupRequests, plan.produceRoundMs);
  if (burst.ok === 0) throw new Error(`every warm-up produce request failed: ${burst.firstError}`);
  const warmCalls = await harness.takeCounts();
  const chainKind: ChainKind =
    (warmCalls['DynamoDB.UpdateItem'] ?? 0) >= burst.ok / 2 ? 'sequenced' : 'put-then-put';

  const pool = 'produce';
  await harness.server.call('chainOpen', {
    pool,
    writers: plan.concurrency,
    clientPerWriter: false,
    sharedPartition: false,
    recordsPerAppend: plan.recordsPerRequest,
    recordsPerSegment: plan.recordsPerRequest,
    recordBytes: plan.recordBytes,
  });
  const limits = { total: plan.produceRequests, maxMs: plan.produceRoundMs };
  const chainRound = async (): Promise<ChainRound> => {
    const edgeBefore = cpuMicros();
    const round = await harness.server.call('chainRound', { pool, kind: chainKind, ...limits });
    return { ...round, edgeCpuUs: cpuMicros() - edgeBefore };
  };
  const produceRound = async (): Promise<ProduceRound> => {
    const serverBefore = await harness.server.call('cpu');
    const edgeBefore = cpuMicros();
    const round = await load(limits.total, limits.maxMs);
    const edgeCpuUs = cpuMicros() - edgeBefore;
    return { ...round, serverCpuUs: (await harness.server.call('cpu')) - serverBefore, edgeCpuUs };
  };
  try {
    const warm = await warmUntilSteady(plan.produceWarmup, chainRound, produceRound);
    await harness.takeCounts();
    const rounds = await interleave(plan.produceRounds, chainRound, produceRound);
    const calls = awsCalls(await harness.takeCounts());
    const sluice = rounds.sluice;
    const ok = sluice.reduce((sum, r) => sum + r.ok, 0);
    if (ok === 0) throw new Error(`every produce request failed: ${sluice[0]?.firstError}`);
    const median = medianRound(sluice);
    const requestsPerSec = median.opsPerSec;
    return {
      topic,
      requests: ok,
      failed: sluice.reduce((sum, r) => sum + r.failed, 0),
      firstError: sluice.find((r) => r.firstError)?.firstError,
      requestsPerSec,
      recordsPerSec: requestsPerSec * plan.recordsPerRequest,
      mbPerSec: (requestsPerSec * plan.recordsPerRequest * plan.recordBytes) / 1e6,
      latencyMs: summarize(sluice.flatMap((r) => r.latenciesMs)),
      perRequest: perOperation(calls, ok),
      calls,
      requestBodyBytes: Buffer.byteLength(bodies[0]),
      segmentBytes: sampleSegment(plan).length,
      chainKind,
      chain: medianRound(rounds.baseline),
      chainRounds: rounds.baseline,
      rounds: sluice,
      warmup: {
        chainPerSec: warm.baseline.map((r) => r.opsPerSec),
        sluicePerSec: warm.sluice.map((r) => r.opsPerSec),
        steady: warm.steady,
      },
      chainLatencyMs: summarize(rounds.baseline.flatMap((r) => r.latenciesMs)),
      cpu: {
        serverPerRequest: cpuPerOp(sluice.map((r) => ({ ok: r.ok, cpuUs: r.serverCpuUs }))),
        loadGeneratorPerRequest: cpuPerOp(sluice),
        edgePerRequest: cpuPerOp(sluice.map((r) => ({ ok: r.ok, cpuUs: r.edgeCpuUs }))),
        baselinePerChain: cpuPerOp(rounds.baseline),
        edgePerChain: cpuPerOp(rounds.baseline.map((r) => ({ ok: r.ok, cpuUs: r.edgeCpuUs }))),
      },
    };
  } finally {
    await harness.server.call('chainClose', pool);
  }
}

/**
 * The S3 object one produce request writes (same records, one partition), for the raw
 * baselines.
 *
 * @example
 * const bytes = sampleSegment({ recordsPerRequest: 10, recordBytes: 1024 });
 */
export function sampleSegment(shape: { recordsPerRequest: number; recordBytes: number }): Buffer {
  const now = Date.now();
  const records = Array.from({ length: shape.recordsPerRequest }, (_, i) => ({
    key: null,
    value: payload(shape.recordBytes, i),
    headers: [],
    timestamp: now,
  }));
  return encodeSegment([{ partition: 0, records }]).bytes;
}
