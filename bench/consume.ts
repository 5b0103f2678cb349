import { sleep } from '../shared/retry';
import { type AwsCalls, awsCalls, perOperation } from './aws-calls';
import type { BenchHarness } from './harness';
import { batchBody, createTopic, fetchPage, produceBatch, topicUrls } from './http-client';
import type { BenchPlan } from './plan';
import { type LatencySummary, nowMs, summarize } from './stats';

/** What one fetch through the HTTP API cost in AWS calls, and how long it took. */
export interface FetchCostResult {
  readonly fetches: number;
  /** A fetch that returned one produce request's records (one section). */
  readonly perFetch: Omit<AwsCalls, 'raw'>;
  /** A fetch at the end of the log that found nothing. */
  readonly perEmptyFetch: Omit<AwsCalls, 'raw'>;
  readonly latencyMs: LatencySummary;
  readonly calls: AwsCalls;
}

/**
 * Reads partition 0 of the produce benchmark's topic from offset 0 as a consumer would, one
 * produce request's worth of records per fetch (so each fetch touches one section), counting
 * the server's AWS calls; then polls the end of the log a few times (empty fetches).
 *
 * @example
 * const cost = await measureFetchCost(harness, plan, 'bench-produce');
 */
export async function measureFetchCost(
  harness: BenchHarness,
  plan: BenchPlan,
  topic: string,
): Promise<FetchCostResult> {
  const url = topicUrls(harness.baseUrl, harness.config.clusterId, topic).partition(0);
  await fetchPage(url, 0, plan.recordsPerRequest); // warm the topic cache
  await harness.takeCounts();
  const latencies: number[] = [];
  let offset = 0;
  let logEnd = Number.POSITIVE_INFINITY;
  while (latencies.length < plan.fetches && offset < logEnd) {
    const t0 = nowMs();
    const page = await fetchPage(url, offset, plan.recordsPerRequest);
    latencies.push(nowMs() - t0);
    if (page.count === 0) break;
    offset = page.nextOffset;
    logEnd = page.logEndOffset;
  }
  const calls = awsCalls(await harness.takeCounts());

  const empties = Math.max(5, Math.round(plan.fetches / 5));
  for (let i = 0; i < empties; i++) {
    const page = await fetchPage(url, logEnd, plan.recordsPerRequest);
    if (page.count !== 0)
      throw new Error('an end-of-log fetch returned records: is something still producing?');
  }
  return {
    fetches: latencies.length,
    perFetch: perOperation(calls, latencies.length),
    perEmptyFetch: perOperation(awsCalls(await harness.takeCounts()), empties),
    latencyMs: summarize(latencies),
    calls,
  };
}

/** Time from sending a record to a polling consumer seeing it, and the unloaded produce time. */
export interface EndToEndResult {
  readonly samples: number;
  readonly timedOut: number;
  /** Produce requests of this phase that failed (their samples time out too). */
  readonly failedProduces: number;
  readonly endToEndMs: LatencySummary;
  /** The produce requests of this phase: one at a time, so no queueing behind other clients. */
  readonly unloadedProduceMs: LatencySummary;
}

/** Give up on one sample after this long without seeing the record. */
const SAMPLE_TIMEOUT_MS = 5_000;
/** Pause between polls of the waiting consumer. */
const POLL_PAUSE_MS = 5;

/**
 * One record (of `recordBytes`) at a time: the consumer starts polling the fetch endpoint at
 * the offset the record will get, the producer sends it, and the sample is the time from
 * sending to the consumer's first response holding it. Polls are 5 ms apart, so this is the
 * system's floor, not a Lambda poller's 100 ms cadence. No other load runs meanwhile.
 *
 * @example
 * const e2e = await measureEndToEnd(harness, plan);
 */
export async function measureEndToEnd(harness: BenchHarness, plan: BenchPlan): Promise<EndToEndResult> {
  const topic = 'bench-e2e';
  await createTopic(harness.baseUrl, harness.config.clusterId, topic, 1);
  const urls = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
  const body = batchBody(1, plan.recordBytes, 0);
  let next = (await produceBatch(urls.batch, body)) + 1; // warm-up: caches, connections
  const endToEnd: number[] = [];
  const produce: number[] = [];
  let timedOut = 0;
  let failedProduces = 0;
  const begin = nowMs();
  for (let i = 0; i < plan.endToEndSamples && nowMs() - begin < plan.endToEndMaxMs; i++) {
    const t0 = nowMs();
    const sent = produceBatch(urls.batch, body).then((offset) => {
      produce.push(nowMs() - t0);
      return offset;
    });
    sent.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let seen = false;
    while (!seen && nowMs() - t0 < SAMPLE_TIMEOUT_MS) {
      const page = await fetchPage(urls.partition(0), next, 1);
      if (page.count > 0) seen = true;
      else await sleep(POLL_PAUSE_MS);
    }
    if (seen) endToEnd.push(nowMs() - t0);
    else timedOut++;
    try {
      next = (await sent) + 1;
    } catch {
      failedProduces++;
      next = (await fetchPage(urls.partition(0), 0, 1)).logEndOffset;
    }
  }
  return {
    samples: endToEnd.length,
    timedOut,
    failedProduces,
    endToEndMs: summarize(endToEnd),
    unloadedProduceMs: summarize(produce),
  };
}
