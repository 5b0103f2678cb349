import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOffsets } from '../../bench/contention';
import {
  costTable,
  drainOf,
  kinesisOnDemandCost,
  kinesisProvisionedCost,
  type MeasuredCosts,
  pollerCommitsPerSecond,
  pollerMemoryFor,
  produceInvocationMs,
  provisionedCapacityCost,
  recordsPerRequestWithDefaults,
  type ShapeCosts,
  shapesToMeasure,
  streamDrainMs,
  triggerOf,
  WORKLOADS,
  type Workload,
} from '../../bench/cost';
import { checkBatchAnswer } from '../../bench/http-client';
import { planFromArgs } from '../../bench/plan';
import { openRawConnection, rawPost } from '../../bench/raw-http';
import { breakdownLabel } from '../../bench/report';
import { cpuPerOp, interleave, medianRound, warmUntilSteady } from '../../bench/rounds';
import { drainCosts } from '../../bench/stream-drain';

/** The workload of the cost table with this name. */
function workload(name: string): Workload {
  const found = WORKLOADS.find((w) => w.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
}

const ONE_REC = '1 rec/s of 1 KB, single records (client defaults)';
const ONE_MB = '1 MB/s from one producer, client defaults (1 KB records)';

/** A consumer that reads each section once, as measured (`bench/consumer-trigger.ts`). */
const SECTION_READ_ONCE = {
  poller: { records: 2000, batches: 20, s3Get: 1 },
  stream: { records: 2000, batches: 20, s3Get: 1 },
};

/**
 * The stream function's drains as a run measures them (`bench/stream-drain.ts`): one record
 * (lease, log read, one invoke, release, end check), and a 2,000-record section in S3 (one
 * GET more, 20 invokes).
 */
const STREAM_DRAIN = {
  oneRecord: { drains: 30, cpuMs: 10, records: 1, batches: 1, dynamodbRequests: 5, s3Gets: 0 },
  largeSection: { drains: 5, cpuMs: 70, records: 2000, batches: 20, dynamodbRequests: 5, s3Gets: 1 },
};
/** The one-record drain at 256 MB: its CPU at 256/1769 of a vCPU, 5 DynamoDB round trips, one invoke. */
const ONE_RECORD_DRAIN_MS = (10 * 1769) / 256 + 5 * 10 + 30;

/**
 * One 1 KB record per request, idempotent, stored inline: the 1 rec/s shape as a run measures it
 * (one producer on one warm server: the reservation, the claim and the slot; nothing read).
 */
const SINGLE_INLINE: ShapeCosts = {
  recordsPerRequest: 1,
  recordBytes: 1024,
  idempotent: true,
  threshold: 'default',
  inline: true,
  perRequest: { s3Put: 0, dynamodbWrite: 3, dynamodbRead: 0, writeUnits: 4, readUnits: 0 },
  deleteWriteUnits: 2,
  perFetch: { s3Get: 0, dynamodbRead: 1, readUnits: 1 },
  perEmptyFetch: { dynamodbRead: 1, readUnits: 1 },
  bodyBytes: 1400,
  sectionBytes: 1060,
};

/** 2,000 records of 1 KB per request in an S3 segment: 1 MB/s with the client defaults. */
const LARGE_SEGMENT: ShapeCosts = {
  recordsPerRequest: 2000,
  recordBytes: 1024,
  idempotent: true,
  threshold: 'default',
  inline: false,
  perRequest: { s3Put: 1, dynamodbWrite: 2, dynamodbRead: 0, writeUnits: 3, readUnits: 0 },
  deleteWriteUnits: 1,
  perFetch: { s3Get: 1, dynamodbRead: 1, readUnits: 1 },
  perEmptyFetch: { dynamodbRead: 1, readUnits: 1 },
  bodyBytes: 2_900_000,
  sectionBytes: 2_100_000,
};

/** What a run measured, with these shapes and small fixed figures for the rest. */
function measuredWith(shapes: ShapeCosts[], overrides: Partial<MeasuredCosts> = {}): MeasuredCosts {
  return {
    produceMs: 10,
    // A warm drain: group query, log query, the end read after the release; acquire, release.
    streamTrigger: { readUnits: 3, writeUnits: 2 },
    streamDrain: STREAM_DRAIN,
    sweep: { topics: 1, readUnits: 1, writeUnits: 0, ms: 1 },
    sectionDelivery: SECTION_READ_ONCE,
    shapes,
    ...overrides,
  };
}

describe('benchmark rounds', () => {
  it('reports the median round, the lower middle one for an even count', () => {
    const rounds = [5, 1, 3, 4].map((opsPerSec) => ({ opsPerSec }));
    expect(medianRound(rounds.slice(0, 3)).opsPerSec).toBe(3);
    expect(medianRound(rounds).opsPerSec).toBe(3);
    expect(() => medianRound([])).toThrow('no rounds');
  });

  it('interleaves baseline and Sluice rounds, swapping which goes first', async () => {
    const order: string[] = [];
    const result = await interleave(
      4,
      async (round) => {
        order.push(`B${round}`);
        return round;
      },
      async (round) => {
        order.push(`S${round}`);
        return -round;
      },
    );
    expect(order).toEqual(['B0', 'S0', 'S1', 'B1', 'B2', 'S2', 'S3', 'B3']);
    expect(result).toEqual({ baseline: [0, 1, 2, 3], sluice: [-0, -1, -2, -3] });
  });

  it('warms until neither side sets a new high beyond the tolerance, within the limit', async () => {
    const rule = { minRounds: 2, maxRounds: 6, tolerance: 0.05 };
    const from = (rates: number[]) => async (round: number) => ({ opsPerSec: rates[round] });
    // Sluice still climbs after the chain has levelled: the warm-up waits for it.
    const climbing = await warmUntilSteady(
      rule,
      from([300, 330, 335, 334, 333, 340]),
      from([220, 250, 280, 300, 305, 306]),
    );
    expect(climbing.sluice.map((r) => r.opsPerSec)).toEqual([220, 250, 280, 300, 305]);
    expect(climbing.steady).toBe(true);
    // Never steady: stops at the limit and says so.
    const rising = await warmUntilSteady(rule, from([1, 2, 3, 4, 5, 6, 7]), from([1, 1, 1, 1, 1, 1, 1]));
    expect(rising.baseline).toHaveLength(6);
    expect(rising.steady).toBe(false);
    // Steady from the start: the minimum number of pairs.
    const flat = await warmUntilSteady(rule, from([100, 101, 100]), from([90, 92, 91]));
    expect(flat.sluice).toHaveLength(2);
  });

  it('divides total CPU by total operations', () => {
    expect(
      cpuPerOp([
        { ok: 10, cpuUs: 5000 },
        { ok: 30, cpuUs: 11000 },
      ]),
    ).toBe(400);
    expect(cpuPerOp([{ ok: 0, cpuUs: 1 }])).toBeNaN();
  });

  it('has three writer counts and an odd number of rounds in both plans', () => {
    for (const plan of [planFromArgs(['--quick']), planFromArgs([])]) {
      expect(plan.contentionProducers).toEqual([8, 32, 64]);
      expect(plan.produceRounds % 2).toBe(1);
      expect(plan.contentionRounds % 2).toBe(1);
    }
  });
});

describe('contention bookkeeping', () => {
  it('counts duplicate offsets and holes between the first and the last', () => {
    expect(checkOffsets([])).toEqual({ acknowledged: 0, duplicates: 0, holes: 0 });
    expect(checkOffsets([4, 2, 3])).toEqual({ acknowledged: 3, duplicates: 0, holes: 0 });
    expect(checkOffsets([3, 4, 6, 6])).toEqual({ acknowledged: 4, duplicates: 1, holes: 1 });
  });
});

describe('the load generator HTTP client', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${Buffer.concat(chunks)}`);
        const body = JSON.stringify({ successes: [{ id: '0', offset: seen.length }], failures: [] });
        res.writeHead(207, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/clusters/local/topics/t/records:batch`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends many requests on one keep-alive connection and reads each answer', async () => {
    const connection = await openRawConnection(url);
    const request = rawPost(url, '{"entries":[]}');
    try {
      for (let i = 1; i <= 3; i++) {
        const { status, body } = await connection.send(request);
        expect(checkBatchAnswer(status, body.toString())).toBe(seen.length);
      }
    } finally {
      connection.close();
    }
    expect(seen.at(-1)).toBe(
      'POST /v3/clusters/local/topics/t/records:batch application/json {"entries":[]}',
    );
  });

  it('fails the pending request when the server drops the connection', async () => {
    const connection = await openRawConnection(url);
    server.closeAllConnections();
    await expect(connection.send(rawPost(url, '{}'))).rejects.toThrow();
    connection.close();
  });

  it('refuses a batch answer with failures or another status', () => {
    expect(() => checkBatchAnswer(500, 'boom')).toThrow('HTTP 500');
    expect(() => checkBatchAnswer(207, '{"successes":[],"failures":[{"error_code":400}]}')).toThrow(
      'error_code',
    );
  });
});

describe('cost model', () => {
  it('sizes requests the way a steady producer with the client defaults sends them', () => {
    // A trickle keeps the 5 ms linger: a base-linger batch (5 ms + a 50 ms request) holds one.
    expect(recordsPerRequestWithDefaults(1, 1024)).toBe(1);
    expect(recordsPerRequestWithDefaults(18, 1024)).toBe(1);
    // From one record per 55 ms the linger grows to 2 s: 1,000 rec/s gather 2,000 a request.
    expect(recordsPerRequestWithDefaults(20, 1024)).toBe(40);
    expect(recordsPerRequestWithDefaults(1_000, 1024)).toBe(2_000);
    // Never more than the default batch's body bytes, nor 10,000 records.
    expect(recordsPerRequestWithDefaults(10_240, 1024)).toBe(Math.floor(4_000_000 / (1368 + 60)));
    expect(recordsPerRequestWithDefaults(100_000, 10)).toBe(10_000);
    // The previous defaults (fixed 5 ms, 1 MB): one request in flight, at least 50 ms each.
    expect(recordsPerRequestWithDefaults(1_000, 1024, { lingerMs: 5, batchBytes: 1_000_000 })).toBe(50);
    expect(recordsPerRequestWithDefaults(1_000, 1024, { lingerMs: 1_000, batchBytes: 1_000_000 })).toBe(
      Math.floor(1_000_000 / (1368 + 60)),
    );
    expect(recordsPerRequestWithDefaults(1_000, 1024, { maxLingerMs: 1_000 })).toBe(1_000);
  });

  it("charges a produce invocation the shape's own measured latency, at least 50 ms, plus its upload", () => {
    const shape = LARGE_SEGMENT;
    const measured = measuredWith([]);
    expect(produceInvocationMs(shape, measured, 1024)).toBe(50 + 58);
    expect(
      produceInvocationMs(
        { ...shape, produceLatencyMs: { p50: 180, p99: 300, samples: 30 } },
        measured,
        1024,
      ),
    ).toBe(180 + 58);
    // Without a measured CPU the latency is priced as all waiting, at any memory.
    expect(
      produceInvocationMs({ ...shape, produceLatencyMs: { p50: 180, p99: 300, samples: 30 } }, measured, 256),
    ).toBe(180 + 58);
  });

  it("stretches a produce invocation's CPU to the function's share of a vCPU, and not its waits", () => {
    const measured = measuredWith([]);
    const at = (p50: number, cpu: number, memoryMb: number, bodyBytes = 0) =>
      produceInvocationMs(
        {
          ...LARGE_SEGMENT,
          bodyBytes,
          produceLatencyMs: { p50, p99: p50 * 2, samples: 30 },
          serverCpuMsPerRequest: cpu,
        },
        measured,
        memoryMb,
      );
    // The 2,000-record request: 51 ms of which 30 ms CPU, 2.9 MB uploaded in 58 ms.
    expect(at(51, 30, 1024, 2_900_000)).toBeCloseTo(21 + (30 * 1769) / 1024 + 58, 9);
    expect(at(51, 30, 512, 2_900_000)).toBeCloseTo(21 + (30 * 1769) / 512 + 58, 9);
    expect(at(51, 30, 256, 2_900_000)).toBeCloseTo(21 + (30 * 1769) / 256 + 58, 9);
    // A whole vCPU or more runs the CPU as measured: more memory buys one thread nothing.
    expect(at(51, 30, 1769)).toBe(51);
    expect(at(51, 30, 4096)).toBe(51);
    // The 1-record request (7 ms, 3 ms CPU) stays under the 50 ms floor down to 256 MB.
    expect(at(7, 3, 1024)).toBe(50);
    expect(at(7, 3, 256)).toBe(50);
    // With more CPU at 128 MB (0.07 vCPU) the stretch passes it.
    expect(at(7, 4, 128)).toBeCloseTo(3 + (4 * 1769) / 128, 9);
    // More CPU than the p50 (a mean above a median): no negative wait, all of the CPU stretched.
    expect(at(60, 80, 512)).toBeCloseTo((80 * 1769) / 512, 9);
  });

  it('prices a row at a smaller apiMemorySize as its twin but for the Lambda produce item, by the formula', () => {
    const single = {
      ...SINGLE_INLINE,
      produceLatencyMs: { p50: 7, p99: 20, samples: 30 },
      serverCpuMsPerRequest: 3,
    };
    const large = {
      ...LARGE_SEGMENT,
      produceLatencyMs: { p50: 51, p99: 76, samples: 30 },
      serverCpuMsPerRequest: 30,
    };
    const measured = measuredWith([single, large]);
    const month = 730 * 3600;
    const everyOption = `${ONE_REC}, endpoint: 'function-url', maxBatchingWindow 5 s, retention 1 day`;
    const twins = [
      // name, memory, requests a second, ms per invocation at that memory
      [ONE_REC, 512, 1, 50 + 1400 / 50_000],
      [ONE_REC, 256, 1, 50 + 1400 / 50_000],
      [everyOption, 512, 1, 50 + 1400 / 50_000],
      [ONE_MB, 512, 0.5, 21 + (30 * 1769) / 512 + 58],
      [ONE_MB, 256, 0.5, 21 + (30 * 1769) / 256 + 58],
    ] as const;
    for (const [name, memoryMb, requestsPerSec, ms] of twins) {
      const [atDefault, smaller] = costTable(measured, [
        workload(name),
        workload(`${name}, apiMemorySize ${memoryMb}`),
      ]);
      const requests = requestsPerSec * month;
      expect(smaller.sluiceBreakdown.lambdaProduce).toBeCloseTo(
        (requests * 0.2) / 1e6 + requests * (ms / 1000) * (memoryMb / 1024) * 0.0000133334,
        9,
      );
      expect(smaller.sluiceBreakdown).toEqual({
        ...atDefault.sluiceBreakdown,
        lambdaProduce: smaller.sluiceBreakdown.lambdaProduce,
      });
      expect(smaller.sluiceUsdPerMonth - atDefault.sluiceUsdPerMonth).toBeCloseTo(
        smaller.sluiceBreakdown.lambdaProduce - atDefault.sluiceBreakdown.lambdaProduce,
        9,
      );
      expect(smaller.kinesisProvisionedUsdPerMonth).toBe(atDefault.kinesisProvisionedUsdPerMonth);
    }
    // The default rows are at 1024 MB, the 2,000-record request's CPU stretched to 0.58 vCPU.
    const [oneMb] = costTable(measured, [workload(ONE_MB)]);
    expect(oneMb.sluiceBreakdown.lambdaProduce).toBeCloseTo(
      (0.5 * month * 0.2) / 1e6 + 0.5 * month * ((21 + (30 * 1769) / 1024 + 58) / 1000) * 0.0000133334,
      9,
    );
    // The every-option row is the 1 rec/s row with a function URL, a 5 s window and a day's retention.
    const [defaults, every, windowed] = costTable(measured, [
      workload(ONE_REC),
      workload(everyOption),
      workload(`${ONE_REC}, maxBatchingWindow 5 s`),
    ]);
    expect(every.sluiceBreakdown.apiGateway).toBe(0);
    expect(every.retentionDays).toBe(1);
    // Its consumer is the 5 s window's (priced in the test of the window).
    expect(every.sluiceBreakdown.consumerLambda).toBe(windowed.sluiceBreakdown.consumerLambda);
    expect(every.sluiceBreakdown.consumerLambda).toBeLessThan(defaults.sluiceBreakdown.consumerLambda);
    expect(every.sluiceBreakdown.lambdaProduce).toBe(defaults.sluiceBreakdown.lambdaProduce);
  });

  it('measures every shape its rows need, the S3-only comparison row included, and none for idle rows', () => {
    const shapes = shapesToMeasure(WORKLOADS);
    expect(shapes).toContainEqual({
      recordsPerRequest: 1,
      recordBytes: 1024,
      idempotent: true,
      threshold: 0,
    });
    expect(shapes).toContainEqual({
      recordsPerRequest: 1,
      recordBytes: 1024,
      idempotent: true,
      threshold: 'default',
    });
    expect(shapes.length).toBe(new Set(shapes.map((s) => JSON.stringify(s))).size);
  });

  it('charges no S3 PUT and no S3 storage for an inline shape, and S3 for the same traffic at threshold 0', () => {
    const common = {
      recordsPerRequest: 1,
      recordBytes: 1024,
      idempotent: true,
      perFetch: { s3Get: 0, dynamodbRead: 1, readUnits: 1 },
      perEmptyFetch: { dynamodbRead: 1, readUnits: 1 },
      bodyBytes: 1400,
      sectionBytes: 1060,
    };
    const measured: MeasuredCosts = {
      produceMs: 10,
      streamTrigger: { readUnits: 2, writeUnits: 2 },
      streamDrain: STREAM_DRAIN,
      sweep: { topics: 10, readUnits: 10, writeUnits: 0, ms: 100 },
      sectionDelivery: SECTION_READ_ONCE,
      shapes: [
        {
          ...common,
          threshold: 'default',
          inline: true,
          perRequest: { s3Put: 0, dynamodbWrite: 2, dynamodbRead: 1, writeUnits: 7, readUnits: 1 },
          deleteWriteUnits: 2,
        },
        {
          ...common,
          threshold: 0,
          inline: false,
          perRequest: { s3Put: 1, dynamodbWrite: 2, dynamodbRead: 1, writeUnits: 5, readUnits: 1 },
          deleteWriteUnits: 1,
          perFetch: { s3Get: 1, dynamodbRead: 1, readUnits: 1 },
        },
      ],
    };
    const [inline, s3] = costTable(
      measured,
      WORKLOADS.filter((w) => w.name.startsWith('1 rec/s')),
    ).map((row) => row.sluiceBreakdown);
    expect(inline.s3Put).toBe(0);
    expect(inline.consumerS3Get).toBe(0);
    expect(s3.s3Put).toBeCloseTo(730 * 3600 * 0.000005, 6);
    expect(inline.dynamodbProduce).toBeGreaterThan(s3.dynamodbProduce);
  });

  it('prices provisioned tables by the capacity a steady load needs at 70 % utilization, in place of every on-demand unit', () => {
    // 9 read units (5 ÷ 0.7 rounded up, + 1 for the two tables' rounding) and 10 write units.
    expect(provisionedCapacityCost(5, 6)).toBeCloseTo(730 * (9 * 0.00013 + 10 * 0.00065), 9);
    // Never below one unit of each per table.
    expect(provisionedCapacityCost(0, 0)).toBeCloseTo(730 * (2 * 0.00013 + 2 * 0.00065), 9);
    const measured = measuredWith([SINGLE_INLINE], {
      sweep: { topics: 10, readUnits: 10, writeUnits: 0, ms: 100 },
    });
    const [onDemand, provisioned] = costTable(measured, [
      workload(ONE_REC),
      workload(`${ONE_REC}, provisionedCapacity on both tables`),
    ]).map((row) => row.sluiceBreakdown);
    expect(onDemand.dynamodbProvisioned).toBe(0);
    expect(provisioned.dynamodbProduce).toBe(0);
    expect(provisioned.consumerDynamodb).toBe(0);
    expect(provisioned.retentionDeletes).toBe(0);
    // The units per second the on-demand row prices, bought as capacity: reads 3 per drain, the
    // tick's 4 a minute, the dispatcher's topic read every 30 s and the sweep's 1 per 5 minutes
    // (3.10/s: 5 units at 70 %, + 1); writes 4 per append, 2 per drain, 2 per retention delete
    // (8/s: 12 units, + 1).
    expect(provisioned.dynamodbProvisioned).toBeCloseTo(730 * (6 * 0.00013 + 13 * 0.00065), 9);
    expect(provisioned.dynamodbProvisioned).toBeLessThan(
      onDemand.dynamodbProduce + onDemand.consumerDynamodb + onDemand.retentionDeletes,
    );
    // Everything but DynamoDB is the same traffic either way.
    for (const item of ['s3Put', 'lambdaProduce', 'apiGateway', 'storage', 'consumerLambda'] as const) {
      expect(provisioned[item]).toBe(onDemand[item]);
    }
  });

  it('prices a stream-triggered group per invocation from the measured requests, plus the scheduled tick', () => {
    const measured = measuredWith([SINGLE_INLINE], {
      sweep: { topics: 10, readUnits: 10, writeUnits: 0, ms: 100 },
    });
    // The defaults a user keeps: the stream trigger; the poller beside it.
    expect(triggerOf(workload(ONE_REC))).toBe('stream');
    const rows = costTable(measured, [workload(ONE_REC), workload(`${ONE_REC}, trigger: 'poller'`)]);
    const [streamed, polled] = rows.map((row) => row.sluiceBreakdown);
    const month = 730 * 3600;
    const ticks = 60 * 730;
    // One group invocation per produce request: the measured 3 read and 2 write units, the
    // tick's, and the dispatcher's topic read every 30 s.
    expect(streamed.consumerDynamodb).toBeCloseTo(
      ((month * 3 + ticks * 4 + month / 30) * 0.125 + month * 2 * 0.625) / 1e6,
      6,
    );
    // The group's invocations (the one-record drain at 256 MB) and ticks, and one dispatch per
    // produce request (25 ms + 12 ms for its one group, at 128 MB).
    expect(streamed.consumerLambda).toBeCloseTo(
      ((month + ticks + month) * 0.2) / 1e6 +
        ((month * ONE_RECORD_DRAIN_MS) / 1000 + ticks * 0.1) * 0.25 * 0.0000133334 +
        month * 0.037 * 0.125 * 0.0000133334,
      6,
    );
    // The poller runs all month at its 512 MB default, restarted every 5 minutes.
    expect(polled.consumerLambda).toBeCloseTo((12 * 730 * 0.2) / 1e6 + month * 0.5 * 0.0000133334, 6);
    // The producer side is the same traffic either way.
    expect(streamed.s3Put).toBe(polled.s3Put);
    expect(streamed.dynamodbProduce).toBe(polled.dynamodbProduce);
    expect(rows[0].sluiceUsdPerMonth).toBeLessThan(rows[1].sluiceUsdPerMonth);
    expect(() => costTable({ ...measured, streamTrigger: undefined }, [workload(ONE_REC)])).toThrow(
      /needs the stream trigger's measured requests/,
    );
    expect(() => costTable({ ...measured, streamDrain: undefined }, [workload(ONE_REC)])).toThrow(
      /needs the stream drain's measured CPU/,
    );
  });
  it("prices a drain invocation as its CPU at the stream function's share of a vCPU plus its waits, one after another", () => {
    const none = { cpuMs: 0, dynamodbRequests: 0, s3Gets: 0, s3GetBytes: 0, handlerInvokes: 0 };
    expect(streamDrainMs(none, 256)).toBe(0);
    // Each wait on its own: 10 ms a DynamoDB request, 50 ms to an S3 GET's first byte and its
    // bytes at 50 MB/s, 30 ms a handler invoke.
    expect(streamDrainMs({ ...none, dynamodbRequests: 3 }, 256)).toBe(30);
    expect(streamDrainMs({ ...none, s3Gets: 2 }, 256)).toBe(100);
    expect(streamDrainMs({ ...none, s3GetBytes: 2_100_000 }, 256)).toBe(42);
    expect(streamDrainMs({ ...none, handlerInvokes: 20 }, 256)).toBe(600);
    // The CPU at 256 MB runs at 256/1769 of a vCPU; at a whole vCPU or more as measured.
    expect(streamDrainMs({ ...none, cpuMs: 10 }, 256)).toBeCloseTo((10 * 1769) / 256, 9);
    expect(streamDrainMs({ ...none, cpuMs: 10 }, 1769)).toBe(10);
    expect(streamDrainMs({ ...none, cpuMs: 10 }, 4096)).toBe(10);
    // The one-record drain and the large section's drain, whole.
    const one = { ...none, cpuMs: 10, dynamodbRequests: 5, handlerInvokes: 1 };
    expect(streamDrainMs(one, 256)).toBeCloseTo(ONE_RECORD_DRAIN_MS, 9);
    const large = { cpuMs: 70, dynamodbRequests: 5, s3Gets: 1, s3GetBytes: 2_100_000, handlerInvokes: 20 };
    expect(streamDrainMs(large, 256)).toBeCloseTo((70 * 1769) / 256 + 50 + 50 + 42 + 600, 9);
  });

  it('derives a drain invocation from the two measured drains, each of which it gives back exactly', () => {
    const single = {
      partitions: 1,
      sections: 1,
      records: 1,
      batches: 1,
      s3GetsPerSection: 0,
      sectionBytes: 1060,
    };
    expect(drainOf(STREAM_DRAIN, single)).toEqual({
      cpuMs: 10,
      dynamodbRequests: 5,
      s3Gets: 0,
      s3GetBytes: 0,
      handlerInvokes: 1,
    });
    const section = { ...single, records: 2000, batches: 20, s3GetsPerSection: 1, sectionBytes: 2_100_000 };
    const large = drainOf(STREAM_DRAIN, section);
    expect(large.cpuMs).toBeCloseTo(70, 9);
    expect(large).toEqual({
      ...large,
      dynamodbRequests: 5,
      s3Gets: 1,
      s3GetBytes: 2_100_000,
      handlerInvokes: 20,
    });
    // Two partitions: the fixed part of a drain twice; each record's part once.
    expect(drainOf(STREAM_DRAIN, { ...single, partitions: 2, sections: 2, records: 2, batches: 2 })).toEqual({
      cpuMs: 20,
      dynamodbRequests: 10,
      s3Gets: 0,
      s3GetBytes: 0,
      handlerInvokes: 2,
    });
    // Three further sections of one partition: a log read each, and its CPU at 10 ms over the
    // one-record drain's 6 requests; with S3 sections a GET each too, priced alike.
    const cpuPerRecord = 60 / 1999;
    const further = drainOf(STREAM_DRAIN, { ...single, sections: 4, records: 4 });
    expect(further.cpuMs).toBeCloseTo(10 + 3 * cpuPerRecord + (3 * 10) / 6, 9);
    expect(further.dynamodbRequests).toBe(8);
    const inS3 = drainOf(STREAM_DRAIN, { ...single, sections: 4, records: 4, s3GetsPerSection: 1 });
    expect(inS3.cpuMs).toBeCloseTo(10 + 3 * cpuPerRecord + (3 * 2 * 10) / 6, 9);
    expect(inS3.s3Gets).toBe(4);
    expect(inS3.s3GetBytes).toBe(4 * 1060);
    // The larger of the two drains' requests counts for every partition.
    const moreRequests = {
      ...STREAM_DRAIN,
      largeSection: { ...STREAM_DRAIN.largeSection, dynamodbRequests: 6 },
    };
    expect(drainOf(moreRequests, single).dynamodbRequests).toBe(6);
    expect(() => drainOf({ ...STREAM_DRAIN, largeSection: STREAM_DRAIN.oneRecord }, single)).toThrow(
      /more records/,
    );
  });

  it('averages the measured drains: CPU in ms, invokes as batches, DynamoDB requests of every kind, GETs', () => {
    const sample = (cpuUs: number, updates: number, gets: number) => ({
      cpuUs,
      invokes: 20,
      committedRecords: 2000,
      calls: {
        'DynamoDB.Query': 3,
        'DynamoDB.UpdateItem': updates,
        ...(gets ? { 'S3.GetObject': gets } : {}),
      },
    });
    expect(drainCosts([sample(60_000, 2, 1), sample(80_000, 3, 0)])).toEqual({
      drains: 2,
      cpuMs: 70,
      records: 2000,
      batches: 20,
      dynamodbRequests: 5.5,
      s3Gets: 0.5,
    });
    expect(() => drainCosts([])).toThrow(/no drain/);
  });

  it("prices the 1 MB/s stream group's invocations as the large section's measured drain", () => {
    const [row] = costTable(
      measuredWith([{ ...LARGE_SEGMENT, recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024) }]),
      [workload(ONE_MB)],
    );
    const month = 730 * 3600;
    const ticks = 60 * 730;
    const gbSecond = 0.0000133334;
    // A 2,000-record section every 2 s: one drain of it (one GET of 2.1 MB, 20 invokes), one
    // dispatch, and the tick every minute.
    const drainMs = (70 * 1769) / 256 + 5 * 10 + 50 + 2_100_000 / 50_000 + 20 * 30;
    expect(row.sluiceBreakdown.consumerLambda).toBeCloseTo(
      ((0.5 * month + ticks + 0.5 * month) * 0.2) / 1e6 +
        ((0.5 * month * drainMs) / 1000 + ticks * 0.1) * 0.25 * gbSecond +
        0.5 * month * 0.037 * 0.125 * gbSecond,
      6,
    );
  });

  it('invokes the stream dispatcher once per stream read with new slots, whatever the number of stream groups', () => {
    const measured = measuredWith([SINGLE_INLINE], {
      sweep: { topics: 10, readUnits: 10, writeUnits: 0, ms: 100 },
    });
    const single = workload(ONE_REC);
    const [one, three] = costTable(measured, [single, { ...single, name: 'three groups', groups: 3 }]).map(
      (row) => row.sluiceBreakdown,
    );
    const month = 730 * 3600;
    const ticks = 60 * 730;
    // Two more groups: their invocations, ticks and drains, and 2 × 12 ms more per dispatch —
    // but no more dispatches (their requests are counted once) and no more topic reads.
    expect(three.consumerLambda - one.consumerLambda).toBeCloseTo(
      (2 * (month + ticks) * 0.2) / 1e6 +
        2 * ((month * ONE_RECORD_DRAIN_MS) / 1000 + ticks * 0.1) * 0.25 * 0.0000133334 +
        month * 2 * 0.012 * 0.125 * 0.0000133334,
      6,
    );
    expect(three.consumerDynamodb - one.consumerDynamodb).toBeCloseTo(
      (2 * (month * 3 + ticks * 4) * 0.125 + 2 * month * 2 * 0.625) / 1e6,
      6,
    );
  });

  it('prices Kinesis at its default 24 h and at the days the Sluice topic keeps, extended retention billed', () => {
    const oneMbPerSec = {
      name: 'x',
      recordsPerSec: 1000,
      recordBytes: 1024,
      recordsPerRequest: 1,
      partitions: 1,
    };
    const month = 730 * 3600;
    const putUnits = (1000 * month * 0.014) / 1e6; // one shard: 1,000 records/s, under 1 MiB/s
    expect(kinesisProvisionedCost(oneMbPerSec)).toBeCloseTo(730 * 0.015 + putUnits, 6);
    expect(kinesisProvisionedCost(oneMbPerSec, 7)).toBeCloseTo(730 * (0.015 + 0.02) + putUnits, 6);
    // On-demand bills the bytes held past the first day: 6 days of 1,000 KiB/s.
    const extraGb = (1000 * 1024 * 6 * 86_400) / 2 ** 30;
    expect(kinesisOnDemandCost(oneMbPerSec, 7) - kinesisOnDemandCost(oneMbPerSec)).toBeCloseTo(
      extraGb * 0.1,
      6,
    );
    expect(() => kinesisProvisionedCost(oneMbPerSec, 30)).toThrow(/1 to 7 days/);
    const rows = costTable(
      measuredWith([{ ...LARGE_SEGMENT, recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024) }]),
      [workload(ONE_MB), workload(`${ONE_MB}, retention 1 day`)],
    );
    const [week, day] = rows;
    expect([week.retentionDays, day.retentionDays]).toEqual([7, 1]);
    // A day's records cost a seventh of a week's to keep; everything else is the same traffic.
    expect(day.sluiceBreakdown.storage).toBeCloseTo(week.sluiceBreakdown.storage / 7, 1);
    expect(day.sluiceBreakdown.consumerDynamodb).toBe(week.sluiceBreakdown.consumerDynamodb);
    expect(week.kinesisProvisionedSameRetentionUsdPerMonth).toBeGreaterThan(
      week.kinesisProvisionedUsdPerMonth,
    );
    expect(day.kinesisProvisionedSameRetentionUsdPerMonth).toBe(day.kinesisProvisionedUsdPerMonth);
  });
  it('invokes a stream-triggered group once per batching window, not once per record, when it sets one', () => {
    const [perRecord, windowed] = costTable(measuredWith([SINGLE_INLINE]), [
      workload(ONE_REC),
      workload(`${ONE_REC}, maxBatchingWindow 5 s`),
    ]).map((row) => row.sluiceBreakdown);
    const month = 730 * 3600;
    // Every fifth second one drain of the partition (2 writes; the measured 3 read units plus a
    // log read for each of the 4 further sections), instead of one a second.
    const perSecond = month * (3 * 0.125 + 2 * 0.625);
    const perWindow = (month / 5) * ((3 + 4) * 0.125 + 2 * 0.625);
    expect(perRecord.consumerDynamodb - windowed.consumerDynamodb).toBeCloseTo(
      (perSecond - perWindow) / 1e6,
      6,
    );
    // A fifth of the group's invocations and of the dispatches (37 ms at 128 MB each), each
    // group invocation a drain of 5 records in 5 sections: the one-record drain's CPU, 4 more
    // records' and 4 more log reads' (priced at its CPU per request, 10 ms over 6), 9 DynamoDB
    // round trips and one invoke.
    const gbSecond = 0.0000133334;
    const cpuPerRecord = (70 - 10) / 1999;
    const windowMs = (10 + 4 * cpuPerRecord + (4 * 10) / 6) * (1769 / 256) + 9 * 10 + 30;
    expect(perRecord.consumerLambda - windowed.consumerLambda).toBeCloseTo(
      ((month - month / 5) * 2 * 0.2) / 1e6 +
        ((month * ONE_RECORD_DRAIN_MS - (month / 5) * windowMs) / 1000) * 0.25 * gbSecond +
        (month - month / 5) * 0.037 * 0.125 * gbSecond,
      6,
    );
    expect(windowed.dynamodbProduce).toBe(perRecord.dynamodbProduce);
  });
  it("prices no API Gateway request behind endpoint: 'function-url', and the rest as the default endpoint", () => {
    const shape = (recordsPerRequest: number, bodyBytes: number) => ({
      recordsPerRequest,
      recordBytes: 1024,
      idempotent: true,
      threshold: 'default' as const,
      inline: recordsPerRequest === 1,
      perRequest: {
        s3Put: recordsPerRequest === 1 ? 0 : 1,
        dynamodbWrite: 2,
        dynamodbRead: 0,
        writeUnits: 3,
        readUnits: 0,
      },
      deleteWriteUnits: 1,
      perFetch: { s3Get: 1, dynamodbRead: 1, readUnits: 1 },
      perEmptyFetch: { dynamodbRead: 1, readUnits: 1 },
      bodyBytes,
      sectionBytes: bodyBytes,
    });
    const measured = measuredWith([shape(1, 1400), shape(2000, 2_900_000)]);
    const pairs = [
      ['1 rec/s of 1 KB, single records (client defaults)', 1],
      ['1 MB/s from one producer, client defaults (1 KB records)', 0.5],
      ["1 MB/s from one producer, client defaults (1 KB records), trigger: 'poller'", 0.5],
    ] as const;
    for (const [name, requestsPerSec] of pairs) {
      const [viaApi, viaUrl] = costTable(
        measured,
        [name, `${name}, endpoint: 'function-url'`].map((n) => {
          const workload = WORKLOADS.find((w) => w.name === n);
          if (!workload) throw new Error(`no workload ${n}`);
          return workload;
        }),
      );
      // API Gateway meters 512 KB steps: a 2.9 MB body is 6 requests.
      const steps = name.startsWith('1 MB/s') ? 6 : 1;
      expect(viaApi.sluiceBreakdown.apiGateway).toBeCloseTo((requestsPerSec * 730 * 3600 * steps) / 1e6, 6);
      expect(viaUrl.sluiceBreakdown).toEqual({ ...viaApi.sluiceBreakdown, apiGateway: 0 });
      expect(viaUrl.sluiceUsdPerMonth).toBeCloseTo(
        viaApi.sluiceUsdPerMonth - viaApi.sluiceBreakdown.apiGateway,
        9,
      );
    }
  });

  it('labels each row of the by-item table apart, variants included', () => {
    const labels = WORKLOADS.map((w) => breakdownLabel(w.name));
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain(
      "1 MB/s from one producer, client defaults (1 KB records), endpoint: 'function-url'",
    );
    expect(labels).toContain("idle, trigger: 'poller'");
    expect(labels).toContain(
      "1 MB/s from one producer, client defaults (1 KB records), trigger: 'poller', endpoint: 'function-url'",
    );
    expect(labels).toContain('10 MiB/s');
    expect(labels).toContain('1 MB/s from one producer, client defaults (1 KB records), apiMemorySize 512');
    expect(labels).toContain(
      "1 rec/s of 1 KB, single records (client defaults), endpoint: 'function-url', maxBatchingWindow 5 s, retention 1 day, apiMemorySize 512",
    );
  });

  it('prices a poller at the default memory up to about 2 MB/s, then at what keeps it under half its CPU share', () => {
    expect(pollerMemoryFor(0)).toBe(512);
    expect(pollerMemoryFor(1_000_000)).toBe(512);
    // 10 + 65 × 4 = 270 ms a second: twice that share of 1,769 MB is 956 MB, in 64 MB steps.
    expect(pollerMemoryFor(4_000_000)).toBe(960);
    // 10 MiB/s would need more than one vCPU at half busy: one Node thread gets no more.
    expect(pollerMemoryFor(10 * 2 ** 20)).toBe(1769);
    const rows = costTable(
      measuredWith([
        { ...LARGE_SEGMENT, recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024) },
        { ...LARGE_SEGMENT, recordsPerRequest: recordsPerRequestWithDefaults((10 * 2 ** 20) / 1024, 1024) },
      ]),
      WORKLOADS.filter((w) =>
        /^(1 MB\/s|10 MiB\/s) from one producer, client defaults \(1 KB records\), trigger: 'poller'$/.test(
          w.name,
        ),
      ),
    );
    const month = 730 * 3600 * 0.0000133334;
    expect(rows.map((r) => r.sluiceBreakdown.consumerLambda - (12 * 730 * 0.2) / 1e6)).toEqual([
      expect.closeTo(month * 0.5, 6),
      expect.closeTo((month * 1769) / 1024, 6),
    ]);
  });
  it('charges the S3 GETs of a large section once per section, as measured, not once per batch', () => {
    const rowsWith = (s3Get: number) =>
      costTable(
        measuredWith([LARGE_SEGMENT], {
          sectionDelivery: {
            poller: { records: 2000, batches: 20, s3Get },
            stream: { records: 2000, batches: 20, s3Get },
          },
        }),
        [workload(ONE_MB), workload(`${ONE_MB}, trigger: 'poller'`)],
      ).map((row) => row.sluiceBreakdown);
    const sectionsPerMonth = 0.5 * 730 * 3600; // 1,000 records/s in requests of 2,000
    const [streamed, polled] = rowsWith(1);
    expect(polled.consumerS3Get).toBeCloseTo((sectionsPerMonth * 0.4) / 1e6, 6);
    expect(streamed.consumerS3Get).toBeCloseTo((sectionsPerMonth * 0.4) / 1e6, 6);
    // A consumer that read the section again for each of its 20 batches would pay 20 times that.
    const [rereading] = rowsWith(20);
    expect(rereading.consumerS3Get).toBeCloseTo(20 * streamed.consumerS3Get, 6);
  });

  it("prices the poller's commits by its rule: one per section read, at least one per commit interval, at most one per batch", () => {
    const flow = (recordsPerSec: number, recordsPerRequest: number, partitions: number) =>
      pollerCommitsPerSecond({ name: 'x', recordBytes: 1024, recordsPerSec, recordsPerRequest, partitions });
    // 1 MB/s with the client's defaults: a 2,000-record section every 2 s, 20 batches each,
    // one commit when the section is delivered (a commit per batch was 10 a second).
    expect(flow(1_000, 2_000, 2)).toBeCloseTo(0.5, 9);
    // Single records: every record is a section, a batch and a catch-up.
    expect(flow(1, 1, 1)).toBe(1);
    // Sparse traffic: no more than one per batch, whatever the interval says.
    expect(flow(0.01, 1, 1)).toBe(0.01);
    // Many small sections arrive per batch: a batch of 100 catches up, one commit each.
    expect(flow(1_000, 1, 2)).toBe(10);
    // Large sections over many partitions: the interval's floor, 1 per 5 s per partition.
    expect(flow(10_000, 10_000, 100)).toBe(20);

    // The 1 MB/s row's consumer writes: the commits above plus a heartbeat every 5 s.
    const [row] = costTable(
      measuredWith([{ ...LARGE_SEGMENT, recordsPerRequest: recordsPerRequestWithDefaults(1_000, 1024) }]),
      [workload(`${ONE_MB}, trigger: 'poller'`)],
    );
    const month = 730 * 3600;
    const pollsPerMonth = 2 * 10 * month; // two partitions at 10 polls a second
    const sectionsPerMonth = 0.5 * month;
    const readUnits = sectionsPerMonth * 1 + (pollsPerMonth - sectionsPerMonth) * 1 + 0.2 * month;
    const writeUnits = (0.5 + 0.2) * month;
    expect(row.sluiceBreakdown.consumerDynamodb).toBeCloseTo(
      (readUnits * 0.125 + writeUnits * 0.625) / 1e6,
      6,
    );
  });
});
